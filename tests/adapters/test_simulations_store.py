"""Simulations (standing.adapters.simulations_store) on the template's StateTable in moto: created once, listed
newest first, pages and batches counted once with their run-time summary counters, completed once, rows kept in
batch order."""

from __future__ import annotations

import pytest

from standing.adapters import simulations_store, tables
from standing.adapters.simulations_store import SimulationNotFound

PERIOD = "2024-07-01/2024-07-31"


def _detail(simulation_id: str, created_at: str) -> dict:
    return {"id": simulation_id, "program": "kkday", "from": "2024-07-01", "to": "2024-07-31",
            "instants": ["2024-08-03T16:00:00+00:00"], "created_at": created_at}  # fmt: skip


def test_a_simulation_is_created_once_and_listed_newest_first(aws, state):
    simulations_store.create("s1", _detail("s1", "2024-08-01T00:00:00+00:00"), "id: kkday\n", pages=16)
    simulations_store.create("s2", _detail("s2", "2024-08-02T00:00:00+00:00"), "id: kkday\n", pages=16)
    with pytest.raises(simulations_store.SimulationStoreError) as raised:
        simulations_store.create("s1", _detail("s1", "2024-08-03T00:00:00+00:00"), "id: other\n", pages=1)
    assert raised.value.code == "ConditionalCheckFailedException"
    assert [s["id"] for s in simulations_store.recent()] == ["s2", "s1"]
    assert simulations_store.recent(limit=1) == [
        {"id": "s2", "program": "kkday", "from": "2024-07-01", "to": "2024-07-31",
         "created_at": "2024-08-02T00:00:00+00:00"}
    ]  # fmt: skip
    stored = simulations_store.get("s1")
    assert stored["draft"] == "id: kkday\n" and stored["status"] == "running" and stored["pages_pending"] == 16
    assert stored["instants"] == ["2024-08-03T16:00:00+00:00"] and stored["from"] == "2024-07-01"
    assert state.get_item(Key={"pk": "SIM#s1", "sk": "SIM"})["Item"]["batches_done"] == 0


def test_a_request_with_a_field_it_would_not_keep_is_refused(aws):
    with pytest.raises(ValueError, match="does not keep"):
        simulations_store.create("s1", {**_detail("s1", "2024-08-01T00:00:00+00:00"), "owner": "x"}, "", pages=1)


def test_an_unknown_simulation(aws):
    with pytest.raises(SimulationNotFound, match="'nope'"):
        simulations_store.get("nope")


def test_pages_and_batches_count_once_and_completion_happens_once(aws):
    simulations_store.create("s1", _detail("s1", "2024-08-01T00:00:00+00:00"), "", pages=1)
    page = tables.page_marker_sk(0, 0)
    assert simulations_store.count_once("s1", page, {"batches_planned": 2, "pages_pending": -1})
    assert not simulations_store.count_once("s1", page, {"batches_planned": 2, "pages_pending": -1})
    for batch in ("00-000000-000", "00-000000-001", "00-000000-001"):
        simulations_store.count_once("s1", tables.batch_marker_sk(batch),
                                     {"batches_done": 1, "partners": 2, f"{PERIOD}|base|awarded": 2})  # fmt: skip
    stored = simulations_store.get("s1")
    assert (stored["pages_pending"], stored["batches_planned"], stored["batches_done"]) == (0, 2, 2)
    assert stored["partners"] == 4 and stored[f"{PERIOD}|base|awarded"] == 4
    assert simulations_store.complete("s1", "2024-08-05T00:00:00+00:00")
    assert not simulations_store.complete("s1", "2024-08-06T00:00:00+00:00")
    stored = simulations_store.get("s1")
    assert stored["status"] == "completed" and stored["completed_at"] == "2024-08-05T00:00:00+00:00"


def test_rows_are_kept_compressed_and_read_in_batch_order(aws, state):
    simulations_store.put_rows("s1", "00-000001-000", "b,2\n")
    simulations_store.put_rows("s1", "00-000000-000", "a,1\n")
    simulations_store.put_rows("s1", "00-000000-000", "a,1\n")  # a redelivered batch rewrites the same rows
    assert simulations_store.rows("s1") == ["a,1\n", "b,2\n"]
    assert simulations_store.rows("other") == []
    stored = state.get_item(Key={"pk": "SIM#s1", "sk": "ROWS#00-000000-000"})["Item"]
    assert bytes(stored["csv"].value) != b"a,1\n"  # compressed
