"""Evaluation runs fan out through the real planner and worker handlers: enrolment shards read page by page,
pages split into partner batches on EvaluateQueue, progress counted in the run record, exactly one
"Evaluation Run Completed"; a batch that dies halfway is redelivered and every partner still ends up with exactly
one record and one "Partner Evaluated".

Scale: embedded moto costs about 40 ms per partner to ingest and 120 ms per partner to evaluate on the shared
2-core box (see bench/scale.py), so 2,500 partners take minutes, not the ~60 s this file may use. The run here
has 200 partners with the planner page and the worker batch shrunk (the Evaluator's page_size / batch_size) so that
it has the shape of a large run: several pages per shard (continuation cursors) and several batches per page.

The handlers run the evaluator this file builds from the real adapters, as standing.evaluate.wiring does, with
those sizes, a record of the batches it works, and a store that can be made to fail at a chosen call (the worker
dying halfway): it is what `functions.evaluate.app.evaluator` / `worker.evaluator` return.
"""

from __future__ import annotations

import zlib
from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from functions.evaluate import app as evaluate_app
from functions.evaluate import worker as evaluate_worker
from standing import catalog
from standing.adapters import queue, standing_store
from standing.evaluate.ports import utc_now
from standing.evaluate.runs import Evaluator
from standing.evaluate.wiring import simulations_from_config
from standing.keys import ENROLMENT_SHARDS
from tests.evaluate.conftest import profile
from tests.evaluate.fakes import FailingStore, Failure

PROGRAM = "tiki-trusted-store"
SCHEDULE = "TikiTrustedStoreSchedule"
SAIGON = "Asia/Ho_Chi_Minh"
FIRE_AT = "2024-10-01T00:00"  # judges July..September 2024
RUN_ID = f"evaluation#{PROGRAM}#2024-07-01"  # runs.RunRequest.run_id: mode, program, period start


def _enrol(scenario, count: int, prefix: str) -> list[str]:
    """`count` partner.profile events enrolled in the program, through POST /events in batches of 500."""
    ids = [f"{prefix}{n:05d}" for n in range(count)]
    for start in range(0, count, 500):
        scenario.post(
            [
                profile(p, "2024-05-01T09:00:00+07:00", [PROGRAM], category="high_value", region="VN")
                for p in ids[start : start + 500]
            ]
        )
    return ids


def _shards(ids: list[str]) -> dict[int, list[str]]:
    """Partner ids by enrolment shard, in index order (the ingest's shard key: crc32 of the id)."""
    out: dict[int, list[str]] = {}
    for partner_id in sorted(ids):
        out.setdefault(zlib.crc32(partner_id.encode()) % ENROLMENT_SHARDS, []).append(partner_id)
    return out


def _fire_and_work(scenario) -> None:
    """Fire the schedule, then work EvaluateQueue dry, emptying the bus capture as it goes (moto's SQS scans its
    whole queue on every receive). NotifyQueue is left alone: emails are not what this file is about."""
    schedule = next(s for s in scenario.stack.schedules if s.logical_id == SCHEDULE)
    scenario.stack.fire(schedule, datetime.fromisoformat(FIRE_AT).replace(tzinfo=ZoneInfo(SAIGON)))
    while True:
        try:
            scenario.stack.pump_queue("EvaluateQueue", max_rounds=10)
            break
        except RuntimeError:  # not dry after 10 messages: keep going
            scenario.stack.pump_stream("StateTable")  # the outbox publisher puts the owed events on the bus
            scenario.bus_events()
    scenario.stack.pump_stream("StateTable")


def _evaluated(scenario) -> Counter:
    return Counter(e["detail"]["partner_id"] for e in scenario.bus_events() if e["detail-type"] == "Partner Evaluated")


@pytest.fixture
def state_table(scenario, monkeypatch):
    """The test process reads the StateTable through the same adapter the functions use."""
    monkeypatch.setenv("STATE_TABLE_NAME", scenario.stack.name_of("StateTable"))


