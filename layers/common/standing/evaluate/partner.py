"""Judging one partner: facts and its events folded into days in, an immutable record and its events out.

`PartnerEvaluator` is built from the store and the programs (standing.evaluate.ports). Its scheduled step is one
read (the partner's state, its stored record of the period, its history and its events folded on read), the pure
rules engine, one write: the record, once (conditional put), with the "Partner Evaluated" it owes; then the current
standing follows the record, with the "Standing Changed" it owes (standing.outbox: each write carries its events,
and the StateTable stream publishes them). A redelivered batch finds the record and only finishes moving the
standing.

The functions of this module are pure: what the engine sees of a partner, and the standing a record makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from standing import contracts
from standing.adapters.standing_store import MembershipChange, PartnerState
from standing.contracts import EvaluationRecord, PartnerEvaluated, Standing, StandingChanged
from standing.evaluate.ports import Programs, StateStore
from standing.fold import Folded
from standing.outbox import Owed, owes
from standing.rules import PartnerFacts, Period, Program, evaluate_partner

# `build(previous standing)` -> the new standing, or None to leave it as it is
StandingBuilder = Callable[[dict[str, Any] | None], dict[str, Any] | None]


def partner_summary(profile: dict[str, Any] | None) -> dict[str, Any]:
    """What notify needs to address a partner (never more personal data than that)."""
    profile = profile or {}
    return {"name": profile.get("name"), "email": profile.get("email"), "locale": profile.get("locale")}


def is_enrolled(state: PartnerState, program_id: str) -> bool:
    return state.profile is not None and enrolled(state.enrolments, program_id)


def enrolled(enrolments: dict[str, dict[str, Any]], program_id: str) -> bool:
    """Whether the partner's enrolment items enroll it in the program (its profile lists the program)."""
    enrolment = enrolments.get(program_id)
    return bool(enrolment and enrolment.get("enrolled"))


@dataclass(frozen=True)
class PartnerInputs:
    """Everything the engine is given about one partner over one period, as read from the store."""

    state: PartnerState
    previous: list[dict[str, Any]]  # its records before the period, newest first (what the program's ladder needs)
    folded: Folded  # its events folded into the days the program's windows read


def judged(
    program: Program, inputs: PartnerInputs, evaluated_at: datetime, period: Period, membership: str | None = None
) -> dict[str, Any]:
    """The pure step: the rules engine over one partner's inputs, the record validated by its contract
    (standing.contracts.EvaluationRecord). `membership` overrides the stored one (an opt-in check)."""
    facts = partner_facts(inputs.state, program.id, inputs.previous, membership)
    return contracts.build(EvaluationRecord, evaluate_partner(program, facts, inputs.folded.days, evaluated_at, period))


def partner_facts(
    state: PartnerState, program_id: str, previous: list[dict[str, Any]], membership: str | None = None
) -> PartnerFacts:
    """The engine's view of a partner in a program (`membership` overrides the stored one: an opt-in check)."""
    enrolment = state.enrolments.get(program_id, {})
    return PartnerFacts(
        partner_id=state.partner_id,
        attributes=partner_attributes(state.profile),
        membership=membership if membership is not None else enrolment.get("membership"),
        open_flags=state.open_flags,
        previous=previous,
        membership_since=membership_since(enrolment),
    )


def partner_attributes(profile: dict[str, Any] | None) -> dict[str, Any]:
    """The profile as the engine sees it: the marketplace's `first_sale_at` if it sent one, else the earliest
    successful order Standing has seen (kept on the profile item as `first_sale_seen_at`)."""
    attributes = dict(profile or {})
    seen = attributes.pop("first_sale_seen_at", None)
    if not attributes.get("first_sale_at") and seen:
        attributes["first_sale_at"] = seen
    return attributes


def membership_since(enrolment: dict[str, Any]) -> str | None:
    """When the current membership began: the last time the partner joined (opted_in) or left (opted_out)."""
    state = enrolment.get("membership")
    if state == "opted_in":
        return enrolment.get("joined_at") or enrolment.get("membership_at")
    if state == "opted_out":
        return enrolment.get("left_at") or enrolment.get("membership_at")
    return None


