"""What the HTTP API shows: programs, a partner's standing in every program, its evaluation history."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import Any

from standing import catalog, config, contracts
from standing.adapters import standing_store
from standing.adapters.preferences import PreferencesStore
from standing.contracts import ProgramStanding
from standing.evaluate.partner import membership_since
from standing.rules import membership_view


@functools.cache
def _preferences(state_table: str) -> PreferencesStore:
    # Keyed by the table name: a boto3 resource is built once per process, not on every request.
    return PreferencesStore(state_table)


class UnknownPartner(LookupError):
    """No profile has been received for this partner id."""


def list_programs() -> list[dict[str, Any]]:
    return [program.to_summary() for program in catalog.programs().values()]


def get_program(program_id: str) -> dict[str, Any]:
    return catalog.program(program_id).to_summary()


def current_projection(projection: dict[str, Any] | None, program: Any, now: datetime) -> dict[str, Any] | None:
    """The stored projection with today's `days_left`: it is rewritten only when its figures change, so the days
    left are counted when it is read."""
    if projection is None:
        return None
    end = date.fromisoformat(str(projection["period"]["end"]))
    today = now.astimezone(program.tz).date()
    return {**projection, "days_left": max((end - today).days + 1, 0)}


def partner_standing(partner_id: str, now: datetime | None = None) -> dict[str, Any]:
    """Every enrolled program: status, valid until, last evaluation, current-period projection with headroom."""
    now = now or datetime.now(UTC)
    state = standing_store.partner_state(partner_id)
    if state.profile is None:
        raise UnknownPartner(f"no partner {partner_id!r} (no partner.profile event received)")
    standings = standing_store.standings(partner_id)
    projections = standing_store.projections(partner_id)
    programs = {}
    for program_id, enrolment in sorted(state.enrolments.items()):
        if not enrolment.get("enrolled") or program_id not in catalog.programs():
            continue
        program = catalog.program(program_id)
        current = standings.get(program_id) or {}
        last = standing_store.records(partner_id, program_id, limit=1)
        view = {
            "program": program_id,
            "name": program.name,
            # opt-in programs: {"state": never_joined / opted_in / opted_out, "changed_on": date}; else "automatic"
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
    suppressed = _preferences(config.state_table()).suppression(address) if address else None
    return {
        "partner_id": partner_id,
        "name": state.profile.get("name"),
        # SES reported the address bouncing for good or complaining: Standing sends it no more mail until it changes
        "email_suppressed": suppressed,
        "programs": programs,
    }


def partner_evaluations(partner_id: str, program_id: str | None, limit: int) -> dict[str, Any]:
    if program_id is not None:
        catalog.program(program_id)  # unknown program -> 404, not an empty list
    if standing_store.partner_state(partner_id).profile is None:
        raise UnknownPartner(f"no partner {partner_id!r} (no partner.profile event received)")
    items = standing_store.records(partner_id, program_id, limit=limit)
    return {"partner_id": partner_id, "program": program_id, "count": len(items), "items": items}
