"""EventsTable stream (filtered to partner-state events) -> partner state and standing
(see standing.ingest.partner_state).

Profiles, memberships, risk cases and voids are applied to the partner's state, then membership and risk-flag
events to standing, judged at once on the partner's events folded on read. A record whose own content makes any
of that raise is parked with its reason (standing.ingest.partner_state.DATA_ERRORS; `standing redrive` applies it
again) so it never blocks the shard; a transient failure (throttling) is that record's batch item failure, or
fails the batch, which the stream retries harmlessly: every step is idempotent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from standing import config
from standing.adapters.ingest_store import IngestStore, deserialize, stored_event
from standing.evaluate.wiring import standing_changes
from standing.ingest.partner_state import DATA_ERRORS, PartnerStateBatch, PartnerStateService
from standing.ingest.redrive import RedriveReport, redrive

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def _aggregator_for(events_table: str, state_table: str) -> PartnerStateService:
    return PartnerStateService(IngestStore.from_config())


def _aggregator() -> PartnerStateService:
    # Keyed by the resource names so a process serving several deployments (the local run) never mixes them.
    return _aggregator_for(config.events_table(), config.state_table())


def _image(record: dict[str, Any]) -> dict[str, Any] | None:
    if record.get("eventName") not in ("INSERT", "MODIFY"):
        return None  # REMOVE: an event expired (TTL): the windows that read it are over
    image = record.get("dynamodb", {}).get("NewImage")
    return stored_event(deserialize(image)) if image else None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse | dict[str, Any]:
    if event.get("redrive") is True:  # an operator's invocation: apply the parked events again
        redriven = redrive_parked()
        return {"applied": redriven.applied, "still_parked": redriven.still_parked}
    images = [i for i in (_image(r) for r in event.get("Records", [])) if i is not None]
    batch: PartnerStateBatch = _aggregator().begin(images)
    parked: set[str] = set()

    def park(image: dict[str, Any], reason: str) -> None:
        logger.error("event parked", event_id=image.get("event_id"), partner_id=image.get("partner_id"), reason=reason)
        _aggregator().store.park(image, reason, datetime.now(UTC).isoformat())
        parked.add(str(image.get("event_id")))

    def record_handler(record: DynamoDBRecord) -> None:
        image = _image(record.raw_event)
        if image is None:
            return
        try:
            batch.apply(image)
        except DATA_ERRORS as error:
            park(image, f"{type(error).__name__}: {error}"[:1000])

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    by_partner: dict[str, list[dict[str, Any]]] = {}
    for image in images:
        if str(image.get("event_id")) not in parked:
            by_partner.setdefault(str(image.get("partner_id")), []).append(image)
    # Membership and risk-flag events change standing at once, judged on the partner's events folded on read; one
    # partner's failure parks its events and leaves the others'.
    for partner_images in by_partner.values():
        try:
            standing_changes().apply_stored_events(partner_images)
        except DATA_ERRORS as error:
            for image in partner_images:
                park(image, f"{type(error).__name__}: {error}"[:1000])
    metrics.add_metric(name="EventsParked", unit=MetricUnit.Count, value=len(parked))
    metrics.add_metric(name="EventsApplied", unit=MetricUnit.Count, value=len(images) - len(parked))
    return response


def redrive_parked() -> RedriveReport:
    """Apply every parked event again (`standing redrive`, or this function invoked with `{"redrive": true}`)."""
    return redrive(_aggregator(), standing_changes().apply_stored_events, lambda: datetime.now(UTC).isoformat())
