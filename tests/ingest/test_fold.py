"""The fold on read (standing.fold) equals the path it replaced: entity items built event by event with
events/entities.py (first arrival anchors, first stored of one id counts, voids wherever they arrive) and days
from events/daily.aggregate_days, on generated histories in several time zones, DST and odd offsets included."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from standing.events.entities import anchor_text
from standing.events.entity_days import aggregate_days
from standing.events.models import Rejection, utc_text, validate_event
from standing.fold import entity_items, fold_days, fold_prepared, prepare
from standing_local.backtest.reference import reference_fold

ZONES = ["Asia/Taipei", "Europe/Amsterdam", "Asia/Ho_Chi_Minh", "America/St_Johns", "Australia/Lord_Howe",
         "Pacific/Kiritimati", "America/Santiago"]  # fmt: skip


OFFSETS = ["Z", "+08:00", "-03:30", "+05:45", "+14:00", "-11:00", "+00:00"]


def instant(rng: random.Random, at: datetime) -> str:
    """`at` spelled as a marketplace might: any offset, with or without a fraction."""
    offset = rng.choice(OFFSETS)
    if offset == "Z":
        local = at
    else:
        sign = 1 if offset[0] == "+" else -1
        local = at + sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if rng.random() < 0.3:
        text += "." + str(rng.randrange(10**6)).zfill(6)[: rng.randint(1, 6)]
    return text + offset


def history(rng: random.Random, size: int) -> list[dict[str, Any]]:
    """One partner's stored events: orders (every outcome), messages, reviews (resubmitted), scores, flags, a
    profile; voids before and after their event and of unknown ids; one id stored twice; two placements of one
    order; arrival order unlike occurrence order, with ties."""
    start = datetime(2024, 3, 20, tzinfo=UTC)
    raw: list[dict[str, Any]] = []
    n = 0

    def add(type_name: str, at: datetime, **data: Any) -> str:
        nonlocal n
        n += 1
        event_id = f"e{n:04d}" if rng.random() < 0.9 else f"x{rng.randrange(10**6)}"
        raw.append({"event_id": event_id, "type": type_name, "partner_id": "p", "occurred_at": instant(rng, at),
                    "data": data})  # fmt: skip
        return event_id

    for i in range(size):
        at = start + timedelta(seconds=rng.randrange(0, 20 * 86400))
        pick = rng.random()
        if pick < 0.45:
            order = f"o{rng.randrange(size)}"
            due = instant(rng, at + timedelta(hours=rng.choice((-2, 3, 20, 50))))
            data = {"order_id": order, "buyer_id": f"b{rng.randrange(5)}", "due_by": due}
            if rng.random() < 0.5:
                data["amount"], data["currency"] = rng.choice((10, 12.5, 0)), "USD"
            add("order.placed", at, **data)
            for kind in ("order.confirmed", "order.fulfilled", "order.cancelled", "order.declined", "order.completed",
                         "ride.incident", "ride.driver_event"):  # fmt: skip
                if rng.random() < 0.35:
                    later = at + timedelta(hours=rng.uniform(-3, 40))
                    extra: dict[str, Any] = {"order_id": order}
                    if kind == "order.cancelled":
                        extra["cause"] = rng.choice(("partner", "customer", "platform", "force_majeure"))
                    if kind == "ride.incident":
                        extra["kind"] = "no_show"  # the incident's kind (a data field)
                    add(kind, later, **extra)
        elif pick < 0.7:
            message = f"m{i}"
            add("message.received", at, thread_id="t", message_id=message)
            for _ in range(rng.randint(0, 2)):
                hours = rng.choice((rng.uniform(-1, 30), 12, 24))  # the bounds themselves count as within
                add("message.replied", at + timedelta(hours=hours), thread_id="t",
                    message_id=f"r{rng.randrange(10**6)}", in_reply_to=message)  # fmt: skip
        elif pick < 0.85:
            review = f"r{rng.randrange(size)}"
            scale = rng.choice((5, 10))
            add("review.submitted", at, review_id=review, scale=scale, rating=rng.choice((1, 3.5, scale, 4.25)))
        elif pick < 0.92:
            metric = rng.choice(("performance_score", "price_competitiveness", "custom"))
            value: Any = {"performance_score": rng.choice((81.5, 90)), "price_competitiveness": "Not competitive",
                          "custom": "x"}[metric]  # fmt: skip
            add("score.reported", at.replace(microsecond=0), metric=metric, value=value)
        elif pick < 0.95:
            add(rng.choice(("risk.flag_raised", "risk.flag_cleared")), at, flag="fraud", case_id="c1")
        else:
            target = rng.choice(raw)["event_id"] if raw and rng.random() < 0.8 else "nowhere"
            add("event.voided", at + timedelta(hours=rng.uniform(-48, 48)), voided_event_id=target, reason="error")
    if raw:
        raw.append(dict(rng.choice(raw)))  # one id twice: the first stored counts
    events = []
    for index, envelope in enumerate(raw):
        checked = validate_event(index, envelope)
        assert not isinstance(checked, Rejection), checked
        stored = checked.envelope()
        if rng.random() < 0.8:  # the stored spelling; the fold takes either
            stored["occurred_at"] = utc_text(stored["occurred_at"])
        if rng.random() < 0.9:
            stored["received_at"] = f"2024-04-{rng.randint(1, 3):02d}T00:00:00.000000Z"  # ties, then by id
        events.append(stored)
    rng.shuffle(events)
    return events


@pytest.mark.parametrize("seed", range(40))
def test_the_fold_equals_entities_then_aggregate_days(seed: int) -> None:
    rng = random.Random(seed)
    events = history(rng, rng.choice((5, 40, 150)))
    for tz in ZONES:
        bounds = [(None, None), (date(2024, 3, 25), date(2024, 4, 2)), (date(2024, 4, 5), None)]
        for first, last in bounds:
            expected = reference_fold(events, tz, first, last)
            assert fold_days(events, tz, first, last) == expected, (seed, tz, first, last)
    # prepared once and folded again (as the backtest does), in arrival order or not: the same
    prepared = [prepare(e) for e in events]
    assert fold_prepared(sorted(prepared), "Asia/Taipei") == reference_fold(events, "Asia/Taipei", None, None)


def test_the_generated_histories_reach_every_case() -> None:
    """The generator is not trivial: it makes every counter, voids, ties of arrival and split hours."""
    counts: set[str] = set()
    sales = 0
    for seed in range(40):
        folded = fold_days(history(random.Random(seed), 150), "America/St_Johns")
        for day in folded.days:
            counts |= set(day.counts)
        sales += folded.first_sale_at is not None
    from standing.day_aggregate import COUNTERS

    assert counts == set(COUNTERS)
    assert sales > 30


def test_entity_items_are_the_items_the_store_kept() -> None:
    events = history(random.Random(3), 60)
    items = entity_items(events)
    ordered = sorted(events, key=lambda e: (str(e.get("received_at", "")), str(e["event_id"])))
    first = next(e for e in ordered if e["type"] == "order.placed")
    sk = f"N#O#{first['data']['order_id']}"
    assert items[sk]["anchor_at"] == anchor_text(first["occurred_at"])
    assert aggregate_days(items.values(), "Asia/Taipei").keys() == {
        d.day for d in fold_days(events, "Asia/Taipei").days
    }


@pytest.mark.parametrize("seed", range(10))
def test_a_memo_kept_between_folds_changes_no_result(seed: int) -> None:
    """The backtest folds a partner's events again at every evaluation, with a memo of the days it folded: growing
    histories and moving windows (events dropped before `since`, voids arriving later) give what a fresh fold
    gives."""
    rng = random.Random(seed)
    events = sorted(history(rng, 120), key=lambda e: (str(e.get("received_at", "")), str(e["event_id"])))
    prepared = [prepare(e) for e in events]
    memo: dict[Any, Any] = {}
    for _ in range(30):
        end = rng.randint(0, len(prepared))
        begin = rng.randint(0, end)
        tz = rng.choice(ZONES[:3])
        first = date(2024, 3, 20) + timedelta(days=rng.randint(0, 15))
        last = first + timedelta(days=rng.randint(0, 10))
        read = prepared[begin:end]
        assert fold_prepared(read, tz, first, last, memo) == fold_prepared(read, tz, first, last)
    assert memo
