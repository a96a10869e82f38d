"""Signed, expiring tokens that stand for one partner: the partner's page link and the one-click unsubscribe.

A token is `base64url(payload).base64url(HMAC-SHA256(key, purpose + "." + payload))`, the payload being compact
JSON `{"p": partner_id, "x": expires_at (epoch seconds)}`. The purpose (e.g. "portal", "unsubscribe") is signed but
not carried, so a token made for one purpose never opens another. Verification accepts any of the given keys
(current first, then the previous one), so links sent before a key rotation keep working until they expire.
Pure: no AWS, no clock (callers pass `now`), no environment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime

MAX_TOKEN_LENGTH = 2048  # a token longer than this was not made here


class InvalidToken(Exception):
    """The token was tampered with, made with an unknown key, made for another purpose, or is not a token."""


class ExpiredToken(InvalidToken):
    """The token was genuine but its time is up."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, purpose: str, payload: str) -> bytes:
    return hmac.new(key, f"{purpose}.{payload}".encode(), hashlib.sha256).digest()


def sign(partner_id: str, purpose: str, expires_at: datetime, key: bytes) -> str:
    """A token for `partner_id`, valid for `purpose` until `expires_at`."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    body = json.dumps({"p": partner_id, "x": int(expires_at.timestamp())}, separators=(",", ":"), ensure_ascii=False)
    payload = _b64encode(body.encode("utf-8"))
    return f"{payload}.{_b64encode(_mac(key, purpose, payload))}"


def verify(token: str, purpose: str, keys: Sequence[bytes], now: datetime) -> str:
    """The partner id a genuine, unexpired token for `purpose` stands for; InvalidToken / ExpiredToken otherwise."""
    if not keys:
        raise InvalidToken("no signing key configured")
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise InvalidToken("not a token")
    payload, signature = token.split(".")
    try:
        given = _b64decode(signature)
    except (ValueError, TypeError):
        raise InvalidToken("not a token") from None
    if not any(hmac.compare_digest(given, _mac(key, purpose, payload)) for key in keys):
        raise InvalidToken("signature does not match")
    try:
        body = json.loads(_b64decode(payload).decode("utf-8"))
        partner_id, expires = str(body["p"]), int(body["x"])
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise InvalidToken("not a token") from None
    if now.astimezone(UTC).timestamp() >= expires:
        raise ExpiredToken(f"expired at {datetime.fromtimestamp(expires, UTC).isoformat()}")
    return partner_id
