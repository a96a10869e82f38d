"""The one owner of Standing's two DynamoDB tables: every item type is a PynamoDB model here, and every key format
(partition keys, sort-key prefixes, the UTC text in keys) is built and parsed by the functions here. No other module
writes a key literal: repositories (`standing.adapters.*_store`, `preferences`) import the builders and the models.

Tables (names from `standing.config`, resolved when a repository binds a model: `bind(Model)`):
- EventsTable: `pk` = `P#{partner_id}`, `sk` = `{yyyy-mm-dd, UTC day of occurred_at}#{event_id}` (`EventItem`).
- StateTable: `pk` / `sk`, GSI `by_enrolment` (`gsi1pk`, `gsi1sk`, keys only). Partner items live in the partner's
  partition `P#{partner_id}` (PROFILE, ENROL#, EVAL#, STANDING#, HIST#, PROJ#, RISK#, SENT#, PREFS#email, risk
  cases N#F#, void markers VOID#); runs, simulations, suppressed addresses and parked events have their own
  partitions. docs/data-model.md lists them all.

Plumbing, once per process:
- One botocore client for every model and table (`_SharedClient`): PynamoDB would create one per model class.
  Region and endpoint come from the environment (AWS_DEFAULT_REGION, AWS_ENDPOINT_URL), so moto's in-process mock
  and a local endpoint work unchanged.
- A model class is bound to a table name once (`bind`, cached): one process may serve functions of several stacks
  (the local run), so the name is read from the configuration at call time, a dict lookup.
- `translated()` turns every PynamoDB / botocore error into `standing.adapters.errors` (codes, never text).
"""

from __future__ import annotations

