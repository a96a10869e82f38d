"""`standing`: the local front door.

standing demo [--out out]                          generated marketplace through the whole pipeline
standing replay EVENTS.jsonl --until DATE --out DIR your own events through the same pipeline
standing serve [--port 3000]                       the HTTP API over embedded AWS with the demo data
standing portal-link PARTNER_ID [--ttl 7d]         a signed link to a partner's page
standing openapi [--check]                         write (or check) docs/openapi.json
standing schemas [--check]                         write (or check) docs/schemas/ (the bus events' JSON Schemas)
standing backtest --program DRAFT.yaml --events EVENTS.jsonl --from DATE --to DATE --out DIR
standing redrive [--out out | --stack NAME]        apply the events the aggregation parked (local run or AWS)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from standing_local import backtest, jsonl, redrive
from standing_local.template import ROOT


class HELP(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's help ends with its default, when it has one."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def _quiet() -> None:
    """The local run prints a progress bar and a summary; Lambda-style JSON logs would drown them."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)


def _until(text: str) -> datetime:
    """A date means the end of that day (UTC); a full RFC 3339 instant is taken as it is."""
    with contextlib.suppress(ValueError):
        return datetime.combine(date.fromisoformat(text), clock_time(23, 59, 59), tzinfo=UTC)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--until {text!r}: not a date (2024-11-05) or an RFC 3339 instant") from None
    if at.tzinfo is None:
        raise argparse.ArgumentTypeError(f"--until {text!r}: give a date (2024-11-05) or an instant with an offset")
    return at.astimezone(UTC)


def _print_summary(summary_path: Path) -> None:
    print(summary_path.read_text(encoding="utf-8"))


def demo(args: argparse.Namespace) -> int:
    from standing_local.embedded import embedded_aws
    from standing_local.marketplace import MarketplaceSpec, generate
    from standing_local.pipeline import Pipeline, parse_lines, write_outputs
    from standing_local.server import refresh_projection, save_state

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # Sized for embedded DynamoDB (docs/decisions.md): 185 partners, June to early October 2024. Tiki shops are
    # generated at five times the volume: its bars are volumes (50 or 200 successful orders in 3 months).
    end = date(2024, 10, 5)
    spec = MarketplaceSpec(kkday=80, booking_property=40, booking_rides=50, tiki=0, end=end, scale=args.scale)
    shops = MarketplaceSpec(kkday=0, booking_property=0, booking_rides=0, tiki=15, end=end, scale=args.scale * 5)
    print(f"Generating a marketplace ({spec.start} .. {spec.end}) ...", flush=True)
    envelopes = generate(spec) + generate(shops)
    events_file = out / "events.jsonl"
    events_file.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in envelopes), encoding="utf-8")
    lines, refused = parse_lines(jsonl.read(events_file))
    until = datetime.combine(spec.end, clock_time(23, 59, 59), tzinfo=UTC)
    started = time.perf_counter()
    with embedded_aws() as deployment:
        print(
            f"Deployed template.yaml into embedded AWS in {deployment.deploy_seconds:.1f} s; "  # type: ignore[attr-defined]
            f"replaying {len(lines)} events to {until.date()} ...",
            flush=True,
        )
        summary = Pipeline(deployment, projection_every_days=args.projection_every).run(lines, until, refused)
        summary.seconds = time.perf_counter() - started
        write_outputs(summary, out, "Standing demo")
        refresh_projection(deployment, until)  # the state serve starts from has today's projection
        save_state(deployment, out / "state", until)  # `make serve` starts from here in seconds
    _print_summary(out / "summary.md")
    print(f"Wrote {out}/evaluations.jsonl, {out}/emails/ ({summary.emails} emails), {out}/summary.md, {events_file}")
    return 0


def replay(args: argparse.Namespace) -> int:
    from standing_local.embedded import embedded_aws
    from standing_local.pipeline import Pipeline, parse_lines, write_outputs

    source = Path(args.events)
    if not source.is_file():
        print(f"standing replay: no such file: {source}", file=sys.stderr)
        return 2
    lines, refused = parse_lines(jsonl.read(source))
    started = time.perf_counter()
    with embedded_aws() as deployment:
        summary = Pipeline(deployment, projection_every_days=args.projection_every).run(lines, args.until, refused)
        summary.seconds = time.perf_counter() - started
        write_outputs(summary, Path(args.out), f"Standing replay of {source.name} until {args.until.isoformat()}")
    _print_summary(Path(args.out) / "summary.md")
    return 0


def serve(args: argparse.Namespace) -> int:
    from standing_local.server import serve as run_server

    state = Path(args.out) / "state"
    return run_server(args.host, args.port, args.scale, state=state, events=Path(args.out) / "events.jsonl")


