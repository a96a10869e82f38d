"""When EventBridge Scheduler would fire a schedule: AWS cron and rate expressions in the schedule's time zone.

Cron fields are parsed by pyawscron, which works on UTC wall clocks; a schedule in another zone is matched on its
local wall clock and each match is then placed in that zone (as Scheduler does), so "00:00 on the 4th in
Asia/Taipei" lands at 16:00 UTC on the 3rd, and a Europe/Amsterdam midnight follows daylight saving time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pyawscron import AWSCron

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNIT = {"minute": 60, "hour": 3600, "day": 86400}


def occurrences(
    expression: str, time_zone: str, start: datetime, until: datetime, anchor: datetime | None = None
) -> list[datetime]:
    """Every firing in (start, until], as UTC instants, ascending. `anchor` is the schedule's StartDate."""
    if start.tzinfo is None or until.tzinfo is None:
        raise ValueError("start and until must be aware datetimes")
    if rate := _RATE.match(expression):
        step = timedelta(seconds=int(rate.group(1)) * _UNIT[rate.group(2).rstrip("s")])
        first = anchor or start
        if first <= start:
            first += step * ((start - first) // step + 1)
        times = []
        at = first
        while at <= until:
            times.append(at.astimezone(UTC))
            at += step
        return times
    if cron := _CRON.match(expression):
        zone = ZoneInfo(time_zone)
        local_start = start.astimezone(zone).replace(tzinfo=UTC)
        local_until = until.astimezone(zone).replace(tzinfo=UTC)
        matches = AWSCron.get_all_schedule_bw_dates(local_start, local_until, cron.group(1), exclude_ends=False)
        times = [m.replace(tzinfo=zone).astimezone(UTC) for m in matches]
        return [t for t in times if start < t <= until and (anchor is None or t >= anchor)]
    raise ValueError(f"not an EventBridge Scheduler expression: {expression!r}")