import base64
import json
import threading
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, ClassVar, TypeVar, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import (
    Attribute,
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.connection.table import TableConnection
from pynamodb.constants import MAP
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from standing import config
from standing.adapters.errors import ConditionFailed, StoreError, StoreUnavailable, TableMissing

# ==================================================================================================== key formats
# The UTC text of instants in keys and in latest-wins comparisons: fixed width, so it sorts as text.
UTC_TEXT = "%Y-%m-%dT%H:%M:%S.%fZ"
DAY_TEXT = "%Y-%m-%d"

PARTNER_PREFIX = "P#"
PROFILE_SK = "PROFILE"
ENROLMENT_PREFIX = "ENROL#"
EVALUATION_PREFIX = "EVAL#"
STANDING_PREFIX = "STANDING#"
PROJECTION_PREFIX = "PROJ#"
RISK_PREFIX = "RISK#"
RISK_CASE_PREFIX = "N#F#"  # a risk case's events (the entity key standing.events.entities.entity_sk builds)
VOID_MARKER_PREFIX = "VOID#"
HISTORY_PREFIX = "HIST#"
SENT_PREFIX = "SENT#"
EMAIL_PREFERENCES_SK = "PREFS#email"
SUPPRESSION_PREFIX = "SUPPRESS#"
SUPPRESSION_SK = "SUPPRESS"
PARKED_PK = "PARKED"
PARKED_PREFIX = "E#"
RUN_PREFIX = "RUN#"
RUN_SK = "RUN"
PAGE_PREFIX = "PAGE#"
BATCH_PREFIX = "BATCH#"
ERROR_PREFIX = "ERROR#"
SIMULATIONS_PK = "SIMS"
SIMULATION_PREFIX = "SIM#"
SIMULATION_SK = "SIM"
ROWS_PREFIX = "ROWS#"

# The by_enrolment GSI spreads a program's partners over this many partitions, so the planner can read them in
# parallel pages and no single partition takes every enrolment write. Changing it means re-keying the index.
ENROLMENT_SHARDS = 16
ENROLMENT_INDEX = "by_enrolment"


def _strip(prefix: str, key: str, what: str) -> str:
    if not key.startswith(prefix) or len(key) == len(prefix):
        raise ValueError(f"{key!r} is not a {what} key (expected {prefix!r} followed by a value)")
    return key[len(prefix) :]


def utc_text(at: datetime) -> str:
    """An aware instant as the stored UTC text, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (sorts as text)."""
    if at.tzinfo is None:
        raise ValueError(f"{at.isoformat()} has no time zone: stored instants are UTC")
    return at.astimezone(UTC).strftime(UTC_TEXT)


def parse_utc_text(text: str) -> datetime:
    """The instant of a stored UTC text (the inverse of `utc_text`)."""
    return datetime.strptime(text, UTC_TEXT).replace(tzinfo=UTC)


# An event's instants are stored as whole microseconds (a number: about 7 bytes where the text takes 27), and read
# back as the UTC text. Integer arithmetic both ways, so an instant survives to the microsecond.
_MICROS_PER_DAY = 86_400_000_000
_EPOCH_DAY = date(1970, 1, 1).toordinal()


def _fixed_width(text: str) -> str:
    if len(text) == 27 and text[10] == "T" and text[-1] == "Z":
        return text
    return utc_text(datetime.fromisoformat(text.replace("Z", "+00:00")))  # spelt otherwise (an operator's copy)


def micros_of_day(text: str) -> int:
    """Microseconds since UTC midnight of a UTC text (`...THH:MM:SS.ffffffZ`)."""
    text = _fixed_width(text)
    return ((int(text[11:13]) * 60 + int(text[14:16])) * 60 + int(text[17:19])) * 1_000_000 + int(text[20:26])


def time_of_day_text(micros: int) -> str:
    """`HH:MM:SS.ffffffZ` of microseconds since UTC midnight (the inverse of `micros_of_day`)."""
    seconds, fraction = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{hour:02d}:{minute:02d}:{second:02d}.{fraction:06d}Z"


def epoch_micros(text: str) -> int:
    """Microseconds since the Unix epoch of a UTC text."""
    text = _fixed_width(text)
    day = date(int(text[0:4]), int(text[5:7]), int(text[8:10])).toordinal() - _EPOCH_DAY
    return day * _MICROS_PER_DAY + micros_of_day(text)


def utc_text_of_micros(micros: int) -> str:
    """The UTC text of microseconds since the Unix epoch (the inverse of `epoch_micros`)."""
    day, of_day = divmod(micros, _MICROS_PER_DAY)
    return f"{date.fromordinal(_EPOCH_DAY + day).isoformat()}T{time_of_day_text(of_day)}"


def utc_day(at: datetime) -> str:
    """The UTC calendar day of an aware instant, `YYYY-MM-DD`."""
    if at.tzinfo is None:
        raise ValueError(f"{at.isoformat()} has no time zone: event days are UTC days")
    return at.astimezone(UTC).strftime(DAY_TEXT)


# ---------------------------------------------------------------------------------------------------- partners
def partner_key(partner_id: str) -> str:
    """The partition of everything about one partner, in both tables."""
    if not partner_id:
        raise ValueError("a partner key needs a partner id")
    return f"{PARTNER_PREFIX}{partner_id}"


def partner_of(pk: str) -> str:
    return _strip(PARTNER_PREFIX, pk, "partner")


def enrolment_sk(program_id: str) -> str:
    return f"{ENROLMENT_PREFIX}{program_id}"


def program_of_enrolment(sk: str) -> str:
    return _strip(ENROLMENT_PREFIX, sk, "enrolment")


def enrolment_partition(program_id: str, shard: int) -> str:
    """`gsi1pk` of one shard of a program's enrolments."""
    if not 0 <= shard < ENROLMENT_SHARDS:
        raise ValueError(f"enrolment shard {shard} is outside 0..{ENROLMENT_SHARDS - 1}")
    return f"{ENROLMENT_PREFIX}{program_id}#{shard:02d}"


def enrolment_shard(partner_id: str) -> int:
    """The shard of a partner's enrolments (a stable hash of the partner id)."""
    return zlib.crc32(partner_id.encode("utf-8")) % ENROLMENT_SHARDS


def enrolment_shard_key(program_id: str, partner_id: str) -> str:
    """`gsi1pk` of a partner's enrolment in a program."""
    return enrolment_partition(program_id, enrolment_shard(partner_id))


def evaluation_prefix(program_id: str | None = None) -> str:
    """The sort-key prefix of a partner's records: all of them, or one program's."""
    return f"{EVALUATION_PREFIX}{program_id}#" if program_id else EVALUATION_PREFIX


def evaluation_sk(program_id: str, period_start: str) -> str:
    """A record's sort key; `period_start` is the ISO date the period starts (records sort by it)."""
    date.fromisoformat(period_start)  # a period start is a date: anything else would sort wrongly
    return f"{evaluation_prefix(program_id)}{period_start}"


def parse_evaluation_sk(sk: str) -> tuple[str, str]:
    """(program id, period start) of a record's sort key."""
    program_id, sep, period_start = _strip(EVALUATION_PREFIX, sk, "record").rpartition("#")
    if not sep or not program_id:
        raise ValueError(f"{sk!r} is not a record key (expected EVAL#{{program}}#{{period start}})")
    return program_id, period_start


def standing_sk(program_id: str) -> str:
    return f"{STANDING_PREFIX}{program_id}"


def program_of_standing(sk: str) -> str:
    return _strip(STANDING_PREFIX, sk, "standing")


def projection_sk(program_id: str) -> str:
    return f"{PROJECTION_PREFIX}{program_id}"


def program_of_projection(sk: str) -> str:
    return _strip(PROJECTION_PREFIX, sk, "projection")


def risk_sk(program_id: str, period_start: str) -> str:
    return f"{RISK_PREFIX}{program_id}#{period_start}"


def risk_case_sk(flag: str, case_id: str) -> str:
    """A risk case's sort key (as standing.events.entities.entity_sk writes it for risk events)."""
    return f"{RISK_CASE_PREFIX}{flag}#{case_id}"


def parse_risk_case_sk(sk: str) -> tuple[str, str]:
    """(flag, case id) of a risk case's sort key `N#F#{flag}#{case_id}` (the case id may hold '#')."""
    flag, sep, case_id = _strip(RISK_CASE_PREFIX, sk, "risk case").partition("#")
    if not sep or not flag or not case_id:
        raise ValueError(f"{sk!r} is not a risk case key (expected N#F#{{flag}}#{{case id}})")
    return flag, case_id


def risk_case_flag(sk: str) -> str:
    """The flag of a risk case's sort key."""
    return parse_risk_case_sk(sk)[0]


def void_marker_sk(voided_event_id: str) -> str:
    """A void that arrived before the risk event it voids waits here (`VOID#{voided event id}`)."""
    if not voided_event_id:
        raise ValueError("a void marker key needs the voided event's id")
    return f"{VOID_MARKER_PREFIX}{voided_event_id}"


def event_of_void_marker(sk: str) -> str:
    return _strip(VOID_MARKER_PREFIX, sk, "void marker")


def history_sk(at: str, program_id: str, kind: str) -> str:
    """A history entry's sort key: `at` is the change's fixed-width UTC text, so entries sort by time."""
    return f"{HISTORY_PREFIX}{at}#{program_id}#{kind}"


def parse_history_sk(sk: str) -> tuple[str, str, str]:
    """(at, program id, kind) of a history entry's sort key."""
    parts = _strip(HISTORY_PREFIX, sk, "history").split("#")
    if len(parts) != 3:
        raise ValueError(f"{sk!r} is not a history key (expected HIST#{{at}}#{{program}}#{{kind}})")
    return parts[0], parts[1], parts[2]


def sent_sk(kind: str, ref: str) -> str:
    """A send record's sort key: one per email kind and reference (the record, warning or change it reports)."""
    if not kind or "#" in kind:
        raise ValueError(f"email kind {kind!r} must be non-empty and without '#'")
    return f"{SENT_PREFIX}{kind}#{ref}"


def parse_sent_sk(sk: str) -> tuple[str, str]:
    """(kind, ref) of a send record's sort key."""
    kind, sep, ref = _strip(SENT_PREFIX, sk, "send record").partition("#")
    if not sep:
        raise ValueError(f"{sk!r} is not a send record key (expected SENT#{{kind}}#{{ref}})")
    return kind, ref


def suppressed_address(address: str) -> str:
    """The one spelling of an address in keys: trimmed, lower case."""
    return address.strip().lower()


def suppression_key(address: str) -> str:
    return f"{SUPPRESSION_PREFIX}{suppressed_address(address)}"


def parked_sk(event_id: str) -> str:
    return f"{PARKED_PREFIX}{event_id}"


def event_of_parked(sk: str) -> str:
    return _strip(PARKED_PREFIX, sk, "parked event")


# ---------------------------------------------------------------------------------------------------- runs
def run_key(run_id: str) -> str:
    return f"{RUN_PREFIX}{run_id}"


def page_marker_sk(shard: int, page: int) -> str:
    """Marker of one planner page (of a run or a simulation): shard and page number, fixed width."""
    return f"{PAGE_PREFIX}{shard:02d}#{page:06d}"


def batch_marker_sk(batch: str) -> str:
    """Marker of one partner batch (of a run or a simulation)."""
    return f"{BATCH_PREFIX}{batch}"


def run_error_sk(partner_id: str) -> str:
    return f"{ERROR_PREFIX}{partner_id}"


def partner_of_run_error(sk: str) -> str:
    return _strip(ERROR_PREFIX, sk, "run error")


# ---------------------------------------------------------------------------------------------------- simulations
def simulation_key(simulation_id: str) -> str:
    return f"{SIMULATION_PREFIX}{simulation_id}"


def simulation_listing_sk(created_at: str, simulation_id: str) -> str:
    """The listing's sort key: newest last, so a backwards Query lists the newest first."""
    return f"{created_at}#{simulation_id}"


def rows_sk(batch: str) -> str:
    return f"{ROWS_PREFIX}{batch}"


# ---------------------------------------------------------------------------------------------------- events
# Reviews are read further back than anything else (Booking's review score: 365 days; every other window at most
# three months), so they are keyed apart: `R#{UTC day}#{event_id}`, after every activity day. A year of reviews is
# one key range and 90 days of the rest another, instead of a year of everything. Voids go with the reviews: a void
# is read wherever the event it voids can be (they are few).
LONG_READ_PREFIX = "R#"
LONG_READ_TYPES = frozenset({"review.submitted", "event.voided"})
_LAST_DAY = "9999-12-31"


def event_sk(occurred_at: datetime, event_id: str, type_name: str) -> str:
    """An event's sort key in the EventsTable: its family, the UTC day it occurred, then its id (a partner's days
    of one family are a range)."""
    return day_event_sk(utc_day(occurred_at), event_id, type_name)


def day_event_sk(day: str, event_id: str, type_name: str) -> str:
    """An event's sort key from its UTC day as text (`YYYY-MM-DD`, the first ten characters of its UTC text)."""
    if not event_id:
        raise ValueError("an event key needs an event id")
    family = LONG_READ_PREFIX if type_name in LONG_READ_TYPES else ""
    return f"{family}{day}#{event_id}"


def _day_and_id(sk: str) -> str:
    return sk[len(LONG_READ_PREFIX) :] if sk.startswith(LONG_READ_PREFIX) else sk


def event_id_of(sk: str) -> str:
    """The event id of an event's sort key, without checking the day (the hot path of ingest and the stream)."""
    _, sep, event_id = _day_and_id(sk).partition("#")
    if not sep or not event_id:
        raise ValueError(f"{sk!r} is not an event key (expected [R#]{{yyyy-mm-dd}}#{{event id}})")
    return event_id


def event_day_of(sk: str) -> str:
    """The UTC day (`YYYY-MM-DD`) of an event's sort key, unchecked."""
    return _day_and_id(sk)[:10]


def parse_event_sk(sk: str) -> tuple[date, str]:
    """(UTC day, event id) of an event's sort key."""
    day, sep, event_id = _day_and_id(sk).partition("#")
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        parsed = None
    if not sep or not event_id or parsed is None or len(day) != 10:
        raise ValueError(f"{sk!r} is not an event key (expected [R#]{{yyyy-mm-dd}}#{{event id}})")
    return parsed, event_id


def event_day_range(first: date, last: date | None = None, *, long_read: bool = False) -> tuple[str, str]:
    """Sort-key bounds (for BETWEEN) of a partner's events of one family (`long_read`: reviews and voids) on the
    UTC days first..last, both included (`last` None: every later day)."""
    if last is not None and last < first:
        raise ValueError(f"event days {first.isoformat()}..{last.isoformat()} are reversed")
    family = LONG_READ_PREFIX if long_read else ""
    end = last.isoformat() if last is not None else _LAST_DAY
    return f"{family}{first.isoformat()}#", f"{family}{end}$"  # "$" sorts right after "#": every id of the last day


# ==================================================================================================== plumbing
POOL_CONNECTIONS = 16  # requests in flight on the one client (ingest writes 16 events at a time)
MAX_RETRY_ATTEMPTS = 5  # botocore standard retries after the first attempt, with backoff; then StoreUnavailable


class _SharedClient:
    """One botocore DynamoDB client for every model of the process (created on first use, then reused)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: Any = None

    def attach(self, connection: TableConnection) -> None:
        inner = connection.connection
        if inner._client is not None:
            return
        with self._lock:
            if self._client is None:
                self._client = inner.client  # PynamoDB builds it from the model's Meta (pool, retries, timeouts)
            else:
                inner._client = self._client


_shared_client = _SharedClient()


class _Item(Model):
    """Base of every item type: one shared client, bound to a table by name (`bind`)."""

    TABLE: ClassVar[str] = ""  # "state" or "events": which configured table the model lives in

    class Meta:
        table_name = ""  # bound per table name: `bind(Model)`
        max_pool_connections = POOL_CONNECTIONS
        max_retry_attempts = MAX_RETRY_ATTEMPTS

    def plain(self) -> dict[str, Any]:
        """The item as plain values under its stored attribute names (keys included; numbers as int / float)."""
        return {**self.to_simple_dict(force=True), **getattr(self, "extra", {})}

    @classmethod
    def _get_connection(cls) -> TableConnection:
        if not cls.Meta.table_name:
            raise TypeError(f"{cls.__name__} is not bound to a table: use tables.bind({cls.__name__})")
        connection = super()._get_connection()
        _shared_client.attach(connection)
        return connection


M = TypeVar("M", bound=_Item)


def shared_client() -> Any:
    """The one botocore DynamoDB client of the process (the models' own), for a repository that speaks to botocore
    directly (standing.adapters.ingest_store: its tests and the cost bench wrap the client it is given)."""
    return bind(StateItem)._get_connection().connection.client


_bound: dict[tuple[type, str], type] = {}
_bound_lock = threading.Lock()


def bind(model: type[M], table_name: str | None = None) -> type[M]:
    """`model` bound to a table (by default the configured one of its kind); the class is made once per name."""
    name = table_name or (config.state_table() if model.TABLE == "state" else config.events_table())
    key = (model, name)
    found = _bound.get(key)
    if found is None:
        with _bound_lock:
            found = _bound.get(key)
            if found is None:
                meta = type("Meta", (model.Meta,), {"table_name": name})
                found = type(model.__name__, (model,), {"Meta": meta, "__module__": model.__module__})
                _bound[key] = found
    return cast(type[M], found)


def find(model: type[M], hash_key: str, range_key: str | None = None, *, consistent: bool = True) -> M | None:
    """The item at a key, or None (a bound model; errors translated)."""
    with translated():
        try:
            return model.get(hash_key, range_key, consistent_read=consistent)
        except DoesNotExist:
            return None


def put_or_stored(item: M, condition: Condition) -> M | None:
    """Put `item` if `condition` holds; otherwise return what is stored, from the refusal itself
    (`ReturnValuesOnConditionCheckFailure: ALL_OLD`: no read). None: written. PynamoDB's `save` cannot ask for
    the refused item, so the same request is sent through the model's connection."""
    model = type(item)
    with translated():
        request = item.get_save_kwargs_from_instance(condition=condition, return_values_on_condition_failure="ALL_OLD")
        connection = model._get_connection().connection
        try:
            connection.dispatch("PutItem", request)
        except ClientError as error:
            original = error.__cause__ if isinstance(error.__cause__, ClientError) else error
            if _code(original) != CONDITION_FAILED:
                raise
            stored = original.response.get("Item")
            if stored:
                return model.from_raw_data(stored)
            return find(model, *_keys_of(item))  # DynamoDB always returns it; a fallback for endpoints that don't
    return None


def update(item: _Item, actions: list[Action], condition: Condition | None = None) -> None:
    """UpdateItem of `item`'s key with `actions` if `condition` holds, returning nothing (PynamoDB's
    `Model.update` always asks for the whole new item back). Errors translated: a refused condition is
    `ConditionFailed`."""
    with translated():
        type(item)._get_connection().update_item(*_keys_of(item), actions=actions, condition=condition)


def update_returning(item: M, actions: list[Action], condition: Condition | None = None) -> M:
    """UpdateItem of `item`'s key with `actions` if `condition` holds, returning the whole item after the write
    (what `Model.update` does, without changing `item`). Errors translated: a refused condition is
    `ConditionFailed`."""
    model = type(item)
    with translated():
        response = model._get_connection().update_item(
            *_keys_of(item), actions=actions, condition=condition, return_values="ALL_NEW"
        )
    return model.from_raw_data(response.get("Attributes", {}))


def add_once(marker: _Item, counters: _Item, adds: Mapping[str, int]) -> bool:
    """Put `marker` (if absent) and ADD each of `adds` to the item `counters`, in one transaction: a redelivered
    page or batch (of a run or a simulation) is counted once. False: the marker existed, nothing was added."""
    actions: list[Action] = [Path([name]).add(value) for name, value in adds.items()]
    model = type(marker)
    try:
        with translated(), TransactWrite(connection=model._get_connection().connection) as transaction:
            transaction.save(marker, condition=Path([model._hash_keyname or "pk"]).does_not_exist())
            if actions:
                transaction.update(counters, actions)
    except ConditionFailed:
        return False
    return True


def _keys_of(item: _Item) -> tuple[str, str | None]:
    hash_name, range_name = type(item)._hash_keyname, type(item)._range_keyname
    return str(getattr(item, hash_name or "")), (str(getattr(item, range_name)) if range_name else None)


# ---------------------------------------------------------------------------------------------------- errors
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
        "LimitExceededException",
    }
)
CONDITION_FAILED = "ConditionalCheckFailedException"
TABLE_MISSING = "ResourceNotFoundException"


