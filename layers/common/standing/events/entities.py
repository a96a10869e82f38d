"""Entity state: which entity an event belongs to, the compact record it leaves there, and the fold of an
entity's records into its state. Pure: no AWS here.

An entity (an order, a message, a review, a risk case, a score report) keeps each of its events as its own
attribute `e#{event_id}` (a small map: type, UTC instant, the fields the metrics need) and each void as `v#{event_id}`.
Writing one event is therefore `SET #e = :v`: idempotent under duplicates and replays, and two concurrent writers of
one entity never lose each other's event. The state is always a fold of those attributes, so arrival order does not
matter: a cancel before its order, a reply before its message, a late reply all fold to the same state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import Any

from standing.events.models import parse_instant, utc_text

EVENT_PREFIX = "e#"
VOID_PREFIX = "v#"

# Types whose instant attributes the entity to a day: placed, received, submitted, reported.
ANCHOR_TYPES = frozenset({"order.placed", "message.received", "review.submitted", "score.reported"})
ORDER_TYPES = frozenset(
    {
        "order.placed",
        "order.confirmed",
        "order.fulfilled",
        "order.completed",
        "order.cancelled",
        "order.declined",
        "ride.incident",
        "ride.driver_event",
    }
)
FLAG_TYPES = frozenset({"risk.flag_raised", "risk.flag_cleared"})


def entity_sk(event_id: str, type_name: str, data: Mapping[str, Any]) -> str | None:
    """The StateTable sort key of the entity an event belongs to (None: not an entity event)."""
    if type_name in ORDER_TYPES:
        return f"N#O#{data['order_id']}"
    if type_name == "message.received":
        return f"N#M#{data['message_id']}"
    if type_name == "message.replied":
        return f"N#M#{data['in_reply_to']}"
    if type_name == "review.submitted":
        return f"N#R#{data['review_id']}"
    if type_name in FLAG_TYPES:
        return f"N#F#{data['flag']}#{data['case_id']}"
    if type_name == "score.reported":
        return f"N#S#{event_id}"
    return None


def anchor_text(occurred_at: str) -> str:
    """The LSI sort key of an anchor instant: UTC, whole seconds ("YYYY-MM-DDTHH:MM:SSZ")."""
    return parse_instant(occurred_at).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entity_record(type_name: str, occurred_at: str, data: Mapping[str, Any], at: str | None = None) -> dict[str, Any]:
    """The compact attribute one event leaves on its entity: what the metrics need, nothing more. `at`: the
    caller's `utc_text(occurred_at)`, when it has it already."""
    record: dict[str, Any] = {"t": type_name, "at": at if at is not None else utc_text(occurred_at)}
    if type_name == "order.placed":
        record["buyer_id"] = data["buyer_id"]
        record["due_by"] = utc_text(data["due_by"])
    elif type_name == "order.cancelled":
        record["cause"] = data["cause"]
    elif type_name == "ride.incident":
        record["kind"] = data["kind"]
    elif type_name == "review.submitted":
        record["rating"] = Decimal(str(data["rating"]))
        record["scale"] = int(data["scale"])
    elif type_name == "score.reported":
        record["metric"] = data["metric"]
        record["value"] = str(data["value"])
    return record


@dataclass(frozen=True)
class Entry:
    event_id: str
    record: Mapping[str, Any]
    voided: bool

    @property
    def type(self) -> str:
        return str(self.record["t"])

    @property
    def at(self) -> str:
        return str(self.record["at"])


def entries(item: Mapping[str, Any]) -> list[Entry]:
    """The events stored on an entity item, each marked voided or not, in (instant, id) order."""
    found = [
        Entry(name[len(EVENT_PREFIX) :], value, f"{VOID_PREFIX}{name[len(EVENT_PREFIX) :]}" in item)
        for name, value in item.items()
        if name.startswith(EVENT_PREFIX)
    ]
    return sorted(found, key=lambda e: (e.at, e.event_id))


def weight(item: Mapping[str, Any]) -> int:
    """Events plus voids stored on the item: only ever grows, so it versions any computation over the item."""
    return sum(1 for name in item if name.startswith((EVENT_PREFIX, VOID_PREFIX)))


def _live(item: Mapping[str, Any], *types: str) -> list[Entry]:
    return [e for e in entries(item) if not e.voided and e.type in types]


