"""DynamoDB cost of Standing, metered: the demo's marketplace mix through the real handlers on embedded AWS, every
DynamoDB request costed from real item sizes (bench/metering.py), then priced for 1M and 10M partners.

What runs: template.yaml deployed into in-process moto (as `make demo`); partners of the four built-in programs
(standing_local/marketplace.py, each program's activity scaled to about --events-per-month events per partner);
events POSTed in order of occurrence through the ingest handler; every DynamoDB stream delivered ONE record per
batch (the production shape: at 1M partners a stream batch almost never holds two events of one partner-day); the
template's own schedules fired on the simulated clock (evaluations and the daily projection), their queues worked
through the real handlers. Nothing here knows a key, an item type or a call list: items are grouped by the
upper-case prefix of their sort key (or of their key when the table has no sort key), whatever the code writes.

Printed: write and read units per event (ingest + aggregation: everything the events set off), per evaluation
and per projection, each by function and table; bytes stored per event by item type; the monthly bill for 1M and
10M partners at 100 events a month. The last line is machine-readable:
`write_units_per_event=W read_units_per_event=R dynamodb_usd_month_1m=D`.

    .venv/bin/python bench/cost.py [--per-program 4] [--end 2024-09-27] [--keep-months 24]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common")]
os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"})
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "standing")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Standing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")

from bench.metering import ITEM_OVERHEAD, Meter, TableShape, index_entry, item_size  # noqa: E402
from standing_local.clock import occurrences  # noqa: E402
from standing_local.embedded import Deployment, embedded_aws  # noqa: E402
from standing_local.marketplace import PROGRAMS, MarketplaceSpec, generate  # noqa: E402
from standing_local.template import ACCOUNT_ID, REGION, load_sam  # noqa: E402

# On-demand, us-east-1, standard table class (free tiers left out).
USD_PER_WRITE_UNIT = 0.625 / 1e6
USD_PER_READ_UNIT = 0.125 / 1e6
USD_PER_GB_MONTH = 0.25
USD_PER_PITR_GB_MONTH = 0.20
GB = 1024**3
DAYS_PER_MONTH = 365.25 / 12
EVENTS_PER_MONTH = 100
POPULATIONS = (1_000_000, 10_000_000)
MAX_BATCH = 500  # events per POST /events (the API's limit)
HISTORY_MARGIN_DAYS = 35  # history before a program's longest window (first evaluations fall within a month)


# ------------------------------------------------------------------------------------------------ the marketplace
def _definition(program_id: str) -> dict[str, Any]:
    import standing

    path = Path(standing.__file__).resolve().parent / "programs" / f"{program_id}.yaml"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def launch(program_id: str) -> date:
    """The day the program's first version takes effect."""
    return min(date.fromisoformat(str(v["effective_from"])) for v in _definition(program_id)["versions"])


def lookback_days(program_id: str) -> int:
    """The longest window of a program (its YAML: `window` days or calendar months, any metric's `window_days`)."""
    definition = _definition(program_id)
    found = [
        int(definition.get("window", {}).get("days", 0)),
        31 * int(definition.get("window", {}).get("calendar_months", 0)),
    ]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.extend(int(v) for k, v in node.items() if k == "window_days")
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(definition.get("metrics", []))
    return max(found)


