"""standing.fold.FoldIndex (the backtest's fold, kept between evaluations) gives what fold_prepared gives on the
read the deployed evaluation makes (the events received so far from the UTC day before the window's first day on),
on generated histories that grow between reads: voids before and after their event, ids stored on two days, two
placements of one order, replies before their message, arrival unlike occurrence, several zones and windows."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest

from standing.events.models import utc_text
from standing.fold import FoldIndex, fold_prepared, long_read, prepare
from standing.rules.schema import RATING_INPUTS
from tests.ingest.test_fold import ZONES, history


@pytest.mark.parametrize("seed", range(30))
def test_the_index_folds_what_a_read_folds(seed: int) -> None:
    rng = random.Random(seed)
    events = sorted(history(rng, rng.choice((40, 150, 400))), key=lambda e: (e.get("received_at", ""), e["event_id"]))
    prepared = [prepare(e) for e in events]
    days = [utc_text(e["occurred_at"])[:10] for e in events]
    index = FoldIndex()
    zones = rng.sample(ZONES, 3)
    taken = bent = 0
    end = 0
    while end < len(prepared):
        end = min(len(prepared), end + rng.randint(0, 40))
        index.events.extend(prepared[len(index.events) : end])
        index.days.extend(days[len(index.days) : end])
        for _ in range(rng.randint(1, 4)):  # both sides, an opt-in's window, another zone: reads at one instant
            tz = rng.choice(zones)
            first = date(2024, 3, 18) + timedelta(days=rng.randint(0, 22))
            last = first + timedelta(days=rng.choice((0, 3, 9, 30)))
            since = (first - timedelta(days=1)).isoformat()
            read = [p for p, day in zip(prepared[:end], days[:end], strict=True) if day >= since]
            folded = index.fold(tz, first, last)
            if folded is None:
                bent += 1
            else:
                taken += 1
                assert folded == fold_prepared(read, tz, first, last), (seed, end, tz, first, last)
    assert taken and bent  # reads from the index, and reads it refuses (the caller folds those as read)


def test_a_read_the_index_cannot_give_is_refused() -> None:
    """A reply stored a UTC day before its message: a read starting between them holds the message without the
    reply, which the index (holding both) cannot give; a read before or after both is the index's."""
    message = {"thread_id": "t", "message_id": "m1"}
    reply = {"thread_id": "t", "message_id": "r1", "in_reply_to": "m1"}
    events: list[dict[str, Any]] = [
        {"event_id": "a", "type": "message.replied", "occurred_at": "2024-04-01T23:00:00Z", "data": reply},
        {"event_id": "b", "type": "message.received", "occurred_at": "2024-04-02T01:00:00Z", "data": message},
    ]
    index = FoldIndex()
    for event in events:
        index.events.append(prepare(event))
        index.days.append(event["occurred_at"][:10])
    assert index.fold("UTC", date(2024, 4, 3), date(2024, 4, 3)) is None  # the read starts on 04-02
    for first in (date(2024, 4, 2), date(2024, 4, 4)):
        since = (first - timedelta(days=1)).isoformat()
        read = [prepare(e) for e in events if e["occurred_at"][:10] >= since]
        assert index.fold("UTC", first, first) == fold_prepared(read, "UTC", first, first)
    folded = index.fold("UTC", date(2024, 4, 2), date(2024, 4, 2))
    assert folded is not None and folded.days[0].counts["messages_replied"] == 1


def _ratings(days: list[Any]) -> dict[date, tuple[dict[str, int], dict[str, Any]]]:
    """What a day holds of reviews (`schema.RATING_INPUTS`), for the days that hold any."""
    out = {}
    for day in days:
        counts = {k: v for k, v in day.counts.items() if k.startswith(RATING_INPUTS) and v}
        sums = {k: v for k, v in day.sums.items() if k.startswith(RATING_INPUTS) and v}
        if counts or sums:
            out[day.day] = (counts, sums)
    return out


@pytest.mark.parametrize("seed", range(20))
def test_a_read_with_a_later_activity_cut_off_is_the_deployed_one(seed: int) -> None:
    """`activity_from` (the deployed read takes reviews and voids from `first`, the rest from `activity_from`):
    from that day on the index gives what fold_prepared gives on that read, the same first sale, and before it the
    same ratings (the only inputs summed there)."""
    rng = random.Random(seed)
    events = sorted(history(rng, rng.choice((60, 200, 400))), key=lambda e: (e.get("received_at", ""), e["event_id"]))
    prepared = [prepare(e) for e in events]
    days = [utc_text(e["occurred_at"])[:10] for e in events]
    index = FoldIndex()
    taken = 0
    end = 0
    while end < len(prepared):
        end = min(len(prepared), end + rng.randint(5, 60))
        index.events.extend(prepared[len(index.events) : end])
        index.days.extend(days[len(index.days) : end])
        tz = rng.choice(ZONES)
        first = date(2024, 3, 10) + timedelta(days=rng.randint(0, 15))
        activity_from = first + timedelta(days=rng.randint(1, 15))
        last = activity_from + timedelta(days=rng.choice((0, 5, 20)))
        since, activity = (first - timedelta(days=1)).isoformat(), (activity_from - timedelta(days=1)).isoformat()
        read = [
            p
            for p, day in zip(prepared[:end], days[:end], strict=True)
            if day >= activity or (day >= since and long_read(p))
        ]
        folded = index.fold(tz, first, last, activity_from)
        if folded is None:
            continue
        taken += 1
        deployed = fold_prepared(read, tz, first, last)
        assert folded.first_sale_at == deployed.first_sale_at, (seed, end)
        assert [d for d in folded.days if d.day >= activity_from] == [
            d for d in deployed.days if d.day >= activity_from
        ], (seed, end, tz, first, activity_from, last)
        before = [d for d in folded.days if d.day < activity_from]
        assert _ratings(before) == _ratings([d for d in deployed.days if d.day < activity_from])
    assert taken
