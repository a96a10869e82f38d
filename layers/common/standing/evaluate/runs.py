"""Evaluation runs that fan out: a Scheduler payload becomes a run, the run becomes planner pages (one per
shard of the enrolment index), each page becomes partner batches on EvaluateQueue. No invocation handles more
than one page of partner ids or one batch of partners, so a run completes for any number of partners.

Run id = mode, program and period (or day, for projections): firing the same schedule twice is the same run.
Every page and batch is claimed once in the run record, so a redelivered message neither re-plans nor recounts,
and "Evaluation Run Completed" is published exactly once, by whoever finishes the last batch or page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from standing import catalog
from standing.adapters import queue, standing_store
from standing.adapters.tables import batch_marker_sk, page_marker_sk
from standing.contracts import EvaluationRunCompleted
from standing.evaluate import partner, projection, simulation
from standing.keys import ENROLMENT_SHARDS
from standing.outbox import Owed, owes
from standing.rules import Period, Program, ProgramError

logger = Logger(child=True)

PAGE_SIZE = 1000  # partner ids read from the enrolment index per planner page
BATCH_SIZE = 100  # partners per worker batch
PARTNER_CONCURRENCY = 16  # partners of a batch judged at once (the repositories share one thread-safe client)


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
    def from_message(cls, body: dict[str, Any]) -> RunRequest:
        return cls(
            body["mode"],
            catalog.program(body["program"]),
            datetime.fromisoformat(body["evaluated_at"]),
            Period.from_dict(body["period"]),
        )


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def on_schedule(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """A Scheduler payload: start an evaluation run of one program, or projection runs of all programs."""
    at = parse_time(payload["scheduled_time"])
    if payload["kind"] == "evaluation":
        program = catalog.program(payload["program"])
        if program.first_evaluation is not None and program.evaluation_anchor(at) < program.first_evaluation:
            logger.info("not due yet", program=program.id, first_evaluation=program.first_evaluation.isoformat())
            return []
        requests = [RunRequest("evaluation", program, at, program.period_for(at))]
    elif payload["kind"] == "projection":
        # A program with no version in force yet (before its launch) has nothing to project.
        requests = [
            RunRequest("projection", p, at, p.current_period(at))
            for p in catalog.programs().values()
            if any(version.in_force(at) for version in p.versions)
        ]
    else:
        raise ValueError(f"unknown schedule kind {payload['kind']!r}")
    return [start(request) for request in requests]


def start(request: RunRequest) -> dict[str, Any]:
    """Plan a run: read the first page of every enrolment shard (bounded: shards x PAGE_SIZE ids), pool the ids
    into batches of BATCH_SIZE, and enqueue them with a continuation page for each shard that has more. A run
    planned before is left to finish as it is; one whose planner died before recording is planned again (the
    batch ids are deterministic, so a batch enqueued twice is still counted once)."""
    detail = request.message()
    if standing_store.run_planned(request.run_id):
        logger.info("run already planned", run_id=request.run_id)
        return detail
    ids: list[str] = []
    messages = []
    for shard in range(ENROLMENT_SHARDS):
        page_ids, cursor = standing_store.enrolled_partners(request.program.id, shard, None, PAGE_SIZE)
        ids += page_ids
        if cursor:
            messages.append(request.message(kind="plan_page", shard=shard, page=1, cursor=cursor))
    batches = [
        request.message(kind="batch", batch=f"first-{n:05d}", partners=sorted(ids)[i : i + BATCH_SIZE])
        for n, i in enumerate(range(0, len(ids), BATCH_SIZE))
    ]
    queue.enqueue(batches + messages)
    run = standing_store.record_plan(request.run_id, detail, batches=len(batches), pages=len(messages))
    if run is not None:
        logger.info("run planned", run_id=request.run_id, partners=len(ids), batches=len(batches))
        _complete_if_done(request, run)
    return detail


def on_work(body: dict[str, Any]) -> None:
    """One EvaluateQueue message: a planner page or a partner batch (of a run, or of a simulation)."""
    if body.get("mode") == "simulation":
        simulation.on_work(body)  # backtest of a draft: writes only under its own id
        return
    request = RunRequest.from_message(body)
    if body["kind"] == "plan_page":
        _plan_page(request, body)
    elif body["kind"] == "batch":
        _batch(request, body)
    else:
        raise ValueError(f"unknown work kind {body['kind']!r}")


def _plan_page(request: RunRequest, body: dict[str, Any]) -> None:
    """A continuation page of one shard: enqueue its batches (and the next page), then count it once."""
    shard, page = body["shard"], body["page"]
    partner_ids, cursor = standing_store.enrolled_partners(request.program.id, shard, body["cursor"], PAGE_SIZE)
    batches = [partner_ids[i : i + BATCH_SIZE] for i in range(0, len(partner_ids), BATCH_SIZE)]
    messages = [
        request.message(kind="batch", batch=f"{shard:02d}-{page:06d}-{n:03d}", partners=ids)
        for n, ids in enumerate(batches)
    ]
    if cursor:
        messages.append(request.message(kind="plan_page", shard=shard, page=page + 1, cursor=cursor))
    queue.enqueue(messages)  # before counting: a crash here re-enqueues the same ids, which are counted once
    adds = {"batches_planned": len(batches), "pages_pending": (1 if cursor else 0) - 1}
    if standing_store.count_once(request.run_id, page_marker_sk(shard, page), adds):
        _complete_if_done(request, standing_store.run(request.run_id) or {})


# What one partner's own data can make the engine raise (a date out of range, a corrupt stored item, a program
# that cannot judge it): recorded for that partner, and the batch goes on. Anything else (throttling, a store
# outage, a lost race) fails the batch, which SQS redelivers; every partner's work is idempotent.
PARTNER_ERRORS = (ArithmeticError, LookupError, TypeError, ValueError, ProgramError)


def _batch(request: RunRequest, body: dict[str, Any]) -> None:
    work: Callable[[Program, str, datetime, Period], str | None] = (
        partner.evaluate_scheduled if request.mode == "evaluation" else projection.project_partner
    )

    def one(partner_id: str) -> str | None:
        try:
            return work(request.program, partner_id, request.evaluated_at, request.period)
        except PARTNER_ERRORS as error:
            reason = f"{type(error).__name__}: {error}"[:1000]
            logger.exception("partner not evaluated", run_id=request.run_id, partner_id=partner_id)
            standing_store.record_partner_error(request.run_id, partner_id, reason, datetime.now(UTC).isoformat())
            return "error"

    # Partners are independent and their work is mostly waiting on DynamoDB: judged PARTNER_CONCURRENCY at a time,
    # a batch costs about a tenth of its partners' sequential round trips (bench/scale.py).
    with ThreadPoolExecutor(max_workers=PARTNER_CONCURRENCY, thread_name_prefix="partner") as pool:
        statuses = Counter(status for status in pool.map(one, body["partners"]) if status is not None)
    # The per-partner work above is idempotent; the batch is counted once however often it is delivered.
    adds = {"batches_done": 1, "partners": sum(statuses.values())}
    adds.update({f"status_{status}": count for status, count in statuses.items()})
    if standing_store.count_once(request.run_id, batch_marker_sk(body["batch"]), adds):
        _complete_if_done(request, standing_store.run(request.run_id) or {})


def _complete_if_done(request: RunRequest, run: dict[str, Any]) -> None:
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
    if not standing_store.complete_run(request.run_id, datetime.now(UTC).isoformat(), owed):
        return
    logger.info("run completed", run_id=request.run_id, by_status=by_status, errors=errors)
