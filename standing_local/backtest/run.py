"""`standing backtest`: a draft program judged against the program in force on an events file, in memory.

Each line goes through ingest's validation (`validate_event`) and its duplicate / conflict classification (the
same keys and the same order as `IngestService.ingest`); the accepted events are kept per partner, as the
EventsTable keeps them; every evaluation of the program due on its template schedule (the instants `standing
replay` fires, `standing_local.clock`) is judged by the real rules engine for every enrolled partner, twice: under
the base program and under the draft, each on the days `standing.fold` folds from the partner's events, exactly as
the deployed evaluation reads them (`standing_store.folded_days`): a partner's events are folded as they arrive and
kept between evaluations (`standing.fold.FoldIndex`), so each is folded about once, not once per window holding
it. Profiles, enrolments, memberships and risk cases are kept latest-wins as the aggregation service keeps them
(store.py). Time is simulated as in `standing replay`:
an evaluation at instant T sees the events that occurred by T.

History: both sides are judged at every evaluation from the first event on (each keeps its own records, so the
consequence ladder and membership work as if that side had always been in force); rows are kept for the
evaluations between --from and --to.

Scale: partners are independent, so the events file is split on disk into shares by a hash of the partner id
(shares.py: at least one per process, more for a large file, so a process holds one share at a time and no process
the whole file) and `workers` processes take the shares; an event id used by two partners goes with the first of
them, so a conflict is still seen. Only partners some profile enrolls in the program are kept; every line is still
validated, so every rejection is reported.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import multiprocessing.pool
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from standing.adapters.standing_store import PartnerState
from standing.evaluate import simulation
from standing.evaluate.partner import enrolled, is_enrolled
from standing.events.entities import FLAG_TYPES, ORDER_TYPES
from standing.events.models import CONFLICT, Rejection, TimeWindow, ValidEvent, utc_text, validate_event
from standing.fold import Folded, fold_prepared, prepare_event
from standing.rules import Program
from standing_local import jsonl
from standing_local.backtest import shares
from standing_local.backtest.store import Partner
from standing_local.clock import occurrences

MAX_EVENTS = 500  # events per ingest call (`standing.ingest.service.MAX_EVENTS`): a batch arrives at one instant
BUCKET_LINES = 250_000  # input lines per share of partners, at most (about): bounds a process's memory
MEMBERSHIP_EVENTS = {"program.opted_in": "opted_in", "program.opted_out": "opted_out"}
_EVENT_TYPES = ORDER_TYPES | {"message.received", "message.replied", "review.submitted", "score.reported"}


@dataclass
class Line:
    number: int
    envelope: dict[str, Any]
    at: datetime | None


@dataclass
class Timings:
    """CPU seconds spent per stage (summed over workers): what a core gives, whatever else the machine runs (the CPU
    clock is read per batch and per fold: a few microseconds each)."""

    parse: float = 0.0
    ingest: float = 0.0  # validation, duplicate / conflict classification (digests only for repeated ids)
    fold: float = 0.0  # events prepared and kept, partner state, and every fold of a partner's events into days
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
    folded: int = 0  # events through the fold (each counted once)
    reads: int = 0  # events the evaluations' folds folded into days (again each time their day changed or was read)
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
        self.reads += other.reads
        self.evaluations += other.evaluations
        self.partners += other.partners
        self.instants = sorted(set(self.instants) | set(other.instants))
        self.timings.add(other.timings)


def parse_lines(lines: Iterable[tuple[int, str]]) -> tuple[list[Line], list[dict[str, Any]]]:
    """One envelope a line (numbers as Decimal, as the API reads them); what is not a JSON object is refused
    here with the reasons `standing replay` gives, the rest is judged as ingest judges them."""
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
        parsed.append(Line(number, envelope, jsonl.occurred_at(envelope)))
    return parsed, refused


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
    """One worker's share: its partners' events validated, classified and kept in memory, both sides judged at
    every instant on days folded from the events (standing.fold), as the deployed evaluation folds them."""

    def __init__(self, base: Program, draft: Program) -> None:
        self.base = base
        self.draft = draft
        self.partners: dict[str, Partner] = {}
        # EventsTable keys (ingest's: partner, occurred UTC day, event id) -> the stored event and its line
        self.stored: dict[tuple[str, str, str], tuple[ValidEvent, int]] = {}
        self.batches = 0  # arrival order: the fold takes a batch's events by id, as equal `received_at`s
        self.history = {side: simulation.History() for side in simulation.SIDES}
        # Membership Standing itself decided on an opt-in event (granted or refused), per side: the same write
        # `StandingChanges.change_membership` makes (UTC with microseconds, by "standing:opt_in..."), newer ones win.
        self.decided: dict[str, dict[str, dict[str, Any]]] = {side: {} for side in simulation.SIDES}
        # The earliest successful order each side's evaluations have seen (`PartnerEvaluator.seen_first_sale`).
        self.first_sale: dict[str, dict[str, str]] = {side: {} for side in simulation.SIDES}
        self.relevant: set[str] | None = None
        self.result = Result()

    def program(self, side: str) -> Program:
        return self.base if side == "base" else self.draft

    # --- events ---------------------------------------------------------------------------------------------

    def send(self, lines: list[Line]) -> None:
        """Ingest the lines (those that occurred by the next evaluation), `MAX_EVENTS` per batch as the API takes
        them; an opt-in or opt-out of the program is applied at its own time, after the events before it."""
        start = 0
        for n, line in enumerate(lines):
            kind = line.envelope.get("type")
            if kind in MEMBERSHIP_EVENTS and _program_of(line) == self.draft.id:
                self._ingest(lines[start : n + 1])
                start = n + 1
                if line.at is not None:
                    self._membership(str(line.envelope.get("partner_id")), str(kind), line.at)
        self._ingest(lines[start:])

    def _ingest(self, lines: list[Line]) -> None:
        for offset in range(0, len(lines), MAX_EVENTS):
            self._batch(lines[offset : offset + MAX_EVENTS])

    def _batch(self, chunk: list[Line]) -> None:
        """`IngestService.ingest` on one batch: validation, repeats in the batch settled first (the same content is
        a duplicate, other content a conflict), then each distinct event stored unless its key is (a duplicate, or a
        conflict when the stored digest differs). Digests are computed only for ids seen twice."""
        started = time.process_time()
        result = self.result
        window = TimeWindow.around(datetime.now(UTC))  # ingest's clock is the machine's, as in `standing replay`
        fresh: dict[str, tuple[ValidEvent, int]] = {}
        for index, line in enumerate(chunk):
            checked = validate_event(index, line.envelope, window)
            if isinstance(checked, Rejection):
                result.rejected.append(_rejected(line.number, checked))
                continue
            first = fresh.get(checked.event_id)
            if first is None:
                fresh[checked.event_id] = (checked, line.number)
            elif first[0].digest == checked.digest:
                result.duplicates += 1
            else:
                result.rejected.append(_conflict(line.number, checked, first[1]))
        accepted: list[tuple[str, str, ValidEvent]] = []  # (event id, UTC instant, event)
        relevant = self.relevant
        for event, number in fresh.values():
            at = utc_text(event.occurred_at)
            key = (event.partner_id, at[:10], event.event_id)
            stored = self.stored.get(key)
            if stored is None:
                self.stored[key] = (event, number)
                result.accepted += 1
                if relevant is None or event.partner_id in relevant:  # else: no profile ever enrolls it
                    accepted.append((event.event_id, at, event))
            elif stored[0].digest == event.digest:
                result.duplicates += 1
            else:
                result.rejected.append(_conflict(number, event, stored[1]))
        folding = time.process_time()
        result.timings.ingest += folding - started
        accepted.sort(key=_by_id)
        self._apply(accepted)
        result.timings.fold += time.process_time() - folding

    def _apply(self, events: list[tuple[str, str, ValidEvent]]) -> None:
        """Stored events onto their partners: kept for the fold (prepared once), and the partner state."""
        self.batches += 1
        received = f"{self.batches:012d}"
        partners = self.partners
        for _, at, event in events:
            partner_id = event.partner_id
            partner = partners.get(partner_id)
            if partner is None:
                partner = partners[partner_id] = Partner(partner_id)
            kind, data = event.type, event.data
            index = partner.index  # Partner.add, inline
            index.events.append(prepare_event(event.event_id, kind, at, data, received, at))
            index.days.append(at[:10])
            if kind in _EVENT_TYPES:  # the most frequent: nothing for the partner state
                continue
            if kind == "partner.profile":
                partner.put_profile(data, at, event.event_id)
            elif kind in MEMBERSHIP_EVENTS:
                partner.set_membership(str(data["program_id"]), MEMBERSHIP_EVENTS[kind], at, event.event_id)
            elif kind in FLAG_TYPES:
                partner.risk_event(event.event_id, kind == "risk.flag_raised", str(data["flag"]), str(data["case_id"]))
            elif kind == "event.voided":
                partner.void(str(data["voided_event_id"]))
        self.result.folded += len(events)

    # --- partner state as the evaluate adapter reads it -----------------------------------------------------

    def state(self, partner: Partner, side: str, flags: frozenset[str] | None = None) -> PartnerState:
        """The partner as `standing_store.partner_state` returns it, with that side's own membership decisions and
        first sale (`flags`: its open risk flags, when the caller has them already). Read only: it shares the
        partner's items where that side changed nothing."""
        profile = partner.profile
        sale = self.first_sale[side].get(partner.partner_id)
        if profile is not None and sale is not None:
            profile = {**profile, "first_sale_seen_at": sale}
        enrolments = partner.enrolments
        decided = self.decided[side].get(partner.partner_id)
        enrolment = enrolments.get(self.draft.id)
        if decided is not None and enrolment is not None:
            enrolment = dict(enrolment)
            if decided["membership_at"] >= enrolment.get("membership_at", ""):
                enrolment.update(decided)
            else:  # a newer membership event won; the dates Standing stamped stay on the item
                enrolment.update({k: v for k, v in decided.items() if k in ("joined_at", "left_at")})
            enrolments = {**enrolments, self.draft.id: enrolment}
        return PartnerState(partner.partner_id, profile, enrolments, partner.open_flags() if flags is None else flags)

    def fold(self, partner: Partner, time_zone: str, first: date, last: date, activity_from: date) -> Folded:
        """`standing_store.folded_days`: the events from the UTC day before `first` on (reviews and voids; the
        others from the day before `activity_from`), folded in the zone."""
        started = time.process_time()
        folded = partner.index.fold(time_zone, first, last, activity_from)
        if folded is None:  # a read the index cannot give (standing.fold.FoldIndex): folded as read
            events = partner.read(_day_before(first), _day_before(activity_from))
            folded = fold_prepared(events, time_zone, first, last, partner.memo)
            self.result.reads += len(events)
        self.result.timings.fold += time.process_time() - started
        return folded

    def seen_first_sale(self, side: str, partner: Partner, sale: str | None) -> None:
        """`PartnerEvaluator.seen_first_sale`, on this side's profile: the earliest sale seen is kept (`state`
        then shows it)."""
        if sale is None or partner.profile is None:
            return
        known = self.first_sale[side].get(partner.partner_id)
        if known is None or sale < known:
            self.first_sale[side][partner.partner_id] = sale

    def _membership(self, partner_id: str, kind: str, at: datetime) -> None:
        """What `standing.evaluate.changes.change_membership` does after a membership event, per side: an opt-out
        is recorded with the date the partner left; an opt-in is judged on the window ending that day and either
        joins (stamping the date) or goes back to what the partner was (left before, or never joined)."""
        partner = self.partners.get(partner_id)
        if partner is None:
            return
        action = MEMBERSHIP_EVENTS[kind]
        for side in simulation.SIDES:
            program = self.program(side)
            if program.membership != "opt_in":
                continue
            state = self.state(partner, side)
            enrolment = state.enrolments.get(self.draft.id, {})
            if enrolment.get("membership") != action or not is_enrolled(state, self.draft.id):
                continue  # superseded by a newer membership, or not (yet) enrolled: nothing to apply
            stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            decided: dict[str, Any] = {"membership_at": stamp}
            if action == "opted_out":
                decided.update(membership="opted_out", membership_by="standing:opt_out", left_at=stamp)
            else:
                window = program.window_ending(at)
                first, last = program.query_range(window)
                folded = self.fold(partner, program.time_zone, first, last, program.activity_from(window))
                self.seen_first_sale(side, partner, folded.first_sale_at)
                state = self.state(partner, side)
                if simulation.opt_in_granted(program, state, folded.days, at, lean=True):
                    decided.update(membership="opted_in", membership_by="standing:opt_in", joined_at=stamp)
                else:
                    back_to = "opted_out" if enrolment.get("left_at") or enrolment.get("joined_at") else "never_joined"
                    decided.update(membership=back_to, membership_by="standing:opt_in_refused")
            self.decided[side][partner_id] = {**self.decided[side].get(partner_id, {}), **decided}

    # --- evaluations ----------------------------------------------------------------------------------------

    def evaluate(self, at: datetime, keep: bool) -> None:
        started = time.process_time()
        fold_before = self.result.timings.fold
        # What does not depend on the partner, per side: the program, whether it is due, the days its fold reads.
        sides: list[tuple[str, Program, tuple[str, date, date, date] | None]] = []
        for side in simulation.SIDES:
            program = self.program(side)
            due = program.first_evaluation is None or program.evaluation_anchor(at) >= program.first_evaluation
            period = program.period_for(at)
            reads = (program.time_zone, *program.query_range(period), program.activity_from(period)) if due else None
            sides.append((side, program, reads))
        for partner_id in sorted(self.partners):
            partner = self.partners[partner_id]
            if partner.profile is None or not enrolled(partner.enrolments, self.draft.id):  # no side changes that
                continue
            records: dict[str, dict[str, Any] | None] = {}
            read: dict[tuple[str, date, date, date], Folded] = {}  # the sides share one fold of the same read
            flags = partner.open_flags()
            for side, program, key in sides:
                if key is None:  # not due yet on this side
                    records[side] = None
                    continue
                folded = read.get(key)
                if folded is None:
                    folded = read[key] = self.fold(partner, *key)
                self.seen_first_sale(side, partner, folded.first_sale_at)
                state = self.state(partner, side, flags)
                # lean: no sentences; the row and the ladder read only statuses, failing metrics, values, outcomes
                records[side] = simulation.judge(program, state, folded.days, at, self.history[side], lean=True)
                self.result.evaluations += 1
            draft = records.get("draft")
            if keep and draft is not None:
                self.result.rows.append(simulation.compare(records.get("base"), draft))
        fold = self.result.timings.fold - fold_before
        self.result.timings.evaluate += time.process_time() - started - fold


