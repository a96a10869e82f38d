"""The backtest's partner state (standing_local/backtest/store.py) is latest-wins as the aggregation service keeps
it: profiles (and the enrolments they make), memberships and risk cases come out the same whatever order their
events arrive in, and an evaluation reads the events from a UTC day on as the EventsTable query does."""

from __future__ import annotations

import random
from typing import Any

from standing.fold import prepare
from standing_local.backtest.store import Partner

KKDAY, TIKI = "kkday-trusted-partner", "tiki-trusted-store"


def events() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(kind, UTC instant, event id, data): two profiles with one instant (the id decides), a newer profile that
    leaves a program, memberships racing, a risk case raised, cleared and the clear voided, another case raised."""
    profile = {"name": "Shop", "email": "s@example.com", "locale": "vi", "region": "VN", "self_managed": True}
    return [
        ("partner.profile", "2024-07-01T00:00:00.000000Z", "p1", {**profile, "programs": [KKDAY]}),
        ("partner.profile", "2024-07-01T00:00:00.000000Z", "p2", {**profile, "programs": [KKDAY, TIKI]}),
        ("partner.profile", "2024-07-05T00:00:00.000000Z", "p3", {**profile, "programs": [TIKI], "category": "x"}),
        ("partner.profile", "2024-07-03T00:00:00.000000Z", "p0", {**profile, "programs": []}),
        ("program.opted_in", "2024-07-06T00:00:00.000000Z", "m1", {"program_id": TIKI}),
        ("program.opted_out", "2024-07-06T00:00:00.000000Z", "m2", {"program_id": TIKI}),
        ("program.opted_in", "2024-07-02T00:00:00.000000Z", "m0", {"program_id": TIKI}),
        ("risk.flag_raised", "2024-07-07T00:00:00.000000Z", "f1", {"flag": "fraud", "case_id": "c1"}),
        ("risk.flag_cleared", "2024-07-08T00:00:00.000000Z", "f2", {"flag": "fraud", "case_id": "c1"}),
        ("event.voided", "2024-07-09T00:00:00.000000Z", "v1", {"voided_event_id": "f2", "reason": "error"}),
        ("risk.flag_raised", "2024-07-07T00:00:00.000000Z", "f3", {"flag": "counterfeit", "case_id": "c2"}),
        ("risk.flag_cleared", "2024-07-08T00:00:00.000000Z", "f4", {"flag": "counterfeit", "case_id": "c2"}),
    ]


def apply(order: list[tuple[str, str, str, dict[str, Any]]]) -> Partner:
    partner = Partner("p")
    for kind, at, event_id, data in order:
        if kind == "partner.profile":
            partner.put_profile(data, at, event_id)
        elif kind.startswith("program."):
            partner.set_membership(data["program_id"], kind.split("_", 1)[1].replace("in", "opted_in")
                                   .replace("out", "opted_out"), at, event_id)  # fmt: skip
        elif kind.startswith("risk."):
            partner.risk_event(event_id, kind == "risk.flag_raised", data["flag"], data["case_id"])
        else:
            partner.void(data["voided_event_id"])
    return partner


def state(partner: Partner) -> tuple[Any, ...]:
    """What an evaluation reads: the profile, who is enrolled (an item of a program no longer listed may or may not
    exist, as in the StateTable, depending on which profiles arrived before the newest), memberships, open flags."""
    enrolled = {p for p, item in partner.enrolments.items() if item.get("enrolled")}
    memberships = {p: (item.get("membership"), item.get("membership_at")) for p, item in partner.enrolments.items()}
    return partner.profile, enrolled, {p: m for p, m in memberships.items() if m[0]}, partner.open_flags()


def test_the_state_is_the_same_whatever_the_arrival_order() -> None:
    expected = apply(sorted(events(), key=lambda e: (e[1], e[2])))
    assert expected.profile is not None and expected.profile["profile_event_id"] == "p3"
    assert expected.profile["category"] == "x" and expected.profile["programs"] == [TIKI]
    assert expected.enrolments[KKDAY]["enrolled"] is False and expected.enrolments[TIKI]["enrolled"] is True
    assert expected.enrolments[TIKI]["membership"] == "opted_out"  # m2 > m1 at the same instant
    assert expected.open_flags() == frozenset({"fraud"})  # its clear was voided; c2 is cleared
    rng = random.Random(4)
    for _ in range(200):
        shuffled = events()
        rng.shuffle(shuffled)
        assert state(apply(shuffled)) == state(expected)


def test_a_read_holds_the_events_from_a_utc_day_on() -> None:
    partner = Partner("p")
    days = ["2024-07-01", "2024-07-03", "2024-07-02", "2024-07-05", "2024-07-04", "2024-07-06"]  # a batch by id
    for n, day in enumerate(days):
        event = {"event_id": f"e{n}", "type": "order.confirmed", "occurred_at": f"{day}T10:00:00.000000Z",
                 "data": {"order_id": "o"}}  # fmt: skip
        partner.add(prepare(event), day)
    for since in ["2024-06-30", "2024-07-02", "2024-07-04", "2024-07-07"]:
        assert [p.event_id for p in partner.read(since)] == [f"e{n}" for n, d in enumerate(days) if d >= since]


def test_a_read_with_an_activity_cut_off_holds_reviews_and_voids_from_the_first_day() -> None:
    """`standing_store.folded_days`' two queries: reviews and voids from `since`, the rest from `activity_since`."""
    partner = Partner("p")
    kinds = {
        "order.confirmed": {"order_id": "o"},
        "review.submitted": {"review_id": "r", "scale": 5, "rating": 4},
        "event.voided": {"voided_event_id": "e0", "reason": "error"},
    }
    stored = []
    for n, day in enumerate(["2024-07-01", "2024-07-02", "2024-07-03", "2024-07-04", "2024-07-05", "2024-07-06"]):
        for kind, data in kinds.items():
            event = {"event_id": f"{kind}{n}", "type": kind, "occurred_at": f"{day}T10:00:00.000000Z", "data": data}
            partner.add(prepare(event), day)
            stored.append((event["event_id"], kind, day))
    read = [p.event_id for p in partner.read("2024-07-02", "2024-07-05")]
    assert read == [
        i for i, kind, day in stored if day >= "2024-07-05" or (day >= "2024-07-02" and kind != "order.confirmed")
    ]
    assert len(read) == 5 * 2 + 2  # 07-02..07-06: a review and a void a day; orders from 07-05
    assert partner.read("2024-07-02", "2024-07-01") == partner.read("2024-07-02")  # a cut-off before: one query
