"""Ingest service: validate a batch of event envelopes, classify each as new, duplicate or conflict, and store
the new ones with one write each: that write is all an event costs (nothing derives state from it per event: the
evaluation folds the partner's events on read, standing.fold). Serves both `POST /events` and the bus entry
(EventBridge -> SQS).

Classification: repeats inside the batch are settled first; then every distinct event is written with a
conditional PutItem that only stores an id not stored yet. A refused write returns the stored event's digest: the
same digest is a duplicate (accepted, no effect), another one a `conflict` (refused). No read before the write,
and two requests racing with one id and different content cannot both win. An event is keyed by its partner and the
UTC day it happened, so this holds for one id within one partner-day; the fold keeps the first-stored of two events
with one id (see docs/decisions.md), so none counts twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from standing import config
from standing.adapters import tables
from standing.adapters.ingest_store import IngestStore, event_item
from standing.events.models import (
    CONFLICT,
    DEFAULT_EARLIEST,
    DEFAULT_FUTURE,
    Rejection,
    TimeWindow,
    ValidEvent,
    parse_instant,
    validate_event,
)

MAX_EVENTS = 500
DIGEST_CHARS = 32  # 128 bits of the sha256: tells a duplicate from a conflict; half the bytes of the whole hex
REVIEW_RETENTION_DAYS = 400  # Booking's review score reads 365 days, evaluated every 90: a year and a cycle's slack
RESEND_GRACE = timedelta(days=7)
MAX_BYTES = 1024 * 1024  # 1 MB
MAX_DEPTH = 16  # nesting of a body: an envelope needs 4 ({"events": [{"data": {...}}]}); the rest is hostile

# Request-level error codes.
INVALID_JSON = "invalid_json"
MISSING_EVENTS = "missing_events"
TOO_MANY_EVENTS = "too_many_events"
PAYLOAD_TOO_LARGE = "payload_too_large"
TOO_DEEP = "too_deeply_nested"


class RequestError(Exception):
    """A request refused as a whole: `status` is the HTTP status, `code` the error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class IngestResult:
    accepted: int = 0  # new events stored by this call
    duplicates: int = 0  # events already stored (or repeated in the batch) with the same content: no effect
    rejected: list[Rejection] = field(default_factory=list)
    write_calls: int = 0  # conditional PutItems made (one per distinct valid event)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [r.to_dict() for r in sorted(self.rejected, key=lambda r: r.index)],
        }

    def merge(self, other: IngestResult) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected.extend(other.rejected)
        self.write_calls += other.write_calls


class RejectedEventModel(BaseModel):
    """One refused event of a batch (OpenAPI documentation of the response)."""

    index: int
    event_id: str | None
    error: str  # invalid_event | unknown_type | conflict
    message: str
    field: str | None


class IngestResponseModel(BaseModel):
    """200 answer of POST /events: `accepted + duplicates + len(rejected)` is the number of events sent."""

    accepted: int
    duplicates: int
    rejected: list[RejectedEventModel]


class ErrorModel(BaseModel):
    """A refused request: `error` is a code (invalid_json, missing_events, too_many_events, payload_too_large...)."""

    error: str
    message: str
    details: list[Any]


