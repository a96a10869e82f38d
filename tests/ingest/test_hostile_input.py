"""Bad input stops at the door (issue 11): every hostile value gets a per-event rejection naming the field, never a
500; the rest of the batch lands; and whatever is accepted aggregates without failing the stream batch."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from standing.events.models import EVENT_TYPES
from standing.events.schemas import schema_of
from tests.ingest.conftest import Pipeline, event, profile
from tests.ingest.test_handlers import fresh_handlers, post  # noqa: F401  (fresh_handlers: autouse fixture)

TIKI = "tiki-trusted-store"
TAIPEI = ZoneInfo("Asia/Taipei")
GOOD = event("good-1", "order.placed", "2024-07-01T10:00:00+07:00", order_id="o1", buyer_id="b1",
             due_by="2024-07-03T10:00:00+07:00")  # fmt: skip


def placed(event_id: str, **changes: Any) -> dict[str, Any]:
    data = {"order_id": "o9", "buyer_id": "b9", "due_by": "2024-07-03T10:00:00+07:00", **changes}
    return event(event_id, "order.placed", "2024-07-01T10:00:00+07:00", **data)


HOSTILE: list[tuple[str, dict[str, Any], str, str]] = [
    # (case, event, field, words the reason contains)
    ("amount 1e308", placed("h1", amount=1e308), "data.amount", "between -1e15 and 1e15"),
    ("score 1e-200", event("h2", "score.reported", "2024-07-01T10:00:00Z", metric="speed", value=1e-200),
     "data.value", "number or a string"),
    ("amount 1e-200", placed("h3", amount=1e-200), "data.amount", "too small"),
    ("year 9999", {**GOOD, "event_id": "h4", "occurred_at": "9999-12-31T23:59:59+00:00"}, "occurred_at",
     "outside the accepted window"),
    ("year 0001", {**GOOD, "event_id": "h5", "occurred_at": "0001-01-01T00:00:00+01:00"}, "occurred_at",
     "outside the accepted window"),
    ("256 emoji order id", placed("h6", order_id="🛒" * 256), "data.order_id", "1024 bytes in UTF-8"),
    ("profile opened in year 1",
     profile("h7", "2024-06-01T00:00:00Z", [TIKI], store_opened_at="0001-01-01T00:00:00+01:00"),
     "data.store_opened_at", "outside the accepted window"),
    ("profile opened in 2099", profile("h8", "2024-06-01T00:00:00Z", [TIKI], store_opened_at="2099-01-01"),
     "data.store_opened_at", "outside the accepted window"),
    ("due in 3024", placed("h9", due_by="3024-07-03T10:00:00+07:00"), "data.due_by", "outside the accepted window"),
    ("lone surrogate", placed("h10", buyer_id="\ud800"), "data.buyer_id", "valid string"),
]  # fmt: skip


@pytest.mark.parametrize(("hostile", "field", "words"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_a_hostile_value_is_one_rejection_and_the_rest_lands(pipeline: Pipeline, hostile, field, words) -> None:
    result = pipeline.send([GOOD, hostile])
    assert result.accepted == 1
    [rejection] = result.rejected
    assert (rejection.index, rejection.error, rejection.field) == (1, "invalid_event", field), rejection
    assert words in rejection.message, rejection.message


def test_lower_case_t_and_z_are_the_same_instant_and_the_same_event(pipeline: Pipeline) -> None:
    upper = {**GOOD, "occurred_at": "2024-07-01T03:00:00Z"}
    lower = {**GOOD, "occurred_at": "2024-07-01t03:00:00z"}
    first = pipeline.send([profile("p", "2024-06-01T00:00:00Z", [TIKI]), lower])
    assert first.accepted == 2
    assert pipeline.send([upper]).duplicates == 1
    [stored] = [e for e in pipeline.events("p1") if e["event_id"] == "good-1"]
    assert stored["occurred_at"] == "2024-07-01T03:00:00.000000Z"


def test_bodies_that_are_not_utf8_or_nest_too_deep_are_400() -> None:
    response = post(b'{"events": [{"event_id": "\xff\xfe"}]}', base64_encoded=True)
    assert (response["statusCode"], response["json"]["error"]) == (400, "invalid_json")
    assert "not UTF-8" in response["json"]["message"]
    for depth in (20, 100_000):
        body = '{"events": [' + "[" * depth + "]" * depth + "]}"
        response = post(body)
        assert (response["statusCode"], response["json"]["error"]) == (400, "too_deeply_nested"), depth


HOSTILE_STRINGS = st.sampled_from([
    "", " ", "\u0000", "\u202e\u2066evil", "🛒" * 300, "a" * 5000, "Z", "z", "1e308", "NaN", "-0", "𝔘𝔫𝔦",
    "\ud800", "' OR 1=1 --", "<script>alert(1)</script>", "P#other", "A#Asia/Taipei#2024-07-01", "e#x", "v#x",
    "9999-12-31T23:59:59z", "0001-01-01T00:00:00+01:00", "2024-07-01t03:00:00z", "2024-02-30T00:00:00Z",
])  # fmt: skip
HOSTILE_NUMBERS = st.sampled_from([1e308, -1e308, 1e-200, 10**40, -(10**40), 0, -0.0, 1.5, 2**63, 1e15, 1e-12])
INSTANTS = st.datetimes(
    min_value=datetime(1999, 6, 1), max_value=datetime(2027, 1, 1), timezones=st.sampled_from([UTC, TAIPEI])
).map(lambda at: at.isoformat())


def from_schema(schema: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid for the (simple) JSON Schemas pydantic writes for the events: objects, refs, anyOf, enum,
    const, strings (lengths, patterns, date-time), numbers, integers, booleans, arrays."""
    if "$ref" in schema:
        return from_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in schema:
        return st.one_of(*(from_schema(option, defs) for option in schema["anyOf"]))
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of(*(from_schema({**schema, "type": k}, defs) for k in kind))
    if kind == "object":
        properties = schema.get("properties", {})
        required = {k: from_schema(v, defs) for k, v in properties.items() if k in schema.get("required", ())}
        optional = {k: from_schema(v, defs) for k, v in properties.items() if k not in required}
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {"type": "string"}), defs), max_size=3)
    if kind == "string":
        if schema.get("format") == "date-time":
            return INSTANTS
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 40), 40))
    if kind == "number":
        return st.one_of(st.integers(-1000, 1000), st.floats(allow_nan=False, allow_infinity=False, width=32))
    if kind == "integer":
        return st.integers(-1000, 1000)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return st.just(None)


