"""The fold as the stored entities and days computed it before days were folded on read: each event written onto
its entity item (`e#`/`v#` attributes, `anchor_at` set once), then events/daily.aggregate_days over the items. Kept
as the oracle `standing.fold` is proved equal to (tests/ingest/test_fold.py) and measured against
(bench/backtest.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from standing.events.entities import ANCHOR_TYPES, FLAG_TYPES, anchor_text, entity_record, entity_sk
from standing.events.entity_days import aggregate_days
from standing.fold import Folded


def reference_fold(
    events: Iterable[Mapping[str, Any]], tz: str, first: date | None = None, last: date | None = None
) -> Folded:
    """The old path: stored entity items (`e#`/`v#` attributes, `anchor_at` set once), then aggregate_days."""
    ordered = sorted(events, key=lambda e: (str(e.get("received_at", "")), str(e["event_id"])))
    items: dict[str, dict[str, Any]] = {}
    where: dict[str, str] = {}
    voids: list[str] = []
    seen: set[str] = set()
    for event in ordered:
        type_name, event_id, data = str(event["type"]), str(event["event_id"]), event.get("data") or {}
        if event_id in seen:
            continue
        seen.add(event_id)
        if type_name == "event.voided":
            voids.append(str(data["voided_event_id"]))
            continue
        if type_name in FLAG_TYPES:
            continue
        sk = entity_sk(event_id, type_name, data)
        if sk is None:
            continue
        item = items.setdefault(sk, {"sk": sk})
        item[f"e#{event_id}"] = entity_record(type_name, str(event["occurred_at"]), data)
        if type_name in ANCHOR_TYPES and "anchor_at" not in item:
            item["anchor_at"] = anchor_text(str(event["occurred_at"]))
        where[event_id] = sk
    for voided in voids:
        if voided in where:
            items[where[voided]][f"v#{voided}"] = True
    results = aggregate_days(items.values(), tz)
    sales = [r.first_sale_at for r in results.values() if r.first_sale_at is not None]
    days = [
        results[d].aggregate for d in sorted(results) if (first is None or d >= first) and (last is None or d <= last)
    ]
    return Folded(days, min(sales) if sales else None)
