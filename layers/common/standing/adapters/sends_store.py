"""Notification send records in the StateTable: what makes every email go out exactly once.

Item: pk `P#{partner_id}`, sk `SENT#{kind}#{ref}`, `status` (`sending` / `sent` / `rejected`), `token` (the claim's
owner), `claimed_at` (epoch seconds), `attempts`, and on completion `message_id` or `reason` / `error_code`.

Protocol (documented in docs/emails.md):
1. `claim` writes `status=sending` with `attribute_not_exists(pk)`, *before* anything is sent. A redelivered
   message that finds `sent` or `rejected` sends nothing.
2. After SES accepts the message, `mark_sent` sets `sent` (conditional on still owning the claim).
3. SES throttling: `release` deletes the claim, the message goes back to the queue and claims again later.
4. A Lambda that dies between the claim and `mark_sent` leaves `sending`. A later delivery that finds a `sending`
   record younger than `stale_after` backs off (the first attempt may still be running); one older than that
   takes the claim over and sends. The choice: after a crash in the window between SES accepting the message
   and `mark_sent` (milliseconds), the partner may get the email twice; the alternative would be to never send
   it at all. A report that was never delivered is the worse failure.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

SENDING = "sending"
SENT = "sent"
REJECTED = "rejected"
DEFAULT_STALE_AFTER_SECONDS = 5 * 60

_deserializer = TypeDeserializer()


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"  # this caller owns the send
    DONE = "done"  # already sent or rejected: send nothing
    IN_FLIGHT = "in_flight"  # another attempt holds a fresh claim: try later


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    token: str = ""
    status: str = ""


def send_key(partner_id: str, kind: str, ref: str) -> dict[str, str]:
    return {"pk": f"P#{partner_id}", "sk": f"SENT#{kind}#{ref}"}


class SendsStore:
    def __init__(
        self, table_name: str, *, resource: Any | None = None, stale_after_seconds: int = DEFAULT_STALE_AFTER_SECONDS
    ) -> None:
        self._table = (resource or boto3.resource("dynamodb")).Table(table_name)
        self._stale_after = stale_after_seconds

    def claim(
        self,
        partner_id: str,
        kind: str,
        ref: str,
        *,
        attributes: dict[str, Any] | None = None,
        now: float | None = None,
    ) -> Claim:
        now = time.time() if now is None else now
        token = uuid.uuid4().hex
        item = {
            **(attributes or {}),
            **send_key(partner_id, kind, ref),
            "kind": kind,
            "ref": ref,
            "status": SENDING,
            "token": token,
            "claimed_at": int(now),
            "attempts": 1,
        }
        try:
            self._table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(pk) OR (#s = :sending AND claimed_at < :stale_before)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":sending": SENDING, ":stale_before": int(now) - self._stale_after},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old = error.response.get("Item")
            existing = (
                {k: _deserializer.deserialize(v) for k, v in old.items()}
                if old
                else self._table.get_item(Key=send_key(partner_id, kind, ref), ConsistentRead=True).get("Item", {})
            )
            status = str(existing.get("status", SENDING))
            if status == SENDING:
                return Claim(ClaimOutcome.IN_FLIGHT, status=status)
            return Claim(ClaimOutcome.DONE, status=status)
        return Claim(ClaimOutcome.CLAIMED, token=token, status=SENDING)

    def mark_sent(self, partner_id: str, kind: str, ref: str, token: str, message_id: str) -> bool:
        return self._finish(partner_id, kind, ref, token, SENT, {"message_id": message_id})

    def mark_rejected(
        self, partner_id: str, kind: str, ref: str, token: str, reason: str, error_code: str = ""
    ) -> bool:
        return self._finish(partner_id, kind, ref, token, REJECTED, {"reason": reason, "error_code": error_code})

    def release(self, partner_id: str, kind: str, ref: str, token: str) -> None:
        """Give a claim back (SES throttled us): the next delivery claims it again at once."""
        try:
            self._table.delete_item(
                Key=send_key(partner_id, kind, ref),
                ConditionExpression="#t = :token",
                ExpressionAttributeNames={"#t": "token"},
                ExpressionAttributeValues={":token": token},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def get(self, partner_id: str, kind: str, ref: str) -> dict[str, Any] | None:
        return self._table.get_item(Key=send_key(partner_id, kind, ref), ConsistentRead=True).get("Item")

    def _finish(self, partner_id: str, kind: str, ref: str, token: str, status: str, extra: dict[str, str]) -> bool:
        """Set the final status if this caller still owns the claim; False if another attempt took it over."""
        names = {"#s": "status", "#t": "token", **{f"#{k}": k for k in extra}}
        values = {":status": status, ":token": token, ":now": int(time.time())}
        values.update({f":{k}": v for k, v in extra.items()})
        sets = ", ".join(["#s = :status", "finished_at = :now", *(f"#{k} = :{k}" for k in extra)])
        try:
            self._table.update_item(
                Key=send_key(partner_id, kind, ref),
                UpdateExpression=f"SET {sets}",
                ConditionExpression="#t = :token",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True
