"""Partner-state events (the EventsTable stream, filtered): profiles, memberships and risk cases -> partner state.

Activity events (orders, messages, reviews, scores, their voids) derive nothing when they arrive: the evaluation
folds the partner's stored events on read (standing.fold). What cannot be derived from a window of events is kept
here, on the partner: the profile and its enrolments (latest wins by (occurred_at, event_id)), opt-in and opt-out
(same), and each risk case's events (a flag raised a year ago is still open). The stream's filter (template.yaml)
delivers only those types, and voids (a void may name a risk event). Every write is idempotent, so retries,
replays, duplicates and out-of-order events converge to the clean history's state.

Usage per stream batch: `batch = aggregator.begin(images)`, then `batch.apply(image)` for each record (a failure
there is that record's failure).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aws_lambda_powertools import Logger

from standing.adapters.ingest_store import IngestStore, StaleWrite
from standing.adapters.tables import parse_risk_case_sk, risk_case_sk
from standing.events.entities import EVENT_PREFIX, FLAG_TYPES, VOID_PREFIX, entity_record, flag_open
from standing.events.models import PROFILE_FIELDS, utc_text
from standing.fold import FOLD_ERRORS
from standing.keys import enrolment_shard_key
from standing.rules import ProgramError

logger = Logger(child=True)

DERIVED_ATTEMPTS = 5
VOID_TYPE = "event.voided"
MEMBERSHIP_TYPES = {"program.opted_in": "opted_in", "program.opted_out": "opted_out"}
# What the stream's filter lets through (template.yaml, AggregateFunction): keep the two in step.
STATE_TYPES = frozenset({"partner.profile", VOID_TYPE, *MEMBERSHIP_TYPES, *FLAG_TYPES})


def _profile_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in PROFILE_FIELDS if k in data}


# What an event's own content can make its application raise: the event is parked with its reason (the rest of the
# batch, and the shard, go on) and `standing redrive` applies it again once the cause is fixed. ProgramError: an
# opt-in dated before the program's first version, say, that no rule can judge. Anything else (throttling, a store
# outage) fails the record, and the stream delivers it again.
DATA_ERRORS = (*FOLD_ERRORS, ProgramError)


def _expiry(image: Mapping[str, Any]) -> int | None:
    value = image.get("expires_at")
    return int(value) if value is not None else None


def _is_flag_event(image: Mapping[str, Any]) -> bool:
    return image.get("type") in FLAG_TYPES


class PartnerStateService:
    def __init__(self, store: IngestStore) -> None:
        self.store = store

    def begin(self, images: Iterable[Mapping[str, Any]]) -> PartnerStateBatch:
        """Start a batch: fetch the voids that arrived before the batch's risk events (one read per 100)."""
        pairs = [(str(i.get("partner_id")), str(i.get("event_id"))) for i in images if _is_flag_event(i)]
        return PartnerStateBatch(self.store, self.store.pending_voids(pairs))

    def apply_all(self, images: Iterable[Mapping[str, Any]]) -> None:
        images = list(images)
        batch = self.begin(images)
        for image in images:
            batch.apply(image)


class PartnerStateBatch:
    def __init__(self, store: IngestStore, pending_voids: set[tuple[str, str]]) -> None:
        self._store = store
        self._pending = pending_voids

    def apply(self, image: Mapping[str, Any]) -> None:
        """Apply one stored event (an EventsTable item, as `ingest_store.stored_event` reads it). Idempotent."""
        type_name = str(image.get("type", ""))
        event_id = str(image["event_id"])
        partner_id = str(image["partner_id"])
        data: Mapping[str, Any] = image.get("data", {})
        occurred_at = str(image["occurred_at"])
        if type_name == "partner.profile":
            self._profile(partner_id, event_id, occurred_at, data)
        elif type_name in MEMBERSHIP_TYPES:
            try:
                self._store.set_membership(
                    partner_id, str(data["program_id"]), MEMBERSHIP_TYPES[type_name], utc_text(occurred_at), event_id
                )
            except StaleWrite:
                logger.debug("older membership event ignored", extra={"event_id": event_id})
        elif type_name == VOID_TYPE:
            self._void(partner_id, event_id, str(data["voided_event_id"]), _expiry(image))
        elif type_name in FLAG_TYPES:
            sk = risk_case_sk(str(data["flag"]), str(data["case_id"]))  # the key's one owner: tables
            void = f"{VOID_PREFIX}{event_id}" if (partner_id, event_id) in self._pending else None
            item = self._store.record_event(
                partner_id,
                sk,
                f"{EVENT_PREFIX}{event_id}",
                entity_record(type_name, occurred_at, data),
                void_attribute=void,
            )
            self._derive_flag(partner_id, sk, item)
        # Activity events are folded on read: nothing to do when they arrive (the stream filter leaves them out).

    def _derive_flag(self, partner_id: str, sk: str, item: Mapping[str, Any]) -> None:
        current: Mapping[str, Any] | None = item
        for _ in range(DERIVED_ATTEMPTS):
            if current is None:
                return
            flag, case_id = parse_risk_case_sk(sk)
            values = {"open": flag_open(current), "flag": flag, "case_id": case_id}
            try:
                self._store.set_derived(partner_id, sk, int(current["ver"]), values)
                return
            except StaleWrite:  # another event landed on the case meanwhile: fold again
                current = self._store.get_state(partner_id, sk)
        raise RuntimeError(f"risk case {sk} of {partner_id} kept changing; retrying the record")

    def _void(self, partner_id: str, void_id: str, voided_id: str, expires_at: int | None) -> None:
        """A void of a risk event closes its effect on the case; a void of an activity event needs nothing here
        (the fold on read sees both). The voided event may not be stored yet: a marker waits for it, and its own
        application finds the marker (one of the two always sees the other, whatever the interleaving)."""
        case = self._store.risk_case_of(partner_id, voided_id)
        if case is None:
            self._store.put_pending_void(partner_id, voided_id, void_id, expires_at)
            case = self._store.risk_case_of(partner_id, voided_id)
            if case is None:
                return
        sk = str(case["sk"])
        item = self._store.record_void(partner_id, sk, f"{VOID_PREFIX}{voided_id}")
        self._derive_flag(partner_id, sk, item)

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
