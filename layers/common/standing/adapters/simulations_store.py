"""Repository of simulations (backtests of a draft program over stored history), in the StateTable.

Items live under their own partitions, never a partner's (models and keys: standing.adapters.tables):
`SimulationListingItem` (`SIMS` / `{created_at}#{id}`, one small item per simulation, newest last, for listings),
`SimulationItem` (`SIM#{id}` / `SIM`: the request, progress counters and additive summary counters),
`MarkerItem` (`SIM#{id}` / `PAGE#...`, `BATCH#...`: that planner page or partner batch was counted) and
`SimulationRowsItem` (`SIM#{id}` / `ROWS#{batch}`: the batch's CSV rows, zlib-compressed). Nothing here writes a
record, a standing or a projection. Errors are the shared ones (standing.adapters.errors) under this module's
historical names; a missing simulation is `SimulationNotFound`; a failed condition means "already done".
"""

from __future__ import annotations

import zlib
from typing import Any

from standing.adapters import tables
from standing.adapters.errors import ConditionFailed, StoreError, StoreUnavailable
from standing.adapters.tables import (
    ROWS_PREFIX,
    SIMULATIONS_PK,
    MarkerItem,
    SimulationItem,
    SimulationListingItem,
    SimulationRowsItem,
)

SimulationStoreError = StoreError  # a DynamoDB error that retrying will not fix
SimulationUnavailable = StoreUnavailable  # transient: the caller retries (the queue redelivers, the API answers 503)

DETAIL_FIELDS = ("id", "program", "from", "to", "instants", "created_at")  # what a simulation's request holds
LISTED_FIELDS = ("id", "program", "from", "to", "created_at")


class SimulationNotFound(LookupError):
    def __init__(self, simulation_id: str) -> None:
        super().__init__(f"no simulation {simulation_id!r}")
        self.simulation_id = simulation_id


def _fields(detail: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Model keyword arguments of the request's fields (`from` is a Python keyword: the models call it `from_`)."""
    return {("from_" if name == "from" else name): detail[name] for name in names if name in detail}


def create(simulation_id: str, detail: dict[str, Any], draft: str, pages: int) -> None:
    """The simulation's item: its request (draft YAML included) and `pages` planner pages pending."""
    if unknown := sorted(set(detail) - set(DETAIL_FIELDS)):
        raise ValueError(f"a simulation's request does not keep {unknown}; it keeps {list(DETAIL_FIELDS)}")
    simulation = tables.bind(SimulationItem)(
        *SimulationItem.key(simulation_id),
        **_fields(detail, DETAIL_FIELDS),
        draft=draft,
        status="running",
        pages_pending=pages,
        batches_planned=0,
        batches_done=0,
        partners=0,
        rows=0,
    )
    listed = tables.bind(SimulationListingItem)(
        *SimulationListingItem.key(detail["created_at"], simulation_id), **_fields(detail, LISTED_FIELDS)
    )
    with tables.translated():
        simulation.save(condition=SimulationItem.pk.does_not_exist())
        listed.save()


def recent(limit: int = 20) -> list[dict[str, Any]]:
    """The latest simulations, newest first (id, program, from, to, created_at): what an operator overview lists."""
    with tables.translated():
        found = tables.bind(SimulationListingItem).query(SIMULATIONS_PK, scan_index_forward=False, limit=limit)
        return [{k: v for k, v in item.plain().items() if k not in ("pk", "sk")} for item in found]


def get(simulation_id: str) -> dict[str, Any]:
    item = tables.find(tables.bind(SimulationItem), *SimulationItem.key(simulation_id))
    if item is None:
        raise SimulationNotFound(simulation_id)
    return item.plain()


def count_once(simulation_id: str, marker: str, adds: dict[str, int]) -> bool:
    """Mark a page or batch counted and ADD its counters to the simulation, in one transaction. False: counted
    before (a redelivered message)."""
    return tables.add_once(
        tables.bind(MarkerItem)(tables.simulation_key(simulation_id), marker),
        tables.bind(SimulationItem)(*SimulationItem.key(simulation_id)),
        adds,
    )


def complete(simulation_id: str, completed_at: str) -> bool:
    """Mark the simulation completed once; True only for the caller that did it."""
    simulation = tables.bind(SimulationItem)(*SimulationItem.key(simulation_id))
    try:
        tables.update(
            simulation,
            [SimulationItem.status.set("completed"), SimulationItem.completed_at.set(completed_at)],
            SimulationItem.completed_at.does_not_exist(),
        )
    except ConditionFailed:
        return False
    return True


def put_rows(simulation_id: str, batch: str, text: str) -> None:
    """A batch's CSV rows (no header), compressed; rewriting the same batch is harmless."""
    rows_item = tables.bind(SimulationRowsItem)(
        *SimulationRowsItem.key(simulation_id, batch), csv=zlib.compress(text.encode("utf-8"))
    )
    with tables.translated():
        rows_item.save()


def rows(simulation_id: str) -> list[str]:
    """Every batch's CSV rows, in batch order."""
    with tables.translated():
        found = tables.bind(SimulationRowsItem).query(
            tables.simulation_key(simulation_id), SimulationRowsItem.sk.startswith(ROWS_PREFIX)
        )
        return [zlib.decompress(item.csv).decode("utf-8") for item in found]
