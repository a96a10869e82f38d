"""Scenario helpers: events through POST /events, the stream and queues pumped, schedules fired at local times,
and every event Standing puts on its bus captured for counting."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

_ids = itertools.count(1)


def event(kind: str, partner: str, at: str, **data: Any) -> dict[str, Any]:
    return {"event_id": f"e-{next(_ids):06d}", "type": kind, "partner_id": partner, "occurred_at": at, "data": data}


def order_placed(partner: str, placed: datetime, order: str, buyer: str, due_in: timedelta) -> dict[str, Any]:
    """An order.placed event, due `due_in` after it was placed."""
    due_by = (placed + due_in).isoformat()
    return event("order.placed", partner, placed.isoformat(), order_id=order, buyer_id=buyer, due_by=due_by)


# A partner profile's attributes besides its name and email: a self-managed store in Taiwan, open since 2023.
PROFILE_ATTRIBUTES = {
    "locale": "en",
    "region": "TW",
    "category": "general",
    "self_managed": True,
    "store_opened_at": "2023-01-01T00:00:00+00:00",
    "first_sale_at": "2023-01-05T00:00:00+00:00",
}


def profile(partner: str, at: str, programs: list[str], **attrs: Any) -> dict[str, Any]:
    base = {
        "name": f"Partner {partner}",
        "email": f"{partner}@example.com",
        **PROFILE_ATTRIBUTES,
        "programs": programs,
    }
    return event("partner.profile", partner, at, **{**base, **attrs})


class Scenario:
    def __init__(self, stack: Any) -> None:
        self.stack = stack
        sqs = boto3.client("sqs")
        self.capture_url = sqs.create_queue(QueueName="capture-standing-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.capture_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = boto3.client("events")
        events.put_rule(Name="capture", EventBusName=stack.bus_name, EventPattern=json.dumps({"source": ["standing"]}))
        events.put_targets(Rule="capture", EventBusName=stack.bus_name, Targets=[{"Id": "capture", "Arn": arn}])
        self.captured: list[dict[str, Any]] = []

    def post(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        status, body = self.stack.request("POST", "/events", {"events": events})
        assert status == 200, body
        assert not body["rejected"], body["rejected"]
        self.stack.drain()
        return body

    def fire(self, schedule: str, local: str, tz: str) -> None:
        """Fire a template schedule at a local wall-clock time, then let everything downstream finish."""
        at = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(tz))
        target = next(s for s in self.stack.schedules if s.logical_id == schedule)
        self.stack.fire(target, at)
        self.stack.drain()

    def bus_events(self) -> list[dict[str, Any]]:
        # Owed events reach the bus from the state table's stream (the outbox): let it run first.
        self.stack.pump_stream("StateTable")
        sqs = boto3.client("sqs")
        while True:
            got = sqs.receive_message(QueueUrl=self.capture_url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return self.captured
            for message in got:
                self.captured.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.capture_url, ReceiptHandle=message["ReceiptHandle"])

    def count(self, detail_type: str) -> int:
        return Counter(e["detail-type"] for e in self.bus_events())[detail_type]

    def records(self, partner: str, program: str | None = None) -> list[dict[str, Any]]:
        status, body = self.stack.request(
            "GET", f"/partners/{partner}/evaluations", query={"program": program} if program else None
        )
        assert status == 200, body
        return body["items"]

    def emails(self) -> int:
        from standing_local.pipeline import sent_emails

        return len(sent_emails())


@pytest.fixture
def scenario(stack):
    return Scenario(stack)
