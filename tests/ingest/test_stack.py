"""Contract: the ingest functions as template.yaml deploys them (embedded AWS), fed by their real event sources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from functions.ingest import aggregate as aggregate_handler
from functions.ingest import app as http_handler
from functions.ingest import queue as queue_handler
from standing import config

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


def test_http_and_bus_events_reach_the_daily_aggregates(deployed: Any) -> None:
    response = deployed.invoke("IngestFunction", load("ingest_http_post_events.json"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"accepted": 20, "duplicates": 0, "rejected": []}
    sqs = boto3.client("sqs", region_name="us-east-1")
    for record in load("ingest_sqs_from_bus.json")["Records"]:
        sqs.send_message(QueueUrl=deployed.queue_url("IngestQueue"), MessageBody=record["body"])
    deployed.pump_queue("IngestQueue")
    deployed.pump_stream("EventsTable")
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    item = ddb.get_item(
        TableName=deployed.name_of("StateTable"),
        Key={"pk": {"S": "P#partner-0042"}, "sk": {"S": "A#Asia/Taipei#2024-07-01"}},
    )["Item"]
    counts = json.loads(item["data"]["S"])["counts"]
    assert counts["orders_placed"] == 2 and counts["orders_confirmed_on_time"] == 1
    assert deployed.errors == []


def test_a_malformed_bus_message_ends_in_the_dlq(deployed: Any) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.send_message(QueueUrl=deployed.queue_url("IngestQueue"), MessageBody="this is not an EventBridge event")
    good = load("ingest_sqs_from_bus.json")["Records"][0]["body"]
    sqs.send_message(QueueUrl=deployed.queue_url("IngestQueue"), MessageBody=good)
    assert deployed.pump_queue("IngestQueue") == 1  # the good one; the bad one is redriven, not retried forever
    assert deployed.dead_letters()["IngestDLQ"] == 1
