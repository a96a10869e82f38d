"""DynamoDB adapter for what evaluate and the API read and write in the StateTable: partner facts, daily
aggregates, evaluation records, current standing, projections, at-risk markers and run progress.

Key design: docs/data-model.md. ClientError codes become domain outcomes here (a failed condition means
"already done"); no caller sees boto3.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from standing import config
from standing.adapters.ingest_store import stored_event
from standing.aggregates import DayAggregate
from standing.fold import Folded, fold_days
from standing.keys import enrolment_partition
from standing.outbox import HistoryEntry

# boto3 resources are not thread-safe: each thread (the evaluation worker judges partners concurrently) gets its own.
_local = threading.local()


def _table(name: str) -> Any:
    tables: dict[str, Any] = _local.__dict__.setdefault("tables", {})
    if name not in tables:
        tables[name] = boto3.session.Session().resource("dynamodb").Table(name)
    return tables[name]


def table() -> Any:
    return _table(config.state_table())


def _already_exists(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


def _put_once(item: dict[str, Any]) -> bool:
    """Put an item that must be written at most once; False if it already exists."""
    try:
        table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        return True
    except ClientError as error:
        if _already_exists(error):
            return False
        raise


def partner_pk(partner_id: str) -> str:
    return f"P#{partner_id}"


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the domain wants ints and plain strings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# ---------------------------------------------------------------------------------------------------- facts
@dataclass
class PartnerState:
    partner_id: str
    profile: dict[str, Any] | None
    enrolments: dict[str, dict[str, Any]]  # program id -> enrolment item
    open_flags: frozenset[str]


def partner_state(partner_id: str) -> PartnerState:
    """Profile, enrolments and open risk flags: three small reads that never touch entities or aggregates."""
    pk = partner_pk(partner_id)
    item = table().get_item(Key={"pk": pk, "sk": "PROFILE"}).get("Item")
    profile = _plain(item) if item else None
    enrolments = {
        str(item["sk"])[len("ENROL#") :]: _plain(item)
        for item in _query_all(Key("pk").eq(pk) & Key("sk").begins_with("ENROL#"))
    }
    flags = frozenset(
        str(item["sk"].split("#")[2])
        for item in _query_all(Key("pk").eq(pk) & Key("sk").begins_with("N#F#"))
        if item.get("open")
    )
    return PartnerState(partner_id, profile, enrolments, flags)


def _events_table() -> Any:
    return _table(config.events_table())


def partner_events(partner_id: str, since: date) -> list[dict[str, Any]]:
    """The partner's stored events that happened on or after the UTC day `since`: one Query (paged per MB)."""
    condition = Key("pk").eq(partner_pk(partner_id)) & Key("sk").gte(since.isoformat())
    request: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True}
    events: list[dict[str, Any]] = []
    while True:
        response = _events_table().query(**request)
        events.extend(stored_event(item) for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return events
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def folded_days(partner_id: str, time_zone: str, first: date, last: date) -> Folded:
    """The partner's days in [first, last], folded on read from its events (standing.fold); events after `last`
    still count on the day their entity anchors on (a confirmation after the period ends), as they always did.
    Read from the UTC day before `first`, whatever the zone's offset: an entity anchors on its first event."""
    events = partner_events(partner_id, first - timedelta(days=1))
    try:
        return fold_days(events, time_zone, first, last)
    except FOLD_ERRORS:
        # An event whose own content cannot be folded (stored by an older release, say) must not stop the
        # partner's evaluation: it is parked with its reason, where `standing redrive` applies it once corrected.
        kept = []
        for event in events:
            try:
                fold_days([event], time_zone)
            except FOLD_ERRORS as error:
                park_event(event, f"{type(error).__name__}: {error}"[:1000])
                continue
            kept.append(event)
        return fold_days(kept, time_zone, first, last)


# What an event's own content can make the fold raise (as standing.aggregate.DATA_ERRORS).
FOLD_ERRORS = (ArithmeticError, LookupError, TypeError, ValueError)
PARKED_PK = "PARKED"


def park_event(event: dict[str, Any], reason: str) -> None:
    """Keep an event the fold could not apply, as the aggregation parks one (`PARKED` / `E#{event_id}`)."""
    table().put_item(
        Item={
            "pk": PARKED_PK,
            "sk": f"E#{event['event_id']}",
            "event_id": str(event["event_id"]),
            "partner_id": str(event["partner_id"]),
            "image": event,
            "reason": reason,
            "parked_at": datetime.now(UTC).isoformat(),
        }
    )


def daily_aggregates(partner_id: str, time_zone: str, first: date, last: date) -> list[DayAggregate]:
    return folded_days(partner_id, time_zone, first, last).days


def keep_first_sale(partner_id: str, at: str) -> bool:
    """Keep the earliest successful order seen on the profile (`first_sale_seen_at`, never removed by a newer
    profile); False when an earlier one is already kept. Written once per partner in practice."""
    try:
        table().update_item(
            Key={"pk": partner_pk(partner_id), "sk": "PROFILE"},
            UpdateExpression="SET first_sale_seen_at = :at",
            ConditionExpression="attribute_not_exists(first_sale_seen_at) OR first_sale_seen_at > :at",
            ExpressionAttributeValues={":at": at},
        )
        return True
    except ClientError as error:
        if _already_exists(error):
            return False
        raise


def enrolled_partners(
    program_id: str, shard: int, cursor: dict[str, Any] | None, limit: int
) -> tuple[list[str], dict[str, Any] | None]:
    """One page of the partners enrolled in a program, from one shard of the by_enrolment index."""
    kwargs: dict[str, Any] = {
        "IndexName": "by_enrolment",
        "KeyConditionExpression": Key("gsi1pk").eq(enrolment_partition(program_id, shard)),
        "Limit": limit,
    }
    if cursor:
        kwargs["ExclusiveStartKey"] = cursor
    page = table().query(**kwargs)
    return [item["gsi1sk"] for item in page["Items"]], page.get("LastEvaluatedKey")


@dataclass(frozen=True)
class MembershipChange:
    """A membership Standing decided (API call, marketplace event, or an opt-in refused), in ingest's latest-wins
    format: `membership_at` in UTC with microseconds; `membership_by` who decided (the IAM caller or the event id),
    `membership_why` why. Joining sets `joined_at` and leaving `left_at`, so a record can say "member since" /
    "left on" whatever came after (a refused rejoin, `stamp=False`, does not move the date the partner left). The
    change owes "Membership Changed" (`owes`, see standing.outbox)."""

    partner_id: str
    program_id: str
    membership: str
    at: datetime
    by: str
    why: str
    owes: list[dict[str, str]]
    stamp: bool = True

    def update(self) -> dict[str, Any]:
        """The UpdateItem arguments (Key, expression, values) of this change."""
        at = self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        expression = "SET membership = :m, membership_at = :at, membership_by = :by, membership_why = :why, owes = :o"
        if self.stamp and self.membership == "opted_in":
            expression += ", joined_at = :at"
        elif self.stamp and self.membership == "opted_out":
            expression += ", left_at = :at"
        return {
            "Key": {"pk": partner_pk(self.partner_id), "sk": f"ENROL#{self.program_id}"},
            "UpdateExpression": expression,
            "ExpressionAttributeValues": {
                ":m": self.membership, ":at": at, ":by": self.by, ":why": self.why, ":o": self.owes,
            },
        }  # fmt: skip


def set_membership(change: MembershipChange) -> None:
    """Write a membership change alone (an opt-in refused: no standing moves)."""
    table().update_item(**change.update())


# ---------------------------------------------------------------------------------------------------- records
def _record_sk(program_id: str, period_start: str) -> str:
    return f"EVAL#{program_id}#{period_start}"


def put_record(record: dict[str, Any], owes: list[dict[str, str]]) -> bool:
    """Store an evaluation record once, with the events it owes (one write; the stream publishes them). False: a
    record for this partner, program and period already exists."""
    return _put_once(
        {
            "pk": partner_pk(record["partner_id"]),
            "sk": _record_sk(record["program"], record["period"]["start"]),
            "program": record["program"],
            "status": record["status"],
            "evaluated_at": record["evaluated_at"],
            "record": json.dumps(record, sort_keys=True, separators=(",", ":")),
            "owes": owes,
        }
    )


def stored_record(partner_id: str, program_id: str, period_start: str) -> dict[str, Any] | None:
    """The stored record of a period, if any."""
    item = (
        table()
        .get_item(Key={"pk": partner_pk(partner_id), "sk": _record_sk(program_id, period_start)}, ConsistentRead=True)
        .get("Item")
    )
    return json.loads(item["record"]) if item is not None else None


def records(
    partner_id: str, program_id: str | None = None, before: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """A partner's evaluation records, newest first (optionally of one program, before a period start)."""
    prefix = f"EVAL#{program_id}#" if program_id else "EVAL#"
    condition = Key("pk").eq(partner_pk(partner_id))
    if before and program_id:
        condition &= Key("sk").between(prefix, _record_sk(program_id, before))
    else:
        condition &= Key("sk").begins_with(prefix)
    # Read no more than needed (a Query bills every item it reads): `limit`, plus the record at `before` itself,
    # which the range includes and the loop skips. Across programs the skipped ones are unbounded: no Limit.
    page_limit = None if not limit or (before and not program_id) else limit + (1 if before else 0)
    out = []
    for item in _query_all(condition, forward=False, limit=page_limit):
        record = json.loads(item["record"])
        if before and record["period"]["start"] >= before:
            continue
        out.append(record)
        if limit and len(out) >= limit:
            break
    return out


def records_page(
    partner_id: str, program_id: str | None, limit: int, after: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a partner's records in key order, newest first within a program; `after` is the sort key the
    previous page ended on. Returns (records, the sort key to continue after, or None on the last page)."""
    prefix = f"EVAL#{program_id}#" if program_id else "EVAL#"
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": Key("pk").eq(partner_pk(partner_id)) & Key("sk").begins_with(prefix),
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if after:
        if not after.startswith(prefix):
            raise ValueError(f"cursor {after!r} does not belong to this listing")
        kwargs["ExclusiveStartKey"] = {"pk": partner_pk(partner_id), "sk": after}
    page = table().query(**kwargs)
    items = [json.loads(item["record"]) for item in page["Items"]]
    last = page.get("LastEvaluatedKey")
    return items, (str(last["sk"]) if last and len(items) == limit else None)


# ---------------------------------------------------------------------------------------------------- standing
def standing(partner_id: str, program_id: str) -> dict[str, Any] | None:
    item = (
        table()
        .get_item(Key={"pk": partner_pk(partner_id), "sk": f"STANDING#{program_id}"}, ConsistentRead=True)
        .get("Item")
    )
    return json.loads(item["standing"]) if item else None


def standings(partner_id: str) -> dict[str, dict[str, Any]]:
    items = _query_all(Key("pk").eq(partner_pk(partner_id)) & Key("sk").begins_with("STANDING#"))
    return {item["sk"][len("STANDING#") :]: json.loads(item["standing"]) for item in items}


def put_standing(
    partner_id: str,
    program_id: str,
    value: dict[str, Any],
    expected_version: int | None,
    owes: list[dict[str, str]],
    changed_by: str,
    membership: MembershipChange | None = None,
) -> bool:
    """Replace the current standing, with the events it owes, if nobody changed it since it was read (optimistic
    `version`). With a membership change both items are written in one transaction: a partner never leaves
    without its standing following, nor the other way round. False: the standing changed meanwhile."""
    condition = "attribute_not_exists(pk)" if expected_version is None else "version = :v"
    values = {} if expected_version is None else {":v": expected_version}
    new_version = (expected_version or 0) + 1
    value = {**value, "version": new_version}
    item = {
        "pk": partner_pk(partner_id),
        "sk": f"STANDING#{program_id}",
        "version": new_version,
        "standing": json.dumps(value, sort_keys=True),
        "owes": owes,
        "changed_by": changed_by,
    }
    put = {"Item": item, "ConditionExpression": condition, **({"ExpressionAttributeValues": values} if values else {})}
    try:
        if membership is None:
            table().put_item(**put)
        else:
            name = table().name
            table().meta.client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": name, **put}},
                    {"Update": {"TableName": name, **membership.update()}},
                ]
            )
        return True
    except ClientError as error:
        if _already_exists(error) or _condition_cancelled(error):
            return False
        raise


def _condition_cancelled(error: ClientError) -> bool:
    reasons = error.response.get("CancellationReasons", [])
    return error.response["Error"]["Code"] == "TransactionCanceledException" and any(
        reason.get("Code") == "ConditionalCheckFailed" for reason in reasons
    )


# ---------------------------------------------------------------------------------------------------- projections
def put_projection(partner_id: str, program_id: str, record: dict[str, Any]) -> None:
    table().put_item(
        Item={
            "pk": partner_pk(partner_id),
            "sk": f"PROJ#{program_id}",
            "projection": json.dumps(record, sort_keys=True, separators=(",", ":")),
        }
    )


def projections(partner_id: str) -> dict[str, dict[str, Any]]:
    items = _query_all(Key("pk").eq(partner_pk(partner_id)) & Key("sk").begins_with("PROJ#"))
    return {item["sk"][len("PROJ#") :]: json.loads(item["projection"]) for item in items}


def warned(partner_id: str, program_id: str, period_start: str) -> tuple[list[str], int | None]:
    """The metrics already warned about in a period, and the version of that item (None: none yet)."""
    item = (
        table()
        .get_item(Key={"pk": partner_pk(partner_id), "sk": f"RISK#{program_id}#{period_start}"}, ConsistentRead=True)
        .get("Item")
    )
    return (list(item.get("warned", [])), int(item["version"])) if item else ([], None)


def warn(
    partner_id: str,
    program_id: str,
    period_start: str,
    metrics: list[str],
    version: int | None,
    owes: list[dict[str, str]],
    expires_at: int,
) -> bool:
    """Record every metric warned about in a period (all of them, `metrics`) with the warning the new ones owe, if
    nobody warned meanwhile (`version`). False: another projection got there first; read again."""
    condition = "attribute_not_exists(pk)" if version is None else "version = :v"
    try:
        table().put_item(
            Item={
                "pk": partner_pk(partner_id),
                "sk": f"RISK#{program_id}#{period_start}",
                "warned": sorted(metrics),
                "version": (version or 0) + 1,
                "owes": owes,
                "expires_at": expires_at,
            },
            ConditionExpression=condition,
            **({"ExpressionAttributeValues": {":v": version}} if version is not None else {}),
        )
        return True
    except ClientError as error:
        if _already_exists(error):
            return False
        raise


# ---------------------------------------------------------------------------------------------------- history
def append_history(entry: HistoryEntry) -> None:
    """Append one membership or standing change to the partner's history (the publisher, from the stream).
    Keyed by the change itself, so a redelivered stream record writes the same item again."""
    table().put_item(
        Item={
            "pk": partner_pk(entry.partner_id),
            "sk": entry.sort_key,
            "program": entry.program,
            "kind": entry.kind,
            "at": entry.at,
            "by": entry.by,
            "before": entry.before,
            "after": entry.after,
            "why": entry.why,
        }
    )


def history(partner_id: str, program_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """A partner's membership and standing changes, newest first."""
    entries = []
    for item in _query_all(Key("pk").eq(partner_pk(partner_id)) & Key("sk").begins_with("HIST#"), forward=False):
        if program_id is None or item.get("program") == program_id:
            entries.append({k: item.get(k) for k in ("at", "program", "kind", "by", "before", "after", "why")})
            if len(entries) >= limit:
                break
    return entries


# ---------------------------------------------------------------------------------------------------- runs
def _run_key(run_id: str, sk: str = "RUN") -> dict[str, str]:
    return {"pk": f"RUN#{run_id}", "sk": sk}


def run_planned(run_id: str) -> bool:
    """Whether a run was planned before (its first pages read and its batches enqueued)."""
    item = table().get_item(Key=_run_key(run_id), ConsistentRead=True).get("Item")
    return bool(item and item.get("planned"))


def record_plan(run_id: str, detail: dict[str, Any], batches: int, pages: int) -> dict[str, Any] | None:
    """Record what the first planning enqueued: `batches` batches and `pages` continuation pages. Batches may
    finish before this lands (counters are ADDed, never SET). None if another planner recorded it first."""
    try:
        return _plain(
            table().update_item(
                Key=_run_key(run_id),
                UpdateExpression="SET planned = :t, detail = :d ADD batches_planned :b, pages_pending :p",
                ConditionExpression="attribute_not_exists(planned)",
                ExpressionAttributeValues={
                    ":t": True,
                    ":d": json.dumps(detail, sort_keys=True),
                    ":b": batches,
                    ":p": pages,
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        )
    except ClientError as error:
        if _already_exists(error):
            return None
        raise


def count_once(run_id: str, marker: str, adds: dict[str, int]) -> bool:
    """Mark one page or batch of a run as handled and add its counts to the run, in one transaction, so a
    redelivered message is counted never twice and a crash never leaves a handled-but-uncounted marker. False:
    it was counted before."""
    return add_once({"pk": f"RUN#{run_id}", "sk": marker}, _run_key(run_id), adds)


def add_once(marker: dict[str, str], counters: dict[str, str], adds: dict[str, int]) -> bool:
    """Put `marker` (if absent) and ADD `adds` to the item at `counters`, in one transaction: a redelivered page
    or batch (of a run or a simulation) is counted once. False: the marker existed, nothing was added."""
    names = {f"#a{i}": name for i, name in enumerate(adds)}
    values = {f":a{i}": value for i, value in enumerate(adds.values())}
    name = table().name
    try:
        # The resource's client takes plain Python values (boto3 serializes them), like table() calls.
        table().meta.client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": marker, "ConditionExpression": "attribute_not_exists(pk)"}},
                {
                    "Update": {
                        "TableName": name,
                        "Key": counters,
                        "UpdateExpression": "ADD " + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                    }
                },
            ]
        )
        return True
    except ClientError as error:
        if _condition_cancelled(error):
            return False
        raise


def record_partner_error(run_id: str, partner_id: str, reason: str, at: str) -> None:
    """Keep why one partner of a run was not evaluated (`RUN#{run_id}` / `ERROR#{partner_id}`), for the operator
    and `standing redrive`; rewriting it on a redelivery is harmless."""
    table().put_item(Item={"pk": f"RUN#{run_id}", "sk": f"ERROR#{partner_id}", "partner_id": partner_id,
                           "reason": reason, "at": at})  # fmt: skip


def complete_run(run_id: str, completed_at: str, owes: list[dict[str, str]]) -> bool:
    """Mark the run complete once, with the event that owes; True only for the caller that did it."""
    try:
        table().update_item(
            Key=_run_key(run_id),
            UpdateExpression="SET completed_at = :t, owes = :o",
            ConditionExpression="attribute_not_exists(completed_at)",
            ExpressionAttributeValues={":t": completed_at, ":o": owes},
        )
        return True
    except ClientError as error:
        if _already_exists(error):
            return False
        raise


def run(run_id: str) -> dict[str, Any] | None:
    item = table().get_item(Key=_run_key(run_id), ConsistentRead=True).get("Item")
    return _plain(item) if item else None


# ---------------------------------------------------------------------------------------------------- helpers
def _query_all(condition: Any, forward: bool = True, limit: int | None = None) -> Iterable[dict[str, Any]]:
    kwargs: dict[str, Any] = {"KeyConditionExpression": condition, "ScanIndexForward": forward}
    if limit:
        kwargs["Limit"] = limit
    while True:
        page = table().query(**kwargs)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page or (limit and len(page["Items"]) >= limit):
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
