"""`standing backtest`: a draft program judged against the program in force on an events file, in memory.

The events go through the real ingest validation and duplicate/conflict classification (`IngestService`) and the
real aggregation service (`Aggregator`), both writing to `MemoryStore` instead of DynamoDB; then every evaluation
of the program due on its template schedule (the instants `standing replay` fires, `standing_local.clock`) is
judged by the real rules engine for every enrolled partner, twice: under the base program and under the draft.
Time is simulated as in `standing replay`: an evaluation at instant T sees the events that occurred by T.

History: both sides are judged at every evaluation from the first event on (each keeps its own records, so the
consequence ladder and membership work as if that side had always been in force); rows are kept for the
evaluations between --from and --to.

Scale: partners are independent, so they are split into shares by a hash of their id (at least one per process,
more for a large input, so a process holds one share at a time) and `workers` processes take the shares; an event
id used by two partners goes with the first of them, so the conflict is still seen. Only partners some profile
enrolls in the program are folded; every line is still validated, so every rejection is reported.
"""

from __future__ import annotations

import json
import multiprocessing
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from standing.adapters.standing_store import PartnerState
from standing.aggregate import Aggregator
from standing.evaluate import simulation
from standing.events.models import Rejection
from standing.ingest import MAX_EVENTS, IngestService
from standing.rules import Program
from standing_local.backtest.store import MemoryStore, plain
from standing_local.clock import occurrences

BUCKET_LINES = 1_000_000  # input lines per share of partners, at most (about): bounds a process's memory
MEMBERSHIP_EVENTS = {"program.opted_in": "opted_in", "program.opted_out": "opted_out"}
TTL_DAYS = 400  # the template's RAW_EVENT_TTL_DAYS default: expiry only rides along on entities


@dataclass
class Line:
    number: int
    envelope: dict[str, Any]
    at: datetime | None


@dataclass
class Timings:
    """Seconds spent per stage (summed over workers)."""

    parse: float = 0.0
    ingest: float = 0.0  # validation, digest, duplicate / conflict classification
    fold: float = 0.0  # entities, profiles, enrolments, memberships, flags, daily aggregates
    evaluate: float = 0.0  # both sides, every enrolled partner, every evaluation

    def add(self, other: Timings) -> None:
        self.parse += other.parse
        self.ingest += other.ingest
        self.fold += other.fold
        self.evaluate += other.evaluate


@dataclass
class Result:
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    folded: int = 0  # events through the fold
    evaluations: int = 0  # partner-evaluations (one side each)
    partners: int = 0
    instants: list[str] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    workers: int = 1

    def merge(self, other: Result) -> None:
        self.rows += other.rows
        self.rejected += other.rejected
        self.lines += other.lines
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.folded += other.folded
        self.evaluations += other.evaluations
        self.partners += other.partners
        self.instants = sorted(set(self.instants) | set(other.instants))
        self.timings.add(other.timings)


def parse_lines(lines: Iterable[tuple[int, str]]) -> tuple[list[Line], list[dict[str, Any]]]:
    """One envelope a line (numbers as Decimal, as the API reads them); what is not a JSON object is refused
    here with the reasons `standing replay` gives, the rest is judged by ingest."""
    parsed: list[Line] = []
    refused: list[dict[str, Any]] = []
    for number, raw in lines:
        text = raw.strip()
        if not text:
            continue
        try:
            envelope = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as error:
            refused.append({"line": number, "event_id": None, "error": "invalid_json", "message": str(error)})
            continue
        if not isinstance(envelope, dict):
            message = "a line must be one JSON object (an event envelope)"
            refused.append({"line": number, "event_id": None, "error": "invalid_event", "message": message})
            continue
        parsed.append(Line(number, envelope, _instant(envelope.get("occurred_at"))))
    return parsed, refused


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at.astimezone(UTC) if at.tzinfo else None


def _order(lines: list[Line]) -> list[Line]:
    """The order `standing replay` sends events in: unreadable times first, then by occurrence (stable)."""
    return sorted(lines, key=lambda line: (line.at is not None, line.at or datetime.min.replace(tzinfo=UTC)))


