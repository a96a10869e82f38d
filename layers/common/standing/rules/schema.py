"""The program model: what a validated `programs/<id>.yaml` becomes (see docs/programs.md for the YAML).

Objects here are immutable once loaded. Thresholds are exact (`fractions.Fraction`) so a boundary can never flip
through float rounding; categorical thresholds are strings.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from standing.day_aggregate import INSTANT_COUNTERS
from standing.rules.periods import Period, Schedule, Window, local_date, local_instant

Threshold = Fraction | str

METRIC_KINDS = ("ratio", "mean", "count", "distinct", "latest", "flag_free", "lifetime_days")
OPS = (">=", ">", "<=", "<", "==")
STATUSES = ("awarded", "not_awarded", "ineligible", "suspended", "opted_out")


class ProgramError(Exception):
    """A program file is invalid (or asked for something it does not define). Names the file, the path inside
    it (e.g. ``metrics[2].threshold``) and what is wrong."""

    def __init__(self, file: str, path: str, message: str) -> None:
        self.file = file
        self.path = path
        self.message = message
        super().__init__(f"{file}: {path}: {message}" if path else f"{file}: {message}")


@dataclass(frozen=True)
class Unit:
    """What a headroom amount counts, with a stable key for translations and English forms."""

    key: str
    one: str
    other: str

    def phrase(self, amount: int | float | str) -> str:
        return f"{amount} {self.one if amount == 1 else self.other}"


@dataclass(frozen=True)
class Metric:
    """One metric of one program version, thresholds resolved per segment (key None when unsegmented)."""

    id: str
    title: str
    kind: str
    op: str
    thresholds: dict[str | None, Threshold]
    advice: str = ""
    group: str | None = None  # how the program's own page groups its metrics (Tiki: service, store...)
    # inputs, by kind
    numerator: tuple[str, ...] | None = None  # ratio: counters, summed
    denominator: tuple[str, ...] | None = None  # ratio: counters, summed
    sum: str | None = None  # mean: Decimal sum
    count: str | None = None  # mean: counter of ratings; count: the counter
    set: str | None = None  # distinct
    score: str | None = None  # latest: reported score name
    flag: str | None = None  # flag_free: flag kind
    # lifetime_days: partner attributes holding RFC 3339 instants; the lifetime counts from the latest of them
    attribute: tuple[str, ...] | None = None
    missing: dict[str, str] = field(default_factory=dict)  # lifetime_days: attribute -> reason when it is unknown
    scale: tuple[Fraction, Fraction] | None = None  # mean: lowest and highest possible rating
    # What one more event adds to the numerator, as (numerator, denominator) integers: (hit, miss). A ratio's hit
    # adds 1 and its miss 0; a mean's hit is the top rating and its miss the bottom one.
    events: tuple[tuple[int, int], tuple[int, int]] = ((1, 1), (0, 1))
    min_sample: int = 1  # ratio/mean: below this many in the denominator the metric is not_applicable
    window_days: int | None = None  # own rolling window ending with the period (Booking reviews: 365)
    when_no_data: str = "not_applicable"  # or "fail" (Booking: no score reported fails)
    units: dict[str, Unit] = field(default_factory=dict)  # hit / miss / sample / amount


# The day aggregates the fold makes of reviews alone (standing.fold `_add_review`).
RATING_INPUTS = ("reviews_", "rating_sum_")


def reads_ratings_only(metric: Metric) -> bool:
    """Whether a metric reads nothing but the days' ratings (its window needs only reviews and voids)."""
    names = [*(metric.numerator or ()), *(metric.denominator or ()), metric.sum, metric.count, metric.set, metric.score]
    used = [name for name in names if name]
    unrated = metric.flag is not None or metric.attribute is not None
    return bool(used) and not unrated and all(name.startswith(RATING_INPUTS) for name in used)


@dataclass(frozen=True)
class LadderStep:
    """A consequence given when `min_failing` or more metrics fail in this and the `consecutive - 1` evaluations
    before it."""

    consequence: str
    min_failing: int
    consecutive: int = 1


@dataclass(frozen=True)
class Validity:
    """How long an awarded badge lasts: until the next evaluation, or a fixed number of days or months."""

    kind: str  # "next_evaluation" | "days" | "months"
    length: int = 0


