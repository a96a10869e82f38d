"""Make moto's DynamoDB cost what DynamoDB's does, so the local run can hold a realistic marketplace.

- Query: moto 5 answers every Query by listing and sorting *every item of the table*, then filtering, so reading one
  partner's days costs O(table size · log). DynamoDB reads one partition, from the key condition on. This patch
  hands moto's own Query code only the items that can match: the partition, narrowed by the sort-key (or LSI
  sort-key) condition; for a GSI, the items carrying the index hash value. moto still applies every condition,
  filter and limit itself, so results are exactly moto's.
- TransactWriteItems: moto deep-copies each table a transaction touches, for rollback, on every call. The patch
  snapshots the item structure instead (partitions and items copied, attribute values shared), which restores
  every item a failed transaction put, replaced or deleted: what Standing's transactions need.
- Atomic writes: DynamoDB evaluates a write's condition and applies the write as one step; moto reads, checks
  and writes in separate Python steps, so two threads can both pass `attribute_not_exists`; and a read iterating a
  partition while another thread writes it can fail. Every moto DynamoDB call is serialised by one lock, so
  concurrent callers (ingest writes events from a thread pool, the evaluation worker judges partners concurrently,
  the race tests) see DynamoDB's semantics.

Local tooling only: nothing in the Lambda code path imports it.
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
from collections import defaultdict
from itertools import chain
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.table import Table

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    original = Table.query
    signature = inspect.signature(original)

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs).arguments
        candidates = _candidates(self, bound)
        if candidates is None:
            return original(self, *args, **kwargs)
        self.all_items = lambda: candidates  # type: ignore[method-assign]  # instance attribute shadows the method
        try:
            return original(self, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]
    dynamodb_models.copy = _SnapshotCopy()  # type: ignore[attr-defined,assignment]  # the `copy` moto's backend uses
    for name in _WRITES:
        setattr(dynamodb_models.DynamoDBBackend, name, _serialised(getattr(dynamodb_models.DynamoDBBackend, name)))
    _installed = True


_WRITES = (
    "put_item",
    "update_item",
    "delete_item",
    "transact_write_items",
    "batch_write_item",
    "get_item",
    "query",
    "scan",
    "batch_get_item",
    "transact_get_items",
)
_write_lock = threading.RLock()


def _serialised(method: Any) -> Any:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _write_lock:
            return method(*args, **kwargs)

    return locked


def _sort_key(item: Any) -> Any:
    return (item.hash_key, item.range_key) if item.range_key else item.hash_key


def _candidates(table: Table, bound: dict[str, Any]) -> list[Any] | None:
    hash_key, index_name = bound["hash_key"], bound.get("index_name")
    comparison, operands = bound.get("range_comparison"), bound.get("range_objs") or []
    local_indexes = {index.name: index for index in table.indexes}
    if hash_key is not None and (index_name is None or index_name in local_indexes):
        if hash_key not in table.items:  # never touch the defaultdict with a miss: it would insert
            return []
        partition: Any = table.items[hash_key]
        items = list(partition.values()) if table.range_key_attr else [partition]
        if index_name is not None:
            attribute = next(k["AttributeName"] for k in local_indexes[index_name].schema if k["KeyType"] == "RANGE")
            items = [i for i in items if attribute in i.attrs]  # an LSI is sparse
            if comparison:
                items = [i for i in items if i.attrs[attribute].compare(comparison, operands)]
        elif comparison and table.range_key_attr:
            items = [i for i in items if i.range_key.compare(comparison, operands)]
        return sorted(items, key=_sort_key)
    conditions = bound.get("hash_key_conditions")
    if index_name is not None and conditions:
        attr, value = conditions[0]
        everything = chain.from_iterable(p.values() if table.range_key_attr else [p] for p in table.items.values())
        return [item for item in everything if (found := item.attrs.get(attr)) is not None and found == value]
    return None


class _SnapshotCopy:
    """Stands in for the `copy` module inside moto's DynamoDB backend: a table is snapshotted, not deep-copied."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        if not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        snapshot = copy.copy(value)
        snapshot.items = defaultdict(dict)
        for hash_key, partition in value.items.items():
            if value.range_key_attr:
                snapshot.items[hash_key] = {r: _item_copy(i) for r, i in partition.items()}
            else:
                snapshot.items[hash_key] = _item_copy(partition)
        return snapshot


def _item_copy(item: Any) -> Any:
    duplicate = copy.copy(item)
    duplicate.attrs = dict(item.attrs)
    return duplicate
