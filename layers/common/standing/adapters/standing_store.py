"""Repository of what evaluate and the API read and write of a partner: its state (profile, enrolments, open risk
cases), its events folded into days on read, evaluation records, the current standing, projections, at-risk markers,
history, and run progress.

Every item is a model of `standing.adapters.tables` (the one owner of keys and their formats), read and written
through its one shared client: safe from the evaluation worker's threads. Errors leave as the shared vocabulary of
`standing.adapters.errors`; a refused condition becomes the domain answer here ("already done", False).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from standing.adapters import tables
from standing.adapters.errors import ConditionFailed
from standing.adapters.ingest_store import stored_event
from standing.adapters.tables import (
    ENROLMENT_INDEX,
    ENROLMENT_PREFIX,
    HISTORY_PREFIX,
    PROFILE_SK,
    PROJECTION_PREFIX,
    RISK_CASE_PREFIX,
    STANDING_PREFIX,
    EnrolmentItem,
    EventItem,
    HistoryItem,
    MarkerItem,
    ParkedItem,
    ProfileItem,
    ProjectionItem,
    RecordItem,
    RiskCaseItem,
    RiskItem,
    RunErrorItem,
    RunItem,
    StandingItem,
    StateItem,
    bind,
    enrolment_partition,
    evaluation_prefix,
    evaluation_sk,
    event_day_range,
    partner_key,
    program_of_enrolment,
    program_of_projection,
    program_of_standing,
    risk_case_flag,
)
from standing.day_aggregate import DayAggregate
from standing.fold import FOLD_ERRORS, Folded, fold_days
from standing.outbox import HistoryEntry


def _query(hash_key: str, prefix: str, *, forward: bool = True) -> Iterable[StateItem]:
    """The items of a partition whose sort key starts with `prefix` (eventually consistent, as always)."""
    return tables.query_partition(hash_key, StateItem.sk.startswith(prefix), consistent=False, forward=forward)


# ---------------------------------------------------------------------------------------------------- facts
@dataclass
class PartnerState:
    partner_id: str
    profile: dict[str, Any] | None
    enrolments: dict[str, dict[str, Any]]  # program id -> enrolment item
    open_flags: frozenset[str]


def partner_state(partner_id: str) -> PartnerState:
    """Profile, enrolments and open risk flags: two small Queries that never touch events. The risk cases and the
    profile are neighbours in the partition (`N#F#...` < `PREFS#email` < `PROFILE`), so one range holds both."""
    pk = partner_key(partner_id)
    enrolments = {program_of_enrolment(item.sk): item.plain() for item in _query(pk, ENROLMENT_PREFIX)}
    profile = None
    flags = set()
    # The filter leaves out what else an older release kept in that range (its entity items, `N#O#...`).
    wanted = StateItem.sk.startswith(RISK_CASE_PREFIX) | (StateItem.sk == PROFILE_SK)
    in_range = StateItem.sk.between(RISK_CASE_PREFIX, PROFILE_SK)
    for item in tables.query_partition(pk, in_range, consistent=False, filter_condition=wanted):
        if isinstance(item, ProfileItem):
            profile = item.plain()
        elif isinstance(item, RiskCaseItem) and item.open:
            flags.add(risk_case_flag(item.sk))
    return PartnerState(partner_id, profile, enrolments, frozenset(flags))


def partner_events(partner_id: str, since: date, activity_since: date | None = None) -> list[dict[str, Any]]:
    """The partner's stored events that happened on or after the UTC day `since`, every event but reviews and voids
    only from `activity_since` on (when later): one Query per family (paged per MB), the content as stored
    (numbers as Decimal)."""
    activity = event_day_range(max(since, activity_since or since))
    reviews = event_day_range(since, long_read=True)
    return [*_events_between(partner_id, activity), *_events_between(partner_id, reviews)]


def _events_between(partner_id: str, bounds: tuple[str, str]) -> list[dict[str, Any]]:
    events_table = bind(EventItem)
    condition = EventItem.sk.between(*bounds)
    events: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        # Eventually consistent (half the read units): an event stored in the last second may be left to the next
        # fold; a scheduled evaluation runs at midnight, on a period that closed then.
        items, start = tables.query_page(events_table, partner_key(partner_id), condition, consistent=False,
                                         start=start)  # fmt: skip
        events.extend(stored_event(item) for item in items)
        if start is None:
            return events


def folded_days(
    partner_id: str, time_zone: str, first: date, last: date, *, activity_from: date | None = None
) -> Folded:
    """The partner's days in [first, last], folded on read from its events (standing.fold); events after `last`
    still count on the day their entity anchors on (a confirmation after the period ends), as they always did.
    Read from the UTC day before `first`, whatever the zone's offset: an entity anchors on its first event.

    `activity_from` (`Program.activity_from`): where the windows that read more than reviews begin, when later than
    `first`; the days before it hold reviews only (Booking reads a year of reviews and 90 days of the rest)."""
    since = first - timedelta(days=1)
    events = partner_events(partner_id, since, activity_from - timedelta(days=1) if activity_from else None)
    try:
        return fold_days(events, time_zone, first, last)
    except FOLD_ERRORS:
        # An event whose own content cannot be folded (stored by an older release, say) must not stop the
        # partner's evaluation: it is parked with its reason, where `standing redrive` applies it once corrected.
        kept = []
        for event in events:
            try:
                fold_days([event], time_zone)
            except FOLD_ERRORS as error:
                park_event(event, f"{type(error).__name__}: {error}"[:1000])
                continue
            kept.append(event)
        return fold_days(kept, time_zone, first, last)


def park_event(event: dict[str, Any], reason: str) -> None:
    """Keep an event the fold could not apply, as the aggregation parks one (`tables.ParkedItem`)."""
    event_id = str(event["event_id"])
    with tables.translated():
        bind(ParkedItem)(
            *ParkedItem.key(event_id),
            event_id=event_id,
            partner_id=str(event["partner_id"]),
            image=event,
            reason=reason,
            parked_at=datetime.now(UTC).isoformat(),
        ).save()


def daily_aggregates(partner_id: str, time_zone: str, first: date, last: date) -> list[DayAggregate]:
    return folded_days(partner_id, time_zone, first, last).days


def keep_first_sale(partner_id: str, at: str) -> bool:
    """Keep the earliest successful order seen on the profile (`first_sale_seen_at`, never removed by a newer
    profile); False when an earlier one is already kept. Written once per partner in practice."""
    seen = ProfileItem.first_sale_seen_at
    try:
        tables.update(
            bind(ProfileItem)(*ProfileItem.key(partner_id)),
            [seen.set(at)],
            seen.does_not_exist() | (seen > at),
        )
    except ConditionFailed:
        return False
    return True


def enrolled_partners(
    program_id: str, shard: int, cursor: dict[str, Any] | None, limit: int
) -> tuple[list[str], dict[str, Any] | None]:
    """One page of the partners enrolled in a program, from one shard of the by_enrolment index; the cursor is the
    index's last key as plain strings (it travels in the planner's messages)."""
    items, last = tables.query_page(
        bind(EnrolmentItem),
        enrolment_partition(program_id, shard),
        index_name=ENROLMENT_INDEX,
        limit=limit,
        start=cursor,
    )
    return [str(item["gsi1sk"]) for item in items], last


@dataclass(frozen=True)
class MembershipChange:
    """A membership Standing decided (API call, marketplace event, or an opt-in refused), in ingest's latest-wins
    format: `membership_at` in UTC with microseconds; `membership_by` who decided (the IAM caller or the event id),
    `membership_why` why. Joining sets `joined_at` and leaving `left_at`, so a record can say "member since" /
    "left on" whatever came after (a refused rejoin, `stamp=False`, does not move the date the partner left). The
    change owes "Membership Changed" (`owes`, see standing.outbox)."""

    partner_id: str
    program_id: str
    membership: str
    at: datetime
    by: str
    why: str
    owes: list[dict[str, str]]
    stamp: bool = True

    def item(self) -> EnrolmentItem:
        """The enrolment item this change updates (its key)."""
        return bind(EnrolmentItem)(*EnrolmentItem.key(self.partner_id, self.program_id))

    def actions(self) -> list[Action]:
        """The update actions of this change."""
        at = tables.utc_text(self.at)
        actions: list[Action] = [
            EnrolmentItem.membership.set(self.membership),
            EnrolmentItem.membership_at.set(at),
            EnrolmentItem.membership_by.set(self.by),
            EnrolmentItem.membership_why.set(self.why),
            EnrolmentItem.owes.set(self.owes),
        ]
        if self.stamp and self.membership == "opted_in":
            actions.append(EnrolmentItem.joined_at.set(at))
        elif self.stamp and self.membership == "opted_out":
            actions.append(EnrolmentItem.left_at.set(at))
        return actions


def set_membership(change: MembershipChange) -> None:
    """Write a membership change alone (an opt-in refused: no standing moves)."""
    tables.update(change.item(), change.actions())


# ---------------------------------------------------------------------------------------------------- records
def _save_once(item: StateItem) -> bool:
    """Put an item that must be written at most once; False if it already exists."""
    try:
        with tables.translated():
            item.save(condition=StateItem.pk.does_not_exist())
    except ConditionFailed:
        return False
    return True


def put_record(record: dict[str, Any], owes: list[dict[str, str]]) -> bool:
    """Store an evaluation record once, with the events it owes (one write; the stream publishes them). False: a
    record for this partner, program and period already exists."""
    return _save_once(
        bind(RecordItem)(
            *RecordItem.key(record["partner_id"], record["program"], record["period"]["start"]),
            program=record["program"],
            status=record["status"],
            evaluated_at=record["evaluated_at"],
            packed=tables.pack_document(record),
            owes=owes,
        )
    )


def stored_record(partner_id: str, program_id: str, period_start: str) -> dict[str, Any] | None:
    """The stored record of a period, if any."""
    item = tables.find(bind(RecordItem), *RecordItem.key(partner_id, program_id, period_start))
    return item.document() if item is not None else None


def records(
    partner_id: str, program_id: str | None = None, before: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """A partner's evaluation records, newest first (optionally of one program, before a period start)."""
    prefix = evaluation_prefix(program_id)
    condition: Condition
    if before and program_id:
        condition = StateItem.sk.between(prefix, evaluation_sk(program_id, before))
    else:
        condition = StateItem.sk.startswith(prefix)
    # Read no more than needed (a Query bills every item it reads): `limit`, plus the record at `before` itself,
    # which the range includes and the loop skips. Across programs the skipped ones are unbounded: no Limit.
    page_limit = None if not limit or (before and not program_id) else limit + (1 if before else 0)
    out = []
    items = tables.query_partition(
        partner_key(partner_id), condition, consistent=False, forward=False, limit=page_limit
    )
    for item in items:
        record = item.document() if isinstance(item, RecordItem) else {}
        if before and record["period"]["start"] >= before:
            continue
        out.append(record)
        if limit and len(out) >= limit:
            break
    return out