def marketplace(
    per_program: int | dict[str, int],
    measure_from: date,
    end: date,
    per_month: float,
    seed: int,
) -> list[dict[str, Any]]:
    """`per_program` partners of each built-in program (or so many of each program key), from early enough that
    the program's longest window is full at its first measured evaluation (measure_from - window -
    HISTORY_MARGIN_DAYS), each program's activity scaled to about `per_month` events per partner a month (the
    generator's mix, volume calibrated)."""
    envelopes: list[dict[str, Any]] = []
    for key, program in PROGRAMS.items():
        wanted = per_program if isinstance(per_program, int) else per_program.get(key, 0)
        if not wanted:
            continue
        start = measure_from - timedelta(days=lookback_days(program.id) + HISTORY_MARGIN_DAYS)
        months = ((end - start).days + 1) / DAYS_PER_MONTH
        counts = {k: (wanted if k == key else 0) for k in PROGRAMS}
        probe = generate(MarketplaceSpec(seed=seed, start=start, end=end, scale=1.0, **counts))
        scale = per_month / (len(probe) / wanted / months)
        launched = datetime.combine(launch(program.id), datetime.min.time(), tzinfo=program.tz)
        for envelope in generate(MarketplaceSpec(seed=seed, start=start, end=end, scale=scale, **counts)):
            # The history can start before the program did; a membership change before it is dated at its launch.
            occurred = datetime.fromisoformat(envelope["occurred_at"])
            if envelope["type"].startswith("program.") and occurred < launched:
                envelope = {**envelope, "occurred_at": (launched + timedelta(hours=9)).isoformat()}
            opened = envelope.get("data", {}).get("store_opened_at")
            if isinstance(opened, str):  # a store opened after the history began opened a year before it instead
                when = datetime.fromisoformat(opened)
                if (when if when.tzinfo else when.replace(tzinfo=UTC)) > occurred:
                    earlier = occurred - timedelta(days=365)
                    value = earlier.isoformat() if "T" in opened else earlier.date().isoformat()
                    envelope = {**envelope, "data": {**envelope["data"], "store_opened_at": value}}
            envelopes.append(envelope)
    return sorted(envelopes, key=lambda e: (datetime.fromisoformat(e["occurred_at"]).astimezone(UTC), e["event_id"]))


# ------------------------------------------------------------------------------------------------ the run
@dataclass
class Run:
    accepted: int = 0  # in the measured period
    history: int = 0  # accepted before it
    duplicates: int = 0
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)  # the first few, with their reason
    partners: set[str] = field(default_factory=set)
    worked: Counter[tuple[str, str]] = field(default_factory=Counter)  # (mode, program) -> partners worked
    batches: Counter[str] = field(default_factory=Counter)  # scope -> partner batches worked
    firings: Counter[str] = field(default_factory=Counter)
    timing: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # seconds per kind of step
    seconds: float = 0.0


