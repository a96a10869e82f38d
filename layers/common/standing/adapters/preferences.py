"""Who notify writes to, and what they accept: the stored profile's address, the one-click unsubscribe (RFC 8058)
from optional mail, and addresses suppressed after a bounce or a complaint.

Items:
- pk `P#{partner_id}`, sk `PREFS#email`: `optional_mail` (`off` once the partner unsubscribed), `unsubscribed_at`
  (RFC 3339, UTC, the first time), `changed_at` (the latest click), `source` (`one_click`). Optional mail is the
  at-risk warning; evaluation reports and membership confirmations are mandatory and ignore it (docs/emails.md).
- pk `SUPPRESS#{address, lower case}`, sk `SUPPRESS`: `reason` (`bounce` / `complaint`), `at`, `detail`. Written
  from SES's feedback (the configuration set's events); no mail goes to the address while it stands.
The recipient is always the profile Standing stored (`PROFILE`), never an address carried by an event: whoever can
put an event on the bus cannot make Standing write to anyone. Items and keys: standing.adapters.tables; errors are the
shared ones (standing.adapters.errors), under this module's historical names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from standing.adapters import tables
from standing.adapters.errors import StoreError, StoreUnavailable
from standing.adapters.tables import (
    EMAIL_PREFERENCES_SK,
    PROFILE_SK,
    EmailPreferencesItem,
    ProfileItem,
    StateItem,
    SuppressionItem,
)

OFF = "off"

PreferencesError = StoreError  # the preference could not be read or written; `code` is the DynamoDB error code
PreferencesUnavailable = StoreUnavailable  # throttling or a transient failure: retry later


def preferences_key(partner_id: str) -> dict[str, str]:
    pk, sk = EmailPreferencesItem.key(partner_id)
    return {"pk": pk, "sk": sk}


def suppression_key(address: str) -> dict[str, str]:
    pk, sk = SuppressionItem.key(address)
    return {"pk": pk, "sk": sk}


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


class PreferencesStore:
    def __init__(self, table_name: str) -> None:
        self._table = table_name
        self._preferences = tables.bind(EmailPreferencesItem, table_name)
        self._suppressions = tables.bind(SuppressionItem, table_name)

    def unsubscribe(self, partner_id: str, now: datetime, source: str = "one_click") -> None:
        """Record that the partner wants no optional mail. Clicking again only moves `changed_at`."""
        at = now.astimezone(UTC).isoformat()
        item = EmailPreferencesItem
        tables.update(
            self._preferences(*item.key(partner_id)),
            [
                item.optional_mail.set(OFF),
                item.changed_at.set(at),
                item.source.set(source),
                item.unsubscribed_at.set(item.unsubscribed_at | at),  # if_not_exists: the first click
            ],
        )

    def recipient(self, partner_id: str) -> Recipient | None:
        """The partner's stored address, name and language, its optional-mail choice and whether its address is
        suppressed (one Query over PREFS#email..PROFILE, one GetItem); None for a partner without a profile."""
        span = StateItem.sk.between(EMAIL_PREFERENCES_SK, PROFILE_SK)
        found = {
            item.sk: item
            for item in tables.query_partition(tables.partner_key(partner_id), span, table_name=self._table)
        }
        profile = found.get(PROFILE_SK)
        if not isinstance(profile, ProfileItem):
            return None
        preferences = found.get(EMAIL_PREFERENCES_SK)
        email = (profile.email or "").strip()
        suppressed = tables.find(self._suppressions, *SuppressionItem.key(email), consistent=False) if email else None
        return Recipient(
            email=email,
            name=profile.name or "",
            locale=profile.locale or None,
            optional_mail_off=isinstance(preferences, EmailPreferencesItem) and preferences.optional_mail == OFF,
            suppressed=suppressed.reason if suppressed else None,
        )

    def suppress(self, address: str, reason: str, at: datetime, detail: str = "") -> None:
        """Stop all mail to an address SES reported as bouncing for good or complaining (idempotent)."""
        item = self._suppressions(
            *SuppressionItem.key(address),
            address=tables.suppressed_address(address),
            reason=reason,
            at=at.astimezone(UTC).isoformat(),
            detail=detail[:1000],
        )
        with tables.translated():
            item.save()

    def suppression(self, address: str) -> dict[str, Any] | None:
        """Why mail to an address is suppressed (reason, at), if it is."""
        item = tables.find(self._suppressions, *SuppressionItem.key(address), consistent=False)
        return {"reason": item.reason, "at": item.at} if item else None

    def optional_mail_off(self, partner_id: str) -> bool:
        """True when the partner unsubscribed from optional mail."""
        item = tables.find(self._preferences, *EmailPreferencesItem.key(partner_id))
        return item is not None and item.optional_mail == OFF