@dataclass
class OrderState:
    placed: bool = False
    buyer_id: str | None = None
    due_by: str | None = None
    confirmed_at: str | None = None
    fulfilled_at: str | None = None
    cancel_cause: str | None = None
    cancelled_at: str | None = None
    declined: bool = False
    completed: bool = False
    incident: bool = False
    driver_event: bool = False
    live_events: int = 0

    @property
    def confirmed_on_time(self) -> bool:
        return self.confirmed_at is not None and self.due_by is not None and self.confirmed_at <= self.due_by

    @property
    def fulfilled_late(self) -> bool:
        return self.fulfilled_at is not None and self.due_by is not None and self.fulfilled_at > self.due_by

    @property
    def successful(self) -> bool:
        return self.confirmed_at is not None and self.cancel_cause is None

    @property
    def open(self) -> bool:
        """Placed and not yet settled: neither fulfilled, cancelled nor declined."""
        return self.placed and self.fulfilled_at is None and self.cancel_cause is None and not self.declined

    @property
    def excused_from_confirmation(self) -> bool:
        """Cancelled by the customer, the platform or force majeure at or before its due_by, and not confirmed on
        time: not the partner's miss (KKday: "please ask the traveler to cancel and reorder"). An order confirmed
        on time still counts, as the partner's hit."""
        return (
            self.cancel_cause is not None
            and self.cancel_cause != "partner"
            and self.cancelled_at is not None
            and self.due_by is not None
            and self.cancelled_at <= self.due_by
            and not self.confirmed_on_time
        )


def fold_order(item: Mapping[str, Any]) -> OrderState:
    live = [e for e in entries(item) if not e.voided]
    state = OrderState(live_events=len(live))
    for entry in live:  # in instant order: the first of each kind wins
        kind = entry.type
        if kind == "order.placed" and not state.placed:
            state.placed, state.buyer_id, state.due_by = True, entry.record["buyer_id"], entry.record["due_by"]
        elif kind == "order.confirmed" and state.confirmed_at is None:
            state.confirmed_at = entry.at
        elif kind == "order.fulfilled" and state.fulfilled_at is None:
            state.fulfilled_at = entry.at
        elif kind == "order.cancelled" and state.cancel_cause is None:
            state.cancel_cause, state.cancelled_at = str(entry.record["cause"]), entry.at
        elif kind == "order.declined":
            state.declined = True
        elif kind == "order.completed":
            state.completed = True
        elif kind == "ride.incident":
            state.incident = True
        elif kind == "ride.driver_event":
            state.driver_event = True
    return state


@dataclass
class MessageState:
    received_at: str | None = None
    first_reply_at: str | None = None
    live_events: int = 0

    def replied_within(self, hours: int) -> bool:
        if self.received_at is None or self.first_reply_at is None:
            return False
        delta = parse_instant(self.first_reply_at) - parse_instant(self.received_at)
        return delta.total_seconds() <= hours * 3600


def fold_message(item: Mapping[str, Any]) -> MessageState:
    received = _live(item, "message.received")
    replies = _live(item, "message.replied")
    return MessageState(
        received_at=received[0].at if received else None,
        first_reply_at=replies[0].at if replies else None,
        live_events=len(received) + len(replies),
    )


@dataclass
class ReviewState:
    rating: Decimal | None = None
    scale: int | None = None
    live_events: int = 0


def fold_review(item: Mapping[str, Any]) -> ReviewState:
    submitted = _live(item, "review.submitted")
    if not submitted:
        return ReviewState()
    latest = submitted[-1]  # a resubmitted review replaces the earlier rating
    return ReviewState(Decimal(str(latest.record["rating"])), int(latest.record["scale"]), len(submitted))


@dataclass
class ScoreState:
    metric: str | None = None
    value: str | None = None
    at: str | None = None
    live_events: int = 0


def fold_score(item: Mapping[str, Any]) -> ScoreState:
    reports = _live(item, "score.reported")
    if not reports:
        return ScoreState()
    report = reports[-1]
    return ScoreState(str(report.record["metric"]), str(report.record["value"]), _rfc3339(report.at), len(reports))


def _rfc3339(utc: str) -> str:
    return parse_instant(utc).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def flag_open(item: Mapping[str, Any]) -> bool:
    """A risk case is open iff a live raise exists and no live clear does."""
    return bool(_live(item, "risk.flag_raised")) and not _live(item, "risk.flag_cleared")
