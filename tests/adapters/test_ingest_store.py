"""The ingest repository (standing.adapters.ingest_store) on tables: its keys are the builders' own, it speaks
through the models' one client, and its errors are the shared vocabulary (a lost connection is transient)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from standing import config
from standing.adapters import ingest_store, tables
from standing.adapters.errors import ConditionFailed, StoreUnavailable
from standing.adapters.ingest_store import IngestStore


def test_its_keys_are_the_builders_own():
    occurred = datetime(2024, 7, 1, 23, 30, tzinfo=UTC)
    assert (ingest_store.partner_pk("kk-1"), ingest_store.event_sk("2024-07-01", "e#1", "t")) == tables.EventItem.key(
        "kk-1", occurred, "e#1", "t"
    )
    event = {"partner_id": "kk-1", "event_id": "e#1", "occurred_at": "2024-07-02T07:30:00+08:00", "type": "t"}
    item = ingest_store.event_item(event)
    assert (item["pk"], item["sk"], item["a"]) == ("P#kk-1", "2024-07-01#e#1", (23 * 60 + 30) * 60 * 10**6)
    assert ingest_store.stored_event(item) == {**event, "occurred_at": "2024-07-01T23:30:00.000000Z"}


def test_an_event_item_is_stored_under_short_names_and_read_back_whole():
    event = {"partner_id": "kk-1", "event_id": "e1", "occurred_at": "2024-07-01T08:00:00.000000Z",
             "type": "order.placed", "data": {"order_id": "o1"}, "digest": "ab" * 16,
             "received_at": "2024-07-01T08:00:01.000007Z", "expires_at": 1900000000}  # fmt: skip
    item = ingest_store.event_item(event)
    received = int(datetime(2024, 7, 1, 8, 0, 1, tzinfo=UTC).timestamp()) * 10**6 + 7  # to the microsecond
    assert item == {"pk": "P#kk-1", "sk": "2024-07-01#e1", "a": 8 * 3600 * 10**6, "t": "order.placed",
                    "d": {"order_id": "o1"}, "h": bytes([0xAB] * 16), "r": received, "x": 1900000000}  # fmt: skip
    assert ingest_store.stored_event(item) == event
    assert ingest_store.stored_event(ingest_store.deserialize(ingest_store.serialize(item))) == event  # a stream image
    # An item an earlier release stored under the long names reads the same.
    legacy = {"pk": "P#kk-1", "sk": "2024-07-01#e1", "at": event["occurred_at"],
              **{k: v for k, v in event.items() if k not in ("partner_id", "event_id", "occurred_at")}}  # fmt: skip
    assert ingest_store.stored_event(legacy) == event


def test_from_config_speaks_through_the_models_one_client(aws):
    assert IngestStore.from_config()._client is tables.shared_client()


def test_a_stale_write_is_the_shared_condition_failure(aws):
    store = IngestStore(aws, config.events_table(), config.state_table())
    store.put_profile("kk-1", {"programs": ["p"]}, "2024-07-02T00:00:00.000000Z", "b")
    with pytest.raises(ConditionFailed):
        store.put_profile("kk-1", {"programs": []}, "2024-07-01T00:00:00.000000Z", "a")
    store.put_pending_void("kk-1", "e-1", "v-1")
    assert store.pending_voids([("kk-1", "e-1"), ("kk-1", "e-2")]) == {("kk-1", "e-1")}
    assert tables.state_model_of(*tables.VoidMarkerItem.key("kk-1", "e-1")) is tables.VoidMarkerItem


class Unreachable:
    def __getattr__(self, name: str) -> Any:
        def fail(**_kwargs: Any) -> Any:
            raise EndpointConnectionError(endpoint_url="https://dynamodb.example")

        return fail


def test_a_lost_connection_is_transient():
    with pytest.raises(StoreUnavailable):
        IngestStore(Unreachable(), "events", "state").get_profile("kk-1")
    with pytest.raises(StoreUnavailable):
        IngestStore(Unreachable(), "events", "state").put_new_events([{"pk": "P#kk-1", "sk": "2024-07-01#e"}])


def test_instants_are_stored_as_microseconds_and_read_back_as_the_same_text():
    for text in ("1970-01-01T00:00:00.000000Z", "2024-02-29T23:59:59.999999Z", "2099-12-31T12:00:00.000001Z"):
        assert tables.utc_text_of_micros(tables.epoch_micros(text)) == text
        assert tables.time_of_day_text(tables.micros_of_day(text)) == text[11:]
    assert tables.epoch_micros("2024-07-01T10:00:00+02:00") == tables.epoch_micros("2024-07-01T08:00:00.000000Z")
