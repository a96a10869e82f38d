"""One bad partner never blocks the others (issue 11): a partner whose evaluation raises is recorded in the run as
an error with its reason, its batch-mates get their records, and the run still completes, once, with an error
count."""

from __future__ import annotations

import boto3

from tests.evaluate.conftest import profile

TIKI = "tiki-trusted-store"
RUN_ID = f"evaluation#{TIKI}#2024-07-01"


def test_a_partner_whose_evaluation_raises_is_recorded_and_the_run_completes(scenario):
    partners = ["tk-a", "tk-b", "tk-poison"]
    scenario.post([profile(p, "2024-06-01T09:00:00+07:00", [TIKI], category="high_value", region="VN")
                   for p in partners])  # fmt: skip
    # A profile stored before ingest bounded its dates (the year 1 at +01:00 overflows in the engine's time zone
    # arithmetic): what an operator finds in an old table.
    boto3.client("dynamodb").update_item(
        TableName=scenario.stack.name_of("StateTable"),
        Key={"pk": {"S": "P#tk-poison"}, "sk": {"S": "PROFILE"}},
        UpdateExpression="SET store_opened_at = :o",
        ExpressionAttributeValues={":o": {"S": "0001-01-01T00:00:00+01:00"}},
    )

    scenario.fire("TikiTrustedStoreSchedule", "2024-10-01T00:00", "Asia/Ho_Chi_Minh")

    assert [len(scenario.records(p, TIKI)) for p in partners] == [1, 1, 0]
    completed = [e["detail"] for e in scenario.bus_events() if e["detail-type"] == "Evaluation Run Completed"]
    assert len(completed) == 1
    assert (completed[0]["errors"], completed[0]["partners"]) == (1, 2)
    errors = boto3.client("dynamodb").query(
        TableName=scenario.stack.name_of("StateTable"),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :e)",
        ExpressionAttributeValues={":pk": {"S": f"RUN#{RUN_ID}"}, ":e": {"S": "ERROR#"}},
    )["Items"]
    assert [(e["partner_id"]["S"], e["reason"]["S"].split(":")[0]) for e in errors] == [("tk-poison", "OverflowError")]
