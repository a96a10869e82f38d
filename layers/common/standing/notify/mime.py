"""Build the raw MIME message SES v2 sends: multipart/alternative (text/plain, then text/html), UTF-8 throughout.

Every header value goes through `header_safe` (CR, LF and other control characters removed) before it is set, so
no partner- or operator-supplied text can add a header. Non-ASCII subjects and names are RFC 2047 encoded by the
standard library's email policy."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from standing.notify.render import RenderedEmail, header_safe


def sender_address(identity: str) -> str:
    """The From address for the configured SES identity: an address as is, a verified domain as no-reply@domain."""
    identity = header_safe(identity)
    return identity if "@" in identity else f"no-reply@{identity}"


def _address(display_name: str, address: str) -> Address:
    local, _, domain = header_safe(address).rpartition("@")
    return Address(display_name=header_safe(display_name, 120), username=local, domain=domain)


def build_mime(
    email: RenderedEmail,
    *,
    sender: str,
    sender_name: str,
    recipient: str,
    recipient_name: str = "",
    list_unsubscribe: str | None = None,
    reference: str = "",
    now: datetime | None = None,
) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["Subject"] = header_safe(email.subject, 300)
    message["From"] = _address(sender_name, sender)
    message["To"] = _address(recipient_name, recipient)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    if reference:
        message["X-Standing-Ref"] = header_safe(reference)
    if list_unsubscribe:
        message["List-Unsubscribe"] = f"<{header_safe(list_unsubscribe, 500)}>"
    message.set_content(email.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = email.locale  # after the body: set_content clears Content-* headers
    return message.as_bytes()
