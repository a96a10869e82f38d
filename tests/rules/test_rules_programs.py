"""Table-driven: both sides of every threshold of every built-in program, segment, region and version, with
the seeds' numbers. Each row puts the metric's inputs on one day inside the period and checks its outcome."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from standing.rules import Program, evaluate_partner
from tests.rules.builders import BOOKING, KKDAY, REGIONAL, RIDES, TIKI, day, facts, local

KKDAY_AT = local(KKDAY, 2024, 9, 4)  # judges August 2024
BOOKING_AT = local(BOOKING, 2024, 6, 29)  # judges 2024-03-31..2024-06-28
RIDES_2024 = local(RIDES, 2024, 7, 1)  # June 2024, version 2024.1
RIDES_2025 = local(RIDES, 2025, 2, 1)  # January 2025 (the example's version 2025.1)
TIKI_AT = local(TIKI, 2024, 8, 1)  # May..July 2024


def ratio(numerator: str, denominator: str, n: int, d: int) -> dict[str, Any]:
    return {"counts": {numerator: n, denominator: d}}


def mean(total: str, count: str, s: str, c: int) -> dict[str, Any]:
    return {"sums": {total: s}, "counts": {count: c}}


KK_REPLY = ("messages_replied_within_12h", "messages_received")
KK_CANCEL = ("orders_cancelled_partner", "orders_placed")
KK_CONFIRM = ("orders_confirmed_on_time", "orders_confirmation_due")
INCIDENT = ("orders_with_incident", "orders_accepted")
DECLINE = ("orders_declined", "orders_placed")
DRIVER = ("completed_with_driver_event", "orders_completed")
CHAT = ("messages_replied", "messages_received")
LATE = ("orders_fulfilled_late", "orders_placed")
SELLER_CANCEL = ("orders_cancelled_partner", "orders_placed")


def buyers(n: int) -> dict[str, Any]:
    return {"sets": {"successful_buyers": {f"buyer-{i}" for i in range(n)}}}


# (case id, program, evaluated_at, metric, inputs, partner attributes, expected outcome)
CASES: list[tuple[str, Program, Any, str, dict[str, Any], dict[str, Any], str]] = [
    # KKday: >= 0.90, <= 0.02, >= 0.95
    ("kk-reply-90%", KKDAY, KKDAY_AT, "message_response_rate", ratio(*KK_REPLY, 90, 100), {}, "pass"),
    ("kk-reply-89%", KKDAY, KKDAY_AT, "message_response_rate", ratio(*KK_REPLY, 89, 100), {}, "fail"),
    ("kk-reply-899/1000", KKDAY, KKDAY_AT, "message_response_rate", ratio(*KK_REPLY, 899, 1000), {}, "fail"),
    ("kk-reply-none", KKDAY, KKDAY_AT, "message_response_rate", ratio(*KK_REPLY, 0, 0), {}, "not_applicable"),
    ("kk-cancel-2%", KKDAY, KKDAY_AT, "partner_cancellation_rate", ratio(*KK_CANCEL, 2, 100), {}, "pass"),
    ("kk-cancel-21/1000", KKDAY, KKDAY_AT, "partner_cancellation_rate", ratio(*KK_CANCEL, 21, 1000), {}, "fail"),
    ("kk-cancel-3%", KKDAY, KKDAY_AT, "partner_cancellation_rate", ratio(*KK_CANCEL, 3, 100), {}, "fail"),
    ("kk-confirm-95%", KKDAY, KKDAY_AT, "order_confirmation_rate", ratio(*KK_CONFIRM, 19, 20), {}, "pass"),
    ("kk-confirm-94%", KKDAY, KKDAY_AT, "order_confirmation_rate", ratio(*KK_CONFIRM, 94, 100), {}, "fail"),
    # Booking properties: >= 70, >= 7.0 (10-point reviews), == competitive
    ("bk-perf-70", BOOKING, BOOKING_AT, "performance_score", {"scores": {"performance_score": "70"}}, {}, "pass"),
    ("bk-perf-69.9", BOOKING, BOOKING_AT, "performance_score", {"scores": {"performance_score": "69.9"}}, {}, "fail"),
    ("bk-perf-none", BOOKING, BOOKING_AT, "performance_score", {}, {}, "fail"),
    ("bk-review-7.0", BOOKING, BOOKING_AT, "review_score", mean("rating_sum_10", "reviews_10", "70", 10), {}, "pass"),
    (
        "bk-review-6.99",
        BOOKING,
        BOOKING_AT,
        "review_score",
        mean("rating_sum_10", "reviews_10", "699", 100),
        {},
        "fail",
    ),
    (
        "bk-price-ok",
        BOOKING,
        BOOKING_AT,
        "price_competitiveness",
        {"scores": {"price_competitiveness": "competitive"}},
        {},
        "pass",
    ),
    (
        "bk-price-no",
        BOOKING,
        BOOKING_AT,
        "price_competitiveness",
        {"scores": {"price_competitiveness": "uncompetitive"}},
        {},
        "fail",
    ),
    # Rides 2024.1: >= 4.60, < 1.5%, < 1%, >= 90%
    ("rd-survey-4.60", RIDES, RIDES_2024, "survey_score", mean("rating_sum_5", "reviews_5", "46", 10), {}, "pass"),
    ("rd-survey-4.59", RIDES, RIDES_2024, "survey_score", mean("rating_sum_5", "reviews_5", "459", 100), {}, "fail"),
    ("rd-incident-3/200", RIDES, RIDES_2024, "incident_rate", ratio(*INCIDENT, 3, 200), {}, "fail"),
    ("rd-incident-29/2000", RIDES, RIDES_2024, "incident_rate", ratio(*INCIDENT, 29, 2000), {}, "pass"),
    ("rd-decline-1%", RIDES, RIDES_2024, "decline_rate", ratio(*DECLINE, 1, 100), {}, "fail"),
    ("rd-decline-1/101", RIDES, RIDES_2024, "decline_rate", ratio(*DECLINE, 1, 101), {}, "pass"),
    ("rd-driver-90%", RIDES, RIDES_2024, "driver_events_rate", ratio(*DRIVER, 90, 100), {}, "pass"),
    ("rd-driver-89%", RIDES, RIDES_2024, "driver_events_rate", ratio(*DRIVER, 899, 1000), {}, "fail"),
    # The regional example: US declines < 2%, JP survey >= 4.70
    ("rd-US-decline-1%", REGIONAL, RIDES_2024, "decline_rate", ratio(*DECLINE, 1, 100), {"region": "US"}, "pass"),
    ("rd-US-decline-2%", REGIONAL, RIDES_2024, "decline_rate", ratio(*DECLINE, 2, 100), {"region": "US"}, "fail"),
    (
        "rd-JP-survey-4.69",
        REGIONAL,
        RIDES_2024,
        "survey_score",
        mean("rating_sum_5", "reviews_5", "469", 100),
        {"region": "JP"},
        "fail",
    ),
    (
        "rd-JP-survey-4.70",
        REGIONAL,
        RIDES_2024,
        "survey_score",
        mean("rating_sum_5", "reviews_5", "47", 10),
        {"region": "JP"},
        "pass",
    ),
    # The regional example's 2025.1: incident < 1.2%; TH driver events >= 85% (2025 only)
    ("rd25-incident-3/250", REGIONAL, RIDES_2025, "incident_rate", ratio(*INCIDENT, 3, 250), {}, "fail"),
    ("rd24-incident-3/250", REGIONAL, RIDES_2024, "incident_rate", ratio(*INCIDENT, 3, 250), {}, "pass"),
    ("rd25-incident-2/250", REGIONAL, RIDES_2025, "incident_rate", ratio(*INCIDENT, 2, 250), {}, "pass"),
    (
        "rd25-TH-driver-85%",
        REGIONAL,
        RIDES_2025,
        "driver_events_rate",
        ratio(*DRIVER, 85, 100),
        {"region": "TH"},
        "pass",
    ),
    (
        "rd25-TH-driver-84%",
        REGIONAL,
        RIDES_2025,
        "driver_events_rate",
        ratio(*DRIVER, 84, 100),
        {"region": "TH"},
        "fail",
    ),
    (
        "rd24-TH-driver-85%",
        REGIONAL,
        RIDES_2024,
        "driver_events_rate",
        ratio(*DRIVER, 85, 100),
        {"region": "TH"},
        "fail",
    ),
    (
        "rd25-NL-driver-85%",
        REGIONAL,
        RIDES_2025,
        "driver_events_rate",
        ratio(*DRIVER, 85, 100),
        {"region": "NL"},
        "fail",
    ),
    ("rd25-US-decline-2%", REGIONAL, RIDES_2025, "decline_rate", ratio(*DECLINE, 2, 100), {"region": "US"}, "fail"),
    # The built-in rides program: the published figures in every region and on every date
    ("rd-US-decline-1%-builtin", RIDES, RIDES_2024, "decline_rate", ratio(*DECLINE, 1, 100), {"region": "US"}, "fail"),
    (
        "rd-JP-survey-4.60-builtin",
        RIDES,
        RIDES_2024,
        "survey_score",
        mean("rating_sum_5", "reviews_5", "46", 10),
        {"region": "JP"},
        "pass",
    ),
    ("rd25-incident-3/250-builtin", RIDES, RIDES_2025, "incident_rate", ratio(*INCIDENT, 3, 250), {}, "pass"),
    (
        "rd25-TH-driver-85%-builtin",
        RIDES,
        RIDES_2025,
        "driver_events_rate",
        ratio(*DRIVER, 85, 100),
        {"region": "TH"},
        "fail",
    ),
]

TIKI_COLUMNS = {"general": (200, 100, 50), "high_value": (50, 30, 20)}
for segment, (orders, unique, ratings) in TIKI_COLUMNS.items():
    attrs = {"category": segment}
    CASES += [
        (f"tk-{segment}-orders-{orders}", TIKI, TIKI_AT, "successful_orders",
         {"counts": {"orders_successful": orders}}, attrs, "pass"),
        (f"tk-{segment}-orders-{orders - 1}", TIKI, TIKI_AT, "successful_orders",
         {"counts": {"orders_successful": orders - 1}}, attrs, "fail"),
        (f"tk-{segment}-buyers-{unique}", TIKI, TIKI_AT, "unique_buyers", buyers(unique), attrs, "pass"),
        (f"tk-{segment}-buyers-{unique - 1}", TIKI, TIKI_AT, "unique_buyers", buyers(unique - 1), attrs, "fail"),
        (f"tk-{segment}-ratings-{ratings}", TIKI, TIKI_AT, "rating_count",
         {"counts": {"reviews_5": ratings}}, attrs, "pass"),
        (f"tk-{segment}-ratings-{ratings - 1}", TIKI, TIKI_AT, "rating_count",
         {"counts": {"reviews_5": ratings - 1}}, attrs, "fail"),
        (f"tk-{segment}-chat-3/4", TIKI, TIKI_AT, "chat_response_rate", ratio(*CHAT, 3, 4), attrs, "pass"),
        (f"tk-{segment}-chat-74%", TIKI, TIKI_AT, "chat_response_rate", ratio(*CHAT, 74, 100), attrs, "fail"),
        (f"tk-{segment}-chat-1-chat", TIKI, TIKI_AT, "chat_response_rate", ratio(*CHAT, 0, 1), attrs, "not_applicable"),
        (f"tk-{segment}-chat-1/2", TIKI, TIKI_AT, "chat_response_rate", ratio(*CHAT, 1, 2), attrs, "fail"),
        (f"tk-{segment}-late-3%", TIKI, TIKI_AT, "late_fulfillment_rate", ratio(*LATE, 3, 100), attrs, "pass"),
        (f"tk-{segment}-late-4%", TIKI, TIKI_AT, "late_fulfillment_rate", ratio(*LATE, 4, 100), attrs, "fail"),
        (f"tk-{segment}-cancel-2%", TIKI, TIKI_AT, "seller_cancellation_rate", ratio(*SELLER_CANCEL, 2, 100), attrs,
         "pass"),
        (f"tk-{segment}-cancel-3%", TIKI, TIKI_AT, "seller_cancellation_rate", ratio(*SELLER_CANCEL, 3, 100), attrs,
         "fail"),
        (f"tk-{segment}-rating-4.2", TIKI, TIKI_AT, "average_rating", mean("rating_sum_5", "reviews_5", "42", 10),
         attrs, "pass"),
        (f"tk-{segment}-rating-4.19", TIKI, TIKI_AT, "average_rating", mean("rating_sum_5", "reviews_5", "419", 100),
         attrs, "fail"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("program", "evaluated_at", "metric", "inputs", "attributes", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_threshold_sides(program, evaluated_at, metric, inputs, attributes, expected):
    period = program.period_for(evaluated_at)
    days = [day(period.start + timedelta(days=5), **inputs)]
    partner = facts(self_managed=True, membership="opted_in", **attributes)
    record = evaluate_partner(program, partner, days, evaluated_at)
    result = record["metrics"][metric]
    assert result["outcome"] == expected, result
    assert (metric in record["failing"]) == (expected == "fail")
    if expected == "not_applicable":
        assert result["reason"]


@pytest.mark.parametrize(("category", "segment"), [
    ("general", "general"), ("high_value", "high_value"), ("TV-Laptop", "high_value"),
    ("electronics-refrigeration", "high_value"), ("Electronics – Refrigeration", "high_value"),
    ("fashion", "general"), (None, "general"),
])  # fmt: skip
def test_tiki_segment_by_category(category, segment):
    record = evaluate_partner(TIKI, facts(category=category), [], TIKI_AT)
    assert record["segment"] == segment
    expected = 200 if segment == "general" else 50
    assert record["metrics"]["successful_orders"]["threshold"] == expected


@pytest.mark.parametrize("flag", ["fraud", "counterfeit"])
def test_tiki_flags_at_evaluation_time(flag):
    clean = evaluate_partner(TIKI, facts(), [], TIKI_AT)
    assert clean["metrics"][f"{flag}_free"]["outcome"] == "pass"
    flagged = evaluate_partner(TIKI, facts(open_flags={flag}), [], TIKI_AT)
    assert flagged["metrics"][f"{flag}_free"]["outcome"] == "fail"
    assert flagged["metrics"][f"{flag}_free"]["headroom"] == f"the open {flag} flag must be cleared"


@pytest.mark.parametrize(
    ("opened", "outcome", "value"),
    [
        ("2024-05-03T00:00:00+07:00", "pass", 90),  # 90 local days before 2024-08-01
        ("2024-05-03T16:59:59Z", "pass", 90),  # 23:59:59 local on 2024-05-03
        ("2024-05-03T17:00:00Z", "fail", 89),  # 00:00 local on 2024-05-04
        ("2024-05-04T00:00:00+07:00", "fail", 89),
        (None, "fail", 0),
    ],
)
def test_tiki_store_lifetime(opened, outcome, value):
    partner = facts(store_opened_at=opened, first_sale_at="2024-01-10T00:00:00+07:00")
    result = evaluate_partner(TIKI, partner, [], TIKI_AT)["metrics"]["store_lifetime_days"]
    assert (result["outcome"], result["value"]) == (outcome, value)
    if value == 89:
        assert result["headroom"] == "1 more day needed (reached on 2024-08-02)"


def test_booking_reviews_over_365_days():
    period = BOOKING.period_for(BOOKING_AT)
    old_good = day(period.end - timedelta(days=364), sums={"rating_sum_10": "100"}, counts={"reviews_10": 10})
    too_old = day(period.end - timedelta(days=365), sums={"rating_sum_10": "10"}, counts={"reviews_10": 10})
    recent = day(period.end, sums={"rating_sum_10": "40"}, counts={"reviews_10": 10})
    record = evaluate_partner(BOOKING, facts(membership="opted_in"), [too_old, old_good, recent], BOOKING_AT)
    review = record["metrics"]["review_score"]
    assert (review["numerator"], review["denominator"], review["value"], review["outcome"]) == (140, 20, 7.0, "pass")
    assert review["window_days"] == 365


def test_kkday_adjustment_period_and_counting_start_not_counted():
    at = local(KKDAY, 2024, 7, 4)  # the old system's date: June is judged by nothing that counts
    june = [day(d, counts={"orders_placed": 10, "orders_cancelled_partner": 10}) for d in
            (KKDAY.period_for(at).start + timedelta(days=i) for i in range(30))]  # fmt: skip
    record = evaluate_partner(KKDAY, facts(self_managed=True), june, at)
    assert record["metrics"]["partner_cancellation_rate"]["outcome"] == "not_applicable"
    assert record["status"] == "not_awarded"  # nothing measurable: no badge on no activity


def test_region_exclusion(tmp_path):
    from standing.rules import load_programs

    text = (
        Path(RIDES.source)
        .read_text(encoding="utf-8")
        .replace(
            "membership: automatic\n",
            "membership: automatic\nexcluded:\n  - {from: 2024-06-10, to: 2024-06-12, reason: Storm, regions: [NL]}\n",
        )
    )
    (tmp_path / "booking-rides-preferred.yaml").write_text(text, encoding="utf-8")
    rides = load_programs(tmp_path)["booking-rides-preferred"]
    days = [
        day(rides.period_for(RIDES_2024).start + timedelta(days=10), counts={"orders_placed": 10, "orders_declined": 5})
    ]
    nl = evaluate_partner(rides, facts(region="NL"), days, RIDES_2024)
    de = evaluate_partner(rides, facts(region="DE"), days, RIDES_2024)
    assert nl["metrics"]["decline_rate"]["outcome"] == "not_applicable"
    assert de["metrics"]["decline_rate"]["outcome"] == "fail"
