"""Embedded AWS: template.yaml deployed into in-process moto, and the event sources AWS would run.

`deploy()` creates the stack from the aws-sam-translator output through moto's CloudFormation, then creates from
the same transformed template what moto's CloudFormation skips (TTL, SES configuration set, EventBridge Scheduler
schedules). The `Deployment` it returns runs each function's handler as a plain Python function with that
function's own environment, and plays the event sources: it pumps the SQS queues and the DynamoDB stream into
their handlers (with partial batch failures honoured) and fires schedules on a simulated clock.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from moto import mock_aws

from standing_local import moto_speedups
from standing_local.template import ACCOUNT_ID, CODE_BUCKET, REGION, handler_module, load_sam, transform_template

# Resource types moto's CloudFormation does not model; the ones the local run needs are created by hand below.
_UNMODELLED = (
    "AWS::ApiGatewayV2::",
    "AWS::CloudWatch::Alarm",
    "AWS::Events::EventBusPolicy",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Scheduler::Schedule",
    "AWS::SES::ConfigurationSet",
    "AWS::SQS::QueuePolicy",
    "AWS::SecretsManager::Secret",
)
# Where the embedded API answers (make serve); the absolute links in emails point here.
LOCAL_BASE_URL = "http://127.0.0.1:3000"


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that Powertools reads."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@dataclass
class Function:
    logical_id: str
    name: str
    module: str
    attr: str
    environment: dict[str, str]


@dataclass
class SourceMapping:
    function: str  # logical id
    source: str  # logical id of the queue or table
    kind: str  # "sqs" | "dynamodb"
    batch_size: int
    filters: list[dict[str, Any]] = field(default_factory=list)  # FilterCriteria patterns: a record must match one

    def accepts(self, record: dict[str, Any]) -> bool:
        """Lambda's event filtering, for the patterns the template uses (values, prefix, exists)."""
        return not self.filters or any(_matches(pattern, record) for pattern in self.filters)


def _matches(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            _matches(sub, value.get(key)) if not _is_exists(sub) else ((key in value) == sub[0]["exists"])
            for key, sub in pattern.items()
        )
    return any(_option_matches(option, value) for option in pattern)


def _option_matches(option: Any, value: Any) -> bool:
    if isinstance(option, dict) and "prefix" in option:
        return isinstance(value, str) and value.startswith(option["prefix"])
    return bool(option == value)


def _is_exists(pattern: Any) -> bool:
    return isinstance(pattern, list) and len(pattern) == 1 and isinstance(pattern[0], dict) and "exists" in pattern[0]


@dataclass
class Schedule:
    logical_id: str
    name: str
    expression: str
    time_zone: str
    start: datetime | None
    target: str  # function logical id
    input: str


