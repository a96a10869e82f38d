"""DynamoDB repository of ingest and partner state: the EventsTable's events and, in the StateTable, what the
stream derives on the partner (profile, enrolments, memberships, risk cases, void markers) and parked events.

Keys and their formats come from `standing.adapters.tables` (the one owner); errors leave as the shared vocabulary
of `standing.adapters.errors`, translated by code (`tables.translate`): `StoreUnavailable` (throttling, capacity,
internal errors: the caller retries or reports a batch item failure), `StaleWrite` (`ConditionFailed`: a
conditional write lost to a newer one, the caller skips it), `TableMissing` and `StoreError` (retrying will not
help). The repository speaks to one injected botocore client (in production the models' shared one,
`tables.shared_client()`): ingest puts 16 events at a time through it, and tests and the cost bench wrap it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from standing import config
from standing.adapters import tables
from standing.adapters.errors import ConditionFailed, StoreError, StoreUnavailable, TableMissing
from standing.adapters.tables import (
    PARKED_PK,
    PROFILE_SK,
    RISK_CASE_PREFIX,
    enrolment_sk,
    event_of_void_marker,
    parked_sk,
    partner_key,
    partner_of,
    void_marker_sk,
)
from standing.events.models import PROFILE_FIELDS, utc_text

__all__ = ["ConditionFailed", "IngestStore", "StaleWrite", "StoreError", "StoreUnavailable", "TableMissing"]

READ_CHUNK = 100  # BatchGetItem limit
WRITERS = tables.POOL_CONNECTIONS  # conditional PutItems in flight per ingest call (botocore clients are thread-safe)
MAX_ATTEMPTS = 8
BASE_DELAY = 0.05
MAX_DELAY = 2.0

# A conditional write refused because a newer value is already stored (the shared `ConditionFailed`).
StaleWrite = ConditionFailed

_serializer = TypeSerializer()


def _translate(error: ClientError | BotoCoreError) -> StoreError:
    return tables.translate(error)


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


deserialize = tables.deserialize  # a stream record's image as plain values (the tables module's one reader)


def _chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


partner_pk = partner_key  # the name ingest and its tests import


def event_sk(utc_day: str, event_id: str, type_name: str) -> str:
    """EventsTable sort key: the family (reviews and voids apart), then the occurred UTC day, so a window is one key
    range of each family of the partner's events."""
    return tables.day_event_sk(utc_day, event_id, type_name)


def event_id_of(sk: str) -> str:
    return tables.event_id_of(sk)


_EVENT_FIELDS = {stored: name for name, stored in tables.EVENT_STORED_NAMES.items()}
_KEPT_APART = ("partner_id", "event_id", "occurred_at")  # in the key, or the key and the time of day


def event_item(event: Mapping[str, Any]) -> dict[str, Any]:
    """The EventsTable item of a stored event (the inverse of `stored_event`): its fields under the item's short
    names (`tables.EventItem`), the digest as bytes, the occurred instant split into the sort key's UTC day and the
    time of day."""
    at = utc_text(str(event["occurred_at"]))  # an operator's correction may spell it with an offset
    item: dict[str, Any] = {
        "pk": partner_pk(str(event["partner_id"])),
        "sk": event_sk(at[:10], str(event["event_id"]), str(event["type"])),
        tables.EVENT_TIME: tables.micros_of_day(at),
    }
    stored_names = tables.EVENT_STORED_NAMES
    for name, value in event.items():
        if name in _KEPT_APART:
            continue
        if name == "digest" and isinstance(value, str):
            value = bytes.fromhex(value)
        elif name == "received_at" and isinstance(value, str):
            value = tables.epoch_micros(value)
        item[stored_names.get(name, name)] = value
    return item


def stored_event(item: Mapping[str, Any]) -> dict[str, Any]:
    """An EventsTable item (or stream image, or the item of an earlier release under the long names) as the fold,
    partner state and redrive read it: {event_id, partner_id, type, occurred_at, data, digest (hex), received_at,
    expires_at}."""
    sk = str(item["sk"])
    event: dict[str, Any] = {}
    fields = _EVENT_FIELDS
    for stored, value in item.items():
        if stored in ("pk", "sk", "at", tables.EVENT_TIME):
            continue
        name = fields.get(stored, stored)
        if stored != name:  # a short name: bytes and microseconds (an earlier release stored hex and text)
            if name == "digest":
                value = tables.binary_bytes(value).hex()
            elif name == "received_at" and not isinstance(value, str):
                value = tables.utc_text_of_micros(int(value))
        event[name] = value
    event["partner_id"] = partner_of(str(item["pk"]))
    event["event_id"] = event_id_of(sk)
    time_of_day = item.get(tables.EVENT_TIME)
    if time_of_day is None:
        event["occurred_at"] = str(item["at"])
    else:
        of_day = time_of_day if isinstance(time_of_day, str) else tables.time_of_day_text(int(time_of_day))
        event["occurred_at"] = f"{tables.event_day_of(sk)}T{of_day}"
    return event


