"""Event models: every rejection kind names the event's index, id, field and reason; schemas are up to date."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from standing.events.models import EVENT_TYPES, Rejection, ValidEvent, validate_event
from standing.events.schemas import rendered

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = json.loads(json.loads((ROOT / "events" / "ingest_http_post_events.json").read_text())["body"])["events"]


def base(**changes: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "event_id": "e-1",
        "type": "review.submitted",
        "partner_id": "p1",
        "occurred_at": "2024-07-01T10:00:00+07:00",
        "data": {"review_id": "r1", "rating": 4, "scale": 5},
    }
    envelope.update(changes)
    return envelope


def rejected(raw: Any) -> Rejection:
    result = validate_event(7, raw)
    assert isinstance(result, Rejection), result
    assert result.index == 7
    return result


def test_every_type_has_an_accepted_example() -> None:
    assert sorted({e["type"] for e in SAMPLE}) == sorted(EVENT_TYPES)
    for index, raw in enumerate(SAMPLE):
        assert isinstance(validate_event(index, raw), ValidEvent), raw


@pytest.mark.parametrize(
    ("raw", "error", "field", "reason"),
    [
        (base(type="order.refunded"), "unknown_type", "type", "unknown event type 'order.refunded'"),
        (base(data={"review_id": "r1", "scale": 5}), "invalid_event", "data.rating", "Field required"),
        ({k: v for k, v in base().items() if k != "partner_id"}, "invalid_event", "partner_id", "Field required"),
        (base(data={"review_id": 1, "rating": 4, "scale": 5}), "invalid_event", "data.review_id", "valid string"),
        (base(data={"review_id": "r1", "rating": "4", "scale": 5}), "invalid_event", "data.rating", "number"),
        (base(occurred_at="2024-07-01T10:00:00"), "invalid_event", "occurred_at", "without UTC offset"),
        (base(occurred_at="2024-07-01"), "invalid_event", "occurred_at", "RFC 3339"),
        (base(occurred_at="2024-02-30T10:00:00Z"), "invalid_event", "occurred_at", "not a valid date-time"),
        (base(occurred_at=1719800000), "invalid_event", "occurred_at", "valid string"),
        (base(data={"review_id": "r1", "rating": 6, "scale": 5}), "invalid_event", "data.rating", "outside its scale"),
        (base(data={"review_id": "r1", "rating": 0, "scale": 10}), "invalid_event", "data.rating", "outside its scale"),
        (base(data={"review_id": "r1", "rating": 4, "scale": 7}), "invalid_event", "data.scale", "5 or 10"),
        (
            base(type="order.cancelled", data={"order_id": "o", "cause": "weather"}),
            "invalid_event",
            "data.cause",
            "'partner', 'customer', 'platform' or 'force_majeure'",
        ),
        (base(data={"review_id": "r1", "rating": 4, "scale": 5, "x": 1}), "invalid_event", "data.x", "Extra inputs"),
        (base(extra=True), "invalid_event", "extra", "Extra inputs"),
        (base(type=None), "invalid_event", "type", "valid string"),
        (
            base(type="partner.profile", data={"name": "n", "email": "a@b.co", "locale": "en", "programs": "kk"}),
            "invalid_event",
            "data.programs",
            "valid list",
        ),
        (
            base(
                type="partner.profile",
                data={"name": "n", "email": "a@b.co", "locale": "en", "programs": [], "self_managed": "yes"},
            ),
            "invalid_event",
            "data.self_managed",
            "valid boolean",
        ),
        (
            base(type="score.reported", data={"metric": "performance_score", "value": 120}),
            "invalid_event",
            "data.value",
            "outside 0..100",
        ),
        (
            base(type="order.placed", data={"order_id": "o", "buyer_id": "b", "due_by": "tomorrow"}),
            "invalid_event",
            "data.due_by",
            "RFC 3339",
        ),
    ],
)
def test_rejections_name_field_and_reason(raw: Any, error: str, field: str, reason: str) -> None:
    result = rejected(raw)
    assert result.error == error
    assert result.field == field
    assert result.event_id == raw.get("event_id")
    assert reason in result.message
    assert result.message.startswith(field)


def test_not_an_object_and_missing_id() -> None:
    assert rejected(["not", "an", "object"]).to_dict() == {
        "index": 7,
        "event_id": None,
        "error": "invalid_event",
        "message": "event: must be a JSON object",
        "field": "event",
    }
    missing = rejected({k: v for k, v in base().items() if k != "event_id"})
    assert missing.event_id is None and missing.field == "event_id"


def test_digest_ignores_number_spelling_and_key_order() -> None:
    a = validate_event(0, base(data={"review_id": "r1", "rating": 4, "scale": 5}))
    b = validate_event(1, dict(reversed(list(base(data={"scale": 5, "rating": 4.0, "review_id": "r1"}).items()))))
    c = validate_event(2, base(data={"review_id": "r1", "rating": 4.5, "scale": 5}))
    assert isinstance(a, ValidEvent) and isinstance(b, ValidEvent) and isinstance(c, ValidEvent)
    assert a.digest == b.digest != c.digest


def test_schemas_are_up_to_date_and_accept_the_examples() -> None:
    folder = ROOT / "docs" / "events"
    expected = rendered()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.json")}
    assert on_disk == expected, "run: python -m standing.events.schemas docs/events"
    for raw in SAMPLE:
        schema = json.loads(expected[f"{raw['type']}.json"])
        jsonschema.Draft202012Validator(schema).validate(raw)


def test_catalogue_examples_are_valid_and_cover_every_type() -> None:
    text = (ROOT / "docs" / "events-catalogue.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, flags=re.S)]
    envelopes = [b for b in blocks if isinstance(b, dict) and "type" in b and "event_id" in b]
    assert {e["type"] for e in envelopes} == set(EVENT_TYPES)
    for index, raw in enumerate(envelopes):
        assert isinstance(validate_event(index, raw), ValidEvent), raw