def parse_batch(body: str | bytes) -> list[Any]:
    """The `events` list of a request body; RequestError (400 / 413) if it is not acceptable as a whole."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > MAX_BYTES:
        raise RequestError(413, PAYLOAD_TOO_LARGE, f"body is {len(raw)} bytes; at most {MAX_BYTES} are accepted")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(400, INVALID_JSON, f"body is not UTF-8: byte {exc.start} cannot be decoded") from None
    try:
        document = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        raise RequestError(400, INVALID_JSON, f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise RequestError(400, TOO_DEEP, f"body nests deeper than {MAX_DEPTH} levels") from None
    if _depth(document) > MAX_DEPTH:
        raise RequestError(400, TOO_DEEP, f"body nests deeper than {MAX_DEPTH} levels")
    return events_of(document)


def _depth(document: Any) -> int:
    """How deep a parsed JSON value nests (iterative: a hostile body must not exhaust the stack here either)."""
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, level = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, level + 1) for child in children)
    return deepest


def events_of(document: Any) -> list[Any]:
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise RequestError(400, MISSING_EVENTS, 'body must be a JSON object with an "events" list')
    events = document["events"]
    if len(events) > MAX_EVENTS:
        raise RequestError(413, TOO_MANY_EVENTS, f"{len(events)} events; at most {MAX_EVENTS} per batch")
    return events


def _utcnow() -> datetime:
    return datetime.now(UTC)


class IngestService:
    def __init__(
        self,
        store: IngestStore,
        ttl_days: int,
        clock: Callable[[], datetime] = _utcnow,
        earliest: datetime = DEFAULT_EARLIEST,
        future: timedelta = DEFAULT_FUTURE,
    ) -> None:
        self._store = store
        self._ttl_days = ttl_days
        self._clock = clock
        self._earliest = earliest
        self._future = future

    def ingest(self, envelopes: Sequence[Any]) -> IngestResult:
        """Validate, classify and store a batch; never raises for a bad event, only for a store failure."""
        result = IngestResult()
        fresh: dict[str, ValidEvent] = {}
        window = TimeWindow.around(self._clock(), self._earliest, self._future)
        for index, raw in enumerate(envelopes):
            checked = validate_event(index, raw, window)
            if isinstance(checked, Rejection):
                result.rejected.append(checked)
                continue
            first = fresh.get(checked.event_id)
            if first is None:
                fresh[checked.event_id] = checked
            elif first.digest == checked.digest:
                result.duplicates += 1
            else:
                result.rejected.append(_conflict(checked, f"event {first.index} of this batch"))
        if not fresh:
            return result
        now = self._clock()
        stored = self._store.put_new_events([self.stored_item(event, now) for event in fresh.values()])
        result.write_calls = len(fresh)
        for event_id, event in fresh.items():
            digest = stored.get(event_id)
            if digest is None:
                result.accepted += 1
            elif digest == event.digest[:DIGEST_CHARS]:
                result.duplicates += 1
            else:
                result.rejected.append(_conflict(event, "an event already stored"))
        return result

    def stored_item(self, event: ValidEvent, now: datetime) -> dict[str, Any]:
        """The EventsTable item of an accepted event received at `now` (`ingest_store.event_item` keys it by partner
        and occurred UTC day), kept as long as the longest window that reads its type needs (`retention_days`),
        counted from when it happened."""
        keep = timedelta(days=retention_days(event.type, self._ttl_days))
        return event_item(
            {
                "partner_id": event.partner_id,
                "event_id": event.event_id,
                "occurred_at": event.occurred_at,
                "type": event.type,
                "data": event.data,
                "digest": event.digest[:DIGEST_CHARS],
                "received_at": tables.utc_text(now),
                # An event already older than its retention is still kept a while, so a resend is a duplicate.
                "expires_at": int(max(parse_instant(event.occurred_at) + keep, now + RESEND_GRACE).timestamp()),
            }
        )


def retention_days(type_name: str, default_days: int) -> int:
    """How long an event is kept after it happened: reviews feed a 365-day window; every other metric reads at most
    three calendar months (Tiki), so `default_days` (RAW_EVENT_TTL_DAYS, 130 by default: 92 days and a month of
    late-arrival and rerun slack) covers them. A void is kept as long as a review: the event it voids may be one,
    and must not count again when the void expires. Profiles, memberships and risk cases live on the partner's
    state."""
    return max(default_days, REVIEW_RETENTION_DAYS) if type_name in tables.LONG_READ_TYPES else default_days


def _conflict(event: ValidEvent, other: str) -> Rejection:
    return Rejection(
        event.index,
        event.event_id,
        CONFLICT,
        f"event_id {event.event_id!r} is already used by {other} with different content",
        "event_id",
    )


def service_from_config() -> IngestService:
    return IngestService(IngestStore.from_config(), config.raw_event_ttl_days())


def ingest_batch(envelopes: Sequence[Any], service: IngestService | None = None) -> IngestResult:
    """Ingest one batch of raw envelopes with the configured tables."""
    return (service or service_from_config()).ingest(envelopes)
