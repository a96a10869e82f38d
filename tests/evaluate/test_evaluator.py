"""The Evaluator on in-memory fakes of its ports (tests/evaluate/fakes.py): the real planner, batches, rules engine,
fold and outbox details, with the store, queue, programs and clock injected. Milliseconds a test; the same
behaviour through the real handlers on embedded AWS is in test_fanout.py, test_poison.py and test_scenarios.py."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import standing
from standing import catalog
from standing.catalog import UnknownProgram
from standing.evaluate.changes import NotEnrolled, NotOptIn
from standing.evaluate.runs import Evaluator
from standing.evaluate.simulation import Simulations, view
from standing.evaluate.views import StandingViews, UnknownPartner
from standing.rules.schema import Membership
from tests.evaluate.conftest import PROFILE_ATTRIBUTES
from tests.evaluate.fakes import (
    FakeClock,
    FakePrograms,
    FakeQueue,
    FakeSimulationStore,
    FakeStore,
    FakeSuppressions,
)
from tests.evaluate.test_programs import PROPERTY, _property
from tests.evaluate.test_scenarios import _kkday_partner

KKDAY = "kkday-trusted-partner"
RUN_ID = f"evaluation#{KKDAY}#2024-07-01"
AUGUST_4_TAIPEI = "2024-08-03T16:00:00+00:00"  # the schedule's fire time: 4 August 00:00 in Taipei
PROFILE = {"name": "Partner", "email": "p@example.com", **PROFILE_ATTRIBUTES}


class World:
    """An evaluator on fakes, and what it wrote."""

    def __init__(self, **sizes: int) -> None:
        self.store = FakeStore()
        self.queue = FakeQueue()
        self.programs = FakePrograms({KKDAY: catalog.program(KKDAY)})
        self.clock = FakeClock()
        self.simulated: list[dict[str, Any]] = []
        self.evaluator = Evaluator(
            self.store,
            self.queue,
            self.programs,
            self.clock,
            at_risk_margin=Decimal("0.1"),
            simulations=self.simulated.append,
            **sizes,
        )

    def partner(self, partner_id: str, orders: int = 20, cancels: int = 0, reply_hours: float = 1, **profile: Any):
        self.store.add_partner(partner_id, [KKDAY], **{**PROFILE, **profile})
        self.store.add_events(partner_id, _kkday_partner(partner_id, "2024-07-10", orders, cancels, reply_hours))

    def fire(self, at: str = AUGUST_4_TAIPEI, kind: str = "evaluation") -> None:
        payload = {"kind": kind, "scheduled_time": at, **({"program": KKDAY} if kind == "evaluation" else {})}
        self.evaluator.on_schedule(payload)
        self.queue.work(self.evaluator.on_work)

    def status(self, partner_id: str, period_start: str = "2024-07-01") -> str | None:
        record = self.store.stored_records.get((partner_id, KKDAY, period_start))
        return record["status"] if record else None

    def owed(self, detail_type: str) -> list[dict[str, str]]:
        return [e for e in self.store.owed if e["type"] == detail_type]


def test_a_scheduled_run_judges_every_enrolled_partner_once_and_completes_once():
    world = World(page_size=2, batch_size=2)  # several pages per shard and several batches per page
    world.partner("good")
    world.partner("poor", cancels=5, reply_hours=20)
    world.partner("managed", self_managed=False)
    for n in range(20):
        world.partner(f"more-{n:02d}")
    world.store.add_partner("elsewhere", ["tiki-trusted-store"], **PROFILE)  # not enrolled in this program

    world.fire()

    assert (world.status("good"), world.status("poor"), world.status("managed")) == (
        "awarded",
        "not_awarded",
        "ineligible",
    )
    assert world.status("elsewhere") is None
    assert {p for (p, _, _) in world.store.stored_records} == set(world.store.enrolments) - {"elsewhere"}
    evaluated = Counter(e["id"] for e in world.owed("Partner Evaluated"))
    assert len(evaluated) == 23 and set(evaluated.values()) == {1}
    assert len(world.owed("Standing Changed")) == 23  # each partner's first standing
    assert world.store.kept_standings[("good", KKDAY)]["status"] == "awarded"
    [completed] = world.owed("Evaluation Run Completed")
    assert '"partners": 23' in completed["detail"] and '"errors": 0' in completed["detail"]
    run = world.store.runs[RUN_ID]
    assert run["batches_done"] == run["batches_planned"] > 10 and run["pages_pending"] == 0
    batches = [m["partners"] for m in world.queue.delivered if m["kind"] == "batch"]
    assert max(len(b) for b in batches) == 2
    assert any(m["kind"] == "plan_page" for m in world.queue.delivered)
    assert world.store.errors == {}


def test_a_partners_step_reads_then_judges_then_writes_its_record_and_its_standing():
    """A partner's step reads its state, its record of the period, its history and its folded events, then writes
    its record (with its event) and moves its standing (read at its version, written with its event). The first
    time the fold sees a sale, it is kept on the profile (once per partner in practice)."""
    world = World()
    world.partner("good")
    shared = {"run_planned", "enrolled_partners", "record_plan", "count_once", "run", "complete_run"}

    def partner_calls() -> list[str]:
        calls = [c for c in world.store.calls if c not in shared]
        world.store.calls.clear()
        return calls

    world.fire()
    reads = ["partner_state", "stored_record", "records", "folded_days"]
    assert partner_calls() == [*reads, "keep_first_sale", "put_record", "standing", "put_standing"]
    world.fire("2024-09-03T16:00:00+00:00")  # August: the first sale is known
    assert partner_calls() == [*reads, "put_record", "standing", "put_standing"]


def test_a_redelivered_batch_or_a_second_firing_writes_nothing_and_owes_nothing():
    world = World(batch_size=2)
    for partner_id in ("a", "b", "c"):
        world.partner(partner_id)
    world.fire()
    owed, writes = list(world.store.owed), world.store.writes()
    run = dict(world.store.runs[RUN_ID])

    for message in [m for m in world.queue.delivered if m["kind"] == "batch"]:
        world.evaluator.on_work(message)  # SQS delivered every batch twice
    world.fire()  # the Scheduler retried

    assert world.store.owed == owed
    assert world.store.writes() == writes
    assert world.store.runs[RUN_ID] == run


@pytest.mark.parametrize("dies_at", ["folded_days", "standing"])
def test_a_batch_that_dies_halfway_is_finished_on_redelivery_without_duplicates(dies_at):
    """The worker dies on the middle partner of a batch, before judging it (its fold read) or after storing its
    record with its event (the standing read before the standing moves); SQS delivers the batch again."""
    world = World(batch_size=3)
    for partner_id in ("a", "b", "c"):
        world.partner(partner_id)
    died: list[str] = []

    def fail(name: str, args: tuple[Any, ...]) -> None:
        if name == dies_at and args[0] == "b" and not died:
            died.append("b")
            raise RuntimeError("worker died halfway through a batch")

    world.store.fail = fail
    world.fire()

    assert died == ["b"]
    assert [m["partners"] for m in world.queue.delivered if m["kind"] == "batch"] == [["a", "b", "c"]] * 2
    assert Counter(e["id"].split("#")[2] for e in world.owed("Partner Evaluated")) == {"a": 1, "b": 1, "c": 1}
    assert {p: s["version"] for (p, _), s in world.store.kept_standings.items()} == {"a": 1, "b": 1, "c": 1}
    assert len(world.owed("Evaluation Run Completed")) == 1
    assert world.store.runs[RUN_ID]["partners"] == 3


def test_a_partner_whose_evaluation_raises_is_recorded_and_its_batch_goes_on():
    world = World(batch_size=10)
    for partner_id in ("a", "poison", "z"):
        world.partner(partner_id)
    world.clock.now = datetime(2024, 8, 4, 0, 5, tzinfo=UTC)

    def fail(name: str, args: tuple[Any, ...]) -> None:
        if name == "folded_days" and args[0] == "poison":
            # the partner's own data (standing.evaluate.runs.PARTNER_ERRORS), not an outage
            raise ValueError("a stored item this release cannot read")

    world.store.fail = fail
    world.fire()

    assert (world.status("a"), world.status("poison"), world.status("z")) == ("awarded", None, "awarded")
    assert world.store.errors == {(RUN_ID, "poison"): "ValueError: a stored item this release cannot read"}
    assert len([m for m in world.queue.delivered if m["kind"] == "batch"]) == 1  # the batch was not failed
    [completed] = world.owed("Evaluation Run Completed")
    assert '"errors": 1' in completed["detail"] and '"partners": 2' in completed["detail"]
    assert world.store.runs[RUN_ID]["completed_at"] == "2024-08-04T00:05:00+00:00"  # the injected clock


def test_a_run_is_completed_once_whoever_finishes_last():
    """Batches may all be done before the planner records its plan (a fast worker): the planner completes the run
    then; the batches, counted before the plan, did not."""
    world = World(batch_size=1)
    for partner_id in ("a", "b"):
        world.partner(partner_id)

    class EagerQueue(FakeQueue):
        def enqueue(self, messages):
            super().enqueue(messages)
            self.work(world.evaluator.on_work)

    world.evaluator.queue = world.queue = EagerQueue()
    world.evaluator.on_schedule({"kind": "evaluation", "program": KKDAY, "scheduled_time": AUGUST_4_TAIPEI})

    assert world.store.runs[RUN_ID]["batches_done"] == 2
    assert world.store.calls.count("complete_run") == 1
    assert len(world.owed("Evaluation Run Completed")) == 1
    world.fire()
    assert len(world.owed("Evaluation Run Completed")) == 1


def test_a_projection_writes_nothing_when_its_figures_are_unchanged():
    world = World()
    world.partner("good")
    world.partner("poor", cancels=5, reply_hours=20)

    world.fire("2024-07-14T16:00:00+00:00", kind="projection")  # 15 July in Taipei: July to date
    assert world.store.calls.count("put_projection") == 2
    assert world.store.projected["good"][KKDAY]["days_left"] == 17
    warned = [json.loads(e["detail"]) for e in world.owed("Partner At Risk")]
    assert {w["partner_id"] for w in warned} == {"good", "poor"}
    assert set(next(w for w in warned if w["partner_id"] == "poor")["at_risk"]) >= {"partner_cancellation_rate"}

    world.fire("2024-07-15T16:00:00+00:00", kind="projection")  # the next day, no new event
    assert world.store.calls.count("put_projection") == 2  # nothing written: only the days left moved
    assert len(world.owed("Partner At Risk")) == 2  # warned once per metric per period

    world.store.add_events("good", _kkday_partner("good", "2024-07-16", 5, 0, 1))
    world.fire("2024-07-16T16:00:00+00:00", kind="projection")
    assert world.store.calls.count("put_projection") == 3  # the one partner whose figures changed
    assert world.store.projected["good"][KKDAY]["metrics"]["order_confirmation_rate"]["denominator"] == 25


def test_a_simulation_message_goes_to_the_simulation_port():
    world = World()
    message = {"mode": "simulation", "kind": "batch", "simulation": "s1", "batch": "00-000000-000", "partners": ["a"]}
    world.evaluator.on_work(message)
    assert world.simulated == [message]
    assert world.store.calls == []


def test_a_simulation_judges_both_sides_on_the_store_and_writes_only_under_its_id():
    world = World(page_size=2, batch_size=2)
    for partner_id in ("good", "other"):
        world.partner(partner_id)
    world.partner("poor", cancels=5, reply_hours=20)
    world.fire()  # the records a simulation seeds its history with
    writes, owed = world.store.writes(), list(world.store.owed)
    store = FakeSimulationStore()
    simulations = Simulations(world.store, store, world.queue, world.programs, world.clock, page_size=2, batch_size=2)
    seed = Path(standing.__file__).parent / "programs" / f"{KKDAY}.yaml"
    draft = seed.read_text(encoding="utf-8").replace("threshold: 0.02", "threshold: 0.30")  # cancellations

    started = simulations.start(KKDAY, draft, date(2024, 8, 1), date(2024, 8, 31), world.clock())
    world.queue.work(simulations.on_work)

    result = view(store.get(started["id"]))
    assert result["status"] == "completed" and result["evaluations"] == [AUGUST_4_TAIPEI]
    assert result["progress"]["partners"] == result["progress"]["rows"] == 3
    [period] = result["summary"]
    assert (period["partners"], period["changed"], period["flips_by_metric"]) == (3, 1, {})
    rows = list(csv.DictReader(io.StringIO(simulations.results_csv(started["id"]))))
    changed = {row["partner_id"]: row["deciding_metrics"] for row in rows if row["changed"] == "yes"}
    assert changed == {"poor": "partner_cancellation_rate"}
    assert (world.store.writes(), world.store.owed) == (writes, owed)  # no record, standing or event


def test_the_standing_view_reads_through_the_ports():
    world = World()
    world.partner("good", email="good@example.com")
    world.fire()
    suppressions = FakeSuppressions({"good@example.com": {"reason": "bounce", "at": "2024-08-01T00:00:00Z"}})
    views = StandingViews(world.store, world.programs, suppressions, world.clock)

    standing = views.partner_standing("good")
    current = standing["programs"][KKDAY]
    assert (current["status"], current["last_evaluation"]["period"]["start"]) == ("awarded", "2024-07-01")
    assert current["next_evaluation"].startswith("2024-10-03T16:00:00")  # after the injected clock's now
    assert standing["email_suppressed"] == {"reason": "bounce", "at": "2024-08-01T00:00:00Z"}
    assert views.partner_evaluations("good", KKDAY, 5)["count"] == 1
    with pytest.raises(UnknownPartner):
        views.partner_standing("nobody")
    with pytest.raises(UnknownProgram):
        views.partner_evaluations("good", "no-such-program", 5)


def test_membership_changes_judge_on_the_ports_and_a_repeated_change_writes_nothing():
    world = World()
    world.programs.known[PROPERTY] = catalog.program(PROPERTY)
    changes = world.evaluator.changes
    now = datetime(2024, 6, 1, 12, tzinfo=UTC)
    for partner_id, score in (("bp-good", 82), ("bp-low", 55)):
        world.store.add_partner(partner_id, [PROPERTY], **{**PROFILE, "region": "NL"})
        world.store.add_events(partner_id, _property(partner_id, now, score, "competitive", (8, 7, 9)))

    refused = changes.change_membership("bp-low", PROPERTY, "opt_in", now)
    assert (refused.granted, refused.status, refused.failing) == (False, "not_awarded", ["performance_score"])
    assert world.store.enrolments["bp-low"][PROPERTY]["membership"] == "never_joined"
    assert ("bp-low", PROPERTY) not in world.store.kept_standings

    assert changes.change_membership("bp-good", PROPERTY, "opt_in", now).granted
    assert world.store.kept_standings[("bp-good", PROPERTY)]["status"] == "awarded"
    changes.change_membership("bp-good", PROPERTY, "opt_out", now)
    assert world.store.kept_standings[("bp-good", PROPERTY)]["status"] == "opted_out"
    writes, owed = world.store.writes(), list(world.store.owed)
    changes.change_membership("bp-good", PROPERTY, "opt_out", now)  # leaving twice is one change
    assert (world.store.writes(), world.store.owed) == (writes, owed)
    assert Counter(world.store.owed_types()) == {"Membership Changed": 3, "Standing Changed": 2}

    with pytest.raises(NotOptIn):
        changes.change_membership("good", KKDAY, "opt_out", now)
    with pytest.raises(NotEnrolled):
        changes.change_membership("nobody", PROPERTY, "opt_in", now)

    # A program that does not require the criteria to join (`opt_in_requires_criteria: false`): the programs port
    # holds a changed copy; the partner joins with the status it is judged at.
    relaxed = dataclasses.replace(
        catalog.program(PROPERTY), membership_rules=Membership("opt_in", opt_in_requires_criteria=False)
    )
    world.programs.known[PROPERTY] = relaxed
    joined = changes.change_membership("bp-low", PROPERTY, "opt_in", now)
    assert (joined.granted, joined.status) == (True, "not_awarded")
    assert world.store.kept_standings[("bp-low", PROPERTY)]["reason"] == "opted_in"


def test_only_the_history_a_programs_ladder_can_look_at_is_read():
    world = World()
    world.partner("good")  # KKday: a delisting warning looks back at the two periods before
    world.fire()
    assert world.store.calls.count("records") == 1
    assert catalog.program(KKDAY).history_needed == 2

    booking = world.programs.known[PROPERTY] = catalog.program(PROPERTY)  # no step looks back
    world.store.add_partner("bp", [PROPERTY], **{**PROFILE, "region": "NL"})
    world.store.calls.clear()
    at = datetime(2024, 3, 30, 23, tzinfo=UTC)
    assert world.evaluator.partners.evaluate_scheduled(booking, "bp", at, booking.period_for(at)) is not None
    assert "records" not in world.store.calls and "put_record" in world.store.calls
