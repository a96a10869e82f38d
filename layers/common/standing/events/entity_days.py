"""Entities of a partner -> one `DayAggregate` per local day in a time zone. Pure: no AWS here.

An entity counts on the local day of its `anchor_at` (placed / received / submitted / reported), whatever day its
later events happened: a reply three days late updates the day the message was received. Voided events are left out
of every count. Each result carries `n`, the events plus voids stored on the day's entities: it only grows, so a
write conditioned on it can never replace a newer computation of the day with an older one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from standing.day_aggregate import DayAggregate, ReportedScore
from standing.events.entities import fold_message, fold_order, fold_review, fold_score, weight

_ANCHOR_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass
class DayResult:
    aggregate: DayAggregate
    n: int
    expires_at: int | None = None  # the latest expiry of the day's entities: the day goes when they do
    first_sale_at: str | None = None  # anchor of the day's earliest successful order (Tiki's store lifetime)


_ANCHOR = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z")
_DAY_RULES: dict[str, dict[str, tuple[str, date, date] | None]] = {}  # tz -> UTC date -> rule (None: a transition)


def local_day(anchor_at: str, tz: str) -> date:
    """The local date in `tz` of an anchor instant ("YYYY-MM-DDTHH:MM:SSZ").

    Looked up per UTC date and zone: on a UTC date without an offset change, the local date turns once (or never)
    at a fixed UTC time of day, so an anchor's date is a comparison of its time of day with that one. A date with an
    offset change is computed instant by instant."""
    if len(anchor_at) != 20 or _ANCHOR.fullmatch(anchor_at) is None:
        return _local_day(anchor_at, tz)
    rules = _DAY_RULES.get(tz)
    if rules is None:
        rules = _DAY_RULES[tz] = {}
    utc_date = anchor_at[:10]
    if utc_date in rules:
        rule = rules[utc_date]
    else:
        rule = _day_rule(utc_date, tz)
        if len(rules) < 1_000_000:
            rules[utc_date] = rule
    if rule is None:
        return _local_day(anchor_at, tz)
    turn, before, after = rule
    return before if anchor_at[11:19] < turn else after


def _day_rule(utc_date: str, tz: str) -> tuple[str, date, date] | None:
    """(UTC time of day the local date turns at, the date before, the date after), or None if the offset changes
    within the UTC date."""
    zone = ZoneInfo(tz)
    start = datetime.fromisoformat(utc_date).replace(tzinfo=UTC)
    first, last = start.astimezone(zone), (start + timedelta(seconds=86399)).astimezone(zone)
    offset = first.utcoffset()
    if offset is None or offset != last.utcoffset():
        return None
    turn = datetime.combine(first.date() + timedelta(days=1), time(0), UTC) - offset  # the next local midnight
    if turn >= start + timedelta(days=1):
        return ("99", first.date(), first.date())  # no local midnight within the UTC date
    return (turn.strftime("%H:%M:%S"), first.date(), first.date() + timedelta(days=1))


def _local_day(anchor_at: str, tz: str) -> date:
    instant = datetime.strptime(anchor_at, _ANCHOR_FORMAT).replace(tzinfo=UTC)
    return instant.astimezone(ZoneInfo(tz)).date()


def day_window(day: date, tz: str) -> tuple[str, str]:
    """The inclusive range of anchor keys of one local day: [local midnight, next local midnight - 1 s] in UTC."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC) - timedelta(seconds=1)
    return start.strftime(_ANCHOR_FORMAT), end.strftime(_ANCHOR_FORMAT)


def _bump(agg: DayAggregate, name: str, by: int = 1) -> None:
    agg.counts[name] = agg.counts.get(name, 0) + by


