"""The template is the one source of truth: deployed into moto, every resource the code relies on exists with
the properties it relies on, and the code's configuration agrees with the template's."""

import fnmatch
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pytest
from pyawscron import AWSCron

from standing.adapters import tables
from standing.rules import load_programs
from standing_local.template import load_sam, transform_template

SAM = load_sam()
RESOURCES = SAM["Resources"]
SCHEDULES = {k: r["Properties"] for k, r in RESOURCES.items() if r["Type"] == "AWS::Scheduler::Schedule"}

# Environment each function's code reads through standing.config.
NEEDS = {
    "IngestFunction": {"EVENTS_TABLE_NAME", "RAW_EVENT_TTL_DAYS"},
    "IngestQueueFunction": {"EVENTS_TABLE_NAME", "RAW_EVENT_TTL_DAYS"},
    "AggregateFunction": {"EVENTS_TABLE_NAME", "STATE_TABLE_NAME"},  # every function reads EVENTS_TABLE_NAME
    # (Globals): whatever judges a partner folds its events on read
    "PublishFunction": {"STATE_TABLE_NAME", "EVENT_BUS_NAME"},  # the only function that puts events on the bus
    "EvaluateFunction": {"STATE_TABLE_NAME", "EVALUATE_QUEUE_URL", "AT_RISK_MARGIN"},
    "EvaluateWorkerFunction": {"STATE_TABLE_NAME", "EVENTS_TABLE_NAME", "EVALUATE_QUEUE_URL", "AT_RISK_MARGIN"},
    "NotifyFunction": {
        "STATE_TABLE_NAME",
        "SENDER_IDENTITY",
        "SES_CONFIGURATION_SET",
        "SIGNING_SECRET_ID",
        "PUBLIC_BASE_URL",
    },
    "ApiFunction": {"STATE_TABLE_NAME", "EVENTS_TABLE_NAME", "AT_RISK_MARGIN", "SIGNING_SECRET_ID"},
    "FeedbackFunction": {"STATE_TABLE_NAME"},
}


