"""NotifyQueue consumer: each SQS message carries one bus event ("Partner Evaluated", "Partner At Risk",
"Membership Changed"); each becomes at most one email, exactly once (see standing.notify.service).

A retryable failure (SES throttling, a send claimed by a concurrent attempt) raises, so the message is reported as
a batch item failure and comes back later; a permanent one (rejected by SES, no address) is recorded on the send
record and counted in the `EmailsRejected` metric, and the message is done."""

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from standing import config
from standing.adapters import secrets
from standing.adapters.preferences import PreferencesStore
from standing.adapters.sends_store import SendsStore
from standing.adapters.ses import SesSender
from standing.notify.service import NotifyService, PartnerLinks

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)

METRIC_NAMES = {
    "sent": "EmailsSent",
    "duplicate": "EmailsDuplicate",
    "rejected": "EmailsRejected",
    "suppressed": "EmailsSuppressed",
    "stale": "WarningsStale",
    "ignored": "EventsIgnored",
    "unknown_partner": "EventsForUnknownPartners",
}


def service() -> NotifyService:
    # Keyed by the resource names so a process serving several deployments (the local run) never mixes them.
    return _service_for(
        config.state_table(), config.sender_identity(), config.ses_configuration_set(), config.public_base_url()
    )


@cache
def _service_for(state_table: str, sender: str, configuration_set: str, base_url: str) -> NotifyService:
    return NotifyService(
        SendsStore(state_table),
        SesSender(),
        PreferencesStore(state_table),
        sender_identity=sender,
        configuration_set=configuration_set,
        links=PartnerLinks(base_url, secrets.signing_keys),
    )


@tracer.capture_method
def record_handler(record: SQSRecord) -> str:
    event = record.json_body
    outcome = service().handle(event)
    metrics.add_metric(name=METRIC_NAMES[outcome.value], unit=MetricUnit.Count, value=1)
    logger.info(
        "notify",
        outcome=outcome.value,
        detail_type=event.get("detail-type"),
        partner_id=(event.get("detail") or {}).get("partner_id"),
    )
    return outcome.value


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
