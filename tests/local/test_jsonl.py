"""Events files as `standing replay`, `standing serve` and `standing backtest` read them (standing_local/jsonl.py)."""

from __future__ import annotations

import json

from standing_local import jsonl
from standing_local.pipeline import parse_lines


def test_a_line_ends_at_a_line_feed_only_and_a_line_that_is_not_utf8_is_refused_at_its_number(tmp_path):
    named = {"event_id": "e1", "type": "partner.profile", "partner_id": "kk-1", "occurred_at": "2024-07-01T00:00:00Z",
             "data": {"name": "Tours\u2028and\u0085more"}}  # fmt: skip
    other = {**named, "event_id": "e2", "data": {"name": "Plain"}}
    source = tmp_path / "events.jsonl"
    source.write_bytes(
        json.dumps(named, ensure_ascii=False).encode() + b"\r\n" + b'{"event_id": "\xff"}\r\n\r\n'
        + json.dumps(other).encode()  # the last line has no line end
    )  # fmt: skip
    lines = jsonl.read(source)
    assert len(lines) == 4 and lines[1] is None and lines[2] == "\r"
    parsed, refused = parse_lines(lines)
    assert [(line.number, line.envelope["event_id"]) for line in parsed] == [(1, "e1"), (4, "e2")]
    assert parsed[0].envelope["data"]["name"] == "Tours\u2028and\u0085more"
    assert refused == [{"line": 2, "event_id": None, "error": "invalid_json", "message": jsonl.NOT_UTF8}]


def test_an_empty_file_has_no_lines(tmp_path):
    source = tmp_path / "events.jsonl"
    source.write_bytes(b"")
    assert jsonl.read(source) == []
    source.write_bytes(b"\n")
    assert jsonl.read(source) == [""]
