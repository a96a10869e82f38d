"""The simulated clock fires schedules when EventBridge Scheduler would: local wall time, DST, rate anchors."""

from datetime import UTC, datetime

import pytest

from standing_local.clock import occurrences


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_kkday_fires_at_midnight_taipei_on_the_4th():
    times = occurrences("cron(0 0 4 * ? *)", "Asia/Taipei", utc(2024, 7, 5), utc(2024, 9, 5))
    assert times == [utc(2024, 8, 3, 16), utc(2024, 9, 3, 16)]


def test_amsterdam_midnight_follows_daylight_saving_time():
    times = occurrences("cron(0 0 1 * ? *)", "Europe/Amsterdam", utc(2024, 9, 15), utc(2024, 12, 15))
    # CEST (+02:00) on 1 October, CET (+01:00) from November.
    assert times == [utc(2024, 9, 30, 22), utc(2024, 10, 31, 23), utc(2024, 11, 30, 23)]


def test_rate_schedules_step_from_their_start_date():
    start = utc(2023, 12, 31, 23)
    times = occurrences("rate(90 days)", "Europe/Amsterdam", utc(2024, 6, 1), utc(2024, 12, 31), anchor=start)
    assert times == [utc(2024, 6, 28, 23), utc(2024, 9, 26, 23), utc(2024, 12, 25, 23)]


def test_window_is_half_open_and_ordered():
    times = occurrences("cron(0 2 * * ? *)", "UTC", utc(2024, 1, 1, 2), utc(2024, 1, 3, 2))
    assert times == [utc(2024, 1, 2, 2), utc(2024, 1, 3, 2)]


def test_rejects_what_scheduler_would_reject():
    with pytest.raises(ValueError):
        occurrences("every day", "UTC", utc(2024, 1, 1), utc(2024, 2, 1))
    with pytest.raises(ValueError):
        occurrences("cron(0 0 1 * ? *)", "UTC", datetime(2024, 1, 1), utc(2024, 2, 1))
