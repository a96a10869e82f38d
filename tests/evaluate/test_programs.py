"""Tiki, Booking rides and Booking properties end to end through the real handlers: events through POST /events,
the template's schedule fired at its local time, records and standing read back through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.evaluate.conftest import event, order_placed, profile

SAIGON = "Asia/Ho_Chi_Minh"
AMSTERDAM = "Europe/Amsterdam"
TIKI = "tiki-trusted-store"
RIDES = "booking-rides-preferred"
PROPERTY = "booking-preferred-property"


# ---------------------------------------------------------------------------------------------------- Tiki
def _tiki_shop(partner: str, day: str = "2024-08-15", orders: int = 50, buyers: int = 30) -> list[dict]:
    """A shop's quarter: `orders` confirmed orders from `buyers` distinct buyers, two chats both replied, and 20
    five-point ratings averaging 4.4 (12 fours, 8 fives). Nothing late, nothing cancelled."""
    base = datetime.fromisoformat(f"{day}T10:00:00+07:00")
    events = []
    for n in range(orders):
        placed = base + timedelta(minutes=n)
        order = f"{partner}-o{n}"
        events.append(order_placed(partner, placed, order, f"{partner}-b{n % buyers}", timedelta(hours=48)))
        events.append(event("order.confirmed", partner, (placed + timedelta(hours=1)).isoformat(), order_id=order))
        events.append(event("order.fulfilled", partner, (placed + timedelta(hours=20)).isoformat(), order_id=order))
    for n in range(2):
        received = base + timedelta(hours=2, minutes=n)
        events.append(
            event(
                "message.received",
                partner,
                received.isoformat(),
                thread_id=f"{partner}-t{n}",
                message_id=f"{partner}-m{n}",
            )
        )
        events.append(
            event(
                "message.replied",
                partner,
                (received + timedelta(minutes=30)).isoformat(),
                thread_id=f"{partner}-t{n}",
                message_id=f"{partner}-r{n}",
                in_reply_to=f"{partner}-m{n}",
            )
        )
    for n in range(20):
        events.append(
            event(
                "review.submitted",
                partner,
                (base + timedelta(days=3, minutes=n)).isoformat(),
                review_id=f"{partner}-v{n}",
                rating=4 if n < 12 else 5,
                scale=5,
            )
        )
    return events


def test_tiki_quarter_judged_on_the_1st_saigon_time_by_segment_flags_and_store_age(scenario):
    program = [TIKI]
    scenario.post(
        [
            profile("tk-hv", "2024-06-01T09:00:00+07:00", program, category="high_value", region="VN"),
            profile("tk-general", "2024-06-01T09:00:00+07:00", program, category="general", region="VN"),
            profile("tk-fraud", "2024-06-01T09:00:00+07:00", program, category="high_value", region="VN"),
            # Opened 30 days before the evaluation day (2024-10-01).
            profile(
                "tk-young",
                "2024-06-01T09:00:00+07:00",
                program,
                category="high_value",
                region="VN",
                store_opened_at="2024-09-01T08:00:00+07:00",
            ),
        ]
    )
    shops = [_tiki_shop(p) for p in ("tk-hv", "tk-general", "tk-fraud", "tk-young")]
    for shop in shops:
        scenario.post(shop)
    scenario.post(
        [
            # tk-hv had a fraud case that was cleared before the evaluation: it no longer counts.
            event("risk.flag_raised", "tk-hv", "2024-08-20T10:00:00+07:00", flag="fraud", case_id="c-1"),
            event("risk.flag_cleared", "tk-hv", "2024-09-05T10:00:00+07:00", flag="fraud", case_id="c-1"),
            # tk-fraud's case is still open at 00:00 on 1 October.
            event("risk.flag_raised", "tk-fraud", "2024-09-20T10:00:00+07:00", flag="fraud", case_id="c-2"),
        ]
    )

    scenario.fire("TikiTrustedStoreSchedule", "2024-10-01T00:00", SAIGON)

    hv = scenario.records("tk-hv", TIKI)
    assert len(hv) == 1
    record = hv[0]
    assert record["period"] == {"start": "2024-07-01", "end": "2024-09-30"}  # the previous 3 calendar months
    assert record["evaluated_at"].startswith("2024-09-30T17:00:00")  # 00:00 in Saigon (UTC+7)
    assert record["rules_version"] == "2024.1"
    assert record["segment"] == "high_value"
    assert record["status"] == "awarded", record["failing"]
    metrics = record["metrics"]
    assert (metrics["successful_orders"]["value"], metrics["successful_orders"]["threshold"]) == (50, 50)
    assert (metrics["unique_buyers"]["value"], metrics["unique_buyers"]["threshold"]) == (30, 30)
    assert metrics["chat_response_rate"]["outcome"] == "pass"
    assert metrics["chat_response_rate"]["numerator"] == 2 and metrics["chat_response_rate"]["denominator"] == 2
    assert (metrics["rating_count"]["value"], metrics["rating_count"]["threshold"]) == (20, 20)
    assert metrics["average_rating"]["value"] == 4.4
    assert metrics["fraud_free"]["outcome"] == "pass"  # the cleared case is not open
    assert metrics["store_lifetime_days"]["value"] > 90
    assert record["failing"] == []
    assert record["valid_until"] == "2024-10-31"  # until the day before the next 1st

    general = scenario.records("tk-general", TIKI)[0]
    assert general["segment"] == "general"
    assert general["status"] == "not_awarded"
    # The same shop judged by the general column: 200 orders, 100 buyers, 50 ratings.
    assert set(general["failing"]) == {"successful_orders", "unique_buyers", "rating_count"}
    orders, buyers = general["metrics"]["successful_orders"], general["metrics"]["unique_buyers"]
    assert (orders["value"], orders["threshold"], orders["outcome"]) == (50, 200, "fail")
    assert orders["headroom"] == "150 more successful orders needed"
    assert orders["headroom_amount"] == 150
    assert (buyers["value"], buyers["threshold"], buyers["outcome"]) == (30, 100, "fail")
    assert buyers["headroom"] == "70 more unique buyers needed"
    assert general["metrics"]["rating_count"]["headroom"] == "30 more ratings needed"

    fraud = scenario.records("tk-fraud", TIKI)[0]
    assert fraud["status"] == "suspended"
    assert fraud["metrics"]["fraud_free"]["outcome"] == "fail"
    assert fraud["failing"] == ["fraud_free"]
    assert fraud["benefits"] == {} and fraud["valid_until"] is None

    young = scenario.records("tk-young", TIKI)[0]
    assert young["status"] == "not_awarded"
    assert young["failing"] == ["store_lifetime_days"]
    lifetime = young["metrics"]["store_lifetime_days"]
    assert (lifetime["value"], lifetime["threshold"], lifetime["outcome"]) == (30, 90, "fail")
    assert lifetime["headroom"].startswith("60 more days needed")

    status, standing = scenario.stack.request("GET", "/partners/tk-fraud/standing")
    assert status == 200
    assert standing["programs"][TIKI]["status"] == "suspended"
    assert standing["programs"][TIKI]["open_flags"] == ["fraud"]
    status, standing = scenario.stack.request("GET", "/partners/tk-hv/standing")
    assert standing["programs"][TIKI]["status"] == "awarded"
    assert standing["programs"][TIKI]["valid_until"] == "2024-10-31"
    assert scenario.count("Partner Evaluated") == 4
    assert scenario.count("Evaluation Run Completed") == 1


# ---------------------------------------------------------------------------------------------------- rides
def _rides(
    partner: str,
    day: str,
    rides: int,
    incidents: int = 0,
    driver_events: int | None = None,
    ratings: tuple[int, ...] = (),
) -> list[dict]:
    """`rides` bookings offered and completed on one Amsterdam day; the first `incidents` had an incident, the
    first `driver_events` (default all) a driver event; one 5-point review per rating."""
    base = datetime.fromisoformat(f"{day}T08:00:00+02:00")
    driver_events = rides if driver_events is None else driver_events
    events = []
    for n in range(rides):
        placed = base + timedelta(minutes=n)
        order = f"{partner}-{day}-{n}"
        events.append(order_placed(partner, placed, order, f"c{n}", timedelta(hours=1)))
        events.append(event("order.completed", partner, (placed + timedelta(minutes=40)).isoformat(), order_id=order))
        if n < incidents:
            incident = event("ride.incident", partner, (placed + timedelta(minutes=20)).isoformat(), order_id=order)
            incident["data"]["kind"] = "delay"  # `kind` is also event()'s first parameter
            events.append(incident)
        if n < driver_events:
            events.append(
                event("ride.driver_event", partner, (placed + timedelta(minutes=5)).isoformat(), order_id=order)
            )
    for n, rating in enumerate(ratings):
        events.append(
            event(
                "review.submitted",
                partner,
                (base + timedelta(hours=6, minutes=n)).isoformat(),
                review_id=f"{partner}-{day}-v{n}",
                rating=rating,
                scale=5,
            )
        )
    return events


def _post_in_batches(scenario, events: list[dict]) -> None:
    for start in range(0, len(events), 500):
        scenario.post(events[start : start + 500])


def test_rides_boundaries_and_the_published_figures_in_every_region_and_on_every_date(scenario):
    """Seed 002 publishes survey >= 4.60, incident < 1.5%, decline < 1%, driver events >= 90% and no variant: the
    built-in program applies them in every region and on every date (variants live in docs/examples)."""
    program = [RIDES]
    scenario.post(
        [
            profile("rd-edge", "2024-06-01T09:00:00+02:00", program, region="NL"),
            profile("rd-jp", "2024-06-01T09:00:00+02:00", program, region="JP"),
            profile("rd-nl", "2024-06-01T09:00:00+02:00", program, region="NL"),
            profile("rd-th", "2024-06-01T09:00:00+02:00", program, region="TH"),
            profile("rd-de", "2024-06-01T09:00:00+02:00", program, region="DE"),
        ]
    )
    mean_460 = (5, 5, 5, 4, 4)  # 23 / 5 = 4.60 exactly
    mean_465 = (5,) * 13 + (4,) * 7  # 93 / 20 = 4.65
    _post_in_batches(scenario, _rides("rd-edge", "2024-07-10", 200, incidents=3, driver_events=180, ratings=mean_460))
    scenario.post(
        _rides("rd-jp", "2024-07-10", 10, ratings=mean_465) + _rides("rd-nl", "2024-07-10", 10, ratings=mean_465)
    )

    scenario.fire("BookingRidesPreferredSchedule", "2024-08-01T00:00", AMSTERDAM)

    edge = scenario.records("rd-edge", RIDES)[0]
    assert edge["period"] == {"start": "2024-07-01", "end": "2024-07-31"}
    assert edge["rules_version"] == "2024.1"
    survey, incidents = edge["metrics"]["survey_score"], edge["metrics"]["incident_rate"]
    assert (survey["value"], survey["threshold"], survey["op"], survey["outcome"]) == (4.6, 4.6, ">=", "pass")
    assert (incidents["numerator"], incidents["denominator"]) == (3, 200)
    assert (incidents["threshold"], incidents["op"], incidents["outcome"]) == (0.015, "<", "fail")  # 1.5% is not < 1.5%
    assert incidents["headroom"] == "1 more booking without an incident needed"
    assert edge["metrics"]["driver_events_rate"]["outcome"] == "pass"  # 180 / 200 = 90% exactly
    assert edge["failing"] == ["incident_rate"]
    assert edge["status"] == "not_awarded"
    assert edge["consequences"] == ["ranking_demotion"]

    # The same 4.65 survey in Japan and in the Netherlands: one published bar, 4.60, for both.
    jp, nl = scenario.records("rd-jp", RIDES)[0], scenario.records("rd-nl", RIDES)[0]
    assert jp["region"] == "JP" and jp["rules_version"] == "2024.1"
    for record in (jp, nl):
        assert (record["metrics"]["survey_score"]["threshold"], record["metrics"]["survey_score"]["outcome"]) == (
            4.6, "pass")  # fmt: skip
        assert record["status"] == "awarded"

    # December 2024, judged on 1 January 2025: still the published figures (1.5% incidents, 90% driver events)
    # in Thailand as in Germany: 17 / 20 driver events fail in both.
    scenario.post(
        _rides("rd-th", "2024-12-10", 20, driver_events=17, ratings=(5, 5, 5))
        + _rides("rd-de", "2024-12-10", 20, driver_events=17, ratings=(5, 5, 5))
    )
    scenario.fire("BookingRidesPreferredSchedule", "2025-01-01T00:00", AMSTERDAM)
    th, de = scenario.records("rd-th", RIDES)[0], scenario.records("rd-de", RIDES)[0]
    for record in (th, de):
        assert record["period"] == {"start": "2024-12-01", "end": "2024-12-31"}
        assert record["rules_version"] == "2024.1"
        assert record["metrics"]["incident_rate"]["threshold"] == 0.015
        assert record["metrics"]["driver_events_rate"]["threshold"] == 0.9
        assert record["failing"] == ["driver_events_rate"]


# ---------------------------------------------------------------------------------------------------- properties
def _property(partner: str, now: datetime, performance: int, price: str, ratings: tuple[int, ...]) -> list[dict]:
    """A property's recent data, dated relative to `now` (the API judges an opt-in on the real clock)."""

    def at(days: float) -> str:
        return (now - timedelta(days=days)).isoformat()

    events = [
        profile(partner, at(60), [PROPERTY], region="NL", category="hotel"),
        event("score.reported", partner, at(5), metric="performance_score", value=performance),
        event("score.reported", partner, at(5), metric="price_competitiveness", value=price),
    ]
    events += [
        event("review.submitted", partner, at(20 + n), review_id=f"{partner}-v{n}", rating=r, scale=10)
        for n, r in enumerate(ratings)
    ]
    return events