class RecordingEvaluator(Evaluator):
    """The real evaluator, recording the partner ids of every batch it works, in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[list[str]] = []

    def batch(self, request, body) -> None:
        self.batches.append(list(body["partners"]))
        super().batch(request, body)


def _install(scenario, monkeypatch, fail: Failure | None = None, **sizes: int) -> RecordingEvaluator:
    """The evaluator the planner and worker handlers will run: the deployed adapters (the store behind a hook)."""
    margin = scenario.stack.functions["EvaluateWorkerFunction"].environment["AT_RISK_MARGIN"]
    store = FailingStore(standing_store, fail) if fail else FailingStore(standing_store)
    evaluator = RecordingEvaluator(
        store,
        queue,
        catalog,
        utc_now,
        at_risk_margin=Decimal(margin),
        simulations=simulations_from_config().on_work,
        **sizes,
    )
    monkeypatch.setattr(evaluate_app, "evaluator", lambda: evaluator)
    monkeypatch.setattr(evaluate_worker, "evaluator", lambda: evaluator)
    return evaluator


def test_a_run_fans_out_over_pages_and_batches_and_completes_once(scenario, state_table, monkeypatch):
    page, batch = 6, 4
    batches = _install(scenario, monkeypatch, page_size=page, batch_size=batch).batches
    ids = _enrol(scenario, 200, "fan-")
    assert max(len(s) for s in _shards(ids).values()) > 2 * page  # some shard needs three pages or more

    _fire_and_work(scenario)

    # No invocation judged more than a bounded batch; every partner was in exactly one batch.
    assert max(len(b) for b in batches) <= batch
    assert sorted(p for b in batches for p in b) == sorted(ids)
    per_partner = _evaluated(scenario)
    assert set(per_partner) == set(ids)
    assert set(per_partner.values()) == {1}
    assert scenario.count("Evaluation Run Completed") == 1
    completed = next(e["detail"] for e in scenario.captured if e["detail-type"] == "Evaluation Run Completed")
    assert (completed["run_id"], completed["partners"]) == (RUN_ID, 200)
    assert sum(completed["by_status"].values()) == 200

    run = standing_store.run(RUN_ID)
    assert run is not None and run.get("completed_at")
    assert run["partners"] == 200
    assert run["pages_pending"] == 0
    assert run["batches_planned"] == len(batches) == run["batches_done"]
    for partner_id in ids[::40]:
        periods = [r["period"] for r in scenario.records(partner_id, PROGRAM)]
        assert periods == [{"start": "2024-07-01", "end": "2024-09-30"}]
    assert scenario.stack.errors == []
    assert sum(scenario.stack.dead_letters().values()) == 0

    # The same schedule fired again (a Scheduler retry, an operator rerun): nothing new on the bus.
    before = len(scenario.bus_events())
    _fire_and_work(scenario)
    assert len(scenario.bus_events()) == before
    assert standing_store.run(RUN_ID)["batches_done"] == len(batches)


@pytest.mark.parametrize("dies", ["before_judging", "after_storing_the_record"])
def test_a_batch_that_dies_halfway_is_retried_without_duplicates(scenario, state_table, monkeypatch, dies):
    ids = _enrol(scenario, 48, f"crash-{dies[:5]}-")
    victim: list[str] = []
    batches: list[list[str]] = []  # the evaluator's, once installed

    def dies_here(partner_id: str) -> bool:
        """The middle partner of the first batch of three or more, the first time it is judged."""
        current = batches[-1]
        if not victim and len(current) >= 3 and partner_id == current[len(current) // 2]:
            victim.append(partner_id)
            return True
        return False

    # Before judging: at its fold read. After storing the record with its event: at the standing read that comes
    # before the standing moves.
    step = "folded_days" if dies == "before_judging" else "standing"

    def fail(name: str, args: tuple[Any, ...]) -> None:
        if name == step and dies_here(str(args[0])):
            raise RuntimeError("worker died halfway through a batch")

    evaluator = _install(scenario, monkeypatch, fail)
    batches = evaluator.batches  # what dies_here reads

    _fire_and_work(scenario)

    assert len(victim) == 1
    failed = next(b for b in batches if victim[0] in b)
    assert failed.index(victim[0]) > 0  # partners before it in the batch were done when it died
    assert evaluator.store.calls[("partner_state", victim[0])] == 2  # the failed batch really was delivered again
    assert sum(victim[0] in b for b in batches) == 2
    assert any("worker died halfway" in e for e in scenario.stack.errors)
    if dies == "after_storing_the_record":
        # The redelivery writes nothing for the partners done before the crash (their standing is written once),
        # and the victim, whose record was stored with its event before the crash, gets its standing all the same.
        assert {(standing_store.standing(p, PROGRAM) or {}).get("version") for p in failed} == {1}
    per_partner = _evaluated(scenario)
    assert set(per_partner) == set(ids)
    assert [p for p, n in per_partner.items() if n != 1] == []
    for partner_id in failed:
        assert len(scenario.records(partner_id, PROGRAM)) == 1
    assert scenario.count("Evaluation Run Completed") == 1
    run = standing_store.run(RUN_ID)
    assert run["partners"] == 48 and run["batches_done"] == run["batches_planned"]

    before = len(scenario.bus_events())
    _fire_and_work(scenario)
    assert len(scenario.bus_events()) == before