def standing_from(record: dict[str, Any], reason: str) -> dict[str, Any]:
    """The standing that follows a record (`reason`: evaluation, or opted_in for a granted opt-in)."""
    standing = {
        "program": record["program"],
        "partner_id": record["partner_id"],
        "status": record["status"],
        "evaluated_status": record["status"],
        "valid_until": record.get("valid_until"),
        "consequences": record.get("consequences", []),
        "benefits": record.get("benefits", {}),
        "failing": record.get("failing", []),
        "period": record["period"],
        "evaluated_at": record["evaluated_at"],
        "rules_version": record.get("rules_version"),
        "reason": reason,
    }
    return contracts.build(Standing, standing)


def standing_event_id(program_id: str, partner_id: str, previous: dict[str, Any] | None) -> str:
    """The stable id of the "Standing Changed" that a write over `previous` owes (the standing's next version)."""
    version = previous.get("version") if previous else None
    return f"standing#{program_id}#{partner_id}#{(version or 0) + 1}"


def change_between(previous: dict[str, Any] | None, new: dict[str, Any], program_name: str) -> StandingChanged | None:
    """The "Standing Changed" detail, or None when status, consequences and benefits are all the same."""
    before = previous or {}
    keys = ("status", "consequences", "benefits")
    if previous is not None and all(before.get(k) == new.get(k) for k in keys):
        return None
    return StandingChanged.model_validate(
        {
            "id": standing_event_id(new["program"], new["partner_id"], previous),
            "program": new["program"],
            "program_name": program_name,
            "partner_id": new["partner_id"],
            "previous_status": before.get("status"),
            "status": new["status"],
            "previous_consequences": before.get("consequences", []),
            "consequences": new.get("consequences", []),
            "benefits": new.get("benefits", {}),
            "valid_until": new.get("valid_until"),
            "reason": new.get("reason"),
        }
    )


def evaluated_detail(program: Program, state: PartnerState, record: dict[str, Any], at: datetime) -> PartnerEvaluated:
    """The "Partner Evaluated" a scheduled record owes."""
    # Anchored: a rate() schedule may fire an hour before local midnight; the next one is still 90 days on.
    next_evaluation = program.next_evaluation_after(program.evaluation_anchor(at)).astimezone(program.tz).date()
    return PartnerEvaluated.model_validate(
        {
            "id": f"evaluated#{program.id}#{state.partner_id}#{record['period']['start']}",
            "program": program.id,
            "program_name": program.name,
            "partner_id": state.partner_id,
            "partner": partner_summary(state.profile),
            "record": record,
            "next_evaluation": next_evaluation.isoformat(),
        }
    )


def follows(record: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any] | None:
    """The standing a scheduled record makes over `previous`, or None when nothing is to be written."""
    # A late redelivery of an older period never rolls the current standing back.
    previous_period = (previous or {}).get("period") or {}
    if previous_period.get("start", "") > record["period"]["start"]:
        return None
    if previous_period == record["period"] and previous and previous.get("reason") != "evaluation":
        return None  # a mid-period change (suspension, opt-out) already superseded this record
    new = standing_from(record, "evaluation")
    if previous is not None and all(previous.get(k) == v for k, v in new.items()):
        return None  # already follows this record (a redelivery): nothing to write
    return new


