"""`standing redrive`: apply the events the aggregation parked, on a local run or on a deployed stack.

Locally (`--out DIR`, default `out`): the run's saved state (`DIR/state`, written by `standing demo`) is loaded
into embedded AWS, the aggregate function is invoked with `{"redrive": true}`, what that owes runs through the
stack (publisher, notify), and the state is saved back. On AWS (`--stack NAME`): the stack's outputs name its
tables; the command runs the same code as the deployed aggregate function's `{"redrive": true}` invocation, with
the caller's AWS credentials (dynamodb Query/PutItem/DeleteItem/UpdateItem on the state table, GetItem on the
events table; what a redrive changes owes its events like any change, published from the state table's stream).
On AWS without this tool: `aws lambda invoke --function-name standing-<stage>-aggregate --payload
'{"redrive": true}' out.json`.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
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
    p.add_argument("--stack", help="a deployed stack's name (its outputs name the tables); without it, the local run")
    p.add_argument("--out", default="out", help="the local run whose saved state (DIR/state) to redrive")
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
    if args.stack is None:
        return run_local(Path(args.out))
    os.environ.update(stack_environment(args.stack, args.region))
    if args.region:
        os.environ["AWS_DEFAULT_REGION"] = args.region
    from functions.ingest.aggregate import redrive_parked

    report = redrive_parked()
    return _print({"applied": report.applied, "still_parked": report.still_parked})


def run_local(out: Path) -> int:
    """Redrive the parked events of a local run (its saved state), and save the state back."""
    from standing_local.embedded import embedded_aws
    from standing_local.server import STATE_DIR, load_state, save_state

    folder = out / STATE_DIR.name
    if not (folder / "clock.json").is_file():
        print(f"standing redrive: no saved run in {folder} (run `standing demo --out {out}` first)")
        return 2
    with embedded_aws() as deployment:
        now, _ = load_state(deployment, folder)
        result = deployment.invoke("AggregateFunction", {"redrive": True})
        deployment.drain()  # what the redriven events owe: days, standing changes, their events and emails
        save_state(deployment, folder, now)
    return _print(result)


def _print(result: dict[str, Any]) -> int:
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if not result["still_parked"] else 1
