"""`standing redrive`: apply the events the aggregation parked, on a deployed stack.

The stack's outputs name its tables and bus; the command runs the same code as the deployed aggregate function's
`{"redrive": true}` invocation, with the caller's AWS credentials (dynamodb Query/PutItem/DeleteItem/UpdateItem on the
state table, GetItem on the events table; what a redrive changes owes its events like any change, published from
the state table's stream). On AWS without this tool:
`aws lambda invoke --function-name standing-<stage>-aggregate --payload '{"redrive": true}' out.json`.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import boto3

# stack output -> the environment variable the aggregate function reads it from
OUTPUTS = {
    "EventsTableName": "EVENTS_TABLE_NAME",
    "StateTableName": "STATE_TABLE_NAME",
}


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "redrive",
        help="apply the events the aggregation parked again (on a deployed stack)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--stack", required=True, help="the deployed stack's name (its outputs name the tables and bus)")
    p.add_argument("--region", default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
                   help="the stack's region")  # fmt: skip
    p.set_defaults(func=run)


def stack_environment(stack: str, region: str | None) -> dict[str, str]:
    """The environment the aggregate function runs with, read from the stack's outputs."""
    described = boto3.client("cloudformation", region_name=region).describe_stacks(StackName=stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    missing = [key for key in OUTPUTS if key not in outputs]
    if missing:
        raise SystemExit(f"standing redrive: stack {stack} has no output {', '.join(missing)}")
    return {variable: outputs[key] for key, variable in OUTPUTS.items()}


def run(args: argparse.Namespace) -> int:
    os.environ.update(stack_environment(args.stack, args.region))
    if args.region:
        os.environ["AWS_DEFAULT_REGION"] = args.region
    from functions.ingest.aggregate import redrive_parked

    report = redrive_parked()
    print(json.dumps({"applied": report.applied, "still_parked": report.still_parked}, indent=2, ensure_ascii=False))
    return 0 if not report.still_parked else 1
