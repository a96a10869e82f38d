"""The rules engine: a program version, a partner's facts and its daily aggregates in; the evaluation record of
DESIGN section 5 out. Pure: no AWS, no environment, no clock (the evaluation instant is an argument).

Exactness: every pass/fail is decided on integers (cross-multiplied fractions), never on floats. The record is
JSON-ready: `value`, `threshold` and headroom amounts are JSON numbers for display (int when whole, else the
nearest float); `numerator` and `denominator` are the exact inputs, so anyone can re-check the outcome exactly
(Fraction(repr(threshold)) is the configured decimal).
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from itertools import chain, count, repeat
from typing import Any
from zoneinfo import ZoneInfo

from standing.day_aggregate import INSTANT_COUNTERS, DayAggregate, WindowTotals
from standing.rules import headroom as hr
from standing.rules.periods import Period, add_months, local_date, month_end
from standing.rules.schema import Metric, Program, ProgramVersion, Threshold

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "not_applicable"
_UTC_TEXT = "%Y-%m-%dT%H:%M:%S.%fZ"  # the stored form of instants (standing.events.models.utc_text)
_ZERO = Decimal(0)
_get = dict.get
MEASURED_STATUSES = ("awarded", "not_awarded")  # statuses judged on the metrics (consequences apply)


@dataclass
class PartnerFacts:
    """What the engine knows about a partner besides its daily aggregates."""

    partner_id: str
    attributes: dict[str, Any] = field(default_factory=dict)  # the partner.profile data
    membership: str | None = None  # "opted_in" / "opted_out" / "never_joined" (None: never chose)
    open_flags: frozenset[str] = frozenset()  # risk flags open at evaluation time, e.g. {"fraud"}
    previous: list[dict[str, Any]] = field(default_factory=list)  # this program's records, newest first
    membership_since: str | None = None  # RFC 3339 instant of the last membership change (joined, or left)


def evaluate_partner(
    program: Program,
    facts: PartnerFacts,
    days: Iterable[DayAggregate],
    evaluated_at: datetime,
    period: Period | None = None,
    *,
    lean: bool = False,
) -> dict[str, Any]:
    """Evaluate one partner. `period` defaults to the period judged by a scheduled evaluation at `evaluated_at`;
    pass `program.current_period(now)` for the daily projection or `program.window_ending(now)` for an opt-in
    check. Days outside the needed range, before `counting_starts` or excluded (for the partner's region) are
    dropped here, so callers may pass whatever their query returned.

    `lean` (the local backtest, which compares records and keeps them only for the consequence ladder): the same
    record with no sentences: `reason` is None and each metric is only its `value`, `outcome`, `threshold` and
    `op` (the same as in the full record), shared between records and read-only. Status, failing metrics,
    consequences and every other field are the full record's."""
    if evaluated_at.tzinfo is None:
        raise ValueError("evaluated_at must be timezone-aware")
    at = _instant(program, evaluated_at, period)
    version = at.version
    attributes = facts.attributes or {}
    region = attributes.get("region")
    region = str(region) if region not in (None, "") else None
    segment, segment_reason = _segment(program, attributes)
    plan = version.plans.get((segment, region))
    if plan is None:
        plan = version.plans[(segment, region)] = _plan(program, version, segment, region)

    windows = _window_totals(program, at, days, region)
    metrics: dict[str, dict[str, Any]] = {}
    failing: list[str] = []
    applicable = 0
    for step in plan:
        result = step.judge(step, windows[step.window], facts, at, lean)
        metrics[step.metric_id] = result
        outcome = result["outcome"]
        if outcome == FAIL:
            failing.append(step.metric_id)
        if outcome != NOT_APPLICABLE:
            applicable += 1

    membership = _membership(program, facts)
    status, reason = _status(program, version, facts, attributes, metrics, failing, applicable, membership, lean)
    measured = status in MEASURED_STATUSES
    record = {
        "program": program.id,
        "partner_id": facts.partner_id,
        "period": at.period_dict if lean else dict(at.period_dict),
        "evaluated_at": at.iso,
        "rules_version": version.version,
        "segment": segment,
        "segment_reason": segment_reason,
        "region": region,
        "status": status,
        "reason": reason,
        "metrics": metrics,
        "failing": failing,
        "consequences": _consequences(version, len(failing), at.period, facts.previous) if measured else [],
        "benefits": dict(version.benefits) if status == "awarded" else {},
        "valid_until": _valid_until(program, version, at.anchor) if status == "awarded" else None,
    }
    if membership is not None:
        record["membership"] = membership
    return record


@dataclass(frozen=True)
class _Instant:
    """What every partner judged at one instant over one period shares (memoised on the program)."""

    version: ProgramVersion
    anchor: datetime
    period: Period
    today: date  # local date of the evaluation
    at: str  # the evaluation instant as UTC text (the format of stored deadlines)
    iso: str  # the record's `evaluated_at`
    period_dict: dict[str, str]
    window_phrase: str  # "in the last 90 days" / "in the period"
    tz: ZoneInfo
    windows: dict[str | None, _Windows]  # per region: the windows summed and the days that count


def _instant(program: Program, evaluated_at: datetime, period: Period | None) -> _Instant:
    return program.remember(  # type: ignore[no-any-return]
        ("instant", evaluated_at, period), lambda: _new_instant(program, evaluated_at, period)
    )


def _new_instant(program: Program, evaluated_at: datetime, period: Period | None) -> _Instant:
    version = program.version_at(evaluated_at)
    anchor = program.evaluation_anchor(evaluated_at)
    judged = program.period_for(evaluated_at) if period is None else period
    utc = evaluated_at.astimezone(UTC)
    return _Instant(
        version,
        anchor,
        judged,
        program.local_day(anchor),
        utc.strftime(_UTC_TEXT),
        utc.isoformat(),
        judged.to_dict(),
        _window_phrase(program),
        program.tz,
        {},
    )


def _segment(program: Program, attributes: dict[str, Any]) -> tuple[str | None, str | None]:
    """`program.segment_with_reason`, memoised per attribute text (a run judges every partner of a category)."""
    segments = program.segments
    if segments is None:
        return None, None
    raw = attributes.get(segments.attribute)
    if raw is not None and type(raw) is not str:
        return segments.resolve(attributes)
    return program.remember(("segment", raw), lambda: segments.resolve(attributes))  # type: ignore[no-any-return]


def _membership(program: Program, facts: PartnerFacts) -> dict[str, Any] | None:
    return membership_view(program, facts.membership, facts.membership_since)


def membership_view(program: Program, membership: str | None, since: str | None) -> dict[str, Any] | None:
    """For an opt-in program: `never_joined` / `opted_in` / `opted_out`, with the local date of the last change
    (None for a partner that never joined); None for a program every enrolled partner takes part in."""
    if program.membership != "opt_in":
        return None
    state = membership if membership in ("opted_in", "opted_out") else "never_joined"
    changed_on = None
    if state != "never_joined" and since:
        with contextlib.suppress(ValueError):
            changed_on = local_date(datetime.fromisoformat(since), program.tz).isoformat()
    return {"state": state, "changed_on": changed_on}


def _window_phrase(program: Program) -> str:
    """How the record names the period's window in reasons: "in the last 90 days" / "in the period"."""
    window = program.window
    return f"in the last {window.length} days" if window.kind == "days" else "in the period"


def opt_in_check(
    program: Program, facts: PartnerFacts, days: Iterable[DayAggregate], now: datetime, *, lean: bool = False
) -> tuple[bool, dict[str, Any]]:
    """Would an opt-in be granted now? Evaluates the window ending today as if the partner were a member.
    Returns (granted, record); the record's `failing` says what stands in the way (`lean`: see evaluate_partner)."""
    member = PartnerFacts(
        facts.partner_id, facts.attributes, "opted_in", facts.open_flags, facts.previous, facts.membership_since
    )
    record = evaluate_partner(program, member, days, now, program.window_ending(now), lean=lean)
    if program.membership_rules.opt_in_requires_criteria:
        granted = record["status"] == "awarded"
    else:
        granted = record["status"] != "ineligible"
    return granted, record


def at_risk_metrics(record: dict[str, Any], margin: Decimal | str | float) -> list[str]:
    """Metric ids failing, or passing within `margin` (relative, e.g. 0.1 = 10%) of their threshold."""
    rel = Fraction(str(margin))
    risky: list[str] = []
    for metric_id, metric in record.get("metrics", {}).items():
        outcome = metric.get("outcome")
        if outcome == FAIL:
            risky.append(metric_id)
            continue
        value, threshold = metric.get("value"), metric.get("threshold")
        if outcome != PASS or not _is_number(value) or not _is_number(threshold):
            continue
        if abs(_exact(value) - _exact(threshold)) <= rel * abs(_exact(threshold)):
            risky.append(metric_id)
    return risky


# ---------------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _Windows:
    """For one region at one instant: the first and last day that count, the excluded ranges, and each window to
    sum: (its length, None for the period; its first day; the key of its totals on a DayList; its inputs)."""

    lowest: date
    last: date
    excluded: list[tuple[date, date]]
    sums: tuple[tuple[int | None, date, tuple[Any, ...], tuple[tuple[str, ...], ...]], ...]


def _windows(program: Program, at: _Instant, region: str | None) -> _Windows:
    found = at.windows.get(region)
    if found is None:
        period = at.period
        needs = at.version.inputs_by_window()
        first = period.start
        for length in needs:
            if length is not None:
                first = min(first, period.end - timedelta(days=length - 1))
        lowest, excluded = program.day_filter(first, period.end, region)
        last = period.end
        sums = []
        for length, inputs in needs.items():
            start = period.start if length is None else period.end - timedelta(days=length - 1)
            sums.append((length, start, (start, lowest, last, tuple(excluded), inputs), inputs))
        found = at.windows[region] = _Windows(lowest, last, excluded, tuple(sums))
    return found


def _window_totals(
    program: Program, at: _Instant, days: Iterable[DayAggregate], region: str | None
) -> dict[int | None, WindowTotals]:
    """Totals for the period (key None) and for each metric's own rolling window (key: its length in days).

    Only the inputs the version's metrics read are summed: this is the engine's hot loop."""
    windows = _windows(program, at, region)
    lowest, last, excluded = windows.lowest, windows.last, windows.excluded
    bounds = getattr(days, "bounds", None)  # a fold's DayList: every day lies within its bounds
    if bounds is not None and lowest <= bounds[0] and bounds[1] <= last and not excluded:
        kept = days if isinstance(days, list) else list(days)
    else:
        kept = [d for d in days if lowest <= d.day <= last]
        if excluded:
            kept = [d for d in kept if not any(start <= d.day <= end for start, end in excluded)]
    # The same days summed for the same inputs give the same totals: a DayList keeps them (a backtest judges one
    # partner's days under the base and the draft; WindowTotals are never modified).
    memo: dict[Any, WindowTotals] | None = getattr(days, "totals", None)
    out: dict[int | None, WindowTotals] = {}
    for length, start, key, inputs in windows.sums:
        found = memo.get(key) if memo is not None else None
        if found is None:
            found = _sum_days([d for d in kept if d.day >= start] if start > lowest else kept, *inputs)
            if memo is not None:
                memo[key] = found
        out[length] = found
    return out


def _sum_days(
    days: list[DayAggregate],
    counters: tuple[str, ...],
    sums: tuple[str, ...],
    sets: tuple[str, ...],
    scores: tuple[str, ...],
    deadlines: tuple[str, ...] = (),
) -> WindowTotals:
    """`aggregates.total` restricted to the named inputs: the same result for those names, summed with C-level
    map/sum/union (measured fastest: no Python frame per day) because this is the engine's hot path."""
    count_maps = [d.counts for d in days]
    counts = {name: sum(map(_get, count_maps, repeat(name), repeat(0))) for name in counters}
    amounts: dict[str, Decimal] = {}
    if sums:
        sum_maps = [d.sums for d in days]
        amounts = {name: sum(map(_get, sum_maps, repeat(name), repeat(_ZERO)), _ZERO) for name in sums}
    members = {name: set().union(*map(_get, [d.sets for d in days], repeat(name), repeat(()))) for name in sets}
    latest: dict[str, Any] = {}
    if scores:
        for agg in days:
            if agg.scores:
                for name in scores:
                    score = agg.scores.get(name)
                    if score is not None and (name not in latest or score.at > latest[name].at):
                        latest[name] = score
    dues = {
        name: list(chain.from_iterable(map(_get, [d.deadlines for d in days], repeat(name), repeat(()))))
        for name in deadlines
    }
    return WindowTotals(days=len(days), counts=counts, sums=amounts, sets=members, scores=latest, deadlines=dues)


def _counted(totals: WindowTotals, names: tuple[str, ...], at: str) -> int:
    """The sum of the named counters; a counter derived from deadlines counts those passed at `at`."""
    if len(names) == 1 and names[0] not in INSTANT_COUNTERS:  # the usual case, on the engine's hot path
        return totals.counts.get(names[0], 0)
    return sum(
        totals.passed(INSTANT_COUNTERS[name], at) if name in INSTANT_COUNTERS else totals.counts.get(name, 0)
        for name in names
    )


# ---------------------------------------------------------------------------------------------------- metrics


# ---------------------------------------------------------------------------------------------------- plans
# A version's metrics are resolved once per (segment, region) into steps: each metric with its threshold, the
# function that judges it and the key of its results. A metric's result is a function of the metric (by value),
# its threshold and a few integers (a ratio's numerator and denominator, a level, a flag open or not...), so results
# are kept by those (`_RESULTS`): a backtest's draft reuses the base's for every metric it did not change, and
# partners with the same figures share the sentences. Every result handed out is a copy.


@dataclass(frozen=True, slots=True)
class _Step:
    metric_id: str
    metric: Metric
    window: int | None  # the window its totals are summed over (None: the period)
    threshold: Threshold
    shown: int | float | str  # the threshold as records show it
    ratio: tuple[int, int]  # the threshold as integers p/q
    key: int  # the metric (by value), its threshold and the window phrase: `_STEP_KEYS`
    judge: Callable[[_Step, WindowTotals, PartnerFacts, _Instant, bool], dict[str, Any]]
    numerator: str | None  # a ratio's single plain counter (the usual case; else None: `_counted`)
    denominator: str | None


_STEP_KEYS: dict[tuple[str, str, str], int] = {}
_NEXT_KEY = count()  # `next` is atomic: plans built at once on two threads never share a key
_RESULTS: dict[tuple[Any, ...], dict[str, Any]] = {}
_BRIEF: dict[tuple[Any, ...], dict[str, Any]] = {}  # lean results (value, outcome, threshold, op), by the same keys
_RESULTS_KEPT = 20_000  # results kept at most (then forgotten at once): a few MB
_LOCAL_DAYS: dict[tuple[str, ZoneInfo], date | None] = {}
_UNKNOWN = object()


def clear_memos() -> None:
    """Forget the kept metric results and parsed attribute dates (benchmarks time the engine from cold)."""
    _RESULTS.clear()
    _BRIEF.clear()
    _LOCAL_DAYS.clear()


def _plan(program: Program, version: ProgramVersion, segment: str | None, region: str | None) -> tuple[_Step, ...]:
    phrase = _window_phrase(program)
    steps = []
    for metric, threshold, shown, ratio in version.metrics_for(segment, region):
        ident = (repr(metric), repr(threshold), phrase if metric.kind == "latest" else "")
        key = _STEP_KEYS.setdefault(ident, next(_NEXT_KEY))
        numerator = denominator = None
        if metric.kind == "ratio":
            numerator, denominator = _plain_counter(metric.numerator), _plain_counter(metric.denominator)
        judge = _JUDGES.get(metric.kind, _judge_lifetime)
        steps.append(
            _Step(metric.id, metric, metric.window_days, threshold, shown, ratio, key, judge, numerator, denominator)
        )
    return tuple(steps)


def _plain_counter(names: tuple[str, ...] | None) -> str | None:
    return names[0] if names is not None and len(names) == 1 and names[0] not in INSTANT_COUNTERS else None


def _kept(key: tuple[Any, ...], step: _Step, out: dict[str, Any]) -> dict[str, Any]:
    """A new result, completed as records show it (title, own window, threshold), kept under `key`."""
    metric = step.metric
    out["title"] = metric.title
    if metric.window_days:
        out["window_days"] = metric.window_days
    out["threshold"] = step.shown
    if len(_RESULTS) >= _RESULTS_KEPT:
        _RESULTS.clear()
    _RESULTS[key] = out
    return out


def _brief_kept(key: tuple[Any, ...], step: _Step, out: dict[str, Any]) -> dict[str, Any]:
    """A new lean result (`_brief`), with the threshold as shown, kept under `key` and handed out as it is."""
    out["threshold"] = step.shown
    if len(_BRIEF) >= _RESULTS_KEPT:
        _BRIEF.clear()
    _BRIEF[key] = out
    return out


def _brief(metric: Metric, value: Any, outcome: str) -> dict[str, Any]:
    """A lean mode's metric result: what a full one says of the value and outcome, without sentences."""
    return {"value": value, "outcome": outcome, "threshold": None, "op": metric.op}


def _judge_ratio(
    step: _Step, totals: WindowTotals, facts: PartnerFacts, at: _Instant, lean: bool = False
) -> dict[str, Any]:
    metric = step.metric
    counts = totals.counts
    if step.numerator is not None:
        numerator = counts.get(step.numerator, 0)
    else:
        assert metric.numerator is not None
        numerator = _counted(totals, metric.numerator, at.at)
    if step.denominator is not None:
        denominator = counts.get(step.denominator, 0)
    else:
        assert metric.denominator is not None
        denominator = _counted(totals, metric.denominator, at.at)
    key = (step.key, numerator, denominator)
    if lean:
        brief = _BRIEF.get(key)
        return brief or _brief_kept(key, step, _rate(metric, step.ratio, numerator, 1, denominator, lean=True))
    found = _RESULTS.get(key)
    if found is None:
        found = _kept(key, step, _rate(metric, step.ratio, numerator, 1, denominator))
    return dict(found)


def _judge_mean(
    step: _Step, totals: WindowTotals, facts: PartnerFacts, at: _Instant, lean: bool = False
) -> dict[str, Any]:
    metric = step.metric
    assert metric.sum is not None and metric.count is not None
    sn, sd = totals.sum(metric.sum).as_integer_ratio()
    count = totals.counts.get(metric.count, 0)
    key = (step.key, sn, sd, count)
    if lean:
        brief = _BRIEF.get(key)
        return brief or _brief_kept(key, step, _rate(metric, step.ratio, sn, sd, count, lean=True))
    found = _RESULTS.get(key)
    if found is None:
        found = _kept(key, step, _rate(metric, step.ratio, sn, sd, count))
    return dict(found)


def _judge_count(
    step: _Step, totals: WindowTotals, facts: PartnerFacts, at: _Instant, lean: bool = False
) -> dict[str, Any]:
    assert step.metric.count is not None
    value = totals.counts.get(step.metric.count, 0)
    return _judged_level(step, (step.key, value), value, None, lean)


def _judge_distinct(
    step: _Step, totals: WindowTotals, facts: PartnerFacts, at: _Instant, lean: bool = False
) -> dict[str, Any]:
    assert step.metric.set is not None
    value = totals.distinct(step.metric.set)
    return _judged_level(step, (step.key, value), value, None, lean)


def _judged_level(step: _Step, key: tuple[Any, ...], value: int, reached_on: date | None, lean: bool) -> dict[str, Any]:
    if lean:
        brief = _BRIEF.get(key)
        return brief or _brief_kept(key, step, _level(step.metric, step.ratio, value, reached_on, lean=True))
    found = _RESULTS.get(key)
    if found is None:
        found = _kept(key, step, _level(step.metric, step.ratio, value, reached_on))
    return dict(found)


def _judge_latest(
    step: _Step, totals: WindowTotals, facts: PartnerFacts, at: _Instant, lean: bool = False
) -> dict[str, Any]:
    metric = step.metric
    assert metric.score is not None
    reported = totals.latest(metric.score)
    key = (step.key, None if reported is None else reported.value)
    if lean:
        brief = _BRIEF.get(key)
        return brief or _brief_kept(key, step, _latest(metric, step.threshold, totals, "", lean=True))
    found = _RESULTS.get(key)
    if found is None:
        window = f"in the last {metric.window_days} days" if metric.window_days else at.window_phrase
        found = _kept(key, step, _latest(metric, step.threshold, totals, window))
    return dict(found)


def _judge_flag(
    step: _Step, totals: WindowTotals, facts: PartnerFacts, at: _Instant, lean: bool = False
) -> dict[str, Any]:
    assert step.metric.flag is not None
    key = (step.key, step.metric.flag in facts.open_flags)
    if lean:
        brief = _BRIEF.get(key)
        return brief or _brief_kept(key, step, _flag(step.metric, facts.open_flags, lean=True))
    found = _RESULTS.get(key)
    if found is None:
        found = _kept(key, step, _flag(step.metric, facts.open_flags))
    return dict(found)


def _judge_lifetime(
    step: _Step, totals: WindowTotals, facts: PartnerFacts, at: _Instant, lean: bool = False
) -> dict[str, Any]:
    """Whole local days from the latest of the partner attributes' instants (Tiki: the later of the store's opening
    and its first successful sale) to the evaluation day. An attribute not known yet: 0 days, with its reason."""
    metric = step.metric
    assert metric.attribute is not None
    starts: list[date] = []
    for attribute in metric.attribute:
        raw = facts.attributes.get(attribute)
        started = _local_day(raw, at.tz)
        if started is None:
            out = _lifetime_unknown(metric, step.ratio, attribute, raw, lean)
            if not lean:
                out["title"] = metric.title
                if metric.window_days:
                    out["window_days"] = metric.window_days
            out["threshold"] = step.shown
            return out
        starts.append(started)
    opened = max(starts)
    days = max(0, (at.today - opened).days)
    reached = opened + timedelta(days=-(-step.ratio[0] // step.ratio[1]))
    reached_on = reached if reached > at.today else None
    return _judged_level(step, (step.key, days, reached_on), days, reached_on, lean)


_JUDGES: dict[str, Callable[[_Step, WindowTotals, PartnerFacts, _Instant, bool], dict[str, Any]]] = {
    "ratio": _judge_ratio,
    "mean": _judge_mean,
    "count": _judge_count,
    "distinct": _judge_distinct,
    "latest": _judge_latest,
    "flag_free": _judge_flag,
}


_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}


def _compare(op: str, lhs: int, rhs: int) -> bool:
    """lhs op rhs on exact integers (both sides already cross-multiplied)."""
    return _OPS[op](lhs, rhs)


def _record(
    metric: Metric,
    value: Any,
    numerator: Any,
    denominator: Any,
    outcome: str,
    headroom: str,
    amount: Any = None,
    unit: str | None = None,
    kind: str = hr.NONE,
    reason: str | None = None,
) -> dict[str, Any]:
    out = {
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "threshold": None,  # the caller fills in the threshold as shown (resolved per segment and region)
        "op": metric.op,
        "outcome": outcome,
        "headroom": headroom,
        "headroom_amount": amount,
        "headroom_unit": unit,
        "headroom_kind": kind,
    }
    if reason is not None:
        out["reason"] = reason
    return out


def _rate(metric: Metric, ratio: tuple[int, int], sn: int, sd: int, count: int, lean: bool = False) -> dict[str, Any]:
    """A ratio (sn/sd = numerator count, sd = 1) or a mean (sn/sd = Decimal sum) over `count`, against the
    threshold p/q = `ratio` (`lean`: value and outcome only, `_brief`)."""
    if lean:
        if count < metric.min_sample:
            return _brief(metric, None, FAIL if metric.when_no_data == "fail" else NOT_APPLICABLE)
        passed = _compare(metric.op, sn * ratio[1], ratio[0] * sd * count)
        return _brief(metric, sn / (sd * count), PASS if passed else FAIL)
    numerator = sn if sd == 1 else sn / sd  # a mean's Decimal sum, for display
    sample = metric.units["sample"]
    if count < metric.min_sample:
        missing = metric.min_sample - count
        if count == 0:
            reason = f"no {sample.other} in the period"
        else:
            reason = f"only {sample.phrase(count)} in the period; it counts from {metric.min_sample}"
        outcome = FAIL if metric.when_no_data == "fail" else NOT_APPLICABLE
        sentence = f"{missing} more {hr.plural(missing, sample.one, sample.other)} needed before this counts"
        return _record(
            metric, None, numerator, count, outcome, sentence, missing, sample.key, hr.UNTIL_APPLICABLE, reason
        )
    p, q = ratio
    passed = _compare(metric.op, sn * q, p * sd * count)
    value = sn / (sd * count)  # int / int: correctly rounded
    higher_is_better = metric.op in (">=", ">")
    # A "hit" adds 1 to a ratio's numerator (or the top rating to a mean), a "miss" adds 0 (the bottom rating);
    # which of them helps depends on the direction of the comparison.
    hit, miss = metric.events
    good, bad = (hit, miss) if higher_is_better else (miss, hit)
    hit_unit, miss_unit = metric.units["hit"], metric.units["miss"]
    good_unit, bad_unit = (hit_unit, miss_unit) if higher_is_better else (miss_unit, hit_unit)
    if passed:
        allowed = hr.rate_events(metric.op, sn, sd, count, p, q, bad, passing=True)
        if allowed is None:
            sentence = f"no number of {bad_unit.other} can fail this"
            return _record(metric, value, numerator, count, PASS, sentence, None, bad_unit.key)
        sentence = _allowed_text(allowed, bad_unit)
        return _record(metric, value, numerator, count, PASS, sentence, allowed, bad_unit.key, hr.ALLOWED)
    needed = hr.rate_events(metric.op, sn, sd, count, p, q, good, passing=False)
    if needed is None:
        sentence = f"cannot reach the threshold with more {good_unit.other} this period"
        return _record(metric, value, numerator, count, FAIL, sentence, None, good_unit.key)
    sentence = f"{needed} more {hr.plural(needed, good_unit.one, good_unit.other)} needed"
    return _record(metric, value, numerator, count, FAIL, sentence, needed, good_unit.key, hr.NEEDED)


def _level(
    metric: Metric, ratio: tuple[int, int], value: int, reached_on: date | None = None, lean: bool = False
) -> dict[str, Any]:
    """A count or level compared with its threshold p/q = `ratio`; headroom in the metric's `amount` unit (`lean`:
    value and outcome only, `_brief`)."""
    unit = metric.units["amount"]
    p, q = ratio
    passed = _compare(metric.op, value * q, p)
    if lean:
        return _brief(metric, value, PASS if passed else FAIL)
    if metric.op in (">=", ">"):
        if passed:
            amount = _gap(p, q, value)
            sentence = f"{_amount_text(amount, unit)} above the minimum"
            return _record(metric, value, value, None, PASS, sentence, amount, unit.key, hr.MARGIN)
        needed = hr.min_events(q, p - value * q, metric.op == ">")
        assert needed is not None
        sentence = f"{needed} more {hr.plural(needed, unit.one, unit.other)} needed"
        if reached_on is not None:
            sentence += f" (reached on {reached_on.isoformat()})"
        return _record(metric, value, value, None, FAIL, sentence, needed, unit.key, hr.NEEDED)
    if passed:
        allowed = hr.max_events(-q, value * q - p, metric.op == "<")
        assert allowed is not None
        sentence = _allowed_text(allowed, unit)
        return _record(metric, value, value, None, PASS, sentence, allowed, unit.key, hr.ALLOWED)
    amount = _gap(p, q, value)
    sentence = f"{_amount_text(amount, unit)} over the limit; this cannot improve within the period"
    return _record(metric, value, value, None, FAIL, sentence, amount, unit.key, hr.NONE)


def _gap(p: int, q: int, value: int) -> int | float:
    """|p/q - value| as a JSON number, on integers."""
    gap = abs(p - value * q)
    return gap if q == 1 else (gap // q if gap % q == 0 else gap / q)


def _allowed_text(allowed: int, unit: Any) -> str:
    """ "1 more partner cancellation allowed; 2 more would fail this" ("no more ... allowed" at zero)."""
    if allowed == 0:
        return f"no more {unit.other} allowed; 1 more would fail this"
    return f"{allowed} more {hr.plural(allowed, unit.one, unit.other)} allowed; {allowed + 1} more would fail this"


def _amount_text(amount: int | float, unit: Any) -> str:
    return f"{amount:g} {hr.plural(amount, unit.one, unit.other)}" if isinstance(amount, float) else unit.phrase(amount)


def _latest(
    metric: Metric, threshold: Threshold, totals: WindowTotals, window: str, lean: bool = False
) -> dict[str, Any]:
    """The latest score reported within the window: numeric against a number, or a category against `==`
    (compared case-insensitively; ingest already stores categories normalised). `lean`: value and outcome only."""
    assert metric.score is not None
    reported = totals.latest(metric.score)
    outcome_missing = FAIL if metric.when_no_data == "fail" else NOT_APPLICABLE
    if lean:
        return _brief_latest(metric, threshold, None if reported is None else reported.value.strip(), outcome_missing)
    if reported is None:
        reason = f"no score reported {window}"
        sentence = f"a {metric.title.lower()} must be reported"
        return _record(metric, None, None, None, outcome_missing, sentence, kind=hr.CHANGE, reason=reason)
    raw = reported.value.strip()
    if isinstance(threshold, str):
        passed = raw.casefold() == threshold.casefold()
        if passed:
            return _record(metric, raw, None, None, PASS, f"met: {raw}")
        sentence = f"must become {threshold} (now {raw})"
        return _record(metric, raw, None, None, FAIL, sentence, kind=hr.CHANGE)
    try:
        number = Fraction(Decimal(raw))
    except (InvalidOperation, ValueError):
        reason = f"the reported value {raw!r} is not a number"
        return _record(metric, raw, None, None, outcome_missing, reason, kind=hr.CHANGE, reason=reason)
    p, q = threshold.numerator, threshold.denominator
    passed = _compare(metric.op, number.numerator * q, p * number.denominator)
    gap = hr.display(abs(threshold - number))
    unit = metric.units["amount"]
    value = hr.display(number)
    if passed:
        side = "above the minimum" if metric.op in (">=", ">") else "below the maximum"
        return _record(metric, value, None, None, PASS, f"{_amount_text(gap, unit)} {side}", gap, unit.key, hr.MARGIN)
    direction = "higher" if metric.op in (">=", ">") else "lower"
    strictly = "more than " if metric.op in (">", "<") else ""  # reaching the threshold itself is not enough
    sentence = f"{strictly}{_amount_text(gap, unit)} {direction} needed"
    return _record(metric, value, None, None, FAIL, sentence, gap, unit.key, hr.NEEDED)


def _brief_latest(metric: Metric, threshold: Threshold, raw: str | None, outcome_missing: str) -> dict[str, Any]:
    """`_latest`'s value and outcome, without sentences."""
    if raw is None:
        return _brief(metric, None, outcome_missing)
    if isinstance(threshold, str):
        return _brief(metric, raw, PASS if raw.casefold() == threshold.casefold() else FAIL)
    try:
        number = Fraction(Decimal(raw))
    except (InvalidOperation, ValueError):
        return _brief(metric, raw, outcome_missing)
    passed = _compare(metric.op, number.numerator * threshold.denominator, threshold.numerator * number.denominator)
    return _brief(metric, hr.display(number), PASS if passed else FAIL)


def _flag(metric: Metric, open_flags: frozenset[str], lean: bool = False) -> dict[str, Any]:
    assert metric.flag is not None
    if lean:
        return _brief(metric, "open", FAIL) if metric.flag in open_flags else _brief(metric, "clear", PASS)
    if metric.flag in open_flags:
        sentence = f"the open {metric.flag} flag must be cleared"
        return _record(metric, "open", None, None, FAIL, sentence, None, None, hr.CHANGE)
    return _record(metric, "clear", None, None, PASS, f"no open {metric.flag} flag")


def _lifetime_unknown(
    metric: Metric, ratio: tuple[int, int], attribute: str, raw: Any, lean: bool = False
) -> dict[str, Any]:
    """A lifetime whose attribute is not known yet (or not a date-time): not applicable, or 0 days with the reason
    (`lean`: value and outcome only)."""
    if lean:
        return (
            _brief(metric, None, NOT_APPLICABLE)
            if metric.when_no_data != "fail"
            else _level(metric, ratio, 0, lean=True)
        )
    if raw:
        reason = f"{attribute} {raw!r} is not a date-time"
    else:
        reason = metric.missing.get(attribute, f"{attribute} is not known")
    if metric.when_no_data != "fail":
        return _record(metric, None, None, None, NOT_APPLICABLE, reason, kind=hr.CHANGE, reason=reason)
    out = _level(metric, ratio, 0)
    out["headroom"], out["headroom_kind"], out["reason"] = reason, hr.CHANGE, reason
    return out


def _local_day(raw: Any, tz: ZoneInfo) -> date | None:
    """The local date of an RFC 3339 instant (or a plain date) held by a partner attribute (kept per text)."""
    if not isinstance(raw, str) or not raw:
        return None
    key = (raw, tz)
    found = _LOCAL_DAYS.get(key, _UNKNOWN)  # one lookup: another thread may forget them all in between
    if found is _UNKNOWN:
        if len(_LOCAL_DAYS) >= _RESULTS_KEPT:
            _LOCAL_DAYS.clear()
        found = _LOCAL_DAYS[key] = _parse_local_day(raw, tz)
    return found  # type: ignore[return-value]


def _parse_local_day(raw: str, tz: ZoneInfo) -> date | None:
    try:
        instant = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return instant.date() if instant.tzinfo is None else instant.astimezone(tz).date()


# ---------------------------------------------------------------------------------------------------- status


def _status(
    program: Program,
    version: ProgramVersion,
    facts: PartnerFacts,
    attributes: dict[str, Any],
    metrics: dict[str, dict[str, Any]],
    failing: list[str],
    applicable: int,
    membership: dict[str, Any] | None,
    lean: bool = False,
) -> tuple[str, str | None]:
    """Precedence: ineligible (a gate fails) > opted_out (opt-in program, not a member) > suspended (a
    suspending flag is open) > not_awarded (a metric fails, or too few apply) > awarded. `lean`: no reason (None)."""
    for gate in program.gates:
        value = attributes.get(gate.attribute)
        if value not in gate.allowed:
            if lean:
                return "ineligible", None
            shown = "not set" if value is None else f"{value!r}"
            return "ineligible", f"Not eligible: {gate.reason} ({gate.attribute} is {shown})."
    if membership is not None and membership["state"] != "opted_in":
        if lean:
            return "opted_out", None
        if membership["state"] == "opted_out":
            lead = f"Left the programme on {membership['changed_on']}" if membership["changed_on"] else "Opted out"
        else:
            lead = "Not a member yet"
        if failing:
            return "opted_out", f"{lead}. Joining is possible once these are met: {_titles(metrics, failing)}."
        return "opted_out", f"{lead}. The criteria are met now, so joining would be granted."
    open_suspending = [flag for flag in program.suspend_flags if flag in facts.open_flags]
    if open_suspending:
        return "suspended", None if lean else f"Suspended while a {' and a '.join(open_suspending)} flag is open."
    total_metrics = len(metrics)
    if failing:
        if lean:
            return "not_awarded", None
        return (
            "not_awarded",
            f"{len(failing)} of {total_metrics} metrics did not meet the threshold: {_titles(metrics, failing)}.",
        )
    if applicable < version.min_applicable:
        return "not_awarded", None if lean else "Not enough activity in the period to measure the metrics."
    if lean:
        return "awarded", None
    not_applicable = total_metrics - applicable
    tail = f" ({not_applicable} not applicable)" if not_applicable else ""
    return "awarded", f"All metrics met their thresholds{tail}."


def _titles(metrics: dict[str, dict[str, Any]], ids: list[str]) -> str:
    return ", ".join(metrics[metric_id]["title"] for metric_id in ids)


def _consequences(version: ProgramVersion, failing: int, period: Period, previous: list[dict[str, Any]]) -> list[str]:
    """The ladder: a step applies when this evaluation and the `consecutive - 1` evaluations right before it (by
    contiguous periods, measured statuses only) each had at least `min_failing` failing metrics. The previous
    records are read only when a step needs them (most partners fail nothing)."""
    chain: list[dict[str, Any]] | None = None
    out: list[str] = []
    for step in version.ladder:
        if failing < step.min_failing:
            continue
        needed = step.consecutive - 1
        if needed > 0 and chain is None:
            chain = _previous_chain(period, previous)
        run = 0
        for record in chain or ():
            if run >= needed or len(record.get("failing", ())) < step.min_failing:
                break
            run += 1
        if run >= needed and step.consequence not in out:
            out.append(step.consequence)
    return out


def _previous_chain(period: Period, previous: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Previous records that directly precede `period` one after another (a rerun's own record is skipped)."""
    chain: list[dict[str, Any]] = []
    expected_end = period.start - timedelta(days=1)
    for record in sorted(previous, key=lambda r: r["period"]["start"], reverse=True):
        start = date.fromisoformat(record["period"]["start"])
        end = date.fromisoformat(record["period"]["end"])
        if start >= period.start:
            continue
        if end != expected_end or record.get("status") not in MEASURED_STATUSES:
            break
        chain.append(record)
        expected_end = start - timedelta(days=1)
    return chain


def _valid_until(program: Program, version: ProgramVersion, anchor: datetime) -> str:
    """The last local day the awarded badge is valid (the same for every partner of a run: memoised)."""
    return program.remember(("valid_until", version.version, anchor), lambda: _badge_end(program, version, anchor))


def _badge_end(program: Program, version: ProgramVersion, anchor: datetime) -> str:
    validity = version.validity
    today = local_date(anchor, program.tz)
    if validity.kind == "days":
        return (today + timedelta(days=validity.length - 1)).isoformat()
    if validity.kind == "months":
        first = add_months(today, validity.length)
        same_day = first.replace(day=min(today.day, month_end(first).day))
        return (same_day - timedelta(days=1)).isoformat()
    return (local_date(program.next_evaluation_after(anchor), program.tz) - timedelta(days=1)).isoformat()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _exact(value: int | float) -> Fraction:
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
