"""Ingest test fixtures: both tables in moto with the template's key schema, and a pipeline that runs ingest, then
delivers the EventsTable stream (read from moto's own stream, filtered as the template filters it) to the
partner-state service, and folds a partner's stored events on read as the evaluation does."""

from __future__ import annotations

import os

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SECURITY_TOKEN", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "standing")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Standing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("EVENTS_TABLE_NAME", "standing-test-events")
os.environ.setdefault("STATE_TABLE_NAME", "standing-test-state")
os.environ.setdefault("RAW_EVENT_TTL_DAYS", "400")

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from standing import config
from standing.adapters.ingest_store import IngestStore, deserialize, partner_pk, stored_event
from standing.day_aggregate import DayAggregate
from standing.fold import fold_days
from standing.ingest.partner_state import STATE_TYPES, PartnerStateService
from standing.ingest.service import IngestResult, IngestService
from standing_local import moto_speedups
from standing_local.embedded import stream_record
from standing_local.template import create_table

REGION = "us-east-1"
# Time zones of the built-in programs (the rules package owns them; tests pin them to stay independent of it).
ZONES = {
    "kkday-trusted-partner": "Asia/Taipei",
    "booking-preferred-property": "Europe/Amsterdam",
    "booking-rides-preferred": "Europe/Amsterdam",
    "tiki-trusted-store": "Asia/Ho_Chi_Minh",
}


def zones_for(programs: list[str]) -> set[str]:
    return {ZONES[p] for p in programs if p in ZONES}


def create_tables(client: Any) -> None:
    """The template's two tables, under the names this test environment configures."""
    create_table(client, "EventsTable", config.events_table())
    create_table(client, "StateTable", config.state_table())


class StreamReader:
    """Reads the EventsTable stream from moto as Lambda would deliver it (records in order, from where it left)."""

    def __init__(self, ddb: Any) -> None:
        # botocore sends stream calls to an account-based endpoint that moto does not route: name the classic one.
        self._streams = boto3.client(
            "dynamodbstreams", region_name=REGION, endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
        )
        self._arn = ddb.describe_table(TableName=config.events_table())["Table"]["LatestStreamArn"]
        self._iterators: dict[str, str] = {}

    def read(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for shard in self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            iterator = (
                self._iterators.get(shard_id)
                or self._streams.get_shard_iterator(
                    StreamArn=self._arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            while True:
                page = self._streams.get_records(ShardIterator=iterator, Limit=1000)
                iterator = page["NextShardIterator"]
                records.extend(stream_record(r, self._arn) for r in page["Records"])
                if not page["Records"]:
                    break
            self._iterators[shard_id] = iterator
        return records


class Pipeline:
    """ingest -> EventsTable -> stream -> aggregation, with helpers to read what it produced."""

    def __init__(self, ddb: Any, sleeps: list[float]) -> None:
        self.ddb = ddb
        self.store = IngestStore(ddb, config.events_table(), config.state_table(), sleep=sleeps.append)
        self.ingest_service = IngestService(self.store, 400, clock=lambda: datetime(2024, 8, 1, tzinfo=UTC))
        self.aggregator = PartnerStateService(self.store)
        self.stream = StreamReader(ddb)

    def ingest(self, events: list[Any]) -> IngestResult:
        return self.ingest_service.ingest(events)

    def aggregate(self, records: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Deliver stream records (default: every new one) to the partner-state service as one batch, as the
        template's filter does: only the types partner state needs."""
        records = self.stream.read() if records is None else records
        images = [
            stored_event(deserialize(r["dynamodb"]["NewImage"]))
            for r in records
            if r["eventName"] in ("INSERT", "MODIFY")
        ]
        self.aggregator.apply_all([i for i in images if i["type"] in STATE_TYPES])
        return records

    def send(self, events: list[Any], *, batch: int = 500) -> IngestResult:
        total = IngestResult()
        for start in range(0, len(events), batch):
            total.merge(self.ingest(events[start : start + batch]))
            self.aggregate()
        return total

    def state(self, partner: str, sk: str) -> dict[str, Any] | None:
        return self.store.get_state(partner, sk)

    def events(self, partner: str) -> list[dict[str, Any]]:
        """Every stored event of a partner, as the fold reads them."""
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": config.events_table(),
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": partner_pk(partner)}},
            "ConsistentRead": True,
        }
        while True:
            response = self.ddb.query(**request)
            items.extend(stored_event(deserialize(i)) for i in response["Items"])
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def day(self, partner: str, tz: str, day: str) -> DayAggregate | None:
        """One local day of a partner, folded on read from its stored events."""
        wanted = date.fromisoformat(day)
        days = fold_days(self.events(partner), tz, wanted, wanted).days
        return days[0] if days else None

    def days(self, partner: str) -> dict[str, dict[str, Any]]:
        """Every day of a partner in the zones of its programs, folded on read, as {"tz/day": to_dict()}."""
        profile = self.state(partner, "PROFILE") or {}
        return {
            f"{tz}/{aggregate.day.isoformat()}": aggregate.to_dict()
            for tz in sorted(zones_for([str(p) for p in profile.get("programs", [])]))
            for aggregate in fold_days(self.events(partner), tz).days
        }


@pytest.fixture
def aws() -> Iterator[Any]:
    moto_speedups.install()  # DynamoDB's atomic conditional writes (the race tests write from threads)
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        create_tables(ddb)
        yield ddb


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def pipeline(aws: Any, sleeps: list[float]) -> Pipeline:
    return Pipeline(aws, sleeps)


def event(event_id: str, type_name: str, occurred_at: str, partner: str = "p1", **data: Any) -> dict[str, Any]:
    return {"event_id": event_id, "type": type_name, "partner_id": partner, "occurred_at": occurred_at, "data": data}


def profile(event_id: str, at: str, programs: list[str], partner: str = "p1", **extra: Any) -> dict[str, Any]:
    data = {"name": "Shop", "email": "shop@example.com", "locale": "en", "programs": programs, **extra}
    return event(event_id, "partner.profile", at, partner, **data)
