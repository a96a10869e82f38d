"""The fold on read: one partner's stored events -> its daily aggregates in a time zone. Pure: no AWS here.

Daily aggregates are not stored. An evaluation (or a projection, a simulation, a backtest) reads the partner's
events once and folds them here: each event onto its entity (the `N#...` key of events/entities.py), each entity
onto the local day of its anchor. The result is what the stored entities and days used to hold (events/entities.py
and events/entity_days.py define it; tests/ingest/test_fold.py proves this module equal to them on generated
histories in several time zones), so duplicates, voids, late and out-of-order events fold exactly as before:
arrival order only decides which of two anchor events of one entity anchors it (the first to arrive, as the stored
`if_not_exists` did) and which of two events with one id counts (the first stored).

Speed (it runs on every evaluation and in every backtest): each event is turned once into a `Prepared` tuple (its
entity key, its compact record, its anchor), so a caller folding the same events again (the backtest, at each
evaluation instant) prepares them once; instants already in UTC text are not parsed again; the local day of an
anchor is looked up per UTC hour and zone; entities are folded on tuples, and only orders outside [first, last] are
folded at all (for the first sale); arrival order is sorted only when the events do not come in it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import _count_elements  # type: ignore[attr-defined]  # Counter's own counting, in C
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import attrgetter
from typing import Any, NamedTuple

from standing.day_aggregate import DayAggregate, ReportedScore
from standing.events.entities import (
    ANCHOR_TYPES,
    EVENT_PREFIX,
    FLAG_TYPES,
    VOID_PREFIX,
    anchor_text,
    entity_record,
    entity_sk,
)
from standing.events.entity_days import local_day
from standing.events.models import parse_instant

VOID_TYPE = "event.voided"
_ZERO = Decimal(0)


class DayList(list[DayAggregate]):
    """The folded days, oldest first, all within `bounds` (first, last): the engine then filters nothing, and keeps
    the window totals it sums from them in `totals`, so judging the same days twice (a backtest's base and draft)
    sums them once."""

    def __init__(self, days: Iterable[DayAggregate], bounds: tuple[date, date]) -> None:
        super().__init__(days)
        self.bounds = bounds
        self.totals: dict[Any, Any] = {}


# What an event's own content can make the fold raise: the event is parked with its reason, never retried as is.
FOLD_ERRORS = (ArithmeticError, LookupError, TypeError, ValueError)


@dataclass(frozen=True)
class Folded:
    days: list[DayAggregate] = field(default_factory=list)  # days with anchored entities, oldest first
    first_sale_at: str | None = None  # anchor of the earliest successful order among the events folded


class Prepared(NamedTuple):
    """One stored event as the fold uses it, computed once (`prepare`)."""

    key: tuple[str, str]  # arrival order: (received_at, event_id)
    event_id: str
    sk: str | None  # the entity's key (None: a void, or an event that feeds no day: profile, flag, membership)
    record: dict[str, Any] | None  # the compact record it leaves on its entity (events/entities.entity_record)
    anchor: str | None  # the anchor key ("YYYY-MM-DDTHH:MM:SSZ") when its type anchors its entity
    voids: str | None  # for an `event.voided`: the id it voids
    order: tuple[str, str] = ("", "")  # (UTC instant, id): an entity's events in order (events/entities.entries)


def long_read(prepared: Prepared) -> bool:
    """A review or a void: what the EventsTable keys apart and the deployed read takes back to the window's first
    day, where it takes the rest from `Program.activity_from` only (`tables.LONG_READ_TYPES`)."""
    return prepared.voids is not None or (prepared.sk is not None and prepared.sk[2] == "R")


def prepare(event: Mapping[str, Any]) -> Prepared:
    """The fold's view of one stored event ({event_id, type, occurred_at, data[, received_at]})."""
    return prepare_event(
        str(event["event_id"]),
        str(event["type"]),
        str(event["occurred_at"]),
        event.get("data") or {},
        str(event.get("received_at", "")),
    )


def prepare_event(
    event_id: str,
    type_name: str,
    occurred_at: str,
    data: Mapping[str, Any],
    received_at: str = "",
    at: str | None = None,
) -> Prepared:
    """`prepare` on the fields of a stored event. `at`: `utc_text(occurred_at)` when the caller has it already."""
    key = (received_at, event_id)
    if type_name == VOID_TYPE:
        return _new(Prepared, (key, event_id, None, None, None, str(data["voided_event_id"]), _NO_ORDER))
    if type_name in FLAG_TYPES:  # risk cases are kept on the partner (standing_store.partner_state)
        return _new(Prepared, (key, event_id, None, None, None, None, _NO_ORDER))
    sk = entity_sk(event_id, type_name, data)
    if sk is None:
        return _new(Prepared, (key, event_id, None, None, None, None, _NO_ORDER))
    record = entity_record(type_name, occurred_at, data, at)
    at = record["at"]  # utc_text's: 27 characters in its fixed-width form (from year 1000 on)
    anchor = None
    if type_name in ANCHOR_TYPES:
        anchor = at[:19] + "Z" if len(at) == 27 else anchor_text(occurred_at)
    return _new(Prepared, (key, event_id, sk, record, anchor, None, (at, event_id)))


_new = tuple.__new__  # a Prepared without the Python frame of its generated __new__
_NO_ORDER = ("", "")


def entity_items(events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The entity items the events make, by sort key, as the store kept them (`e#`/`v#` attributes, `anchor_at`):
    the form events/daily.aggregate_days reads. Events are taken in arrival order (`received_at`, then id)."""
    items: dict[str, dict[str, Any]] = {}
    entities, anchors, voided, _ = _entities(_arrival([prepare(e) for e in events]))
    for sk, entries in entities.items():
        item: dict[str, Any] = {"sk": sk}
        for p in entries:
            item[f"{EVENT_PREFIX}{p.event_id}"] = p.record
        if sk in anchors:
            item["anchor_at"] = anchors[sk]
        for p in entries:
            if p.event_id in voided:
                item[f"{VOID_PREFIX}{p.event_id}"] = True
        items[sk] = item
    return items


def fold_days(
    events: Iterable[Mapping[str, Any]], time_zone: str, first: date | None = None, last: date | None = None
) -> Folded:
    """The partner's days in [first, last] (either bound open when None) in `time_zone`."""
    return fold_prepared([prepare(e) for e in events], time_zone, first, last)


def fold_prepared(
    prepared: Sequence[Prepared],
    time_zone: str,
    first: date | None = None,
    last: date | None = None,
    memo: Memo | None = None,
) -> Folded:
    """`fold_days` on events already prepared (in any order).

    `memo`: a dict the caller keeps for one partner between folds of its events (the backtest does, at every
    evaluation): a day whose entities hold the very same events as in an earlier fold is not folded again."""
    entities, anchors, voided, with_voids = _entities(_arrival(prepared))
    on_day: dict[date, list[tuple[str, list[Prepared], str]]] = {}
    first_sale: str | None = None
    for sk, entries in entities.items():
        anchor = anchors.get(sk)
        if anchor is None:
            continue  # not anchored yet (its placing / receiving / submitting / reporting event is missing)
        day = local_day(anchor, time_zone)
        if (first is not None and day < first) or (last is not None and day > last):
            if sk[2] == "O":  # only the first sale looks beyond the window
                sale = _order_sale(entries, voided, anchor)
                if sale is not None and (first_sale is None or sale < first_sale):
                    first_sale = sale
            continue
        found = on_day.get(day)
        if found is None:
            on_day[day] = [(sk, entries, anchor)]
        else:
            found.append((sk, entries, anchor))
    days: list[DayAggregate] = []
    for day in sorted(on_day):
        held = on_day[day]
        if memo is not None:
            signature = tuple(
                (sk, tuple(entries), tuple(p.event_id in voided for p in entries) if sk in with_voids else ())
                for sk, entries, _ in held
            )
            known = memo.get((time_zone, day))
            if known is not None and known[0] == signature:
                _, aggregate, sale = known
            else:
                aggregate, sale = _fold_day(day, held, voided)
                memo[(time_zone, day)] = (signature, aggregate, sale)
        else:
            aggregate, sale = _fold_day(day, held, voided)
        days.append(aggregate)
        if sale is not None and (first_sale is None or sale < first_sale):
            first_sale = sale
    if days:
        return Folded(DayList(days, (days[0].day, days[-1].day)), first_sale)
    return Folded(days, first_sale)


Memo = dict[tuple[str, date], tuple[tuple[Any, ...], DayAggregate, str | None]]


def _fold_day(
    day: date, held: list[tuple[str, list[Prepared], str]], voided: set[str], ordered: bool = False
) -> tuple[DayAggregate, str | None]:
    """One local day from the entities anchored on it (in the order they were first stored), and its first sale.
    `ordered`: each entity's events come in (instant, id) order already."""
    slot = _Day()
    first_sale: str | None = None
    for sk, entries, anchor in held:
        if len(entries) > 1 and not ordered:
            entries = sorted(entries, key=_order_key)
        kind = sk[2]
        if kind == "O":
            sale = _add_order(slot, entries, voided, anchor)
            if sale is not None and (first_sale is None or sale < first_sale):
                first_sale = sale
        elif kind == "M":
            _add_message(slot, entries, voided)
        elif kind == "R":
            _add_review(slot, entries, voided)
        elif kind == "S":
            _add_score(slot, entries, voided)
    return slot.aggregate(day), first_sale


# ---------------------------------------------------------------------------------------------------- entities


def _arrival(prepared: Sequence[Prepared]) -> Sequence[Prepared]:
    """The events in arrival order: as given when they already are (the usual case), else sorted."""
    keys = [p.key for p in prepared]
    if keys == sorted(keys):  # linear on sorted keys, in C
        return prepared
    return sorted(prepared, key=_arrival_key)


_arrival_key = attrgetter("key")


_order_key = attrgetter("order")  # an entity's events in (instant, id) order, as events/entities.entries sorts them


def _entities(
    ordered: Iterable[Prepared],
) -> tuple[dict[str, list[Prepared]], dict[str, str], set[str], set[str]]:
    """Entities (their events, first stored first), their anchors, the voided ids and the entities holding them,
    from events in arrival order. An id stored twice (two partner-days) counts once: the first stored."""
    seen: set[str] = set()
    entities: dict[str, list[Prepared]] = {}
    anchors: dict[str, str] = {}
    where: dict[str, str] = {}
    voids: list[str] = []
    for p in ordered:
        event_id = p.event_id
        if event_id in seen:
            continue
        seen.add(event_id)
        sk = p.sk
        if sk is None:
            if p.voids is not None:
                voids.append(p.voids)
            continue
        entries = entities.get(sk)
        if entries is None:
            entities[sk] = [p]
        else:
            entries.append(p)
        if p.anchor is not None and sk not in anchors:
            anchors[sk] = p.anchor
        where[event_id] = sk
    # a void of an event this partner never sent (or one outside the read) changes nothing
    return entities, anchors, {v for v in voids if v in where}, {where[v] for v in voids if v in where}


class _Day:
    """One local day being folded (events/daily.DayResult without the stored item's bookkeeping). Counters are
    collected as names and counted once at the end (as collections.Counter counts: in C)."""

    __slots__ = ("buyers", "dues", "events", "names", "scores", "sums")

    def __init__(self) -> None:
        self.names: list[str] = []
        self.sums: dict[str, Decimal] = {}
        self.buyers: set[str] | None = None
        self.dues: list[str] | None = None
        self.scores: dict[str, ReportedScore] = {}
        self.events = 0

    def aggregate(self, day: date) -> DayAggregate:
        counts: dict[str, int] = {}
        if self.names:
            _count_elements(counts, self.names)
        sets = {"successful_buyers": frozenset(self.buyers)} if self.buyers is not None else {}
        deadlines = {"open_orders_due": tuple(sorted(self.dues))} if self.dues is not None else {}
        return DayAggregate(day, counts, self.sums, sets, self.scores, deadlines, self.events)


def _order_sale(entries: list[Prepared], voided: set[str], anchor: str) -> str | None:
    """The order's anchor if it is a successful order (confirmed, not cancelled): events/entities.fold_order."""
    confirmed = cancelled = placed = False
    for p in entries:
        if p.event_id in voided:
            continue
        kind = p.record["t"]  # type: ignore[index]
        if kind == "order.confirmed":
            confirmed = True
        elif kind == "order.cancelled":
            cancelled = True
        elif kind == "order.placed":
            placed = True
    return anchor if placed and confirmed and not cancelled else None


def _add_order(day: _Day, entries: list[Prepared], voided: set[str], anchor: str) -> str | None:
    """events/daily._add_order over events/entities.fold_order; the order's anchor if it is a first-sale candidate."""
    placed = declined = completed = incident = driver_event = False
    buyer_id = due_by = confirmed_at = fulfilled_at = cause = cancelled_at = None
    live = 0
    for p in entries:  # in instant order: the first of each kind wins
        if p.event_id in voided:
            continue
        live += 1
        record = p.record
        kind = record["t"]  # type: ignore[index]
        if kind == "order.placed":
            if not placed:
                placed, buyer_id, due_by = True, record["buyer_id"], record["due_by"]  # type: ignore[index]
        elif kind == "order.confirmed":
            if confirmed_at is None:
                confirmed_at = record["at"]  # type: ignore[index]
        elif kind == "order.fulfilled":
            if fulfilled_at is None:
                fulfilled_at = record["at"]  # type: ignore[index]
        elif kind == "order.cancelled":
            if cause is None:
                cause, cancelled_at = str(record["cause"]), record["at"]  # type: ignore[index]
        elif kind == "order.declined":
            declined = True
        elif kind == "order.completed":
            completed = True
        elif kind == "ride.incident":
            incident = True
        elif kind == "ride.driver_event":
            driver_event = True
    if not placed:  # a cancel or confirm whose order.placed has not arrived (or was voided) counts nowhere
        return None
    bump = day.names.append
    bump("orders_placed")
    on_time = confirmed_at is not None and due_by is not None and confirmed_at <= due_by
    if confirmed_at is not None:
        bump("orders_confirmed")
        if on_time:
            bump("orders_confirmed_on_time")
    excused = (
        cause is not None
        and cause != "partner"
        and cancelled_at is not None
        and due_by is not None
        and cancelled_at <= due_by
        and not on_time
    )
    if not excused:
        bump("orders_confirmation_due")
    if fulfilled_at is None and cause is None and not declined and due_by is not None:
        if day.dues is None:
            day.dues = []
        day.dues.append(due_by)
    sale = None
    if confirmed_at is not None and cause is None:
        sale = anchor
        bump("orders_successful")
        if day.buyers is None:
            day.buyers = set()
        day.buyers.add(str(buyer_id))
    if cause is not None:
        bump("orders_cancelled")
        bump(f"orders_cancelled_{cause}")
    if fulfilled_at is not None:
        bump("orders_fulfilled")
        if due_by is not None and fulfilled_at > due_by:
            bump("orders_fulfilled_late")
    if declined:
        bump("orders_declined")
    else:
        bump("orders_accepted")
        if incident:
            bump("orders_with_incident")
    if completed:
        bump("orders_completed")
        if driver_event:
            bump("completed_with_driver_event")
    day.events += live
    return sale


def _add_message(day: _Day, entries: list[Prepared], voided: set[str]) -> None:
    received_at = reply_at = None
    live = 0
    for p in entries:
        if p.event_id in voided:
            continue
        kind = p.record["t"]  # type: ignore[index]
        if kind == "message.received":
            live += 1
            if received_at is None:
                received_at = p.record["at"]  # type: ignore[index]
        elif kind == "message.replied":
            live += 1
            if reply_at is None:
                reply_at = p.record["at"]  # type: ignore[index]
    if received_at is None:
        return
    bump = day.names.append
    bump("messages_received")
    if reply_at is not None:
        bump("messages_replied")
        seconds = _seconds_between(received_at, reply_at)
        if seconds <= 12 * 3600:
            bump("messages_replied_within_12h")
        if seconds <= 24 * 3600:
            bump("messages_replied_within_24h")
    day.events += live


def _seconds_between(start: str, end: str) -> float:
    """events/entities.MessageState.replied_within's difference, without re-parsing offsets of UTC texts."""
    if len(start) == 27 and len(end) == 27:  # utc_text's fixed width: "YYYY-MM-DDTHH:MM:SS.ffffffZ"
        return (datetime.fromisoformat(end[:-1]) - datetime.fromisoformat(start[:-1])).total_seconds()
    return (parse_instant(end) - parse_instant(start)).total_seconds()


def _add_review(day: _Day, entries: list[Prepared], voided: set[str]) -> None:
    latest = None
    live = 0
    for p in entries:
        if p.event_id in voided or p.record["t"] != "review.submitted":  # type: ignore[index]
            continue
        live += 1
        latest = p.record  # a resubmitted review replaces the earlier rating
    if latest is None:
        return
    rating = latest["rating"]
    if type(rating) is not Decimal:
        rating = Decimal(str(rating))
    scale = int(latest["scale"])
    day.names.append(f"reviews_{scale}")
    name = f"rating_sum_{scale}"
    day.sums[name] = day.sums.get(name, _ZERO) + rating
    day.events += live


def _add_score(day: _Day, entries: list[Prepared], voided: set[str]) -> None:
    report = None
    live = 0
    for p in entries:
        if p.event_id in voided or p.record["t"] != "score.reported":  # type: ignore[index]
            continue
        live += 1
        report = p.record
    if report is None:
        return
    at = report["at"]
    at = at[:19] + "Z" if len(at) == 27 else anchor_text(at)  # utc_text's fixed width, cut to whole seconds
    metric = str(report["metric"])
    current = day.scores.get(metric)
    if current is None or at > current.at:
        day.scores[metric] = ReportedScore(str(report["value"]), at)
    day.events += live


# ------------------------------------------------------------------------------------------------ kept between reads


class _Entity:
    """One entity of a `FoldIndex`: its events (first stored first), its anchor, and the UTC days they occurred on."""

    __slots__ = ("anchor", "bent", "checked", "entries", "high", "logged", "low", "sale", "seq", "sk")

    def __init__(self, sk: str, seq: int, first: Prepared, utc_day: str, generation: int) -> None:
        self.sk = sk
        self.seq = seq  # creation order: the order fold_prepared's entities come in
        self.entries = [first]  # in (instant, id) order, as events/entities.entries sorts them
        self.anchor = first.anchor or ""  # the first anchoring event's anchor ("": none yet)
        self.low = utc_day  # the earliest UTC day of its events
        self.high = utc_day if first.anchor is not None else ""  # the latest UTC day of its anchoring events
        self.bent = ("", "")  # the last (low, high) marked as bent
        self.logged = generation  # the last grouping that logged it as changed
        self.checked = -1  # the grouping `sale` was computed after (an order's)
        self.sale = False  # a successful order (events/entities.fold_order)


class _ZoneDays:
    """A `FoldIndex`'s entities by local day in one zone, and the days folded so far."""

    __slots__ = ("cache", "day_of", "days", "dirty", "held", "position")

    def __init__(self) -> None:
        self.position = 0  # how much of the index's change log is placed
        self.day_of: dict[str, date] = {}  # entity key -> local day of its anchor
        # local day -> its anchored entities (key, events, anchor: what _fold_day takes), in creation order
        self.held: dict[date, list[tuple[str, list[Prepared], str]]] = {}
        self.days: list[date] = []  # the keys of `held`, ascending
        self.cache: dict[date, DayAggregate] = {}
        self.dirty: set[date] = set()  # days whose entities changed since they were folded


class FoldIndex:
    """One partner's events, folded as they arrive and kept between reads (the backtest's, at every evaluation
    instant): `fold` gives what `fold_prepared` gives on the events received so far that occurred from the UTC day
    before the window's first day on (`standing_store.folded_days`' read), without reading them again.

    The caller appends each stored event, in arrival order, to `events` and the UTC day it occurred on to `days`.
    A read groups the new ones onto their entities (each event once), places the changed entities on their local
    days and folds only the days in its window whose entities changed since they were last folded. That is exact
    because every entity anchored on a day in a window is then wholly in the read: the read starts a UTC day before
    the window, and a local day starts at most 14 hours before its UTC day. Reads whose cut-off day would split
    what counts are *bent*, and `fold` returns None for them (fold_prepared on the read is the answer then): an
    entity with events before the cut-off and an anchoring event after it; a void before the cut-off of an event
    after it; an id stored on two days, the first of them before the cut-off."""

    def __init__(self) -> None:
        self.events: list[Prepared] = []  # every stored event, in arrival order
        self.days: list[str] = []  # the UTC day ("YYYY-MM-DD") each of them occurred on
        self.read = 0  # events folded into days (once each time their day is folded): what the reads cost
        self.voided: set[str] = set()  # every id a void names (fold_prepared's voided, as far as entities ask)
        self._grouped = 0  # how many of `events` are grouped
        self._generation = 0
        self._seen: dict[str, str] = {}  # event id -> the UTC day of its first stored copy (the one that counts)
        self._entities: dict[str, _Entity] = {}
        self._where: dict[str, _Entity] | None = None  # event id -> its entity, kept from the first void on
        self._voids: dict[str, list[str]] = {}  # voided id -> the UTC days of its voids
        self._bent: set[str] = set()  # cut-off UTC days where a read is not the index's
        self._broken = False  # a UTC day that is not a date: every read is bent
        self._log: list[_Entity] = []  # entities as they changed (once per grouping)
        self._zones: dict[str, _ZoneDays] = {}
        self._order_anchors: list[str] = []  # the anchors of the anchored orders, ascending
        self._orders: list[_Entity] = []  # those orders, in the same order

    def fold(self, time_zone: str, first: date, last: date, activity_from: date | None = None) -> Folded | None:
        """`fold_prepared` on the events appended so far that occurred on or after the UTC day before `first`, for
        the days in [first, last]; None when that read is bent.

        `activity_from` (`Program.activity_from`, later than `first`): the deployed read's second cut-off, where it
        starts reading events other than reviews and voids (`standing_store.folded_days`). The days from it on and
        the first sale are then that read's; the days before it hold what they hold in a read from `first`, where
        that read has their reviews only: the same ratings, and only ratings are summed there (`activity_from` is
        where the windows that read more begin), so the records are the same. A read bent at either cut-off is
        refused."""
        self._group()
        since = (first - _DAY).isoformat()
        activity = since if activity_from is None or activity_from <= first else (activity_from - _DAY).isoformat()
        if self._broken or since in self._bent or activity in self._bent:
            return None
        zone = self._zones.get(time_zone)
        if zone is None:
            zone = self._zones[time_zone] = _ZoneDays()
        self._place(zone, time_zone)
        days: list[DayAggregate] = []
        cache, dirty, held, voided = zone.cache, zone.dirty, zone.held, self.voided
        listed = zone.days
        for day in listed[bisect_left(listed, first) : bisect_right(listed, last)]:
            if day in dirty:
                entities = held[day]
                cache[day], _ = _fold_day(day, entities, voided, True)
                dirty.discard(day)
                for _, entries, _ in entities:
                    self.read += len(entries)
            days.append(cache[day])
        first_sale = self._first_sale(activity)
        if days:
            return Folded(DayList(days, (days[0].day, days[-1].day)), first_sale)
        return Folded(days, first_sale)

    def _group(self) -> None:
        """The events appended since the last read onto their entities, in arrival order (`_entities`' rules)."""
        start = self._grouped
        if start == len(self.events):
            return
        self._grouped = len(self.events)
        self._generation += 1
        generation = self._generation
        seen, entities, void_days, log = self._seen, self._entities, self._voids, self._log
        where = self._where
        for prepared, utc_day in zip(self.events[start:], self.days[start:], strict=True):
            event_id = prepared.event_id
            known = seen.get(event_id)
            if known is not None:  # a later copy: it counts in a read that starts after the first one
                if known < utc_day:
                    self._bend(known, utc_day)
                continue
            seen[event_id] = utc_day
            sk = prepared.sk
            if sk is None:
                target = prepared.voids
                if target is not None:
                    self.voided.add(target)
                    void_days.setdefault(target, []).append(utc_day)
                    day = seen.get(target)
                    if day is not None and utc_day < day:
                        self._bend(utc_day, day)
                    if where is None:
                        where = self._where = {p.event_id: e for e in entities.values() for p in e.entries}
                    entity = where.get(target)
                    if entity is not None and entity.logged != generation:
                        entity.logged = generation
                        log.append(entity)
                continue
            anchor = prepared.anchor
            entity = entities.get(sk)
            if entity is None:  # a new entity: anchored (or not) by this event
                entity = entities[sk] = _Entity(sk, len(entities), prepared, utc_day, generation)
                log.append(entity)
                if anchor is not None:
                    self._anchored(entity, anchor, utc_day)
            else:
                entries = entity.entries
                if entries[-1].order > prepared.order:
                    insort(entries, prepared, key=_order_key)
                else:
                    entries.append(prepared)
                if utc_day < entity.low:
                    entity.low = utc_day
                if anchor is not None:
                    if not entity.anchor:
                        entity.anchor = anchor
                        self._anchored(entity, anchor, utc_day)
                    if utc_day > entity.high:
                        entity.high = utc_day
                if entity.low < entity.high and entity.bent != (entity.low, entity.high):
                    entity.bent = (entity.low, entity.high)
                    self._bend(entity.low, entity.high)
                if entity.logged != generation:
                    entity.logged = generation
                    log.append(entity)
            if void_days and event_id in void_days:
                for day in void_days[event_id]:
                    if day < utc_day:
                        self._bend(day, utc_day)
            if where is not None:
                where[event_id] = entity

    def _anchored(self, entity: _Entity, anchor: str, utc_day: str) -> None:
        """An entity's anchor, set: an order joins the orders by anchor (for the first sale)."""
        if anchor[:10] != utc_day:  # _first_sale compares anchors with UTC days
            self._broken = True
        if entity.sk[2] == "O":
            anchors = self._order_anchors
            if not anchors or anchors[-1] <= anchor:
                anchors.append(anchor)
                self._orders.append(entity)
            else:
                at = bisect_right(anchors, anchor)
                anchors.insert(at, anchor)
                self._orders.insert(at, entity)

    def _bend(self, low: str, high: str) -> None:
        """Reads cut off on a UTC day in (low, high] are not the index's."""
        try:
            day, end = date.fromisoformat(low), date.fromisoformat(high)
        except ValueError:
            self._broken = True
            return
        while day < end:
            day += _DAY
            self._bent.add(day.isoformat())

    def _place(self, zone: _ZoneDays, time_zone: str) -> None:
        """The entities changed since the zone's last read onto their local days, those days marked to fold."""
        log = self._log
        if zone.position == len(log):
            return
        day_of, held, dirty = zone.day_of, zone.held, zone.dirty
        for entity in log[zone.position :]:
            anchor = entity.anchor
            if not anchor:
                continue
            day = day_of.get(entity.sk)
            if day is None:
                day = day_of[entity.sk] = local_day(anchor, time_zone)
                item = (entity.sk, entity.entries, anchor)
                found = held.get(day)
                if found is None:
                    held[day] = [item]
                    insort(zone.days, day)
                elif self._entities[found[-1][0]].seq < entity.seq:
                    found.append(item)
                else:
                    insort(found, item, key=self._seq)
            dirty.add(day)
        zone.position = len(log)

    def _seq(self, item: tuple[str, list[Prepared], str]) -> int:
        return self._entities[item[0]].seq

    def _first_sale(self, since: str) -> str | None:
        """The earliest anchor of a successful order in the read (fold_prepared's first_sale_at). In a read that is
        not bent, an order's events are all in it exactly when its anchor is (on or after the UTC day `since`)."""
        anchors, orders, voided = self._order_anchors, self._orders, self.voided
        for at in range(bisect_left(anchors, since), len(anchors)):
            entity = orders[at]
            if entity.checked != entity.logged:  # changed since its state was last computed
                entity.sale = _order_sale(entity.entries, voided, entity.anchor) is not None
                entity.checked = entity.logged
            if entity.sale:
                return anchors[at]
        return None


_DAY = timedelta(days=1)
