"""The notify domain service: one bus event in, at most one email out, exactly once.

Kinds and send-record refs (sk `SENT#{kind}#{ref}`):
- `report`: one per evaluation, ref `{program}#{period_start}`.
- `warning`: one per metric per period, ref `{program}#{period_start}#{metric_id}` (one record per metric in
  `at_risk`; the event's `warning_id` is kept on the record). A warning naming metrics that were already warned
  about this period only covers the new ones, or sends nothing.
- `membership`: one per membership change, ref the event's `membership_id`
  (else `{program}#{action}#{membership_at or bus event id}`).

Mandatory mail (the marketplace must send it): reports and membership confirmations. Optional mail: at-risk
warnings, which carry RFC 8058 one-click unsubscribe and are not sent to a partner who used it (`suppressed`).
Every email links to the partner's page (a signed `portal` token, 30 days).

Outcomes: `sent`, `duplicate` (already sent or rejected: nothing sent), `rejected` (missing address or a
permanent SES refusal, recorded), `suppressed` (optional mail to a partner who unsubscribed), `stale` (a warning
for a period that had already closed), `ignored` (a detail type notify does not handle). SES throttling and a claim held
by a concurrent attempt raise `RetryLater` / `RetryableSendError`: the queue delivers the message again later."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from standing import signing
from standing.adapters.preferences import PreferencesStore
from standing.adapters.sends_store import ClaimOutcome, SendsStore
from standing.adapters.ses import PermanentSendError, RetryableSendError, SesSender
from standing.notify.mime import build_mime, sender_address
from standing.notify.render import (
    EmailLinks,
    RenderedEmail,
    header_safe,
    period_closed,
    program_of,
    render_membership,
    render_report,
    render_warning,
)

PORTAL_DAYS = 30
UNSUBSCRIBE_DAYS = 365
OPTIONAL_KINDS = frozenset({"warning"})  # everything else is mandatory (docs/emails.md)

_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+$")
_TAG = re.compile(r"[^A-Za-z0-9_-]")


class Outcome(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    SUPPRESSED = "suppressed"
    STALE = "stale"
    IGNORED = "ignored"
    UNKNOWN_PARTNER = "unknown_partner"  # no stored profile: nobody to write to


@dataclass(frozen=True)
class PartnerLinks:
    """Signed links to the partner's page (`GET {base}/portal/{token}`) and one-click unsubscribe
    (`POST {base}/unsubscribe/{token}`). `keys` returns the signing keys, current first."""

    base_url: str
    keys: Callable[[], list[bytes]]
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def _url(self, route: str, purpose: str, partner_id: str, days: int) -> str:
        expires, key = self.clock() + timedelta(days=days), self.keys()[0]
        token = signing.sign(partner_id, purpose, expires, key)
        while "UTC" in token:  # a signature may spell it by chance; an email never says UTC (docs/emails.md)
            expires -= timedelta(seconds=1)
            token = signing.sign(partner_id, purpose, expires, key)
        return f"{self.base_url.rstrip('/')}/{route}/{token}"

    def for_partner(self, partner_id: str, optional: bool) -> EmailLinks:
        return EmailLinks(
            portal=self._url("portal", "portal", partner_id, PORTAL_DAYS),
            unsubscribe=self._url("unsubscribe", "unsubscribe", partner_id, UNSUBSCRIBE_DAYS) if optional else "",
        )


class RetryLater(RetryableSendError):
    """Another attempt holds a fresh claim on this send: put the message back and look again later."""

    def __init__(self, key: str) -> None:
        super().__init__("ClaimInFlight", key)


@dataclass(frozen=True)
class _Send:
    kind: str
    partner_id: str
    refs: list[str]
    recipient: str
    email: RenderedEmail
    program_id: str
    sender_name: str
    recipient_name: str
    attributes: dict[str, Any]
    list_unsubscribe: bool = False


class NotifyService:
    def __init__(
        self,
        sends: SendsStore,
        ses: SesSender,
        preferences: PreferencesStore,
        *,
        sender_identity: str,
        configuration_set: str,
        links: PartnerLinks,
    ) -> None:
        self._sends = sends
        self._ses = ses
        self._preferences = preferences
        self._links = links
        self._sender = sender_address(sender_identity)
        self._configuration_set = configuration_set
        self._handlers: dict[str, Callable[[dict[str, Any], str], Outcome]] = {
            "Partner Evaluated": self._report,
            "Partner At Risk": self._warning,
            "Membership Changed": self._membership,
        }

    def handle(self, event: dict[str, Any]) -> Outcome:
        """Handle one EventBridge event (the body of a NotifyQueue message). The address comes from the partner's
        stored profile, never from the event: an event naming a partner Standing does not know, or any address at
        all, writes to nobody else. (Name and language are the event's, which Standing built from that profile.)"""
        handler = self._handlers.get(str(event.get("detail-type", "")))
        if handler is None:
            return Outcome.IGNORED
        detail = dict(event.get("detail") or {})
        partner_id = str(detail.get("partner_id") or "")
        who = self._preferences.recipient(partner_id) if partner_id else None
        if who is None:
            return Outcome.UNKNOWN_PARTNER
        if who.suppressed:
            return Outcome.SUPPRESSED  # SES reported the address bouncing or complaining: no more mail to it
        given = detail.get("partner") or {}
        detail["partner"] = {**who.summary(), **{k: given[k] for k in ("name", "locale") if given.get(k)},
                             "email": who.email}  # fmt: skip
        return handler(detail, str(event.get("id", "")))

    # -------------------------------------------------------------------------------------------- kinds

    def _report(self, detail: dict[str, Any], event_id: str) -> Outcome:
        record = detail.get("record") or {}
        program_id, _ = program_of(detail)
        period_start = str((record.get("period") or {}).get("start", ""))
        partner_id = self._partner_id("report", detail, None)
        email = render_report(detail, self._links.for_partner(partner_id, optional=False))
        return self._deliver(
            self._prepare("report", detail, [f"{program_id}#{period_start}"], email, partner_id),
            render_again=None,
        )

    def _warning(self, detail: dict[str, Any], event_id: str) -> Outcome:
        program_id, _ = program_of(detail)
        period_start = str((detail.get("period") or {}).get("start", ""))
        at_risk = [str(m) for m in detail.get("at_risk") or [] if m in (detail.get("metrics") or {})]
        if not at_risk:
            return Outcome.IGNORED
        if period_closed(detail):
            return Outcome.STALE  # the report for the period follows; a warning can no longer help
        partner_id = self._partner_id("warning", detail, None)
        if self._preferences.optional_mail_off(partner_id):
            return Outcome.SUPPRESSED
        links = self._links.for_partner(partner_id, optional=True)
        refs = [f"{program_id}#{period_start}#{metric}" for metric in at_risk]
        send = self._prepare("warning", detail, refs, render_warning(detail, links), partner_id)
        send.attributes["warning_id"] = str(detail.get("warning_id", ""))

        def only(claimed_refs: list[str]) -> RenderedEmail:
            claimed = [m for m, r in zip(at_risk, refs, strict=True) if r in claimed_refs]
            return render_warning({**detail, "at_risk": claimed}, links)

        return self._deliver(send, render_again=only)

    def _membership(self, detail: dict[str, Any], event_id: str) -> Outcome:
        program_id, _ = program_of(detail)
        ref = str(
            detail.get("membership_id")
            or f"{program_id}#{detail.get('action', '')}#{detail.get('membership_at') or event_id}"
        )
        partner_id = self._partner_id("membership", detail, None)
        email = render_membership(detail, self._links.for_partner(partner_id, optional=False))
        return self._deliver(self._prepare("membership", detail, [ref], email, partner_id), None)

    # -------------------------------------------------------------------------------------------- delivery

    @staticmethod
    def _partner_id(kind: str, detail: dict[str, Any], given: Any) -> str:
        partner_id = str(given or detail.get("partner_id") or "")
        if not partner_id:
            raise ValueError(f"{kind} event without partner_id")
        return partner_id

    def _prepare(
        self, kind: str, detail: dict[str, Any], refs: list[str], email: RenderedEmail, partner_id: str
    ) -> _Send:
        program_id, _ = program_of(detail)
        partner = detail.get("partner") or {}
        return _Send(
            kind=kind,
            partner_id=partner_id,
            refs=refs,
            recipient=str(partner.get("email") or "").strip(),
            email=email,
            program_id=program_id,
            sender_name=header_safe(email.sender_name or email.program_name, 120),
            recipient_name=header_safe(partner.get("name"), 120),
            attributes={"program": program_id, "locale": email.locale},
            list_unsubscribe=kind in OPTIONAL_KINDS,
        )

    def _deliver(self, send: _Send, render_again: Callable[[list[str]], RenderedEmail] | None) -> Outcome:
        claims: dict[str, str] = {}
        in_flight = ""
        for ref in send.refs:
            claim = self._sends.claim(send.partner_id, send.kind, ref, attributes=send.attributes)
            if claim.outcome is ClaimOutcome.CLAIMED:
                claims[ref] = claim.token
            elif claim.outcome is ClaimOutcome.IN_FLIGHT:
                in_flight = ref
        if in_flight:
            self._release(send, claims)
            raise RetryLater(f"{send.partner_id}#{send.kind}#{in_flight}")
        if not claims:
            return Outcome.DUPLICATE
        email = send.email
        if render_again is not None and len(claims) < len(send.refs):
            email = render_again(list(claims))

        if not _EMAIL.match(send.recipient):
            self._finish_rejected(send, claims, "missing_address" if not send.recipient else "invalid_address", "")
            return Outcome.REJECTED
        raw = build_mime(
            email,
            sender=self._sender,
            sender_name=send.sender_name,
            recipient=send.recipient,
            recipient_name=send.recipient_name,
            list_unsubscribe=self._links.for_partner(send.partner_id, optional=True).unsubscribe
            if send.list_unsubscribe
            else None,
            reference=f"{send.kind}#{next(iter(claims))}",
        )
        try:
            message_id = self._ses.send_raw(
                sender=self._sender,
                recipient=send.recipient,
                raw=raw,
                configuration_set=self._configuration_set,
                tags={"kind": send.kind, "program": _TAG.sub("_", send.program_id)[:256] or "unknown"},
            )
        except PermanentSendError as error:
            self._finish_rejected(send, claims, "ses_rejected", error.code)
            return Outcome.REJECTED
        except RetryableSendError:
            self._release(send, claims)
            raise
        except Exception:
            # An unexpected failure before SES accepted the message: give the claim back so the retry can send.
            self._release(send, claims)
            raise
        for ref, token in claims.items():
            self._sends.mark_sent(send.partner_id, send.kind, ref, token, message_id)
        return Outcome.SENT

    def _finish_rejected(self, send: _Send, claims: dict[str, str], reason: str, code: str) -> None:
        for ref, token in claims.items():
            self._sends.mark_rejected(send.partner_id, send.kind, ref, token, reason, code)

    def _release(self, send: _Send, claims: dict[str, str]) -> None:
        for ref, token in claims.items():
            self._sends.release(send.partner_id, send.kind, ref, token)
