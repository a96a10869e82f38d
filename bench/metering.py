"""A DynamoDB meter for benchmarks on embedded AWS: every request any botocore client makes (boto3 clients and
resources, PynamoDB: all of them are botocore clients) is costed in capacity units from the real item sizes, by
DynamoDB's published rules, with no knowledge of the application's keys or item types.

- item size = sum of attribute-name bytes (UTF-8) + value sizes: S = UTF-8 bytes, N = 1 byte per 2 significant
  digits + 1, B = bytes, BOOL / NULL = 1, L / M = 3 + per element 1 + the element (an M element also its name),
  sets = the sum of their elements;
- writes (PutItem, UpdateItem, DeleteItem, each item of BatchWriteItem) = ceil(max(size before, size after) / 1 KB),
  at least 1; a refused condition still costs the write; TransactWriteItems twice that (ConditionCheck included);
- every LSI and GSI whose key attributes the item has (before or after) costs a write of the projected entry
  (table keys + index keys + projected attributes); a change of the index key is a delete plus a put; an entry
  whose projection does not change costs nothing;
- reads: GetItem and each item of BatchGetItem ceil(size / 4 KB), at least 1 (a missing item too); Query and Scan
  ceil(total size of the items evaluated / 4 KB), at least 1; half of that when eventually consistent;
  TransactGetItems twice;
- stream records (free, reported): one per write that changed an item of a table with a stream.

The size of the item before a write is read straight from moto's backend (not a request, not metered), as is the
item after it. Usage is counted per (scope, function, table, operation); `scope` and `function` are set by the
caller (what the bench is doing, which handler runs). `calls` keeps every AWS call with its start and end when
`record_calls` is on (any service), for call-pattern analysis; `latency` sleeps that long before each call.
"""

from __future__ import annotations

import base64
import json
import math
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import botocore.session

KB = 1024
READ_BLOCK = 4 * KB
ITEM_OVERHEAD = 100  # bytes DynamoDB adds to every stored item and index entry for storage billing
WRITES = ("PutItem", "UpdateItem", "DeleteItem")
TypedItem = dict[str, dict[str, Any]]


# --------------------------------------------------------------------------------------------------- sizes, units
def value_size(value: dict[str, Any]) -> int:
    """DynamoDB's size of one typed attribute value (`{"S": "abc"}`), in bytes."""
    if len(value) != 1:
        raise ValueError(f"a typed DynamoDB value has exactly one type key, got {sorted(value)}")
    ((kind, raw),) = value.items()
    if kind == "S":
        return len(raw.encode("utf-8"))
    if kind == "N":
        return number_size(raw)
    if kind == "B":
        return len(_binary(raw))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(v.encode("utf-8")) for v in raw)
    if kind == "NS":
        return sum(number_size(v) for v in raw)
    if kind == "BS":
        return sum(len(_binary(v)) for v in raw)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in raw.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def number_size(text: str) -> int:
    """1 byte per two significant digits (leading and trailing zeroes trimmed) + 1."""
    try:
        digits = Decimal(text).normalize().as_tuple().digits
    except InvalidOperation:
        raise ValueError(f"not a DynamoDB number: {text!r}") from None
    significant = len(digits) if any(digits) else 1
    return math.ceil(significant / 2) + 1


def _binary(raw: Any) -> bytes:
    if isinstance(raw, bytes | bytearray):
        return bytes(raw)
    return base64.b64decode(raw)  # the wire form (and moto's JSON) carries binary as base64 text


def item_size(item: TypedItem | None) -> int:
    """Bytes of a DynamoDB-typed item: attribute names plus values (0 for no item)."""
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    """Write request units of one item write: 1 per started KB, at least 1."""
    return max(1, math.ceil(size / KB))


def read_units(size: int, consistent: bool) -> float:
    """Read request units of one read of `size` bytes (an item, or a Query page's total): 1 per started 4 KB, at
    least 1; half when eventually consistent."""
    return max(1, math.ceil(size / READ_BLOCK)) * (1.0 if consistent else 0.5)


# --------------------------------------------------------------------------------------------------- tables
@dataclass(frozen=True)
class Index:
    name: str
    kind: str  # "LSI" | "GSI"
    keys: tuple[str, ...]
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    included: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableShape:
    name: str
    keys: tuple[str, ...]  # hash, then range if any
    indexes: tuple[Index, ...] = ()
    stream: bool = False

    def key_of(self, item: TypedItem) -> tuple[str, ...]:
        return tuple(json.dumps(item[k], sort_keys=True) for k in self.keys)