def evaluation_instants(program: Program, start: datetime, until: datetime) -> list[datetime]:
    """The instants the program's template schedule fires in (start, until] that are due (first_evaluation)."""
    schedule = program.schedule
    times = occurrences(schedule.expression, schedule.time_zone, start, until, schedule.start_at)
    first = program.first_evaluation
    return [t for t in times if first is None or program.evaluation_anchor(t) >= first]


class Backtest:
    """One worker's share: its partners' events folded in memory, both sides judged at every instant."""

    def __init__(self, base: Program, draft: Program, zones: dict[str, str]) -> None:
        self.base = base
        self.draft = draft
        self.store = MemoryStore()
        # Ingest's clock is the machine's, as in `standing replay` (its plausibility window for instants included).
        self.ingest = IngestService(self.store, TTL_DAYS)
        zones = {**zones, base.id: base.time_zone}
        extra = {draft.time_zone}

        def zones_for(programs: list[str]) -> set[str]:
            found = {zones[p] for p in programs if p in zones}
            return found | extra if draft.id in programs else found

        self.aggregator = Aggregator(self.store, zones_for)
        self.history = {side: simulation.History() for side in simulation.SIDES}
        # Membership Standing itself decided on an opt-in event (granted or refused), per side: the same write
        # `change_membership` makes (UTC with microseconds, by "standing:opt_in..."), newer ones win.
        self.decided: dict[str, dict[str, dict[str, Any]]] = {side: {} for side in simulation.SIDES}
        self.first_line: dict[str, int] = {}
        self.relevant: set[str] | None = None
        self.result = Result()

    def program(self, side: str) -> Program:
        return self.base if side == "base" else self.draft

    # --- events ---------------------------------------------------------------------------------------------

    def send(self, lines: list[Line]) -> None:
        """Ingest then fold the lines (those that occurred by the next evaluation), `MAX_EVENTS` per ingest call as
        the API takes them; an opt-in or opt-out of the program is applied at its own time, after the events
        before it."""
        start = 0
        for n, line in enumerate(lines):
            kind = line.envelope.get("type")
            if kind in MEMBERSHIP_EVENTS and _program_of(line) == self.draft.id:
                self._fold(lines[start : n + 1])
                start = n + 1
                if line.at is not None:
                    self._membership(str(line.envelope.get("partner_id")), str(kind), line.at)
        self._fold(lines[start:])

    def _fold(self, lines: list[Line]) -> None:
        if not lines:
            return
        images: list[dict[str, Any]] = []
        started = time.perf_counter()
        for offset in range(0, len(lines), MAX_EVENTS):
            chunk = lines[offset : offset + MAX_EVENTS]
            outcome = self.ingest.ingest([line.envelope for line in chunk])
            self.result.accepted += outcome.accepted
            self.result.duplicates += outcome.duplicates
            for line in chunk:
                event_id = line.envelope.get("event_id")
                if isinstance(event_id, str) and event_id not in self.first_line and event_id in self.store.events:
                    self.first_line[event_id] = line.number
                    images.append(self.store.events[event_id])
            for rejection in outcome.rejected:
                self.result.rejected.append(self._rejection(chunk[rejection.index], rejection))
        folded = time.perf_counter()
        self.result.timings.ingest += folded - started
        if self.relevant is not None:  # partners no profile ever enrolls in the program: nothing to judge
            images = [image for image in images if image["partner_id"] in self.relevant]
        self.aggregator.apply_all(images)
        self.result.folded += len(images)
        self.result.timings.fold += time.perf_counter() - folded

    def _rejection(self, line: Line, rejection: Rejection) -> dict[str, Any]:
        found = {"line": line.number, **rejection.to_dict()}
        found.pop("index", None)
        first = self.first_line.get(str(rejection.event_id))
        if rejection.error == "conflict" and first is not None:
            found["message"] = f"event_id {rejection.event_id!r} is already used by line {first} with other content"
        return found

    # --- partner state as the evaluate adapter reads it -----------------------------------------------------

    def state(self, partner_id: str, side: str, shared: PartnerState | None = None) -> PartnerState:
        """The partner as `standing_store.partner_state` returns it, with that side's own membership decisions.
        `shared`: the state already read for the other side (reused when this side decided nothing)."""
        decided = self.decided[side].get(partner_id)
        if shared is not None and decided is None:
            return shared
        profile = self.store.get_state(partner_id, "PROFILE")
        enrolments = {p: plain(item) for p, item in self.store.enrolments(partner_id).items()}
        enrolment = enrolments.get(self.draft.id)
        if decided is not None and enrolment is not None:
            if decided["membership_at"] >= enrolment.get("membership_at", ""):
                enrolment.update(decided)
            else:  # a newer membership event won; the dates Standing stamped stay on the item
                enrolment.update({k: v for k, v in decided.items() if k in ("joined_at", "left_at")})
        return PartnerState(
            partner_id, plain(profile) if profile else None, enrolments, self.store.open_flags(partner_id)
        )

    def _membership(self, partner_id: str, kind: str, at: datetime) -> None:
        """What `standing.evaluate.changes.change_membership` does after a membership event, per side: an opt-out
        is recorded with the date the partner left; an opt-in is judged on the window ending that day and either
        joins (stamping the date) or goes back to what the partner was (left before, or never joined)."""
        action = MEMBERSHIP_EVENTS[kind]
        for side in simulation.SIDES:
            program = self.program(side)
            if program.membership != "opt_in":
                continue
            state = self.state(partner_id, side)
            enrolment = state.enrolments.get(self.draft.id, {})
            if enrolment.get("membership") != action or not simulation.is_enrolled(state, self.draft.id):
                continue  # superseded by a newer membership, or not (yet) enrolled: nothing to apply
            stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            decided: dict[str, Any] = {"membership_at": stamp}
            if action == "opted_out":
                decided.update(membership="opted_out", membership_by="standing:opt_out", left_at=stamp)
            else:
                first, last = program.query_range(program.window_ending(at))
                days = self.store.daily_aggregates(partner_id, program.time_zone, first, last)
                if simulation.opt_in_granted(program, state, days, at):
                    decided.update(membership="opted_in", membership_by="standing:opt_in", joined_at=stamp)
                else:
                    back_to = "opted_out" if enrolment.get("left_at") or enrolment.get("joined_at") else "never_joined"
                    decided.update(membership=back_to, membership_by="standing:opt_in_refused")
            self.decided[side][partner_id] = {**self.decided[side].get(partner_id, {}), **decided}

    # --- evaluations ----------------------------------------------------------------------------------------

    def evaluate(self, at: datetime, keep: bool) -> None:
        started = time.perf_counter()
        for partner_id in sorted(self.store.partners):
            records: dict[str, dict[str, Any] | None] = {}
            state: PartnerState | None = None
            read: dict[tuple[str, Any, Any], list[Any]] = {}  # the sides share one read of the same days
            for side in simulation.SIDES:
                program = self.program(side)
                state = self.state(partner_id, side, state)
                if not simulation.is_enrolled(state, self.draft.id):
                    break
                due = program.first_evaluation is None or program.evaluation_anchor(at) >= program.first_evaluation
                if not due:
                    records[side] = None
                    continue
                first, last = program.query_range(program.period_for(at))
                key = (program.time_zone, first, last)
                if key not in read:
                    read[key] = self.store.daily_aggregates(partner_id, program.time_zone, first, last)
                records[side] = simulation.judge(program, state, read[key], at, self.history[side])
                self.result.evaluations += 1
            draft = records.get("draft")
            if keep and draft is not None:
                self.result.rows.append(simulation.compare(records.get("base"), draft))
        self.result.timings.evaluate += time.perf_counter() - started


