"""The fold on read: one partner's stored events -> its daily aggregates in a time zone. Pure: no AWS here.

Daily aggregates are not stored. An evaluation (or a projection, a simulation, a backtest) reads the partner's
events once and folds them here: each event onto its entity (events/entities.py), each entity onto the local day of
its anchor (events/daily.py). The result is what the stored entities and days used to hold, computed from the same
functions, so duplicates, voids, late and out-of-order events fold exactly as before: arrival order only decides
which of two anchor events of one entity anchors it (the first to arrive, as the stored `if_not_exists` did).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from standing.aggregates import DayAggregate
from standing.events.daily import aggregate_days
from standing.events.entities import (
    ANCHOR_TYPES,
    EVENT_PREFIX,
    FLAG_TYPES,
    VOID_PREFIX,
    anchor_text,
    entity_record,
    entity_sk,
)

VOID_TYPE = "event.voided"


@dataclass(frozen=True)
class Folded:
    days: list[DayAggregate] = field(default_factory=list)  # days with anchored entities, oldest first
    first_sale_at: str | None = None  # anchor of the earliest successful order among the events folded


def entity_items(events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The entity items the events make, by sort key, as the store kept them (`e#`/`v#` attributes, `anchor_at`).

    Events are taken in arrival order (`received_at`, then id) when they carry it. Risk cases are left out: their
    open/closed state is kept on the partner (standing_store.partner_state), not derived per window.
    """
    ordered = sorted(events, key=lambda e: (str(e.get("received_at", "")), str(e["event_id"])))
    items: dict[str, dict[str, Any]] = {}
    where: dict[str, str] = {}  # event id -> the sort key of its entity
    voids: list[str] = []
    seen: set[str] = set()
    for event in ordered:
        type_name = str(event["type"])
        event_id = str(event["event_id"])
        if event_id in seen:  # one id stored twice (two partner-days): the first stored counts, once
            continue
        seen.add(event_id)
        data: Mapping[str, Any] = event.get("data") or {}
        if type_name == VOID_TYPE:
            voids.append(str(data["voided_event_id"]))
            continue
        if type_name in FLAG_TYPES:
            continue
        sk = entity_sk(event_id, type_name, data)
        if sk is None:
            continue
        item = items.setdefault(sk, {"sk": sk})
        item[f"{EVENT_PREFIX}{event_id}"] = entity_record(type_name, str(event["occurred_at"]), data)
        if type_name in ANCHOR_TYPES and "anchor_at" not in item:
            item["anchor_at"] = anchor_text(str(event["occurred_at"]))
        where[event_id] = sk
    for voided in voids:
        sk = where.get(voided)
        if sk is not None:  # a void of an event this partner never sent (or one outside the read) changes nothing
            items[sk][f"{VOID_PREFIX}{voided}"] = True
    return items


def fold_days(
    events: Iterable[Mapping[str, Any]], time_zone: str, first: date | None = None, last: date | None = None
) -> Folded:
    """The partner's days in [first, last] (either bound open when None) in `time_zone`."""
    results = aggregate_days(entity_items(events).values(), time_zone)
    sales = [r.first_sale_at for r in results.values() if r.first_sale_at is not None]
    days = [
        results[day].aggregate
        for day in sorted(results)
        if (first is None or day >= first) and (last is None or day <= last)
    ]
    return Folded(days, min(sales) if sales else None)
