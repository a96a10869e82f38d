"""Evaluation at 10M partners: the evaluate worker's AWS call pattern, measured on embedded AWS, replayed with a
per-call latency.

What runs: template.yaml deployed into in-process moto; partners of the four built-in programs with the demo's mix
at about 100 events a month (bench/cost.py's marketplace) sent through POST /events and the stream handlers; then
each program's evaluation schedule fired once, its queue worked by the real EvaluateWorkerFunction. Every AWS call
the worker makes is recorded (bench/metering.py: service, operation, start, end, thread), per partner batch.

Round trips: a thread's calls are sequential, one round trip each; threads of the invocation's pool run side by
side while the invocation's own thread waits. A batch of B partners on a pool of T threads takes (calls of the
invocation's thread) + ceil(B / T) x (pool calls per partner) round trips; shared calls (run and batch
bookkeeping, naming no partner) are per batch. The worker's own time is its CPU time outside every call.

Replayed timeline, per partner: round trips x latency + own time. Projected wall time for N partners at W
concurrent workers (each works its batches one after the other, as EvaluateQueue's BatchSize 1 has it):
N / W x that. Printed for 5 and 10 ms a call; the last line is `projected_minutes_10m=M` at 10 ms.

    .venv/bin/python bench/scale.py [--per-program 3] [--end 2024-08-31]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from bench.cost import MAX_BATCH, marketplace  # noqa: E402  (sets the environment and the import path)
from bench.metering import Call, Meter  # noqa: E402
from standing_local.clock import occurrences  # noqa: E402
from standing_local.embedded import embedded_aws  # noqa: E402
from standing_local.template import ACCOUNT_ID, REGION  # noqa: E402

WORKER = "EvaluateWorkerFunction"
PARTNERS, WORKERS = 10_000_000, 1000
LATENCIES_MS = (5, 10)


@dataclass
class Batch:
    """One worker invocation over a batch of partners, and the AWS calls it made."""

    scope: str
    partners: int
    thread: int  # the invocation's own thread; calls from other threads ran in its pool
    cpu_start: float  # process CPU time
    cpu_end: float = 0.0
    calls: list[Call] = field(default_factory=list)

    def chains(self, owner: str | None = None) -> tuple[int, int]:
        """(calls made by the invocation's thread, the longest run of calls of any one pool thread), of the
        partner's (owner 'partner') or the shared calls. A thread's calls are sequential; pool threads run side by
        side while the invocation's thread waits for them."""
        mine = [c for c in self.calls if owner is None or (c.owner == "shared") == (owner == "shared")]
        main = sum(c.thread == self.thread for c in mine)
        pool = Counter(c.thread for c in mine if c.thread != self.thread)
        return main, max(pool.values(), default=0)

    def pool_threads(self) -> int:
        return len({c.thread for c in self.calls if c.thread != self.thread})

    def own_cpu(self) -> float:
        """CPU time of the invocation outside its AWS calls (the calls' time is moto's and the meter's)."""
        inside = sum(c.cpu_end - c.cpu_start for c in self.calls)
        return max(self.cpu_end - self.cpu_start - inside, 0.0)


@dataclass
class Pattern:
    """What a kind of batch (evaluation, projection) costs in calls and round trips, measured and at scale."""

    batches: int
    partners: int
    partner_calls: int
    shared_calls: int
    main_partner_calls: int  # made by the invocation's thread
    pool_partner_calls: int  # made by its pool threads
    pool_threads: int  # the most seen in one batch (the pool's size when a batch had more partners)
    saturated: bool  # some batch had more partners than pool threads
    shared_trips: int
    own: float

    def per_partner(self, batch_size: int) -> tuple[float, float, float]:
        """(calls, round trips, own CPU seconds) per partner in batches of `batch_size` partners: the invocation's
        own calls one after the other, its pool's calls in `pool_threads` chains side by side."""
        calls = self.partner_calls / self.partners + self.shared_calls / self.batches / batch_size
        trips = self.main_partner_calls / self.partners + self.shared_trips / self.batches / batch_size
        if self.pool_threads:
            per_partner = self.pool_partner_calls / self.partners
            trips += math.ceil(batch_size / self.pool_threads) * per_partner / batch_size
        return calls, trips, self.own / self.partners


def pattern(found: list[Batch]) -> Pattern:
    calls = [c for b in found for c in b.calls]
    return Pattern(
        batches=len(found),
        partners=sum(b.partners for b in found),
        partner_calls=sum(c.owner != "shared" for c in calls),
        shared_calls=sum(c.owner == "shared" for c in calls),
        main_partner_calls=sum(b.chains("partner")[0] for b in found),
        pool_partner_calls=sum(c.owner != "shared" and c.thread != b.thread for b in found for c in b.calls),
        pool_threads=max((b.pool_threads() for b in found), default=0),
        saturated=any(0 < b.pool_threads() < b.partners for b in found),
        shared_trips=sum(sum(b.chains("shared")) for b in found),
        own=sum(b.own_cpu() for b in found),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-program", type=int, default=3, help="partners of KKday, Booking properties, Tiki")
    parser.add_argument(
        "--rides",
        type=int,
        default=20,
        help="partners of Booking rides (a one-month window: cheap), enough for a batch to "
        "outnumber the worker's thread pool",
    )
    parser.add_argument(
        "--end",
        type=date.fromisoformat,
        default=date(2024, 8, 31),
        help="last day of activity; each program is then evaluated at its next scheduled time",
    )
    parser.add_argument("--events-per-month", type=float, default=100)
    parser.add_argument("--batch-size", type=int, default=100, help="partners per worker batch at scale")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    # Activity up to --end, from early enough that each program's longest window is full when it is evaluated.
    counts = {
        "kkday": args.per_program,
        "booking_property": args.per_program,
        "tiki": args.per_program,
        "booking_rides": args.rides,
    }
    envelopes = marketplace(counts, args.end, args.end, args.events_per_month, args.seed)
    first = min(datetime.fromisoformat(e["occurred_at"]) for e in envelopes).date()
    meter = Meter(ACCOUNT_ID, REGION)
    meter.install()
    batches: list[Batch] = []
    try:
        with embedded_aws("bench") as stack:
            stack.quiet = True
            for chunk in range(0, len(envelopes), MAX_BATCH):
                status, body = stack.request("POST", "/events", {"events": envelopes[chunk : chunk + MAX_BATCH]})
                if status != 200:
                    raise RuntimeError(f"POST /events answered {status}: {body}")
                stack.drain()
            ingest_seconds = time.perf_counter() - started
            original = stack.invoke

            def invoke(logical_id: str, event: dict[str, Any]) -> Any:
                if logical_id != WORKER:
                    return original(logical_id, event)
                partners = sum(
                    len(json.loads(r.get("body") or "{}").get("partners") or []) for r in event.get("Records", [])
                )
                batch = Batch(meter.scope, partners, threading.get_ident(), time.process_time())
                saved, meter.function = meter.function, WORKER
                first = len(meter.calls)
                try:
                    return original(logical_id, event)
                finally:
                    batch.cpu_end = time.process_time()
                    batch.calls = [c for c in meter.calls[first:] if c.function == WORKER]
                    meter.function = saved
                    if partners:
                        batches.append(batch)

            stack.invoke = invoke  # type: ignore[method-assign]
            meter.watch_partners({e["partner_id"] for e in envelopes})
            after = datetime.combine(args.end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
            meter.record_calls = True
            for schedule in stack.schedules:
                payload = json.loads(schedule.input)
                if payload["kind"] != "evaluation":
                    continue
                when = occurrences(
                    schedule.expression, schedule.time_zone, after, after + timedelta(days=120), schedule.start
                )[0]
                with meter.scoped(f"evaluation {payload['program']} {when.date()}"):
                    stack.fire(schedule, when)
                    stack.drain()
            projection = next(s for s in stack.schedules if json.loads(s.input)["kind"] == "projection")
            when = occurrences(projection.expression, projection.time_zone, after, after + timedelta(days=2))[0]
            with meter.scoped(f"projection {when.date()}"):
                stack.fire(projection, when)
                stack.drain()
            if stack.errors:
                raise RuntimeError(f"handler errors: {stack.errors[:3]}")
    finally:
        meter.uninstall()
    report(args, batches, len(envelopes), first, ingest_seconds, time.perf_counter() - started)


def report(
    args: argparse.Namespace, batches: list[Batch], events: int, first: date, ingest_seconds: float, seconds: float
) -> None:
    partners = 3 * args.per_program + args.rides
    out = [
        f"scale bench: {partners} partners ({args.per_program} per program, {args.rides} of Booking rides), "
        f"{events} events {first} .. {args.end} (ingest {ingest_seconds:.0f} s, whole run {seconds:.0f} s); every "
        "AWS call of the worker recorded",
        "",
    ]
    kinds: dict[str, list[Batch]] = defaultdict(list)
    for batch in batches:
        kinds["evaluation" if batch.scope.startswith("evaluation") else "projection"].append(batch)
    per_partner: dict[str, tuple[float, float, float]] = {}
    # The pool's size: the most threads any batch used (a pool starts its threads as work comes, so a short batch
    # on a busy machine can show fewer; evaluations and projections run on the same worker).
    pool = max((b.pool_threads() for b in batches), default=0)
    for kind, found in kinds.items():
        p = pattern(found)
        if p.pool_threads:
            p.pool_threads = pool
        calls, trips, own = p.per_partner(args.batch_size)
        per_partner[kind] = (calls, trips, own)
        if p.pool_threads:
            shape = f"partners worked side by side on {p.pool_threads} threads" + (
                "" if p.saturated else " (at least: no batch outnumbered them)"
            )
        else:
            shape = "every call sequential, on the invocation's thread"
        out.append(
            f"{kind}: {p.batches} batches, {p.partners} partners (at most "
            f"{max(b.partners for b in found)} a batch); {shape}"
        )
        main = p.main_partner_calls / p.partners
        out.append(
            f"    partner calls {p.partner_calls / p.partners:.2f} per partner ({main:.2f} "
            f"on the invocation's thread, {p.pool_partner_calls / p.partners:.2f} on its pool); shared (run, "
            f"batch) calls {p.shared_calls / p.batches:.2f} and round trips {p.shared_trips / p.batches:.2f} "
            "per batch"
        )
        out.append(
            f"    in batches of {args.batch_size}: {calls:.2f} calls, {trips:.2f} round trips per partner; "
            f"worker's own CPU {own * 1000:.1f} ms per partner (this machine; invocation overhead included)"
        )
        operations = Counter(
            f"{c.service}:{c.operation}" + (" (shared)" if c.owner == "shared" else "") for b in found for c in b.calls
        )
        for name, count in operations.most_common():
            per = count / (p.batches if name.endswith("(shared)") else p.partners)
            out.append(f"        {name:<44} {per:6.2f} per {'batch' if name.endswith('(shared)') else 'partner'}")
    out.append("")
    out.append(
        f"replayed: {PARTNERS:,} partners at {WORKERS:,} concurrent workers, each working its batches in turn "
        f"({PARTNERS // WORKERS:,} partners a worker): round trips x latency + own CPU"
    )
    minutes_at_10 = 0.0
    for kind, (_calls, trips_each, own_each) in per_partner.items():
        for latency_ms in LATENCIES_MS:
            each = trips_each * latency_ms / 1000 + own_each
            minutes = PARTNERS / WORKERS * each / 60
            out.append(
                f"    {kind:<10} at {latency_ms:>2} ms a call: {trips_each:.2f} x {latency_ms} ms + "
                f"{own_each * 1000:.1f} ms = {each * 1000:.1f} ms a partner -> {minutes:.1f} minutes"
            )
            if kind == "evaluation" and latency_ms == 10:
                minutes_at_10 = minutes
    out.append(f"projected_minutes_10m={minutes_at_10:.1f}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
