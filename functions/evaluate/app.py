"""Scheduler target: an evaluation run of one program, or the daily projection of every program."""

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from standing import config
from standing.evaluate.runs import Evaluator
from standing.evaluate.wiring import evaluator_from_config

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cache
def _evaluator_for(state_table: str, queue_url: str, at_risk_margin: str) -> Evaluator:
    return evaluator_from_config()


def evaluator() -> Evaluator:
    # Keyed by the deployment's settings so a process serving several deployments (the local run) never mixes them.
    return _evaluator_for(config.state_table(), config.evaluate_queue_url(), config.at_risk_margin())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = evaluator().on_schedule(event)
    metrics.add_metric(name="RunsStarted", unit="Count", value=len(started))
    return {"runs": [r["run_id"] for r in started]}
