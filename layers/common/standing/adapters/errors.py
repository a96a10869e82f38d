"""What a repository over the tables raises, whatever the table: the one error vocabulary of Standing's storage.

`standing.adapters.tables.translated` turns PynamoDB and botocore errors into these, by error *code* (never
message text). Callers catch the class that tells them what to do:
- `StoreUnavailable`: throttling, capacity, an internal error, a conflicting transaction, a lost connection. Retry
  later (the queue redelivers, the API answers 503, the stream batch reports the item).
- `ConditionFailed`: a conditional write refused (the item exists, a newer value is stored, the version moved).
  Repositories usually turn it into a domain answer ("already done", False) before it reaches a caller.
- `TableMissing`: the table named in the configuration does not exist (a wrong name or an undeployed stack).
- `StoreError`: anything else (a bug in a request); retrying will not help.
"""

from __future__ import annotations


class StoreError(Exception):
    """A DynamoDB error that retrying will not fix. `code` is the DynamoDB error code (or the exception's name)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class StoreUnavailable(StoreError):
    """A transient failure: retry later."""


class ConditionFailed(StoreError):
    """A conditional write refused because of what is stored."""


class TableMissing(StoreError):
    """The configured table does not exist."""
