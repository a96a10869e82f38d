"""A partner's email preferences in the StateTable: the one-click unsubscribe (RFC 8058) from optional mail.

Item: pk `P#{partner_id}`, sk `PREFS#email`, `optional_mail` (`off` once the partner unsubscribed),
`unsubscribed_at` (RFC 3339, UTC, the first time), `changed_at` (the latest click), `source` (`one_click`).
Optional mail is the at-risk warning; evaluation reports and membership confirmations are mandatory and ignore the
item (docs/emails.md lists the kinds). Only error *codes* are matched, never message text.
"""

from __future__ import annotations

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

    def optional_mail_off(self, partner_id: str) -> bool:
        """True when the partner unsubscribed from optional mail."""
        try:
            item = self._table.get_item(Key=preferences_key(partner_id), ConsistentRead=True).get("Item")
        except ClientError as error:
            raise _translate(error) from error
        except BotoCoreError as error:
            raise PreferencesUnavailable(type(error).__name__) from error
        return bool(item) and item.get("optional_mail") == OFF