def drive(
    stack: Deployment,
    meter: Meter,
    envelopes: list[dict[str, Any]],
    measure_from: datetime,
    projections_from: datetime,
    until: datetime,
) -> Run:
    """POST the events in order of occurrence, draining between schedule firings, as the demo's pipeline does,
    each step with the clock at its simulated instant (time-machine: the handlers' `now`, TTLs included, is the
    simulated one). Before `measure_from` (the history that fills the windows): the template's own stream batch
    sizes, evaluations fired, all under the scope `history`. From it: one stream record per batch, each step
    under its scope: `events`, `evaluation:{program}` or `projection`. Daily projections fire from
    `projections_from` on, the first one not metered (a partner's first projection is not a daily one)."""
    run = Run(partners={e["partner_id"] for e in envelopes})
    template_batch = {id(m): m.batch_size for m in stack.mappings}
    original = stack.invoke

    def invoke(logical_id: str, event: dict[str, Any]) -> Any:
        saved, meter.function = meter.function, logical_id
        for record in event.get("Records", []) if logical_id == "EvaluateWorkerFunction" else []:
            body = json.loads(record.get("body") or "{}")
            if isinstance(body.get("partners"), list) and meter.scope != "history":
                run.worked[(str(body.get("mode")), str(body.get("program")))] += len(body["partners"])
                run.batches[meter.scope] += 1
        try:
            return original(logical_id, event)
        finally:
            meter.function = saved

    stack.invoke = invoke  # type: ignore[method-assign]
    stack.quiet = True
    at = [datetime.fromisoformat(e["occurred_at"]).astimezone(UTC) for e in envelopes]
    start = min(at) - timedelta(seconds=1)
    firings = [
        (t, s)
        for s in stack.schedules
        for t in occurrences(s.expression, s.time_zone, start, until, s.start)
        if t >= projections_from or "projection" not in s.input
    ]
    first_projection = min((t for t, s in firings if "projection" in s.input), default=until)

    def order(step: tuple[datetime, Any]) -> tuple[Any, ...]:
        # The switch to the measured shape (None) before anything at its instant; evaluations before the
        # projection of the same instant (a fresh period starts from a fresh record).
        when, schedule = step
        if schedule is None:
            return (when, 0, 0, "")
        return (when, 1, "projection" in schedule.input, schedule.logical_id)

    steps = [*sorted([*firings, (measure_from, None)], key=order), (until, None)]
    position = 0
    for when, schedule in steps:
        measured = when > measure_from or (when == measure_from and schedule is not None)
        for mapping in stack.mappings:
            if mapping.kind == "dynamodb":  # one stream record per invocation: the production shape
                mapping.batch_size = 1 if measured else template_batch[id(mapping)]
        end = position
        while end < len(envelopes) and at[end] <= when:
            end += 1
        clock = time.perf_counter()
        with meter.scoped("events" if measured else "history"):
            for chunk in range(position, end, MAX_BATCH):
                last = min(chunk + MAX_BATCH, end)
                meter.simulated_now = at[last - 1]  # POSTed as the last of them happens
                with time_machine.travel(at[last - 1], tick=True):
                    status, body = stack.request("POST", "/events", {"events": envelopes[chunk:last]})
                    stack.drain()
                if status != 200:
                    raise RuntimeError(f"POST /events answered {status}: {body}")
                if measured:
                    run.accepted += body["accepted"]
                else:
                    run.history += body["accepted"]
                run.duplicates += body.get("duplicates", 0)
                run.rejected += len(body.get("rejected", []))
                run.rejections += [
                    f"{r.get('event_id')}: {r.get('error')} ({r.get('message')})" for r in body.get("rejected", [])
                ][: 3 - len(run.rejections)]
        run.timing["events" if measured else "history"] += time.perf_counter() - clock
        position = end
        if schedule is None:
            continue
        payload = json.loads(schedule.input)
        scope = "projection" if payload["kind"] == "projection" else f"evaluation:{payload.get('program')}"
        if not measured or (scope == "projection" and when == first_projection):
            scope = "history"
        meter.simulated_now = when
        clock = time.perf_counter()
        with meter.scoped(scope), time_machine.travel(when, tick=True):
            stack.fire(schedule, when)
            stack.drain()
        run.timing[scope.split(":")[0]] += time.perf_counter() - clock
        run.firings[scope] += 1
    if stack.errors:
        raise RuntimeError(f"handler errors during the run: {stack.errors[:3]}")
    return run


# ------------------------------------------------------------------------------------------------ storage
@dataclass
class Kind:
    """One item type (or the index entries of one): what is stored at the end of the run."""

    items: int = 0
    bytes: int = 0
    retention_days: list[float] = field(default_factory=list)  # TTL (expires_at) - write, per item with a TTL
    new_items: int = 0  # first written in the measured period
    new_bytes: int = 0
    pitr: bool = False
    shared: bool = False  # names no partner: run bookkeeping, scaled with the schedules, not the partners

    @property
    def stored_bytes(self) -> int:
        return self.bytes + ITEM_OVERHEAD * self.items


_PREFIX = re.compile(r"^([A-Z][A-Z0-9_]*)(?:#([A-Z][A-Z0-9_]*)(?=#|$))?")


def kind_of(shape: TableShape, item: dict[str, Any]) -> str:
    """The upper-case head of the item's sort key (of its key if none): `N#O#o-1` -> `N#O`, `PROFILE`; '*' when
    the key has none (ids, dates)."""
    value = item.get(shape.keys[-1], {})
    text = str(next(iter(value.values()))) if value else ""
    found = _PREFIX.match(text)
    return "#".join(g for g in found.groups() if g) if found else "*"


