"""Changes between schedules: opting in or out (API or marketplace event), and risk flags raised or cleared.

- Opt-out takes effect at once: status `opted_out`, benefits (commission uplift) gone, "Standing Changed".
- Opt-in is judged on the latest data over the program's window ending today, and granted only if it passes
  (`membership.opt_in_requires_criteria`, the default; when a program sets it false, any partner its gates let in
  may join, and the judgement only sets the status it joins with); a refusal names the failing metrics. Either
  way "Membership Changed" tells the partner (notify emails it).
- A flag the program suspends on (Tiki: fraud) suspends an awarded partner at once; clearing the last such flag
  restores the title if the period's record still holds (awarded and not expired).

`StandingChanges` is built from the store, the programs and the partner evaluator (for the opt-in's judgement
and the standing's read-modify-write); the API and the aggregation of partner-state events construct it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from standing.adapters.standing_store import MembershipChange, PartnerState
from standing.contracts import MembershipChanged
from standing.evaluate.partner import PartnerEvaluator, change_between, is_enrolled, partner_summary, standing_from
from standing.evaluate.ports import Programs, StateStore
from standing.outbox import Owed, owes
from standing.rules import Program


class NotEnrolled(LookupError):
    """The partner is unknown or not enrolled in the program."""


class NotOptIn(ValueError):
    """The program's membership is automatic: there is nothing to opt into or out of."""


@dataclass(frozen=True)
class MembershipResult:
    program: str
    partner_id: str
    action: str
    granted: bool
    status: str
    failing: list[str]
    record: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "partner_id": self.partner_id,
            "action": self.action,
            "granted": self.granted,
            "status": self.status,
            "failing": self.failing,
            "evaluation": self.record,
        }


class StandingChanges:
    """Membership and risk-flag changes of a partner's standing, on the ports it is built from."""

    def __init__(self, store: StateStore, programs: Programs, partners: PartnerEvaluator) -> None:
        self.store = store
        self.programs = programs
        self.partners = partners

    def change_membership(
        self, partner_id: str, program_id: str, action: str, now: datetime, by: str = "api", decision: str | None = None
    ) -> MembershipResult:
        """Opt a partner in or out of an opt-in program, with immediate effect on its standing. `by` names who asked
        (the IAM caller, the partner's page, or the marketplace event's id) for the history; `decision` makes the
        "Membership Changed" id stable for a decision that may be applied twice (a marketplace event)."""
        program = self.programs.program(program_id)
        if program.membership != "opt_in":
            raise NotOptIn(f"{program_id} enrols partners automatically; membership cannot be changed")
        state = self.store.partner_state(partner_id)
        if not is_enrolled(state, program_id):
            raise NotEnrolled(f"partner {partner_id!r} is not enrolled in {program_id}")
        at = now.isoformat()
        decision = decision or at
        if action == "opt_out":
            result = MembershipResult(program_id, partner_id, action, True, "opted_out", [], None)
            membership = _membership(program, state, result, "opted_out", now, by, "opted_out", decision)

            def leave(prev: dict[str, Any] | None) -> dict[str, Any] | None:
                if prev is not None and prev.get("status") == "opted_out" and prev.get("reason") == "opted_out":
                    return None  # already out: nothing written, nothing sent again
                return {**(prev or _blank(program_id, partner_id)), **_opted_out(at)}

            self.partners.save_standing(partner_id, program_id, leave, changed_by=by, membership=membership)
            return result

        record = self.partners.judge(
            program, state, now, program.window_ending(now), membership="opted_in", with_history=False
        )
        granted = opt_in_granted(program, record)
        result = MembershipResult(
            program_id, partner_id, action, granted, record["status"], list(record["failing"]), record
        )
        if granted:
            membership = _membership(program, state, result, "opted_in", now, by, "opted_in", decision)

            def join(prev: dict[str, Any] | None) -> dict[str, Any] | None:
                if prev is not None and prev.get("status") not in (None, "opted_out"):
                    return None  # already a member: nothing written, nothing sent again
                return standing_from(record, "opted_in")

            self.partners.save_standing(partner_id, program_id, join, changed_by=by, membership=membership)
        else:
            # Refused: not a member (a marketplace opt-in event already wrote "opted_in"; this overrides it). A
            # partner that left before stays "left on that date"; one that never joined stays "not a member yet".
            enrolment = state.enrolments.get(program_id, {})
            back_to = "opted_out" if enrolment.get("left_at") or enrolment.get("joined_at") else "never_joined"
            refusal = _membership(program, state, result, back_to, now, by, "opt_in_refused", decision, stamp=False)
            self.store.set_membership(refusal)
        return result

    def refresh_flags(self, partner_id: str, now: datetime, by: str = "risk flag") -> list[dict[str, Any]]:
        """Re-derive standings after a risk flag changed; returns the "Standing Changed" details owed (each is
        written with its standing and published from the stream). `by`: the flag event that caused it, for the
        history."""
        state = self.store.partner_state(partner_id)
        today_by_tz: dict[str, str] = {}
        changes = []
        for program_id, enrolment in state.enrolments.items():
            program = self.programs.programs().get(program_id)
            if program is None or not enrolment.get("enrolled") or not program.suspend_flags:
                continue
            blocking = sorted(state.open_flags & set(program.suspend_flags))
            today = today_by_tz.setdefault(program.time_zone, now.astimezone(program.tz).date().isoformat())

            def build(prev: dict[str, Any] | None, blocking: list[str] = blocking, today: str = today) -> dict | None:
                if prev is None:
                    return None
                if blocking and prev["status"] == "awarded":
                    return {
                        **prev,
                        "status": "suspended",
                        "reason": "risk_flag",
                        "suspended_by": blocking,
                        "benefits": {},
                        "changed_at": now.isoformat(),
                    }
                still_valid = prev.get("valid_until") is None or prev["valid_until"] >= today
                restorable = prev["status"] == "suspended" and prev.get("reason") == "risk_flag"
                if not blocking and restorable and prev.get("evaluated_status") == "awarded" and still_valid:
                    return {
                        **prev,
                        "status": "awarded",
                        "reason": "risk_flag_cleared",
                        "suspended_by": [],
                        "benefits": self._benefits_of(prev["program"], prev),
                        "changed_at": now.isoformat(),
                    }
                return None

            previous, new = self.partners.save_standing(partner_id, program_id, build, changed_by=by)
            if new is not None and (change := change_between(previous, new, program.name)):
                changes.append(change.dump())
        return changes

    def _benefits_of(self, program_id: str, standing: dict[str, Any]) -> dict[str, Any]:
        """The benefits of the record the standing came from (restored with the title)."""
        record = self.store.stored_record(standing["partner_id"], program_id, standing["period"]["start"])
        return dict(record.get("benefits", {})) if record else {}

    def apply_stored_events(self, images: list[dict[str, Any]]) -> None:
        """After a stream batch is folded: apply the marketplace's membership and risk-flag events to standing.

        Judged at the event's own time (not the clock of the invocation), so a replay gives the same result. A
        membership event that a newer one already superseded is skipped. Safe to repeat: standing changes are
        compared before writing, and a decision's "Membership Changed" id is the event's own."""
        flag_times: dict[str, tuple[datetime, str]] = {}
        memberships: list[tuple[datetime, str, str, str, str, str]] = []
        for image in images:
            kind = str(image.get("type"))
            at = datetime.fromisoformat(str(image["occurred_at"]))
            partner_id, event_id = str(image["partner_id"]), str(image["event_id"])
            if kind in FLAG_EVENTS:
                flag_times[partner_id] = max((at, event_id), flag_times.get(partner_id, (at, event_id)))
            elif kind in MEMBERSHIP_EVENTS:
                action, membership = MEMBERSHIP_EVENTS[kind]
                memberships.append((at, partner_id, str(image["data"]["program_id"]), action, membership, event_id))
        for partner_id, (at, event_id) in sorted(flag_times.items()):
            self.refresh_flags(partner_id, at, by=f"event:{event_id}")
        for at, partner_id, program_id, action, membership, event_id in sorted(memberships):
            program = self.programs.programs().get(program_id)
            if program is None or program.membership != "opt_in":
                continue
            enrolment = self.store.partner_state(partner_id).enrolments.get(program_id, {})
            if enrolment.get("membership") != membership:
                continue  # a newer membership event, or an API change, superseded this one
            try:
                self.change_membership(partner_id, program_id, action, at, by=f"event:{event_id}", decision=event_id)
            except NotEnrolled:
                continue  # membership of a program the profile does not (yet) enrol it in: applied on enrolment


