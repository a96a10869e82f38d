"""What the HTTP API shows: programs, a partner's standing in every program, its evaluation history.

`StandingViews` is built from the store, the programs, the suppression list (an address SES reported) and the
clock; it only reads. The API and the partner's page build it once (standing.evaluate.wiring)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from standing import contracts
from standing.contracts import ProgramStanding
from standing.evaluate.partner import membership_since
from standing.evaluate.ports import Clock, Programs, StateStore, Suppressions
from standing.rules import membership_view


class UnknownPartner(LookupError):
    """No profile has been received for this partner id."""


def current_projection(projection: dict[str, Any] | None, program: Any, now: datetime) -> dict[str, Any] | None:
    """The stored projection with today's `days_left`: it is rewritten only when its figures change, so the days
    left are counted when it is read."""
    if projection is None:
        return None
    end = date.fromisoformat(str(projection["period"]["end"]))
    today = now.astimezone(program.tz).date()
    return {**projection, "days_left": max((end - today).days + 1, 0)}


class StandingViews:
    """The API's read model of partners and programs, on the ports it is built from."""

    def __init__(self, store: StateStore, programs: Programs, suppressions: Suppressions, clock: Clock) -> None:
        self.store = store
        self.programs = programs
        self.suppressions = suppressions
        self.clock = clock

    def list_programs(self) -> list[dict[str, Any]]:
        return [program.to_summary() for program in self.programs.programs().values()]

    def get_program(self, program_id: str) -> dict[str, Any]:
        return self.programs.program(program_id).to_summary()

    def partner_standing(self, partner_id: str, now: datetime | None = None) -> dict[str, Any]:
        """Every enrolled program: status, valid until, last evaluation, current-period projection with headroom."""
        now = now or self.clock()
        state = self.store.partner_state(partner_id)
        if state.profile is None:
            raise UnknownPartner(f"no partner {partner_id!r} (no partner.profile event received)")
        standings = self.store.standings(partner_id)
        projections = self.store.projections(partner_id)
        programs = {}
        for program_id, enrolment in sorted(state.enrolments.items()):
            if not enrolment.get("enrolled") or program_id not in self.programs.programs():
                continue
            program = self.programs.program(program_id)
            current = standings.get(program_id) or {}
            last = self.store.records(partner_id, program_id, limit=1)
            view = {
                "program": program_id,
                "name": program.name,
                # opt-in programs: {"state": never_joined / opted_in / opted_out, "changed_on": date}; else
                # "automatic"
                "membership": membership_view(program, enrolment.get("membership"), membership_since(enrolment))
                or program.membership,
                "status": current.get("status", "not_evaluated"),
                "valid_until": current.get("valid_until"),
                "consequences": current.get("consequences", []),
                "benefits": current.get("benefits", {}),
                "reason": current.get("reason"),
                "open_flags": sorted(state.open_flags & set(program.suspend_flags)),
                "last_evaluation": last[0] if last else None,
                "projection": current_projection(projections.get(program_id), program, now),
                "next_evaluation": program.next_evaluation_after(now).isoformat(),
            }
            programs[program_id] = contracts.build(ProgramStanding, view)
        address = str(state.profile.get("email") or "")
        suppressed = self.suppressions.suppression(address) if address else None
        return {
            "partner_id": partner_id,
            "name": state.profile.get("name"),
            # SES reported the address bouncing for good or complaining: Standing sends it no more mail until it
            # changes
            "email_suppressed": suppressed,
            "programs": programs,
        }

    def partner_evaluations(self, partner_id: str, program_id: str | None, limit: int) -> dict[str, Any]:
        if program_id is not None:
            self.programs.program(program_id)  # unknown program -> 404, not an empty list
        if self.store.partner_state(partner_id).profile is None:
            raise UnknownPartner(f"no partner {partner_id!r} (no partner.profile event received)")
        items = self.store.records(partner_id, program_id, limit=limit)
        return {"partner_id": partner_id, "program": program_id, "count": len(items), "items": items}
