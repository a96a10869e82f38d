"""Ingest benchmark: events per second through the ingest path against a bare BatchWriteItem of the same events
into the same embedded DynamoDB (moto, in-process), printed as a ratio; then the aggregation path, and write units
per event computed from item sizes (moto's ConsumedCapacity is made up, so sizes are measured here).

Usage: .venv/bin/python bench/ingest.py [--events 3000] [--partners 100] [--batch 500] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "standing")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")

import boto3
from moto import mock_aws

from standing.adapters.ingest_store import IngestStore, deserialize, serialize
from standing.aggregate import Aggregator
from standing.events.models import ValidEvent, validate_event
from standing.ingest import IngestService
from standing_local import moto_speedups
from standing_local.template import create_table, load_sam

EVENTS_TABLE, BARE_TABLE, STATE_TABLE = "bench-events", "bench-bare", "bench-state"
ZONES = {"kkday-trusted-partner": "Asia/Taipei", "tiki-trusted-store": "Asia/Ho_Chi_Minh"}
KB = 1024


# --- item sizes (DynamoDB's published rules) ----------------------------------------------------------------------


def _value_size(value: dict[str, Any]) -> int:
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        digits = inner.lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "B":
        return len(inner)
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + _value_size(v) for k, v in inner.items())
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: v}) for v in inner)
    raise ValueError(kind)


def item_size(item: dict[str, Any]) -> int:
    """Bytes of a DynamoDB-typed item: attribute names plus values."""
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / KB))


class MeteredClient:
    """Delegates to the DynamoDB client and meters write units from item sizes (tables, LSI, GSI)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.units: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.sizes: dict[tuple[str, str, str], int] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _key(self, table: str, item: dict[str, Any]) -> tuple[str, str, str]:
        if "event_id" in item:
            return table, item["event_id"]["S"], ""
        return table, item["pk"]["S"], item["sk"]["S"]

    def _meter(self, table: str, item: dict[str, Any], before: int = 0) -> None:
        size = max(item_size(item), before)
        self.units[table] += write_units(size)
        if "anchor_at" in item:
            self.units[f"{table} LSI by_anchor"] += write_units(size)
        if "gsi1pk" in item:
            self.units[f"{table} GSI by_enrolment"] += 1  # keys only
        self.sizes[self._key(table, item)] = size

    def batch_write_item(self, RequestItems: dict[str, Any], **kw: Any) -> dict[str, Any]:
        self.calls["BatchWriteItem"] += 1
        for table, requests in RequestItems.items():
            for request in requests:
                self._meter(table, request["PutRequest"]["Item"])
        return self._client.batch_write_item(RequestItems=RequestItems, **kw)

    def put_item(self, **kw: Any) -> dict[str, Any]:
        self.calls["PutItem " + kw["Item"].get("sk", {}).get("S", "")[:2]] += 1
        response = self._client.put_item(**kw)
        self._meter(kw["TableName"], kw["Item"])
        return response

    def update_item(self, **kw: Any) -> dict[str, Any]:
        self.calls["UpdateItem"] += 1
        kw = dict(kw)
        asked = kw.get("ReturnValues")
        if asked is None:
            kw["ReturnValues"] = "ALL_NEW"
        response = self._client.update_item(**kw)
        attributes = response.get("Attributes", {})
        if attributes:
            before = self.sizes.get(self._key(kw["TableName"], attributes), 0)
            self._meter(kw["TableName"], attributes, before)
        if asked is None:
            response.pop("Attributes", None)
        return response


# --- data ---------------------------------------------------------------------------------------------------------


