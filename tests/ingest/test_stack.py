"""Contract: the ingest functions as template.yaml deploys them (embedded AWS), fed by their real event sources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from functions.ingest import aggregate as aggregate_handler
from functions.ingest import app as http_handler
from functions.ingest import queue as queue_handler
from standing import config
from standing.adapters.ingest_store import stored_event
from standing.fold import fold_days

EVENTS = Path(__file__).resolve().parents[2] / "events"
CACHED = (http_handler._service_for, queue_handler._service_for, aggregate_handler._aggregator_for)


def _clear() -> None:
    """Handlers and config keep their tables for the life of a container; a deployed stack has its own names."""
    for name in dir(config):
        cached = getattr(config, name)
        if callable(cached) and hasattr(cached, "cache_clear"):
            cached.cache_clear()
    for cached in CACHED:
        cached.cache_clear()


@pytest.fixture
def deployed(stack: Any) -> Iterator[Any]:
    _clear()
    yield stack
    _clear()


def load(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def day_counts(deployed: Any, partner: str, tz: str, day: str) -> dict[str, int]:
    """The partner's day folded on read from the deployed EventsTable, as the evaluation reads it."""
    items = boto3.resource("dynamodb", region_name="us-east-1").Table(deployed.name_of("EventsTable")).query(
        KeyConditionExpression=Key("pk").eq(f"P#{partner}"), ConsistentRead=True)["Items"]  # fmt: skip
    wanted = date.fromisoformat(day)
    days = fold_days([stored_event(i) for i in items], tz, wanted, wanted).days
    return days[0].counts if days else {}


def test_http_and_bus_events_reach_the_daily_aggregates(deployed: Any) -> None:
    response = deployed.invoke("IngestFunction", load("ingest_http_post_events.json"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"accepted": 20, "duplicates": 0, "rejected": []}
    sqs = boto3.client("sqs", region_name="us-east-1")
    for record in load("ingest_sqs_from_bus.json")["Records"]:
        sqs.send_message(QueueUrl=deployed.queue_url("IngestQueue"), MessageBody=record["body"])
    deployed.pump_queue("IngestQueue")
    deployed.pump_stream("EventsTable")
    counts = day_counts(deployed, "partner-0042", "Asia/Taipei", "2024-07-01")
    assert counts["orders_placed"] == 2 and counts["orders_confirmed_on_time"] == 1
    assert deployed.errors == []


def test_a_malformed_bus_message_ends_in_the_dlq(deployed: Any) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.send_message(QueueUrl=deployed.queue_url("IngestQueue"), MessageBody="this is not an EventBridge event")
    good = load("ingest_sqs_from_bus.json")["Records"][0]["body"]
    sqs.send_message(QueueUrl=deployed.queue_url("IngestQueue"), MessageBody=good)
    assert deployed.pump_queue("IngestQueue") == 1  # the good one; the bad one is redriven, not retried forever
    assert deployed.dead_letters()["IngestDLQ"] == 1


def test_two_requests_racing_with_one_id_count_once_on_the_deployed_stack(deployed: Any) -> None:
    """Issue 11: two requests carrying one event_id with different content both got 200 and the order counted twice
    (orders_placed 12 -> 14). Now one wins, the other is a conflict, and the day counts the order once."""
    import threading

    profile = {"event_id": "race-prof", "type": "partner.profile", "partner_id": "racer",
               "occurred_at": "2024-06-01T00:00:00+08:00",
               "data": {"name": "Racer", "email": "racer@example.com", "locale": "en",
                        "programs": ["kkday-trusted-partner"]}}  # fmt: skip
    assert deployed.request("POST", "/events", {"events": [profile]})[0] == 200
    answers: list[Any] = [None, None]
    barrier = threading.Barrier(2)

    def send(side: int) -> None:
        event = {
            "event_id": "race-1",
            "type": "order.placed",
            "partner_id": "racer",
            "occurred_at": "2024-07-01T10:00:00+08:00",
            "data": {"order_id": f"order-{side}", "buyer_id": "b", "due_by": "2024-07-02T10:00:00+08:00"},
        }
        barrier.wait()
        answers[side] = deployed.request("POST", "/events", {"events": [event]})  # fmt: skip

    threads = [threading.Thread(target=send, args=(side,)) for side in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bodies = sorted((a[1] for a in answers), key=lambda body: body["accepted"])
    assert [a[0] for a in answers] == [200, 200]
    assert (bodies[0]["accepted"], [r["error"] for r in bodies[0]["rejected"]]) == (0, ["conflict"])
    assert (bodies[1]["accepted"], bodies[1]["rejected"]) == (1, [])
    deployed.drain()
    assert day_counts(deployed, "racer", "Asia/Taipei", "2024-07-01")["orders_placed"] == 1
