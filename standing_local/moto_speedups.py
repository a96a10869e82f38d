"""Make moto's DynamoDB Query cost what DynamoDB's does, so the local run can hold a realistic marketplace.

moto 5 answers every Query by listing and sorting *every item of the table*, then filtering: a Query on one
partner's partition costs O(table size · log). DynamoDB reads one partition. This patch hands moto's own Query
code only the items that can match (the partition for table and LSI queries; the items carrying the index hash
value for GSI queries), so results are exactly moto's, just without the full-table sort. Local tooling only:
nothing in the Lambda code path imports it.
"""

from __future__ import annotations

import inspect
from itertools import chain
from typing import Any

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
        candidates = _candidates(self, bound["hash_key"], bound.get("index_name"), bound.get("hash_key_conditions"))
        if candidates is None:
            return original(self, *args, **kwargs)
        self.all_items = lambda: candidates  # type: ignore[method-assign]  # instance attribute shadows the method
        try:
            return original(self, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]
    _installed = True


def _candidates(table: Table, hash_key: Any, index_name: str | None, conditions: Any) -> list[Any] | None:
    key = lambda item: (item.hash_key, item.range_key) if item.range_key else item.hash_key  # noqa: E731
    local_indexes = {index.name for index in table.indexes}
    if hash_key is not None and (index_name is None or index_name in local_indexes):
        if hash_key not in table.items:  # never touch the defaultdict with a miss: it would insert
            return []
        partition = table.items[hash_key]
        items = list(partition.values()) if table.range_key_attr else [partition]
        return sorted(items, key=key)
    if index_name is not None and conditions:
        attr, value = conditions[0]
        everything = chain.from_iterable(p.values() if table.range_key_attr else [p] for p in table.items.values())
        return [item for item in everything if (found := item.attrs.get(attr)) is not None and found == value]
    return None
