"""Each built-in program end to end through the real handlers: events in, the template's schedule fired at
its local time, records, standing, bus events and emails out; reruns change nothing."""

from datetime import datetime, timedelta

from tests.evaluate.conftest import event, order_placed, profile

TAIPEI = "Asia/Taipei"


def _kkday_partner(partner: str, day: str, orders: int, partner_cancels: int, reply_hours: float) -> list[dict]:
    events = []
    base = datetime.fromisoformat(f"{day}T10:00:00+08:00")
    for n in range(orders):
        placed = base + timedelta(minutes=n)
        order = f"{partner}-{day}-{n}"
        events.append(order_placed(partner, placed, order, f"b{n}", timedelta(hours=24)))
        if n < partner_cancels:
            events.append(
                event(
                    "order.cancelled",
                    partner,
                    (placed + timedelta(hours=2)).isoformat(),
                    order_id=order,
                    cause="partner",
                )
            )
        else:
            events.append(event("order.confirmed", partner, (placed + timedelta(hours=1)).isoformat(), order_id=order))
    for n in range(10):
        received = base + timedelta(hours=1, minutes=n)
        events.append(
            event(
                "message.received", partner, received.isoformat(), thread_id=f"t{n}", message_id=f"{partner}-{day}-m{n}"
            )
        )
        events.append(
            event(
                "message.replied",
                partner,
                (received + timedelta(hours=reply_hours)).isoformat(),
                thread_id=f"t{n}",
                message_id=f"{partner}-{day}-r{n}",
                in_reply_to=f"{partner}-{day}-m{n}",
            )
        )
    return events


def test_kkday_july_2024_is_judged_on_4_august_taipei_time_and_a_rerun_changes_nothing(scenario):
    program = ["kkday-trusted-partner"]
    scenario.post(
        [
            profile("kk-good", "2024-06-01T09:00:00+08:00", program, locale="zh-TW"),
            profile("kk-poor", "2024-06-01T09:00:00+08:00", program),
            profile("kk-managed", "2024-06-01T09:00:00+08:00", program, self_managed=False),
        ]
    )
    # The adjustment period (2024-06-20..30) is full of partner cancellations that must not count.
    scenario.post(_kkday_partner("kk-good", "2024-06-25", orders=10, partner_cancels=10, reply_hours=30))
    scenario.post(_kkday_partner("kk-good", "2024-07-10", orders=20, partner_cancels=0, reply_hours=1))
    scenario.post(_kkday_partner("kk-poor", "2024-07-10", orders=20, partner_cancels=5, reply_hours=20))
    scenario.post(_kkday_partner("kk-managed", "2024-07-10", orders=20, partner_cancels=0, reply_hours=1))

    scenario.fire("KkdayTrustedPartnerSchedule", "2024-07-04T00:00", TAIPEI)  # before the first evaluation
    assert scenario.records("kk-good") == []

    scenario.fire("KkdayTrustedPartnerSchedule", "2024-08-04T00:00", TAIPEI)
    good = scenario.records("kk-good", "kkday-trusted-partner")
    assert len(good) == 1
    record = good[0]
    assert record["period"] == {"start": "2024-07-01", "end": "2024-07-31"}
    assert record["evaluated_at"].startswith("2024-08-03T16:00:00")
    assert record["status"] == "awarded"
    assert record["metrics"]["partner_cancellation_rate"]["numerator"] == 0  # June's cancellations ignored
    assert record["metrics"]["partner_cancellation_rate"]["denominator"] == 20
    assert record["metrics"]["message_response_rate"]["value"] == 1.0
    assert record["valid_until"] is not None

    poor = scenario.records("kk-poor")[0]
    assert poor["status"] == "not_awarded"
    # Orders the partner cancelled were never confirmed either: three metrics fail.
    assert set(poor["failing"]) == {"message_response_rate", "partner_cancellation_rate", "order_confirmation_rate"}
    assert "ranking_demotion" in poor["consequences"]
    assert scenario.records("kk-managed")[0]["status"] == "ineligible"

    assert scenario.count("Partner Evaluated") == 3
    emails = scenario.emails()
    assert emails == 3

    status, standing = scenario.stack.request("GET", "/partners/kk-good/standing")
    assert status == 200
    assert standing["programs"]["kkday-trusted-partner"]["status"] == "awarded"

    # The same schedule fired again (a Scheduler retry, an operator rerun): same records, nothing published.
    scenario.fire("KkdayTrustedPartnerSchedule", "2024-08-04T00:00", TAIPEI)
    assert scenario.records("kk-good", "kkday-trusted-partner") == good
    assert scenario.count("Partner Evaluated") == 3
    assert scenario.emails() == emails


def test_delisting_warning_after_three_consecutive_demotions(scenario):
    scenario.post([profile("kk-bad", "2024-06-01T09:00:00+08:00", ["kkday-trusted-partner"])])
    for month, fire in (("2024-07-10", "2024-08-04"), ("2024-08-10", "2024-09-04"), ("2024-09-10", "2024-10-04")):
        scenario.post(_kkday_partner("kk-bad", month, orders=20, partner_cancels=5, reply_hours=20))
        scenario.fire("KkdayTrustedPartnerSchedule", f"{fire}T00:00", TAIPEI)
    newest, middle, oldest = scenario.records("kk-bad", "kkday-trusted-partner")
    assert "delisting_warning" not in oldest["consequences"]
    assert "delisting_warning" not in middle["consequences"]
    assert set(newest["consequences"]) >= {"ranking_demotion", "delisting_warning"}
