"""Build the raw MIME message SES v2 sends: multipart/alternative (text/plain, then text/html), UTF-8 throughout.

Every header value goes through `header_safe` (CR, LF and other control characters removed) before it is set, so
no partner- or operator-supplied text can add a header.

Headers a mail client shows (Subject, the display names in From and To) are encoded here rather than by the
standard library's folding: a non-ASCII value becomes a run of RFC 2047 `B` encoded words, each holding whole
characters and carrying its own spaces, separated only by folding whitespace. RFC 2047 section 6.2 says whitespace
between adjacent encoded words is dropped when decoding, so a space must never sit between two encoded words; here
every space lives inside one, and decoding gives back exactly the text the HTML `<title>` shows. A display name
is one encoded word (see `encode_address`).

`List-Unsubscribe` holds an URL and must never be encoded: it is written as is (`<https://...>`), with
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058) beside it."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from standing.notify.render import RenderedEmail, header_safe

# Headers set with set_raw are written exactly as given; the ones the library builds still fold themselves.
_POLICY = SMTP.clone(refold_source="none")
_ENCODED_WORD_MAX = 66  # RFC 2047 allows 75; shorter keeps "Subject: " + one word within 76
_B_PREFIX, _B_SUFFIX = "=?utf-8?b?", "?="
_ATOM_SPECIALS = set('()<>[]:;@\\,."')
# RFC 8058 wants HTTPS; plain HTTP only to this machine (the local run's `make serve`).
_ONE_CLICK_SCHEMES = ("https://", "http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/")


def sender_address(identity: str) -> str:
    """The From address for the configured SES identity: an address as is, a verified domain as no-reply@domain."""
    identity = header_safe(identity)
    return identity if "@" in identity else f"no-reply@{identity}"


def encode_words(text: str) -> list[str]:
    """`text` as RFC 2047 `B` encoded words of at most 75 characters, never splitting a character."""
    words: list[str] = []
    budget = (_ENCODED_WORD_MAX - len(_B_PREFIX) - len(_B_SUFFIX)) // 4 * 3  # raw bytes per word
    chunk = b""
    for char in text:
        raw = char.encode("utf-8")
        if chunk and len(chunk) + len(raw) > budget:
            words.append(_B_PREFIX + base64.b64encode(chunk).decode("ascii") + _B_SUFFIX)
            chunk = b""
        chunk += raw
    if chunk:
        words.append(_B_PREFIX + base64.b64encode(chunk).decode("ascii") + _B_SUFFIX)
    return words


def _fold(name: str, tokens: list[str], joiner: str) -> str:
    """Join tokens with `joiner` on a line while it fits in 78 characters, else fold (CRLF + space) between them."""
    lines = [f"{name}:"]
    for index, token in enumerate(tokens):
        separator = " " if index == 0 else joiner
        if index > 0 and len(lines[-1]) + len(separator) + len(token) > 78:
            lines.append(" " + token)
        else:
            lines[-1] += separator + token
    return "\r\n".join(lines)[len(name) + 2 :]


def encode_unstructured(name: str, value: str) -> str:
    """The raw value of an unstructured header (Subject) that decodes to exactly `value`."""
    value = header_safe(value, 300)
    if value.isascii() and "=?" not in value:
        # Folding only ever happens at a space, and unfolding keeps that space: plain words decode as they are.
        words = value.split(" ")
        if all(words):
            return _fold(name, words, " ")
    return _fold(name, encode_words(value), " ")


def encode_address(name: str, display_name: str, address: str) -> str:
    """The raw value of an address header: `"Name" <addr>` in ASCII, or encoded words then `<addr>`."""
    address = header_safe(address)
    display = header_safe(display_name, 120)
    if not display:
        return address
    if display.isascii() and "=?" not in display:
        if any(c in _ATOM_SPECIALS for c in display):
            escaped = display.replace("\\", "\\\\").replace('"', '\\"')
            display = f'"{escaped}"'
        return _fold(name, [*display.split(" "), f"<{address}>"], " ")
    # One encoded word, even past RFC 2047's 75 characters: parsers of address headers (Python's among them) put a
    # space between adjacent encoded words of a phrase where RFC 2047 removes it, so a split would decode two ways.
    word = _B_PREFIX + base64.b64encode(display.encode("utf-8")).decode("ascii") + _B_SUFFIX
    return _fold(name, [word, f"<{address}>"], " ")


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
    """The raw message. `list_unsubscribe` is an https URL (RFC 8058 one-click); None for mandatory mail."""
    message = EmailMessage(policy=_POLICY)
    message.set_raw("Subject", encode_unstructured("Subject", email.subject))
    message.set_raw("From", encode_address("From", sender_name, sender))
    message.set_raw("To", encode_address("To", recipient_name, recipient))
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    if reference:
        message.set_raw("X-Standing-Ref", header_safe(reference, 900))  # one line: an id, never folded
    if list_unsubscribe:
        url = header_safe(list_unsubscribe, 900)
        if not url.startswith(_ONE_CLICK_SCHEMES) or any(c in url for c in " <>"):
            raise ValueError(f"List-Unsubscribe must be one https URL, got {url!r}")
        message.set_raw("List-Unsubscribe", f"<{url}>")
        message.set_raw("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
    message.set_content(email.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = email.locale  # after the body: set_content clears Content-* headers
    return message.as_bytes()