def _membership(scenario, partner: str, action: str) -> tuple[int, dict]:
    return scenario.stack.request("POST", f"/partners/{partner}/programs/{PROPERTY}/membership", {"action": action})


def test_property_opt_in_is_granted_only_when_the_criteria_are_met_now_and_opt_out_is_immediate(scenario):
    now = datetime.now(UTC)
    scenario.post(
        _property("bp-low", now, 55, "competitive", (8, 8, 8)) + _property("bp-good", now, 82, "competitive", (8, 7, 9))
    )

    status, refused = _membership(scenario, "bp-low", "opt_in")
    assert status == 409, refused
    assert refused["error"] == "criteria_not_met"
    assert "performance_score" in refused["message"]
    assert [d["metric"] for d in refused["details"]] == ["performance_score"]
    assert refused["details"][0]["value"] == 55 and refused["details"][0]["threshold"] == 70
    status, standing = scenario.stack.request("GET", "/partners/bp-low/standing")
    assert standing["programs"][PROPERTY]["status"] == "not_evaluated"  # a refusal changes nothing

    status, granted = _membership(scenario, "bp-good", "opt_in")
    assert status == 200, granted
    assert granted["granted"] is True and granted["status"] == "awarded"
    assert granted["evaluation"]["metrics"]["review_score"]["value"] == 8.0
    assert granted["evaluation"]["metrics"]["price_competitiveness"]["outcome"] == "pass"
    status, standing = scenario.stack.request("GET", "/partners/bp-good/standing")
    current = standing["programs"][PROPERTY]
    assert (current["status"], current["membership"]["state"]) == ("awarded", "opted_in")
    assert current["benefits"]["commission_uplift_pct"] == 3
    changed_before = scenario.count("Standing Changed")

    status, left = _membership(scenario, "bp-good", "opt_out")
    assert status == 200, left
    assert left["status"] == "opted_out"
    status, standing = scenario.stack.request("GET", "/partners/bp-good/standing")
    current = standing["programs"][PROPERTY]
    assert (current["status"], current["membership"]["state"], current["benefits"]) == ("opted_out", "opted_out", {})
    assert current["valid_until"] is None
    assert scenario.count("Standing Changed") == changed_before + 1
    change = [e["detail"] for e in scenario.captured if e["detail-type"] == "Standing Changed"][-1]
    assert (change["partner_id"], change["previous_status"], change["status"]) == ("bp-good", "awarded", "opted_out")
    assert change["benefits"] == {}
    memberships = [e["detail"] for e in scenario.captured if e["detail-type"] == "Membership Changed"]
    assert [(m["partner_id"], m["action"], m["granted"]) for m in memberships] == [
        ("bp-low", "opt_in", False),
        ("bp-good", "opt_in", True),
        ("bp-good", "opt_out", True),
    ]


