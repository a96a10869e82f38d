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

from pynamodb.expressions.update import Action

from standing.adapters import tables
from standing.adapters.errors import ConditionFailed
from standing.adapters.tables import SendItem

SENDING = "sending"
SENT = "sent"
REJECTED = "rejected"
DEFAULT_STALE_AFTER_SECONDS = 5 * 60
CLAIM_ATTRIBUTES = frozenset({"program", "locale", "warning_id"})  # what a claim carries besides the protocol


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
    pk, sk = SendItem.key(partner_id, kind, ref)
    return {"pk": pk, "sk": sk}


class SendsStore:
    def __init__(self, table_name: str, *, stale_after_seconds: int = DEFAULT_STALE_AFTER_SECONDS) -> None:
        self._sends = tables.bind(SendItem, table_name)
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
        extra = dict(attributes or {})
        if unknown := sorted(set(extra) - CLAIM_ATTRIBUTES):
            raise ValueError(f"a send record does not keep {unknown}; it keeps {sorted(CLAIM_ATTRIBUTES)}")
        token = uuid.uuid4().hex
        item = self._sends(
            *SendItem.key(partner_id, kind, ref),
            kind=kind,
            ref=ref,
            status=SENDING,
            token=token,
            claimed_at=int(now),
            attempts=1,
            **extra,
        )
        free = SendItem.pk.does_not_exist() | (
            (SendItem.status == SENDING) & (SendItem.claimed_at < int(now) - self._stale_after)
        )
        stored = tables.put_or_stored(item, free)
        if stored is None:
            return Claim(ClaimOutcome.CLAIMED, token=token, status=SENDING)
        status = stored.status or SENDING
        if status == SENDING:
            return Claim(ClaimOutcome.IN_FLIGHT, status=status)
        return Claim(ClaimOutcome.DONE, status=status)

    def mark_sent(self, partner_id: str, kind: str, ref: str, token: str, message_id: str) -> bool:
        return self._finish(partner_id, kind, ref, token, SENT, {"message_id": message_id})

    def mark_rejected(
        self, partner_id: str, kind: str, ref: str, token: str, reason: str, error_code: str = ""
    ) -> bool:
        return self._finish(partner_id, kind, ref, token, REJECTED, {"reason": reason, "error_code": error_code})

    def release(self, partner_id: str, kind: str, ref: str, token: str) -> None:
        """Give a claim back (SES throttled us): the next delivery claims it again at once."""
        try:
            with tables.translated():
                self._sends(*SendItem.key(partner_id, kind, ref)).delete(condition=SendItem.token == token)
        except ConditionFailed:
            pass  # another attempt took the claim over: it is theirs to finish

    def get(self, partner_id: str, kind: str, ref: str) -> dict[str, Any] | None:
        found = tables.find(self._sends, *SendItem.key(partner_id, kind, ref))
        return found.plain() if found else None

    def _finish(self, partner_id: str, kind: str, ref: str, token: str, status: str, extra: dict[str, str]) -> bool:
        """Set the final status if this caller still owns the claim; False if another attempt took it over."""
        actions: list[Action] = [SendItem.status.set(status), SendItem.finished_at.set(int(time.time()))]
        actions += [getattr(SendItem, name).set(value) for name, value in extra.items()]
        try:
            tables.update(self._sends(*SendItem.key(partner_id, kind, ref)), actions, SendItem.token == token)
        except ConditionFailed:
            return False
        return True