def storage(meter: Meter, tables: dict[str, str], pitr: dict[str, bool], measure_from: float) -> dict[str, Kind]:
    """Every item of every table (and every index entry), grouped by `table:kind`, from moto's backend."""
    kinds: dict[str, Kind] = defaultdict(Kind)
    for physical, logical in tables.items():
        shape = meter.shape(physical)
        ttl_attribute = meter.ttl_attribute(physical)
        for item in meter.items(physical):
            written = meter.written.get((shape.name, shape.key_of(item)))
            retention = None
            if ttl_attribute and ttl_attribute in item and written is not None:
                # Relative to the write, on whichever clock the writer used (wall or the simulated one).
                expires = float(item[ttl_attribute]["N"])
                candidates = [expires - t for t in (written.wall, written.simulated) if t is not None]
                plausible = [c for c in candidates if c >= 0]
                retention = min(plausible) / 86400 if plausible else 0.0
            shared = meter.owner_of(item) == "shared"
            kind = kind_of(shape, item) + (" (shared)" if shared else "")
            new = written is not None and (written.first_simulated or 0) >= measure_from
            targets = [(f"{logical}:{kind}", item, pitr[logical])]
            for index in shape.indexes:
                entry = index_entry(shape, index, item)
                if entry is not None:  # PITR covers a table and its local indexes; a global index is rebuilt
                    targets.append(
                        (f"{logical}:{kind} [{index.name} {index.kind}]", entry, pitr[logical] and index.kind == "LSI")
                    )
            for label, stored, backed_up in targets:
                k = kinds[label]
                size = item_size(stored)
                k.items += 1
                k.bytes += size
                k.pitr, k.shared = backed_up, shared
                if retention is not None:
                    k.retention_days.append(retention)
                if new:
                    k.new_items += 1
                    k.new_bytes += size + ITEM_OVERHEAD
    return kinds


@dataclass
class Steady:
    """Bytes of an item type kept at steady state (per partner, or in all for shared items), and why."""

    label: str
    bytes: float
    basis: str
    pitr: bool
    shared: bool


def steady_state(
    kinds: dict[str, Kind], partners: int, measured_months: float, keep_months: float, event_scale: float
) -> list[Steady]:
    """Per item type, from what the measured period created a month: with a TTL, that x the TTL; without one, that
    x `keep_months` when the type keeps growing (more than one item a partner: records, history, sends), else
    what the run left (profiles, standings). Partner items with a TTL are scaled to EVENTS_PER_MONTH events by
    `event_scale`; shared items (runs) follow the schedules, whatever the number of partners."""
    result = []
    for label, k in sorted(kinds.items()):
        per = 1 if k.shared else partners
        monthly = k.new_bytes / per / measured_months
        if k.retention_days:
            days = statistics.median(k.retention_days)
            scale = 1.0 if k.shared else event_scale
            result.append(Steady(label, monthly * scale * days / DAYS_PER_MONTH, f"TTL {days:.0f} d", k.pitr, k.shared))
        elif k.shared or k.items > 1.5 * partners:
            result.append(
                Steady(label, monthly * keep_months, f"no TTL, grows: {keep_months:.0f} months kept", k.pitr, k.shared)
            )
        else:
            result.append(Steady(label, k.stored_bytes / per, "no TTL, one or so a partner", k.pitr, k.shared))
    return result


# ------------------------------------------------------------------------------------------------ report
def per_month(schedule_expression: str, time_zone: str, anchor: datetime | None) -> float:
    """Firings a month of a schedule, over a whole year."""
    first, last = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    return len(occurrences(schedule_expression, time_zone, first, last, anchor)) / 12


By = dict[tuple[str, str, str], tuple[float, float]]


