"""Evaluation at 10M partners: the evaluate worker's AWS call pattern, measured on embedded AWS, replayed with a
per-call latency.

What runs: template.yaml deployed into in-process moto; partners of the four built-in programs with the demo's mix
at about 100 events a month (bench/cost.py's marketplace) sent through POST /events and the stream handlers; then
each program's evaluation schedule fired once, its queue worked by the real EvaluateWorkerFunction. Every AWS call
the worker makes is recorded (bench/metering.py: service, operation, start, end, thread), per partner batch.

Round trips: the calls of a batch, in order of start; a call that starts before the calls in flight have all
ended overlaps them (a thread pool, batched I/O) and shares their round trip, any other call starts a new one.
Sequential calls are one round trip each. The worker's own time is the batch's wall time outside every call.

Replayed timeline, per partner: round trips x latency + own time. Projected wall time for N partners at W
concurrent workers (each works its batches one after the other, as EvaluateQueue's BatchSize 1 has it):
N / W x that. Printed for 5 and 10 ms a call; the last line is `projected_minutes_10m=M` at 10 ms.

    .venv/bin/python bench/scale.py [--per-program 3] [--end 2024-08-31]
"""

from __future__ import annotations

import argparse
import json
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
    start: float
    cpu_start: float
    end: float = 0.0
    cpu_end: float = 0.0
    calls: list[Call] = field(default_factory=list)

    def round_trips(self) -> list[list[Call]]:
        """The calls grouped into round trips: a call starting before the open ones have all ended joins them."""
        trips: list[list[Call]] = []
        open_until = -1.0
        for call in sorted(self.calls, key=lambda c: c.start):
            if trips and call.start < open_until:
                trips[-1].append(call)
                open_until = max(open_until, call.end)
            else:
                trips.append([call])
                open_until = call.end
        return trips

    def own_cpu(self) -> float:
        """CPU time of the worker's thread outside its AWS calls (the calls' time is moto's and the meter's)."""
        me = threading.get_ident()
        inside = sum(c.cpu_end - c.cpu_start for c in self.calls if c.thread == me)
        return max(self.cpu_end - self.cpu_start - inside, 0.0)


@dataclass
class Pattern:
    """What a kind of batch (evaluation, projection) costs in calls and round trips."""

    batches: int
    partners: int
    partner_calls: int
    shared_calls: int
    partner_trips: int  # round trips with at least one call naming a partner
    shared_trips: int  # round trips of run and batch bookkeeping only
    own: float
    sequential: bool
    threads: int

    def per_partner(self, batch_size: int) -> tuple[float, float, float]:
        """(calls, round trips, own seconds) per partner in batches of `batch_size` partners."""
        calls = self.partner_calls / self.partners + self.shared_calls / self.batches / batch_size
        trips = self.partner_trips / self.partners + self.shared_trips / self.batches / batch_size
        return calls, trips, self.own / self.partners


def pattern(found: list[Batch]) -> Pattern:
    trips = [t for b in found for t in b.round_trips()]
    shared = sum(all(c.owner == "shared" for c in t) for t in trips)
    calls = [c for b in found for c in b.calls]
    return Pattern(
        batches=len(found),
        partners=sum(b.partners for b in found),
        partner_calls=sum(c.owner != "shared" for c in calls),
        shared_calls=sum(c.owner == "shared" for c in calls),
        partner_trips=len(trips) - shared,
        shared_trips=shared,
        own=sum(b.own_cpu() for b in found),
        sequential=all(len(t) == 1 for t in trips),
        threads=len({c.thread for c in calls}),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-program", type=int, default=3, help="partners of each of the four programs")
    parser.add_argument("--end", type=date.fromisoformat, default=date(2024, 8, 31),
                        help="last day of activity; each program is then evaluated at its next scheduled time")
    parser.add_argument("--events-per-month", type=float, default=100)
    parser.add_argument("--batch-size", type=int, default=100, help="partners per worker batch at scale")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    # Activity up to --end, from early enough that each program's longest window is full when it is evaluated.
    envelopes = marketplace(args.per_program, args.end, args.end, args.events_per_month, args.seed)
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
                batch = Batch(meter.scope, partners, time.perf_counter(), time.thread_time())
                saved, meter.function = meter.function, WORKER
                first = len(meter.calls)
                try:
                    return original(logical_id, event)
                finally:
                    batch.end, batch.cpu_end = time.perf_counter(), time.thread_time()
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
                when = occurrences(schedule.expression, schedule.time_zone, after, after + timedelta(days=120),
                                   schedule.start)[0]
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


def report(args: argparse.Namespace, batches: list[Batch], events: int, first: date, ingest_seconds: float,
           seconds: float) -> None:
    out = [
        f"scale bench: {4 * args.per_program} partners ({args.per_program} per program), {events} events "
        f"{first} .. {args.end} (ingest {ingest_seconds:.0f} s, whole run {seconds:.0f} s); every AWS call of "
        "the worker recorded",
        "",
    ]
    kinds: dict[str, list[Batch]] = defaultdict(list)
    for batch in batches:
        kinds["evaluation" if batch.scope.startswith("evaluation") else "projection"].append(batch)
    per_partner: dict[str, tuple[float, float, float]] = {}
    for kind, found in kinds.items():
        p = pattern(found)
        calls, trips, own = p.per_partner(args.batch_size)
        per_partner[kind] = (calls, trips, own)
        shape = "every call sequential" if p.sequential else "some calls concurrent"
        out.append(f"{kind}: {p.batches} batches, {p.partners} partners; {shape} ({p.threads} thread"
                   f"{'s' if p.threads > 1 else ''})")
        out.append(f"    partner calls {p.partner_calls / p.partners:.2f} and round trips "
                   f"{p.partner_trips / p.partners:.2f} per partner; shared (run, batch) calls "
                   f"{p.shared_calls / p.batches:.2f} and round trips {p.shared_trips / p.batches:.2f} per batch")
        out.append(f"    in batches of {args.batch_size}: {calls:.2f} calls, {trips:.2f} round trips per partner; "
                   f"worker's own CPU {own * 1000:.1f} ms per partner (this machine; batches of "
                   f"{p.partners / p.batches:.0f} here, invocation overhead included)")
        operations = Counter(f"{c.service}:{c.operation}" + (" (shared)" if c.owner == "shared" else "")
                             for b in found for c in b.calls)
        for name, count in operations.most_common():
            per = count / (p.batches if name.endswith("(shared)") else p.partners)
            out.append(f"        {name:<44} {per:6.2f} per {'batch' if name.endswith('(shared)') else 'partner'}")
    out.append("")
    out.append(f"replayed: {PARTNERS:,} partners at {WORKERS:,} concurrent workers, each working its batches in turn "
               f"({PARTNERS // WORKERS:,} partners a worker): round trips x latency + own CPU")
    minutes_at_10 = 0.0
    for kind, (_calls, trips_each, own_each) in per_partner.items():
        for latency_ms in LATENCIES_MS:
            each = trips_each * latency_ms / 1000 + own_each
            minutes = PARTNERS / WORKERS * each / 60
            out.append(f"    {kind:<10} at {latency_ms:>2} ms a call: {trips_each:.2f} x {latency_ms} ms + "
                       f"{own_each * 1000:.1f} ms = {each * 1000:.1f} ms a partner -> {minutes:.1f} minutes")
            if kind == "evaluation" and latency_ms == 10:
                minutes_at_10 = minutes
    out.append(f"projected_minutes_10m={minutes_at_10:.1f}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
