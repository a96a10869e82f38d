"""EventsTable stream -> entity state and daily aggregates (see standing.aggregate).

Each record is folded into its entity (a failure there is that record's batch item failure); then the partner-days
the batch touched are recomputed, one write each. If that recompute fails the whole batch is retried, which is
harmless: every step is idempotent.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from standing import catalog, config
from standing.adapters.ingest_store import IngestStore, deserialize
from standing.aggregate import AggregationBatch, Aggregator
from standing.evaluate import changes

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def _zone_of() -> dict[str, str]:
    return {program_id: program.time_zone for program_id, program in catalog.programs().items()}


def zones_for(programs: list[str]) -> set[str]:
    """The time zones a partner's days are kept in: those of the programs it is enrolled in."""
    zone_of = _zone_of()
    unknown = [p for p in programs if p not in zone_of]
    if unknown:
        logger.warning("profile names programs that are not configured", extra={"programs": unknown})
    return {zone_of[p] for p in programs if p in zone_of}


@cache
def _aggregator_for(events_table: str, state_table: str) -> Aggregator:
    return Aggregator(IngestStore.from_config(), zones_for)


def _aggregator() -> Aggregator:
    # Keyed by the resource names so a process serving several deployments (the local run) never mixes them.
    return _aggregator_for(config.events_table(), config.state_table())


def _image(record: dict[str, Any]) -> dict[str, Any] | None:
    if record.get("eventName") not in ("INSERT", "MODIFY"):
        return None  # REMOVE: a raw event expired (TTL); its effect on entities stays
    image = record.get("dynamodb", {}).get("NewImage")
    return deserialize(image) if image else None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    images = [i for i in (_image(r) for r in event.get("Records", [])) if i is not None]
    batch: AggregationBatch = _aggregator().begin(images)

    def record_handler(record: DynamoDBRecord) -> None:
        image = _image(record.raw_event)
        if image is not None:
            batch.apply(image)

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    report = batch.finish()
    # Membership and risk-flag events change standing at once, judged on the days just recomputed.
    changes.apply_stored_events(images)
    metrics.add_metric(name="EventsFolded", unit=MetricUnit.Count, value=len(images))
    metrics.add_metric(name="DaysWritten", unit=MetricUnit.Count, value=report.days_written)
    metrics.add_metric(name="DaysStale", unit=MetricUnit.Count, value=report.days_stale)
    return response
