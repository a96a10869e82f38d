"""Aggregation service: stored events (the EventsTable stream) -> entity state -> daily aggregates.

Each stored event is written onto its entity as its own attribute (idempotent, order-free); the partner's profile,
enrolments and memberships are latest-wins by (occurred_at, event_id). Then every (partner, time zone, local day)
the batch touched is recomputed from the stored entities of that day (one strongly consistent Query on LSI
`by_anchor`) and written as one item, conditioned on `n` so an older computation never replaces a newer one.
Retries, replays, duplicates, late and out-of-order events therefore all converge to the clean history's state.

Usage per stream batch: `batch = aggregator.begin(images)`, `batch.apply(image)` for each record (a failure there
is that record's failure), then `batch.finish()` (recomputes the touched days; raises only on a store failure,
in which case the whole batch is retried, harmlessly).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aws_lambda_powertools import Logger

from standing.adapters.ingest_store import IngestStore, StaleWrite
from standing.events.daily import aggregate_days, day_window, local_day
from standing.events.entities import (
    ANCHOR_TYPES,
    EVENT_PREFIX,
    VOID_PREFIX,
    anchor_text,
    entity_record,
    entity_sk,
    flag_open,
)
from standing.events.models import EVENT_TYPES, PROFILE_FIELDS, utc_text
from standing.keys import enrolment_shard_key

logger = Logger(child=True)

DERIVED_ATTEMPTS = 5

ZonesFor = Callable[[list[str]], set[str]]


def _profile_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in PROFILE_FIELDS if k in data}


# What an event's own content can make the fold raise: the event is parked with its reason (the rest of the batch,
# and the shard, go on) and `standing redrive` applies it again once the cause is fixed. Anything else (throttling,
# a store outage) fails the record, and the stream delivers it again.
DATA_ERRORS = (ArithmeticError, LookupError, TypeError, ValueError)


@dataclass
class FinishReport:
    partners: int = 0
    days_written: int = 0
    days_stale: int = 0
    rebuilt: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # partner -> why its days could not be recomputed


@dataclass
class _Touched:
    anchors: set[str] = field(default_factory=set)
    rebuild_zones: set[str] = field(default_factory=set)
    rebuild_all: bool = False


def _expiry(image: Mapping[str, Any]) -> int | None:
    """State lives as long as the raw event that made it (the EventsTable TTL: received + RAW_EVENT_TTL_DAYS)."""
    value = image.get("expires_at")
    return int(value) if value is not None else None


def _is_entity_event(image: Mapping[str, Any]) -> bool:
    try:
        return image.get("type") in EVENT_TYPES and bool(
            entity_sk(str(image["event_id"]), str(image["type"]), image.get("data", {}))
        )
    except (KeyError, TypeError):  # a damaged image: its own record fails in apply()
        return False


class Aggregator:
    def __init__(self, store: IngestStore, zones_for: ZonesFor) -> None:
        self.store = store
        self._zones_for = zones_for

    def begin(self, images: Iterable[Mapping[str, Any]]) -> AggregationBatch:
        """Start a batch: fetch the voids that arrived before the batch's events (one read per 100 events)."""
        pairs = [(str(i.get("partner_id")), str(i.get("event_id"))) for i in images if _is_entity_event(i)]
        return AggregationBatch(self.store, self._zones_for, self.store.pending_voids(pairs))

    def apply_all(self, images: Iterable[Mapping[str, Any]]) -> FinishReport:
        images = list(images)
        batch = self.begin(images)
        for image in images:
            batch.apply(image)
        return batch.finish()


