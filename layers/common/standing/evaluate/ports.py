"""The ports evaluate is built from: what it reads and writes of partners and runs, where it puts work, which
programs it runs, and what time it is.

- `StateStore`: exactly the store calls evaluate makes. The real one is the `standing.adapters.standing_store`
  module (PynamoDB models of `standing.adapters.tables`); tests/evaluate/fakes.py holds one in memory.
- `WorkQueue`: planner pages and partner batches on EvaluateQueue (`standing.adapters.queue`).
- `Programs`: the programs this deployment runs (`standing.catalog`).
- `Clock`: aware UTC now (`utc_now`), for the few instants a payload does not carry (a run's completion, a
  partner's error).
- `SimulationStore`: where a deployed simulation writes (`standing.adapters.simulations_store`).
- `Suppressions`: the addresses SES refused for good, shown on a partner's standing (`PreferencesStore`).

There is no bus port: evaluate never publishes. Every change it makes carries the events it owes in the same write
(`standing.outbox`), and the StateTable stream's publisher (functions/publish) puts them on the bus.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol

from standing.adapters.standing_store import MembershipChange, PartnerState
from standing.fold import Folded
from standing.rules import Program

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class StateStore(Protocol):
    """A partner's state, its events folded into days, records, standings, projections, at-risk markers, and run
    progress (the contracts of `standing.adapters.standing_store`, whose docstrings say what each call does)."""

    # a partner: what the evaluation reads
    def partner_state(self, partner_id: str) -> PartnerState: ...

    def folded_days(
        self, partner_id: str, time_zone: str, first: date, last: date, *, activity_from: date | None = None
    ) -> Folded: ...

    def records(
        self, partner_id: str, program_id: str | None = None, before: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]: ...

    def stored_record(self, partner_id: str, program_id: str, period_start: str) -> dict[str, Any] | None: ...

    def standing(self, partner_id: str, program_id: str) -> dict[str, Any] | None: ...

    def standings(self, partner_id: str) -> dict[str, dict[str, Any]]: ...

    def projections(self, partner_id: str) -> dict[str, dict[str, Any]]: ...

    def warned(self, partner_id: str, program_id: str, period_start: str) -> tuple[list[str], int | None]: ...

    # a partner: what the evaluation writes (each with the events it owes)
    def keep_first_sale(self, partner_id: str, at: str) -> bool: ...

    def put_record(self, record: dict[str, Any], owes: list[dict[str, str]]) -> bool: ...

    def put_standing(
        self,
        partner_id: str,
        program_id: str,
        value: dict[str, Any],
        expected_version: int | None,
        owes: list[dict[str, str]],
        changed_by: str,
        membership: MembershipChange | None = None,
    ) -> bool: ...

    def set_membership(self, change: MembershipChange) -> None: ...

    def put_projection(self, partner_id: str, program_id: str, record: dict[str, Any]) -> None: ...

    def warn(
        self,
        partner_id: str,
        program_id: str,
        period_start: str,
        metrics: list[str],
        version: int | None,
        owes: list[dict[str, str]],
        expires_at: int,
    ) -> bool: ...

    # runs
    def enrolled_partners(
        self, program_id: str, shard: int, cursor: dict[str, Any] | None, limit: int
    ) -> tuple[list[str], dict[str, Any] | None]: ...

    def run_planned(self, run_id: str) -> bool: ...

    def record_plan(self, run_id: str, detail: dict[str, Any], batches: int, pages: int) -> dict[str, Any] | None: ...

    def count_once(self, run_id: str, marker: str, adds: dict[str, int]) -> bool: ...

    def record_partner_error(self, run_id: str, partner_id: str, reason: str, at: str) -> None: ...

    def complete_run(self, run_id: str, completed_at: str, owes: list[dict[str, str]]) -> bool: ...

    def run(self, run_id: str) -> dict[str, Any] | None: ...


class WorkQueue(Protocol):
    def enqueue(self, messages: Sequence[dict[str, Any]]) -> None: ...


class Programs(Protocol):
    def programs(self) -> dict[str, Program]: ...

    def program(self, program_id: str) -> Program: ...


class SimulationStore(Protocol):
    """Where a deployed simulation writes, and only there (`standing.adapters.simulations_store`)."""

    def create(self, simulation_id: str, detail: dict[str, Any], draft: str, pages: int) -> None: ...

    def get(self, simulation_id: str) -> dict[str, Any]: ...

    def count_once(self, simulation_id: str, marker: str, adds: dict[str, int]) -> bool: ...

    def complete(self, simulation_id: str, completed_at: str) -> bool: ...

    def put_rows(self, simulation_id: str, batch: str, text: str) -> None: ...

    def rows(self, simulation_id: str) -> list[str]: ...


class Suppressions(Protocol):
    """Addresses SES reported bouncing for good or complaining (`standing.adapters.preferences.PreferencesStore`)."""

    def suppression(self, address: str) -> dict[str, Any] | None: ...