def _program_of(line: Line) -> str | None:
    data = line.envelope.get("data")
    return str(data.get("program_id")) if isinstance(data, dict) else None


@dataclass(frozen=True)
class Job:
    base: Program
    draft: Program
    zones: dict[str, str]
    lines: list[tuple[int, str]]  # (line number, text): parsed in the worker
    start: datetime  # rows for evaluations from here
    until: datetime  # the clock stops here


def run_job(job: Job) -> Result:
    started = time.perf_counter()
    lines, refused = parse_lines(job.lines)
    backtest = Backtest(job.base, job.draft, job.zones)
    result = backtest.result
    result.timings.parse = time.perf_counter() - started
    result.rejected += refused
    result.lines = len(job.lines)
    backtest.relevant = enrolling(lines, job.draft.id)
    ordered = _order(lines)
    readable = [line.at for line in ordered if line.at is not None]
    first = min(readable) if readable else job.until
    instants = evaluation_instants(job.draft, first, job.until)
    result.instants = [t.isoformat() for t in instants if t >= job.start]
    position = 0
    for at in [*instants, None]:
        end = position
        limit = at or job.until
        while end < len(ordered) and (ordered[end].at is None or ordered[end].at <= limit):  # type: ignore[operator]
            end += 1
        backtest.send(ordered[position:end])
        position = end
        if at is not None:
            backtest.evaluate(at, keep=at >= job.start)
    result.partners = sum(1 for p in backtest.store.partners.values() if "PROFILE" in p.items)
    return result


