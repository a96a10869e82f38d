"""Benchmark: `standing backtest` throughput, per core and on every core.

A generated marketplace (standing_local.marketplace, scaled up) is backtested under each built-in program against
itself: ingest's validation and classification, the fold on read (standing.fold) at every evaluation, the real
engine on both sides. Stage times are CPU seconds of the backtest's processes (summed over them), so the per-core
figures hold whatever else the machine runs; the wall time is for every core at once.

Printed per core: events/s through the fold (each accepted event of an enrolled partner, counted once; the time
is preparing it, keeping the partner's state, grouping it onto its entity, and every fold of the days the
evaluations read: a day again when its entities changed, standing.fold.FoldIndex), partner-evaluations/s (the
engine and the judging around it), and ingest's and the parser's rates. Measured against, in
the same run and process: the fold it replaced (standing_local/backtest/reference.py: entity items, then
events/daily.aggregate_days, each partner's events folded once) and the bare engine (bench/engine.py's loop).

    .venv/bin/python bench/backtest.py [--partners 400] [--scale 1.0] [--workers 0] [--only PROGRAM]
                                       [--profile PROGRAM]

--only PROGRAM: that program's partners and backtest only (a smaller, quicker run to compare two versions of the
code on one program: each checkout's bench/backtest.py runs that checkout's code).
--profile PROGRAM: one process, that program only, under cProfile: prints where the time goes (by own time).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common")]  # this checkout's code, wherever the venv points

from standing.catalog import programs  # noqa: E402
from standing.events.models import Rejection, utc_text, validate_event  # noqa: E402
from standing.fold import fold_days  # noqa: E402
from standing_local.backtest.reference import reference_fold  # noqa: E402
from standing_local.backtest.run import Result, backtest  # noqa: E402
from standing_local.marketplace import MarketplaceSpec, generate  # noqa: E402

# The generator's partner kinds (standing_local.marketplace.MarketplaceSpec) and the program each is enrolled in.
_GENERATED = {
    "kkday": "kkday-trusted-partner",
    "booking_property": "booking-preferred-property",
    "booking_rides": "booking-rides-preferred",
    "tiki": "tiki-trusted-store",
}
TARGET_FOLD = 100_000
TARGET_EVALUATIONS = 20_000


def marketplace(sizes: dict[str, int], scale: float = 1.0) -> list[dict[str, Any]]:
    """The generated marketplace the backtest benches read: `sizes` partners of each kind (`_GENERATED`'s keys),
    Tiki's shops five times as busy as the rest (its bars count hundreds of orders a quarter)."""
    end = date(2024, 11, 5)
    spec = MarketplaceSpec(
        kkday=sizes["kkday"], booking_property=sizes["booking_property"], booking_rides=sizes["booking_rides"],
        tiki=0, end=end, scale=scale,
    )  # fmt: skip
    shops = MarketplaceSpec(kkday=0, booking_property=0, booking_rides=0, tiki=sizes["tiki"], end=end, scale=scale * 5)
    return generate(spec) + generate(shops)


def stored_events(lines: list[str], limit: int) -> dict[str, list[dict[str, Any]]]:
    """Up to `limit` accepted events as the EventsTable gives them to the fold, by partner."""
    by_partner: dict[str, list[dict[str, Any]]] = {}
    for index, line in enumerate(lines[:limit]):
        checked = validate_event(index, json.loads(line))
        if isinstance(checked, Rejection):
            continue
        event = {"event_id": checked.event_id, "type": checked.type, "occurred_at": utc_text(checked.occurred_at),
                 "data": checked.data, "received_at": f"{index // 500:012d}"}  # fmt: skip
        by_partner.setdefault(checked.partner_id, []).append(event)
    return by_partner


def fold_rates(lines: list[str], limit: int = 60_000) -> tuple[int, float, float]:
    """Events, and events/s of one core, through the old fold and through standing.fold: each partner's events
    folded once in its program's zone (the same results: tests/ingest/test_fold.py)."""
    by_partner = stored_events(lines, limit)
    zone = {"kk": "Asia/Taipei", "tk": "Asia/Ho_Chi_Minh"}
    events = sum(len(e) for e in by_partner.values())
    rates = []
    gc.disable()  # as in the backtest's workers (run_job), for both
    for fold in (reference_fold, fold_days):
        started = time.process_time()
        for partner_id, partner_events in by_partner.items():
            fold(partner_events, zone.get(partner_id[:2], "Europe/Amsterdam"))
        rates.append(events / (time.process_time() - started))
    gc.enable()
    return events, rates[0], rates[1]


def engine_rate() -> float:
    """bench/engine.py's partner-evaluations/s on this core (its best of 3)."""
    sys.path.insert(0, str(Path(__file__).parent))
    import engine  # bench/engine.py

    from standing.rules import load_programs

    work = engine.build(load_programs(), 2000)
    engine.run(work[:200])
    return len(work) / min(engine.run(work) for _ in range(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, default=400, help="partners per program")
    parser.add_argument("--scale", type=float, default=1.0, help="activity volume per partner")
    parser.add_argument("--workers", type=int, default=0, help="processes (0: every core)")
    parser.add_argument("--only", metavar="PROGRAM", help="that program's partners and backtest only")
    parser.add_argument("--profile", metavar="PROGRAM", help="profile one program's backtest on one process")
    args = parser.parse_args()
    workers = args.workers or os.cpu_count() or 1
    catalog = programs()
    if args.only is not None and args.only not in catalog:
        parser.error(f"--only: no built-in program {args.only!r} (one of: {', '.join(catalog)})")
    n = args.partners
    sizes = {name: n if args.only in (None, program) else 0 for name, program in _GENERATED.items()}
    started = time.perf_counter()
    lines = [json.dumps(e) for e in marketplace(sizes, args.scale)]
    print(f"generated {len(lines):,} events for {sum(sizes.values()):,} partners in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    zones = {p.id: p.time_zone for p in catalog.values()}
    if args.only is not None:
        catalog = {args.only: catalog[args.only]}
    start, until = datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 11, 5, 23, 59, 59, tzinfo=UTC)
    if args.profile:
        program = catalog[args.profile]
        profiler = cProfile.Profile()
        result = profiler.runcall(backtest, program, program, zones, lines, start, until, 1)
        print(f"{result.folded:,} events folded, {result.evaluations:,} evaluations; stages: {result.timings}")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, load average {load:.1f} at the start; "
          f"backtests on {workers} process(es), partners split by a hash of their id")  # fmt: skip
    print()
    print("| program | events folded | folded into days | evaluations | wall s | ingest ev/s/core | fold ev/s/core "
          "| evals/s/core |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    total = Result()
    wall_total = 0.0
    source = Path(tempfile.mkdtemp(prefix="standing-bench-")) / "events.jsonl"
    source.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")  # read as `standing backtest` reads
    for program in catalog.values():
        began = time.perf_counter()
        result = backtest(program, program, zones, source, start, until, workers)
        wall = time.perf_counter() - began
        wall_total += wall
        total.merge(result)
        t = result.timings
        print(
            f"| {program.id} | {result.folded:,} | {result.reads:,} | {result.evaluations:,} | {wall:.1f} | "
            f"{result.accepted / t.ingest:,.0f} | {result.folded / t.fold:,.0f} | "
            f"{result.evaluations / max(t.evaluate, 1e-9):,.0f} |"
        )
    shutil.rmtree(source.parent)
    t = total.timings
    fold_rate, eval_rate = total.folded / t.fold, total.evaluations / t.evaluate
    print()
    print(f"per core: {fold_rate:,.0f} events/s through the fold (target {TARGET_FOLD:,}); the evaluations' folds "
          f"folded {total.reads / total.folded:.2f} events into days per event kept")  # fmt: skip
    print(f"per core: {eval_rate:,.0f} partner-evaluations/s (target {TARGET_EVALUATIONS:,})")
    print(f"per core: {total.accepted / t.ingest:,.0f} events/s through ingest validation and classification")
    print(f"per core: {total.lines / t.parse:,.0f} lines/s parsed")
    busy = t.parse + t.ingest + t.fold + t.evaluate
    rate = len(lines) * len(catalog) / wall_total
    print(f"every core: {rate:,.0f} event lines/s end to end, {len(catalog)} program(s)")
    print(f"({busy:.1f} CPU s of work in {wall_total:.1f} s of wall time on {workers} process(es))")
    print()
    events, old, new = fold_rates(lines)
    engine = engine_rate()
    print("measured against, in this run (one core):")
    print(f"  the fold it replaced (entity items, then aggregate_days), each partner folded once: {old:,.0f} events/s; "
          f"standing.fold on the same {events:,} events: {new:,.0f} events/s ({new / old:.1f}x)")  # fmt: skip
    print(f"  the bare engine (bench/engine.py, 2,000 partners, best of 3): {engine:,.0f} partner-evaluations/s")
    print(f"fold_events_per_s_core={fold_rate:.0f} evaluations_per_s_core={eval_rate:.0f} "
          f"old_fold_events_per_s={old:.0f} engine_evaluations_per_s={engine:.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