class AggregationBatch:
    def __init__(self, store: IngestStore, zones_for: ZonesFor, pending_voids: set[tuple[str, str]]) -> None:
        self._store = store
        self._zones_for = zones_for
        self._pending = pending_voids
        self._touched: dict[str, _Touched] = defaultdict(_Touched)
        self._first_sales: dict[str, str] = {}  # partner -> earliest successful order kept on its profile

    # --- one stored event -----------------------------------------------------------------------------------

    def apply(self, image: Mapping[str, Any]) -> None:
        """Fold one stored event (an EventsTable item) into state. Idempotent."""
        type_name = str(image.get("type", ""))
        event_id = str(image["event_id"])
        partner_id = str(image["partner_id"])
        data: Mapping[str, Any] = image.get("data", {})
        occurred_at = str(image["occurred_at"])
        if type_name == "partner.profile":
            self._profile(partner_id, event_id, occurred_at, data)
        elif type_name in ("program.opted_in", "program.opted_out"):
            membership = "opted_in" if type_name == "program.opted_in" else "opted_out"
            try:
                self._store.set_membership(
                    partner_id, str(data["program_id"]), membership, utc_text(occurred_at), event_id
                )
            except StaleWrite:
                logger.debug("older membership event ignored", extra={"event_id": event_id})
        elif type_name == "event.voided":
            self._void(partner_id, event_id, str(data["voided_event_id"]), _expiry(image))
        else:
            sk = entity_sk(event_id, type_name, data)
            if sk is None:
                logger.warning("stored event of unknown type ignored", extra={"event_id": event_id, "type": type_name})
                return
            void = f"{VOID_PREFIX}{event_id}" if (partner_id, event_id) in self._pending else None
            item = self._store.record_event(
                partner_id,
                sk,
                f"{EVENT_PREFIX}{event_id}",
                entity_record(type_name, occurred_at, data),
                anchor_at=anchor_text(occurred_at) if type_name in ANCHOR_TYPES else None,
                void_attribute=void,
                expires_at=_expiry(image),
            )
            self._entity_changed(partner_id, sk, item)

    def _entity_changed(self, partner_id: str, sk: str, item: Mapping[str, Any]) -> None:
        if sk.startswith("N#F#"):
            self._derive_flag(partner_id, sk, item)
        anchor = item.get("anchor_at")
        if anchor is not None:
            self._touched[partner_id].anchors.add(str(anchor))

    def _derive_flag(self, partner_id: str, sk: str, item: Mapping[str, Any]) -> None:
        current: Mapping[str, Any] | None = item
        for _ in range(DERIVED_ATTEMPTS):
            if current is None:
                return
            values = {"open": flag_open(current), "flag": sk.split("#")[2], "case_id": sk.split("#", 3)[3]}
            try:
                self._store.set_derived(partner_id, sk, int(current["ver"]), values)
                return
            except StaleWrite:  # another event landed on the case meanwhile: fold again
                current = self._store.get_state(partner_id, sk)
        raise RuntimeError(f"risk case {sk} of {partner_id} kept changing; retrying the record")

    def _void(self, partner_id: str, void_id: str, voided_id: str, expires_at: int | None) -> None:
        target = self._store.get_event(voided_id)
        if target is None:
            # The voided event has not arrived yet: leave a marker its own aggregation will find, then look again
            # (one of the two always sees the other, whatever the interleaving).
            self._store.put_pending_void(partner_id, voided_id, void_id, expires_at)
            target = self._store.get_event(voided_id)
            if target is None:
                return
        if str(target.get("partner_id")) != partner_id:
            logger.warning("void of another partner's event ignored", extra={"event_id": void_id})
            return
        type_name = str(target.get("type"))
        sk = entity_sk(voided_id, type_name, target.get("data", {}))
        if sk is None:
            logger.warning(
                "void of an event that feeds no metric ignored", extra={"event_id": void_id, "type": type_name}
            )
            return
        item = self._store.record_void(partner_id, sk, f"{VOID_PREFIX}{voided_id}")
        self._entity_changed(partner_id, sk, item)

    def _profile(self, partner_id: str, event_id: str, occurred_at: str, data: Mapping[str, Any]) -> None:
        at = utc_text(occurred_at)
        values = _profile_values(data)
        try:
            old = self._store.put_profile(partner_id, values, at, event_id)
        except StaleWrite:
            logger.debug("older profile ignored", extra={"event_id": event_id})
            return
        new_programs = [str(p) for p in values.get("programs", [])]
        old_programs = [str(p) for p in (old or {}).get("programs", [])]
        for program in dict.fromkeys(old_programs + new_programs):
            try:
                self._store.set_enrolment(
                    partner_id,
                    program,
                    program in new_programs,
                    at,
                    event_id,
                    enrolment_shard_key(program, partner_id),
                )
            except StaleWrite:
                logger.debug("enrolment already set by a newer profile", extra={"event_id": event_id})
        touched = self._touched[partner_id]
        if old is None:
            touched.rebuild_all = True
        else:
            added = self._zones_for(new_programs) - self._zones_for(old_programs)
            touched.rebuild_zones |= added

    # --- recompute the touched days -------------------------------------------------------------------------

    def finish(self) -> FinishReport:
        report = FinishReport()
        profiles = self._store.get_profiles(self._touched)  # read after every write of the batch
        self._first_sales = {p: str(v["first_sale_seen_at"]) for p, v in profiles.items() if "first_sale_seen_at" in v}
        for partner_id, touched in self._touched.items():
            profile = profiles.get(partner_id)
            if profile is None:
                continue  # no time zone yet: entities are kept; the profile's arrival rebuilds the days
            report.partners += 1
            try:
                self._recompute(partner_id, profile, touched, report)
            except DATA_ERRORS as error:  # this partner's data only: the others' days are still written
                report.failed[partner_id] = f"{type(error).__name__}: {error}"[:1000]
        return report

    def _recompute(self, partner_id: str, profile: Mapping[str, Any], touched: _Touched, report: FinishReport) -> None:
        zones = self._zones_for([str(p) for p in profile.get("programs", [])])
        rebuild = zones if touched.rebuild_all else zones & touched.rebuild_zones
        if rebuild:
            report.rebuilt += len(rebuild)
            items = self._store.anchored(partner_id)
            for tz in sorted(rebuild):
                self._write(partner_id, tz, aggregate_days(items, tz), report)
        for tz in sorted(zones - rebuild):
            days = {local_day(anchor, tz) for anchor in touched.anchors}
            if days:
                items = self._items_for_days(partner_id, tz, days)
                self._write(partner_id, tz, aggregate_days(items, tz, days), report)

    def _first_sale(self, partner_id: str, results: Iterable[Any]) -> None:
        """Keep the earliest successful order seen on the partner, for good (Tiki's store lifetime counts from the
        first sale). Written only when this batch saw an earlier one than the profile holds: once per partner in
        practice."""
        seen = [r.first_sale_at for r in results if r.first_sale_at is not None]
        if not seen:
            return
        earliest = min(seen)
        known = self._first_sales.get(partner_id)
        if known is not None and known <= earliest:
            return
        try:
            self._store.set_first_sale(partner_id, earliest)
        except StaleWrite:
            return  # an earlier sale is already kept
        self._first_sales[partner_id] = earliest

    def _items_for_days(self, partner_id: str, tz: str, days: set[date]) -> list[dict[str, Any]]:
        """The entities anchored on the given local days: one Query per run of consecutive days."""
        items: list[dict[str, Any]] = []
        run: list[date] = []
        for day in sorted(days):
            if run and (day - run[-1]).days > 1:
                items.extend(self._store.anchored(partner_id, day_window(run[0], tz)[0], day_window(run[-1], tz)[1]))
                run = []
            run.append(day)
        if run:
            items.extend(self._store.anchored(partner_id, day_window(run[0], tz)[0], day_window(run[-1], tz)[1]))
        return items

    def _write(self, partner_id: str, tz: str, results: Mapping[date, Any], report: FinishReport) -> None:
        self._first_sale(partner_id, results.values())
        for day, result in sorted(results.items()):
            data = json.dumps(result.aggregate.to_dict(), sort_keys=True, separators=(",", ":"))
            written = self._store.put_aggregate(
                partner_id, tz, day.isoformat(), data, result.n, result.aggregate.events, result.expires_at
            )
            if written:
                report.days_written += 1
            else:
                report.days_stale += 1
