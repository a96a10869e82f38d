"""Daily aggregates: what one partner did on one local day, and their sum over a window.

This module is the contract between ingest (which derives one `DayAggregate` per partner, time zone and local
day from stored entity state) and the rules engine (which reads `WindowTotals`). Pure Python: no AWS here.

Attribution (DESIGN section 3): an order counts on the day it was placed, a message on the day it was received,
a review on the day it was submitted, a reported score on the day it was reported; days are local days in the
program's time zone. Voided events never contribute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

# Integer counters of a day. Metric definitions in programs/*.yaml refer to these names.
COUNTERS: tuple[str, ...] = (
    "orders_placed",  # orders placed that day (for rides: bookings offered)
    "orders_confirmed",  # ...of which confirmed at any time
    "orders_confirmed_on_time",  # ...of which confirmed at or before their due_by
    "orders_successful",  # ...of which confirmed and not cancelled
    "orders_cancelled",  # ...of which cancelled, any cause
    "orders_cancelled_partner",
    "orders_cancelled_customer",
    "orders_cancelled_platform",
    "orders_cancelled_force_majeure",
    "orders_fulfilled",  # ...of which fulfilled at any time
    "orders_fulfilled_late",  # ...of which fulfilled after their due_by
    # ...of which due for confirmation: all but those the customer, the platform or force majeure cancelled by
    # their due_by before the partner confirmed them (KKday: "ask the traveler to cancel and reorder")
    "orders_confirmation_due",
    "orders_declined",  # ...of which declined by the partner (rides)
    "orders_accepted",  # ...of which not declined (rides: bookings the partner took on)
    "orders_with_incident",  # ...of which not declined and with at least one ride.incident (a no-show included)
    "orders_completed",  # ...of which completed
    "completed_with_driver_event",  # completed orders with at least one ride.driver_event
    "messages_received",  # traveller/buyer messages received that day
    "messages_replied",  # ...of which replied at any time
    "messages_replied_within_12h",  # ...of which first reply came within 12 hours
    "messages_replied_within_24h",  # ...of which first reply came within 24 hours
    "reviews_5",  # reviews on a 5-point scale submitted that day
    "reviews_10",  # reviews on a 10-point scale submitted that day
)

# Decimal sums of a day (kept as Decimal so a mean never flips a boundary).
SUMS: tuple[str, ...] = ("rating_sum_5", "rating_sum_10")

# Distinct sets of a day; their union over a window gives exact distinct counts.
SETS: tuple[str, ...] = ("successful_buyers",)  # buyer_id of each successful order placed that day

# Deadlines of a day: the `due_by` (UTC text) of each order placed that day that is still open (neither fulfilled
# nor cancelled nor declined). Whether such an order is late depends on the instant it is judged at, so the day
# keeps the deadlines and the engine counts them at its evaluation instant.
DEADLINES: tuple[str, ...] = ("open_orders_due",)

# Counters the engine derives at the evaluation instant from a day's deadlines: counter -> deadline list.
# `orders_overdue`: open orders whose due_by has passed at the evaluation instant (Tiki: not processed on time).
INSTANT_COUNTERS: dict[str, str] = {"orders_overdue": "open_orders_due"}


@dataclass(frozen=True)
class ReportedScore:
    """The latest value of an externally reported score (`score.reported`) on a day."""

    value: str  # as reported: "83.5" or "competitive"
    at: str  # RFC 3339 UTC instant of the report, so the latest wins across days


@dataclass
class DayAggregate:
    """One partner's activity on one local day in one time zone."""

    day: date
    counts: dict[str, int] = field(default_factory=dict)
    sums: dict[str, Decimal] = field(default_factory=dict)
    sets: dict[str, frozenset[str]] = field(default_factory=dict)
    scores: dict[str, ReportedScore] = field(default_factory=dict)
    deadlines: dict[str, tuple[str, ...]] = field(default_factory=dict)  # sorted UTC texts
    events: int = 0  # live (non-voided) events folded into this day: never decreases except by a void

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (Decimals as strings, sets as sorted lists); zeros and empties are left out."""
        out: dict[str, Any] = {
            "day": self.day.isoformat(),
            "counts": {k: v for k, v in sorted(self.counts.items()) if v},
            "sums": {k: str(v) for k, v in sorted(self.sums.items()) if v},
            "sets": {k: sorted(v) for k, v in sorted(self.sets.items()) if v},
            "scores": {k: {"value": s.value, "at": s.at} for k, s in sorted(self.scores.items())},
            "events": self.events,
        }
        deadlines = {k: sorted(v) for k, v in sorted(self.deadlines.items()) if v}
        if deadlines:  # absent on most days: keep the stored item small
            out["deadlines"] = deadlines
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DayAggregate:
        return cls(
            day=date.fromisoformat(data["day"]),
            counts={k: int(v) for k, v in data.get("counts", {}).items()},
            sums={k: Decimal(str(v)) for k, v in data.get("sums", {}).items()},
            sets={k: frozenset(v) for k, v in data.get("sets", {}).items()},
            scores={k: ReportedScore(str(s["value"]), s["at"]) for k, s in data.get("scores", {}).items()},
            deadlines={k: tuple(sorted(v)) for k, v in data.get("deadlines", {}).items()},
            events=int(data.get("events", 0)),
        )


@dataclass
class WindowTotals:
    """The sum of a partner's days over an evaluation window (excluded days already taken out)."""

    first_day: date | None = None
    last_day: date | None = None
    days: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    sums: dict[str, Decimal] = field(default_factory=dict)
    sets: dict[str, set[str]] = field(default_factory=dict)
    scores: dict[str, ReportedScore] = field(default_factory=dict)
    deadlines: dict[str, list[str]] = field(default_factory=dict)

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)

    def sum(self, name: str) -> Decimal:
        return self.sums.get(name, Decimal(0))

    def distinct(self, name: str) -> int:
        return len(self.sets.get(name, ()))

    def latest(self, metric: str) -> ReportedScore | None:
        return self.scores.get(metric)

    def passed(self, deadlines: str, at: str) -> int:
        """How many of the named deadlines lie strictly before `at` (UTC text, the format of the deadlines)."""
        return sum(1 for due in self.deadlines.get(deadlines, ()) if due < at)


def total(days: Iterable[DayAggregate]) -> WindowTotals:
    """Sum counters and sums, union sets, keep the latest reported score of each metric."""
    out = WindowTotals()
    for agg in days:
        out.days += 1
        out.first_day = agg.day if out.first_day is None else min(out.first_day, agg.day)
        out.last_day = agg.day if out.last_day is None else max(out.last_day, agg.day)
        for name, value in agg.counts.items():
            out.counts[name] = out.counts.get(name, 0) + value
        for name, amount in agg.sums.items():
            out.sums[name] = out.sums.get(name, Decimal(0)) + amount
        for name, members in agg.sets.items():
            out.sets.setdefault(name, set()).update(members)
        for metric, score in agg.scores.items():
            current = out.scores.get(metric)
            if current is None or score.at > current.at:
                out.scores[metric] = score
        for name, dues in agg.deadlines.items():
            out.deadlines.setdefault(name, []).extend(dues)
    return out
