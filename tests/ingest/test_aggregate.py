"""Stored events -> entities -> daily aggregates, through moto's real EventsTable stream."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from standing import config
from tests.ingest.conftest import Pipeline, event, profile

TAIPEI = "Asia/Taipei"
AMS = "Europe/Amsterdam"
HCM = "Asia/Ho_Chi_Minh"
KK = "kkday-trusted-partner"
RIDES = "booking-rides-preferred"
TIKI = "tiki-trusted-store"


def placed(event_id: str, order: str, at: str, due: str = "2024-07-03T00:00:00Z", buyer: str = "b1", **kw):
    return event(event_id, "order.placed", at, order_id=order, buyer_id=buyer, due_by=due, **kw)


def test_order_lifecycle_counts_on_the_placed_day(pipeline: Pipeline) -> None:
    pipeline.send(
        [
            profile("prof", "2024-06-01T00:00:00Z", [KK]),
            placed("o1p", "o1", "2024-07-01T10:00:00+08:00", due="2024-07-01T12:00:00+08:00"),
            event("o1c", "order.confirmed", "2024-07-01T11:00:00+08:00", order_id="o1"),
            placed("o2p", "o2", "2024-07-01T13:00:00+08:00", due="2024-07-01T14:00:00+08:00", buyer="b2"),
            event("o2c", "order.confirmed", "2024-07-02T11:00:00+08:00", order_id="o2"),
            event("o2x", "order.cancelled", "2024-07-03T11:00:00+08:00", order_id="o2", cause="partner"),
        ]
    )
    day = pipeline.day("p1", TAIPEI, "2024-07-01")
    assert day is not None
    assert day.counts == {
        "orders_placed": 2,
        "orders_confirmed": 2,
        "orders_confirmed_on_time": 1,
        "orders_successful": 1,
        "orders_cancelled": 1,
        "orders_cancelled_partner": 1,
        "orders_accepted": 2,
        "orders_confirmation_due": 2,
    }
    assert day.sets == {"successful_buyers": frozenset({"b1"})}
    assert day.events == 6 - 1  # the profile is not a day's event
    assert pipeline.day("p1", TAIPEI, "2024-07-03") is None  # the cancel counts on the placed day only


def test_cancel_before_place_folds_to_the_same_state(pipeline: Pipeline) -> None:
    pipeline.send([profile("prof", "2024-06-01T00:00:00Z", [KK])])
    pipeline.send([event("x", "order.cancelled", "2024-07-02T00:00:00Z", order_id="o1", cause="customer")])
    assert pipeline.days("p1") == {}  # nothing placed yet: nothing counts
    pipeline.send([placed("p", "o1", "2024-07-01T00:00:00Z")])
    day = pipeline.day("p1", TAIPEI, "2024-07-01")
    assert day is not None
    # cancelled by the customer before its due_by and never confirmed: not due for confirmation (KKday)
    assert day.counts == {
        "orders_placed": 1,
        "orders_cancelled": 1,
        "orders_cancelled_customer": 1,
        "orders_accepted": 1,
    }


def test_reply_before_receipt_and_late_reply_update_the_received_day(pipeline: Pipeline) -> None:
    pipeline.send([profile("prof", "2024-06-01T00:00:00Z", [KK])])
    # m1: the reply arrives before its message; m2: the reply comes three days later.
    pipeline.send(
        [event("r1", "message.replied", "2024-07-01T05:00:00Z", thread_id="t", message_id="r1m", in_reply_to="m1")]
    )
    pipeline.send(
        [
            event("m1", "message.received", "2024-07-01T01:00:00Z", thread_id="t", message_id="m1"),
            event("m2", "message.received", "2024-07-01T02:00:00Z", thread_id="t", message_id="m2"),
        ]
    )
    day = pipeline.day("p1", TAIPEI, "2024-07-01")
    assert day is not None
    assert day.counts == {
        "messages_received": 2,
        "messages_replied": 1,
        "messages_replied_within_12h": 1,
        "messages_replied_within_24h": 1,
    }
    pipeline.send(
        [event("r2", "message.replied", "2024-07-04T02:00:00Z", thread_id="t", message_id="r2m", in_reply_to="m2")]
    )
    day = pipeline.day("p1", TAIPEI, "2024-07-01")
    assert day is not None
    assert day.counts["messages_replied"] == 2
    assert day.counts["messages_replied_within_12h"] == 1
    assert pipeline.day("p1", TAIPEI, "2024-07-04") is None


def test_voided_event_leaves_every_metric(pipeline: Pipeline) -> None:
    pipeline.send(
        [
            profile("prof", "2024-06-01T00:00:00Z", [TIKI]),
            placed("o1p", "o1", "2024-07-01T03:00:00Z"),
            event("o1c", "order.confirmed", "2024-07-01T04:00:00Z", order_id="o1"),
            event("o1x", "order.cancelled", "2024-07-01T05:00:00Z", order_id="o1", cause="partner"),
            event("rv", "review.submitted", "2024-07-01T06:00:00Z", review_id="r1", rating=2, scale=5),
        ]
    )
    before = pipeline.day("p1", HCM, "2024-07-01")
    assert before is not None and before.counts["orders_cancelled_partner"] == 1
    pipeline.send(
        [
            event("v1", "event.voided", "2024-07-10T00:00:00Z", voided_event_id="o1x", reason="dispute upheld"),
            event("v2", "event.voided", "2024-07-10T00:00:00Z", voided_event_id="rv", reason="fake review"),
        ]
    )
    after = pipeline.day("p1", HCM, "2024-07-01")
    assert after is not None
    assert after.counts == {
        "orders_placed": 1,
        "orders_confirmed": 1,
        "orders_confirmed_on_time": 1,
        "orders_successful": 1,
        "orders_accepted": 1,
        "orders_confirmation_due": 1,
    }
    assert after.sums == {} and after.sets == {"successful_buyers": frozenset({"b1"})}
    assert after.events == 2


def test_void_arriving_before_its_event(pipeline: Pipeline) -> None:
    pipeline.send([profile("prof", "2024-06-01T00:00:00Z", [TIKI])])
    pipeline.send([event("v1", "event.voided", "2024-07-10T00:00:00Z", voided_event_id="o1x", reason="dispute")])
    pipeline.send(
        [
            placed("o1p", "o1", "2024-07-01T03:00:00Z"),
            event("o1x", "order.cancelled", "2024-07-01T05:00:00Z", order_id="o1", cause="partner"),
        ]
    )
    day = pipeline.day("p1", HCM, "2024-07-01")
    assert day is not None
    assert day.counts == {"orders_placed": 1, "orders_accepted": 1, "orders_confirmation_due": 1}
    # the cancel was voided: the order is open again, and its deadline is kept for the evaluation instant to judge
    assert day.deadlines == {"open_orders_due": ("2024-07-03T00:00:00.000000Z",)}


def test_day_boundaries_follow_each_program_time_zone(pipeline: Pipeline) -> None:
    # 2024-06-30T23:30Z is 07:30 on July 1st in Taipei and Ho Chi Minh City (06:30), 01:30 on July 1st in Amsterdam;
    # 2024-07-01T16:30Z is 00:30 on July 2nd in Taipei, 23:30 on July 1st in Ho Chi Minh City, 18:30 in Amsterdam.
    pipeline.send(
        [
            profile("prof", "2024-06-01T00:00:00Z", [KK, RIDES, TIKI]),
            placed("a", "o1", "2024-06-30T23:30:00Z"),
            placed("b", "o2", "2024-07-01T16:30:00Z"),
            placed("c", "o3", "2024-06-30T21:59:59Z"),  # 23:59:59 June 30th in Amsterdam (CEST)
        ]
    )
    days = {k: v["counts"]["orders_placed"] for k, v in pipeline.days("p1").items()}
    assert days == {
        f"{TAIPEI}/2024-07-01": 2,  # a, and c (05:59:59 July 1st in Taipei)
        f"{TAIPEI}/2024-07-02": 1,  # b
        f"{HCM}/2024-07-01": 3,
        f"{AMS}/2024-06-30": 1,  # c
        f"{AMS}/2024-07-01": 2,  # a, b
    }


def test_unique_buyers_exact_and_reviews_and_scores(pipeline: Pipeline) -> None:
    pipeline.send(
        [
            profile("prof", "2024-06-01T00:00:00Z", ["booking-preferred-property"]),
            placed("a", "o1", "2024-07-01T10:00:00Z", buyer="b1"),
            event("ac", "order.confirmed", "2024-07-01T10:05:00Z", order_id="o1"),
            placed("b", "o2", "2024-07-01T11:00:00Z", buyer="b1"),
            event("bc", "order.confirmed", "2024-07-01T11:05:00Z", order_id="o2"),
            event("r1", "review.submitted", "2024-07-01T12:00:00Z", review_id="r1", rating=8.5, scale=10),
            event("r2", "review.submitted", "2024-07-01T13:00:00Z", review_id="r2", rating=7, scale=10),
            event("s1", "score.reported", "2024-07-01T14:00:00Z", metric="performance_score", value=72.5),
            event("s2", "score.reported", "2024-07-01T15:00:00Z", metric="performance_score", value=71),
        ]
    )
    day = pipeline.day("p1", AMS, "2024-07-01")
    assert day is not None
    assert day.sets["successful_buyers"] == frozenset({"b1"})
    assert day.counts["reviews_10"] == 2 and day.sums["rating_sum_10"] == Decimal("15.5")
    assert day.scores["performance_score"].value == "71"


def test_risk_flags_open_and_close_in_any_order(pipeline: Pipeline) -> None:
    pipeline.send([event("c1", "risk.flag_cleared", "2024-07-02T00:00:00Z", flag="fraud", case_id="k1")])
    pipeline.send(
        [
            event("f1", "risk.flag_raised", "2024-07-01T00:00:00Z", flag="fraud", case_id="k1"),
            event("f2", "risk.flag_raised", "2024-07-01T00:00:00Z", flag="counterfeit", case_id="k2"),
        ]
    )
    closed = pipeline.state("p1", "N#F#fraud#k1")
    still = pipeline.state("p1", "N#F#counterfeit#k2")
    assert closed is not None and closed["open"] is False
    assert still is not None and still["open"] is True
    pipeline.send([event("v", "event.voided", "2024-07-03T00:00:00Z", voided_event_id="c1", reason="error")])
    reopened = pipeline.state("p1", "N#F#fraud#k1")
    assert reopened is not None and reopened["open"] is True


def test_profile_enrolment_and_membership_latest_wins(pipeline: Pipeline) -> None:
    newer = profile("p-new", "2024-07-02T00:00:00Z", [TIKI], category="high_value")
    older = profile("p-old", "2024-07-01T00:00:00Z", [KK, TIKI], category="general")
    pipeline.send([newer])
    pipeline.send([older])
    stored = pipeline.state("p1", "PROFILE")
    assert stored is not None and stored["category"] == "high_value" and stored["programs"] == [TIKI]
    tiki = pipeline.state("p1", f"ENROL#{TIKI}")
    assert tiki is not None and tiki["enrolled"] is True and tiki["gsi1pk"].startswith(f"ENROL#{TIKI}#")
    assert tiki["gsi1sk"] == "p1"
    kk = pipeline.state("p1", f"ENROL#{KK}")
    assert kk is None or kk["enrolled"] is False
    pipeline.send([event("out", "program.opted_out", "2024-07-05T00:00:00Z", program_id=TIKI)])
    pipeline.send([event("in", "program.opted_in", "2024-07-04T00:00:00Z", program_id=TIKI)])
    tiki = pipeline.state("p1", f"ENROL#{TIKI}")
    assert tiki is not None and tiki["membership"] == "opted_out"
    # A later profile without the program ends the enrolment and leaves the GSI.
    pipeline.send([profile("p-3", "2024-07-06T00:00:00Z", [KK])])
    tiki = pipeline.state("p1", f"ENROL#{TIKI}")
    assert tiki is not None and tiki["enrolled"] is False and "gsi1pk" not in tiki
    kk = pipeline.state("p1", f"ENROL#{KK}")
    assert kk is not None and kk["enrolled"] is True


def test_events_before_the_profile_are_aggregated_when_it_arrives(pipeline: Pipeline) -> None:
    pipeline.send([placed("a", "o1", "2024-07-01T10:00:00Z"), placed("b", "o2", "2024-07-05T10:00:00Z")])
    assert pipeline.days("p1") == {}
    pipeline.send([profile("prof", "2024-06-01T00:00:00Z", [KK])])
    assert set(pipeline.days("p1")) == {f"{TAIPEI}/2024-07-01", f"{TAIPEI}/2024-07-05"}
    pipeline.send([profile("prof2", "2024-06-02T00:00:00Z", [KK, RIDES])])  # a new time zone: rebuilt
    assert set(pipeline.days("p1")) == {
        f"{TAIPEI}/2024-07-01",
        f"{TAIPEI}/2024-07-05",
        f"{AMS}/2024-07-01",
        f"{AMS}/2024-07-05",
    }


def test_rides_counters(pipeline: Pipeline) -> None:
    pipeline.send(
        [
            profile("prof", "2024-06-01T00:00:00Z", [RIDES]),
            placed("a", "r1", "2024-07-01T10:00:00Z"),
            event("a1", "order.completed", "2024-07-01T11:00:00Z", order_id="r1"),
            event("a2", "ride.incident", "2024-07-01T10:30:00Z", order_id="r1", kind="delay"),
            event("a3", "ride.driver_event", "2024-07-01T10:20:00Z", order_id="r1"),
            placed("b", "r2", "2024-07-01T12:00:00Z"),
            event("b1", "order.declined", "2024-07-01T12:01:00Z", order_id="r2"),
            placed("c", "r3", "2024-07-01T13:00:00Z", due="2024-07-01T13:30:00Z"),
            event("c1", "order.fulfilled", "2024-07-01T14:00:00Z", order_id="r3"),
            # a driver no-show: the booking never completes, and still has an incident
            placed("d", "r4", "2024-07-01T15:00:00Z", due="2024-07-01T15:30:00Z"),
            event("d1", "ride.incident", "2024-07-01T15:40:00Z", order_id="r4", kind="no_show"),
            event("d2", "order.cancelled", "2024-07-01T16:00:00Z", order_id="r4", cause="partner"),
        ]
    )
    day = pipeline.day("p1", AMS, "2024-07-01")
    assert day is not None
    assert day.counts == {
        "orders_placed": 4,
        "orders_accepted": 3,  # placed and not declined: the incident rate's denominator
        "orders_with_incident": 2,  # the delay and the no-show
        "orders_completed": 1,
        "completed_with_driver_event": 1,
        "orders_declined": 1,
        "orders_fulfilled": 1,
        "orders_fulfilled_late": 1,
        "orders_cancelled": 1,
        "orders_cancelled_partner": 1,
        "orders_confirmation_due": 4,
    }


def test_activity_events_are_kept_as_long_as_their_windows_need(pipeline: Pipeline) -> None:
    """Nothing is derived per event: the order lives only as its stored events, which expire when no window reads
    them any more (400 days for the fixture's RAW_EVENT_TTL_DAYS); the day is folded from them on read."""
    pipeline.send([profile("prof", "2024-06-01T00:00:00Z", [KK]), placed("a", "o1", "2024-07-01T10:00:00Z")])
    key = {"pk": {"S": "P#p1"}, "sk": {"S": "2024-07-01#a"}}
    expiry = int(pipeline.ddb.get_item(TableName=config.events_table(), Key=key)["Item"]["x"]["N"])
    assert expiry == int(datetime(2024, 7, 1, 10, tzinfo=UTC).timestamp()) + 400 * 86400
    assert pipeline.state("p1", "N#O#o1") is None and pipeline.state("p1", f"A#{TAIPEI}#2024-07-01") is None
    day = pipeline.day("p1", TAIPEI, "2024-07-01")
    assert day is not None and day.counts["orders_placed"] == 1
