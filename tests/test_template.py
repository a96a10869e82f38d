"""The template is the one source of truth: deployed into moto, every resource the code relies on exists with
the properties it relies on, and the code's configuration agrees with the template's."""

import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pytest
from pyawscron import AWSCron

from standing.rules import load_programs
from standing_local.template import load_sam

SAM = load_sam()
RESOURCES = SAM["Resources"]
SCHEDULES = {k: r["Properties"] for k, r in RESOURCES.items() if r["Type"] == "AWS::Scheduler::Schedule"}

# Environment each function's code reads through standing.config.
NEEDS = {
    "IngestFunction": {"EVENTS_TABLE_NAME", "RAW_EVENT_TTL_DAYS"},
    "IngestQueueFunction": {"EVENTS_TABLE_NAME", "RAW_EVENT_TTL_DAYS"},
    "AggregateFunction": {"EVENTS_TABLE_NAME", "STATE_TABLE_NAME", "EVENT_BUS_NAME"},
    "EvaluateFunction": {"STATE_TABLE_NAME", "EVENT_BUS_NAME", "EVALUATE_QUEUE_URL", "AT_RISK_MARGIN"},
    "EvaluateWorkerFunction": {"STATE_TABLE_NAME", "EVENT_BUS_NAME", "EVALUATE_QUEUE_URL", "AT_RISK_MARGIN"},
    "NotifyFunction": {
        "STATE_TABLE_NAME", "SENDER_IDENTITY", "SES_CONFIGURATION_SET", "SIGNING_SECRET_ID", "PUBLIC_BASE_URL"
    },
    "ApiFunction": {"STATE_TABLE_NAME", "EVENT_BUS_NAME", "AT_RISK_MARGIN", "SIGNING_SECRET_ID"},
}


def test_every_config_variable_is_set_somewhere():
    source = Path("layers/common/standing/config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'os\.environ\["([A-Z_]+)"\]', source))
    assert read == set().union(*NEEDS.values())


def test_tables_keys_indexes_stream_and_ttl(stack):
    ddb = boto3.client("dynamodb")
    events = ddb.describe_table(TableName=stack.name_of("EventsTable"))["Table"]
    assert events["KeySchema"] == [{"AttributeName": "event_id", "KeyType": "HASH"}]
    assert events["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
    assert events["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    state = ddb.describe_table(TableName=stack.name_of("StateTable"))["Table"]
    assert [k["AttributeName"] for k in state["KeySchema"]] == ["pk", "sk"]
    assert {i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]] for i in state["LocalSecondaryIndexes"]} == {
        "by_anchor": ["pk", "anchor_at"]
    }
    assert {i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]] for i in state["GlobalSecondaryIndexes"]} == {
        "by_enrolment": ["gsi1pk", "gsi1sk"]
    }
    for table in ("EventsTable", "StateTable"):
        ttl = ddb.describe_time_to_live(TableName=stack.name_of(table))["TimeToLiveDescription"]
        assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == "expires_at"
        props = RESOURCES[table]["Properties"]
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert props["SSESpecification"]["SSEEnabled"] is True


@pytest.mark.parametrize(
    "queue,dlq", [("IngestQueue", "IngestDLQ"), ("EvaluateQueue", "EvaluateDLQ"), ("NotifyQueue", "NotifyDLQ")]
)
def test_queues_redrive_to_their_dead_letter_queue(stack, queue, dlq):
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=stack.queue_url(queue), AttributeNames=["All"])
    redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == stack.queue_arn(dlq)
    assert int(redrive["maxReceiveCount"]) >= 3


def test_event_sources_and_functions(stack):
    sources = {(m.source, m.function) for m in stack.mappings}
    assert sources == {
        ("EventsTable", "AggregateFunction"),
        ("IngestQueue", "IngestQueueFunction"),
        ("EvaluateQueue", "EvaluateWorkerFunction"),
        ("NotifyQueue", "NotifyFunction"),
    }
    for logical_id, needed in NEEDS.items():
        assert needed <= set(stack.functions[logical_id].environment), logical_id
        assert stack.functions[logical_id].environment["POWERTOOLS_SERVICE_NAME"] == "standing"