def _code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    return str((response or {}).get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def translate(error: BaseException) -> StoreError:
    """The project's exception for a PynamoDB or botocore error (by code)."""
    cause: BaseException | None = error.cause if isinstance(error, PynamoDBException) else error
    if isinstance(error, TransactWriteError):
        reasons = [reason.code for reason in error.cancellation_reasons if reason is not None]
        if "ConditionalCheckFailed" in reasons:
            return ConditionFailed(CONDITION_FAILED, "a condition of the transaction failed")
        if any(code in ("TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded") for code in reasons):
            return StoreUnavailable("TransactionConflictException", ", ".join(reasons))
    if isinstance(cause, BotoCoreError):  # no response at all: a lost connection, a timeout
        return StoreUnavailable(type(cause).__name__, str(cause))
    code = _code(cause) if cause is not None else ""
    if not code:
        return StoreError(type(error).__name__, str(error))
    if code == CONDITION_FAILED:
        return ConditionFailed(code)
    if code == TABLE_MISSING:
        return TableMissing(code)
    if code in TRANSIENT_CODES:
        return StoreUnavailable(code)
    return StoreError(code)


@contextmanager
def translated() -> Iterator[None]:
    """Run DynamoDB calls; their errors leave as `standing.adapters.errors` types."""
    try:
        yield
    except StoreError:
        raise
    except (PynamoDBException, ClientError, BotoCoreError) as error:
        raise translate(error) from error


# ==================================================================================================== items
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def serialize(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values (numbers as Decimal or int) as DynamoDB-typed attributes, as boto3 writes them."""
    return {name: _serializer.serialize(value) for name, value in values.items()}


def deserialize(image: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB-typed attributes as plain values (numbers as Decimal), as boto3 reads them. A Lambda stream record
    carries a Binary as base64 text, which boto3's deserializer refuses: it is decoded first."""
    return {name: _deserializer.deserialize(_wire_binary(value)) for name, value in image.items()}


def _wire_binary(value: Mapping[str, Any]) -> Mapping[str, Any]:
    if "B" in value and isinstance(value["B"], str):
        return {"B": base64.b64decode(value["B"])}
    if "M" in value:
        return {"M": {k: _wire_binary(v) for k, v in value["M"].items()}}
    if "L" in value:
        return {"L": [_wire_binary(v) for v in value["L"]]}
    return value


class ContentAttribute(Attribute[dict[str, Any]]):
    """A map stored exactly as boto3 stores a dict (numbers as Decimal both ways, None as NULL): an event's own
    content, which PynamoDB's untyped MapAttribute would turn into floats."""

    attr_type = MAP

    def serialize(self, value: Mapping[str, Any]) -> dict[str, Any]:
        return serialize(value)

    def deserialize(self, value: Mapping[str, Any]) -> dict[str, Any]:
        return deserialize(value)


Open = TypeVar("Open", bound="OpenItem")


class OpenItem(_Item):
    """An item that also carries attributes named at run time (additive counters): they are kept in `extra`."""

    extra: dict[str, Any]

    @classmethod
    def from_raw_data(cls: type[Open], data: dict[str, Any]) -> Open:
        item = super().from_raw_data(data)  # type: ignore[misc]
        declared = {attribute.attr_name for attribute in cls.get_attributes().values()}
        rest = {name: value for name, value in data.items() if name not in declared}
        item.extra = MapAttribute[str, Any]().deserialize(rest) if rest else {}
        return cast(Open, item)

    def counters(self) -> dict[str, int]:
        """The run-time attributes that hold whole numbers."""
        extra = getattr(self, "extra", {})
        return {k: int(v) for k, v in extra.items() if isinstance(v, int | float) and not isinstance(v, bool)}


class StateItem(_Item):
    """An item of the StateTable (`pk`, `sk`)."""

    TABLE = "state"
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


# ---------------------------------------------------------------------------------------------------- partner state
class ProfileItem(StateItem):
    """`P#{partner}` / `PROFILE`: the latest profile (newest `(profile_at, profile_event_id)` wins)."""

    partner_id = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(null=True)
    region = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    self_managed = BooleanAttribute(null=True)
    store_opened_at = UnicodeAttribute(null=True)
    first_sale_at = UnicodeAttribute(null=True)
    first_sale_seen_at = UnicodeAttribute(null=True)  # observed by Standing; a newer profile never removes it
    programs = ListAttribute(of=UnicodeAttribute, null=True)
    profile_at = UnicodeAttribute(null=True)  # UTC text
    profile_event_id = UnicodeAttribute(null=True)

    @classmethod
    def key(cls, partner_id: str) -> tuple[str, str]:
        return partner_key(partner_id), PROFILE_SK


class EnrolmentIndex(GlobalSecondaryIndex["EnrolmentItem"]):
    """`by_enrolment`: the partners enrolled in a program, spread over ENROLMENT_SHARDS partitions."""

    class Meta:
        index_name = ENROLMENT_INDEX
        projection = KeysOnlyProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class EnrolmentItem(StateItem):
    """`P#{partner}` / `ENROL#{program}`: enrolment (from the profile) and membership (opt-in programs). While
    enrolled, `gsi1pk` = `enrolment_shard_key(program, partner)` and `gsi1sk` = the partner id."""

    program = UnicodeAttribute()
    partner_id = UnicodeAttribute()
    enrolled = BooleanAttribute(null=True)
    enrolled_at = UnicodeAttribute(null=True)
    enrolled_by = UnicodeAttribute(null=True)
    membership = UnicodeAttribute(null=True)  # opted_in / opted_out
    membership_at = UnicodeAttribute(null=True)  # UTC text
    membership_by = UnicodeAttribute(null=True)
    membership_why = UnicodeAttribute(null=True)
    joined_at = UnicodeAttribute(null=True)
    left_at = UnicodeAttribute(null=True)
    owes = ListAttribute[dict[str, Any]](null=True)  # outbox: the events this change owes (standing.outbox)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_enrolment = EnrolmentIndex()

    @classmethod
    def key(cls, partner_id: str, program_id: str) -> tuple[str, str]:
        return partner_key(partner_id), enrolment_sk(program_id)


def pack_document(document: Mapping[str, Any]) -> bytes:
    """A JSON document zlib-compressed: records and projections are read far less than they are kept."""
    return zlib.compress(json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8"), 9)


def binary_bytes(value: Any) -> bytes:
    """The bytes of a Binary attribute as read: bytes, or boto3's Binary (a scan, or an image `deserialize` read)."""
    return bytes(getattr(value, "value", value))


def unpack_document(packed: Any) -> dict[str, Any]:
    """The document `pack_document` packed (bytes or boto3's Binary)."""
    return dict(json.loads(zlib.decompress(binary_bytes(packed)).decode("utf-8")))


def document_of(item: Mapping[str, Any], plain: str) -> dict[str, Any]:
    """A record's or a projection's document from a raw item (plain Python values): `packed`, or the plain JSON
    attribute `plain` that earlier releases wrote."""
    if item.get("packed") is not None:
        return unpack_document(item["packed"])
    return dict(json.loads(str(item[plain])))


class RecordItem(StateItem):
    """`P#{partner}` / `EVAL#{program}#{period_start}`: an evaluation record, written once with what it owes. The
    record is zlib-compressed JSON (`packed`: ~2.4 KB of JSON in ~0.8 KB; records are kept 24 months and the five
    latest are read by every evaluation); `record` is the plain JSON earlier releases wrote, still read."""

    program = UnicodeAttribute()
    status = UnicodeAttribute()
    evaluated_at = UnicodeAttribute()
    packed = BinaryAttribute(null=True, legacy_encoding=False)
    record = UnicodeAttribute(null=True)
    owes = ListAttribute[dict[str, Any]](null=True)

    def document(self) -> dict[str, Any]:
        return unpack_document(self.packed) if self.packed is not None else dict(json.loads(str(self.record)))

    @classmethod
    def key(cls, partner_id: str, program_id: str, period_start: str) -> tuple[str, str]:
        return partner_key(partner_id), evaluation_sk(program_id, period_start)


class StandingItem(StateItem):
    """`P#{partner}` / `STANDING#{program}`: the current standing (optimistic `version`)."""

    standing = UnicodeAttribute()  # JSON
    version = NumberAttribute()
    owes = ListAttribute[dict[str, Any]](null=True)
    changed_by = UnicodeAttribute(null=True)

    @classmethod
    def key(cls, partner_id: str, program_id: str) -> tuple[str, str]:
        return partner_key(partner_id), standing_sk(program_id)


class HistoryItem(StateItem):
    """`P#{partner}` / `HIST#{at}#{program}#{kind}`: one membership or standing change."""

    program = UnicodeAttribute()
    kind = UnicodeAttribute()
    at = UnicodeAttribute()
    by = UnicodeAttribute(null=True)
    before = UnicodeAttribute(null=True)
    after = UnicodeAttribute(null=True)
    why = UnicodeAttribute(null=True)

    @classmethod
    def key(cls, partner_id: str, at: str, program_id: str, kind: str) -> tuple[str, str]:
        return partner_key(partner_id), history_sk(at, program_id, kind)


class ProjectionItem(StateItem):
    """`P#{partner}` / `PROJ#{program}`: the current period's projection, zlib-compressed JSON (`packed`: ~2 KB
    of JSON in under 1 KB, one write unit a day instead of two or three); `projection` is the plain JSON earlier
    releases wrote, still read."""

    packed = BinaryAttribute(null=True, legacy_encoding=False)
    projection = UnicodeAttribute(null=True)

    def document(self) -> dict[str, Any]:
        return unpack_document(self.packed) if self.packed is not None else dict(json.loads(str(self.projection)))

    pack = staticmethod(pack_document)

    @classmethod
    def key(cls, partner_id: str, program_id: str) -> tuple[str, str]:
        return partner_key(partner_id), projection_sk(program_id)


class RiskItem(StateItem):
    """`P#{partner}` / `RISK#{program}#{period_start}`: the metrics warned about in a period (optimistic
    `version`), with the warning the new ones owe."""

    warned = ListAttribute(of=UnicodeAttribute, null=True)
    version = NumberAttribute()
    owes = ListAttribute[dict[str, Any]](null=True)
    expires_at = TTLAttribute(null=True)

    @classmethod
    def key(cls, partner_id: str, program_id: str, period_start: str) -> tuple[str, str]:
        return partner_key(partner_id), risk_sk(program_id, period_start)


class RiskCaseItem(StateItem, OpenItem):
    """`P#{partner}` / `N#F#{flag}#{case_id}`: a risk case's events, each an attribute `e#{event_id}` (its record),
    a void `v#{event_id}` (standing.events.entities names both; they are in `extra`); `ver` counts the writes and
    guards what is derived from them (`open`, `flag`, `case_id`)."""

    ver = NumberAttribute(null=True)
    open = BooleanAttribute(null=True)
    flag = UnicodeAttribute(null=True)
    case_id = UnicodeAttribute(null=True)
    anchor_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    @classmethod
    def key(cls, partner_id: str, flag: str, case_id: str) -> tuple[str, str]:
        return partner_key(partner_id), risk_case_sk(flag, case_id)


class VoidMarkerItem(StateItem):
    """`P#{partner}` / `VOID#{voided_event_id}`: a void waiting for the risk event it voids."""

    voided_event_id = UnicodeAttribute()
    void_event_id = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)

    @classmethod
    def key(cls, partner_id: str, voided_event_id: str) -> tuple[str, str]:
        return partner_key(partner_id), void_marker_sk(voided_event_id)


# ---------------------------------------------------------------------------------------------------- notify
class SendItem(StateItem):
    """`P#{partner}` / `SENT#{kind}#{ref}`: one email's send record (standing.adapters.sends_store)."""

    kind = UnicodeAttribute()
    ref = UnicodeAttribute()
    status = UnicodeAttribute()  # sending / sent / rejected
    token = UnicodeAttribute()
    claimed_at = NumberAttribute()  # epoch seconds
    attempts = NumberAttribute(null=True)
    finished_at = NumberAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    error_code = UnicodeAttribute(null=True)
    program = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(null=True)
    warning_id = UnicodeAttribute(null=True)  # an at-risk warning's id

    @classmethod
    def key(cls, partner_id: str, kind: str, ref: str) -> tuple[str, str]:
        return partner_key(partner_id), sent_sk(kind, ref)


class EmailPreferencesItem(StateItem):
    """`P#{partner}` / `PREFS#email`: optional mail off after a one-click unsubscribe; absent = every email."""

    optional_mail = UnicodeAttribute(null=True)
    unsubscribed_at = UnicodeAttribute(null=True)
    changed_at = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)

    @classmethod
    def key(cls, partner_id: str) -> tuple[str, str]:
        return partner_key(partner_id), EMAIL_PREFERENCES_SK


class SuppressionItem(StateItem):
    """`SUPPRESS#{address}` / `SUPPRESS`: no mail to the address (SES bounce or complaint)."""

    address = UnicodeAttribute()
    reason = UnicodeAttribute()
    at = UnicodeAttribute()
    detail = UnicodeAttribute(null=True)

    @classmethod
    def key(cls, address: str) -> tuple[str, str]:
        return suppression_key(address), SUPPRESSION_SK


# ---------------------------------------------------------------------------------------------------- operations
class ParkedItem(StateItem):
    """`PARKED` / `E#{event_id}`: a stored event the fold could not apply, with why."""

    event_id = UnicodeAttribute()
    partner_id = UnicodeAttribute(null=True)
    image = ContentAttribute()
    reason = UnicodeAttribute()
    parked_at = UnicodeAttribute()

    @classmethod
    def key(cls, event_id: str) -> tuple[str, str]:
        return PARKED_PK, parked_sk(event_id)


class RunItem(StateItem, OpenItem):
    """`RUN#{run_id}` / `RUN`: an evaluation run's plan and progress; `status_{status}` counts are added at run
    time (`extra`, `counters()`)."""

    planned = BooleanAttribute(null=True)
    detail = UnicodeAttribute(null=True)  # JSON
    pages_pending = NumberAttribute(null=True)
    batches_planned = NumberAttribute(null=True)
    batches_done = NumberAttribute(null=True)
    partners = NumberAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    owes = ListAttribute[dict[str, Any]](null=True)

    @classmethod
    def key(cls, run_id: str) -> tuple[str, str]:
        return run_key(run_id), RUN_SK


class MarkerItem(StateItem):
    """A page or batch counted once, under a run (`RUN#{id}`) or a simulation (`SIM#{id}`): keys only."""


class RunErrorItem(StateItem):
    """`RUN#{run_id}` / `ERROR#{partner}`: a partner whose evaluation raised."""

    partner_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    at = UnicodeAttribute()

    @classmethod
    def key(cls, run_id: str, partner_id: str) -> tuple[str, str]:
        return run_key(run_id), run_error_sk(partner_id)


class SimulationListingItem(StateItem):
    """`SIMS` / `{created_at}#{id}`: one line of the list of simulations."""

    id = UnicodeAttribute()
    program = UnicodeAttribute()
    from_ = UnicodeAttribute(attr_name="from")
    to = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @classmethod
    def key(cls, created_at: str, simulation_id: str) -> tuple[str, str]:
        return SIMULATIONS_PK, simulation_listing_sk(created_at, simulation_id)


class SimulationItem(StateItem, OpenItem):
    """`SIM#{id}` / `SIM`: a simulation's request, progress and additive summary counters (run-time names with a
    `|`, in `extra` / `counters()`)."""

    id = UnicodeAttribute()
    program = UnicodeAttribute()
    from_ = UnicodeAttribute(attr_name="from")
    to = UnicodeAttribute()
    instants = ListAttribute(of=UnicodeAttribute, null=True)
    created_at = UnicodeAttribute(null=True)
    draft = UnicodeAttribute()
    status = UnicodeAttribute()
    pages_pending = NumberAttribute(default=0)
    batches_planned = NumberAttribute(default=0)
    batches_done = NumberAttribute(default=0)
    partners = NumberAttribute(default=0)
    rows = NumberAttribute(default=0)
    completed_at = UnicodeAttribute(null=True)

    @classmethod
    def key(cls, simulation_id: str) -> tuple[str, str]:
        return simulation_key(simulation_id), SIMULATION_SK


class SimulationRowsItem(StateItem):
    """`SIM#{id}` / `ROWS#{batch}`: a batch's CSV rows, zlib-compressed."""

    csv = BinaryAttribute(legacy_encoding=False)

    @classmethod
    def key(cls, simulation_id: str, batch: str) -> tuple[str, str]:
        return simulation_key(simulation_id), rows_sk(batch)


# ---------------------------------------------------------------------------------------------------- events
class EventItem(_Item):
    """EventsTable: one stored event, `P#{partner}` / `[R#]{UTC day}#{event_id}`, kept until `expires_at`.

    Stored under one-letter names, with the digest as bytes and instants as whole microseconds (of the day it
    happened, which the sort key holds; since the epoch when it was received):
    every byte of an event is kept for months, backed up, and read by every fold of a window that holds it
    (docs/data-model.md). Items stored by earlier releases, under the long names, are still read
    (`ingest_store.stored_event`)."""

    TABLE = "events"
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    type = UnicodeAttribute(attr_name="t")
    time = NumberAttribute(attr_name="a")  # occurred: microseconds since UTC midnight (the day is the sort key's)
    data = MapAttribute[str, Any](null=True, attr_name="d")
    digest = BinaryAttribute(attr_name="h", legacy_encoding=False)  # the first 16 bytes of the content's sha256
    received_at = NumberAttribute(attr_name="r")  # microseconds since the Unix epoch
    expires_at = TTLAttribute(null=True, attr_name="x")

    @classmethod
    def key(cls, partner_id: str, occurred_at: datetime, event_id: str, type_name: str) -> tuple[str, str]:
        return partner_key(partner_id), event_sk(occurred_at, event_id, type_name)


# An event's fields (as ingest, the fold and partner state name them) and the names its item stores them under.
EVENT_STORED_NAMES = {
    name: attribute.attr_name
    for name, attribute in EventItem.get_attributes().items()
    if name not in ("pk", "sk", "time")
}
EVENT_TIME = EventItem.time.attr_name


def state_model_of(pk: str, sk: str) -> type[StateItem] | None:
    """The item type a StateTable key belongs to (None: a key this module does not define)."""
    if pk.startswith(PARTNER_PREFIX):
        if sk == PROFILE_SK:
            return ProfileItem
        if sk == EMAIL_PREFERENCES_SK:
            return EmailPreferencesItem
        for prefix, model in _PARTNER_PREFIXES:
            if sk.startswith(prefix):
                return model
        return None
    if pk.startswith(RUN_PREFIX):
        if sk == RUN_SK:
            return RunItem
        return RunErrorItem if sk.startswith(ERROR_PREFIX) else MarkerItem
    if pk.startswith(SIMULATION_PREFIX):
        if sk == SIMULATION_SK:
            return SimulationItem
        return SimulationRowsItem if sk.startswith(ROWS_PREFIX) else MarkerItem
    if pk == SIMULATIONS_PK:
        return SimulationListingItem
    if pk == PARKED_PK:
        return ParkedItem
    if pk.startswith(SUPPRESSION_PREFIX):
        return SuppressionItem
    return None


_PARTNER_PREFIXES: tuple[tuple[str, type[StateItem]], ...] = (
    (ENROLMENT_PREFIX, EnrolmentItem), (EVALUATION_PREFIX, RecordItem), (STANDING_PREFIX, StandingItem),
    (HISTORY_PREFIX, HistoryItem), (PROJECTION_PREFIX, ProjectionItem), (RISK_PREFIX, RiskItem),
    (SENT_PREFIX, SendItem), (RISK_CASE_PREFIX, RiskCaseItem), (VOID_MARKER_PREFIX, VoidMarkerItem),
)  # fmt: skip


def query_partition(
    hash_key: str,
    range_key_condition: Condition | None = None,
    *,
    table_name: str | None = None,
    consistent: bool = True,
    forward: bool = True,
    limit: int | None = None,
    filter_condition: Condition | None = None,
) -> Iterator[StateItem]:
    """The StateTable items of one partition (optionally a sort-key range), each read as its own item type: one
    Query for several item types (a partner's profile and preferences, or everything an evaluation needs).
    Raises ValueError on a key no model defines; errors translated; pages followed until `limit` items."""
    table = bind(StateItem, table_name)
    connection = table._get_connection()
    start: dict[str, Any] | None = None
    returned = 0
    with translated():
        while True:
            page = connection.query(
                hash_key,
                range_key_condition=range_key_condition,
                filter_condition=filter_condition,
                consistent_read=consistent,
                exclusive_start_key=start,
                scan_index_forward=forward,
                limit=limit,
            )
            for raw in page.get("Items", []):
                pk, sk = raw["pk"]["S"], raw["sk"]["S"]
                model = state_model_of(pk, sk)
                if model is None:
                    raise ValueError(f"no item type has the key ({pk!r}, {sk!r}) (standing.adapters.tables)")
                yield bind(model, table.Meta.table_name).from_raw_data(raw)
                returned += 1
                if limit and returned >= limit:
                    return
            start = page.get("LastEvaluatedKey")
            if not start:
                return


def query_page(
    model: type[_Item],
    hash_key: str,
    range_key_condition: Condition | None = None,
    *,
    index_name: str | None = None,
    consistent: bool = False,
    forward: bool = True,
    limit: int | None = None,
    start: Mapping[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One Query page of a bound model's table (or of its index): the items and the key to continue from, both as
    plain values (`deserialize`: numbers are Decimal, as the stored content of events and cursors needs them).
    `start` is a previous page's key, in the same plain form (a cursor that travels in a message)."""
    connection = model._get_connection()
    with translated():
        page = connection.query(
            hash_key,
            range_key_condition=range_key_condition,
            consistent_read=consistent,
            exclusive_start_key=serialize(start) if start else None,
            index_name=index_name,
            scan_index_forward=forward,
            limit=limit,
        )
    last = page.get("LastEvaluatedKey")
    return [deserialize(item) for item in page.get("Items", [])], (deserialize(last) if last else None)


STATE_ITEMS: tuple[type[StateItem], ...] = (
    ProfileItem, EnrolmentItem, RecordItem, StandingItem, HistoryItem, ProjectionItem, RiskItem, RiskCaseItem,
    VoidMarkerItem, SendItem,
    EmailPreferencesItem, SuppressionItem, ParkedItem, RunItem, MarkerItem, RunErrorItem, SimulationListingItem,
    SimulationItem, SimulationRowsItem,
)  # fmt: skip
