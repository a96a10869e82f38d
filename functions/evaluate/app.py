"""Scheduler target: an evaluation run of one program, or the daily projection of every program."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from standing.evaluate import runs

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = runs.on_schedule(event)
    metrics.add_metric(name="RunsStarted", unit="Count", value=len(started))
    return {"runs": [r["run_id"] for r in started]}