def generate(n_events: int, n_partners: int, seed: int) -> list[dict[str, Any]]:
    """A realistic mix: a profile per partner, then orders with lifecycles, messages with replies, reviews."""
    rng = random.Random(seed)
    start = datetime(2024, 7, 1, tzinfo=UTC)
    events: list[dict[str, Any]] = []
    serial = 0

    def add(partner: str, type_name: str, at: datetime, **data: Any) -> None:
        nonlocal serial
        serial += 1
        events.append(
            {
                "event_id": f"evt-{serial:08d}",
                "type": type_name,
                "partner_id": partner,
                "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "data": data,
            }
        )

    partners = [f"partner-{i:05d}" for i in range(n_partners)]
    for p in partners:
        add(p, "partner.profile", start - timedelta(days=30), name=f"Shop {p}", email=f"{p}@example.com",
            locale="en", category="general", self_managed=True, store_opened_at="2023-01-01",
            programs=list(ZONES))
    while len(events) < n_events:
        p = rng.choice(partners)
        at = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 30))
        kind = rng.random()
        if kind < 0.55:
            order = f"o-{serial}"
            add(p, "order.placed", at, order_id=order, buyer_id=f"b-{rng.randrange(10_000)}",
                due_by=(at + timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ"), amount=Decimal("19.90"),
                currency="USD")
            add(p, "order.confirmed", at + timedelta(hours=rng.randrange(1, 30)), order_id=order)
            if rng.random() < 0.05:
                add(p, "order.cancelled", at + timedelta(hours=2), order_id=order,
                    cause=rng.choice(["partner", "customer", "platform", "force_majeure"]))
            else:
                add(p, "order.fulfilled", at + timedelta(hours=rng.randrange(2, 40)), order_id=order)
        elif kind < 0.85:
            message = f"m-{serial}"
            add(p, "message.received", at, thread_id=f"t-{serial}", message_id=message)
            add(p, "message.replied", at + timedelta(hours=rng.randrange(0, 30)), thread_id=f"t-{serial}",
                message_id=f"{message}-r", in_reply_to=message)
        else:
            add(p, "review.submitted", at, review_id=f"r-{serial}", rating=rng.randint(1, 5), scale=5)
    events = events[:n_events]
    events.sort(key=lambda e: (e["type"] != "partner.profile", e["occurred_at"]))  # as the marketplace sends them
    return events


def create_tables(client: Any) -> None:
    """The template's own tables (and a bare copy of EventsTable for the baseline)."""
    sam = load_sam()
    for name in (EVENTS_TABLE, BARE_TABLE):
        create_table(client, "EventsTable", name, sam)
    create_table(client, "StateTable", STATE_TABLE, sam)


def zones_for(programs: list[str]) -> set[str]:
    return {ZONES[p] for p in programs if p in ZONES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--partners", type=int, default=100)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    events = generate(args.events, args.partners, args.seed)
    batches = [events[i : i + args.batch] for i in range(0, len(events), args.batch)]

    moto_speedups.install()  # Query reads one partition, as DynamoDB does, instead of sorting the whole table
    with mock_aws():
        raw = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(raw)
        metered = MeteredClient(raw)
        store = IngestStore(metered, EVENTS_TABLE, STATE_TABLE)
        service = IngestService(store, 400)

        # The same stored items, prepared outside the timing, for the bare write.
        now = datetime.now(UTC)
        prepared = []
        for index, e in enumerate(events):
            valid = validate_event(index, e)
            assert isinstance(valid, ValidEvent), valid
            prepared.append(serialize(service.stored_item(valid, now)))

        started = time.perf_counter()
        for chunk in (prepared[i : i + 25] for i in range(0, len(prepared), 25)):
            pending: dict[str, Any] = {BARE_TABLE: [{"PutRequest": {"Item": item}} for item in chunk]}
            while pending:
                pending = raw.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        bare_seconds = time.perf_counter() - started

        started = time.perf_counter()
        accepted = 0
        for batch in batches:
            accepted += service.ingest(batch).accepted
        ingest_seconds = time.perf_counter() - started
        assert accepted == len(events), accepted
        event_units = metered.units[EVENTS_TABLE]
        event_bytes = sorted(item_size(i) for i in prepared)

        # Aggregation: the stream of the events table, in Lambda-sized batches, through the aggregation service.
        streams = boto3.client(
            "dynamodbstreams", region_name="us-east-1", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com"
        )
        arn = raw.describe_table(TableName=EVENTS_TABLE)["Table"]["LatestStreamArn"]
        images = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                page = streams.get_records(ShardIterator=iterator, Limit=1000)
                images += [deserialize(r["dynamodb"]["NewImage"]) for r in page["Records"]]
                if not page["Records"]:
                    break
                iterator = page["NextShardIterator"]
        aggregator = Aggregator(store, zones_for)
        metered.units.clear()
        metered.calls.clear()
        started = time.perf_counter()
        days_written = 0
        for i in range(0, len(images), args.batch):
            days_written += aggregator.apply_all(images[i : i + args.batch]).days_written
        aggregate_seconds = time.perf_counter() - started

    sizes: dict[str, list[int]] = {}
    for (table, _pk, sk), size in metered.sizes.items():
        if table == STATE_TABLE:
            kind = "#".join(sk.split("#")[:2]) if sk.startswith("N#") else sk.split("#")[0]
            sizes.setdefault(kind, []).append(size)
    n = len(events)
    bare_rate, ingest_rate = n / bare_seconds, n / ingest_seconds
    state_units = sum(v for k, v in metered.units.items())
    lines = [
        f"events: {n} ({args.partners} partners, batches of {args.batch}), embedded DynamoDB (moto)",
        f"bare BatchWriteItem : {bare_rate:9.0f} events/s",
        f"ingest path         : {ingest_rate:9.0f} events/s (validate + BatchGetItem + BatchWriteItem)",
        f"ratio ingest / bare : {ingest_rate / bare_rate:9.2f}",
        f"aggregation path    : {n / aggregate_seconds:9.0f} events/s (stream -> entities -> daily aggregates)",
        f"raw event item size : median {event_bytes[len(event_bytes) // 2]} B, max {event_bytes[-1]} B",
        f"write units / event : events table {event_units / n:.2f}",
        "                      state table  "
        + ", ".join(f"{k.replace(STATE_TABLE, 'table')} {v / n:.2f}" for k, v in sorted(metered.units.items())),
        f"                      total        {(event_units + state_units) / n:.2f}",
        "state item sizes    : "
        + ", ".join(
            f"{kind} median {sorted(v)[len(v) // 2]} B max {max(v)} B" for kind, v in sorted(sizes.items())
        ),
        f"aggregate writes    : {metered.calls['PutItem A#']} PutItem for {days_written} partner-days written"
        f" ({days_written / n:.3f} per event)",
    ]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