def test_bus_rules_route_to_queues(stack):
    events = boto3.client("events")
    targets = {}
    for rule in events.list_rules(EventBusName=stack.bus_name)["Rules"]:
        arns = [
            t["Arn"] for t in events.list_targets_by_rule(Rule=rule["Name"], EventBusName=stack.bus_name)["Targets"]
        ]
        targets[json.dumps(json.loads(rule["EventPattern"]), sort_keys=True)] = arns
    assert any(stack.queue_arn("IngestQueue") in arns for arns in targets.values())
    notify = [p for p, arns in targets.items() if stack.queue_arn("NotifyQueue") in arns]
    assert notify and all(t in notify[0] for t in ("Partner Evaluated", "Partner At Risk", "Membership Changed"))


def test_every_route_of_the_api_is_served(stack):
    routes = {(r.method, r.path) for r in stack.routes}
    assert routes == {
        ("POST", "/events"),
        ("GET", "/programs"),
        ("GET", "/programs/{program_id}"),
        ("GET", "/partners/{partner_id}/standing"),
        ("GET", "/partners/{partner_id}/evaluations"),
        ("POST", "/partners/{partner_id}/programs/{program_id}/membership"),
        ("GET", "/portal/{token}"),
        ("POST", "/portal/{token}/membership"),
        ("GET", "/console"),
        ("POST", "/programs/{program_id}/simulations"),
        ("GET", "/simulations/{simulation_id}"),
        ("GET", "/simulations/{simulation_id}/results.csv"),
        ("POST", "/unsubscribe/{token}"),
    }
    assert RESOURCES["HttpApi"]["Properties"]["Auth"]["DefaultAuthorizer"] == "AWS_IAM"
    # Only the partner's page is open: its signed link token is the authorisation (partners cannot sign SigV4).
    unsigned = {
        event["Properties"]["Path"]
        for resource in RESOURCES.values()
        for event in resource.get("Properties", {}).get("Events", {}).values()
        if event["Type"] == "HttpApi" and event["Properties"].get("Auth", {}).get("Authorizer") == "NONE"
    }
    assert unsigned <= {"/portal/{token}", "/portal/{token}/membership", "/unsubscribe/{token}"}


def test_no_policy_grants_every_resource():
    text = json.dumps(SAM)
    assert '"Resource": "*"' not in text and '"Resource": ["*"]' not in text


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_expression_and_time_zone_are_valid(name):
    props = SCHEDULES[name]
    ZoneInfo(props["ScheduleExpressionTimezone"])
    expression = props["ScheduleExpression"]
    if expression.startswith("cron("):
        AWSCron(expression[5:-1])  # raises on a malformed AWS cron
        assert len(expression[5:-1].split()) == 6, "AWS cron has six fields"
    else:
        assert re.fullmatch(r"rate\(\d+ (minutes?|hours?|days?)\)", expression)
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert "DeadLetterConfig" in props["Target"] and "RetryPolicy" in props["Target"]
    payload = json.loads(props["Target"]["Input"])
    assert payload["scheduled_time"] == "<aws.scheduler.scheduled-time>"


def test_one_schedule_per_program_agreeing_with_its_yaml():
    programs = load_programs()
    by_program = {}
    for props in SCHEDULES.values():
        payload = json.loads(props["Target"]["Input"])
        if payload["kind"] == "evaluation":
            by_program[payload["program"]] = props
    assert set(by_program) == set(programs)
    for program_id, props in by_program.items():
        program = programs[program_id]
        assert props["ScheduleExpression"] == program.schedule.expression, program_id
        assert props["ScheduleExpressionTimezone"] == program.schedule.time_zone, program_id
        if program.schedule.start_at is not None:
            start = props["StartDate"].replace("Z", "+00:00")
            assert start == program.schedule.start_at.isoformat(), program_id
    assert any(json.loads(p["Target"]["Input"])["kind"] == "projection" for p in SCHEDULES.values())
