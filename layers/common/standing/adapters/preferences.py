"""Who notify writes to, and what they accept: the stored profile's address, the one-click unsubscribe (RFC 8058)
from optional mail, and addresses suppressed after a bounce or a complaint.

Items:
- pk `P#{partner_id}`, sk `PREFS#email`: `optional_mail` (`off` once the partner unsubscribed), `unsubscribed_at`
  (RFC 3339, UTC, the first time), `changed_at` (the latest click), `source` (`one_click`). Optional mail is the
  at-risk warning; evaluation reports and membership confirmations are mandatory and ignore it (docs/emails.md).
- pk `SUPPRESS#{address, lower case}`, sk `SUPPRESS`: `reason` (`bounce` / `complaint`), `at`, `detail`. Written
  from SES's feedback (the configuration set's events); no mail goes to the address while it stands.
The recipient is always the profile Standing stored (`PROFILE`), never an address carried by an event: whoever can
put an event on the bus cannot make Standing write to anyone. Only error *codes* are matched, never message text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

OFF = "off"
RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


class PreferencesError(Exception):
    """The preference could not be read or written; `code` is the DynamoDB error code."""

    def __init__(self, code: str) -> None:
        super().__init__(f"email preferences unavailable: {code}")
        self.code = code


class PreferencesUnavailable(PreferencesError):
    """Throttling or a transient failure: retry later."""


def preferences_key(partner_id: str) -> dict[str, str]:
    return {"pk": f"P#{partner_id}", "sk": "PREFS#email"}


def suppression_key(address: str) -> dict[str, str]:
    return {"pk": f"SUPPRESS#{address.strip().lower()}", "sk": "SUPPRESS"}


@dataclass(frozen=True)
class Recipient:
    """Where notify may write to for a partner: the stored profile's address, name and language."""

    email: str
    name: str
    locale: str | None
    optional_mail_off: bool
    suppressed: str | None  # "bounce" / "complaint" when SES said no more mail to this address

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "locale": self.locale}


def _translate(error: ClientError) -> PreferencesError:
    code = error.response.get("Error", {}).get("Code", "Unknown")
    return PreferencesUnavailable(code) if code in RETRYABLE_CODES else PreferencesError(code)


class PreferencesStore:
    def __init__(self, table_name: str, *, resource: Any | None = None) -> None:
        self._table = (resource or boto3.resource("dynamodb")).Table(table_name)

    def unsubscribe(self, partner_id: str, now: datetime, source: str = "one_click") -> None:
        """Record that the partner wants no optional mail. Clicking again only moves `changed_at`."""
        at = now.astimezone(UTC).isoformat()
        try:
            self._table.update_item(
                Key=preferences_key(partner_id),
                UpdateExpression=(
                    "SET optional_mail = :off, changed_at = :at, #src = :source, "
                    "unsubscribed_at = if_not_exists(unsubscribed_at, :at)"
                ),
                ExpressionAttributeNames={"#src": "source"},
                ExpressionAttributeValues={":off": OFF, ":at": at, ":source": source},
            )
        except ClientError as error:
            raise _translate(error) from error
        except BotoCoreError as error:
            raise PreferencesUnavailable(type(error).__name__) from error

    def recipient(self, partner_id: str) -> Recipient | None:
        """The partner's stored address, name and language, its optional-mail choice and whether its address is
        suppressed (one Query over PREFS#email..PROFILE, one GetItem); None for a partner without a profile."""
        try:
            items = self._table.query(
                KeyConditionExpression="pk = :pk AND sk BETWEEN :prefs AND :profile",
                ExpressionAttributeValues={":pk": f"P#{partner_id}", ":prefs": "PREFS#email", ":profile": "PROFILE"},
                ConsistentRead=True,
            )["Items"]
            by_sk = {str(item["sk"]): item for item in items}
            profile = by_sk.get("PROFILE")
            if profile is None:
                return None
            email = str(profile.get("email") or "").strip()
            suppressed = self._table.get_item(Key=suppression_key(email)).get("Item") if email else None
        except ClientError as error:
            raise _translate(error) from error
        except BotoCoreError as error:
            raise PreferencesUnavailable(type(error).__name__) from error
        return Recipient(
            email=email,
            name=str(profile.get("name") or ""),
            locale=str(profile["locale"]) if profile.get("locale") else None,
            optional_mail_off=by_sk.get("PREFS#email", {}).get("optional_mail") == OFF,
            suppressed=str(suppressed["reason"]) if suppressed else None,
        )

    def suppress(self, address: str, reason: str, at: datetime, detail: str = "") -> None:
        """Stop all mail to an address SES reported as bouncing for good or complaining (idempotent)."""
        try:
            item = {
                **suppression_key(address),
                "address": address.strip().lower(),
                "reason": reason,
                "at": at.astimezone(UTC).isoformat(),
                "detail": detail[:1000],
            }
            self._table.put_item(Item=item)
        except ClientError as error:
            raise _translate(error) from error
        except BotoCoreError as error:
            raise PreferencesUnavailable(type(error).__name__) from error

    def suppression(self, address: str) -> dict[str, Any] | None:
        """Why mail to an address is suppressed (reason, at), if it is."""
        try:
            item = self._table.get_item(Key=suppression_key(address)).get("Item")
        except ClientError as error:
            raise _translate(error) from error
        except BotoCoreError as error:
            raise PreferencesUnavailable(type(error).__name__) from error
        return {"reason": item["reason"], "at": item["at"]} if item else None

    def optional_mail_off(self, partner_id: str) -> bool:
        """True when the partner unsubscribed from optional mail."""
        try:
            item = self._table.get_item(Key=preferences_key(partner_id), ConsistentRead=True).get("Item")
        except ClientError as error:
            raise _translate(error) from error
        except BotoCoreError as error:
            raise PreferencesUnavailable(type(error).__name__) from error
        return bool(item) and item.get("optional_mail") == OFF
