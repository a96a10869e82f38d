"""The demo marketplace generator: deterministic, contract-shaped, and realistic enough to exercise the pipeline."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from standing.events.models import ValidEvent, validate_event
from standing_local.marketplace import PROGRAMS, MarketplaceSpec, arrival_order, generate, partners

SMALL = MarketplaceSpec(kkday=24, booking_property=6, booking_rides=8, tiki=12, scale=0.4)

DATA_FIELDS: dict[str, tuple[set[str], set[str]]] = {  # type: (required, optional)
    "partner.profile": (
        {"name", "email", "locale", "region", "category", "self_managed", "store_opened_at", "programs"},
        {"first_sale_at"},
    ),
    "order.placed": ({"order_id", "buyer_id", "due_by"}, {"amount", "currency"}),
    "order.confirmed": ({"order_id"}, set()),
    "order.fulfilled": ({"order_id"}, set()),
    "order.completed": ({"order_id"}, set()),
    "order.cancelled": ({"order_id", "cause"}, set()),
    "order.declined": ({"order_id"}, set()),
    "ride.incident": ({"order_id", "kind"}, set()),
    "ride.driver_event": ({"order_id"}, set()),
    "message.received": ({"thread_id", "message_id"}, set()),
    "message.replied": ({"thread_id", "message_id", "in_reply_to"}, set()),
    "review.submitted": ({"review_id", "rating", "scale"}, {"order_id"}),
    "risk.flag_raised": ({"flag", "case_id"}, set()),
    "risk.flag_cleared": ({"flag", "case_id"}, set()),
    "score.reported": ({"metric", "value"}, set()),
    "program.opted_in": ({"program_id"}, set()),
    "program.opted_out": ({"program_id"}, set()),
    "event.voided": ({"voided_event_id", "reason"}, set()),
}
WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
OFFSETS = {"kk": {"+08:00"}, "tk": {"+07:00"}, "bp": {"+01:00", "+02:00"}, "br": {"+01:00", "+02:00"}}


@pytest.fixture(scope="module")
def events() -> list[dict]:
    return generate(SMALL)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _unique(events: list[dict]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for event in events:
        if event["event_id"] not in seen:
            seen.add(event["event_id"])
            out.append(event)
    return out


def test_same_spec_same_stream_and_the_seed_matters(events):
    assert generate(SMALL) == events
    assert partners(SMALL) == partners(SMALL)
    other = generate(replace(SMALL, seed=8))
    assert [e["event_id"] for e in other] != [e["event_id"] for e in events] or other != events


def test_one_program_roster_does_not_shift_another():
    base = [e for e in generate(SMALL) if e["partner_id"].startswith("tk-")]
    more_kkday = [e for e in generate(replace(SMALL, kkday=30)) if e["partner_id"].startswith("tk-")]
    assert base == more_kkday


def test_every_envelope_follows_the_contract(events):
    assert events
    for event in events:
        assert set(event) == {"event_id", "type", "partner_id", "occurred_at", "data"}
        assert all(isinstance(event[k], str) and event[k] for k in ("event_id", "type", "partner_id", "occurred_at"))
        assert WITH_OFFSET.match(event["occurred_at"]), event
        assert event["occurred_at"][-6:] in OFFSETS[event["partner_id"][:2]], event
        required, optional = DATA_FIELDS[event["type"]]
        assert required <= set(event["data"]) <= required | optional, event
        data = event["data"]
        if event["type"] == "order.placed":
            assert WITH_OFFSET.match(data["due_by"]) and _instant(data["due_by"]) > _instant(event["occurred_at"])
        if event["type"] == "order.cancelled":
            assert data["cause"] in {"partner", "customer", "platform", "force_majeure"}
        if event["type"] == "review.submitted":
            assert data["scale"] in (5, 10) and 1 <= data["rating"] <= data["scale"]
        if event["type"] == "score.reported":
            if data["metric"] == "performance_score":
                assert 0 <= data["value"] <= 100
            else:
                assert data == {"metric": "price_competitiveness", "value": data["value"]}
                assert data["value"] in ("Competitive", "uncompetitive")


def test_every_envelope_passes_the_ingest_models(events):
    for index, event in enumerate(events):
        result = validate_event(index, event)
        assert isinstance(result, ValidEvent), result


def test_sorted_by_instant_then_event_id(events):
    keys = [(_instant(e["occurred_at"]), e["event_id"]) for e in events]
    assert keys == sorted(keys)


def test_ids_are_unique_but_for_verbatim_duplicates():
    stream = generate(replace(SMALL, scale=1.0))
    counts = Counter(e["event_id"] for e in stream)
    repeated = {event_id for event_id, n in counts.items() if n > 1}
    assert max(counts.values()) == 2
    assert 0 < len(repeated) < len(stream) * 0.015
    first: dict[str, dict] = {}
    for event in stream:
        if event["event_id"] in first:
            assert event == first[event["event_id"]] and event is not first[event["event_id"]]
        first.setdefault(event["event_id"], event)
    order_ids = Counter(e["data"]["order_id"] for e in _unique(stream) if e["type"] == "order.placed")
    assert max(order_ids.values()) == 1


def test_each_partner_starts_with_its_profile(events):
    roster = {p["partner_id"]: p for p in partners(SMALL)}
    assert len(roster) == 24 + 6 + 8 + 12
    first: dict[str, dict] = {}
    for event in events:
        first.setdefault(event["partner_id"], event)
    assert set(first) == set(roster)
    for partner_id, event in first.items():
        assert event["type"] == "partner.profile"
        assert event["data"]["programs"] == [roster[partner_id]["program"]]
        assert event["data"]["name"] == roster[partner_id]["name"]
        later = [e for e in events if e["partner_id"] == partner_id and e["event_id"] != event["event_id"]]
        assert all(_instant(e["occurred_at"]) > _instant(event["occurred_at"]) for e in later)


def test_roster_mix(events):
    roster = partners(MarketplaceSpec())
    by_program: dict[str, list[dict]] = defaultdict(list)
    for profile in roster:
        by_program[profile["program"]].append(profile)
    assert {k: len(v) for k, v in by_program.items()} == {
        PROGRAMS["kkday"].id: 120,
        PROGRAMS["booking_property"].id: 60,
        PROGRAMS["booking_rides"].id: 80,
        PROGRAMS["tiki"].id: 100,
    }
    for profiles in by_program.values():
        kinds = Counter(p["archetype"] for p in profiles)
        assert kinds["strong"] > kinds["borderline"] > kinds["poor"] > 0
        assert any(set(p["name"]) & set("<>&\"'") for p in profiles)  # names that need escaping
    kkday = by_program[PROGRAMS["kkday"].id]
    assert Counter(p["locale"] for p in kkday).most_common(1)[0][0] == "zh-TW"
    assert 0 < sum(not p["self_managed"] for p in kkday) < len(kkday) * 0.2
    assert {p["region"] for p in by_program[PROGRAMS["booking_rides"].id]} == {"EU", "UK", "APAC"}
    assert {"th", "en", "nl"} <= {p["locale"] for p in by_program[PROGRAMS["booking_property"].id]}
    tiki = by_program[PROGRAMS["tiki"].id]
    assert 0 < sum(p["category"] == "general" for p in tiki) < sum(p["category"] == "high_value" for p in tiki)
    assert any(p["store_opened_at"] > "2024-05-01" for p in tiki)
    assert len({p["name"] for p in roster}) == len(roster)


def _response_rates(events: list[dict]) -> dict[str, float]:
    received: dict[str, dict[str, datetime]] = defaultdict(dict)
    on_time: Counter[str] = Counter()
    for event in _unique(events):
        if not event["partner_id"].startswith("kk-") or event["occurred_at"] < "2024-07-01":
            continue
        data = event["data"]
        if event["type"] == "message.received":
            received[event["partner_id"]][data["message_id"]] = _instant(event["occurred_at"])
        elif event["type"] == "message.replied":
            asked = received[event["partner_id"]].get(data["in_reply_to"])
            if asked is not None and _instant(event["occurred_at"]) - asked <= timedelta(hours=12):
                on_time[event["partner_id"]] += 1
    return {pid: on_time[pid] / len(messages) for pid, messages in received.items() if len(messages) >= 10}


def test_kkday_archetypes_make_passing_and_failing_partners():
    spec = replace(SMALL, booking_property=0, booking_rides=0, tiki=0, scale=1.0)
    rates = _response_rates(generate(spec))
    kinds = {p["partner_id"]: p["archetype"] for p in partners(spec)}
    assert any(rate >= 0.9 for rate in rates.values())
    assert any(rate < 0.9 for rate in rates.values())
    strong = [rate for pid, rate in rates.items() if kinds[pid] == "strong"]
    others = [rate for pid, rate in rates.items() if kinds[pid] != "strong"]
    assert strong and others and sum(strong) / len(strong) > sum(others) / len(others)
    assert sum(rate >= 0.9 for rate in strong) >= len(strong) * 0.7


def test_kkday_activity_covers_the_excluded_period(events):
    june = [
        e for e in events if e["partner_id"].startswith("kk-") and "2024-06-20" <= e["occurred_at"][:10] <= "2024-06-30"
    ]
    assert any(e["type"] == "order.placed" for e in june)


def test_lifecycles_are_causal(events):
    placed: dict[str, datetime] = {}
    received: dict[str, datetime] = {}
    by_id = {e["event_id"]: e for e in events}
    for event in events:
        at, data = _instant(event["occurred_at"]), event["data"]
        if event["type"] == "order.placed":
            placed[data["order_id"]] = at
        elif event["type"].startswith(("order.", "ride.")):
            assert at > placed[data["order_id"]], event
        elif event["type"] == "message.received":
            received[data["message_id"]] = at
        elif event["type"] == "message.replied":
            assert at > received[data["in_reply_to"]], event
        elif event["type"] == "event.voided":
            target = by_id[data["voided_event_id"]]
            assert target["type"] == "order.cancelled" and target["data"]["cause"] == "partner"
            assert target["partner_id"] == event["partner_id"] and _instant(target["occurred_at"]) < at


def test_program_quirks_in_the_full_stream():
    stream = generate(MarketplaceSpec())
    types = Counter(e["type"] for e in stream)
    assert 60_000 <= len(stream) <= 90_000
    assert 3 <= types["event.voided"] <= 5
    flags = Counter(e["data"]["flag"] for e in stream if e["type"] == "risk.flag_raised")
    assert 2 <= flags["fraud"] <= 3 and flags["counterfeit"] == 1 and types["risk.flag_cleared"] >= 1
    assert types["program.opted_in"] and types["program.opted_out"] >= 2
    assert types["ride.incident"] and types["order.declined"] and types["ride.driver_event"]
    causes = Counter(e["data"]["cause"] for e in stream if e["type"] == "order.cancelled")
    assert set(causes) == {"partner", "customer", "platform", "force_majeure"}
    amsterdam = {e["occurred_at"][-6:] for e in stream if e["partner_id"].startswith("br-")}
    assert amsterdam == {"+01:00", "+02:00"}  # DST ends on 2024-10-27


def test_scale_multiplies_activity():
    small = generate(replace(SMALL, scale=0.2))
    large = generate(replace(SMALL, scale=0.8))
    assert len(large) > 2.5 * len(small)


def test_arrival_order_is_the_same_stream_resent_later(events):
    arrived = arrival_order(SMALL)
    assert sorted(arrived, key=lambda e: (e["event_id"], e["occurred_at"])) == sorted(
        events, key=lambda e: (e["event_id"], e["occurred_at"])
    )
    position: dict[str, int] = {}
    gaps = []
    for index, event in enumerate(arrived):
        if event["event_id"] in position:
            gaps.append(index - position[event["event_id"]])
        position.setdefault(event["event_id"], index)
    assert gaps and max(gaps) > 1  # a duplicate is re-sent later, not next to its original