def index_entry(table: TableShape, index: Index, item: TypedItem | None) -> TypedItem | None:
    """The entry `item` has in `index`, or None when it lacks an index key attribute."""
    if item is None or any(k not in item for k in index.keys):
        return None
    if index.projection == "ALL":
        return dict(item)
    wanted = set(table.keys) | set(index.keys) | set(index.included)
    return {k: v for k, v in item.items() if k in wanted}


def index_write_units(table: TableShape, index: Index, old: TypedItem | None, new: TypedItem | None) -> int:
    """Write units a secondary index costs when `old` becomes `new` (None: no item)."""
    before, after = index_entry(table, index, old), index_entry(table, index, new)
    if before == after:
        return 0
    if before is None:
        return write_units(item_size(after))
    if after is None:
        return write_units(item_size(before))
    if any(before[k] != after[k] for k in index.keys):
        return write_units(item_size(before)) + write_units(item_size(after))  # moved: delete + put
    return write_units(max(item_size(before), item_size(after)))


# --------------------------------------------------------------------------------------------------- usage
@dataclass
class Usage:
    requests: int = 0
    items: int = 0
    read_units: float = 0.0
    write_units: float = 0.0  # the table's own
    index_write_units: float = 0.0
    refused: int = 0  # refused conditions / cancelled transactions (still charged)
    stream_records: int = 0

    def add(self, other: Usage) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def all_write_units(self) -> float:
        return self.write_units + self.index_write_units


@dataclass
class Call:
    """One AWS call as a handler made it."""

    service: str
    operation: str
    table: str | None
    function: str | None
    scope: str
    thread: int
    start: float
    end: float = 0.0
    owner: str = "-"  # "partner" when the request names a watched partner, "shared" if not
    cpu_start: float = 0.0  # the calling thread's CPU time (time.thread_time) at start and end
    cpu_end: float = 0.0


@dataclass
class Written:
    """The last write of one item: when (wall clock and the bench's simulated clock) and what it was."""

    wall: float
    simulated: float | None
    first_simulated: float | None


@dataclass
class _Pending:
    operation: str
    body: dict[str, Any]
    olds: list[tuple[TableShape, TypedItem, TypedItem | None]] = field(default_factory=list)
    call: Call | None = None
    owner: str = "-"


UsageKey = tuple[str, str, str, str, str]  # scope, function, table, operation, owner ("partner" / "shared")


