"""Evaluation runs that fan out: a Scheduler payload becomes a run, the run becomes planner pages (one per
shard of the enrolment index), each page becomes partner batches on EvaluateQueue. No invocation handles more
than one page of partner ids or one batch of partners, so a run completes for any number of partners.

Run id = mode, program and period (or day, for projections): firing the same schedule twice is the same run.
Every page and batch is claimed once in the run record, so a redelivered message neither re-plans nor recounts,
and "Evaluation Run Completed" is published exactly once, by whoever finishes the last batch or page.

`Evaluator` is built from its ports (standing.evaluate.ports: the store, the work queue, the programs, a clock),
the at-risk margin, the handler of a simulation's work, and the page, batch and pool sizes; the handlers of
functions/evaluate build it once per process (standing.evaluate.wiring). Each partner of a batch is read (its
state, record of the period, history and events folded on read), judged by the pure engine, and written (its record
once, then its standing): standing.evaluate.partner, standing.evaluate.projection.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger

from standing.adapters.tables import batch_marker_sk, page_marker_sk
from standing.contracts import EvaluationRunCompleted
from standing.evaluate.changes import StandingChanges
from standing.evaluate.partner import PartnerEvaluator
from standing.evaluate.ports import Clock, Programs, StateStore, WorkQueue
from standing.evaluate.projection import Projector
from standing.keys import ENROLMENT_SHARDS
from standing.outbox import Owed, owes
from standing.rules import Period, Program, ProgramError

logger = Logger(child=True)

PAGE_SIZE = 1000  # partner ids read from the enrolment index per planner page
BATCH_SIZE = 100  # partners per worker batch
PARTNER_CONCURRENCY = 16  # partners of a batch judged at once (the repositories share one thread-safe client)

# What one partner's own data can make the engine raise (a date out of range, a corrupt stored item, a program
# that cannot judge it): recorded for that partner, and the batch goes on. Anything else (throttling, a store
# outage, a lost race) fails the batch, which SQS redelivers; every partner's work is idempotent.
PARTNER_ERRORS = (ArithmeticError, LookupError, TypeError, ValueError, ProgramError)

# The handler of one EvaluateQueue message of a simulation (standing.evaluate.simulation.Simulations.on_work).
SimulationWork = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class RunRequest:
    mode: str  # "evaluation" | "projection"
    program: Program
    evaluated_at: datetime
    period: Period

    @property
    def run_id(self) -> str:
        if self.mode == "evaluation":
            return f"evaluation#{self.program.id}#{self.period.start.isoformat()}"
        local_day = self.evaluated_at.astimezone(self.program.tz).date().isoformat()
        return f"projection#{self.program.id}#{local_day}"

    def message(self, **extra: Any) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "run_id": self.run_id,
            "program": self.program.id,
            "evaluated_at": self.evaluated_at.isoformat(),
            "period": self.period.to_dict(),
            **extra,
        }

    @classmethod
    def from_message(cls, body: dict[str, Any], programs: Programs) -> RunRequest:
        return cls(
            body["mode"],
            programs.program(body["program"]),
            datetime.fromisoformat(body["evaluated_at"]),
            Period.from_dict(body["period"]),
        )


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class Evaluator:
    """Scheduled evaluations and daily projections, planned and worked in bounded pages and batches."""

    def __init__(
        self,
        store: StateStore,
        queue: WorkQueue,
        programs: Programs,
        clock: Clock,
        *,
        at_risk_margin: Decimal,
        simulations: SimulationWork,
        page_size: int = PAGE_SIZE,
        batch_size: int = BATCH_SIZE,
        concurrency: int = PARTNER_CONCURRENCY,
    ) -> None:
        self.store = store
        self.queue = queue
        self.programs = programs
        self.clock = clock
        self.simulations = simulations
        self.page_size = page_size
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.partners = PartnerEvaluator(store, programs)
        self.projector = Projector(store, self.partners, at_risk_margin)
        self.changes = StandingChanges(store, programs, self.partners)

    # ------------------------------------------------------------------------------------------------ planning
    def on_schedule(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """A Scheduler payload: start an evaluation run of one program, or projection runs of all programs."""
        at = parse_time(payload["scheduled_time"])
        if payload["kind"] == "evaluation":
            program = self.programs.program(payload["program"])
            if program.first_evaluation is not None and program.evaluation_anchor(at) < program.first_evaluation:
                logger.info("not due yet", program=program.id, first_evaluation=program.first_evaluation.isoformat())
                return []
            requests = [RunRequest("evaluation", program, at, program.period_for(at))]
        elif payload["kind"] == "projection":
            # A program with no version in force yet (before its launch) has nothing to project.
            requests = [
                RunRequest("projection", p, at, p.current_period(at))
                for p in self.programs.programs().values()
                if any(version.in_force(at) for version in p.versions)
            ]
        else:
            raise ValueError(f"unknown schedule kind {payload['kind']!r}")
        return [self.start(request) for request in requests]

    def start(self, request: RunRequest) -> dict[str, Any]:
        """Plan a run: read the first page of every enrolment shard (bounded: shards x page_size ids), pool the ids
        into batches of batch_size, and enqueue them with a continuation page for each shard that has more. A run
        planned before is left to finish as it is; one whose planner died before recording is planned again (the
        batch ids are deterministic, so a batch enqueued twice is still counted once)."""
        detail = request.message()
        if self.store.run_planned(request.run_id):
            logger.info("run already planned", run_id=request.run_id)
            return detail
        ids: list[str] = []
        messages = []
        for shard in range(ENROLMENT_SHARDS):
            page_ids, cursor = self.store.enrolled_partners(request.program.id, shard, None, self.page_size)
            ids += page_ids
            if cursor:
                messages.append(request.message(kind="plan_page", shard=shard, page=1, cursor=cursor))
        batches = [
            request.message(kind="batch", batch=f"first-{n:05d}", partners=sorted(ids)[i : i + self.batch_size])
            for n, i in enumerate(range(0, len(ids), self.batch_size))
        ]
        self.queue.enqueue(batches + messages)
        run = self.store.record_plan(request.run_id, detail, batches=len(batches), pages=len(messages))
        if run is not None:
            logger.info("run planned", run_id=request.run_id, partners=len(ids), batches=len(batches))
            self._complete_if_done(request, run)
        return detail

    # ------------------------------------------------------------------------------------------------ work
    def on_work(self, body: dict[str, Any]) -> None:
        """One EvaluateQueue message: a planner page or a partner batch (of a run, or of a simulation)."""
        if body.get("mode") == "simulation":
            self.simulations(body)  # backtest of a draft: writes only under its own id
            return
        request = RunRequest.from_message(body, self.programs)
        if body["kind"] == "plan_page":
            self.plan_page(request, body)
        elif body["kind"] == "batch":
            self.batch(request, body)
        else:
            raise ValueError(f"unknown work kind {body['kind']!r}")

    def plan_page(self, request: RunRequest, body: dict[str, Any]) -> None:
        """A continuation page of one shard: enqueue its batches (and the next page), then count it once."""
        shard, page = body["shard"], body["page"]
        partner_ids, cursor = self.store.enrolled_partners(request.program.id, shard, body["cursor"], self.page_size)
        batches = [partner_ids[i : i + self.batch_size] for i in range(0, len(partner_ids), self.batch_size)]
        messages = [
            request.message(kind="batch", batch=f"{shard:02d}-{page:06d}-{n:03d}", partners=ids)
            for n, ids in enumerate(batches)
        ]
        if cursor:
            messages.append(request.message(kind="plan_page", shard=shard, page=page + 1, cursor=cursor))
        self.queue.enqueue(messages)  # before counting: a crash here re-enqueues the same ids, counted once
        adds = {"batches_planned": len(batches), "pages_pending": (1 if cursor else 0) - 1}
        if self.store.count_once(request.run_id, page_marker_sk(shard, page), adds):
            self._complete_if_done(request, self.store.run(request.run_id) or {})

    def partner_step(self, mode: str) -> Callable[[Program, str, datetime, Period], str | None]:
        """The per-partner step of a run's mode: a scheduled evaluation, or the daily projection."""
        return self.partners.evaluate_scheduled if mode == "evaluation" else self.projector.project_partner

    def batch(self, request: RunRequest, body: dict[str, Any]) -> None:
        """A batch of partners: each judged (an error of its own data recorded for it), then the batch counted once."""
        work = self.partner_step(request.mode)

        def one(partner_id: str) -> str | None:
            try:
                return work(request.program, partner_id, request.evaluated_at, request.period)
            except PARTNER_ERRORS as error:
                reason = f"{type(error).__name__}: {error}"[:1000]
                logger.exception("partner not evaluated", run_id=request.run_id, partner_id=partner_id)
                self.store.record_partner_error(request.run_id, partner_id, reason, self.clock().isoformat())
                return "error"

        # Partners are independent and their work is mostly waiting on DynamoDB: judged `concurrency` at a time, a
        # batch costs about a tenth of its partners' sequential round trips (bench/scale.py).
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="partner") as pool:
            statuses = Counter(status for status in pool.map(one, body["partners"]) if status is not None)
        # The per-partner work above is idempotent; the batch is counted once however often it is delivered.
        adds = {"batches_done": 1, "partners": sum(statuses.values())}
        adds.update({f"status_{status}": count for status, count in statuses.items()})
        if self.store.count_once(request.run_id, batch_marker_sk(body["batch"]), adds):
            self._complete_if_done(request, self.store.run(request.run_id) or {})

    def _complete_if_done(self, request: RunRequest, run: dict[str, Any]) -> None:
        planned = run.get("planned") and run.get("pages_pending", 0) == 0
        if not planned or run.get("batches_done", 0) < run.get("batches_planned", 0):
            return
        by_status = {k[len("status_") :]: int(v) for k, v in run.items() if k.startswith("status_")}
        errors = by_status.pop("error", 0)
        detail = EvaluationRunCompleted.model_validate(
            {
                "id": f"run#{request.run_id}",
                "run_id": request.run_id,
                "mode": request.mode,
                "program": request.program.id,
                "program_name": request.program.name,
                "period": request.period.to_dict(),
                "evaluated_at": request.evaluated_at.isoformat(),
                "partners": int(run.get("partners", 0)) - errors,
                "batches": int(run.get("batches_done", 0)),
                "by_status": by_status,
                # partners whose evaluation raised: each is kept with its reason under the run (RUN#.. ERROR#..)
                "errors": errors,
            }
        )
        owed = owes([Owed.of(detail)])
        if not self.store.complete_run(request.run_id, self.clock().isoformat(), owed):
            return
        logger.info("run completed", run_id=request.run_id, by_status=by_status, errors=errors)
