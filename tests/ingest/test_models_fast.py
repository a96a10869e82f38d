"""The fast path of validate_event accepts nothing the models refuse and stores exactly what they store: on every
event of a generated marketplace and on thousands of mutations of them (fields missing, extra, null, of the
wrong type, at and beyond their bounds, spelled oddly), its verdict is either "ask the models" or the models'
own result, value for value and type for type. And it does vouch for the common spelling."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from standing.events.models import EVENT_MODELS, Rejection, TimeWindow, ValidEvent, _model_event, _plain_event
from standing_local.marketplace import MarketplaceSpec, generate

WINDOW = TimeWindow.around(datetime(2024, 11, 6, tzinfo=UTC))

ODD_VALUES: list[Any] = [
    None, "", " ", "\t", "x", "é", "ü" * 200, "a" * 256, "a" * 257, "b" * 2049, "a\n", "\ud800", "line\nbreak",
    0, 1, -1, 5, 10, 11, 4.5, 5.0, 1e-13, 1e16, 1e15, -0.0, True, False, Decimal("1e20"), Decimal("NaN"),
    Decimal("4.50"), Decimal("0.000000000001"), "5", "4.5", [], ["kkday-trusted-partner"], [5], {}, {"a": 1},
    "2024-07-01T10:00:00", "2024-07-01T10:00:00+07", "2024-07-01T10:00:00Z", "2024-07-01T10:00:00.123456789+07:00",
    "2024-07-01t10:00:00z", "2024-07-01 10:00:00Z", "2024-13-01T10:00:00Z", "2024-02-30T10:00:00Z",
    "2024-07-01T24:00:00Z", "2024-07-01T10:00:60Z", "1999-12-31T23:59:59Z", "2000-01-01T00:00:00Z",
    "2024-11-07T00:00:00Z", "2024-11-06T23:59:59+00:00", "2025-12-01T00:00:00Z", "2024-07-01", "2024-7-1",
    "٢٠٢٤-07-01T10:00:00Z", "2024-07-01T10:00:00Z\n", "Competitive", "COMPETITIVE", "not-competitive",
    "slightly uncompetitive", "weird", 100, 100.5, 0.0, "partner", "customer", "fraud", "counterfeit", "USD", "usd",
    "a@b.c", "a@b", "a b@c.d", "a@@b.c", "x@y.z\x1c", "en", "en-US", "e", "zh_Hant_TW", "EN", "performance_score",
    "price_competitiveness", "Bad-Metric", "m" * 65,
]  # fmt: skip


def generated() -> list[dict[str, Any]]:
    spec = MarketplaceSpec(kkday=3, booking_property=3, booking_rides=3, tiki=3, end=date(2024, 11, 5), scale=0.3)
    return json.loads(json.dumps(generate(spec)), parse_float=Decimal)


def same(fast: ValidEvent, model: ValidEvent | Rejection) -> None:
    assert isinstance(model, ValidEvent), (fast, model)
    assert fast == model
    assert [(k, type(v)) for k, v in fast.data.items()] == [(k, type(v)) for k, v in model.data.items()]
    assert {k: str(v) for k, v in fast.data.items()} == {k: str(v) for k, v in model.data.items()}
    assert fast.digest == model.digest


def check(index: int, raw: dict[str, Any]) -> bool:
    """Whether the fast path vouched; if it did, the models agree."""
    kind = raw.get("type")
    model_class = EVENT_MODELS.get(kind) if isinstance(kind, str) else None
    fast = _plain_event(index, raw, WINDOW)
    if fast is None or model_class is None:
        return False
    same(fast, _model_event(index, raw, model_class, None, WINDOW))
    return True


def test_the_fast_path_vouches_for_the_common_spelling_and_agrees_with_the_models() -> None:
    events = generated()
    vouched = sum(check(i, e) for i, e in enumerate(events))
    assert vouched == len(events) > 500


@pytest.mark.parametrize("seed", range(8))
def test_mutated_events_get_the_models_verdict(seed: int) -> None:
    rng = random.Random(seed)
    events = generated()
    kept = 0
    for n in range(3000):
        raw = json.loads(json.dumps(rng.choice(events), default=str), parse_float=Decimal)
        if raw.get("type") == "order.placed" and "amount" in raw["data"]:
            raw["data"]["amount"] = Decimal(str(raw["data"]["amount"]))
        target = raw if rng.random() < 0.3 else raw["data"]
        action = rng.random()
        keys = list(target)
        if action < 0.15 and keys:
            del target[rng.choice(keys)]
        elif action < 0.25:
            target[rng.choice(("extra", "amount", "order_id", "region", "value"))] = rng.choice(ODD_VALUES)
        elif action < 0.3:
            raw["type"] = rng.choice(list(EVENT_MODELS))
        elif keys:
            target[rng.choice(keys)] = rng.choice(ODD_VALUES)
        kept += check(n, raw)
    assert 0 < kept < 3000  # both verdicts happen


def test_what_the_fast_path_refuses_to_vouch_for_still_gets_the_models_error() -> None:
    from standing.events.models import validate_event

    raw = generated()[0]
    broken = {**raw, "occurred_at": "2024-07-01T10:00:00"}
    found = validate_event(0, broken, WINDOW)
    assert isinstance(found, Rejection) and "without UTC offset" in found.message
