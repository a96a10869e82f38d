"""template.yaml, read and transformed exactly as CloudFormation would see it after `sam deploy`.

The SAM template is the one source of truth: the embedded deployment, the tests and the clock all read the
resource names, environments, event sources and schedules from its aws-sam-translator output.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
CODE_BUCKET = "standing-local-code"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def load_sam(path: Path = TEMPLATE) -> dict[str, Any]:
    """The SAM template as plain JSON-shaped data (`!Ref x` becomes `{"Ref": "x"}`)."""
    return json.loads(json.dumps(cfn_yaml.load(str(path))))


class _NoManagedPolicies:
    """The template names no AWS managed policy by short name, so the translator never needs IAM."""

    def load(self) -> dict[str, str]:
        return {}


@dataclass(frozen=True)
class CodeLocation:
    """Where a function's or layer's code lives locally, and the S3 key it is given in the transformed template."""

    logical_id: str
    local_dir: str  # e.g. "functions/ingest/"
    s3_key: str


def transform_template(
    sam: dict[str, Any], parameters: dict[str, str]
) -> tuple[dict[str, Any], dict[str, CodeLocation]]:
    """Run aws-sam-translator over the template, after pointing local code paths at S3 as `sam package` does."""
    sam = copy.deepcopy(sam)
    code: dict[str, CodeLocation] = {}
    for logical_id, resource in sam["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                s3_key = f"{logical_id}.zip"
                code[logical_id] = CodeLocation(logical_id, props[key], s3_key)
                props[key] = f"s3://{CODE_BUCKET}/{s3_key}"
    values = {
        **parameters,
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)  # the translator asks boto for a region
    cfn = transform(sam, values, _NoManagedPolicies())  # type: ignore[arg-type]
    return cfn, code


def handler_module(local_dir: str, handler: str) -> tuple[str, str]:
    """`functions/ingest/` + `app.lambda_handler` -> (`functions.ingest.app`, `lambda_handler`)."""
    module, _, attr = handler.rpartition(".")
    package = local_dir.strip("/").replace("/", ".")
    return f"{package}.{module}", attr


def create_table(client: Any, logical_id: str, name: str, sam: dict[str, Any] | None = None) -> None:
    """Create one of the template's DynamoDB tables under another name (unit tests and benchmarks), with the
    template's own keys, indexes and stream, so they can never drift from what is deployed."""
    props = (sam or load_sam())["Resources"][logical_id]["Properties"]
    kwargs: dict[str, Any] = {
        "TableName": name,
        "BillingMode": props["BillingMode"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
    }
    for key in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        if key in props:
            kwargs[key] = props[key]
    if "StreamSpecification" in props:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    client.create_table(**kwargs)
