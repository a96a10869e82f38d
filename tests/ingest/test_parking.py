"""A stream record that cannot be applied is parked with its content and reason, never blocks the shard, and is
applied by a redrive once the cause is fixed (issue 11)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeSerializer

from functions.ingest import aggregate as aggregate_handler
from standing import config
from standing.adapters.ingest_store import IngestStore
from tests.ingest.conftest import StreamReader, event, profile
from tests.ingest.test_handlers import Context, fresh_handlers  # noqa: F401  (fresh_handlers: autouse fixture)

KK = "kkday-trusted-partner"
_serialize = TypeSerializer().serialize


def stored(aws: Any, envelope: dict[str, Any]) -> None:
    """An event as an older release might have stored it, straight into the EventsTable (no validation)."""
    item = {**envelope, "digest": "0" * 64, "received_at": "2024-07-01T00:00:00.000000Z", "expires_at": 1893456000}
    aws.put_item(TableName=config.events_table(), Item={k: _serialize(v) for k, v in item.items()})


def test_a_record_that_cannot_be_applied_is_parked_and_redriven(aws: Any) -> None:
    store = IngestStore(aws, config.events_table(), config.state_table())
    good = event("good", "order.placed", "2024-07-01T10:00:00+08:00", order_id="A", buyer_id="b",
                 due_by="2024-07-02T10:00:00+08:00")  # fmt: skip
    bad = event("bad", "order.placed", "2024-07-01T11:00:00+08:00", order_id="B", buyer_id="b", due_by="tomorrow")
    for envelope in (profile("prof", "2024-06-01T00:00:00Z", [KK]), good, bad):
        stored(aws, envelope)

    response = aggregate_handler.lambda_handler({"Records": StreamReader(aws).read()}, Context())
    assert response == {"batchItemFailures": []}  # the shard moves on
    [parked] = store.parked()
    assert (parked["event_id"], parked["partner_id"]) == ("bad", "p1")
    assert parked["reason"].startswith("ValueError") and parked["image"]["data"]["due_by"] == "tomorrow"
    day = store.get_state("p1", "A#Asia/Taipei#2024-07-01")
    assert day is not None and '"orders_placed":1' in day["data"]  # the good event of the same batch counted

    # Redriven before anything is fixed: still parked, with its reason.
    assert aggregate_handler.lambda_handler({"redrive": True}, Context()) == {
        "applied": [], "still_parked": {"bad": parked["reason"]}}  # fmt: skip
    # An operator corrects the parked copy; the redrive applies it and the parking is empty.
    aws.update_item(
        TableName=config.state_table(),
        Key={"pk": {"S": "PARKED"}, "sk": {"S": "E#bad"}},
        UpdateExpression="SET image.#d.due_by = :due",
        ExpressionAttributeNames={"#d": "data"},
        ExpressionAttributeValues={":due": {"S": "2024-07-02T11:00:00+08:00"}},
    )
    assert aggregate_handler.lambda_handler({"redrive": True}, Context()) == {"applied": ["bad"], "still_parked": {}}
    assert store.parked() == []
    day = store.get_state("p1", "A#Asia/Taipei#2024-07-01")
    assert day is not None and '"orders_placed":2' in day["data"]