def _day_before(day: date) -> str:
    return (day - timedelta(days=1)).isoformat()


def _by_id(accepted: tuple[str, str, ValidEvent]) -> str:
    return accepted[0]


def _rejected(number: int, rejection: Rejection) -> dict[str, Any]:
    found = {"line": number, **rejection.to_dict()}
    found.pop("index", None)
    return found


def _conflict(number: int, event: ValidEvent, first: int) -> dict[str, Any]:
    """ingest's conflict, naming the line that holds the id with other content."""
    message = f"event_id {event.event_id!r} is already used by line {first} with other content"
    return {"line": number, "event_id": event.event_id, "error": CONFLICT, "message": message, "field": "event_id"}


def _program_of(line: Line) -> str | None:
    data = line.envelope.get("data")
    return str(data.get("program_id")) if isinstance(data, dict) else None


@dataclass(frozen=True)
class Job:
    base: Program
    draft: Program
    split: shares.Shares  # the input, split into shares on disk
    share: int  # the share this job judges: its lines are read and parsed in the worker
    start: datetime  # rows for evaluations from here
    until: datetime  # the clock stops here


def run_job(job: Job) -> Result:
    """One share, with the cyclic garbage collector paused: the share's events and state are millions of objects
    that live until the end, and each of its passes would walk them all (what is freed is freed as it goes)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run_job(job)
    finally:
        if enabled:
            gc.enable()


def _run_job(job: Job) -> Result:
    started = time.process_time()
    share = job.split.lines(job.share)
    lines, refused = parse_lines((number, text) for number, text in share if text is not None)
    refused += [jsonl.not_utf8(number) for number, text in share if text is None]
    backtest = Backtest(job.base, job.draft)
    result = backtest.result
    result.timings.parse = time.process_time() - started
    result.rejected += refused
    result.lines = len(share)
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
    result.partners = sum(1 for p in backtest.partners.values() if p.profile is not None)
    result.reads += sum(p.index.read for p in backtest.partners.values())
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


def backtest(
    base: Program,
    draft: Program,
    zones: dict[str, str],
    source: Path | list[str],
    start: datetime,
    until: datetime,
    workers: int = 1,
) -> Result:
    """Run the backtest over `source` (an events file, one envelope a line; or its lines, none holding a line
    feed: they are written to a file first), `workers` processes at once. The file is split into shares of
    partners on disk (`shares.partition`): at least `workers`, and more when it is large, so a process holds one
    share's events and state at a time (at most about BUCKET_LINES lines) and no process the whole file.
    `zones` (program id -> time zone) is not needed any more: each side folds in its own program's zone; it is
    kept for callers."""
    total = Result(workers=max(1, workers))
    with tempfile.TemporaryDirectory(prefix="standing-backtest-") as directory, _pool(workers) as pool:
        path = source if isinstance(source, Path) else _written(source, Path(directory) / "events.jsonl")
        found, lines = shares.chunks(path)
        split = shares.partition(path, Path(directory), found, max(workers, -(-lines // BUCKET_LINES)), pool)
        jobs = [Job(base, draft, split, share, start, until) for share in split.filled]
        for result in pool.imap_unordered(run_job, jobs) if pool is not None else map(run_job, jobs):
            total.merge(result)  # one share at a time in this process: map is lazy
    total.rows.sort(key=lambda r: (r["period_start"], r["partner_id"]))
    total.rejected.sort(key=lambda r: r["line"])
    return total


def _pool(workers: int) -> contextlib.AbstractContextManager[multiprocessing.pool.Pool | None]:
    """`workers` processes, or None to run in this one."""
    return multiprocessing.get_context("fork").Pool(workers) if workers > 1 else contextlib.nullcontext()


def _written(lines: list[str], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(f"{line}\n" for line in lines)
    return path
