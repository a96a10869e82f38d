"""Period and schedule arithmetic in a program's time zone (pure, zoneinfo only).

Everything a partner is judged on is a range of *local* days in the program's time zone; instants (evaluation
times) are aware datetimes. Two window kinds cover the programs we run:

- ``calendar_months``: the previous N calendar months before the month of the evaluation (KKday: 1, Tiki: 3);
- ``days``: the N local days that end the day before the evaluation (Booking properties: 90).

Two schedule kinds: ``monthly`` (day D of every month at HH:MM local, an AWS ``cron()`` with a time zone) and
``every_n_days`` (from a start date, every N local days at HH:MM, an AWS ``rate(N days)``). AWS runs ``rate()``
schedules every N*24 hours whatever the time zone, so across a DST change a run can fire an hour before local
midnight; :meth:`Schedule.anchor` snaps an instant that close to a scheduled one back onto it, so the period
judged never slips by a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# An evaluation instant within this distance of a scheduled instant is that scheduled evaluation (DST drift of
# rate() schedules, a late or early trigger); further away it is an ad hoc evaluation (opt-in check, projection).
SNAP_TOLERANCE = timedelta(hours=6)


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive range of local days."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Period:
        return cls(date.fromisoformat(data["start"]), date.fromisoformat(data["end"]))


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before, if negative) the month of `day`."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time. A time skipped by a DST jump resolves forwards (zoneinfo
    fold=0 semantics), a repeated one to its first occurrence."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def local_date(when: datetime, tz: ZoneInfo) -> date:
    if when.tzinfo is None:
        raise ValueError("an evaluation instant must be timezone-aware")
    return when.astimezone(tz).date()


@dataclass(frozen=True)
class Window:
    """The evaluation window: previous N calendar months, or the last N days."""

    kind: str  # "calendar_months" | "days"
    length: int

    def period_ending_before(self, evaluation_day: date) -> Period:
        """The period judged by an evaluation on local day `evaluation_day`."""
        if self.kind == "calendar_months":
            first_of_month = evaluation_day.replace(day=1)
            return Period(add_months(first_of_month, -self.length), first_of_month - timedelta(days=1))
        end = evaluation_day - timedelta(days=1)
        return Period(end - timedelta(days=self.length - 1), end)

    def period_ending_on(self, last_day: date) -> Period:
        """A window of the same length whose last day is `last_day` (opt-in checks: "criteria met now")."""
        if self.kind == "calendar_months":
            return Period(add_months(last_day.replace(day=1), -(self.length - 1)), last_day)
        return Period(last_day - timedelta(days=self.length - 1), last_day)

    def describe(self) -> str:
        if self.kind == "calendar_months":
            return "previous calendar month" if self.length == 1 else f"previous {self.length} calendar months"
        return f"last {self.length} days"


@dataclass(frozen=True)
class Schedule:
    """When a program is evaluated. `expression` is the AWS EventBridge Scheduler expression; `time_zone` is the
    schedule's time zone; `start` is the first evaluation day of an every-N-days schedule (its StartDate)."""

    kind: str  # "monthly" | "every_n_days"
    time_zone: str
    at: time
    day: int | None = None  # monthly: day of month (1-28, so every month has one)
    every_days: int | None = None  # every_n_days: cadence
    start: date | None = None  # every_n_days: first scheduled day

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def expression(self) -> str:
        if self.kind == "monthly":
            return f"cron({self.at.minute} {self.at.hour} {self.day} * ? *)"
        return f"rate({self.every_days} days)"

    @property
    def start_at(self) -> datetime | None:
        """For rate schedules: the first run as a UTC instant (the scheduler's StartDate)."""
        return local_instant(self.start, self.at, self.tz) if self.start is not None else None

    def describe(self) -> str:
        clock = self.at.strftime("%H:%M")
        if self.kind == "monthly":
            return f"{clock} on day {self.day} of every month ({self.time_zone})"
        return f"{clock} every {self.every_days} days from {self.start} ({self.time_zone})"

    def _instant(self, index: int) -> datetime:
        """The index-th scheduled instant: month index (year*12+month-1) or every-N-days step."""
        if self.kind == "monthly":
            assert self.day is not None
            return local_instant(date(index // 12, index % 12 + 1, self.day), self.at, self.tz)
        assert self.start is not None and self.every_days is not None
        return local_instant(self.start + timedelta(days=index * self.every_days), self.at, self.tz)

    def _index_near(self, when: datetime) -> int:
        day = local_date(when, self.tz)
        if self.kind == "monthly":
            return day.year * 12 + day.month - 1
        assert self.start is not None and self.every_days is not None
        return max(0, (day - self.start).days // self.every_days)

    def next_after(self, when: datetime) -> datetime:
        """The first scheduled instant strictly after `when`."""
        index = self._index_near(when) - 1
        while True:
            candidate = self._instant(index)
            if candidate > when and (self.kind == "monthly" or index >= 0):
                return candidate
            index += 1

    def last_at_or_before(self, when: datetime) -> datetime | None:
        """The last scheduled instant at or before `when` (None before an every-N-days schedule starts)."""
        index = self._index_near(when) + 1
        while True:
            if self.kind != "monthly" and index < 0:
                return None
            candidate = self._instant(index)
            if candidate <= when:
                return candidate
            index -= 1

    def is_scheduled(self, when: datetime) -> bool:
        return self.last_at_or_before(when) == when

    def anchor(self, when: datetime) -> datetime:
        """`when`, or the scheduled instant it stands for when it lies within SNAP_TOLERANCE of one."""
        before = self.last_at_or_before(when)
        if before is not None and when - before <= SNAP_TOLERANCE:
            return before
        after = self.next_after(when)
        if after - when <= SNAP_TOLERANCE:
            return after
        return when
