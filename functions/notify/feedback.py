"""SES feedback (the configuration set's bounce and complaint events, via EventBridge and FeedbackQueue): an address
that bounced for good or complained gets no more mail from Standing (standing.adapters.preferences).

A transient bounce (mailbox full, try later) suppresses nothing. Recording is idempotent, so a redelivered message
is harmless; a message that is not an SES event at all is a failure and reaches the DLQ.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from standing import config
from standing.adapters.preferences import PreferencesStore

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def _store_for(state_table: str) -> PreferencesStore:
    return PreferencesStore(state_table)


def suppressions(event: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(address, reason, detail) to suppress for one SES event as EventBridge delivers it."""
    detail = event.get("detail")
    if event.get("source") != "aws.ses" or not isinstance(detail, dict):
        raise ValueError("not an SES event delivered by EventBridge")
    kind = str(detail.get("eventType", "")).lower()
    if kind == "bounce":
        bounce = detail.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return []  # a transient bounce: the next mail may well arrive
        why = f"{bounce.get('bounceType')}/{bounce.get('bounceSubType', '')}"
        return [(str(r["emailAddress"]), "bounce", why) for r in bounce.get("bouncedRecipients", [])]
    if kind == "complaint":
        complaint = detail.get("complaint") or {}
        why = str(complaint.get("complaintFeedbackType") or "complaint")
        return [(str(r["emailAddress"]), "complaint", why) for r in complaint.get("complainedRecipients", [])]
    return []


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    store = _store_for(config.state_table())
    for address, reason, why in suppressions(json.loads(record.body)):
        store.suppress(address, reason, datetime.now(UTC), why)
        metrics.add_metric(name="AddressesSuppressed", unit=MetricUnit.Count, value=1)
        logger.warning("address suppressed", reason=reason, detail=why)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
