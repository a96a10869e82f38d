"""POST /events (HTTP API v2): validate and store a batch of partner activity events.

200 `{accepted, duplicates, rejected: [{index, event_id, error, message, field}]}`; 400 for a body that is not
JSON or has no `events` list; 413 past 500 events or 1 MB; 503 when storage stays throttled (safe to resend:
ingest is idempotent). Errors are `{"error", "message", "details"}`.
"""

import base64
from functools import cache
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from standing import config
from standing.adapters.ingest_store import StoreUnavailable
from standing.ingest.service import (
    ErrorModel,
    IngestResponseModel,
    IngestService,
    RequestError,
    parse_batch,
    service_from_config,
)

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()


@cache
def _service_for(events_table: str, state_table: str) -> IngestService:
    return service_from_config()


def service() -> IngestService:
    """The handler's service, built once per deployment (tests give the handler another one here)."""
    # Keyed by the resource names so a process serving several deployments (the local run) never mixes them.
    return _service_for(config.events_table(), config.state_table())


def _error(status: int, code: str, message: str, details: list[Any] | None = None) -> Response[dict[str, Any]]:
    body = {"error": code, "message": message, "details": details or []}
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def _json(model: type, description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model}}}


@app.post(
    "/events",
    summary="Send partner activity events",
    description=(
        'Body: `{"events": [envelope, ...]}`, at most 500 events and 1 MB. Each envelope is '
        "`{event_id, type, partner_id, occurred_at, data}`; the types and their JSON Schemas are in "
        "docs/events-catalogue.md and docs/events/. Idempotent: an event_id sent again with the same content "
        "is a duplicate with no effect; with other content it is rejected (`conflict`). Invalid events are "
        "rejected one by one with their index, id, field and reason; the rest of the batch is stored."
    ),
    tags=["events"],
    responses={
        200: _json(IngestResponseModel, "Batch processed: counts and the rejected events"),
        400: _json(
            ErrorModel,
            "Body is not UTF-8 JSON (`invalid_json`), nests too deep (`too_deeply_nested`) or has no `events` list "
            "(`missing_events`)",
        ),
        413: _json(ErrorModel, "More than 500 events (`too_many_events`) or over 1 MB (`payload_too_large`)"),
        503: _json(ErrorModel, "Storage throttled after retries (`unavailable`): resend the same batch"),
    },
)
@tracer.capture_method
def post_events() -> Response[dict[str, Any]]:
    try:
        events = parse_batch(_raw_body())
    except RequestError as exc:
        metrics.add_metric(name="RequestsRefused", unit=MetricUnit.Count, value=1)
        return _error(exc.status, exc.code, exc.message)
    try:
        result = service().ingest(events)
    except StoreUnavailable as exc:
        logger.warning("event store unavailable", extra={"code": str(exc)})
        return _error(HTTPStatus.SERVICE_UNAVAILABLE, "unavailable", "storage is busy; resend the same batch")
    metrics.add_metric(name="EventsAccepted", unit=MetricUnit.Count, value=result.accepted)
    metrics.add_metric(name="EventsDuplicate", unit=MetricUnit.Count, value=result.duplicates)
    metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=len(result.rejected))
    if result.rejected:
        logger.info("events rejected", extra={"rejected": [r.to_dict() for r in result.rejected[:50]]})
    return Response(status_code=HTTPStatus.OK, content_type=content_types.APPLICATION_JSON, body=result.to_dict())


def _raw_body() -> bytes:
    """The request body as sent: bytes, so a body that is not UTF-8 is refused by parse_batch with a 400 instead of
    failing to decode here."""
    event = app.current_event
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8", "surrogatepass")


@app.not_found
def not_found(_exc: Exception) -> Response[dict[str, Any]]:
    return _error(HTTPStatus.NOT_FOUND, "not_found", f"no route {app.current_event.path}")


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
