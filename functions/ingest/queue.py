"""Partner activity from the bus: EventBridge -> IngestQueue (SQS) -> this handler.

Each SQS message body is an EventBridge event whose `detail` is one event envelope or `{"events": [...]}`. Events
that fail validation are refused one by one (logged with their reason and counted in a metric), like the HTTP
path: they are not failures, so they are never retried. A message that is not an EventBridge event at all, or whose
detail is neither shape, is a failure with its reason logged: SQS moves it to the DLQ after `maxReceiveCount`
receives instead of retrying forever. Store throttling is a failure too (ReportBatchItemFailures), and retrying
is harmless: ingest is idempotent.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from standing import config
from standing.ingest.service import IngestService, RequestError, events_of, service_from_config

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


class MalformedMessage(Exception):
    """The message can never be ingested; it goes to the DLQ with this reason in the log."""


@cache
def _service_for(events_table: str, state_table: str) -> IngestService:
    return service_from_config()


def service() -> IngestService:
    """The handler's service, built once per deployment (tests give the handler another one here)."""
    # Keyed by the resource names so a process serving several deployments (the local run) never mixes them.
    return _service_for(config.events_table(), config.state_table())


def envelopes_of(body: str) -> list[Any]:
    try:
        message = json.loads(body, parse_float=Decimal)
    except ValueError as exc:
        raise MalformedMessage(f"body is not JSON: {exc}") from None
    if not isinstance(message, dict) or not isinstance(message.get("detail"), dict):
        raise MalformedMessage("body is not an EventBridge event with an object detail")
    detail = message["detail"]
    if "events" in detail:
        try:
            return events_of(detail)
        except RequestError as exc:
            raise MalformedMessage(f"{exc.code}: {exc.message}") from None
    return [detail]


@tracer.capture_method
def record_handler(record: SQSRecord) -> dict[str, Any]:
    try:
        envelopes = envelopes_of(record.body)
    except MalformedMessage as exc:
        metrics.add_metric(name="MalformedMessages", unit=MetricUnit.Count, value=1)
        logger.error("malformed message sent to the DLQ", extra={"message_id": record.message_id, "reason": str(exc)})
        raise
    result = service().ingest(envelopes)
    metrics.add_metric(name="EventsAccepted", unit=MetricUnit.Count, value=result.accepted)
    metrics.add_metric(name="EventsDuplicate", unit=MetricUnit.Count, value=result.duplicates)
    if result.rejected:
        metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=len(result.rejected))
        logger.warning(
            "events rejected",
            extra={"message_id": record.message_id, "rejected": [r.to_dict() for r in result.rejected]},
        )
    return result.to_dict()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