def _add_order(agg: DayAggregate, item: Mapping[str, Any], result: DayResult) -> int:
    order = fold_order(item)
    if not order.placed:  # a cancel or confirm whose order.placed has not arrived (or was voided) counts nowhere
        return 0
    _bump(agg, "orders_placed")
    if order.confirmed_at is not None:
        _bump(agg, "orders_confirmed")
    if order.confirmed_on_time:
        _bump(agg, "orders_confirmed_on_time")
    if not order.excused_from_confirmation:
        _bump(agg, "orders_confirmation_due")
    if order.open and order.due_by is not None:
        agg.deadlines["open_orders_due"] = tuple(sorted((*agg.deadlines.get("open_orders_due", ()), order.due_by)))
    if order.successful:
        anchor = str(item["anchor_at"])
        if result.first_sale_at is None or anchor < result.first_sale_at:
            result.first_sale_at = anchor
        _bump(agg, "orders_successful")
        buyers = set(agg.sets.get("successful_buyers", frozenset()))
        buyers.add(str(order.buyer_id))
        agg.sets["successful_buyers"] = frozenset(buyers)
    if order.cancel_cause is not None:
        _bump(agg, "orders_cancelled")
        _bump(agg, f"orders_cancelled_{order.cancel_cause}")
    if order.fulfilled_at is not None:
        _bump(agg, "orders_fulfilled")
    if order.fulfilled_late:
        _bump(agg, "orders_fulfilled_late")
    if order.declined:
        _bump(agg, "orders_declined")
    else:
        _bump(agg, "orders_accepted")
        if order.incident:
            _bump(agg, "orders_with_incident")
    if order.completed:
        _bump(agg, "orders_completed")
        if order.driver_event:
            _bump(agg, "completed_with_driver_event")
    return order.live_events


def _add_message(agg: DayAggregate, item: Mapping[str, Any], result: DayResult) -> int:
    message = fold_message(item)
    if message.received_at is None:
        return 0
    _bump(agg, "messages_received")
    if message.first_reply_at is not None:
        _bump(agg, "messages_replied")
    if message.replied_within(12):
        _bump(agg, "messages_replied_within_12h")
    if message.replied_within(24):
        _bump(agg, "messages_replied_within_24h")
    return message.live_events


def _add_review(agg: DayAggregate, item: Mapping[str, Any], result: DayResult) -> int:
    review = fold_review(item)
    if review.rating is None:
        return 0
    _bump(agg, f"reviews_{review.scale}")
    name = f"rating_sum_{review.scale}"
    agg.sums[name] = agg.sums.get(name, Decimal(0)) + review.rating
    return review.live_events


def _add_score(agg: DayAggregate, item: Mapping[str, Any], result: DayResult) -> int:
    score = fold_score(item)
    if score.metric is None or score.value is None or score.at is None:
        return 0
    current = agg.scores.get(score.metric)
    if current is None or score.at > current.at:
        agg.scores[score.metric] = ReportedScore(score.value, score.at)
    return score.live_events


_FOLDERS = {"N#O#": _add_order, "N#M#": _add_message, "N#R#": _add_review, "N#S#": _add_score}


def aggregate_days(
    items: Iterable[Mapping[str, Any]], tz: str, days: Iterable[date] | None = None
) -> dict[date, DayResult]:
    """Fold anchored entity items into one result per local day of `tz`.

    `days`: the days wanted (each gets a result, empty if nothing is anchored on it); None: every day seen.
    """
    wanted = set(days) if days is not None else None
    results: dict[date, DayResult] = {d: DayResult(DayAggregate(day=d), 0) for d in wanted or ()}
    for item in items:
        anchor = item.get("anchor_at")
        folder = _FOLDERS.get(str(item.get("sk", ""))[:4])
        if anchor is None or folder is None:
            continue
        day = local_day(str(anchor), tz)
        if wanted is not None and day not in wanted:
            continue
        result = results.setdefault(day, DayResult(DayAggregate(day=day), 0))
        result.aggregate.events += folder(result.aggregate, item, result)
        result.n += weight(item)
        expiry = item.get("expires_at")
        if expiry is not None:
            result.expires_at = max(int(expiry), result.expires_at or 0)
    return results