class IngestStore:
    """EventsTable and StateTable, as ingest and the aggregation handler use them."""

    def __init__(
        self,
        client: Any,
        events_table: str,
        state_table: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._client = client
        self._events = events_table
        self._state = state_table
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._writers: ThreadPoolExecutor | None = None

    @classmethod
    def from_config(cls) -> IngestStore:
        return cls(tables.shared_client(), config.events_table(), config.state_table())

    # --- plumbing -------------------------------------------------------------------------------------------

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self._client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc) from exc

    def _backoff(self, attempt: int) -> None:
        delay = min(MAX_DELAY, BASE_DELAY * (2**attempt))
        self._sleep(random.uniform(delay / 2, delay))

    def _batch_get(self, table: str, keys: list[dict[str, Any]], projection: str | None = None) -> list[dict]:
        found: list[dict[str, Any]] = []
        for chunk in _chunks(keys, READ_CHUNK):
            request: dict[str, Any] = {"Keys": [serialize(k) for k in chunk], "ConsistentRead": True}
            if projection:
                request["ProjectionExpression"] = projection
            pending: dict[str, Any] = {table: request}
            for attempt in range(self._max_attempts):
                response = self._call("batch_get_item", RequestItems=pending)
                found.extend(deserialize(i) for i in response.get("Responses", {}).get(table, []))
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                self._backoff(attempt)
            else:
                raise StoreUnavailable("UnprocessedKeys")
        return found

    # --- EventsTable: the partner's events, by occurred UTC day ----------------------------------------------

    def put_new_events(self, items: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        """Store each event only if it is not stored yet: one conditional PutItem per event
        (`attribute_not_exists(sk)` on its key `P#{partner}` / `{occurred UTC day}#{event_id}`), up to WRITERS in
        flight. DynamoDB decides each condition atomically, so of two requests racing with one event exactly one
        stores it; the other learns the stored digest from the refusal itself (`ReturnValuesOnConditionCheckFailure`),
        at no read cost.

        Returns {event_id: stored digest} for the events that were already stored (the caller tells a duplicate from
        a conflict). Raises StoreUnavailable if DynamoDB stays throttled after the client's retries: the events
        written before that are stored, and sending the batch again turns them into duplicates (nothing is lost
        or counted twice).
        """
        if not items:
            return {}
        if self._writers is None:  # one pool for the life of the store (a warm Lambda reuses it)
            self._writers = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="ingest-put")
        outcomes = list(self._writers.map(self._put_new_event, items))
        return {event_id: digest for event_id, digest in outcomes if digest is not None}

    def _put_new_event(self, item: Mapping[str, Any]) -> tuple[str, str | None]:
        event_id = event_id_of(str(item["sk"]))
        try:
            self._client.put_item(
                TableName=self._events,
                Item=serialize(item),
                ConditionExpression="attribute_not_exists(sk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except (ClientError, BotoCoreError) as exc:
            error = _translate(exc)
            if not isinstance(error, ConditionFailed) or not isinstance(exc, ClientError):
                raise error from exc
            old = exc.response.get("Item")
            stored = deserialize(old) if old else self._get_event(str(item["pk"]), str(item["sk"]))
            return event_id, str(stored_event(stored).get("digest", "")) if stored else ""
        return event_id, None

    def _get_event(self, pk: str, sk: str) -> dict[str, Any] | None:
        key = serialize({"pk": pk, "sk": sk})
        response = self._call("get_item", TableName=self._events, Key=key, ConsistentRead=True)
        item = response.get("Item")
        return deserialize(item) if item else None

    # --- entities -------------------------------------------------------------------------------------------

    def record_event(
        self,
        partner_id: str,
        sk: str,
        attribute: str,
        record: Mapping[str, Any],
        *,
        anchor_at: str | None = None,
        void_attribute: str | None = None,
        expires_at: int | None = None,
    ) -> dict[str, Any]:
        """Store one event on its entity (`SET #e = :e`, first anchor and expiry kept, version bumped).

        Returns the whole item after the write.
        """
        names = {"#e": attribute}
        values: dict[str, Any] = {":e": record, ":one": 1}
        sets = ["#e = :e"]
        if expires_at is not None:
            sets.append("expires_at = if_not_exists(expires_at, :x)")
            values[":x"] = expires_at
        if anchor_at is not None:
            sets.append("anchor_at = if_not_exists(anchor_at, :a)")
            values[":a"] = anchor_at
        if void_attribute is not None:
            sets.append("#v = :t")
            names["#v"] = void_attribute
            values[":t"] = True
        return self._update_entity(partner_id, sk, f"SET {', '.join(sets)} ADD ver :one", names, values)

    def record_void(self, partner_id: str, sk: str, void_attribute: str) -> dict[str, Any]:
        """Mark one event of an entity void (`SET #v = :t`); returns the item."""
        return self._update_entity(
            partner_id, sk, "SET #v = :t ADD ver :one", {"#v": void_attribute}, {":t": True, ":one": 1}
        )

    def _update_entity(
        self, partner_id: str, sk: str, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> dict[str, Any]:
        response = self._call(
            "update_item",
            TableName=self._state,
            Key=serialize({"pk": partner_pk(partner_id), "sk": sk}),
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=serialize(values),
            ReturnValues="ALL_NEW",
        )
        return deserialize(response.get("Attributes", {}))

    def get_state(self, partner_id: str, sk: str) -> dict[str, Any] | None:
        response = self._call(
            "get_item",
            TableName=self._state,
            Key=serialize({"pk": partner_pk(partner_id), "sk": sk}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return deserialize(item) if item else None

    def risk_case_of(self, partner_id: str, event_id: str) -> dict[str, Any] | None:
        """The partner's risk case holding this event, if any (a Query over its few `N#F#` items)."""
        request: dict[str, Any] = {
            "TableName": self._state,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :f)",
            "ExpressionAttributeValues": serialize({":pk": partner_pk(partner_id), ":f": RISK_CASE_PREFIX}),
            "ConsistentRead": True,
        }
        while True:
            response = self._call("query", **request)
            for raw in response.get("Items", []):
                item = deserialize(raw)
                if f"e#{event_id}" in item:
                    return item
            if not response.get("LastEvaluatedKey"):
                return None
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def set_derived(self, partner_id: str, sk: str, version: int, values: Mapping[str, Any]) -> None:
        """Write state derived from an entity's events, only if no event was added since (`ver` unchanged)."""
        names = {f"#d{i}": k for i, k in enumerate(values)}
        expression_values: dict[str, Any] = {f":d{i}": v for i, v in enumerate(values.values())}
        expression_values[":ver"] = version
        self._call(
            "update_item",
            TableName=self._state,
            Key=serialize({"pk": partner_pk(partner_id), "sk": sk}),
            UpdateExpression="SET " + ", ".join(f"#d{i} = :d{i}" for i in range(len(values))),
            ConditionExpression="ver = :ver",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=serialize(expression_values),
        )

    # --- voids that arrive before their event ---------------------------------------------------------------

    def put_pending_void(
        self, partner_id: str, voided_event_id: str, void_event_id: str, expires_at: int | None = None
    ) -> None:
        self._call(
            "put_item",
            TableName=self._state,
            Item=serialize(
                {
                    "pk": partner_pk(partner_id),
                    "sk": void_marker_sk(voided_event_id),
                    "voided_event_id": voided_event_id,
                    "void_event_id": void_event_id,
                    "expires_at": expires_at,
                }
            ),
        )

    def pending_voids(self, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (partner_id, event_id) pairs have a void waiting for them (one consistent BatchGetItem / 100)."""
        keys = [{"pk": partner_pk(p), "sk": void_marker_sk(e)} for p, e in dict.fromkeys(pairs)]
        if not keys:
            return set()
        items = self._batch_get(self._state, keys, "pk, sk")
        return {(partner_of(str(i["pk"])), event_of_void_marker(str(i["sk"]))) for i in items}

    # --- profile and enrolments -----------------------------------------------------------------------------

    def get_profile(self, partner_id: str) -> dict[str, Any] | None:
        return self.get_state(partner_id, PROFILE_SK)

    def get_profiles(self, partner_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The stored profiles of these partners (consistent BatchGetItem, 100 a call); unknown ones left out."""
        keys = [{"pk": partner_pk(p), "sk": PROFILE_SK} for p in dict.fromkeys(partner_ids)]
        if not keys:
            return {}
        return {partner_of(str(item["pk"])): item for item in self._batch_get(self._state, keys)}

    def put_profile(self, partner_id: str, profile: Mapping[str, Any], at: str, event_id: str) -> dict | None:
        """Replace the profile's fields if (at, event_id) is newer than the stored one (fields the new profile leaves
        out are removed; what Standing observed itself, such as the first sale, is kept); returns the previous
        profile. Raises StaleWrite if a newer profile is already stored.
        """
        values = {k: v for k, v in profile.items() if v is not None}
        names = {f"#f{i}": name for i, name in enumerate(values)}
        sets = [f"#f{i} = :f{i}" for i in range(len(values))]
        sets += ["partner_id = :partner", "profile_at = :at", "profile_event_id = :id"]
        removed = [name for name in PROFILE_FIELDS if name not in values]
        names.update({f"#r{i}": name for i, name in enumerate(removed)})
        expression = "SET " + ", ".join(sets)
        if removed:
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed)))
        bound = {f":f{i}": value for i, value in enumerate(values.values())}
        response = self._call(
            "update_item",
            TableName=self._state,
            Key=serialize({"pk": partner_pk(partner_id), "sk": PROFILE_SK}),
            UpdateExpression=expression,
            ConditionExpression=(
                "attribute_not_exists(profile_at) OR profile_at < :at OR (profile_at = :at AND profile_event_id <= :id)"
            ),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=serialize({**bound, ":partner": partner_id, ":at": at, ":id": event_id}),
            ReturnValues="ALL_OLD",
        )
        old = response.get("Attributes")
        return deserialize(old) if old and "profile_at" in old else None

    def set_enrolment(
        self, partner_id: str, program: str, enrolled: bool, at: str, event_id: str, shard_key: str
    ) -> None:
        """Enrolment from the profile that is newest at (at, event_id); GSI `by_enrolment` keys only while enrolled.

        Raises StaleWrite if a newer profile already set this enrolment.
        """
        values: dict[str, Any] = {
            ":program": program,
            ":partner": partner_id,
            ":enrolled": enrolled,
            ":at": at,
            ":id": event_id,
        }
        expression = (
            "SET program = :program, partner_id = :partner, enrolled = :enrolled, enrolled_at = :at, enrolled_by = :id"
        )
        if enrolled:
            expression += ", gsi1pk = :g1, gsi1sk = :partner"
            values[":g1"] = shard_key
        else:
            expression += " REMOVE gsi1pk, gsi1sk"
        self._call(
            "update_item",
            TableName=self._state,
            Key=serialize({"pk": partner_pk(partner_id), "sk": enrolment_sk(program)}),
            UpdateExpression=expression,
            ConditionExpression=(
                "attribute_not_exists(enrolled_at) OR enrolled_at < :at OR (enrolled_at = :at AND enrolled_by <= :id)"
            ),
            ExpressionAttributeValues=serialize(values),
        )

    def set_membership(self, partner_id: str, program: str, membership: str, at: str, event_id: str) -> None:
        """Opt-in / opt-out, latest (at, event_id) wins. Raises StaleWrite if a newer one is stored."""
        self._call(
            "update_item",
            TableName=self._state,
            Key=serialize({"pk": partner_pk(partner_id), "sk": enrolment_sk(program)}),
            UpdateExpression=(
                "SET program = :program, partner_id = :partner, membership = :m, "
                "membership_at = :at, membership_by = :id"
            ),
            ConditionExpression=(
                "attribute_not_exists(membership_at) OR membership_at < :at "
                "OR (membership_at = :at AND (attribute_not_exists(membership_by) OR membership_by <= :id))"
            ),
            ExpressionAttributeValues=serialize(
                {":program": program, ":partner": partner_id, ":m": membership, ":at": at, ":id": event_id}
            ),
        )

    # --- parked events: what the fold could not apply --------------------------------------------------------

    def park(self, image: Mapping[str, Any], reason: str, at: str) -> None:
        """Keep a stored event the fold could not apply, with its content and why (`tables.ParkedItem`), where
        an operator lists and redrives it. Parking again (a redelivery, a failed redrive) updates the reason."""
        event_id = str(image.get("event_id", ""))
        item = {
            "pk": PARKED_PK,
            "sk": parked_sk(event_id),
            "event_id": event_id,
            "partner_id": str(image.get("partner_id", "")),
            "image": dict(image),
            "reason": reason,
            "parked_at": at,
        }
        self._call("put_item", TableName=self._state, Item=serialize(item))

    def parked(self) -> list[dict[str, Any]]:
        """Every parked event, oldest id first."""
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": self._state,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": serialize({":pk": PARKED_PK}),
            "ConsistentRead": True,
        }
        while True:
            response = self._call("query", **request)
            items.extend(deserialize(i) for i in response.get("Items", []))
            if not response.get("LastEvaluatedKey"):
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def restore_event(self, event: Mapping[str, Any]) -> None:
        """Put a corrected parked event back where the fold reads it (replacing the stored copy)."""
        self._call("put_item", TableName=self._events, Item=serialize(event_item(event)))

    def unpark(self, event_id: str) -> None:
        self._call("delete_item", TableName=self._state, Key=serialize({"pk": PARKED_PK, "sk": parked_sk(event_id)}))
