"""The notify domain service: one bus event in, at most one email out, exactly once.

Kinds and send-record refs (sk `SENT#{kind}#{ref}`):
- `report`: one per evaluation, ref `{program}#{period_start}`.
- `warning`: one per metric per period, ref `{program}#{period_start}#{metric_id}` (one record per metric in
  `at_risk`; the event's `warning_id` is kept on the record). A warning naming metrics that were already warned
  about this period only covers the new ones, or sends nothing.
- `membership`: one per membership change, ref the event's `membership_id`
  (else `{program}#{action}#{membership_at or bus event id}`).

Outcomes: `sent`, `duplicate` (already sent or rejected: nothing sent), `rejected` (missing address or a
permanent SES refusal, recorded), `ignored` (a detail type notify does not handle). SES throttling and a claim held
by a concurrent attempt raise `RetryLater` / `RetryableSendError`: the queue delivers the message again later."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from standing.adapters.sends_store import ClaimOutcome, SendsStore
from standing.adapters.ses import PermanentSendError, RetryableSendError, SesSender
from standing.notify.mime import build_mime, sender_address
from standing.notify.render import (
    RenderedEmail,
    header_safe,
    program_of,
    render_membership,
    render_report,
    render_warning,
)

_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+$")
_TAG = re.compile(r"[^A-Za-z0-9_-]")


class Outcome(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    IGNORED = "ignored"


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
        *,
        sender_identity: str,
        configuration_set: str,
    ) -> None:
        self._sends = sends
        self._ses = ses
        self._sender = sender_address(sender_identity)
        self._configuration_set = configuration_set
        self._handlers: dict[str, Callable[[dict[str, Any], str], Outcome]] = {
            "Partner Evaluated": self._report,
            "Partner At Risk": self._warning,
            "Membership Changed": self._membership,
        }

    def handle(self, event: dict[str, Any]) -> Outcome:
        """Handle one EventBridge event (the body of a NotifyQueue message)."""
        handler = self._handlers.get(str(event.get("detail-type", "")))
        if handler is None:
            return Outcome.IGNORED
        return handler(event.get("detail") or {}, str(event.get("id", "")))

    # -------------------------------------------------------------------------------------------- kinds

    def _report(self, detail: dict[str, Any], event_id: str) -> Outcome:
        record = detail.get("record") or {}
        program_id, _ = program_of(detail)
        period_start = str((record.get("period") or {}).get("start", ""))
        email = render_report(detail)
        return self._deliver(
            self._prepare("report", detail, [f"{program_id}#{period_start}"], email, record.get("partner_id")),
            render_again=None,
        )

    def _warning(self, detail: dict[str, Any], event_id: str) -> Outcome:
        program_id, _ = program_of(detail)
        period_start = str((detail.get("period") or {}).get("start", ""))
        at_risk = [str(m) for m in detail.get("at_risk") or [] if m in (detail.get("metrics") or {})]
        if not at_risk:
            return Outcome.IGNORED
        refs = [f"{program_id}#{period_start}#{metric}" for metric in at_risk]
        send = self._prepare("warning", detail, refs, render_warning(detail), None)
        send.attributes["warning_id"] = str(detail.get("warning_id", ""))

        def only(claimed_refs: list[str]) -> RenderedEmail:
            claimed = [m for m, r in zip(at_risk, refs, strict=True) if r in claimed_refs]
            return render_warning({**detail, "at_risk": claimed})

        return self._deliver(send, render_again=only)

    def _membership(self, detail: dict[str, Any], event_id: str) -> Outcome:
        program_id, _ = program_of(detail)
        ref = str(
            detail.get("membership_id")
            or f"{program_id}#{detail.get('action', '')}#{detail.get('membership_at') or event_id}"
        )
        return self._deliver(self._prepare("membership", detail, [ref], render_membership(detail), None), None)

    # -------------------------------------------------------------------------------------------- delivery

    def _prepare(
        self, kind: str, detail: dict[str, Any], refs: list[str], email: RenderedEmail, partner_id: Any
    ) -> _Send:
        program_id, _ = program_of(detail)
        partner = detail.get("partner") or {}
        partner_id = str(partner_id or detail.get("partner_id") or "")
        if not partner_id:
            raise ValueError(f"{kind} event without partner_id")
        return _Send(
            kind=kind,
            partner_id=partner_id,
            refs=refs,
            recipient=str(partner.get("email") or "").strip(),
            email=email,
            program_id=program_id,
            sender_name=header_safe(email.program_name, 120),
            recipient_name=header_safe(partner.get("name"), 120),
            attributes={"program": program_id, "locale": email.locale},
            list_unsubscribe=kind == "warning",
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
            list_unsubscribe=self._unsubscribe(send) if send.list_unsubscribe else None,
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

    def _unsubscribe(self, send: _Send) -> str:
        subject = quote(f"unsubscribe {send.program_id} warnings {send.partner_id}")
        return f"mailto:{self._sender}?subject={subject}"