def opt_in_granted(program: Program, record: dict[str, Any]) -> bool:
    """Is an opt-in judged by `record` (the window ending now, as a member) granted? With the program's
    `opt_in_requires_criteria` (the default) only when awarded; without it whenever the gates let the partner in
    (not `ineligible`). The same rule as `standing.rules.opt_in_check`, on a record already judged."""
    if program.membership_rules.opt_in_requires_criteria:
        return record["status"] == "awarded"
    return record["status"] != "ineligible"


def _membership(
    program: Program,
    state: PartnerState,
    result: MembershipResult,
    membership: str,
    now: datetime,
    by: str,
    why: str,
    decision: str,
    stamp: bool = True,
) -> MembershipChange:
    """The enrolment's change, with the "Membership Changed" it owes (notify confirms it to the partner)."""
    membership_id = f"{result.program}#{result.action}#{state.partner_id}#{decision}"
    detail = MembershipChanged.model_validate(
        {
            "id": f"membership#{membership_id}",
            **result.to_dict(),
            "program_name": program.name,
            "partner": partner_summary(state.profile),
            "membership_id": membership_id,
        }
    )
    owed = owes([Owed.of(detail)])
    return MembershipChange(state.partner_id, result.program, membership, now, by, why, owed, stamp)


def _blank(program_id: str, partner_id: str) -> dict[str, Any]:
    return {
        "program": program_id,
        "partner_id": partner_id,
        "status": None,
        "valid_until": None,
        "consequences": [],
        "benefits": {},
        "period": None,
        "evaluated_at": None,
    }


def _opted_out(at: str) -> dict[str, Any]:
    return {"status": "opted_out", "reason": "opted_out", "benefits": {}, "valid_until": None, "changed_at": at}


FLAG_EVENTS = frozenset({"risk.flag_raised", "risk.flag_cleared", "event.voided"})  # a void may reopen or close a flag
MEMBERSHIP_EVENTS = {"program.opted_in": ("opt_in", "opted_in"), "program.opted_out": ("opt_out", "opted_out")}
