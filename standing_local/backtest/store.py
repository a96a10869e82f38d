"""What the backtest keeps of one partner, in memory: what the deployed evaluation reads of it.

Stored events: every accepted event of the partner, prepared once for the fold (standing.fold.prepare) in arrival
order, with their occurred UTC day, in a `standing.fold.FoldIndex` that folds them as they arrive; a read the index
cannot give takes "the events from the UTC day before the window's first day on" (`standing_store.folded_days`) as
one slice. Partner state: the latest profile and the enrolments it made,
memberships and risk cases, each latest-wins by (UTC instant, event id) as the aggregation service keeps them
(`docs/data-model.md`), so the order events arrive in changes nothing.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from standing.events.models import PROFILE_FIELDS
from standing.fold import FoldIndex, Memo, Prepared, long_read


def plain(value: Any) -> Any:
    """What the evaluate adapter hands the domain: DynamoDB numbers as int or float, sets as lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@dataclass
class RiskCase:
    raised: set[str] = field(default_factory=set)  # event ids
    cleared: set[str] = field(default_factory=set)


@dataclass
class Partner:
    partner_id: str
    profile: dict[str, Any] | None = None  # the PROFILE item (profile fields, profile_at, profile_event_id)
    enrolments: dict[str, dict[str, Any]] = field(default_factory=dict)  # program id -> ENROL item
    cases: dict[tuple[str, str], RiskCase] = field(default_factory=dict)  # (flag, case id) -> its events
    flag_events: dict[str, tuple[str, str]] = field(default_factory=dict)  # event id -> its case
    voided: set[str] = field(default_factory=set)  # every id a void names (risk events look here)
    # the stored events in arrival order with their occurred UTC days (index.events, index.days), folded as they
    # arrive and kept between evaluations (standing.fold.FoldIndex)
    index: FoldIndex = field(default_factory=FoldIndex)
    reach: list[str] = field(default_factory=list)  # the latest of index.days[:i + 1] (ascending, for bisect), as read
    memo: Memo = field(default_factory=dict)  # the days folded so far by reads (standing.fold.fold_prepared)

    # --- events -----------------------------------------------------------------------------------------------

    def add(self, prepared: Prepared, utc_day: str) -> None:
        self.index.events.append(prepared)
        self.index.days.append(utc_day)

    def read(self, since: str, activity_since: str | None = None) -> list[Prepared]:
        """The events that happened on or after the UTC day `since` (`standing_store.partner_events`); with
        `activity_since`, only reviews and voids before that day (the EventsTable keys those apart)."""
        events, days, reach = self.index.events, self.index.days, self.reach
        for day in days[len(reach) :]:
            reach.append(max(day, reach[-1]) if reach else day)
        start = bisect_left(reach, since)
        pairs = zip(events[start:], days[start:], strict=True)
        if activity_since is None or activity_since <= since:
            return [p for p, day in pairs if day >= since]
        return [p for p, day in pairs if day >= activity_since or (day >= since and long_read(p))]

    # --- state (standing.ingest.partner_state) -------------------------------------------------------------

    def put_profile(self, values: dict[str, Any], at: str, event_id: str) -> None:
        """The newest profile wins; the enrolments follow it (every program of the old and the new one)."""
        old = self.profile
        if old is not None and (old["profile_at"], old["profile_event_id"]) > (at, event_id):
            return
        values = {k: v for k, v in values.items() if k in PROFILE_FIELDS and v is not None}
        self.profile = {**values, "partner_id": self.partner_id, "profile_at": at, "profile_event_id": event_id}
        new_programs = [str(p) for p in values.get("programs", [])]
        old_programs = [str(p) for p in (old or {}).get("programs", [])]
        for program in dict.fromkeys(old_programs + new_programs):
            item = self.enrolments.setdefault(program, {"program": program, "partner_id": self.partner_id})
            if "enrolled_at" in item and (item["enrolled_at"], item["enrolled_by"]) > (at, event_id):
                continue
            item.update(enrolled=program in new_programs, enrolled_at=at, enrolled_by=event_id)

    def set_membership(self, program: str, membership: str, at: str, event_id: str) -> None:
        item = self.enrolments.setdefault(program, {"program": program, "partner_id": self.partner_id})
        if "membership_at" in item and (
            item["membership_at"] > at or (item["membership_at"] == at and item.get("membership_by", "") > event_id)
        ):
            return
        item.update(membership=membership, membership_at=at, membership_by=event_id)

    def risk_event(self, event_id: str, raised: bool, flag: str, case_id: str) -> None:
        case = self.cases.setdefault((flag, case_id), RiskCase())
        (case.raised if raised else case.cleared).add(event_id)
        self.flag_events[event_id] = (flag, case_id)

    def void(self, voided_id: str) -> None:
        self.voided.add(voided_id)

    def open_flags(self) -> frozenset[str]:
        """A risk case is open iff a live raise exists and no live clear does (events/entities.flag_open)."""
        voided = self.voided
        return frozenset(
            flag for (flag, _), case in self.cases.items() if (case.raised - voided) and not (case.cleared - voided)
        )
