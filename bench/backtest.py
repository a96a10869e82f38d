"""Benchmark: `standing backtest` throughput, per core and on every core.

A generated marketplace (standing_local.marketplace, scaled up) is backtested under each built-in program against
itself: the real ingest validation, the real aggregation service over the in-memory store, the real engine on
both sides. Prints events/s through the fold and partner-evaluations/s per core (stage seconds summed over the
processes) and the wall time with partners split across every core.

    .venv/bin/python bench/backtest.py [--partners 400] [--scale 1.0] [--workers 0] [--profile PROGRAM]

--profile PROGRAM: one process, that program only, under cProfile: prints where the time goes (by own time).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time
from datetime import UTC, date, datetime

from standing.catalog import programs
from standing_local.backtest.run import Result, backtest
from standing_local.marketplace import MarketplaceSpec, generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, default=400, help="partners per program")
    parser.add_argument("--scale", type=float, default=1.0, help="activity volume per partner")
    parser.add_argument("--workers", type=int, default=0, help="processes (0: every core)")
    parser.add_argument("--profile", metavar="PROGRAM", help="profile one program's backtest on one process")
    args = parser.parse_args()
    workers = args.workers or os.cpu_count() or 1
    n = args.partners
    end = date(2024, 11, 5)
    started = time.perf_counter()
    spec = MarketplaceSpec(kkday=n, booking_property=n, booking_rides=n, tiki=0, end=end, scale=args.scale)
    shops = MarketplaceSpec(kkday=0, booking_property=0, booking_rides=0, tiki=n, end=end, scale=args.scale * 5)
    lines = [json.dumps(e) for e in generate(spec) + generate(shops)]
    print(f"generated {len(lines):,} events for {4 * n:,} partners in {time.perf_counter() - started:.1f} s")
    catalog = programs()
    zones = {p.id: p.time_zone for p in catalog.values()}
    start, until = datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 11, 5, 23, 59, 59, tzinfo=UTC)
    if args.profile:
        program = catalog[args.profile]
        profiler = cProfile.Profile()
        result = profiler.runcall(backtest, program, program, zones, lines, start, until, 1)
        print(f"{result.folded:,} events folded, {result.evaluations:,} evaluations; stages: {result.timings}")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    print(f"{os.cpu_count()} cores; backtests on {workers} process(es), partners split by a hash of their id")
    print()
    print("| program | events folded | evaluations | wall s | ingest ev/s/core | fold ev/s/core | evals/s/core |")
    print("|---|---|---|---|---|---|---|")
    total = Result()
    wall_total = 0.0
    for program in catalog.values():
        began = time.perf_counter()
        result = backtest(program, program, zones, lines, start, until, workers)
        wall = time.perf_counter() - began
        wall_total += wall
        total.merge(result)
        t = result.timings
        print(
            f"| {program.id} | {result.folded:,} | {result.evaluations:,} | {wall:.1f} | "
            f"{result.accepted / t.ingest:,.0f} | {result.folded / t.fold:,.0f} | "
            f"{result.evaluations / max(t.evaluate, 1e-9):,.0f} |"
        )
    t = total.timings
    print()
    print(f"per core: {total.folded / t.fold:,.0f} events/s through the fold (target 100,000)")
    print(f"per core: {total.evaluations / t.evaluate:,.0f} partner-evaluations/s (target 20,000)")
    print(f"per core: {total.accepted / t.ingest:,.0f} events/s through ingest validation and classification")
    print(f"per core: {total.lines / t.parse:,.0f} lines/s parsed")
    busy = t.parse + t.ingest + t.fold + t.evaluate
    print(f"every core: {len(lines) * len(catalog) / wall_total:,.0f} event lines/s end to end, four programs")
    print(f"({busy:.1f} s of work in {wall_total:.1f} s of wall time on {workers} process(es))")


if __name__ == "__main__":
    main()
