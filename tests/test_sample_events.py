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
