"""The backtest's in-memory store behaves as the DynamoDB adapter it stands in for: the real aggregation service
driven over both, with the same stored events in the same batches, leaves the same items (entities, voids, profile,
enrolments, memberships, flags, first sale) and the same daily aggregates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from standing.adapters.ingest_store import IngestStore, deserialize, serialize
from standing.aggregate import Aggregator
from standing.events.models import Rejection, validate_event
from standing.ingest import IngestService
from standing_local.backtest.store import MemoryStore, plain
from standing_local.template import create_table

TZ = {"kkday-trusted-partner": "Asia/Taipei", "tiki-trusted-store": "Asia/Ho_Chi_Minh"}
NOW = datetime(2024, 9, 1, tzinfo=UTC)


def zones_for(programs: list[str]) -> set[str]:
    return {TZ[p] for p in programs if p in TZ}


def _e(n: int, kind: str, at: str, partner: str = "p-1", **data: Any) -> dict[str, Any]:
    return {"event_id": f"x-{n:03d}", "type": kind, "partner_id": partner, "occurred_at": at, "data": data}


def _profile(n: int, at: str, programs: list[str], partner: str = "p-1", **extra: Any) -> dict[str, Any]:
    data = {"name": "Shop", "email": "s@example.com", "locale": "vi", "region": "VN", "category": "general"}
    data |= {"self_managed": True, "store_opened_at": "2024-01-01T00:00:00+07:00", "programs": programs, **extra}
    return _e(n, "partner.profile", at, partner, **data)


def _order(n: int, day: int, order: str, buyer: str, partner: str = "p-1") -> dict[str, Any]:
    at = f"2024-07-{day:02d}T10:00:00+07:00"
    due = f"2024-07-{day:02d}T20:00:00+07:00"
    return _e(n, "order.placed", at, partner, order_id=order, buyer_id=buyer, due_by=due)


BATCHES = [
    [  # events before any profile, a void before the event it voids, a flag raised
        _order(1, 2, "o1", "b1"),
        _e(2, "order.confirmed", "2024-07-02T11:00:00+07:00", order_id="o1"),
        _e(3, "event.voided", "2024-07-03T09:00:00+07:00", voided_event_id="x-005", reason="dispute"),
        _e(4, "risk.flag_raised", "2024-07-03T10:00:00+07:00", flag="fraud", case_id="c1"),
    ],
    [
        _order(5, 4, "o2", "b2"),
        _e(6, "order.fulfilled", "2024-07-05T10:00:00+07:00", order_id="o1"),
        _profile(7, "2024-07-01T08:00:00+07:00", ["tiki-trusted-store"]),
        _e(8, "message.received", "2024-07-06T10:00:00+07:00", thread_id="t", message_id="m1"),
        _e(9, "message.replied", "2024-07-06T12:00:00+07:00", thread_id="t", message_id="m2", in_reply_to="m1"),
        _e(10, "review.submitted", "2024-07-07T10:00:00+07:00", review_id="r1", rating=4.5, scale=5),
    ],
    [  # a newer profile adds a zone, an older one is ignored, memberships race, the flag clears
        _profile(11, "2024-07-10T08:00:00+07:00", ["tiki-trusted-store", "kkday-trusted-partner"]),
        _profile(12, "2024-07-09T08:00:00+07:00", []),
        _e(13, "program.opted_in", "2024-07-11T08:00:00+07:00", program_id="tiki-trusted-store"),
        _e(14, "program.opted_out", "2024-07-10T08:00:00+07:00", program_id="tiki-trusted-store"),
        _e(15, "risk.flag_cleared", "2024-07-12T10:00:00+07:00", flag="fraud", case_id="c1"),
        _order(16, 12, "o3", "b3"),
        _e(17, "order.cancelled", "2024-07-12T11:00:00+07:00", order_id="o3", cause="partner"),
        _order(18, 13, "o4", "b4", partner="p-2"),
        _profile(19, "2024-07-13T08:00:00+07:00", ["kkday-trusted-partner"], partner="p-2"),
        _e(20, "score.reported", "2024-07-13T09:00:00+07:00", metric="performance_score", value=81.5),
    ],
]


def _images(envelopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The EventsTable items ingest stores for these envelopes, as the stream delivers them (DynamoDB types)."""
    service = IngestService(MemoryStore(), 400, clock=lambda: NOW)
    images = []
    for n, raw in enumerate(envelopes):
        checked = validate_event(n, json.loads(json.dumps(raw)))
        assert not isinstance(checked, Rejection), checked
        images.append(deserialize(serialize(service.stored_item(checked, NOW))))
    return images


@pytest.fixture
def dynamodb():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, "EventsTable", "events")
        create_table(client, "StateTable", "state")
        yield client


def test_the_memory_store_leaves_what_dynamodb_leaves(dynamodb):
    stored = IngestStore(dynamodb, "events", "state")
    memory = MemoryStore()
    real, fake = Aggregator(stored, zones_for), Aggregator(memory, zones_for)
    for batch in BATCHES:
        images = _images(batch)
        for image in images:
            dynamodb.put_item(TableName="events", Item=serialize(image))
            memory.events[str(image["event_id"])] = image
        real.apply_all(images)
        fake.apply_all(images)

    items = [deserialize(i) for i in dynamodb.scan(TableName="state")["Items"]]
    in_table = {(i["pk"], i["sk"]): plain(i) for i in items if not str(i["sk"]).startswith("A#")}
    in_memory = {
        (item["pk"], sk): plain(item) for partition in memory.partners.values() for sk, item in partition.items.items()
    }
    assert set(in_table) == set(in_memory)
    for key, item in in_table.items():
        mine = {k: v for k, v in in_memory[key].items() if k not in ("gsi1pk", "gsi1sk")}
        assert mine == {k: v for k, v in item.items() if k not in ("gsi1pk", "gsi1sk")}, key
        assert in_memory[key].get("gsi1pk") == item.get("gsi1pk"), key

    days_in_table = {(i["pk"], i["sk"]): (i["data"], int(i["n"])) for i in items if str(i["sk"]).startswith("A#")}
    days_in_memory = {
        (f"P#{partner}", f"A#{tz}#{day}"): (stored_day.data, stored_day.n)
        for partner, partition in memory.partners.items()
        for tz, days in partition.days.items()
        for day, stored_day in days.items()
    }
    assert days_in_table and days_in_table == days_in_memory
    assert {sk.split("#")[1] for _, sk in days_in_table} == {"Asia/Taipei", "Asia/Ho_Chi_Minh"}
    # the scenario reaches what it means to: a first sale kept, the voided order gone, the flag closed, the newer
    # membership kept, the older profile ignored
    profile = in_memory[("P#p-1", "PROFILE")]
    assert profile["first_sale_seen_at"] and profile["profile_event_id"] == "x-011"
    assert "v#x-005" in in_memory[("P#p-1", "N#O#o2")]
    assert in_memory[("P#p-1", "N#F#fraud#c1")]["open"] is False
    assert in_memory[("P#p-1", "ENROL#tiki-trusted-store")]["membership"] == "opted_in"