def records_page(
    partner_id: str, program_id: str | None, limit: int, after: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a partner's records in key order, newest first within a program; `after` is the sort key the
    previous page ended on. Returns (records, the sort key to continue after, or None on the last page)."""
    prefix = evaluation_prefix(program_id)
    pk = partner_key(partner_id)
    if after and not after.startswith(prefix):
        raise ValueError(f"cursor {after!r} does not belong to this listing")
    items, last = tables.query_page(
        bind(RecordItem),
        pk,
        StateItem.sk.startswith(prefix),
        forward=False,
        limit=limit,
        start={"pk": pk, "sk": after} if after else None,
    )
    found = [tables.document_of(item, "record") for item in items]
    return found, (str(last["sk"]) if last and len(found) == limit else None)


# ---------------------------------------------------------------------------------------------------- standing
def standing(partner_id: str, program_id: str) -> dict[str, Any] | None:
    item = tables.find(bind(StandingItem), *StandingItem.key(partner_id, program_id))
    return json.loads(item.standing) if item else None


def standings(partner_id: str) -> dict[str, dict[str, Any]]:
    return {
        program_of_standing(item.sk): json.loads(item.standing)
        for item in _query(partner_key(partner_id), STANDING_PREFIX)
        if isinstance(item, StandingItem)
    }


def put_standing(
    partner_id: str,
    program_id: str,
    value: dict[str, Any],
    expected_version: int | None,
    owes: list[dict[str, str]],
    changed_by: str,
    membership: MembershipChange | None = None,
) -> bool:
    """Replace the current standing, with the events it owes, if nobody changed it since it was read (optimistic
    `version`). With a membership change both items are written in one transaction: a partner never leaves
    without its standing following, nor the other way round. False: the standing changed meanwhile."""
    condition = (
        StandingItem.pk.does_not_exist() if expected_version is None else StandingItem.version == expected_version
    )
    new_version = (expected_version or 0) + 1
    model = bind(StandingItem)
    item = model(
        *StandingItem.key(partner_id, program_id),
        version=new_version,
        standing=json.dumps({**value, "version": new_version}, sort_keys=True),
        owes=owes,
        changed_by=changed_by,
    )
    try:
        with tables.translated():
            if membership is None:
                item.save(condition=condition)
            else:
                with TransactWrite(connection=model._get_connection().connection) as transaction:
                    transaction.save(item, condition=condition)
                    transaction.update(membership.item(), membership.actions())
    except ConditionFailed:
        return False
    return True


# ---------------------------------------------------------------------------------------------------- projections
def put_projection(partner_id: str, program_id: str, record: dict[str, Any]) -> None:
    with tables.translated():
        bind(ProjectionItem)(
            *ProjectionItem.key(partner_id, program_id),
            packed=ProjectionItem.pack(record),
        ).save()


def projections(partner_id: str) -> dict[str, dict[str, Any]]:
    return {
        program_of_projection(item.sk): item.document()
        for item in _query(partner_key(partner_id), PROJECTION_PREFIX)
        if isinstance(item, ProjectionItem)
    }


def warned(partner_id: str, program_id: str, period_start: str) -> tuple[list[str], int | None]:
    """The metrics already warned about in a period, and the version of that item (None: none yet)."""
    item = tables.find(bind(RiskItem), *RiskItem.key(partner_id, program_id, period_start))
    return ([str(metric) for metric in item.warned or []], int(item.version)) if item else ([], None)


def warn(
    partner_id: str,
    program_id: str,
    period_start: str,
    metrics: list[str],
    version: int | None,
    owes: list[dict[str, str]],
    expires_at: int,
) -> bool:
    """Record every metric warned about in a period (all of them, `metrics`) with the warning the new ones owe, if
    nobody warned meanwhile (`version`). False: another projection got there first; read again."""
    condition = RiskItem.pk.does_not_exist() if version is None else RiskItem.version == version
    item = bind(RiskItem)(
        *RiskItem.key(partner_id, program_id, period_start),
        warned=sorted(metrics),
        version=(version or 0) + 1,
        owes=owes,
        expires_at=datetime.fromtimestamp(expires_at, UTC),
    )
    try:
        with tables.translated():
            item.save(condition=condition)
    except ConditionFailed:
        return False
    return True


# ---------------------------------------------------------------------------------------------------- history
def append_history(entry: HistoryEntry) -> None:
    """Append one membership or standing change to the partner's history (the publisher, from the stream).
    Keyed by the change itself, so a redelivered stream record writes the same item again."""
    with tables.translated():
        bind(HistoryItem)(
            *HistoryItem.key(entry.partner_id, entry.at, entry.program, entry.kind),
            program=entry.program,
            kind=entry.kind,
            at=entry.at,
            by=entry.by,
            before=entry.before,
            after=entry.after,
            why=entry.why,
        ).save()


HISTORY_FIELDS = ("at", "program", "kind", "by", "before", "after", "why")


def history(partner_id: str, program_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """A partner's membership and standing changes, newest first."""
    entries = []
    for item in _query(partner_key(partner_id), HISTORY_PREFIX, forward=False):
        if isinstance(item, HistoryItem) and (program_id is None or item.program == program_id):
            entries.append({name: getattr(item, name) for name in HISTORY_FIELDS})
            if len(entries) >= limit:
                break
    return entries


# ---------------------------------------------------------------------------------------------------- runs
def _run(run_id: str) -> RunItem:
    return bind(RunItem)(*RunItem.key(run_id))


def run_planned(run_id: str) -> bool:
    """Whether a run was planned before (its first pages read and its batches enqueued)."""
    item = tables.find(bind(RunItem), *RunItem.key(run_id))
    return bool(item and item.planned)


def record_plan(run_id: str, detail: dict[str, Any], batches: int, pages: int) -> dict[str, Any] | None:
    """Record what the first planning enqueued: `batches` batches and `pages` continuation pages. Batches may
    finish before this lands (counters are ADDed, never SET). None if another planner recorded it first."""
    actions: list[Action] = [
        RunItem.planned.set(True),
        RunItem.detail.set(json.dumps(detail, sort_keys=True)),
        RunItem.batches_planned.add(batches),
        RunItem.pages_pending.add(pages),
    ]
    try:
        return tables.update_returning(_run(run_id), actions, RunItem.planned.does_not_exist()).plain()
    except ConditionFailed:
        return None


def count_once(run_id: str, marker: str, adds: dict[str, int]) -> bool:
    """Mark one page or batch of a run as handled (`marker`: `tables.page_marker_sk` / `batch_marker_sk`) and add
    its counts to the run, in one transaction, so a redelivered message is counted never twice and a crash never
    leaves a handled-but-uncounted marker. False: it was counted before."""
    marker_item = bind(MarkerItem)(tables.run_key(run_id), marker)
    return tables.add_once(marker_item, _run(run_id), adds)


def record_partner_error(run_id: str, partner_id: str, reason: str, at: str) -> None:
    """Keep why one partner of a run was not evaluated (`tables.RunErrorItem`), for the operator and `standing
    redrive`; rewriting it on a redelivery is harmless."""
    with tables.translated():
        bind(RunErrorItem)(*RunErrorItem.key(run_id, partner_id), partner_id=partner_id, reason=reason, at=at).save()


def complete_run(run_id: str, completed_at: str, owes: list[dict[str, str]]) -> bool:
    """Mark the run complete once, with the event that owes; True only for the caller that did it."""
    try:
        tables.update(
            _run(run_id),
            [RunItem.completed_at.set(completed_at), RunItem.owes.set(owes)],
            RunItem.completed_at.does_not_exist(),
        )
    except ConditionFailed:
        return False
    return True


def run(run_id: str) -> dict[str, Any] | None:
    item = tables.find(bind(RunItem), *RunItem.key(run_id))
    return item.plain() if item else None
