"""EvaluateQueue consumer: one planner page or one batch of partners per message."""

import json
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from standing import config
from standing.evaluate.runs import Evaluator
from standing.evaluate.wiring import evaluator_from_config

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def _evaluator_for(state_table: str, queue_url: str, at_risk_margin: str) -> Evaluator:
    return evaluator_from_config()


def evaluator() -> Evaluator:
    # Keyed by the deployment's settings so a process serving several deployments (the local run) never mixes them.
    return _evaluator_for(config.state_table(), config.evaluate_queue_url(), config.at_risk_margin())


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    evaluator().on_work(json.loads(record.body))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