def test_property_schedule_every_90_days_judges_members_and_records_the_rest_as_opted_out(scenario):
    program = [PROPERTY]
    scenario.post(
        [
            profile("bp-member", "2023-12-01T09:00:00+01:00", program, region="NL"),
            profile("bp-weak", "2023-12-01T09:00:00+01:00", program, region="NL"),
            profile("bp-never", "2023-12-01T09:00:00+01:00", program, region="NL"),
        ]
    )
    events = []
    for partner in ("bp-member", "bp-weak", "bp-never"):
        events += [
            event("score.reported", partner, "2024-02-01T12:00:00+01:00", metric="performance_score", value=80),
            event(
                "score.reported",
                partner,
                "2024-02-01T12:00:00+01:00",
                metric="price_competitiveness",
                value="competitive",
            ),
        ]
    # Reviews before the opt-in (2024-02-15) qualify all three; bp-weak's later guests pull it below 7.0.
    reviews = {"bp-member": ("2024-02-10", 9), "bp-weak": ("2024-02-10", 8), "bp-never": ("2024-02-10", 9)}
    for partner, (day, rating) in reviews.items():
        events.append(
            event(
                "review.submitted", partner, f"{day}T12:00:00+01:00", review_id=f"{partner}-v0", rating=rating, scale=10
            )
        )
    events += [
        event(
            "review.submitted",
            "bp-weak",
            f"2024-02-2{n}T12:00:00+01:00",
            review_id=f"bp-weak-v{n + 1}",
            rating=5,
            scale=10,
        )
        for n in range(3)
    ]
    scenario.post(events)
    # Opt-in is granted only when the criteria are met at that moment: both qualify on 2024-02-15.
    scenario.post(
        [
            event("program.opted_in", p, "2024-02-15T10:00:00+01:00", program_id=PROPERTY)
            for p in ("bp-member", "bp-weak")
        ]
    )

    # rate(90 days) from 2024-01-01 00:00 Amsterdam: the first evaluation is 2024-03-31 00:00.
    scenario.fire("BookingPreferredPropertySchedule", "2024-03-31T00:00", AMSTERDAM)
    member = scenario.records("bp-member", PROPERTY)[0]
    assert member["period"] == {"start": "2024-01-01", "end": "2024-03-30"}  # the last 90 days
    assert member["status"] == "awarded"
    assert member["benefits"]["commission_uplift_pct"] == 3
    weak = scenario.records("bp-weak", PROPERTY)[0]
    assert weak["status"] == "not_awarded" and weak["failing"] == ["review_score"]
    never = scenario.records("bp-never", PROPERTY)[0]
    assert never["status"] == "opted_out" and never["benefits"] == {}
    assert scenario.count("Partner Evaluated") == 3