@dataclass
class ProgramVersion:
    """The rules in force from `effective_from` (inclusive) until `effective_to` (exclusive, or open)."""

    program_id: str
    version: str
    effective_from: datetime
    effective_to: datetime | None
    metrics: tuple[Metric, ...]
    regions: dict[str, dict[str, dict[str | None, Threshold]]]  # region -> metric -> segment -> threshold
    ladder: tuple[LadderStep, ...]
    validity: Validity
    benefits: dict[str, Any]
    min_applicable: int
    _resolved: dict[
        tuple[str | None, str | None], tuple[tuple[Metric, Threshold, int | float | str, tuple[int, int]], ...]
    ] = field(default_factory=dict, repr=False, compare=False)
    _inputs: dict[int | None, tuple[tuple[str, ...], ...]] | None = field(default=None, repr=False, compare=False)
    # The engine's plan per (segment, region): each metric with what judging it needs, built once (rules/engine.py)
    plans: dict[tuple[str | None, str | None], Any] = field(default_factory=dict, repr=False, compare=False)

    def inputs_by_window(self) -> dict[int | None, tuple[tuple[str, ...], ...]]:
        """The aggregate inputs each window needs: window (None = the period, else days) -> (counters, sums,
        sets, scores, deadlines). A counter derived at the evaluation instant needs its deadlines instead."""
        if self._inputs is None:
            grouped: dict[int | None, tuple[list[str], ...]] = {None: ([], [], [], [], [])}
            for metric in self.metrics:
                counters, sums, sets, scores, deadlines = grouped.setdefault(metric.window_days, ([], [], [], [], []))
                wanted: list[tuple[str | None, list[str]]] = [
                    (metric.count, counters), (metric.sum, sums), (metric.set, sets), (metric.score, scores),
                ]  # fmt: skip
                for counter in (*(metric.numerator or ()), *(metric.denominator or ())):
                    if counter in INSTANT_COUNTERS:
                        wanted.append((INSTANT_COUNTERS[counter], deadlines))
                    else:
                        wanted.append((counter, counters))
                for name, bucket in wanted:
                    if name is not None and name not in bucket:
                        bucket.append(name)
            self._inputs = {key: tuple(tuple(b) for b in value) for key, value in grouped.items()}
        return self._inputs

    def in_force(self, when: datetime) -> bool:
        return self.effective_from <= when and (self.effective_to is None or when < self.effective_to)

    def metrics_for(
        self, segment: str | None, region: str | None
    ) -> tuple[tuple[Metric, Threshold, int | float | str, tuple[int, int]], ...]:
        """Each metric with the threshold that applies to a segment in a region (region override first), that
        threshold as shown in records (a JSON number, or the category) and as integers (p, q) ((0, 1) for a
        category)."""
        key = (segment, region)
        found = self._resolved.get(key)
        if found is None:
            overrides = self.regions.get(region or "", {})
            resolved = []
            for metric in self.metrics:
                threshold = overrides.get(metric.id, metric.thresholds).get(segment, metric.thresholds[segment])
                ratio = (0, 1) if isinstance(threshold, str) else (threshold.numerator, threshold.denominator)
                resolved.append((metric, threshold, shown_threshold(threshold), ratio))
            found = tuple(resolved)
            self._resolved[key] = found
        return found


@dataclass(frozen=True)
class Gate:
    """An eligibility condition on a partner attribute; a partner failing any gate is `ineligible`."""

    attribute: str
    allowed: tuple[Any, ...]
    reason: str


_SEPARATORS = re.compile(r"[\s_\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]+")


@functools.lru_cache(maxsize=4096)  # a run judges every partner of a category again: normalise each value once
def segment_key(value: str) -> str:
    """The form segment names and aliases are matched on: Unicode-normalised, lowercase, every run of spaces,
    underscores and dashes (hyphen, en dash, em dash, minus...) one "-". "Electronics – Refrigeration",
    "electronics_refrigeration" and "ELECTRONICS-REFRIGERATION" are one key."""
    return _SEPARATORS.sub("-", unicodedata.normalize("NFKC", value).casefold()).strip("-")