class PartnerEvaluator:
    """One partner judged and its standing moved, on the store and programs it is built from."""

    def __init__(self, store: StateStore, programs: Programs) -> None:
        self.store = store
        self.programs = programs

    # ------------------------------------------------------------------------------------------------ reads
    def inputs(self, program: Program, state: PartnerState, period: Period, with_history: bool = True) -> PartnerInputs:
        """The read: the partner's records before the period, as many as the consequence ladder can look at
        (`Program.history_needed`; none read when no step looks back), and its events folded into the days the
        program's windows read over `period`."""
        needed = program.history_needed if with_history else 0
        previous = (
            self.store.records(state.partner_id, program.id, before=period.start.isoformat(), limit=needed)
            if needed
            else []
        )
        first, last = program.query_range(period)
        folded = self.store.folded_days(
            partner_id=state.partner_id,
            time_zone=program.time_zone,
            first=first,
            last=last,
            activity_from=program.activity_from(period),  # reviews alone are read back to `first`
        )
        return PartnerInputs(state, previous, folded)

    def judge(
        self,
        program: Program,
        state: PartnerState,
        evaluated_at: datetime,
        period: Period,
        membership: str | None = None,
        with_history: bool = True,
    ) -> dict[str, Any]:
        """Run the rules engine for one partner over one period (a scheduled one, the current one, or "now"): read,
        keep the first sale the fold saw, judge."""
        inputs = self.inputs(program, state, period, with_history)
        self.seen_first_sale(state, inputs.folded.first_sale_at)
        return judged(program, inputs, evaluated_at, period, membership)

    def seen_first_sale(self, state: PartnerState, sale_at: str | None) -> None:
        """Keep the earliest successful order the fold has seen on the profile, for good: Tiki's store lifetime
        counts from the first sale, which a later window no longer holds. Written once per partner in practice."""
        if sale_at is None or state.profile is None:
            return
        known = state.profile.get("first_sale_seen_at")
        if known is not None and str(known) <= sale_at:
            return
        self.store.keep_first_sale(state.partner_id, sale_at)
        state.profile["first_sale_seen_at"] = sale_at

    # ------------------------------------------------------------------------------------------------ writes
    def save_standing(
        self,
        partner_id: str,
        program_id: str,
        build: StandingBuilder,
        changed_by: str,
        membership: MembershipChange | None = None,
        attempts: int = 5,
    ) -> tuple[dict | None, dict | None]:
        """Read-modify-write the current standing with optimistic concurrency, and the "Standing Changed" it owes
        in the same write (with `membership`, the enrolment's change too, in one transaction). `build(previous)`
        returns the new standing, or None to leave it as it is (then nothing is written, not even `membership`);
        what it returns is validated by the contract (standing.contracts.Standing). Returns (previous, new)."""
        program_name = self.programs.program(program_id).name
        for _ in range(attempts):
            previous = self.store.standing(partner_id, program_id)
            built = build(previous)
            if built is None:
                return previous, None
            new = contracts.build(Standing, built)
            version = previous.get("version") if previous else None
            change = change_between(previous, new, program_name)
            owed = [Owed.of(change)] if change else []
            if self.store.put_standing(partner_id, program_id, new, version, owes(owed), changed_by, membership):
                return previous, new
        raise RuntimeError(f"standing of {partner_id} in {program_id} kept changing under us")

    # ------------------------------------------------------------------------------------------------ the step
    def evaluate_scheduled(
        self, program: Program, partner_id: str, evaluated_at: datetime, period: Period
    ) -> str | None:
        """One partner of a scheduled run. Returns its status, or None if it is not enrolled (nothing written).

        The record is written once with the "Partner Evaluated" it owes; then the standing moves, with the
        "Standing Changed" it owes. A redelivery finds the record and only finishes moving the standing (nothing
        is written when the standing already follows it), so a crash between the two writes loses nothing and
        sends nothing twice."""
        state = self.store.partner_state(partner_id)
        if not is_enrolled(state, program.id):
            return None
        period_start = period.start.isoformat()
        record = self.store.stored_record(partner_id, program.id, period_start)
        if record is None:
            record = self.judge(program, state, evaluated_at, period)
            evaluated = Owed.of(evaluated_detail(program, state, record, evaluated_at))
            if not self.store.put_record(record, owes([evaluated])):  # a concurrent delivery won the race
                record = self.store.stored_record(partner_id, program.id, period_start) or record
        self.follow_record(program, partner_id, record)
        return str(record["status"])

    def follow_record(self, program: Program, partner_id: str, record: dict[str, Any]) -> None:
        """Move the current standing to what a scheduled record says (nothing written when it already does)."""
        run = f"evaluation#{program.id}#{record['period']['start']}"
        self.save_standing(partner_id, program.id, lambda previous: follows(record, previous), changed_by=run)
