"""StateTable stream -> the bus: publishes the events each change owes (standing.outbox) and appends membership and
standing changes to the partner's history.

A record whose events EventBridge does not take is that record's batch item failure: the stream delivers it again
(from it on, in order) until they are taken, so an owed event is never lost; each carries a stable `id` for the
consumers to drop the duplicates a retry can make.

Every detail was validated by its contract (standing.contracts) when the change was written. One that no longer
passes (an item written by an older version, in flight across a deploy) is still published, never held back: it is
logged with what breaks and counted (`ContractViolations`), since a stream record that fails forever would stop
every later change of its shard.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from standing import contracts
from standing.adapters import bus, standing_store
from standing.adapters.ingest_store import deserialize
from standing.outbox import history_of, newly_owed

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def _images(record: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    change = record.get("dynamodb", {})
    new, old = change.get("NewImage"), change.get("OldImage")
    return (deserialize(new) if new else None), (deserialize(old) if old else None)


@tracer.capture_method
def record_handler(record: DynamoDBRecord) -> None:
    if record.raw_event.get("eventName") not in ("INSERT", "MODIFY"):
        return
    new, old = _images(record.raw_event)
    events = newly_owed(new, old)
    for event in events:
        problem = contracts.violation(event.detail_type, event.detail)
        if problem is not None:
            logger.error("owed event breaks its contract", detail_type=event.detail_type, id=event.detail.get("id"),
                         problem=problem)  # fmt: skip
            metrics.add_metric(name="ContractViolations", unit=MetricUnit.Count, value=1)
    if events:
        bus.publish([bus.BusEvent(e.detail_type, e.detail) for e in events])
        metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=len(events))
    entry = history_of(new, old)
    if entry is not None:
        standing_store.append_history(entry)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