def enrolling(lines: list[Line], program_id: str) -> set[str]:
    """Partners some profile line enrolls in the program. Only a profile enrolls, so every other partner's events
    are validated and classified (rejections and conflicts are reported) but need no fold."""
    found = set()
    for line in lines:
        envelope = line.envelope
        if envelope.get("type") == "partner.profile":
            data = envelope.get("data")
            listed = data.get("programs") if isinstance(data, dict) else None
            if isinstance(listed, list) and program_id in listed:
                found.add(str(envelope.get("partner_id")))
    return found


def partition(lines: list[str], workers: int) -> list[list[tuple[int, str]]]:
    """Lines per worker by a stable hash of the partner id; an event id already used by another partner goes
    with its first user (in order of occurrence, as ingest would see them) so conflicts are still found."""
    if workers <= 1:
        return [list(enumerate(lines, start=1))]
    shares: list[list[tuple[int, str]]] = [[] for _ in range(workers)]
    keyed: list[tuple[tuple[bool, datetime], int, str, str, str]] = []
    for number, raw in enumerate(lines, start=1):
        try:
            envelope = json.loads(raw)
        except json.JSONDecodeError:
            envelope = None
        if not isinstance(envelope, dict):
            shares[0].append((number, raw))
            continue
        at = _instant(envelope.get("occurred_at"))
        key = (at is not None, at or datetime.min.replace(tzinfo=UTC))
        keyed.append((key, number, raw, str(envelope.get("partner_id")), str(envelope.get("event_id"))))
    owner: dict[str, str] = {}
    for _, number, raw, partner_id, event_id in sorted(keyed, key=lambda k: (k[0], k[1])):
        partner_id = owner.setdefault(event_id, partner_id)
        shares[zlib.crc32(partner_id.encode("utf-8")) % workers].append((number, raw))
    return shares


def backtest(
    base: Program,
    draft: Program,
    zones: dict[str, str],
    lines: list[str],
    start: datetime,
    until: datetime,
    workers: int = 1,
) -> Result:
    """Run the backtest over `lines` (one envelope a line), `workers` processes at once. Partners are split into
    at least `workers` shares, and into more when the input is large, so a process holds one share's events and
    state at a time (at most about BUCKET_LINES lines)."""
    shares = max(workers, -(-len(lines) // BUCKET_LINES))
    jobs = [Job(base, draft, zones, share, start, until) for share in partition(lines, shares) if share]
    total = Result(workers=max(1, workers))
    if workers <= 1:
        for job in jobs:
            total.merge(run_job(job))
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for result in pool.imap_unordered(run_job, jobs):
                total.merge(result)
    total.rows.sort(key=lambda r: (r["period_start"], r["partner_id"]))
    total.rejected.sort(key=lambda r: r["line"])
    return total