def units_of(meter: Meter, scope_prefix: str, owner: str | None = None) -> tuple[float, float, By]:
    """(write units, read units, by (function, table, operation)) of the scopes starting with the prefix, of the
    partner's requests or the shared ones (None: both)."""
    writes = reads = 0.0
    by: By = defaultdict(lambda: (0.0, 0.0))
    for (scope, function, table, operation, who), usage in list(meter.usage.items()):
        if not scope.startswith(scope_prefix) or (owner is not None and who != owner):
            continue
        writes += usage.all_write_units
        reads += usage.read_units
        w, r = by[(function, table, operation)]
        by[(function, table, operation)] = (w + usage.all_write_units, r + usage.read_units)
    return writes, reads, by


def breakdown(title: str, by: By, per: float) -> list[str]:
    lines = [title]
    for (function, table, operation), (w, r) in sorted(by.items(), key=lambda x: -(x[1][0] + x[1][1])):
        if w or r:
            lines.append(f"    {function:<24} {table:<12} {operation:<18} write {w / per:6.2f}  read {r / per:6.2f}")
    return lines


@dataclass
class Work:
    """A kind of scheduled work: per partner (the partner's own requests) and per batch (shared: runs, batches)."""

    partner_w: float
    partner_r: float
    batch_w: float
    batch_r: float