@dataclass(frozen=True)
class Segments:
    """Threshold columns chosen by a partner attribute; values not listed fall back to `default`. `aliases` are
    keyed by `segment_key`."""

    attribute: str
    names: tuple[str, ...]
    default: str
    aliases: dict[str, str]
    _keyed: dict[str, str] = field(init=False, repr=False, compare=False)  # segment_key(name) -> name

    def __post_init__(self) -> None:
        object.__setattr__(self, "_keyed", {segment_key(name): name for name in self.names})

    def of(self, attributes: dict[str, Any]) -> str:
        return self.resolve(attributes)[0]

    def resolve(self, attributes: dict[str, Any]) -> tuple[str, str]:
        """The segment for a partner and why, in words the record keeps (`segment_reason`)."""
        raw = attributes.get(self.attribute)
        text = str(raw).strip() if raw is not None else ""
        if not text:
            return self.default, f"no {self.attribute} in the profile: judged by the default column ({self.default})"
        key = segment_key(text)
        found = self.aliases.get(key) if key not in self._keyed else self._keyed[key]
        if found is not None:
            return found, f"{self.attribute} {text!r}: the {found} column"
        return self.default, f"{self.attribute} {text!r} is not listed: judged by the default column ({self.default})"


@dataclass(frozen=True)
class Exclusion:
    """Local days that do not count (adjustment periods, incident freezes), optionally only in some regions."""

    start: date
    end: date
    reason: str
    regions: frozenset[str] | None = None

    def excludes(self, day: date, region: str | None) -> bool:
        return self.start <= day <= self.end and (self.regions is None or region in self.regions)


@dataclass(frozen=True)
class Membership:
    """`automatic`: every enrolled partner takes part. `opt_in`: only partners who opted in (opting out takes
    effect at once; opting in is granted only while the criteria are met)."""

    mode: str  # "automatic" | "opt_in"
    opt_in_requires_criteria: bool = True


