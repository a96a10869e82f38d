"""`make serve`: the HTTP API on 127.0.0.1 over embedded AWS, loaded with demo data, for curl, browsers and clients.

Each request becomes the API Gateway HTTP API (v2.0) event the deployed API would send, routed to the function
the template routes it to (POST /events -> ingest, the rest -> api); anything ingested is aggregated at once.
Local only: no SigV4 check (the deployed API has IAM auth; the partner's page is open there too, its signed link
is the authorisation). A method no route takes gets a JSON 405, an unknown path a JSON 404.

Start-up reuses the last demo run: `standing demo` saves the tables it filled, the signing key and the instant its
simulated clock stopped at into `out/state/`; serve deploys the template afresh, writes those items back (a few
seconds) and serves on that clock (it starts where the run stopped and ticks on), so opt-ins are judged on the
run's own data as of the run's own date. Without a saved state it replays `out/events.jsonl` through the whole
pipeline, and without that it generates a small marketplace (both take minutes).
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3

from standing.adapters import tables
from standing_local.embedded import Deployment, Route, embedded_aws
from standing_local.lambda_events import http_api_event
from standing_local.template import ACCOUNT_ID, REGION, ROOT

STATE_DIR = ROOT / "out" / "state"
KEY_FILE = "signing-key"  # the local signing key, so `standing portal-link` can sign for make serve
TABLES = ("EventsTable", "StateTable")
OPEN_ROUTES_AUTH = "NONE"


# ------------------------------------------------------------------------------------------------ saved state
def _tables() -> Any:
    """moto's DynamoDB backend: the saved state is read and written item by item in the wire format, without a
    Scan or BatchWriteItem round trip through botocore for each page (that took minutes; this takes seconds)."""
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT_ID][REGION]


def save_state(deployment: Deployment, folder: Path, now: datetime) -> int:
    """Write every item of the stack's tables, the signing key and the run's clock to `folder`; returns items."""
    folder.mkdir(parents=True, exist_ok=True)
    backend = _tables()
    count = 0
    for logical_id in TABLES:
        with (folder / f"{logical_id}.jsonl").open("w", encoding="utf-8") as handle:
            for item in backend.get_table(deployment.name_of(logical_id)).all_items():
                handle.write(json.dumps(item.to_json()["Attributes"], separators=(",", ":"), default=_binary) + "\n")
                count += 1
    (folder / KEY_FILE).write_text(signing_key(deployment), encoding="utf-8")
    (folder / "clock.json").write_text(json.dumps({"now": now.astimezone(UTC).isoformat()}) + "\n", encoding="utf-8")
    return count


def _binary(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot save {type(value).__name__}")


def load_state(deployment: Deployment, folder: Path) -> tuple[datetime, int]:
    """Write a saved state into a fresh deployment; returns the saved clock and the number of items."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    backend = _tables()
    count = 0
    for logical_id in TABLES:
        table = backend.get_table(deployment.name_of(logical_id))
        with (folder / f"{logical_id}.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                # Straight into moto's in-memory table: the items were validated when the run wrote them, and
                # moto's put_item re-sizes every attribute of every item (10 s here instead of 2 s).
                attrs = json.loads(line)
                hash_value = DynamoType(attrs[table.hash_key_attr])
                range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
                item = Item(hash_value, range_value, {})
                dict.update(item.attrs, {key: DynamoType(value) for key, value in attrs.items()})
                if range_value is None:
                    table.items[hash_value] = item
                else:
                    table.items[hash_value][range_value] = item
                count += 1
        deployment.skip_stream(logical_id)  # nothing loaded went through the stream; start after it anyway
    secret_id = deployment.name_of("SigningSecret")
    boto3.client("secretsmanager", region_name=REGION).put_secret_value(
        SecretId=secret_id, SecretString=(folder / KEY_FILE).read_text(encoding="utf-8")
    )
    now = datetime.fromisoformat(json.loads((folder / "clock.json").read_text(encoding="utf-8"))["now"])
    return now, count


def refresh_projection(deployment: Deployment, at: datetime) -> None:
    """Fire the daily projection schedule once at `at` (a run that fires it only every few simulated days ends with
    a fresh one, so "if evaluated today" is today's) and let everything downstream finish."""
    for schedule in deployment.schedules:
        if '"projection"' in schedule.input:
            deployment.fire(schedule, at)
    deployment.drain()


def signing_key(deployment: Deployment) -> str:
    secrets = boto3.client("secretsmanager", region_name=REGION)
    return str(secrets.get_secret_value(SecretId=deployment.name_of("SigningSecret"))["SecretString"])


# ------------------------------------------------------------------------------------------------ requests
def _route_auth(deployment: Deployment) -> dict[tuple[str, str], str | None]:
    from standing_local.template import load_sam

    auth: dict[tuple[str, str], str | None] = {}
    for resource in load_sam()["Resources"].values():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event["Type"] == "HttpApi":
                props = event["Properties"]
                auth[(props["Method"].upper(), props["Path"])] = (props.get("Auth") or {}).get("Authorizer")
    return auth


def dispatch(
    deployment: Deployment,
    auth: dict[tuple[str, str], str | None],
    method: str,
    target: str,
    body: str | None,
    headers: dict[str, str],
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request through the route the template gives it: (status, headers, body)."""
    url = urlsplit(target)
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    matched: tuple[Route, dict[str, str]] | None = None
    allowed: list[str] = []
    for route in deployment.routes:
        params = route.match(route.method, url.path)
        if params is None:
            continue
        allowed.append(route.method)
        if route.method == method:
            matched = (route, params)
    if matched is None:
        if allowed:
            return _json(
                405,
                {
                    "error": "method_not_allowed",
                    "message": f"{method} is not served on {url.path}; use {', '.join(sorted(set(allowed)))}",
                    "details": [{"allowed": sorted(set(allowed))}],
                },
                {"Allow": ", ".join(sorted(set(allowed)))},
            )
        return _json(404, {"error": "not_found", "message": f"no route {method} {url.path}", "details": []})
    route, params = matched
    event = http_api_event(method, url.path, route.path, None, params, query or None, body)
    event["rawQueryString"] = url.query
    event["headers"] = {k.lower(): v for k, v in headers.items()}
    event["headers"].setdefault("content-type", "application/json")
    if auth.get((route.method, route.path)) == OPEN_ROUTES_AUTH:
        event["requestContext"].pop("authorizer", None)  # an open route: API Gateway sends no caller identity
    response = deployment.invoke(route.function, event)
    payload = response.get("body") or ""
    raw = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode("utf-8")
    out_headers = {str(k): str(v) for k, v in (response.get("headers") or {}).items()}
    for key, values in (response.get("multiValueHeaders") or {}).items():
        out_headers[str(key)] = ", ".join(str(v) for v in values)
    if response.get("cookies"):
        out_headers["Set-Cookie"] = "; ".join(response["cookies"])
    if method == "POST":
        # Run the streams and queues right away, as AWS would within seconds: events aggregate, and what a change
        # owes (a membership's confirmation, its standing change) is published and emailed.
        deployment.drain()
    return int(response["statusCode"]), out_headers, raw


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    payload = json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, payload


def _handler_class(deployment: Deployment) -> type[BaseHTTPRequestHandler]:
    auth = _route_auth(deployment)

    class Handler(BaseHTTPRequestHandler):
        server_version = "standing-local"

        def _respond(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8") if length else None
            headers = {k: v for k, v in self.headers.items()}
            status, out_headers, payload = dispatch(deployment, auth, self.command, self.path, raw, headers)
            self.send_response(status)
            out_headers.setdefault("Content-Type", "application/json; charset=utf-8")
            for key, value in out_headers.items():
                if key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def __getattr__(self, name: str) -> Any:
            # http.server answers a method it has no do_X for with an HTML 501; every method goes through
            # the routes instead, so an unknown one gets the API's JSON 405 (or 404 on an unknown path).
            if name.startswith("do_"):
                return self._respond
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            path = self.path.split("?")[0]
            if path.startswith("/portal/"):
                path = "/portal/…"  # a portal link is a credential: keep it out of the log
            print(f"{self.command} {path} -> {args[1] if len(args) > 1 else ''}", flush=True)

    return Handler


# ------------------------------------------------------------------------------------------------ start-up
@contextlib.contextmanager
def _clock_at(now: datetime | None) -> Iterator[None]:
    """Run on the saved run's clock: time starts at `now` and ticks on (the deployed API uses real time)."""
    if now is None:
        yield
        return
    import time_machine

    with time_machine.travel(now, tick=True):
        yield


def _load(deployment: Deployment, state: Path, events: Path, scale: float) -> datetime | None:
    """Fill the deployment; returns the simulated clock to serve on."""
    from standing_local import jsonl
    from standing_local.pipeline import Pipeline, parse_lines

    if (state / "clock.json").is_file():
        started = time.perf_counter()
        now, items = load_state(deployment, state)
        print(f"Loaded the demo run's state from {state}: {items} items in {time.perf_counter() - started:.1f} s")
        return now
    if events.is_file():
        print(f"No saved state in {state}: replaying {events} through the pipeline (minutes; `make demo` saves one)")
        lines, refused = parse_lines(jsonl.read(events))
        readable = [line.at for line in lines if line.at is not None]
        until = datetime.combine(max(readable).date(), clock_time(23, 59, 59), tzinfo=UTC)
    else:
        from standing_local.marketplace import MarketplaceSpec, generate

        print("No demo run in out/: generating a small marketplace (minutes; run `make demo` first to start fast)")
        spec = MarketplaceSpec(kkday=30, booking_property=15, booking_rides=20, tiki=20, scale=scale)
        lines, refused = parse_lines(json.dumps(e) for e in generate(spec))
        until = datetime.combine(spec.end, clock_time(23, 59, 59), tzinfo=UTC)
    Pipeline(deployment, projection_every_days=7, progress=True).run(lines, until, refused)
    refresh_projection(deployment, until)
    save_state(deployment, state, until)
    return until


def _examples(deployment: Deployment, now: datetime, base: str) -> str:
    from standing import signing

    items = _tables().get_table(deployment.name_of("StateTable")).all_items()
    partners = sorted(
        tables.partner_of(str(item.attrs["pk"].value)) for item in items if item.attrs["sk"].value == tables.PROFILE_SK
    )
    first = next((p for p in partners if p.startswith("kk-")), partners[0] if partners else "kk-0001")
    # The opt-in example: a property outside the program whose latest record meets every criterion.
    latest: dict[str, dict[str, Any]] = {}
    for item in items:
        if str(item.attrs["sk"].value).startswith(tables.evaluation_prefix("booking-preferred-property")):
            plain = {name: base64.b64decode(a.value) if a.type == "B" else a.value for name, a in item.attrs.items()}
            record = tables.document_of(plain, "record")
            if record["period"]["start"] >= latest.get(record["partner_id"], {}).get("period", {}).get("start", ""):
                latest[record["partner_id"]] = record
    joinable = sorted(p for p, r in latest.items() if r["status"] == "opted_out" and not r["failing"])
    booking = joinable[0] if joinable else next((p for p in partners if p.startswith("bp-")), first)
    key = signing_key(deployment).encode("utf-8")
    token = signing.sign(first, "portal", now + timedelta(days=7), key)
    return (
        f"\nStanding API on {base} (Ctrl-C to stop), clock at {now.isoformat(timespec='seconds')}.\n"
        f"  Operator console:     {base}/console\n"
        f"  {first}'s page (7 days): {base}/portal/{token}\n"
        f"  curl {base}/programs\n"
        f"  curl {base}/partners/{first}/standing\n"
        f"  curl '{base}/partners/{first}/evaluations?program=kkday-trusted-partner'\n"
        f"  curl -X POST {base}/partners/{booking}/programs/booking-preferred-property/membership "
        "-H 'content-type: application/json' -d '{\"action\": \"opt_in\"}'   # granted if met on the run's date\n"
        f"  .venv/bin/standing portal-link {booking}\n"
    )


def serve(host: str, port: int, scale: float, state: Path = STATE_DIR, events: Path | None = None) -> int:
    base = f"http://{host}:{port}"
    events = events or state.parent / "events.jsonl"
    try:
        server = HTTPServer((host, port), BaseHTTPRequestHandler)  # the port first: a busy one fails at once
    except OSError as error:
        print(f"standing serve: cannot listen on {host}:{port}: {error.strerror} (PORT=... to choose another)")
        return 2
    try:
        with embedded_aws(base_url=base) as deployment:
            now = _load(deployment, state, events, scale)
            server.RequestHandlerClass = _handler_class(deployment)
            with _clock_at(now):
                print(_examples(deployment, now or datetime.now(UTC), base), flush=True)
                with contextlib.suppress(KeyboardInterrupt):
                    server.serve_forever()
    finally:
        server.server_close()
    return 0
