"""An event that cannot be applied is parked with its content and reason, never blocks the shard or the partner's
evaluation, and is applied by a redrive once the cause is fixed (issue 11). Partner-state events are parked by the
stream handler; activity events by the fold on read."""

from __future__ import annotations

from datetime import date
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from functions.ingest import aggregate as aggregate_handler
from standing import config
from standing.adapters import standing_store
from standing.adapters.ingest_store import IngestStore, event_item
from standing.events.models import utc_text
from standing.ingest.partner_state import STATE_TYPES
from tests.ingest.conftest import StreamReader, event, profile
from tests.ingest.test_handlers import Context, fresh_handlers  # noqa: F401  (fresh_handlers: autouse fixture)

KK = "kkday-trusted-partner"
_serialize = TypeSerializer().serialize


def stored(aws: Any, envelope: dict[str, Any]) -> None:
    """An event as an older release might have stored it, straight into the EventsTable (no validation)."""
    item = event_item({**envelope, "occurred_at": utc_text(envelope["occurred_at"]), "digest": "0" * 32,
                       "received_at": "2024-07-01T00:00:00.000000Z", "expires_at": 1893456000})  # fmt: skip
    aws.put_item(TableName=config.events_table(), Item={k: _serialize(v) for k, v in item.items()})


def orders_placed(first: str) -> int:
    days = standing_store.daily_aggregates("p1", "Asia/Taipei", date.fromisoformat(first), date.fromisoformat(first))
    return days[0].counts["orders_placed"] if days else 0


def test_a_record_that_cannot_be_applied_is_parked_and_redriven(aws: Any) -> None:
    store = IngestStore(aws, config.events_table(), config.state_table())
    good = event("good", "order.placed", "2024-07-01T10:00:00+08:00", order_id="A", buyer_id="b",
                 due_by="2024-07-02T10:00:00+08:00")  # fmt: skip
    bad = event("bad", "order.placed", "2024-07-01T11:00:00+08:00", order_id="B", buyer_id="b", due_by="tomorrow")
    for envelope in (profile("prof", "2024-06-01T00:00:00Z", [KK]), good, bad):
        stored(aws, envelope)

    records = [r for r in StreamReader(aws).read() if r["dynamodb"]["NewImage"]["t"]["S"] in STATE_TYPES]
    assert aggregate_handler.lambda_handler({"Records": records}, Context()) == {"batchItemFailures": []}
    assert store.parked() == []  # the profile applied; the orders derive nothing when they arrive

    # The fold on read (an evaluation) meets the bad order: the good one of the same day still counts.
    assert orders_placed("2024-07-01") == 1
    [parked] = store.parked()
    assert (parked["event_id"], parked["partner_id"]) == ("bad", "p1")
    assert parked["reason"].startswith("ValueError") and parked["image"]["data"]["due_by"] == "tomorrow"

    # Redriven before anything is fixed: still parked, with its reason.
    assert aggregate_handler.lambda_handler({"redrive": True}, Context()) == {
        "applied": [], "still_parked": {"bad": parked["reason"]}}  # fmt: skip
    # An operator corrects the parked copy; the redrive puts it back and the parking is empty.
    aws.update_item(
        TableName=config.state_table(),
        Key={"pk": {"S": "PARKED"}, "sk": {"S": "E#bad"}},
        UpdateExpression="SET image.#d.due_by = :due",
        ExpressionAttributeNames={"#d": "data"},
        ExpressionAttributeValues={":due": {"S": "2024-07-02T11:00:00+08:00"}},
    )
    assert aggregate_handler.lambda_handler({"redrive": True}, Context()) == {"applied": ["bad"], "still_parked": {}}
    assert store.parked() == []
    assert orders_placed("2024-07-01") == 2


def test_a_partner_state_event_that_cannot_be_applied_is_parked_by_the_stream(aws: Any) -> None:
    store = IngestStore(aws, config.events_table(), config.state_table())
    stored(aws, event("flag", "risk.flag_raised", "2024-07-01T10:00:00+08:00", flag="fraud"))  # no case_id
    records = StreamReader(aws).read()
    assert aggregate_handler.lambda_handler({"Records": records}, Context()) == {"batchItemFailures": []}
    assert [(p["event_id"], p["reason"]) for p in store.parked()] == [("flag", "KeyError: 'case_id'")]


def test_an_opt_in_before_the_program_exists_is_parked_not_retried_forever(aws: Any) -> None:
    """A marketplace may send an opt-in dated before the program's first version: no rule can judge it. It is
    parked with the loader's reason; the stream batch does not fail every retry."""
    store = IngestStore(aws, config.events_table(), config.state_table())
    stored(aws, profile("prof", "2023-06-01T00:00:00Z", ["booking-preferred-property"]))
    stored(aws, event("early", "program.opted_in", "2023-07-01T00:00:00Z", program_id="booking-preferred-property"))
    records = [r for r in StreamReader(aws).read() if r["dynamodb"]["NewImage"]["t"]["S"] in STATE_TYPES]
    assert aggregate_handler.lambda_handler({"Records": records}, Context()) == {"batchItemFailures": []}
    reasons = {p["event_id"]: p["reason"] for p in store.parked()}  # the partner's batch events wait together
    assert reasons["early"].startswith("ProgramError") and "no version is in force" in reasons["early"]
