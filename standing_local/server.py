"""`make serve`: the HTTP API on 127.0.0.1 over embedded AWS, loaded with demo data, for curl and real clients.

Each request becomes the API Gateway HTTP API (v2.0) event the deployed API would send, routed to the function
the template routes it to (POST /events -> ingest, the rest -> api); anything ingested is aggregated at once.
Local only: no SigV4 check (the deployed API has IAM auth).
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from standing_local.embedded import Deployment, embedded_aws


def _handler_class(deployment: Deployment) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "standing-local"

        def _respond(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8") if length else None
            query = dict(parse_qsl(url.query))
            status, body = deployment.request(method, url.path, query=query or None, raw_body=raw)
            if method == "POST" and url.path == "/events":
                deployment.drain()  # aggregate (and notify) right away, as the stream would within seconds
            payload = json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._respond("GET")

        def do_POST(self) -> None:
            self._respond("POST")

        def log_message(self, format: str, *args: Any) -> None:
            print(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}", flush=True)

    return Handler


def serve(host: str, port: int, scale: float) -> int:
    from standing_local.marketplace import MarketplaceSpec, generate
    from standing_local.pipeline import Pipeline, parse_lines

    spec = MarketplaceSpec(kkday=30, booking_property=15, booking_rides=20, tiki=20, scale=scale)
    envelopes = generate(spec)
    lines, refused = parse_lines(json.dumps(e) for e in envelopes)
    with embedded_aws() as deployment:
        print(f"Loading demo data: {len(lines)} events, {spec.start} .. {spec.end} ...", flush=True)
        until = datetime.combine(spec.end, time(23, 59, 59), tzinfo=UTC)
        Pipeline(deployment, projection_every_days=7, progress=True).run(lines, until, refused)
        partner = next(e["partner_id"] for e in envelopes if e["partner_id"].startswith("kk-"))
        booking = next(e["partner_id"] for e in envelopes if e["partner_id"].startswith("bp-"))
        base = f"http://{host}:{port}"
        print(
            f"\nStanding API on {base} (Ctrl-C to stop). Try:\n"
            f"  curl {base}/programs\n"
            f"  curl {base}/partners/{partner}/standing\n"
            f"  curl '{base}/partners/{partner}/evaluations?program=kkday-trusted-partner'\n"
            f"  curl -X POST {base}/partners/{booking}/programs/booking-preferred-property/membership "
            '-d \'{"action": "opt_out"}\'\n'
            f"  curl -X POST {base}/events -d @events.json\n",
            flush=True,
        )
        server = HTTPServer((host, port), _handler_class(deployment))
        try:
            with contextlib.suppress(KeyboardInterrupt):
                server.serve_forever()
        finally:
            server.server_close()
    return 0