@dataclass
class Program:
    """A loaded program: identity, calendar, membership, gates, segments and its dated versions."""

    id: str
    name: str
    description: str
    source: str
    time_zone: str
    schedule: Schedule
    window: Window
    membership_rules: Membership
    gates: tuple[Gate, ...]
    segments: Segments | None
    suspend_flags: tuple[str, ...]
    counting_starts: date | None
    first_evaluation: datetime | None
    excluded: tuple[Exclusion, ...]
    versions: tuple[ProgramVersion, ...]
    tz: ZoneInfo = field(init=False, repr=False, compare=False)
    # Every partner of a run is evaluated at the same instant: memoise the per-instant calendar work.
    _memo: dict[tuple[Any, ...], Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.time_zone)

    def remember(self, key: tuple[Any, ...], compute: Any) -> Any:
        """Memoise per-instant calendar work (a run evaluates every partner at the same instant)."""
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) > 4096:
                self._memo.clear()
            found = self._memo[key] = compute()
        return found

    @property
    def membership(self) -> str:
        return self.membership_rules.mode

    @property
    def max_window_days(self) -> int:
        return max((m.window_days or 0 for v in self.versions for m in v.metrics), default=0)

    def version_at(self, when: datetime) -> ProgramVersion:
        """The version in force at an instant."""
        return self.remember(("version", when), lambda: self._version_at(when))

    def _version_at(self, when: datetime) -> ProgramVersion:
        for version in self.versions:
            if version.in_force(when):
                return version
        raise ProgramError(self.source, "versions", f"no version is in force at {when.isoformat()}")

    def evaluation_anchor(self, evaluated_at: datetime) -> datetime:
        """The scheduled instant an evaluation stands for (see periods.SNAP_TOLERANCE), else itself."""
        return self.remember(("anchor", evaluated_at), lambda: self.schedule.anchor(evaluated_at))

    def local_day(self, when: datetime) -> date:
        """The local date of an instant in the program's time zone."""
        return self.remember(("day", when), lambda: local_date(when, self.tz))

    def period_for(self, evaluated_at: datetime) -> Period:
        """The period judged by an evaluation at that instant."""
        return self.remember(
            ("period", evaluated_at),
            lambda: self.window.period_ending_before(self.local_day(self.evaluation_anchor(evaluated_at))),
        )

    def next_evaluation_after(self, when: datetime) -> datetime:
        """The next scheduled evaluation strictly after `when` (never before the first evaluation)."""
        if self.first_evaluation is not None and when < self.first_evaluation:
            return self.first_evaluation
        return self.schedule.next_after(when)

    def evaluation_of(self, period: Period) -> datetime:
        """The scheduled evaluation that judges `period` (the inverse of period_for for scheduled periods): the
        first scheduled instant from the local midnight after the period's last day."""
        after_end = local_instant(period.end + timedelta(days=1), time(0), self.tz)
        return self.next_evaluation_after(after_end - timedelta(microseconds=1))

    def current_period(self, now: datetime) -> Period:
        """The period in progress at `now`: the one the next evaluation will judge (daily projection)."""
        return self.period_for(self.next_evaluation_after(now))

    def window_ending(self, now: datetime) -> Period:
        """A window of the program's length ending today (local): "are the criteria met now" (opt-in)."""
        return self.window.period_ending_on(local_date(now, self.tz))

    def query_range(self, period: Period) -> tuple[date, date]:
        """The local days of aggregates an evaluation of `period` needs (covers longer metric windows)."""
        longest = self.max_window_days
        first = period.start
        if longest:
            first = min(first, period.end - timedelta(days=longest - 1))
        return first, period.end

    @property
    def history_needed(self) -> int:
        """How many earlier records an evaluation reads: the consequence ladder's longest run of `consecutive`
        periods, less the one being judged (KKday's delisting warning: 3, so 2; no ladder step: none)."""
        return self.remember(  # type: ignore[no-any-return]
            ("history_needed",),  # read for every partner judged: worked out once
            lambda: max((step.consecutive for v in self.versions for step in v.ladder), default=1) - 1,
        )

    def activity_from(self, period: Period) -> date:
        """The first local day an evaluation of `period` needs of events other than reviews and voids: the period's
        start, or earlier for a longer window that reads more than ratings. `query_range` covers the reviews (the
        EventsTable keys them apart, so Booking reads a year of reviews and 90 days of everything else)."""
        longest = self.remember(
            ("activity_window",),
            lambda: max(
                (m.window_days or 0 for v in self.versions for m in v.metrics if not reads_ratings_only(m)), default=0
            ),
        )
        return min(period.start, period.end - timedelta(days=longest - 1)) if longest else period.start

    def segment_of(self, attributes: dict[str, Any]) -> str | None:
        return self.segments.of(attributes) if self.segments is not None else None

    def segment_with_reason(self, attributes: dict[str, Any]) -> tuple[str | None, str | None]:
        """(segment, why) for a partner; (None, None) for a program without segments."""
        return self.segments.resolve(attributes) if self.segments is not None else (None, None)

    def day_filter(self, first: date, last: date, region: str | None) -> tuple[date, list[tuple[date, date]]]:
        """For days first..last of a partner in `region`: the first day that counts (counting_starts) and the
        excluded ranges that apply."""
        lowest = max(first, self.counting_starts) if self.counting_starts is not None else first
        excluded = [
            (ex.start, ex.end)
            for ex in self.excluded
            if ex.end >= lowest and ex.start <= last and (ex.regions is None or region in ex.regions)
        ]
        return lowest, excluded

    def counts_day(self, day: date, region: str | None) -> bool:
        """Whether a local day counts at all: on or after counting_starts and in no exclusion."""
        if self.counting_starts is not None and day < self.counting_starts:
            return False
        return not any(ex.excludes(day, region) for ex in self.excluded)

    def to_summary(self, when: datetime | None = None) -> dict[str, Any]:
        """A JSON-ready description (GET /programs): metrics as in force at `when` (default: the latest
        version)."""
        current = self.version_at(when) if when is not None else self.versions[-1]
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "time_zone": self.time_zone,
            "schedule": {"expression": self.schedule.expression, "description": self.schedule.describe()},
            "window": self.window.describe(),
            "membership": self.membership,
            "segments": list(self.segments.names) if self.segments else None,
            "rules_version": current.version,
            "versions": [{"version": v.version, "effective_from": v.effective_from.isoformat()} for v in self.versions],
            "metrics": [
                {
                    "id": m.id,
                    "title": m.title,
                    "op": m.op,
                    "threshold": {
                        (seg or "all"): (t if isinstance(t, str) else float(t)) for seg, t in m.thresholds.items()
                    },
                    "advice": m.advice,
                    "group": m.group,
                }
                for m in current.metrics
            ],
        }


def shown_threshold(threshold: Threshold) -> int | float | str:
    """A threshold as records show it: an int when whole, else the nearest float (whose repr is the configured
    decimal, so Fraction(repr(shown)) == threshold for every decimal written in a program file), or the
    category."""
    if isinstance(threshold, str):
        return threshold
    return threshold.numerator if threshold.denominator == 1 else float(threshold)


def as_fraction(value: Any) -> Fraction:
    """An exact number from YAML: int, a decimal string ("4.60", "1.5%"), or a float read via its shortest repr
    (0.9 -> 9/10, never 0.90000000000000002220...)."""
    if isinstance(value, bool):
        raise ValueError("a number is required, not a boolean")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            return Fraction(text[:-1].strip()) / 100
        return Fraction(text)
    raise ValueError(f"a number is required, got {type(value).__name__}")
