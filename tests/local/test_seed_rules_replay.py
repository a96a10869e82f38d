"""Issue 9's cases sent as events through `standing replay` (the embedded pipeline: ingest, stream, schedules,
evaluate): each gives its seed's answer in out/evaluations.jsonl."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from standing_local.cli import main

KK, BK, RD, TK = "kkday-trusted-partner", "booking-preferred-property", "booking-rides-preferred", "tiki-trusted-store"
_ids = itertools.count(1)


def ev(type_name: str, partner: str, at: datetime, /, **data: Any) -> dict[str, Any]:
    return {"event_id": f"r-{next(_ids):05d}", "type": type_name, "partner_id": partner,
            "occurred_at": at.isoformat(), "data": data}  # fmt: skip


def profile(partner: str, program: str, at: str, **attrs: Any) -> dict[str, Any]:
    data = {"name": partner, "email": f"{partner}@example.com", "locale": "en", "region": "VN", "category": "general",
            "self_managed": True, "store_opened_at": "2022-01-01", "first_sale_at": "2022-01-05",
            "programs": [program], **attrs}  # fmt: skip
    return ev("partner.profile", partner, datetime.fromisoformat(at), **data)


def orders(partner: str, first: str, count: int, due: timedelta, *then: tuple[str, timedelta, dict[str, Any]],
           step: timedelta = timedelta(hours=3)) -> list[dict[str, Any]]:  # fmt: skip
    out = []
    start = datetime.fromisoformat(first)
    for n in range(count):
        at, order_id = start + n * step, f"{partner}-{next(_ids)}"
        out.append(ev("order.placed", partner, at, order_id=order_id, buyer_id=f"{partner}-b{n}",
                      due_by=(at + due).isoformat()))  # fmt: skip
        out += [ev(kind, partner, at + delay, order_id=order_id, **data) for kind, delay, data in then]
    return out


def history() -> list[dict[str, Any]]:
    confirmed, fulfilled = ("order.confirmed", timedelta(hours=1), {}), ("order.fulfilled", timedelta(hours=10), {})
    completed = ("order.completed", timedelta(minutes=50), {})
    events = [
        # 1. Tiki: 60 high-value orders confirmed, never fulfilled, all past due at 00:00 on 1 October.
        profile("tk-late", TK, "2024-06-20T09:00:00+07:00", category="high_value"),
        *orders("tk-late", "2024-08-01T09:00:00+07:00", 60, timedelta(days=2), confirmed),
        # 2. Rides: 100 completed rides and 5 driver no-shows (never completed) in July.
        profile("rd-noshow", RD, "2024-06-20T09:00:00+02:00", region="NL"),
        *orders("rd-noshow", "2024-07-02T08:00:00+02:00", 100, timedelta(hours=1), completed),
        *orders(
            "rd-noshow",
            "2024-07-20T08:00:00+02:00",
            5,
            timedelta(hours=1),
            ("ride.incident", timedelta(minutes=30), {"kind": "no_show"}),
        ),
        # 3. Rides in the US: 3 declines of 200 offers (1.5%) fail the published < 1%.
        profile("rd-us", RD, "2024-06-20T09:00:00-05:00", region="US"),
        *orders("rd-us", "2024-07-02T08:00:00+02:00", 197, timedelta(hours=1), completed, step=timedelta(hours=2)),
        *orders(
            "rd-us", "2024-07-25T08:00:00+02:00", 3, timedelta(hours=1), ("order.declined", timedelta(minutes=2), {})
        ),
        # 4. KKday: 100 orders in July, 6 cancelled by the customer before due_by, the rest confirmed on time.
        profile("kk-cancel", KK, "2024-06-20T09:00:00+08:00", region="TW"),
        *orders("kk-cancel", "2024-07-02T08:00:00+08:00", 94, timedelta(hours=24), confirmed),
        *orders(
            "kk-cancel",
            "2024-07-20T08:00:00+08:00",
            6,
            timedelta(hours=24),
            ("order.cancelled", timedelta(hours=3), {"cause": "customer"}),
        ),
        # 5. Tiki: the seed's own spelling of a high-value category.
        profile("tk-dash", TK, "2024-06-20T09:00:00+07:00", category="Electronics – Refrigeration"),
        # 6. Booking: scores reported in May, nothing since; another property reports "Competitive" in September.
        profile("bk-stale", BK, "2024-05-01T09:00:00+02:00", region="NL"),
        ev(
            "score.reported",
            "bk-stale",
            datetime.fromisoformat("2024-05-02T09:00:00+02:00"),
            metric="performance_score",
            value=95,
        ),
        ev(
            "score.reported",
            "bk-stale",
            datetime.fromisoformat("2024-05-02T09:00:01+02:00"),
            metric="price_competitiveness",
            value="competitive",
        ),
        profile("bk-case", BK, "2024-06-20T09:00:00+02:00", region="NL"),
        ev(
            "score.reported",
            "bk-case",
            datetime.fromisoformat("2024-09-10T09:00:00+02:00"),
            metric="price_competitiveness",
            value="Competitive",
        ),
        # 7. Booking: a property that never joined, and one that joined and left.
        profile("bk-never", BK, "2024-06-20T09:00:00+02:00", region="NL"),
        profile("bk-left", BK, "2024-06-20T09:00:00+02:00", region="NL"),
        ev("program.opted_out", "bk-left", datetime.fromisoformat("2024-08-13T00:30:00+02:00"), program_id=BK),
        # 8. Tiki: opened long ago, no sale yet; and one whose first sale Standing sees on 2 September.
        profile("tk-nosale", TK, "2024-06-20T09:00:00+07:00", first_sale_at=None),
        profile("tk-firstsale", TK, "2024-06-20T09:00:00+07:00", first_sale_at=None),
        *orders("tk-firstsale", "2024-09-02T10:00:00+07:00", 1, timedelta(days=2), confirmed, fulfilled),
    ]
    for event in events:  # a profile without a first sale leaves the field out
        if event["type"] == "partner.profile" and event["data"].get("first_sale_at") is None:
            event["data"].pop("first_sale_at", None)
    return events


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    folder = tmp_path_factory.mktemp("seed-replay")
    source = folder / "events.jsonl"
    source.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in history()), encoding="utf-8")
    out = folder / "out"
    assert main(["replay", str(source), "--until", "2024-10-02", "--out", str(out), "--projection-every", "30"]) == 0
    assert (out / "rejected.jsonl").read_text(encoding="utf-8") == ""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for line in Path(out / "evaluations.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        latest[(record["partner_id"], record["period"]["start"])] = record
    return latest


def test_tiki_unprocessed_orders_past_due_are_late(records):
    late = records[("tk-late", "2024-07-01")]["metrics"]["late_fulfillment_rate"]
    assert (late["numerator"], late["denominator"], late["outcome"]) == (60, 60, "fail")


def test_rides_no_shows_count_over_bookings(records):
    incident = records[("rd-noshow", "2024-07-01")]["metrics"]["incident_rate"]
    assert (incident["numerator"], incident["denominator"], incident["outcome"]) == (5, 105, "fail")


def test_rides_published_decline_rate_in_the_us(records):
    decline = records[("rd-us", "2024-07-01")]["metrics"]["decline_rate"]
    assert (decline["value"], decline["threshold"], decline["outcome"]) == (0.015, 0.01, "fail")


def test_kkday_customer_cancellations_leave_the_confirmation_rate(records):
    confirmation = records[("kk-cancel", "2024-07-01")]["metrics"]["order_confirmation_rate"]
    assert (confirmation["numerator"], confirmation["denominator"], confirmation["outcome"]) == (94, 94, "pass")


def test_tiki_en_dash_category_is_high_value(records):
    record = records[("tk-dash", "2024-07-01")]
    assert record["segment"] == "high_value"
    assert record["metrics"]["successful_orders"]["threshold"] == 50


def test_booking_scores_only_count_within_the_cycle(records):
    stale = records[("bk-stale", "2024-06-29")]["metrics"]["performance_score"]
    assert (stale["outcome"], stale["reason"]) == ("fail", "no score reported in the last 90 days")
    assert records[("bk-case", "2024-06-29")]["metrics"]["price_competitiveness"]["outcome"] == "pass"


def test_booking_never_joined_and_left(records):
    assert records[("bk-never", "2024-06-29")]["membership"] == {"state": "never_joined", "changed_on": None}
    assert records[("bk-left", "2024-06-29")]["membership"] == {"state": "opted_out", "changed_on": "2024-08-13"}


def test_tiki_store_lifetime_from_the_first_sale(records):
    no_sale = records[("tk-nosale", "2024-07-01")]["metrics"]["store_lifetime_days"]
    assert (no_sale["value"], no_sale["outcome"], no_sale["reason"]) == (0, "fail", "no successful sale yet")
    first = records[("tk-firstsale", "2024-07-01")]["metrics"]["store_lifetime_days"]
    assert (first["value"], first["outcome"]) == (29, "fail")  # 2 September to 1 October
