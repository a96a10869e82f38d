"""The notify Lambda handler on the real-shaped sample batch in events/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import samples
from test_service import FlakySes

from functions.notify import app
from standing.adapters.preferences import PreferencesStore
from standing.adapters.sends_store import SendsStore
from standing.adapters.ses import SesSender
from standing.notify.service import NotifyService
from tests.notify.conftest import CONFIG_SET, SENDER, links

EVENT = Path(__file__).resolve().parents[2] / "events" / "notify_sqs_batch.json"


@dataclass
class Context:
    function_name: str = "standing-notify"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:standing-notify"
    aws_request_id: str = "5e1c6b1a-2f0e-4b8e-9a6d-1f2e3d4c5b6a"


@pytest.fixture(autouse=True)
def fresh_service():
    """The handler keeps its service for the life of the container; each test gets its own (and its moto)."""
    app._service_for.cache_clear()
    yield
    app._service_for.cache_clear()


@pytest.fixture
def handler_service(aws, monkeypatch):
    def use(ses_client=None):
        service = NotifyService(
            SendsStore(app.config.state_table()),  # the same table the aws fixture created
            SesSender(ses_client),
            PreferencesStore(app.config.state_table()),
            sender_identity=SENDER,
            configuration_set=CONFIG_SET,
            links=links(),
        )
        monkeypatch.setattr(app, "service", lambda: service)

    return use


def test_sample_batch_sends_one_email_even_when_delivered_twice(aws, outbox):
    batch = json.loads(EVENT.read_text())
    assert app.lambda_handler(batch, Context()) == {"batchItemFailures": []}
    assert app.lambda_handler(batch, Context()) == {"batchItemFailures": []}
    (message,) = outbox()
    assert message["To"].addresses[0].addr_spec == "ops@sunrise.example"
    assert message["Content-Language"] == "th"
    assert "Chiang Mai Trekking" in message.get_body(("html",)).get_content()


def test_throttled_message_is_reported_as_a_batch_item_failure(handler_service, outbox):
    handler_service(FlakySes("TooManyRequestsException"))
    evaluated = samples.sqs_record(samples.bus_event("Partner Evaluated", samples.kkday_evaluated()), "m-1")
    warning = samples.sqs_record(samples.bus_event("Partner At Risk", samples.at_risk()), "m-2")
    result = app.lambda_handler({"Records": [evaluated, warning]}, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}  # first send throttled, second went out
    assert len(outbox()) == 1
    assert app.lambda_handler({"Records": [evaluated]}, Context()) == {"batchItemFailures": []}  # the retry
    assert len(outbox()) == 2


def test_rejected_message_is_not_retried(handler_service, outbox):
    handler_service(FlakySes("MessageRejected", failures=5))
    record = samples.sqs_record(samples.bus_event("Partner Evaluated", samples.kkday_evaluated()))
    assert app.lambda_handler({"Records": [record]}, Context()) == {"batchItemFailures": []}
    assert outbox() == []
