"""Redrive: apply parked events again, once whatever made them fail is fixed (a code fix deployed, or the parked
copy corrected by an operator). An event that folds now leaves the parking; one that still fails stays, with its
new reason. Applying is idempotent, so redriving twice, or an event the stream already re-applied, is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from standing.aggregate import DATA_ERRORS, Aggregator


@dataclass
class RedriveReport:
    applied: list[str] = field(default_factory=list)  # event ids
    still_parked: dict[str, str] = field(default_factory=dict)  # event id -> reason


def redrive(
    aggregator: Aggregator, apply_changes: Callable[[list[dict[str, Any]]], None], now: Callable[[], str]
) -> RedriveReport:
    """Every parked event through the fold and the standing changes it owes, as the stream handler applies it."""
    store = aggregator.store
    report = RedriveReport()
    for parked in store.parked():
        image, event_id = dict(parked["image"]), str(parked["event_id"])
        try:
            folded = aggregator.apply_all([image])
            reason = folded.failed.get(str(image.get("partner_id")))
            if reason is None:
                apply_changes([image])
        except DATA_ERRORS as error:
            reason = f"{type(error).__name__}: {error}"[:1000]
        if reason is not None:
            store.park(image, reason, now())
            report.still_parked[event_id] = reason
            continue
        store.unpark(event_id)
        report.applied.append(event_id)
    return report