def test_every_config_variable_is_set_somewhere():
    source = Path("layers/common/standing/config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'os\.environ\["([A-Z_]+)"\]', source))
    assert read == set().union(*NEEDS.values())


def test_tables_keys_indexes_stream_and_ttl(stack):
    ddb = boto3.client("dynamodb")
    events = ddb.describe_table(TableName=stack.name_of("EventsTable"))["Table"]
    assert [(k["AttributeName"], k["KeyType"]) for k in events["KeySchema"]] == [("pk", "HASH"), ("sk", "RANGE")]
    assert events["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
    assert events["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    state = ddb.describe_table(TableName=stack.name_of("StateTable"))["Table"]
    assert [k["AttributeName"] for k in state["KeySchema"]] == ["pk", "sk"]
    assert not state.get("LocalSecondaryIndexes")  # no per-entity index copy: days are folded on read
    assert {i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]] for i in state["GlobalSecondaryIndexes"]} == {
        "by_enrolment": ["gsi1pk", "gsi1sk"]
    }
    for table, expiry in (("EventsTable", tables.EventItem.expires_at.attr_name), ("StateTable", "expires_at")):
        ttl = ddb.describe_time_to_live(TableName=stack.name_of(table))["TimeToLiveDescription"]
        assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == expiry
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
        ("StateTable", "PublishFunction"),  # the outbox
        ("IngestQueue", "IngestQueueFunction"),
        ("EvaluateQueue", "EvaluateWorkerFunction"),
        ("NotifyQueue", "NotifyFunction"),
        ("FeedbackQueue", "FeedbackFunction"),  # SES bounces and complaints
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
        ("GET", "/partners/{partner_id}/history"),
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
    # A KMS key policy's "*" means the key itself, not every resource.
    text = json.dumps({k: r for k, r in RESOURCES.items() if r["Type"] != "AWS::KMS::Key"})
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


# ---------------------------------------------------------------------------------------------- operations (issue 11)
FUNCTIONS = {k: r["Properties"] for k, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"}
ALARMS = {k: r["Properties"] for k, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
CFN = transform_template(SAM, {"Stage": "test", "SenderIdentity": "standing@example.com"})[0]["Resources"]


def _stage_name(value, stage="dev"):
    """`!Sub standing-${Stage}-x` -> `standing-dev-x`."""
    return value["Fn::Sub"].replace("${Stage}", stage)


def _dead_letter_queues():
    """Every queue the template names as a dead-letter target: queue redrive, rule, schedule and event source
    dead-letter configs, on-failure destinations."""
    found = set()

    def walk(node, under_dead_letter=False):
        if isinstance(node, dict):
            if under_dead_letter and set(node) == {"Fn::GetAtt"} and node["Fn::GetAtt"][1] == "Arn":
                found.add(node["Fn::GetAtt"][0])
            for key, value in node.items():
                walk(value, under_dead_letter or key in {"deadLetterTargetArn", "DeadLetterConfig", "OnFailure"})
        elif isinstance(node, list):
            for value in node:
                walk(value, under_dead_letter)

    walk(RESOURCES)
    return found


def _alarms_on(namespace, metric, dimension, value):
    return [
        a
        for a in ALARMS.values()
        if a["Namespace"] == namespace
        and a["MetricName"] == metric
        and a["Dimensions"] == [{"Name": dimension, "Value": value}]
    ]


def _queue_alarms(queue):
    queue_name = {"Fn::GetAtt": [queue, "QueueName"]}
    return _alarms_on("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue_name)


def _alarms_to_the_topic(alarm):
    return alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_every_function_logs_to_its_own_log_group_with_retention():
    assert SAM["Parameters"]["LogRetentionDays"]["Default"] == 30
    for logical_id, props in FUNCTIONS.items():
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert RESOURCES[group]["Type"] == "AWS::Logs::LogGroup", logical_id
        group_props = RESOURCES[group]["Properties"]
        assert _stage_name(group_props["LogGroupName"]) == "/aws/lambda/" + _stage_name(props["FunctionName"])
        assert group_props["RetentionInDays"] == {"Ref": "LogRetentionDays"}, logical_id


def test_deployed_log_groups_keep_logs_for_the_retention(stack):
    groups = {g["logGroupName"]: g for g in boto3.client("logs").describe_log_groups()["logGroups"]}
    for function in stack.functions.values():
        assert groups[f"/aws/lambda/{function.name}"]["retentionInDays"] == 30, function.name


def test_every_dead_letter_queue_alarms_to_the_topic():
    dead_letter_queues = _dead_letter_queues() | {k for k in RESOURCES if k.endswith("DLQ")}
    assert {"IngestDLQ", "AggregateDLQ", "EvaluateDLQ", "NotifyDLQ", "SchedulerDLQ", "PlannerDLQ"} <= dead_letter_queues
    for queue in dead_letter_queues:
        assert RESOURCES[queue]["Type"] == "AWS::SQS::Queue", queue
        alarms = _queue_alarms(queue)
        assert alarms, f"no alarm on {queue}"
        assert any(
            _alarms_to_the_topic(a) and a["Threshold"] == 0 and a["ComparisonOperator"] == "GreaterThanThreshold"
            for a in alarms
        ), queue


def test_every_function_alarms_on_errors_and_throttles_and_stream_consumers_on_iterator_age():
    for logical_id, props in FUNCTIONS.items():
        for metric in ("Errors", "Throttles"):
            alarms = _alarms_on("AWS/Lambda", metric, "FunctionName", {"Ref": logical_id})
            assert any(_alarms_to_the_topic(a) and a["Threshold"] == 0 for a in alarms), (logical_id, metric)
        if any(e["Type"] in {"DynamoDB", "Kinesis"} for e in props.get("Events", {}).values()):
            alarms = _alarms_on("AWS/Lambda", "IteratorAge", "FunctionName", {"Ref": logical_id})
            assert any(_alarms_to_the_topic(a) and a["Statistic"] == "Maximum" for a in alarms), logical_id
    assert _alarms_on("AWS/Lambda", "IteratorAge", "FunctionName", {"Ref": "AggregateFunction"})


def test_alarms_go_to_one_encrypted_topic_named_in_the_outputs():
    assert ALARMS and all(_alarms_to_the_topic(a) for a in ALARMS.values())
    topic = RESOURCES["AlarmTopic"]
    assert topic["Type"] == "AWS::SNS::Topic"
    assert SAM["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}
    # CloudWatch can publish to an encrypted topic only if the key's policy lets it (alias/aws/sns does not).
    key = RESOURCES[topic["Properties"]["KmsMasterKeyId"]["Ref"]]["Properties"]
    assert key["EnableKeyRotation"] is True
    assert any(
        s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(s["Action"])
        for s in key["KeyPolicy"]["Statement"]
    )


def _dynamodb_grants():
    """Function logical id -> the DynamoDB actions its role is granted, as aws-sam-translator writes the roles."""
    grants = {}
    for logical_id in FUNCTIONS:
        role = CFN[f"{logical_id}Role"]["Properties"]
        actions = set()
        for policy in role.get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                listed = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                actions |= {a for a in listed if a.startswith("dynamodb:")}
        grants[logical_id] = actions
    return grants


def test_no_policy_grants_scan_or_dynamodb_actions_the_code_never_calls():
    grants = _dynamodb_grants()
    granted = set().union(*grants.values())
    assert not {a for a in granted if a == "dynamodb:Scan" or "*" in a}, granted
    # The actions the adapters call (boto3 method or `_call("operation")`), in IAM's spelling.
    source = "".join(p.read_text(encoding="utf-8") for p in Path("layers/common/standing/adapters").glob("*.py"))
    operations = set(re.findall(r"\.([a-z_]+)\(", source)) | set(re.findall(r'_call\(\s*"([a-z_]+)"', source))
    iam = {
        "get_item": "GetItem",
        "put_item": "PutItem",
        "update_item": "UpdateItem",
        "delete_item": "DeleteItem",
        "query": "Query",
        "scan": "Scan",
        "batch_get_item": "BatchGetItem",
        "batch_write_item": "BatchWriteItem",
        "transact_write_items": "TransactWriteItems",
        "transact_get_items": "TransactGetItems",
    }
    called = {f"dynamodb:{iam[op]}" for op in operations if op in iam}
    if '"ConditionCheck"' in source:
        called.add("dynamodb:ConditionCheckItem")
    if "TransactWrite(" in source:  # PynamoDB's transaction (standing.adapters.tables)
        called.add("dynamodb:TransactWriteItems")
    assert granted <= called, f"granted but never called: {granted - called}"
    assert called <= granted, f"called but granted to no function: {called - granted}"
    # Only notify (releasing a send claim) and aggregate (a redriven event leaving the parking) delete.
    assert {f for f, actions in grants.items() if "dynamodb:DeleteItem" in actions} == {
        "NotifyFunction", "AggregateFunction"}  # fmt: skip
    assert grants["IngestFunction"] == grants["IngestQueueFunction"] == {"dynamodb:PutItem"}


def test_tables_are_retained_with_deletion_protection(stack):
    assert SAM["Parameters"]["TableDeletionProtection"]["Default"] == "true"
    for table in ("EventsTable", "StateTable"):
        resource = RESOURCES[table]
        assert resource["DeletionPolicy"] == "Retain" and resource["UpdateReplacePolicy"] == "Retain", table
        assert resource["Properties"]["DeletionProtectionEnabled"] == {"Fn::If": ["ProtectTables", True, False]}
        described = boto3.client("dynamodb").describe_table(TableName=stack.name_of(table))["Table"]
        assert described["DeletionProtectionEnabled"] is True, table


def test_scheduler_dead_letter_queue_takes_messages_only_from_the_stacks_schedules():
    statements = RESOURCES["SchedulerDLQPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    from_scheduler = [s for s in statements if s["Principal"] == {"Service": "scheduler.amazonaws.com"}]
    assert from_scheduler
    for statement in from_scheduler:
        condition = statement["Condition"]
        assert condition["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
        pattern = condition["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
        for props in SCHEDULES.values():
            arn = f"arn:aws:scheduler:us-east-1:123456789012:schedule/default/{_stage_name(props['Name'])}"
            concrete = (
                pattern.replace("${AWS::Partition}", "aws")
                .replace("${AWS::Region}", "us-east-1")
                .replace("${AWS::AccountId}", "123456789012")
                .replace("${Stage}", "dev")
            )
            assert fnmatch.fnmatchcase(arn, concrete), (arn, concrete)
            assert not fnmatch.fnmatchcase(arn.replace("standing-dev-", "standing-prod-"), concrete)


def test_the_planner_has_an_on_failure_destination_with_an_alarm():
    targets = {props["Target"]["Arn"]["Fn::GetAtt"][0] for props in SCHEDULES.values()}
    assert targets == {"EvaluateFunction"}
    for function in targets:
        config = FUNCTIONS[function]["EventInvokeConfig"]
        assert 0 <= config["MaximumRetryAttempts"] <= 2
        on_failure = config["DestinationConfig"]["OnFailure"]
        assert on_failure["Type"] == "SQS"
        queue = on_failure["Destination"]["Fn::GetAtt"][0]
        assert RESOURCES[queue]["Type"] == "AWS::SQS::Queue"
        alarms = _queue_alarms(queue)
        assert any(_alarms_to_the_topic(a) for a in alarms)
        # As deployed: the invoke config on the function, and its role may send to the queue.
        deployed = [
            r["Properties"]
            for r in CFN.values()
            if r["Type"] == "AWS::Lambda::EventInvokeConfig" and r["Properties"]["FunctionName"] == {"Ref": function}
        ]
        assert deployed[0]["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [queue, "Arn"]}
        role = json.dumps(CFN[f"{function}Role"]["Properties"]["Policies"])
        assert '"sqs:SendMessage"' in role and json.dumps({"Fn::GetAtt": [queue, "Arn"]}) in role


def test_notify_concurrency_is_reserved_and_its_queue_polls_no_faster(stack):
    notify = FUNCTIONS["NotifyFunction"]
    assert notify["ReservedConcurrentExecutions"] == {"Ref": "NotifyConcurrency"}
    event = notify["Events"]["Notifications"]["Properties"]
    assert event["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "NotifyConcurrency"}
    parameter = SAM["Parameters"]["NotifyConcurrency"]
    assert parameter["MinValue"] == 2  # the least an SQS event source's maximum concurrency may be
    reserved = boto3.client("lambda").get_function_concurrency(FunctionName=stack.name_of("NotifyFunction"))
    assert reserved["ReservedConcurrentExecutions"] == parameter["Default"]


def test_api_access_log_names_the_route_never_the_path():
    settings = RESOURCES["HttpApi"]["Properties"]["AccessLogSettings"]
    group = RESOURCES[settings["DestinationArn"]["Fn::GetAtt"][0]]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    fields = json.loads(settings["Format"])  # one JSON object per request
    assert "$context.routeKey" in fields.values() and "$context.status" in fields.values()
    # A portal or unsubscribe path carries a signed token: the log must not keep it.
    assert not any("$context.path" in v or "$context.rawPath" in v for v in fields.values())


def test_only_the_publisher_may_put_standing_events_and_notify_hears_only_this_account():
    """Issue 11: anything that could put an event with source `standing` on the bus made notify send an email."""
    policy = RESOURCES["StandingEventsOnlyFromThePublisher"]["Properties"]["Statement"]
    assert (policy["Effect"], policy["Principal"], policy["Action"]) == ("Deny", "*", "events:PutEvents")
    assert policy["Condition"]["StringEquals"] == {"events:source": "standing"}
    assert policy["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] == {"Fn::GetAtt": ["PublishFunctionRole", "Arn"]}
    pattern = RESOURCES["NotifyRule"]["Properties"]["EventPattern"]
    assert pattern["source"] == ["standing"] and pattern["account"] == [{"Ref": "AWS::AccountId"}]
    putters = {
        logical_id
        for logical_id, resource in RESOURCES.items()
        if resource["Type"] == "AWS::Serverless::Function"
        and any("EventBridgePutEventsPolicy" in policy for policy in resource["Properties"].get("Policies", []))
    }
    assert putters == {"PublishFunction"}