@dataclass
class Route:
    method: str
    path: str  # as in the template: /partners/{partner_id}/standing
    function: str  # logical id

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters if this route serves the request, else None."""
        if method != self.method:
            return None
        want, got = self.path.strip("/").split("/"), path.strip("/").split("/")
        if len(want) != len(got):
            return None
        params = {}
        for pattern, part in zip(want, got, strict=True):
            if pattern.startswith("{") and pattern.endswith("}"):
                params[pattern[1:-1]] = part
            elif pattern != part:
                return None
        return params


class Deployment:
    """A deployed stack in embedded AWS, with the event sources AWS would drive."""

    def __init__(
        self,
        physical: dict[str, str],
        outputs: dict[str, str],
        functions: dict[str, Function],
        mappings: list[SourceMapping],
        schedules: list[Schedule],
        routes: list[Route],
    ) -> None:
        self.routes = routes
        self.physical = physical
        self.outputs = outputs
        self.functions = functions
        self.mappings = mappings
        self.schedules = schedules
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.ddb = boto3.client("dynamodb", region_name=REGION)
        # botocore sends stream calls to an account-based endpoint that moto does not route: name the classic one.
        self.streams = boto3.client(
            "dynamodbstreams", region_name=REGION, endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
        )
        self._iterators: dict[str, str] = {}
        self.errors: list[str] = []  # invocation errors seen while pumping (the messages were retried)
        # What handlers print (Powertools' EMF metrics go to stdout, as CloudWatch wants) is dropped when True,
        # so the local run's progress bar and summary stay readable.
        self.quiet = False
        self.invocations: dict[str, int] = {}

    # ------------------------------------------------------------------ resources
    def name_of(self, logical_id: str) -> str:
        return self.physical[logical_id]

    def queue_url(self, logical_id: str) -> str:
        return self.physical[logical_id]  # CloudFormation's physical id of a queue is its URL

    def queue_arn(self, logical_id: str) -> str:
        return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{self.physical[logical_id].rsplit('/', 1)[-1]}"

    @property
    def bus_name(self) -> str:
        return self.outputs["EventBusName"]

    # ------------------------------------------------------------------ invoking
    def handler(self, logical_id: str) -> Callable[[dict[str, Any], Any], Any]:
        fn = self.functions[logical_id]
        module = importlib.import_module(fn.module)
        return getattr(module, fn.attr)

    def _container(self, logical_id: str) -> threading.RLock:
        with _containers_lock:
            return _containers.setdefault((id(self), logical_id), threading.RLock())

    def request(
        self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None, raw_body: str | None = None
    ) -> tuple[int, Any]:
        """An HTTP API request, routed as the template routes it; returns (status, parsed JSON body)."""
        from standing_local.lambda_events import http_api_event

        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                event = http_api_event(method, path, route.path, body, params, query, raw_body)
                response = self.invoke(route.function, event)
                text = response.get("body") or "null"
                return int(response["statusCode"]), json.loads(text)
        return 404, {"error": "not_found", "message": f"no route {method} {path}", "details": []}

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Run the function's handler with its own environment, as Lambda would."""
        fn = self.functions[logical_id]
        # One invocation of a function at a time, as in one Lambda container: a handler's module globals (the
        # Powertools resolver's current event, say) belong to the invocation that is running.
        with (
            self._container(logical_id),
            _environment(fn.environment),
            contextlib.redirect_stdout(io.StringIO()) if self.quiet else _nothing(),
        ):
            handler = self.handler(logical_id)
            self.invocations[logical_id] = self.invocations.get(logical_id, 0) + 1
            return handler(event, LambdaContext(fn.name))

    # ------------------------------------------------------------------ event sources
    def pump_queue(self, source: str, max_rounds: int = 100_000) -> int:
        """Deliver the queue's messages to its consumer until the queue is empty; returns messages handled."""
        mapping = next(m for m in self.mappings if m.source == source and m.kind == "sqs")
        url, arn = self.queue_url(source), self.queue_arn(source)
        handled = 0
        for _ in range(max_rounds):
            got = self.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(mapping.batch_size, 10),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                VisibilityTimeout=30,
            ).get("Messages", [])
            if not got:
                return handled
            event = {"Records": [_sqs_record(m, arn) for m in got]}
            try:
                result = self.invoke(mapping.function, event) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            except Exception as error:  # Lambda: an invocation error fails the whole batch
                self.errors.append(f"{mapping.function}: {type(error).__name__}: {error}")
                failed = {m["MessageId"] for m in got}
            for message in got:
                if message["MessageId"] in failed:
                    # Visible again at once: the simulated clock does not wait out visibility timeouts.
                    self.sqs.change_message_visibility(
                        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
                else:
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    handled += 1
        raise RuntimeError(f"queue {source} did not drain after {max_rounds} rounds")

    def pump_stream(self, table: str) -> int:
        """Deliver new stream records of the table to its consumer, in order, in batches; returns records."""
        mapping = next(m for m in self.mappings if m.source == table and m.kind == "dynamodb")
        stream_arn = self.ddb.describe_table(TableName=self.physical[table])["Table"]["LatestStreamArn"]
        handled = 0
        for shard in self.streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
            key = f"{stream_arn}/{shard['ShardId']}"
            iterator = (
                self._iterators.get(key)
                or self.streams.get_shard_iterator(
                    StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            while True:
                page = self.streams.get_records(ShardIterator=iterator, Limit=mapping.batch_size)
                records = page["Records"]
                if not records:
                    break
                # Lambda drops the records its filters reject before invoking (and never retries them).
                wanted = [r for r in (stream_record(r, stream_arn) for r in records) if mapping.accepts(r)]
                if wanted:
                    self._deliver_stream_batch(mapping.function, {"Records": wanted})
                handled += len(records)
                iterator = page["NextShardIterator"]
            self._iterators[key] = iterator
        return handled

    def skip_stream(self, table: str) -> None:
        """Start the table's stream consumer after what is in it now (items loaded from a saved run)."""
        stream_arn = self.ddb.describe_table(TableName=self.physical[table])["Table"].get("LatestStreamArn")
        if stream_arn is None:
            return  # the table has no stream
        for shard in self.streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
            self._iterators[f"{stream_arn}/{shard['ShardId']}"] = self.streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]

    def _deliver_stream_batch(self, function: str, event: dict[str, Any], attempts: int = 5) -> None:
        """Retry from the first failed record, as Lambda does with ReportBatchItemFailures on a stream."""
        records = event["Records"]
        for _ in range(attempts):
            result = self.invoke(function, {"Records": records}) or {}
            failures = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
            if not failures:
                return
            first = min(failures)
            records = [r for r in records if r["dynamodb"]["SequenceNumber"] >= first]
        raise RuntimeError(
            f"stream batch kept failing in {function} from sequence {records[0]['dynamodb']['SequenceNumber']}"
        )

    def drain(self) -> None:
        """Run every event source until nothing is left in flight (stream first: it feeds the others)."""
        while True:
            moved = 0
            for mapping in self.mappings:
                if mapping.kind == "dynamodb":
                    moved += self.pump_stream(mapping.source)
            for mapping in self.mappings:
                if mapping.kind == "sqs":
                    moved += self.pump_queue(mapping.source)
            if not moved:
                return

    def fire(self, schedule: Schedule, at: datetime) -> Any:
        """Invoke the schedule's target with its Input, context attributes filled in as Scheduler does."""
        payload = (
            schedule.input.replace("<aws.scheduler.scheduled-time>", at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
            .replace("<aws.scheduler.execution-id>", str(uuid.uuid4()))
            .replace(
                "<aws.scheduler.schedule-arn>",
                f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{schedule.name}",
            )
        )
        return self.invoke(schedule.target, json.loads(payload))

    def dead_letters(self) -> dict[str, int]:
        """Messages waiting in each dead-letter queue of the stack."""
        counts = {}
        for logical_id in self.physical:
            if logical_id.endswith("DLQ"):
                attrs = self.sqs.get_queue_attributes(
                    QueueUrl=self.queue_url(logical_id), AttributeNames=["ApproximateNumberOfMessages"]
                )["Attributes"]
                counts[logical_id] = int(attrs["ApproximateNumberOfMessages"])
        return counts


_containers: dict[tuple[int, str], threading.RLock] = {}
_containers_lock = threading.Lock()


@contextmanager
def _nothing() -> Iterator[None]:
    yield


@contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _sqs_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    }


def stream_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def _zip_of_nothing() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "code runs in-process; this archive only satisfies the Lambda API")
    return buffer.getvalue()


def deploy(stage: str = "local", sender: str = "standing@example.com", base_url: str = LOCAL_BASE_URL) -> Deployment:
    """Deploy template.yaml into the active moto mock and return the running deployment."""
    parameters = {"Stage": stage, "SenderIdentity": sender}
    sam = load_sam()
    cfn, code = transform_template(sam, parameters)
    resources = cfn["Resources"]
    # The API's URL names the HTTP API, which moto does not model: the local run's own address stands in.
    for resource in resources.values():
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        if "PUBLIC_BASE_URL" in variables:
            variables["PUBLIC_BASE_URL"] = base_url

    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=CODE_BUCKET)
    for location in code.values():
        s3.put_object(Bucket=CODE_BUCKET, Key=location.s3_key, Body=_zip_of_nothing())

    modelled = {k: v for k, v in resources.items() if not v["Type"].startswith(_UNMODELLED)}
    dropped = set(resources) - set(modelled)
    outputs = {k: v for k, v in cfn.get("Outputs", {}).items() if not any(d in json.dumps(v) for d in dropped)}
    # A Ref to a named resource moto skips (the SES configuration set) resolves to the name CloudFormation gives it.
    names = {k: resources[k]["Properties"]["Name"] for k in dropped if "Name" in resources[k].get("Properties", {})}
    body = _replace_refs({**cfn, "Resources": modelled, "Outputs": outputs}, names)
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    stack = f"standing-{stage}"
    cloudformation.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(body),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
        if "PhysicalResourceId" in r
    }
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    stack_outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}

    _create_unmodelled(resources, physical, parameters)
    from standing.adapters import secrets

    secrets.forget()  # keys cached from an earlier deployment in this process are not this one's

    lambda_client = boto3.client("lambda", region_name=REGION)
    functions = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        config = lambda_client.get_function_configuration(FunctionName=physical[logical_id])
        module, attr = handler_module(code[logical_id].local_dir, resource["Properties"]["Handler"])
        functions[logical_id] = Function(
            logical_id,
            physical[logical_id],
            module,
            attr,
            {k: str(v) for k, v in config.get("Environment", {}).get("Variables", {}).items()},
        )

    mappings = [
        _mapping(resource["Properties"])
        for resource in resources.values()
        if resource["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    schedules = [
        _schedule(k, r["Properties"], stage) for k, r in resources.items() if r["Type"] == "AWS::Scheduler::Schedule"
    ]
    routes = [
        Route(event["Properties"]["Method"].upper(), event["Properties"]["Path"], logical_id)
        for logical_id, resource in sam["Resources"].items()
        for event in resource.get("Properties", {}).get("Events", {}).values()
        if event["Type"] == "HttpApi"
    ]
    return Deployment(physical, stack_outputs, functions, mappings, schedules, routes)


def _create_unmodelled(resources: dict[str, Any], physical: dict[str, str], parameters: dict[str, str]) -> None:
    """TTL, SES identity and configuration set, the signing secret, and the schedules, from the transformed
    template."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    for logical_id, resource in resources.items():
        ttl = resource.get("Properties", {}).get("TimeToLiveSpecification")
        if resource["Type"] == "AWS::DynamoDB::Table" and ttl:
            ddb.update_time_to_live(
                TableName=physical[logical_id],
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": ttl["Enabled"]},
            )
    sesv2 = boto3.client("sesv2", region_name=REGION)
    sesv2.create_email_identity(EmailIdentity=parameters["SenderIdentity"])
    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=parameters["SenderIdentity"])
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::SES::ConfigurationSet":
            name = _sub(resource["Properties"]["Name"], parameters)
            sesv2.create_configuration_set(ConfigurationSetName=name)
            physical[logical_id] = name
    secrets = boto3.client("secretsmanager", region_name=REGION)
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::SecretsManager::Secret":
            props = resource["Properties"]
            generate = props.get("GenerateSecretString", {})
            value = secrets.get_random_password(
                PasswordLength=int(generate.get("PasswordLength", 32)),
                ExcludePunctuation=bool(generate.get("ExcludePunctuation", False)),
            )["RandomPassword"]
            name = _sub(props["Name"], parameters)
            secrets.create_secret(Name=name, SecretString=value)
            physical[logical_id] = name
    scheduler = boto3.client("scheduler", region_name=REGION)
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Scheduler::Schedule":
            continue
        props = resource["Properties"]
        target = props["Target"]
        function = target["Arn"]["Fn::GetAtt"][0]
        extra = {"StartDate": _parse_time(props["StartDate"])} if "StartDate" in props else {}
        scheduler.create_schedule(
            Name=_sub(props["Name"], parameters),
            ScheduleExpression=props["ScheduleExpression"],
            ScheduleExpressionTimezone=props.get("ScheduleExpressionTimezone", "UTC"),
            FlexibleTimeWindow=props["FlexibleTimeWindow"],
            Target={
                "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{physical[function]}",
                "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{physical[target['RoleArn']['Fn::GetAtt'][0]]}",
                "Input": target["Input"],
            },
            **extra,
        )
        physical[logical_id] = _sub(props["Name"], parameters)


def _replace_refs(node: Any, names: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in names:
            return names[node["Ref"]]
        return {k: _replace_refs(v, names) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_refs(v, names) for v in node]
    if isinstance(node, str):
        for logical_id, name in names.items():
            if "${" + logical_id + "}" in node and isinstance(name, dict) and "Fn::Sub" in name:
                node = node.replace("${" + logical_id + "}", name["Fn::Sub"])
        return node
    return node


def _sub(value: Any, parameters: dict[str, str]) -> str:
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"]
        for key, val in parameters.items():
            text = text.replace("${" + key + "}", val)
        return text
    return str(value)


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _mapping(props: dict[str, Any]) -> SourceMapping:
    source_ref = props["EventSourceArn"]["Fn::GetAtt"]
    kind = "dynamodb" if source_ref[1] == "StreamArn" else "sqs"
    filters = [json.loads(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", [])]
    return SourceMapping(props["FunctionName"]["Ref"], source_ref[0], kind, int(props.get("BatchSize", 10)), filters)


def _schedule(logical_id: str, props: dict[str, Any], stage: str) -> Schedule:
    return Schedule(
        logical_id=logical_id,
        name=_sub(props["Name"], {"Stage": stage}),
        expression=props["ScheduleExpression"],
        time_zone=props.get("ScheduleExpressionTimezone", "UTC"),
        start=_parse_time(props["StartDate"]) if "StartDate" in props else None,
        target=props["Target"]["Arn"]["Fn::GetAtt"][0],
        input=props["Target"]["Input"],
    )


@contextmanager
def embedded_aws(stage: str = "local", base_url: str = LOCAL_BASE_URL) -> Iterator[Deployment]:
    """moto started, the stack deployed; everything is gone when the block ends."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "embedded")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "embedded")
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    moto_speedups.install()
    with mock_aws():
        started = time.perf_counter()
        deployment = deploy(stage, base_url=base_url)
        deployment.deploy_seconds = time.perf_counter() - started  # type: ignore[attr-defined]
        yield deployment
