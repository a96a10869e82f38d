"""Events files as the local commands read them: JSON Lines, each line ending at a line feed and UTF-8 on its own.

Not `str.splitlines`, which also ends a line at U+2028 and other breaks a JSON string may hold raw; and not one
decode of the whole file, which fails the whole file for one line that is not UTF-8. Such a line is refused at its
number, as a line that is not JSON is, and the rest still lands."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NOT_UTF8 = "the line is not UTF-8 text"


def split(data: bytes) -> list[bytes]:
    """The lines of `data` (a last line without a line feed counts; CR of a CRLF stays, the readers strip it)."""
    if not data:
        return []
    return (data[:-1] if data.endswith(b"\n") else data).split(b"\n")


def text(raw: bytes) -> str | None:
    """The line as text; None when it is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def read(path: Path) -> list[str | None]:
    """Every line of the file, as text (None: not UTF-8)."""
    return [text(raw) for raw in split(path.read_bytes())]


def not_utf8(number: int) -> dict[str, Any]:
    """The refusal of a line that is not UTF-8, as `standing replay` and `standing backtest` report it."""
    return {"line": number, "event_id": None, "error": "invalid_json", "message": NOT_UTF8}


def occurred_at(envelope: dict[str, Any]) -> datetime | None:
    """An envelope's `occurred_at` as a UTC instant, to send the lines in the order they occurred; None when it is
    not one (ingest says why)."""
    value = envelope.get("occurred_at")
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at.astimezone(UTC) if at.tzinfo else None
