"""Redrive: apply parked events again, once whatever made them fail is fixed (a code fix deployed, or the parked
copy corrected by an operator). An event that folds now leaves the parking; one that still fails stays, with its
new reason. Applying is idempotent, so redriving twice, or an event the stream already re-applied, is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from standing.fold import fold_days
from standing.ingest.partner_state import DATA_ERRORS, STATE_TYPES, PartnerStateService


@dataclass
class RedriveReport:
    applied: list[str] = field(default_factory=list)  # event ids
    still_parked: dict[str, str] = field(default_factory=dict)  # event id -> reason


def redrive(
    aggregator: PartnerStateService, apply_changes: Callable[[list[dict[str, Any]]], None], now: Callable[[], str]
) -> RedriveReport:
    """Every parked event again: a partner-state event through the aggregation and the standing changes it owes, as
    the stream handler applies it; an activity event back to the partner's events once it folds."""
    store = aggregator.store
    report = RedriveReport()
    for parked in store.parked():
        image, event_id = dict(parked["image"]), str(parked["event_id"])
        reason = None
        try:
            if image.get("type") in STATE_TYPES:
                aggregator.apply_all([image])
                apply_changes([image])
            else:  # an activity event the fold on read parked: it must fold now, then it goes back to the events
                fold_days([image], "UTC")
                store.restore_event(image)
        except DATA_ERRORS as error:
            reason = f"{type(error).__name__}: {error}"[:1000]
        if reason is not None:
            store.park(image, reason, now())
            report.still_parked[event_id] = reason
            continue
        store.unpark(event_id)
        report.applied.append(event_id)
    return report
