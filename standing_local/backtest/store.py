"""The StateTable and EventsTable in memory, behind the very interface the aggregation service writes through.

`MemoryStore` is an `IngestStore` whose methods keep items in dicts instead of calling DynamoDB, with the same
conditions (latest profile, enrolment and membership win by (instant, event id); a daily aggregate is replaced
only by a computation over at least as many stored events; `set_derived` only if `ver` is unchanged) and the same
item shapes (`docs/data-model.md`). Driving the real `standing.aggregate.Aggregator` and `standing.ingest.
IngestService` with it means the backtest folds events exactly as the deployed aggregation does, whatever that
code becomes: nothing of the fold is copied here. A store method the services start to use and this class lacks
falls through to `IngestStore` and fails loudly (there is no DynamoDB client), never silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from standing.adapters.ingest_store import IngestStore, StaleWrite, partner_pk
from standing.aggregates import DayAggregate
from standing.events.models import PROFILE_FIELDS


def plain(value: Any) -> Any:
    """What the evaluate adapter hands the domain: DynamoDB numbers as int or float, sets as lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


_INDEXED = ("ENROL#", "N#F#")


@dataclass
class _Day:
    data: str
    n: int
    parsed: DayAggregate | None = None


@dataclass
class PartnerItems:
    """One partner's partition: items by sort key, the anchored ones, and its daily aggregates by zone."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    anchored: list[str] = field(default_factory=list)
    days: dict[str, dict[str, _Day]] = field(default_factory=dict)  # tz -> ISO day -> aggregate
    indexed: dict[str, list[str]] = field(default_factory=dict)  # "ENROL#" / "N#F#" -> sort keys (as a Query)


class MemoryStore(IngestStore):
    """EventsTable and StateTable as dicts (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(None, "memory-events", "memory-state")
        self.events: dict[str, dict[str, Any]] = {}
        self.partners: dict[str, PartnerItems] = {}

    # --- EventsTable ----------------------------------------------------------------------------------------

    def put_new_events(self, items: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        stored: dict[str, str] = {}
        for item in items:
            event_id = str(item["event_id"])
            existing = self.events.get(event_id)
            if existing is None:
                self.events[event_id] = dict(item)
            else:
                stored[event_id] = str(existing.get("digest", ""))
        return stored

    def get_event(self, event_id: str) -> dict[str, Any] | None:
        return self.events.get(event_id)

    # --- entities -------------------------------------------------------------------------------------------

    def partner(self, partner_id: str) -> PartnerItems:
        found = self.partners.get(partner_id)
        if found is None:
            found = self.partners[partner_id] = PartnerItems()
        return found

    def _item(self, partner_id: str, sk: str) -> dict[str, Any]:
        partition = self.partner(partner_id)
        item = partition.items.get(sk)
        if item is None:
            item = partition.items[sk] = {"pk": partner_pk(partner_id), "sk": sk}
            for prefix in _INDEXED:
                if sk.startswith(prefix):
                    partition.indexed.setdefault(prefix, []).append(sk)
        return item

    def record_event(
        self,
        partner_id: str,
        sk: str,
        attribute: str,
        record: Mapping[str, Any],
        *,
        anchor_at: str | None = None,
        void_attribute: str | None = None,
        expires_at: int | None = None,
    ) -> dict[str, Any]:
        item = self._item(partner_id, sk)
        item[attribute] = dict(record)
        if expires_at is not None and "expires_at" not in item:
            item["expires_at"] = expires_at
        if anchor_at is not None and "anchor_at" not in item:
            item["anchor_at"] = anchor_at
            self.partner(partner_id).anchored.append(sk)
        if void_attribute is not None:
            item[void_attribute] = True
        item["ver"] = item.get("ver", 0) + 1
        return item

    def record_void(self, partner_id: str, sk: str, void_attribute: str) -> dict[str, Any]:
        item = self._item(partner_id, sk)
        item[void_attribute] = True
        item["ver"] = item.get("ver", 0) + 1
        return item

    def get_state(self, partner_id: str, sk: str) -> dict[str, Any] | None:
        partition = self.partners.get(partner_id)
        return partition.items.get(sk) if partition is not None else None

    def set_derived(self, partner_id: str, sk: str, version: int, values: Mapping[str, Any]) -> None:
        item = self._item(partner_id, sk)
        if item.get("ver") != version:
            raise StaleWrite("ConditionalCheckFailedException")
        item.update(values)

    # --- voids that arrive before their event ---------------------------------------------------------------

    def put_pending_void(
        self, partner_id: str, voided_event_id: str, void_event_id: str, expires_at: int | None = None
    ) -> None:
        item = self._item(partner_id, f"VOID#{voided_event_id}")
        item.update({"voided_event_id": voided_event_id, "void_event_id": void_event_id})
        if expires_at is not None:
            item["expires_at"] = expires_at

    def pending_voids(self, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        found = set()
        for partner_id, event_id in pairs:
            partition = self.partners.get(partner_id)
            if partition is not None and f"VOID#{event_id}" in partition.items:
                found.add((partner_id, event_id))
        return found

    # --- profile and enrolments -----------------------------------------------------------------------------

    def get_profiles(self, partner_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        found = {}
        for partner_id in partner_ids:
            profile = self.get_state(partner_id, "PROFILE")
            if profile is not None:
                found[partner_id] = profile
        return found

    def put_profile(self, partner_id: str, profile: Mapping[str, Any], at: str, event_id: str) -> dict | None:
        item = self._item(partner_id, "PROFILE")
        if "profile_at" in item and (item["profile_at"], item["profile_event_id"]) > (at, event_id):
            raise StaleWrite("ConditionalCheckFailedException")
        old = dict(item) if "profile_at" in item else None
        values = {k: v for k, v in profile.items() if v is not None}
        for name in PROFILE_FIELDS:  # a field the newer profile leaves out is removed; Standing's own stay
            if name not in values:
                item.pop(name, None)
        item.update(values, partner_id=partner_id, profile_at=at, profile_event_id=event_id)
        return old

    def set_first_sale(self, partner_id: str, at: str) -> None:
        item = self._item(partner_id, "PROFILE")
        if "first_sale_seen_at" in item and item["first_sale_seen_at"] <= at:
            raise StaleWrite("ConditionalCheckFailedException")
        item["first_sale_seen_at"] = at

    def set_enrolment(
        self, partner_id: str, program: str, enrolled: bool, at: str, event_id: str, shard_key: str
    ) -> None:
        item = self._item(partner_id, f"ENROL#{program}")
        if "enrolled_at" in item and (item["enrolled_at"], item["enrolled_by"]) > (at, event_id):
            raise StaleWrite("ConditionalCheckFailedException")
        item.update(program=program, partner_id=partner_id, enrolled=enrolled, enrolled_at=at, enrolled_by=event_id)
        if enrolled:
            item.update(gsi1pk=shard_key, gsi1sk=partner_id)
        else:
            item.pop("gsi1pk", None)
            item.pop("gsi1sk", None)

    def set_membership(self, partner_id: str, program: str, membership: str, at: str, event_id: str) -> None:
        item = self._item(partner_id, f"ENROL#{program}")
        if "membership_at" in item and (
            item["membership_at"] > at or (item["membership_at"] == at and item.get("membership_by", "") > event_id)
        ):
            raise StaleWrite("ConditionalCheckFailedException")
        item.update(program=program, partner_id=partner_id, membership=membership, membership_at=at)
        item["membership_by"] = event_id

    # --- anchored entities and daily aggregates -------------------------------------------------------------

    def anchored(self, partner_id: str, start: str | None = None, end: str | None = None) -> list[dict[str, Any]]:
        partition = self.partners.get(partner_id)
        if partition is None:
            return []
        items = partition.items
        if start is None or end is None:
            return [items[sk] for sk in partition.anchored]
        return [items[sk] for sk in partition.anchored if start <= items[sk]["anchor_at"] <= end]

    def put_aggregate(
        self, partner_id: str, tz: str, day: str, data: str, n: int, events: int, expires_at: int | None = None
    ) -> bool:
        days = self.partner(partner_id).days.setdefault(tz, {})
        current = days.get(day)
        if current is not None and current.n > n:
            return False
        if current is None or current.data != data:
            days[day] = _Day(data, n)
        else:
            current.n = n
        return True

    # --- what the evaluate adapter reads (standing_store.partner_state / daily_aggregates) -------------------

    def daily_aggregates(self, partner_id: str, tz: str, first: date, last: date) -> list[DayAggregate]:
        partition = self.partners.get(partner_id)
        if partition is None:
            return []
        stored_days = partition.days.get(tz, {})
        out = []
        for offset in range((last - first).days + 1):
            stored = stored_days.get((first + timedelta(days=offset)).isoformat())
            if stored is not None:
                if stored.parsed is None:
                    stored.parsed = DayAggregate.from_dict(json.loads(stored.data))
                out.append(stored.parsed)
        return out

    def enrolments(self, partner_id: str) -> dict[str, dict[str, Any]]:
        partition = self.partners.get(partner_id)
        if partition is None:
            return {}
        return {sk[len("ENROL#") :]: partition.items[sk] for sk in partition.indexed.get("ENROL#", ())}

    def open_flags(self, partner_id: str) -> frozenset[str]:
        partition = self.partners.get(partner_id)
        if partition is None:
            return frozenset()
        items = partition.items
        return frozenset(sk.split("#")[2] for sk in partition.indexed.get("N#F#", ()) if items[sk].get("open"))
