"""The three ingest handlers, run as plain functions on the real-shaped payloads in events/."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from functions.ingest import aggregate as aggregate_handler
from functions.ingest import app as http_handler
from functions.ingest import queue as queue_handler
from standing import config
from standing.adapters.ingest_store import IngestStore, StoreUnavailable
from standing.ingest.partner_state import STATE_TYPES
from standing.ingest.service import IngestService
from tests.ingest.conftest import Pipeline, StreamReader, event
from tests.ingest.test_ingest import RaisingClient

EVENTS = Path(__file__).resolve().parents[2] / "events"


def load(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


class Context:
    function_name = "standing-test-ingest"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:standing-test-ingest"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


@pytest.fixture(autouse=True)
def fresh_handlers(aws: Any) -> Iterator[None]:
    for cached in (http_handler._service_for, queue_handler._service_for, aggregate_handler._aggregator_for):
        cached.cache_clear()
    yield


def post(body: str | bytes, *, base64_encoded: bool = False) -> dict[str, Any]:
    request = load("ingest_http_post_events.json")
    if base64_encoded:
        raw = body if isinstance(body, bytes) else body.encode()
        request["body"], request["isBase64Encoded"] = base64.b64encode(raw).decode(), True
    else:
        request["body"] = body
    response = http_handler.lambda_handler(request, Context())
    response["json"] = json.loads(response["body"])
    return response


def test_http_sample_is_stored_and_folded_on_read(aws: Any) -> None:
    response = http_handler.lambda_handler(load("ingest_http_post_events.json"), Context())
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    assert json.loads(response["body"]) == {"accepted": 20, "duplicates": 0, "rejected": []}
    again = http_handler.lambda_handler(load("ingest_http_post_events.json"), Context())
    assert json.loads(again["body"]) == {"accepted": 0, "duplicates": 20, "rejected": []}

    records = StreamReader(aws).read()
    assert len(records) == 20
    state = [r for r in records if r["dynamodb"]["NewImage"]["t"]["S"] in STATE_TYPES]  # the template's filter
    assert aggregate_handler.lambda_handler({"Records": state}, Context()) == {"batchItemFailures": []}
    store = IngestStore(aws, config.events_table(), config.state_table())
    assert store.get_state("partner-0042", "A#Asia/Taipei#2024-07-01") is None  # nothing derived per event
    day = Pipeline(aws, []).day("partner-0042", "Asia/Taipei", "2024-07-01")
    assert day is not None
    assert day.counts["orders_placed"] == 2
    assert "orders_cancelled" not in day.counts  # evt-0007 was voided by evt-0018
    assert day.counts["messages_replied_within_12h"] == 1
    enrolment = store.get_state("partner-0042", "ENROL#kkday-trusted-partner")
    assert enrolment is not None and enrolment["membership"] == "opted_out" and enrolment["enrolled"] is True


def test_http_refusals() -> None:
    assert post("{not json")["statusCode"] == 400
    assert post("{not json")["json"]["error"] == "invalid_json"
    for body in ("[]", '{"events": {}}', '{"evts": []}'):
        response = post(body)
        assert (response["statusCode"], response["json"]["error"]) == (400, "missing_events")
        assert set(response["json"]) == {"error", "message", "details"}
    too_many = json.dumps({"events": [{}] * 501})
    assert (post(too_many)["statusCode"], post(too_many)["json"]["error"]) == (413, "too_many_events")
    large = json.dumps({"events": [], "padding": "x" * (1024 * 1024)})
    assert (post(large)["statusCode"], post(large)["json"]["error"]) == (413, "payload_too_large")


def test_http_base64_body_and_per_event_rejections() -> None:
    body = json.dumps(
        {
            "events": [
                event("e1", "order.confirmed", "2024-07-01T00:00:00Z", order_id="o1"),
                event("e2", "order.exploded", "2024-07-01T00:00:00Z", order_id="o1"),
                event("e3", "review.submitted", "2024-07-01T00:00:00Z", review_id="r", rating=11, scale=10),
            ]
        }
    )
    response = post(body, base64_encoded=True)
    assert response["statusCode"] == 200
    assert response["json"]["accepted"] == 1
    assert [(r["index"], r["event_id"], r["error"], r["field"]) for r in response["json"]["rejected"]] == [
        (1, "e2", "unknown_type", "type"),
        (2, "e3", "invalid_event", "data.rating"),
    ]


def test_http_store_unavailable_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    service = IngestService(IngestStore(RaisingClient("ThrottlingException"), "e", "s"), 400)
    monkeypatch.setattr(http_handler, "service", lambda: service)
    response = post(json.dumps({"events": [event("e1", "order.confirmed", "2024-07-01T00:00:00Z", order_id="o")]}))
    assert (response["statusCode"], response["json"]["error"]) == (503, "unavailable")


def test_sqs_sample_and_the_same_batch_twice(aws: Any) -> None:
    batch = load("ingest_sqs_from_bus.json")
    assert queue_handler.lambda_handler(batch, Context()) == {"batchItemFailures": []}
    assert queue_handler.lambda_handler(batch, Context()) == {"batchItemFailures": []}
    assert aws.scan(TableName=config.events_table(), Select="COUNT")["Count"] == 3
    assert len(StreamReader(aws).read()) == 3  # the second delivery wrote nothing


def test_sqs_malformed_message_fails_alone_and_rejected_events_are_not_failures() -> None:
    batch = load("ingest_sqs_from_bus.json")
    good = batch["Records"][0]
    malformed = dict(good, messageId="bad-1", body="not json at all")
    no_detail = dict(good, messageId="bad-2", body=json.dumps({"detail-type": "Partner Activity"}))
    too_many = dict(good, messageId="bad-3", body=json.dumps({"detail": {"events": [{}] * 501}}))
    invalid_event = dict(good, messageId="ok-2", body=json.dumps({"detail": {"event_id": "x", "type": "nope"}}))
    response = queue_handler.lambda_handler(
        {"Records": [good, malformed, no_detail, too_many, invalid_event]}, Context()
    )
    assert response == {
        "batchItemFailures": [{"itemIdentifier": "bad-1"}, {"itemIdentifier": "bad-2"}, {"itemIdentifier": "bad-3"}]
    }


def test_sqs_throttled_store_is_a_retried_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    service = IngestService(IngestStore(RaisingClient("ProvisionedThroughputExceededException"), "e", "s"), 400)
    monkeypatch.setattr(queue_handler, "service", lambda: service)
    batch = load("ingest_sqs_from_bus.json")
    with pytest.raises(BatchProcessingError):  # every record failed: the invocation fails and SQS redelivers
        queue_handler.lambda_handler(batch, Context())


def test_stream_sample_and_its_replay(aws: Any) -> None:
    """The stream sample: a profile, an opt-in, a fraud flag and its void. Applied twice, the state is the same."""
    batch = load("aggregate_stream.json")
    assert aggregate_handler.lambda_handler(batch, Context()) == {"batchItemFailures": []}
    store = IngestStore(aws, config.events_table(), config.state_table())

    def state() -> list[Any]:  # `ver` only versions the case's derived `open`: a replay may move it
        return [{k: v for k, v in (store.get_state("partner-0042", sk) or {}).items() if k != "ver"} for sk in
                ("PROFILE", "ENROL#booking-preferred-property", "N#F#fraud#case-77")]  # fmt: skip

    profile, enrolment, case = first = state()
    assert profile is not None and profile["locale"] == "zh-TW"
    # Booking grants an opt-in only if the criteria are met now, judged on the events folded on read: none yet.
    assert enrolment is not None and enrolment["enrolled"] is True and enrolment["membership"] == "never_joined"
    assert case is not None and case["open"] is False  # raised, then voided
    assert aggregate_handler.lambda_handler(batch, Context()) == {"batchItemFailures": []}
    assert state() == first


def test_a_record_that_cannot_be_applied_is_parked_not_failed(aws: Any) -> None:
    batch = load("aggregate_stream.json")
    broken = json.loads(json.dumps(batch["Records"][2]))
    broken["dynamodb"]["NewImage"]["d"]["M"].pop("case_id")  # cannot be placed on a risk case
    response = aggregate_handler.lambda_handler({"Records": [batch["Records"][0], broken]}, Context())
    assert response == {"batchItemFailures": []}  # retrying would fail the same way and block the shard
    store = IngestStore(aws, config.events_table(), config.state_table())
    assert [(p["event_id"], p["reason"]) for p in store.parked()] == [("evt-0003", "KeyError: 'case_id'")]


def test_a_transient_record_failure_is_reported_by_sequence_number(monkeypatch: pytest.MonkeyPatch) -> None:
    batch = load("aggregate_stream.json")
    throttled = batch["Records"][2]
    real = IngestStore.record_event

    def record_event(self: IngestStore, partner_id: str, sk: str, attribute: str, *args: Any, **kwargs: Any) -> Any:
        if attribute == "e#evt-0003":
            raise StoreUnavailable("ProvisionedThroughputExceededException")
        return real(self, partner_id, sk, attribute, *args, **kwargs)

    monkeypatch.setattr(IngestStore, "record_event", record_event)
    response = aggregate_handler.lambda_handler({"Records": batch["Records"][:3]}, Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": throttled["dynamodb"]["SequenceNumber"]}]}


def test_pipeline_fixture_matches_handlers(pipeline: Pipeline) -> None:
    result = pipeline.send([event("e1", "order.confirmed", "2024-07-01T00:00:00Z", order_id="o1")])
    assert result.accepted == 1


def test_http_unknown_route_is_a_json_404() -> None:
    request = load("ingest_http_post_events.json")
    request["rawPath"] = request["requestContext"]["http"]["path"] = "/dev/nothing"
    request["routeKey"] = request["requestContext"]["routeKey"] = "POST /nothing"
    response = http_handler.lambda_handler(request, Context())
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"] == "not_found"


def test_openapi_documents_post_events() -> None:
    spec = json.loads(http_handler.app.get_openapi_json_schema(title="Standing API", version="1.0.0"))
    operation = spec["paths"]["/events"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "413", "503"}
    assert set(spec["components"]["schemas"]["IngestResponseModel"]["properties"]) == {
        "accepted",
        "duplicates",
        "rejected",
    }
