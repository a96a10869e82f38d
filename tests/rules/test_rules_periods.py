"""Period arithmetic in the program's time zone: calendar months, rolling days, every-N-days cadences, DST and
month lengths, first evaluations and excluded days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from standing.rules.periods import Period, Window, add_months, month_end
from tests.rules.builders import BOOKING, KKDAY, REGIONAL, RIDES, TIKI, local


def P(a: str, b: str) -> Period:
    return Period(date.fromisoformat(a), date.fromisoformat(b))


def test_kkday_first_evaluation_judges_july_2024():
    first = local(KKDAY, 2024, 8, 4)
    assert KKDAY.first_evaluation == first
    assert KKDAY.period_for(first) == P("2024-07-01", "2024-07-31")
    # before launch the next evaluation is the first one, never 2024-07-04
    assert KKDAY.next_evaluation_after(datetime(2024, 6, 25, tzinfo=UTC)) == first
    assert KKDAY.next_evaluation_after(first) == local(KKDAY, 2024, 9, 4)
    assert KKDAY.current_period(datetime(2024, 7, 15, tzinfo=UTC)) == P("2024-07-01", "2024-07-31")


def test_monthly_in_local_time():
    # 00:00 on the 4th in Taipei is 16:00 UTC on the 3rd
    assert KKDAY.next_evaluation_after(datetime(2024, 9, 3, 15, 59, tzinfo=UTC)) == datetime(2024, 9, 3, 16, tzinfo=UTC)
    assert KKDAY.next_evaluation_after(datetime(2024, 9, 3, 16, 0, tzinfo=UTC)) == datetime(2024, 10, 3, 16, tzinfo=UTC)
    # an instant on the 3rd UTC that is already the 4th in Taipei judges last month
    assert KKDAY.period_for(datetime(2024, 3, 3, 17, tzinfo=UTC)) == P("2024-02-01", "2024-02-29")
    assert KKDAY.period_for(datetime(2025, 3, 4, tzinfo=UTC)) == P("2025-02-01", "2025-02-28")
    assert KKDAY.period_for(local(KKDAY, 2025, 1, 4)) == P("2024-12-01", "2024-12-31")


def test_tiki_previous_three_months():
    assert TIKI.period_for(local(TIKI, 2024, 3, 1)) == P("2023-12-01", "2024-02-29")
    assert TIKI.period_for(local(TIKI, 2024, 8, 1)) == P("2024-05-01", "2024-07-31")
    assert TIKI.next_evaluation_after(local(TIKI, 2024, 8, 1)) == local(TIKI, 2024, 9, 1)
    # the period in progress on 10 August is the one judged on 1 September
    assert TIKI.current_period(local(TIKI, 2024, 8, 10, 9)) == P("2024-06-01", "2024-08-31")


def test_rides_across_dst():
    # Amsterdam: CET (+1) in winter, CEST (+2) from the last Sunday of March
    assert local(RIDES, 2024, 3, 1) == datetime(2024, 2, 29, 23, tzinfo=UTC)
    assert local(RIDES, 2024, 4, 1) == datetime(2024, 3, 31, 22, tzinfo=UTC)
    assert RIDES.next_evaluation_after(datetime(2024, 3, 15, tzinfo=UTC)) == datetime(2024, 3, 31, 22, tzinfo=UTC)
    assert RIDES.next_evaluation_after(datetime(2024, 10, 15, tzinfo=UTC)) == datetime(2024, 10, 31, 23, tzinfo=UTC)
    assert RIDES.period_for(datetime(2024, 3, 31, 22, tzinfo=UTC)) == P("2024-03-01", "2024-03-31")


def test_every_90_days_across_dst_and_rate_drift():
    start = BOOKING.schedule.start_at
    assert start == datetime(2023, 12, 31, 23, tzinfo=UTC)  # 2024-01-01 00:00 Amsterdam
    second = BOOKING.next_evaluation_after(start)
    # 90 local days later is 2024-03-31, the day DST starts at 02:00: midnight is still +01:00
    assert second == local(BOOKING, 2024, 3, 31) == datetime(2024, 3, 30, 23, tzinfo=UTC)
    assert BOOKING.period_for(second) == P("2024-01-01", "2024-03-30")
    third = BOOKING.next_evaluation_after(second)
    assert third == local(BOOKING, 2024, 6, 29) == datetime(2024, 6, 28, 22, tzinfo=UTC)  # summer time
    assert BOOKING.period_for(third) == P("2024-03-31", "2024-06-28")
    # AWS rate(90 days) fires every 90*24 h: an hour *after* local midnight in summer; a schedule started in
    # summer fires an hour *before* local midnight in winter. Both judge the scheduled period.
    drifted = start + timedelta(days=180)
    assert drifted - third == timedelta(hours=1)
    assert BOOKING.period_for(drifted) == BOOKING.period_for(third)
    assert BOOKING.period_for(third - timedelta(hours=1)) == BOOKING.period_for(third)
    assert BOOKING.next_evaluation_after(third - timedelta(hours=1)) == third
    assert BOOKING.next_evaluation_after(third) == local(BOOKING, 2024, 9, 27)


def test_window_ending_now_and_query_range():
    now = local(BOOKING, 2024, 5, 10, 15)
    window = BOOKING.window_ending(now)
    assert window == P("2024-02-11", "2024-05-10") and window.days == 90
    first, last = BOOKING.query_range(P("2024-01-01", "2024-03-30"))
    assert (first, last) == (date(2023, 4, 1), date(2024, 3, 30))  # reviews: 365 days (leap year)
    assert KKDAY.query_range(P("2024-07-01", "2024-07-31")) == (date(2024, 7, 1), date(2024, 7, 31))
    # Only the review score looks back a year: everything but reviews is needed from the period's start.
    assert BOOKING.activity_from(P("2024-01-01", "2024-03-30")) == date(2024, 1, 1)
    assert KKDAY.activity_from(P("2024-07-01", "2024-07-31")) == date(2024, 7, 1)
    assert Window("calendar_months", 3).period_ending_on(date(2024, 8, 10)) == P("2024-06-01", "2024-08-10")


def test_version_in_force_when_evaluated():
    assert REGIONAL.version_at(local(REGIONAL, 2024, 12, 1)).version == "2024.1"
    # December 2024 is judged on 2025-01-01 by the version then in force (the example program's dated versions)
    assert REGIONAL.version_at(local(REGIONAL, 2025, 1, 1)).version == "2025.1"
    assert REGIONAL.version_at(local(REGIONAL, 2025, 1, 1) - timedelta(seconds=1)).version == "2024.1"


def test_counting_starts_and_exclusions():
    assert not KKDAY.counts_day(date(2024, 6, 25), "TW")
    assert not KKDAY.counts_day(date(2024, 6, 30), None)
    assert KKDAY.counts_day(date(2024, 7, 1), None)


def test_month_helpers():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 1)
    assert add_months(date(2024, 1, 15), -1) == date(2023, 12, 1)
    assert month_end(date(2023, 2, 10)) == date(2023, 2, 28)
    assert month_end(date(2024, 2, 10)) == date(2024, 2, 29)
    assert month_end(date(2024, 12, 1)) == date(2024, 12, 31)


@pytest.mark.parametrize("program", [KKDAY, TIKI, RIDES, BOOKING], ids=lambda p: p.id)
@settings(max_examples=60, deadline=None)
@given(moment=st.datetimes(min_value=datetime(2024, 9, 1), max_value=datetime(2030, 12, 31)))
def test_schedule_properties(program, moment):
    when = moment.replace(tzinfo=UTC)
    nxt = program.next_evaluation_after(when)
    assert nxt > when
    assert program.schedule.is_scheduled(nxt)
    # round trip: the period an evaluation judges ends the local day before it (or at the previous month end)
    period = program.period_for(nxt)
    evaluation_day = nxt.astimezone(program.tz).date()
    assert period.end < evaluation_day
    assert period.start <= period.end
    if program.window.kind == "calendar_months":
        assert period.start.day == 1 and period.end == month_end(period.end)
        assert period.end == evaluation_day.replace(day=1) - timedelta(days=1)
    else:
        assert period.days == program.window.length and period.end == evaluation_day - timedelta(days=1)
    # consecutive scheduled evaluations judge consecutive periods when the window matches the cadence
    following = program.period_for(program.next_evaluation_after(nxt))
    if program in (KKDAY, RIDES, BOOKING):
        assert following.start == period.end + timedelta(days=1)
    # and back: from the period to the evaluation that judges it
    assert program.evaluation_of(period) == nxt
    # the period in progress is the one the next evaluation judges (between the 1st and the 4th, KKday's is
    # last month: complete, not yet judged)
    assert program.current_period(when) == period


def test_a_long_window_that_reads_more_than_ratings_needs_every_event_that_far_back():
    from dataclasses import replace

    from standing.rules.schema import reads_ratings_only

    review_score = next(m for v in BOOKING.versions for m in v.metrics if m.id == "review_score")
    assert reads_ratings_only(review_score)
    widened = replace(review_score, id="bookings", kind="count", sum=None, count="orders_placed")
    assert not reads_ratings_only(widened)
    version = replace(BOOKING.versions[0], metrics=(*BOOKING.versions[0].metrics, widened))
    program = replace(BOOKING, versions=(version,))
    assert program.activity_from(P("2024-01-01", "2024-03-30")) == date(2023, 4, 1)


def test_the_history_an_evaluation_reads_is_what_the_ladder_can_look_at():
    assert KKDAY.history_needed == 2  # a delisting warning after 3 consecutive periods failing 2 or more metrics
    assert BOOKING.history_needed == 0