def _standing(scenario, partner: str, program: str) -> dict:
    status, body = scenario.stack.request("GET", f"/partners/{partner}/standing")
    assert status == 200, body
    return body["programs"][program]


def test_a_fraud_flag_suspends_an_awarded_store_at_once_and_clearing_it_restores_the_title(scenario):
    scenario.post([profile("tk-star", "2024-06-01T09:00:00+07:00", [TIKI], category="high_value", region="VN")])
    scenario.post(_tiki_shop("tk-star"))
    scenario.fire("TikiTrustedStoreSchedule", "2024-10-01T00:00", SAIGON)
    assert _standing(scenario, "tk-star", TIKI)["status"] == "awarded"
    changed_before = scenario.count("Standing Changed")

    # Mid-period, between two schedules: the audit starts, the title goes at once.
    scenario.post([event("risk.flag_raised", "tk-star", "2024-10-10T10:00:00+07:00", flag="fraud", case_id="c-9")])
    suspended = _standing(scenario, "tk-star", TIKI)
    assert suspended["status"] == "suspended" and suspended["open_flags"] == ["fraud"]
    assert scenario.count("Standing Changed") == changed_before + 1
    last = [e for e in scenario.bus_events() if e["detail-type"] == "Standing Changed"][-1]["detail"]
    assert (last["previous_status"], last["status"], last["reason"]) == ("awarded", "suspended", "risk_flag")

    # The same flag event delivered again changes nothing and announces nothing.
    scenario.post([event("risk.flag_raised", "tk-star", "2024-10-10T10:00:00+07:00", flag="fraud", case_id="c-9")])
    assert scenario.count("Standing Changed") == changed_before + 1

    # The audit clears the store while October's title still holds: the title comes back.
    scenario.post([event("risk.flag_cleared", "tk-star", "2024-10-15T10:00:00+07:00", flag="fraud", case_id="c-9")])
    restored = _standing(scenario, "tk-star", TIKI)
    assert restored["status"] == "awarded" and restored["open_flags"] == []
    assert scenario.count("Standing Changed") == changed_before + 2


