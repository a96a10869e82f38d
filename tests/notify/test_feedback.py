"""SES feedback (issue 11): an address that bounces for good or complains gets no more mail, and the partner's
standing shows it; a transient bounce changes nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from functions.notify import feedback
from standing import config
from standing.adapters.preferences import PreferencesStore
from standing.notify.service import Outcome
from tests.notify import samples
from tests.notify.test_handler import Context

SAMPLE = Path(__file__).resolve().parents[2] / "events" / "feedback_sqs_bounce.json"


def batch_with(mutate=None) -> dict:
    batch = json.loads(SAMPLE.read_text(encoding="utf-8"))
    body = json.loads(batch["Records"][0]["body"])
    if mutate:
        mutate(body)
    batch["Records"][0]["body"] = json.dumps(body)
    return batch


def test_a_permanent_bounce_suppresses_the_address_and_notify_stops(aws, service, outbox):
    assert feedback.lambda_handler(batch_with(), Context()) == {"batchItemFailures": []}
    assert PreferencesStore(config.state_table()).suppression("ops@sunrise.example")["reason"] == "bounce"
    assert service.handle(samples.bus_event("Partner Evaluated", samples.kkday_evaluated())) is Outcome.SUPPRESSED
    assert outbox() == []


def test_a_complaint_suppresses_and_a_transient_bounce_does_not(aws):
    def complaint(body):
        body["detail-type"] = "Email Complaint Received"
        body["detail"] = {"eventType": "Complaint", "mail": body["detail"]["mail"],
                          "complaint": {"complainedRecipients": [{"emailAddress": "stay@banrimnam.example"}],
                                        "complaintFeedbackType": "abuse"}}  # fmt: skip

    def transient(body):
        body["detail"]["bounce"]["bounceType"] = "Transient"
        body["detail"]["bounce"]["bouncedRecipients"][0]["emailAddress"] = "shop@phuongnam.example"

    assert feedback.lambda_handler(batch_with(complaint), Context()) == {"batchItemFailures": []}
    assert feedback.lambda_handler(batch_with(transient), Context()) == {"batchItemFailures": []}
    store = PreferencesStore(config.state_table())
    assert store.suppression("stay@banrimnam.example")["reason"] == "complaint"
    assert store.suppression("shop@phuongnam.example") is None


def test_a_message_that_is_not_ses_feedback_fails_to_the_dlq(aws):
    batch = batch_with(lambda body: body.update(source="someone.else"))
    with pytest.raises(BatchProcessingError):  # every record failed: the queue redrives it to the DLQ
        feedback.lambda_handler(copy.deepcopy(batch), Context())
