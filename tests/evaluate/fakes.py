"""In-memory fakes of evaluate's ports (standing.evaluate.ports), for fast unit tests of the Evaluator.

`FakeStore` keeps what `standing.adapters.standing_store` keeps, with the same answers (a record or a run's
completion written at most once, a standing or at-risk item replaced only at the version it was read at, a marker
counted once), and logs every call by name. Events are folded on read by the real fold (standing.fold), as the
adapter does. `fail` is called before every store call with its name and arguments: a test makes one raise there
(a worker dying halfway, a partner whose data is corrupt) without touching the code under test.
"""

from __future__ import annotations

import threading
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from standing.adapters.standing_store import MembershipChange, PartnerState
from standing.adapters.tables import LONG_READ_TYPES
from standing.catalog import UnknownProgram
from standing.fold import Folded, fold_days
from standing.keys import ENROLMENT_SHARDS
from standing.rules import Program

Failure = Callable[[str, tuple[Any, ...]], None]


def _never(name: str, args: tuple[Any, ...]) -> None:
    return None


@dataclass
class FakeStore:
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    enrolments: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # partner -> program -> item
    flags: dict[str, set[str]] = field(default_factory=dict)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stored_records: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    kept_standings: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (partner, program)
    projected: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    risks: dict[tuple[str, str, str], tuple[list[str], int]] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    markers: set[tuple[str, str]] = field(default_factory=set)
    errors: dict[tuple[str, str], str] = field(default_factory=dict)
    owed: list[dict[str, str]] = field(default_factory=list)  # every event owed by a write that landed, in order
    calls: list[str] = field(default_factory=list)
    fail: Failure = _never
    lock: threading.RLock = field(default_factory=threading.RLock)

    WRITES = frozenset({"keep_first_sale", "put_record", "put_standing", "set_membership", "put_projection", "warn"})

    # ------------------------------------------------------------------------------------------------ setup
    def add_partner(self, partner_id: str, programs: Sequence[str], **profile: Any) -> None:
        self.profiles[partner_id] = {"partner_id": partner_id, "programs": list(programs), **profile}
        self.enrolments[partner_id] = {p: {"program": p, "partner_id": partner_id, "enrolled": True} for p in programs}

    def add_events(self, partner_id: str, events: Sequence[dict[str, Any]]) -> None:
        self.events.setdefault(partner_id, []).extend(
            {**e, "received_at": f"{n:08d}"} for n, e in enumerate(events, len(self.events.get(partner_id, [])))
        )

    def writes(self) -> list[str]:
        return [c for c in self.calls if c in self.WRITES]

    def _call(self, name: str, *args: Any) -> None:
        with self.lock:
            self.calls.append(name)
        self.fail(name, args)

    # ------------------------------------------------------------------------------------------------ reads
    def partner_state(self, partner_id: str) -> PartnerState:
        self._call("partner_state", partner_id)
        with self.lock:
            profile = self.profiles.get(partner_id)
            enrolments = {k: dict(v) for k, v in self.enrolments.get(partner_id, {}).items()}
            return PartnerState(
                partner_id, dict(profile) if profile else None, enrolments, frozenset(self.flags.get(partner_id, ()))
            )

    def folded_days(
        self, partner_id: str, time_zone: str, first: date, last: date, *, activity_from: date | None = None
    ) -> Folded:
        self._call("folded_days", partner_id, time_zone, first, last)
        # As the EventsTable's two families read: reviews and voids from the day before `first`, the rest from the
        # day before `activity_from`.
        since = (first - timedelta(days=1)).isoformat()
        activity_since = (max(first, activity_from or first) - timedelta(days=1)).isoformat()
        with self.lock:
            events = [
                e
                for e in self.events.get(partner_id, [])
                if str(e["occurred_at"])[:10] >= (since if e["type"] in LONG_READ_TYPES else activity_since)
            ]
        return fold_days(events, time_zone, first, last)

    def records(
        self, partner_id: str, program_id: str | None = None, before: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        self._call("records", partner_id, program_id, before, limit)
        with self.lock:
            found = [
                r
                for (p, program, start), r in self.stored_records.items()
                if p == partner_id and program_id in (None, program) and (before is None or start < before)
            ]
        found.sort(key=lambda r: (r["program"], r["period"]["start"]), reverse=True)
        return found[:limit] if limit else found

    def stored_record(self, partner_id: str, program_id: str, period_start: str) -> dict[str, Any] | None:
        self._call("stored_record", partner_id, program_id, period_start)
        with self.lock:
            return self.stored_records.get((partner_id, program_id, period_start))

    def standing(self, partner_id: str, program_id: str) -> dict[str, Any] | None:
        self._call("standing", partner_id, program_id)
        with self.lock:
            found = self.kept_standings.get((partner_id, program_id))
            return dict(found) if found else None

    def standings(self, partner_id: str) -> dict[str, dict[str, Any]]:
        self._call("standings", partner_id)
        with self.lock:
            return {program: dict(s) for (p, program), s in self.kept_standings.items() if p == partner_id}

    def projections(self, partner_id: str) -> dict[str, dict[str, Any]]:
        self._call("projections", partner_id)
        with self.lock:
            return dict(self.projected.get(partner_id, {}))

    def warned(self, partner_id: str, program_id: str, period_start: str) -> tuple[list[str], int | None]:
        self._call("warned", partner_id, program_id, period_start)
        with self.lock:
            warned, version = self.risks.get((partner_id, program_id, period_start), ([], None))
            return list(warned), version

    # ------------------------------------------------------------------------------------------------ writes
    def keep_first_sale(self, partner_id: str, at: str) -> bool:
        self._call("keep_first_sale", partner_id, at)
        with self.lock:
            profile = self.profiles[partner_id]
            if profile.get("first_sale_seen_at") and profile["first_sale_seen_at"] <= at:
                return False
            profile["first_sale_seen_at"] = at
            return True

    def put_record(self, record: dict[str, Any], owes: list[dict[str, str]]) -> bool:
        self._call("put_record", record, owes)
        key = (record["partner_id"], record["program"], record["period"]["start"])
        with self.lock:
            if key in self.stored_records:
                return False
            self.stored_records[key] = record
            self.owed.extend(owes)
            return True

    def put_standing(
        self,
        partner_id: str,
        program_id: str,
        value: dict[str, Any],
        expected_version: int | None,
        owes: list[dict[str, str]],
        changed_by: str,
        membership: MembershipChange | None = None,
    ) -> bool:
        self._call("put_standing", partner_id, program_id, value, expected_version, owes, changed_by, membership)
        with self.lock:
            current = self.kept_standings.get((partner_id, program_id))
            if (current or {}).get("version") != expected_version:
                return False
            self.kept_standings[(partner_id, program_id)] = {**value, "version": (expected_version or 0) + 1}
            if membership is not None:
                self._apply_membership(membership)
            self.owed.extend(owes)
            return True

    def set_membership(self, change: MembershipChange) -> None:
        self._call("set_membership", change)
        with self.lock:
            self._apply_membership(change)

    def _apply_membership(self, change: MembershipChange) -> None:
        enrolment = self.enrolments[change.partner_id][change.program_id]
        enrolment.update(membership=change.membership, membership_at=change.at.isoformat(), membership_by=change.by)
        if change.stamp and change.membership == "opted_in":
            enrolment["joined_at"] = change.at.isoformat()
        elif change.stamp and change.membership == "opted_out":
            enrolment["left_at"] = change.at.isoformat()
        self.owed.extend(change.owes)

    def put_projection(self, partner_id: str, program_id: str, record: dict[str, Any]) -> None:
        self._call("put_projection", partner_id, program_id, record)
        with self.lock:
            self.projected.setdefault(partner_id, {})[program_id] = record

    def warn(
        self,
        partner_id: str,
        program_id: str,
        period_start: str,
        metrics: list[str],
        version: int | None,
        owes: list[dict[str, str]],
        expires_at: int,
    ) -> bool:
        self._call("warn", partner_id, program_id, period_start, metrics, version, owes, expires_at)
        key = (partner_id, program_id, period_start)
        with self.lock:
            if self.risks.get(key, (None, None))[1] != version:
                return False
            self.risks[key] = (sorted(metrics), (version or 0) + 1)
            self.owed.extend(owes)
            return True

    # ------------------------------------------------------------------------------------------------ runs
    def enrolled_partners(
        self, program_id: str, shard: int, cursor: dict[str, Any] | None, limit: int
    ) -> tuple[list[str], dict[str, Any] | None]:
        """The shard's enrolled partners in id order, `limit` a page; the cursor is the last id returned."""
        self._call("enrolled_partners", program_id, shard, cursor, limit)
        with self.lock:
            ids = sorted(
                p
                for p, programs in self.enrolments.items()
                if programs.get(program_id, {}).get("enrolled") and zlib.crc32(p.encode()) % ENROLMENT_SHARDS == shard
            )
        after = (cursor or {}).get("gsi1sk", "")
        page = [p for p in ids if p > after][:limit]
        more = bool(page) and page[-1] != ids[-1]
        return page, ({"gsi1sk": page[-1]} if more else None)

    def run_planned(self, run_id: str) -> bool:
        self._call("run_planned", run_id)
        with self.lock:
            return bool(self.runs.get(run_id, {}).get("planned"))

    def record_plan(self, run_id: str, detail: dict[str, Any], batches: int, pages: int) -> dict[str, Any] | None:
        self._call("record_plan", run_id, detail, batches, pages)
        with self.lock:
            run = self.runs.setdefault(run_id, {})
            if run.get("planned"):
                return None
            run.update(planned=True, detail=detail)
            run["batches_planned"] = run.get("batches_planned", 0) + batches
            run["pages_pending"] = run.get("pages_pending", 0) + pages
            return dict(run)

    def count_once(self, run_id: str, marker: str, adds: dict[str, int]) -> bool:
        self._call("count_once", run_id, marker, adds)
        with self.lock:
            if (run_id, marker) in self.markers:
                return False
            self.markers.add((run_id, marker))
            run = self.runs.setdefault(run_id, {})
            for name, value in adds.items():
                run[name] = run.get(name, 0) + value
            return True

    def record_partner_error(self, run_id: str, partner_id: str, reason: str, at: str) -> None:
        self._call("record_partner_error", run_id, partner_id, reason, at)
        with self.lock:
            self.errors[(run_id, partner_id)] = reason

    def complete_run(self, run_id: str, completed_at: str, owes: list[dict[str, str]]) -> bool:
        self._call("complete_run", run_id, completed_at, owes)
        with self.lock:
            run = self.runs.setdefault(run_id, {})
            if run.get("completed_at"):
                return False
            run["completed_at"] = completed_at
            self.owed.extend(owes)
            return True

    def run(self, run_id: str) -> dict[str, Any] | None:
        self._call("run", run_id)
        with self.lock:
            found = self.runs.get(run_id)
            return dict(found) if found is not None else None

    # ------------------------------------------------------------------------------------------------ asserts
    def owed_types(self) -> list[str]:
        return [e["type"] for e in self.owed]


@dataclass
class FakeQueue:
    """EvaluateQueue: messages kept in order; `work` delivers them to an evaluator until none is left."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)

    def enqueue(self, messages: Sequence[dict[str, Any]]) -> None:
        self.messages.extend(dict(m) for m in messages)

    def work(self, handle: Callable[[dict[str, Any]], None], max_receives: int = 3) -> None:
        """Deliver every message (and those it enqueues); a message whose handler raises is delivered again
        after the others, as SQS redelivers a failed one when its visibility timeout ends, up to `max_receives`
        times (then the error is raised: the message would go to the dead-letter queue)."""
        receives: dict[str, int] = {}
        while self.messages:
            message = self.messages.pop(0)
            self.delivered.append(message)
            key = repr(sorted(message.items()))
            receives[key] = receives.get(key, 0) + 1
            try:
                handle(message)
            except Exception:
                if receives[key] >= max_receives:
                    raise
                self.messages.append(message)


@dataclass
class FakePrograms:
    """The programs a test runs (the built-in ones, or a changed copy)."""

    known: dict[str, Program]

    def programs(self) -> dict[str, Program]:
        return dict(self.known)

    def program(self, program_id: str) -> Program:
        if program_id not in self.known:
            raise UnknownProgram(program_id)
        return self.known[program_id]


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2024, 10, 1, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FailingStore:
    """A real store (the standing_store adapter) behind a hook: `fail(name, args)` runs before every call, so an
    embedded-stack test can make the worker die at a chosen step. Counts the calls by (name, the id it names)."""

    def __init__(self, inner: Any, fail: Failure = _never) -> None:
        self.inner = inner
        self.fail = fail
        self.calls: Counter[tuple[str, Any]] = Counter()
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            first = args[0] if args else next(iter(kwargs.values()), None)
            first = first if isinstance(first, str) else None  # a partner or run id; a record or change: None
            with self.lock:
                self.calls[(name, first)] += 1
            self.fail(name, (*args, *kwargs.values()))
            return target(*args, **kwargs)

        return call


@dataclass
class FakeSimulationStore:
    """What `standing.adapters.simulations_store` keeps: the simulation's item, its markers and its rows."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    markers: set[tuple[str, str]] = field(default_factory=set)
    batch_rows: dict[tuple[str, str], str] = field(default_factory=dict)

    def create(self, simulation_id: str, detail: dict[str, Any], draft: str, pages: int) -> None:
        zeros = dict.fromkeys(("batches_planned", "batches_done", "partners", "rows"), 0)
        self.items[simulation_id] = {**detail, **zeros, "draft": draft, "status": "running", "pages_pending": pages}

    def get(self, simulation_id: str) -> dict[str, Any]:
        return dict(self.items[simulation_id])

    def count_once(self, simulation_id: str, marker: str, adds: dict[str, int]) -> bool:
        if (simulation_id, marker) in self.markers:
            return False
        self.markers.add((simulation_id, marker))
        item = self.items[simulation_id]
        for name, value in adds.items():
            item[name] = item.get(name, 0) + value
        return True

    def complete(self, simulation_id: str, completed_at: str) -> bool:
        item = self.items[simulation_id]
        if item.get("completed_at"):
            return False
        item.update(status="completed", completed_at=completed_at)
        return True

    def put_rows(self, simulation_id: str, batch: str, text: str) -> None:
        self.batch_rows[(simulation_id, batch)] = text

    def rows(self, simulation_id: str) -> list[str]:
        return [text for (s, _), text in sorted(self.batch_rows.items()) if s == simulation_id]


@dataclass
class FakeSuppressions:
    addresses: dict[str, dict[str, Any]] = field(default_factory=dict)

    def suppression(self, address: str) -> dict[str, Any] | None:
        return self.addresses.get(address)