def test_a_marketplace_opt_in_event_is_judged_at_its_own_time(scenario):
    scenario.post([profile(p, "2023-12-01T09:00:00+01:00", [PROPERTY], region="NL") for p in ("bp-ready", "bp-early")])
    events = []
    for partner in ("bp-ready", "bp-early"):
        events += [
            event("score.reported", partner, "2024-02-01T12:00:00+01:00", metric="performance_score", value=82),
            event(
                "score.reported",
                partner,
                "2024-02-01T12:00:00+01:00",
                metric="price_competitiveness",
                value="competitive",
            ),
            event(
                "review.submitted", partner, "2024-02-05T12:00:00+01:00", review_id=f"{partner}-r", rating=9, scale=10
            ),
        ]
    scenario.post(events)
    scenario.post(
        [
            event("program.opted_in", "bp-ready", "2024-02-10T09:00:00+01:00", program_id=PROPERTY),
            event("program.opted_in", "bp-early", "2024-01-10T09:00:00+01:00", program_id=PROPERTY),  # before any data
        ]
    )
    assert _standing(scenario, "bp-ready", PROPERTY)["status"] == "awarded"
    # refused before any data: never a member, so not "left" either
    assert _standing(scenario, "bp-early", PROPERTY)["membership"] == {"state": "never_joined", "changed_on": None}
    refused = [
        e["detail"]
        for e in scenario.bus_events()
        if e["detail-type"] == "Membership Changed" and e["detail"]["partner_id"] == "bp-early"
    ]
    assert refused and refused[-1]["granted"] is False
    assert "review_score" in refused[-1]["failing"] or "performance_score" in refused[-1]["failing"]
