"""`standing backtest`: judge a draft program against the program in force on an events file, with no AWS.

    standing backtest --program DRAFT.yaml --events EVENTS.jsonl --from DATE --to DATE --out DIR [--base FILE]

See docs/backtest.md. Exit codes: 0 done, 2 the draft (or base) does not load, or a file is missing; 1 a file
could not be read or written (the events file is split on disk under TMPDIR).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from standing.catalog import programs
from standing.evaluate import simulation
from standing.rules import Program, ProgramError


def _load(path: Path, role: str) -> Program:
    if not path.is_file():
        raise ProgramError(str(path), "", f"no such {role} file")
    return simulation.load_draft(path.read_text(encoding="utf-8"), str(path))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give a date, e.g. 2024-10-31") from None


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backtest", help="judge a draft program against the program in force, in memory")
    p.add_argument("--program", required=True, metavar="DRAFT.yaml", help="the draft program")
    p.add_argument("--events", required=True, metavar="EVENTS.jsonl", help="one event envelope a line")
    p.add_argument("--from", dest="start", required=True, type=_day, metavar="DATE", help="first evaluation day (UTC)")
    p.add_argument("--to", dest="end", required=True, type=_day, metavar="DATE", help="last evaluation day (UTC)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--base", metavar="FILE", help="the program to compare with (default: the built-in one)")
    p.add_argument("--workers", type=int, default=1, help="processes, partners split between them (0: every core)")
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    from standing_local.backtest import report
    from standing_local.backtest.run import backtest

    try:
        draft = _load(Path(args.program), "draft program")
        if args.base:
            base = _load(Path(args.base), "base program")
        elif draft.id in programs():
            base = programs()[draft.id]
        else:
            raise ProgramError(str(args.program), "id", f"no built-in program {draft.id!r}: name one with --base")
    except ProgramError as error:
        print("standing backtest: the program does not load", file=sys.stderr)
        print(f"  file:   {error.file}\n  path:   {error.path or '(top)'}\n  reason: {error.message}", file=sys.stderr)
        return 2
    events = Path(args.events)
    if not events.is_file():
        print(f"standing backtest: no such file: {events}", file=sys.stderr)
        return 2
    if args.end < args.start:
        print("standing backtest: --to is before --from", file=sys.stderr)
        return 2
    start = datetime.combine(args.start, datetime.min.time(), tzinfo=UTC)
    until = datetime.combine(args.end + timedelta(days=1), datetime.min.time(), tzinfo=UTC) - timedelta(seconds=1)
    workers = args.workers if args.workers > 0 else (os.cpu_count() or 1)
    zones = {p.id: p.time_zone for p in programs().values()}
    started = time.perf_counter()
    try:
        result = backtest(base, draft, zones, events, start, until, workers)
    except OSError as error:  # the split's files (TMPDIR), or the events file itself
        print(f"standing backtest: {error.strerror or error} ({error.filename or 'TMPDIR'})", file=sys.stderr)
        print("  the events file is split on disk under TMPDIR: it needs about the file's size free", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ids = simulation.metric_ids(base, draft)
    report.write_csv(out / "backtest.csv", result.rows, ids)
    report.write_rejected(out / "rejected.jsonl", result.rejected)
    detail = (
        f"{result.lines} event lines ({result.accepted} accepted, {result.duplicates} duplicates, "
        f"{len(result.rejected)} rejected); evaluations due from {args.start} to {args.end}."
    )
    (out / "report.html").write_text(
        report.html_report(base, draft, result.rows, str(args.program), detail), encoding="utf-8"
    )
    print(f"Backtest of {args.program} ({draft.id}) against {report.relative(base.source)}, {args.start} .. {args.end}")
    print(detail)
    print()
    print(report.summary_table(result.rows))
    print()
    t = result.timings
    print(
        f"{result.folded} events folded, {result.evaluations} partner-evaluations (both sides) in {seconds:.1f} s "
        f"on {result.workers} process(es): ingest {t.ingest:.1f} s, fold {t.fold:.1f} s, evaluate {t.evaluate:.1f} s"
    )
    print(f"Wrote {out}/backtest.csv, {out}/report.html, {out}/rejected.jsonl")
    return 0
