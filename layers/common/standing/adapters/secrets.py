"""The one Secrets Manager adapter: the signing keys behind partner links (portal, one-click unsubscribe).

The template creates the secret with a generated value. `signing_keys()` returns the current key first and, when
the secret has been rotated, the previous one (stage AWSPREVIOUS) so links sent before the rotation keep working
until they expire. Keys are cached in the process for `CACHE_SECONDS`: a warm function does not call Secrets
Manager on every request, and a rotation reaches every function within that time.

Only error *codes* are matched, never message text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from standing import config

CACHE_SECONDS = 300.0
RETRYABLE_CODES = frozenset(
    {"ThrottlingException", "InternalServiceError", "ServiceUnavailable", "RequestTimeout", "Throttling"}
)


class SecretError(Exception):
    """The signing secret could not be read; `code` is the Secrets Manager error code."""

    def __init__(self, code: str) -> None:
        super().__init__(f"signing secret unavailable: {code}")
        self.code = code


class SecretUnavailable(SecretError):
    """Throttling or a transient failure: the request may be retried."""


class SecretMisconfigured(SecretError):
    """The secret is missing, not readable by this function, or has no value: a deployment problem."""


@dataclass
class _Cached:
    secret_id: str
    keys: list[bytes]
    read_at: float


_cache: _Cached | None = None


def _client():  # type: ignore[no-untyped-def]
    return boto3.client("secretsmanager")


def _translate(error: ClientError) -> SecretError:
    code = error.response.get("Error", {}).get("Code", "Unknown")
    if code in RETRYABLE_CODES:
        return SecretUnavailable(code)
    return SecretMisconfigured(code)


def _value(response: dict) -> bytes:
    if "SecretString" in response:
        return str(response["SecretString"]).encode("utf-8")
    return bytes(response["SecretBinary"])


def _read(secret_id: str) -> list[bytes]:
    client = _client()
    try:
        current = _value(client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT"))
    except ClientError as error:
        raise _translate(error) from error
    except BotoCoreError as error:
        raise SecretUnavailable(type(error).__name__) from error
    keys = [current]
    try:
        previous = _value(client.get_secret_value(SecretId=secret_id, VersionStage="AWSPREVIOUS"))
    except ClientError as error:
        # Never rotated: there is no AWSPREVIOUS version, which is not an error.
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise _translate(error) from error
    except BotoCoreError as error:
        raise SecretUnavailable(type(error).__name__) from error
    else:
        if previous and previous != current:
            keys.append(previous)
    if not current:
        raise SecretMisconfigured("EmptySecret")
    return keys


def signing_keys() -> list[bytes]:
    """The keys a partner token may be signed with: current first, then the previous one after a rotation."""
    global _cache
    secret_id = config.signing_secret_id()
    now = time.monotonic()
    if _cache is None or _cache.secret_id != secret_id or now - _cache.read_at >= CACHE_SECONDS:
        _cache = _Cached(secret_id, _read(secret_id), now)
    return list(_cache.keys)


def forget() -> None:
    """Drop the cached keys (a fresh deployment in the same process, as tests and the local run make)."""
    global _cache
    _cache = None
