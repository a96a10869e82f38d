"""The outbox: a change of state carries the bus events it owes, in the same write.

Every item whose change owes events (an evaluation record, a standing, an enrolment's membership, a run's
completion, a period's at-risk warnings) is written with an `owes` attribute: the events, each with a stable `id`.
One PutItem (or one transaction, where two items change together) commits the state and its events or neither.
The StateTable stream delivers the new image to the publisher (functions/publish), which puts the owed events on
the bus and is retried until EventBridge takes them; an event already owed by the old image is not owed again. The
`id` is in every event's detail, so consumers (notify included) drop the duplicates an at-least-once stream makes.

Pure: item shapes in, bus events and history entries out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from standing.adapters.tables import (
    ENROLMENT_PREFIX,
    STANDING_PREFIX,
    document_of,
    history_sk,
    partner_of,
    program_of_enrolment,
)
from standing.contracts import Detail
from standing.events.models import utc_text

OWES = "owes"
# "Partner Evaluated" carries its record; the record is the item's own `record` attribute, so the owed entry leaves
# it out (the item would otherwise hold it twice) and the publisher puts it back.
RECORD_FROM_ITEM = "Partner Evaluated"


@dataclass(frozen=True)
class Owed:
    """One event a change owes: its detail type, stable id, and detail (validated by its contract model)."""

    detail_type: str
    id: str
    detail: Mapping[str, Any]

    @classmethod
    def of(cls, detail: Detail) -> Owed:
        """The event a contract model (standing.contracts) describes: its type, its `id`, its JSON detail."""
        return cls(detail.DETAIL_TYPE, detail.id, detail.dump())

    def to_item(self) -> dict[str, str]:
        # The id is the entry's own attribute (the publisher puts it back in the detail), and so is a record the
        # item already holds.
        left_out = ("id", "record") if self.detail_type == RECORD_FROM_ITEM else ("id",)
        detail = {k: v for k, v in self.detail.items() if k not in left_out}
        return {"type": self.detail_type, "id": self.id, "detail": json.dumps(detail, sort_keys=True, default=str)}


def owes(events: Iterable[Owed]) -> list[dict[str, str]]:
    """The `owes` attribute for a write (an empty list when the change owes nothing)."""
    return [event.to_item() for event in events]


@dataclass(frozen=True)
class Outgoing:
    detail_type: str
    detail: dict[str, Any]  # with "id"


def newly_owed(new_image: Mapping[str, Any] | None, old_image: Mapping[str, Any] | None) -> list[Outgoing]:
    """The events a stream record's new image owes that its old image did not (by id)."""
    if not new_image:
        return []
    before = {str(entry.get("id")) for entry in (old_image or {}).get(OWES) or ()}
    out = []
    for entry in new_image.get(OWES) or ():
        event_id = str(entry["id"])
        if event_id in before:
            continue
        detail = {**json.loads(str(entry["detail"])), "id": event_id}
        if entry["type"] == RECORD_FROM_ITEM and ("packed" in new_image or "record" in new_image):
            detail["record"] = document_of(new_image, "record")
        out.append(Outgoing(str(entry["type"]), detail))
    return out


@dataclass(frozen=True)
class HistoryEntry:
    """One membership or standing change of a partner in a program: when, who, before -> after, why."""

    partner_id: str
    program: str
    kind: str  # "membership" | "standing"
    at: str  # UTC, fixed width: entries sort by it (a membership before the standing it moves, at the same instant)
    by: str
    before: str | None
    after: str
    why: str | None

    @property
    def sort_key(self) -> str:
        return history_sk(self.at, self.program, self.kind)


def history_of(new_image: Mapping[str, Any] | None, old_image: Mapping[str, Any] | None) -> HistoryEntry | None:
    """The history entry a changed enrolment (membership) or standing item makes, or None."""
    if not new_image:
        return None
    sk = str(new_image.get("sk", ""))
    old = old_image or {}
    if sk.startswith(ENROLMENT_PREFIX):
        after, before = new_image.get("membership"), old.get("membership")
        if after is None or (after == before and new_image.get("membership_at") == old.get("membership_at")):
            return None
        return HistoryEntry(
            partner_id=str(new_image.get("partner_id") or partner_of(str(new_image["pk"]))),
            program=program_of_enrolment(sk),
            kind="membership",
            at=utc_text(str(new_image.get("membership_at"))),
            by=str(new_image.get("membership_by") or "unknown"),
            before=str(before) if before is not None else None,
            after=str(after),
            why=str(new_image["membership_why"]) if new_image.get("membership_why") else None,
        )
    if sk.startswith(STANDING_PREFIX):
        new, previous = json.loads(str(new_image["standing"])), json.loads(str(old.get("standing") or "null")) or {}
        if new.get("status") == previous.get("status") and new.get("consequences") == previous.get("consequences"):
            return None
        return HistoryEntry(
            partner_id=str(new["partner_id"]),
            program=str(new["program"]),
            kind="standing",
            at=utc_text(str(new.get("changed_at") or new.get("evaluated_at"))),
            by=str(new_image.get("changed_by") or "unknown"),
            before=previous.get("status"),
            after=str(new["status"]),
            why=new.get("reason"),
        )
    return None