class Meter:
    """Meters every DynamoDB request of every botocore client created while installed (see the module doc)."""

    def __init__(self, account_id: str, region: str, names: dict[str, str] | None = None) -> None:
        self.account_id = account_id
        self.region = region
        self.labels = names or {}  # physical table name -> the label to report (its logical id)
        self.scope = "other"
        self.function: str | None = None
        self.simulated_now: datetime | None = None
        self.record_calls = False
        self.latency = 0.0
        self.usage: dict[UsageKey, Usage] = defaultdict(Usage)
        self.index_units: Counter[tuple[str, str, str]] = Counter()  # (scope, table, index) -> write units
        self.calls: list[Call] = []
        self.written: dict[tuple[str, tuple[str, ...]], Written] = {}
        self._shapes: dict[str, TableShape] = {}
        self.partners: re.Pattern[str] | None = None  # a request naming one of these is a partner's, else shared
        self._lock = threading.Lock()
        self._local = threading.local()
        self._original: Callable[..., Any] | None = None

    # ------------------------------------------------------------------ installing
    def install(self) -> None:
        """Hook every botocore client created from now on (boto3's, a resource's, PynamoDB's)."""
        if self._original is not None:
            return
        original = botocore.session.Session.create_client
        meter = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            client.meta.events.register("before-call", meter._before, unique_id=f"bench-meter-before-{id(meter)}")
            client.meta.events.register("after-call", meter._after, unique_id=f"bench-meter-after-{id(meter)}")
            return client

        self._original = original
        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]

    def uninstall(self) -> None:
        if self._original is not None:
            botocore.session.Session.create_client = self._original  # type: ignore[method-assign]
            self._original = None

    @contextmanager
    def scoped(self, scope: str) -> Iterator[None]:
        saved, self.scope = self.scope, scope
        try:
            yield
        finally:
            self.scope = saved

    def watch_partners(self, partner_ids: set[str]) -> None:
        """Tell partner work from shared work (runs, batches): a request or an item naming one of these ids is
        the partner's."""
        alternatives = "|".join(re.escape(p) for p in sorted(partner_ids, key=len, reverse=True))
        self.partners = re.compile(rf"(?<![A-Za-z0-9_-])(?:{alternatives})(?![A-Za-z0-9_-])")

    def owner_of(self, text: Any) -> str:
        """'partner' when the request body (or item) names a watched partner, else 'shared' ('-' unwatched)."""
        if self.partners is None:
            return "-"
        if isinstance(text, bytes | bytearray):
            text = text.decode("utf-8", "replace")
        elif isinstance(text, dict | list):
            text = json.dumps(text, ensure_ascii=False, default=repr)  # binary attributes (a packed projection)
        elif not isinstance(text, str):
            return "-"  # a streamed body (S3 uploads): nobody's
        return "partner" if self.partners.search(text) else "shared"

    # ------------------------------------------------------------------ moto's backend (not metered)
    def _backend(self) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[self.account_id][self.region]

    def shape(self, table_name: str) -> TableShape:
        name = table_name.rsplit("/", 1)[-1] if table_name.startswith("arn:") else table_name
        shape = self._shapes.get(name)
        if shape is None:
            table = self._backend().get_table(name)
            indexes = []
            for kind, found in (("LSI", table.indexes or []), ("GSI", table.global_indexes or [])):
                for index in found:
                    projection = index.projection or {}
                    indexes.append(
                        Index(
                            index.name,
                            kind,
                            tuple(k["AttributeName"] for k in index.schema),
                            projection.get("ProjectionType", "ALL"),
                            tuple(projection.get("NonKeyAttributes", [])),
                        )
                    )
            keys = (table.hash_key_attr,) + ((table.range_key_attr,) if table.range_key_attr else ())
            stream = bool(table.stream_specification and table.stream_specification.get("StreamEnabled"))
            shape = TableShape(name, keys, tuple(indexes), stream)
            self._shapes[name] = shape
        return shape

    def ttl_attribute(self, table_name: str) -> str | None:
        """The table's TTL attribute when TTL is enabled."""
        ttl = getattr(self._backend().get_table(self.shape(table_name).name), "ttl", None) or {}
        return ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") else None

    def stored(self, table_name: str, key: TypedItem) -> TypedItem | None:
        """The item with `key` as the table holds it now, or None."""
        from moto.dynamodb.models.dynamo_type import DynamoType

        shape = self.shape(table_name)
        table = self._backend().get_table(shape.name)
        hash_key = DynamoType(key[shape.keys[0]])
        range_key = DynamoType(key[shape.keys[1]]) if len(shape.keys) > 1 else None
        found = table.get_item(hash_key, range_key)
        return None if found is None else dict(found.to_json()["Attributes"])

    def items(self, table_name: str) -> Iterator[TypedItem]:
        """Every item of the table, from the backend."""
        table = self._backend().get_table(self.shape(table_name).name)
        for item in table.all_items():
            yield dict(item.to_json()["Attributes"])

    def label(self, table_name: str | None) -> str:
        if table_name is None:
            return "-"
        name = table_name.rsplit("/", 1)[-1] if table_name.startswith("arn:") else table_name
        return self.labels.get(name, name)

    # ------------------------------------------------------------------ hooks
    def _before(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        body = _body(params) if service == "dynamodb" else {}
        table = body.get("TableName") if isinstance(body.get("TableName"), str) else None
        call = None
        if self.record_calls:  # the call's time includes the meter's own work: it stands in for the network
            call = Call(
                service,
                model.name,
                table,
                self.function,
                self.scope,
                threading.get_ident(),
                time.perf_counter(),
                owner=self.owner_of(params.get("body")),
                cpu_start=time.thread_time(),
            )
        if service == "dynamodb":
            pending = _Pending(model.name, body, call=call, owner=self.owner_of(params.get("body")))
            for shape, key in self._written_keys(model.name, body):
                pending.olds.append((shape, key, self.stored(shape.name, key)))
            context["bench_meter"] = pending
        elif call is not None:
            context["bench_meter"] = _Pending(model.name, body, call=call)
        if self.latency:
            time.sleep(self.latency)

    def _after(
        self, parsed: dict[str, Any], context: dict[str, Any], model: Any, http_response: Any = None, **_: Any
    ) -> None:
        pending = context.pop("bench_meter", None)
        if pending is None:
            return
        try:
            if model.service_model.service_name == "dynamodb":
                if http_response is not None:
                    # The wire response, typed: a boto3 resource's after-call handler may have untyped `parsed`.
                    raw = _body({"body": http_response.content})
                    parsed = {**raw, "Error": parsed.get("Error") or {}} if raw else parsed
                self._meter(pending, parsed)
        finally:
            if pending.call is not None:
                pending.call.end = time.perf_counter()
                pending.call.cpu_end = time.thread_time()
                with self._lock:
                    self.calls.append(pending.call)

    def _meter(self, pending: _Pending, parsed: dict[str, Any]) -> None:
        error = (parsed.get("Error") or {}).get("Code")
        operation, body = pending.operation, pending.body
        self._local.owner = pending.owner
        if operation in WRITES or operation in ("BatchWriteItem", "TransactWriteItems"):
            self._meter_writes(pending, parsed, error)
        elif operation in ("GetItem", "BatchGetItem", "TransactGetItems"):
            self._meter_item_reads(operation, body, parsed, error)
        elif operation in ("Query", "Scan"):
            self._meter_query(operation, body, parsed, error)
        else:  # control plane (DescribeTable, ...): counted, free
            self._count(body.get("TableName"), operation, Usage(requests=1))

    def _written_keys(self, operation: str, body: dict[str, Any]) -> list[tuple[TableShape, TypedItem]]:
        """(table, key) of every item a write request addresses."""
        found: list[tuple[TableShape, TypedItem]] = []

        def add(table_name: str, item_or_key: TypedItem) -> None:
            shape = self.shape(table_name)
            found.append((shape, {k: item_or_key[k] for k in shape.keys}))

        if operation == "PutItem":
            add(body["TableName"], body["Item"])
        elif operation in ("UpdateItem", "DeleteItem"):
            add(body["TableName"], body["Key"])
        elif operation == "BatchWriteItem":
            for table_name, requests in body["RequestItems"].items():
                for request in requests:
                    if "PutRequest" in request:
                        add(table_name, request["PutRequest"]["Item"])
                    else:
                        add(table_name, request["DeleteRequest"]["Key"])
        elif operation == "TransactWriteItems":
            for entry in body["TransactItems"]:
                ((kind, spec),) = entry.items()
                add(spec["TableName"], spec["Item"] if kind == "Put" else spec["Key"])
        return found

    def _meter_writes(self, pending: _Pending, parsed: dict[str, Any], error: str | None) -> None:
        operation, body = pending.operation, pending.body
        factor = 2 if operation == "TransactWriteItems" else 1
        unprocessed: set[tuple[str, tuple[str, ...]]] = set()
        if operation == "BatchWriteItem":
            for table_name, requests in (parsed.get("UnprocessedItems") or {}).items():
                shape = self.shape(table_name)
                for request in requests:
                    item = (request.get("PutRequest") or {}).get("Item") or request["DeleteRequest"]["Key"]
                    unprocessed.add((shape.name, shape.key_of(item)))
        requested = self._requested_items(operation, body)
        applied = error is None
        usages: list[tuple[str, Usage]] = []
        for (shape, key, old), put in zip(pending.olds, requested, strict=True):
            if (shape.name, shape.key_of(key)) in unprocessed:
                continue
            new = self.stored(shape.name, key) if applied else old
            size = max(item_size(old), item_size(new), item_size(put) if not applied else 0)
            usage = Usage(items=1, write_units=factor * write_units(size), refused=0 if applied else 1)
            if applied and new != old:
                for index in shape.indexes:
                    units = factor * index_write_units(shape, index, old, new)
                    usage.index_write_units += units
                    if units:
                        with self._lock:
                            self.index_units[(self.scope, self.label(shape.name), index.name)] += units
                usage.stream_records = 1 if shape.stream else 0
                self._remember(shape, key, new)
            usages.append((shape.name, usage))
        first = True
        for table_name, usage in usages:
            usage.requests = 1 if first else 0  # one request, its items on the tables they belong to
            first = False
            self._count(table_name, operation, usage)
        if not usages:
            self._count(body.get("TableName"), operation, Usage(requests=1))

    @staticmethod
    def _requested_items(operation: str, body: dict[str, Any]) -> list[TypedItem | None]:
        """The full item a request puts (None for updates, deletes, condition checks), in `_written_keys` order."""
        if operation == "PutItem":
            return [body["Item"]]
        if operation in ("UpdateItem", "DeleteItem"):
            return [None]
        if operation == "BatchWriteItem":
            return [
                (request.get("PutRequest") or {}).get("Item")
                for requests in body["RequestItems"].values()
                for request in requests
            ]
        return [(entry.get("Put") or {}).get("Item") for entry in body["TransactItems"]]

    def _remember(self, shape: TableShape, key: TypedItem, new: TypedItem | None) -> None:
        identity = (shape.name, shape.key_of(key))
        if new is None:
            self.written.pop(identity, None)
            return
        simulated = self.simulated_now.timestamp() if self.simulated_now else None
        earlier = self.written.get(identity)
        first = earlier.first_simulated if earlier else simulated
        with self._lock:
            self.written[identity] = Written(time.time(), simulated, first)

    def _meter_item_reads(
        self, operation: str, body: dict[str, Any], parsed: dict[str, Any], error: str | None
    ) -> None:
        if operation == "GetItem":
            item = self.stored(body["TableName"], body["Key"])
            units = read_units(item_size(item), bool(body.get("ConsistentRead")))
            self._count(body["TableName"], operation, Usage(requests=1, items=1, read_units=units))
            return
        if operation == "TransactGetItems":
            first = True
            for entry in body["TransactItems"]:
                spec = entry["Get"]
                item = self.stored(spec["TableName"], spec["Key"])
                usage = Usage(requests=int(first), items=1, read_units=2 * read_units(item_size(item), True))
                usage.refused = int(error is not None and first)
                self._count(spec["TableName"], operation, usage)
                first = False
            return
        unprocessed = parsed.get("UnprocessedKeys") or {}
        first = True
        for table_name, request in body["RequestItems"].items():
            shape = self.shape(table_name)
            skipped = {shape.key_of(k) for k in (unprocessed.get(table_name) or {}).get("Keys", [])}
            consistent = bool(request.get("ConsistentRead"))
            usage = Usage(requests=int(first))
            for key in request["Keys"]:
                if shape.key_of(key) in skipped:
                    continue
                usage.items += 1
                usage.read_units += read_units(item_size(self.stored(table_name, key)), consistent)
            self._count(table_name, operation, usage)
            first = False

    def _meter_query(self, operation: str, body: dict[str, Any], parsed: dict[str, Any], error: str | None) -> None:
        if error is not None:
            self._count(body.get("TableName"), operation, Usage(requests=1, refused=1))
            return
        narrowed = any(k in body for k in ("FilterExpression", "ProjectionExpression", "AttributesToGet")) or (
            body.get("Select") not in (None, "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES")
        )
        items = self._evaluated(operation, body) if narrowed else parsed.get("Items", [])
        size = sum(item_size(i) for i in items)
        units = read_units(size, bool(body.get("ConsistentRead")))
        self._count(body["TableName"], operation, Usage(requests=1, items=len(items), read_units=units))

    def _evaluated(self, operation: str, body: dict[str, Any]) -> list[TypedItem]:
        """The items a filtered or projected Query / Scan evaluated: the same request without filter or projection,
        made on a client of its own that is not metered."""
        import boto3

        plain = {
            k: v
            for k, v in body.items()
            if k
            not in (
                "FilterExpression",
                "ProjectionExpression",
                "Select",
                "AttributesToGet",
                "QueryFilter",
                "ScanFilter",
            )
        }
        used = set(re.findall(r"[#:][A-Za-z0-9_]+", str(plain.get("KeyConditionExpression", ""))))
        for field_name in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
            if field_name in plain:
                kept = {k: v for k, v in plain[field_name].items() if k in used}
                if kept:
                    plain[field_name] = kept
                else:
                    plain.pop(field_name)
        client = boto3.session.Session().client("dynamodb", region_name=self.region)
        client.meta.events.unregister("before-call", unique_id=f"bench-meter-before-{id(self)}")
        client.meta.events.unregister("after-call", unique_id=f"bench-meter-after-{id(self)}")
        result = client.query(**plain) if operation == "Query" else client.scan(**plain)
        return list(result.get("Items", []))

    def _count(self, table_name: str | None, operation: str, usage: Usage) -> None:
        key = (self.scope, self.function or "-", self.label(table_name), operation, getattr(self._local, "owner", "-"))
        with self._lock:
            self.usage[key].add(usage)

    # ------------------------------------------------------------------ summaries
    def total(self, match: Callable[[UsageKey], bool] = lambda _key: True) -> Usage:
        result = Usage()
        for key, usage in list(self.usage.items()):
            if match(key):
                result.add(usage)
        return result

    def reset(self) -> None:
        with self._lock:
            self.usage.clear()
            self.index_units.clear()
            self.calls.clear()


def _body(params: dict[str, Any]) -> dict[str, Any]:
    raw = params.get("body") or b"{}"
    if not isinstance(raw, str | bytes | bytearray):
        return {}
    if isinstance(raw, bytes | bytearray):
        raw = raw.decode("utf-8")
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:  # a query-protocol service (SQS, SES): form-encoded, not needed here
        return {}
    return parsed if isinstance(parsed, dict) else {}
