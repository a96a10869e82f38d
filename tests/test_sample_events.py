"""The real-shaped payloads in events/ (what `sam local invoke -e` takes) run through their handlers on the
deployed template."""

import json
from pathlib import Path

EVENTS = Path(__file__).resolve().parent.parent / "events"


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def test_scheduler_payloads_start_runs(stack):
    result = stack.invoke("EvaluateFunction", load("evaluate_schedule_kkday.json"))
    assert result == {"runs": ["evaluation#kkday-trusted-partner#2024-07-01"]}
    projection = stack.invoke("EvaluateFunction", load("evaluate_schedule_projection.json"))
    assert "projection#tiki-trusted-store#2024-07-20" in projection["runs"]


def test_worker_batch_of_unknown_partners_succeeds_and_writes_nothing(stack):
    stack.invoke("EvaluateFunction", load("evaluate_schedule_kkday.json"))
    result = stack.invoke("EvaluateWorkerFunction", load("evaluate_worker_sqs.json"))
    assert result == {"batchItemFailures": []}


def test_api_payloads_answer_with_json_errors_for_unknown_partners(stack):
    response = stack.invoke("ApiFunction", load("api_get_standing.json"))
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"] == "unknown_partner"
    response = stack.invoke("ApiFunction", load("api_post_membership.json"))
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"] == "not_enrolled"


def test_the_publisher_sample_puts_the_owed_event_and_writes_the_history(stack):
    import boto3

    result = stack.invoke("PublishFunction", load("publish_stream.json"))
    assert result == {"batchItemFailures": []}
    history = boto3.client("dynamodb").query(
        TableName=stack.name_of("StateTable"),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :h)",
        ExpressionAttributeValues={":pk": {"S": "P#tk-0042"}, ":h": {"S": "HIST#"}},
    )["Items"]
    assert [(h["kind"]["S"], h["before"]["S"], h["after"]["S"], h["by"]["S"]) for h in history] == [
        ("standing", "awarded", "suspended", "event:tk-0042-000311")
    ]


def test_the_feedback_sample_suppresses_the_bounced_address(stack):
    assert stack.invoke("FeedbackFunction", load("feedback_sqs_bounce.json")) == {"batchItemFailures": []}