def _hostile(value: Any) -> st.SearchStrategy[Any]:
    """Swap some leaves of a schema-valid value for hostile strings and numbers."""
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _hostile(v) for k, v in value.items()})
    if isinstance(value, str):
        return st.one_of(st.just(value), st.just(value), HOSTILE_STRINGS)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return st.one_of(st.just(value), HOSTILE_NUMBERS)
    return st.just(value)


ENVELOPES = st.one_of(*(from_schema(s, s.get("$defs", {})) for s in map(schema_of, EVENT_TYPES))).flatmap(_hostile)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(ENVELOPES, min_size=1, max_size=6))
def test_fuzz_every_body_is_answered_and_every_accepted_event_aggregates(pipeline: Pipeline, batch) -> None:
    """Generated from the events' own JSON Schemas, with hostile strings and numbers swapped in: the HTTP handler
    answers 200 with a result per event (or a 4xx), never a 500, and the accepted events fold without error."""
    body = json.dumps({"events": [profile("fz-prof", "2024-06-01T00:00:00Z", [TIKI], partner="fz"), *batch]})
    response = post(body)
    assert response["statusCode"] in (200, 400, 413), response
    if response["statusCode"] == 200:
        result = response["json"]
        assert result["accepted"] + result["duplicates"] + len(result["rejected"]) == len(batch) + 1
        assert all(r["message"] and r["error"] in ("invalid_event", "unknown_type", "conflict")
                   for r in result["rejected"])  # fmt: skip
    pipeline.aggregate()  # raises if an accepted event cannot be applied
