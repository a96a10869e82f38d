"""DynamoDB adapter of simulations (backtests of a draft program over stored history), in the StateTable.

Items live under their own partitions, never a partner's: `pk = SIMS` (one small item per simulation, newest
last, for listings), `pk = SIM#{id}`, `sk = SIM` (the request, progress
counters and additive summary counters), `sk = PAGE#...` / `BATCH#...` (markers: that planner page or partner
batch was counted), `sk = ROWS#{batch}` (the batch's CSV rows, zlib-compressed). Nothing here writes a record,
a standing or a projection. ClientError codes become `SimulationNotFound`, `SimulationUnavailable` (transient) or
`SimulationStoreError`; a failed condition means "already done".
"""

from __future__ import annotations

import zlib
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from standing import config
from standing.adapters import standing_store

TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
    }
)

LIST_PK = "SIMS"  # one small item per simulation, sk = created_at#id: the newest first in one Query
_tables: dict[str, Any] = {}


class SimulationStoreError(Exception):
    """A DynamoDB error that retrying will not fix."""


class SimulationUnavailable(SimulationStoreError):
    """A transient DynamoDB error: the caller retries (the queue redelivers, the API answers 503)."""


class SimulationNotFound(LookupError):
    def __init__(self, simulation_id: str) -> None:
        super().__init__(f"no simulation {simulation_id!r}")
        self.simulation_id = simulation_id


def _table() -> Any:
    name = config.state_table()
    if name not in _tables:
        _tables[name] = boto3.resource("dynamodb").Table(name)
    return _tables[name]


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _translate(error: ClientError) -> SimulationStoreError:
    code = _code(error)
    return SimulationUnavailable(code) if code in TRANSIENT_CODES else SimulationStoreError(code)


def _key(simulation_id: str, sk: str = "SIM") -> dict[str, str]:
    return {"pk": f"SIM#{simulation_id}", "sk": sk}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def create(simulation_id: str, detail: dict[str, Any], draft: str, pages: int) -> None:
    """The simulation's item: its request (draft YAML included) and `pages` planner pages pending."""
    item = {**_key(simulation_id), **detail, "draft": draft, "status": "running", "pages_pending": pages}
    item.update(batches_planned=0, batches_done=0, partners=0, rows=0)
    listed = {"pk": LIST_PK, "sk": f"{detail['created_at']}#{simulation_id}", "id": simulation_id}
    listed.update({k: detail[k] for k in ("program", "from", "to", "created_at")})
    table = _table()
    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        table.put_item(Item=listed)
    except ClientError as error:
        raise _translate(error) from error


def recent(limit: int = 20) -> list[dict[str, Any]]:
    """The latest simulations, newest first (id, program, from, to, created_at): what an operator overview lists."""
    try:
        page = _table().query(KeyConditionExpression=Key("pk").eq(LIST_PK), ScanIndexForward=False, Limit=limit)
    except ClientError as error:
        raise _translate(error) from error
    return [_plain({k: v for k, v in item.items() if k not in ("pk", "sk")}) for item in page["Items"]]


def get(simulation_id: str) -> dict[str, Any]:
    try:
        item = _table().get_item(Key=_key(simulation_id), ConsistentRead=True).get("Item")
    except ClientError as error:
        raise _translate(error) from error
    if item is None:
        raise SimulationNotFound(simulation_id)
    return _plain(item)


def count_once(simulation_id: str, marker: str, adds: dict[str, int]) -> bool:
    """Mark a page or batch counted and ADD its counters to the simulation, in one transaction. False: counted
    before (a redelivered message)."""
    try:
        return standing_store.add_once(_key(simulation_id, marker), _key(simulation_id), adds)
    except ClientError as error:
        raise _translate(error) from error


def complete(simulation_id: str, completed_at: str) -> bool:
    """Mark the simulation completed once; True only for the caller that did it."""
    try:
        _table().update_item(
            Key=_key(simulation_id),
            UpdateExpression="SET #s = :done, completed_at = :t",
            ConditionExpression="attribute_not_exists(completed_at)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":done": "completed", ":t": completed_at},
        )
        return True
    except ClientError as error:
        if _code(error) == "ConditionalCheckFailedException":
            return False
        raise _translate(error) from error


def put_rows(simulation_id: str, batch: str, text: str) -> None:
    """A batch's CSV rows (no header), compressed; rewriting the same batch is harmless."""
    try:
        _table().put_item(Item={**_key(simulation_id, f"ROWS#{batch}"), "csv": zlib.compress(text.encode("utf-8"))})
    except ClientError as error:
        raise _translate(error) from error


def rows(simulation_id: str) -> list[str]:
    """Every batch's CSV rows, in batch order."""
    condition = Key("pk").eq(f"SIM#{simulation_id}") & Key("sk").begins_with("ROWS#")
    kwargs: dict[str, Any] = {"KeyConditionExpression": condition}
    out: list[str] = []
    try:
        while True:
            page = _table().query(**kwargs)
            out += [zlib.decompress(bytes(item["csv"])).decode("utf-8") for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    except ClientError as error:
        raise _translate(error) from error