def work(meter: Meter, scope: str, partners: int, batches: int, title: str, out: list[str]) -> Work:
    pw, pr, pby = units_of(meter, scope, "partner")
    sw, sr, sby = units_of(meter, scope, "shared")
    partners, batches = max(partners, 1), max(batches, 1)
    out += breakdown(f"{title}: write {pw / partners:.2f}  read {pr / partners:.2f} per partner", pby, partners)
    out += breakdown(
        f"  shared (runs, batches; {batches} batches): write {sw / batches:.2f}  read {sr / batches:.2f} per batch",
        sby,
        batches,
    )
    return Work(pw / partners, pr / partners, sw / batches, sr / batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-program", type=int, default=3, help="partners of each of the four programs")
    parser.add_argument(
        "--measure-from",
        type=date.fromisoformat,
        default=date(2024, 8, 25),
        help="start of the measured period (before it: the history that fills every window)",
    )
    parser.add_argument(
        "--end",
        type=date.fromisoformat,
        default=date(2024, 9, 27),
        help="last day (default: past every program's next evaluation, Booking's 90-day one too)",
    )
    parser.add_argument(
        "--projection-days",
        type=int,
        default=5,
        help="daily projections metered: the last N days (after one more, not metered)",
    )
    parser.add_argument("--events-per-month", type=float, default=EVENTS_PER_MONTH)
    parser.add_argument(
        "--keep-months",
        type=float,
        default=24,
        help="how long items without a TTL that keep accruing (records, history) are counted",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=100,
        help="partners per worker batch at scale (shared run and batch requests are per batch)",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    envelopes = marketplace(args.per_program, args.measure_from, args.end, args.events_per_month, args.seed)
    measure_from = datetime.combine(args.measure_from, datetime.min.time(), tzinfo=UTC)
    until = datetime.combine(args.end, datetime.max.time().replace(microsecond=0), tzinfo=UTC)
    meter = Meter(ACCOUNT_ID, REGION)
    meter.install()
    sam = load_sam()
    try:
        with meter.scoped("deploy"), embedded_aws("bench") as stack:
            tables = {stack.name_of(k): k for k, r in sam["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table"}
            meter.labels = dict(tables)
            pitr = {
                logical: bool(
                    sam["Resources"][logical]["Properties"]
                    .get("PointInTimeRecoverySpecification", {})
                    .get("PointInTimeRecoveryEnabled")
                )
                for logical in tables.values()
            }
            meter.watch_partners({e["partner_id"] for e in envelopes})
            projections_from = until - timedelta(days=args.projection_days + 1)
            run = drive(stack, meter, envelopes, measure_from, projections_from, until)
            kinds = storage(meter, tables, pitr, measure_from.timestamp())
            schedules = {
                (json.loads(s.input).get("program") or "projection"): per_month(s.expression, s.time_zone, s.start)
                for s in stack.schedules
            }
    finally:
        meter.uninstall()
    run.seconds = time.perf_counter() - started
    report(args, meter, run, kinds, schedules)


def report(
    args: argparse.Namespace,
    meter: Meter,
    run: Run,
    kinds: dict[str, Kind],
    schedules: dict[str, float],
) -> None:
    partners = len(run.partners)
    months = ((args.end - args.measure_from).days + 1) / DAYS_PER_MONTH
    rate = run.accepted / partners / months
    out: list[str] = [
        f"cost bench: {partners} partners ({args.per_program} per program); history before {args.measure_from} "
        f"({run.history} events, filling every program's longest window; evaluations run, not metered), measured "
        f"{args.measure_from} .. {args.end}: {run.accepted} events accepted ({rate:.0f} per partner a month; "
        f"{run.duplicates} duplicates, {run.rejected} rejected in all), every stream delivered one record per batch, "
        f"{sum(n for k, n in run.firings.items() if k != 'history')} schedule firings; {run.seconds:.0f} s ("
        + ", ".join(f"{k} {v:.0f} s" for k, v in sorted(run.timing.items()))
        + ")",
        *(f"    rejected: {r}" for r in run.rejections),
        "",
    ]
    # Events: ingest and everything the events set off (aggregation, the outbox's publisher, ...).
    ew, er, eby = units_of(meter, "events")
    per_event_w, per_event_r = ew / run.accepted, er / run.accepted
    out += breakdown(
        f"ingest + aggregation per event: write {per_event_w:.2f}  read {per_event_r:.2f}", eby, run.accepted
    )
    stream = Counter[str]()
    for (scope, _f, table, _o, _w), usage in meter.usage.items():
        if scope == "events":
            stream[table] += usage.stream_records
    out.append(
        "    stream records per event (free): "
        + ", ".join(f"{t} {n / run.accepted:.2f}" for t, n in sorted(stream.items()) if n)
    )
    index_lines = [
        f"{table} {index} {units / run.accepted:.2f}"
        for (scope, table, index), units in sorted(meter.index_units.items())
        if scope == "events"
    ]
    if index_lines:
        out.append("    of which index writes per event: " + ", ".join(index_lines))

    # Evaluations (per program) and projections: the partner's own requests, and the shared ones per batch.
    out.append("")
    evaluations: dict[str, Work] = {}
    for program in sorted({p for (mode, p) in run.worked if mode == "evaluation"}):
        scope = f"evaluation:{program}"
        worked = run.worked[("evaluation", program)]
        evaluations[program] = work(
            meter,
            scope,
            worked,
            run.batches[scope],
            f"evaluation of {program} ({worked} partner-evaluations, {run.firings[scope]} firings)",
            out,
        )
    projected = sum(n for (mode, _p), n in run.worked.items() if mode == "projection")
    projection = work(
        meter,
        "projection",
        projected,
        run.batches["projection"],
        f"daily projection ({projected} partner-projections, {run.firings['projection']} firings)",
        out,
    )
    eval_w = statistics.mean(e.partner_w for e in evaluations.values()) if evaluations else 0.0
    eval_r = statistics.mean(e.partner_r for e in evaluations.values()) if evaluations else 0.0
    out.append(
        f"per evaluation, mean of the programs: write {eval_w:.2f}  read {eval_r:.2f} (+ shared per batch of "
        f"{args.batch_size} partners at scale)"
    )
    out.append(f"per projection: write {projection.partner_w:.2f}  read {projection.partner_r:.2f}")

    # Storage.
    steady = steady_state(kinds, partners, months, args.keep_months, EVENTS_PER_MONTH / rate)
    stored_events = run.accepted + run.history
    out += [
        "",
        f"stored at the end of the run, per event stored (item + {ITEM_OVERHEAD} B overhead), and the steady "
        f"state at {EVENTS_PER_MONTH} events a month from what the measured period created (per partner; "
        "shared items in all):",
    ]
    steady_by = {s.label: s for s in steady}
    for label, k in sorted(kinds.items(), key=lambda x: -x[1].stored_bytes):
        s = steady_by[label]
        out.append(
            f"    {label:<48} {k.items:>7} items {k.bytes / max(k.items, 1):>6.0f} B avg "
            f"{k.stored_bytes / stored_events:>7.1f} B/event   steady {s.bytes / 1024:>9.1f} KB"
            f"{'' if s.shared else '/partner'} ({s.basis}{', PITR' if s.pitr else ''})"
        )
    partner_kinds = [k for k in kinds.values() if not k.shared]
    out.append(
        f"    partner items: {sum(k.bytes for k in partner_kinds) / stored_events:.0f} B per event stored "
        f"({sum(k.stored_bytes for k in partner_kinds) / stored_events:.0f} B with the per-item overhead)"
    )

    # The monthly bill.
    program_ids = [p.id for p in PROGRAMS.values()]
    evaluations_a_month = {p: schedules.get(p, 0.0) for p in program_ids}
    projections_a_month = schedules.get("projection", 0.0)
    rates = ", ".join(f"{p} {n:.2f}" for p, n in evaluations_a_month.items())
    out += [
        "",
        f"a month at {EVENTS_PER_MONTH} events per partner, partners spread evenly over the programs, "
        f"evaluations by each program's schedule ({rates} a month), {projections_a_month:.1f} projections a month, "
        f"batches of {args.batch_size}; on-demand us-east-1, standard table class:",
    ]
    out.append(
        f"    {'partners':>11} {'write units':>13} {'read units':>13} {'requests $':>11} {'GB stored':>10} "
        f"{'storage $':>10} {'PITR GB':>9} {'backups $':>10} {'total $':>10}"
    )
    usd_1m = 0.0
    for population in POPULATIONS:
        writes = population * EVENTS_PER_MONTH * per_event_w
        reads = population * EVENTS_PER_MONTH * per_event_r
        scheduled = [
            (population / len(program_ids) * evaluations_a_month[p], evaluations[p])
            for p in program_ids
            if p in evaluations
        ]
        scheduled.append((population * projections_a_month, projection))
        for count, w in scheduled:
            writes += count * (w.partner_w + w.batch_w / args.batch_size)
            reads += count * (w.partner_r + w.batch_r / args.batch_size)
        requests = writes * USD_PER_WRITE_UNIT + reads * USD_PER_READ_UNIT
        gb = sum(s.bytes * (1 if s.shared else population) for s in steady) / GB
        pitr_gb = sum(s.bytes * (1 if s.shared else population) for s in steady if s.pitr) / GB
        total = requests + gb * USD_PER_GB_MONTH + pitr_gb * USD_PER_PITR_GB_MONTH
        out.append(
            f"    {population:>11,} {writes / 1e6:>12,.0f}M {reads / 1e6:>12,.0f}M {requests:>11,.2f} "
            f"{gb:>10,.0f} {gb * USD_PER_GB_MONTH:>10,.2f} {pitr_gb:>9,.0f} "
            f"{pitr_gb * USD_PER_PITR_GB_MONTH:>10,.2f} {total:>10,.2f}"
        )
        if population == 1_000_000:
            usd_1m = total
    floor = 1_000_000 * EVENTS_PER_MONTH * USD_PER_WRITE_UNIT
    out.append(f"    the floor, each event written once at 1 unit: ${floor:,.2f} a month in requests at 1M partners")
    out.append(
        f"write_units_per_event={per_event_w:.2f} read_units_per_event={per_event_r:.2f} "
        f"dynamodb_usd_month_1m={usd_1m:.2f}"
    )
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