def _ttl(text: str) -> timedelta:
    """`7d`, `12h`, `30m` or `3600s`."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit() or int(number) <= 0:
        raise argparse.ArgumentTypeError(f"--ttl {text!r}: give a positive number with d, h, m or s (e.g. 7d)")
    return timedelta(seconds=int(number) * units[unit])


def portal_link(args: argparse.Namespace) -> int:
    """Sign a link with the deployment's key: the deployed secret (--secret-id, for support staff on AWS), or
    the key `make serve` runs with (saved in OUT/state by the demo run or by serve itself)."""
    from standing import signing

    if args.secret_id:
        if not args.base:
            print("standing portal-link: --base is required with --secret-id (the stack's ApiUrl)", file=sys.stderr)
            return 2
        os.environ["SIGNING_SECRET_ID"] = args.secret_id
        from standing.adapters import secrets

        try:
            key = secrets.signing_keys()[0]
        except secrets.SecretError as error:
            print(f"standing portal-link: {error} (secret {args.secret_id!r})", file=sys.stderr)
            return 2
    else:
        from standing_local.server import KEY_FILE

        key_file = Path(args.out) / "state" / KEY_FILE
        if not key_file.is_file():
            print(
                f"standing portal-link: no local signing key in {key_file}: run `make demo` or `make serve` first, "
                "or pass --secret-id and --base for a deployed stack",
                file=sys.stderr,
            )
            return 2
        key = key_file.read_text(encoding="utf-8").encode("utf-8")
    now = args.now or datetime.now(UTC)
    token = signing.sign(args.partner_id, "portal", now + args.ttl, key)
    base = (args.base or "http://127.0.0.1:3000").rstrip("/")
    print(f"{base}/portal/{token}")
    return 0


def openapi(args: argparse.Namespace) -> int:
    from standing_local.openapi import DOC, render

    text = render()
    if args.check:
        if not DOC.is_file() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC.relative_to(ROOT)} is stale: run `standing openapi`", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


def schemas(args: argparse.Namespace) -> int:
    from standing_local.schemas import stale, write

    folder = Path(args.out)
    shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    if args.check:
        problems = stale(folder)
        if problems:
            print(f"{shown} is stale ({', '.join(problems)}): run `standing schemas`", file=sys.stderr)
            return 1
        return 0
    written = write(folder)
    print(f"wrote {len(written)} schemas into {shown}")
    return 0


def main(argv: list[str] | None = None) -> int:
    _quiet()
    parser = argparse.ArgumentParser(
        prog="standing",
        description="Standing, run locally on embedded AWS",
        formatter_class=HELP,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "demo", help="generate a marketplace and run it through the whole pipeline", formatter_class=HELP
    )
    p.add_argument("--out", default="out", help="folder for evaluations.jsonl, emails/, summary.md and state/")
    p.add_argument("--scale", type=float, default=0.25, help="activity volume per partner (1.0 = a busy marketplace)")
    p.add_argument(
        "--projection-every",
        type=int,
        default=14,
        metavar="DAYS",
        help="fire the daily projection schedule every DAYS simulated days (1 = every day)",
    )
    p.set_defaults(func=demo)

    p = sub.add_parser(
        "replay", help="run your own events (one envelope a line) through the pipeline", formatter_class=HELP
    )
    p.add_argument("events", help="a file of event envelopes, one JSON object a line")
    p.add_argument("--until", required=True, type=_until, help="stop the clock here (date or RFC 3339 instant)")
    p.add_argument("--out", required=True, help="folder for evaluations.jsonl, emails/, summary.md, rejected.jsonl")
    p.add_argument(
        "--projection-every",
        type=int,
        default=1,
        metavar="DAYS",
        help="fire the daily projection schedule every DAYS simulated days",
    )
    p.set_defaults(func=replay)

    p = sub.add_parser(
        "serve", help="the HTTP API on 127.0.0.1 over embedded AWS with the demo data", formatter_class=HELP
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")), help="port (env PORT)")
    p.add_argument("--out", default="out", help="the demo run to serve (its state/ starts serve in seconds)")
    p.add_argument("--scale", type=float, default=0.3, help="volume of the marketplace generated when out/ is empty")
    p.set_defaults(func=serve)

    p = sub.add_parser("portal-link", help="print a signed link to a partner's page", formatter_class=HELP)
    p.add_argument("partner_id", metavar="PARTNER_ID", help="the partner the link opens the page of")
    p.add_argument("--ttl", type=_ttl, default="7d", help="how long the link works: 7d, 12h, 30m or 3600s")
    p.add_argument("--base", help="API base URL (default http://127.0.0.1:3000; the stack's ApiUrl on AWS)")
    p.add_argument("--secret-id", help="the deployed signing secret (resource SigningSecret) instead of the local key")
    p.add_argument("--out", default="out", help="the local run whose signing key to use")
    p.add_argument("--now", type=_until, help=argparse.SUPPRESS)  # sign as of another instant (the run's clock)
    p.set_defaults(func=portal_link)

    backtest.add_parser(sub)
    redrive.add_parser(sub)

    p = sub.add_parser("openapi", help="write docs/openapi.json from the handlers' routes", formatter_class=HELP)
    p.add_argument("--check", action="store_true", help="fail if docs/openapi.json is stale")
    p.set_defaults(func=openapi)

    p = sub.add_parser("schemas", help="write docs/schemas/ from standing.contracts", formatter_class=HELP)
    p.add_argument("--check", action="store_true", help="fail if a file in docs/schemas/ is stale")
    p.add_argument("--out", default=str(ROOT / "docs" / "schemas"), help=argparse.SUPPRESS)
    p.set_defaults(func=schemas)

    args = parser.parse_args(argv)
    return int(args.func(args))


def _version() -> str:
    try:
        return package_version("standing")
    except PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


if __name__ == "__main__":
    raise SystemExit(main())
