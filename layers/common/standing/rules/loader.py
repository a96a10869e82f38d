"""Load and validate `programs/<id>.yaml` files into `Program` objects.

Validation is strict (unknown keys are errors: a misspelt `thresold` must not silently fall back to nothing) and
every error names the file, the path inside it (``metrics[2].threshold``) and what is wrong.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from standing.day_aggregate import COUNTERS, INSTANT_COUNTERS, SETS, SUMS
from standing.rules.periods import Schedule, Window, local_instant
from standing.rules.schema import (
    METRIC_KINDS,
    OPS,
    Exclusion,
    Gate,
    LadderStep,
    Membership,
    Metric,
    Program,
    ProgramError,
    ProgramVersion,
    Segments,
    Threshold,
    Unit,
    Validity,
    as_fraction,
    segment_key,
)

PROGRAMS_DIR = Path(__file__).resolve().parent.parent / "programs"

# Risk flags the events contract knows (risk.flag_raised `flag`).
FLAGS = ("fraud", "counterfeit")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# Units each metric kind needs for its headroom sentences.
UNIT_ROLES = {
    "ratio": ("hit", "miss", "sample"),
    "mean": ("hit", "miss", "sample"),
    "count": ("amount",),
    "distinct": ("amount",),
    "latest": ("amount",),
    "flag_free": (),
    "lifetime_days": ("amount",),
}
# Input fields per metric kind: field -> the names it may take (None: any identifier).
RATIO_COUNTERS = (*COUNTERS, *INSTANT_COUNTERS)
INPUTS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "ratio": {"numerator": RATIO_COUNTERS, "denominator": RATIO_COUNTERS},
    "mean": {"sum": SUMS, "count": COUNTERS},
    "count": {"count": COUNTERS},
    "distinct": {"set": SETS},
    "latest": {"score": None},
    "flag_free": {"flag": FLAGS},
    "lifetime_days": {"attribute": None},
}


class _Node:
    """A value read from YAML together with where it was found, for error messages."""

    def __init__(self, file: str, path: str, value: Any) -> None:
        self.file, self.path, self.value = file, path, value

    def fail(self, message: str) -> NoReturn:
        raise ProgramError(self.file, self.path, message)

    def _sub(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    # ----- shapes
    def mapping(self, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> _Node:
        if not isinstance(self.value, dict):
            self.fail(f"expected a mapping, got {_type(self.value)}")
        for key in self.value:
            if key not in allowed:
                self.fail(f"unknown key {key!r}; allowed keys: {', '.join(allowed)}")
        for key in required:
            if key not in self.value:
                self._child_path_fail(key, "is required")
        return self

    def _child_path_fail(self, key: str, message: str) -> NoReturn:
        raise ProgramError(self.file, self._sub(key), message)

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def get(self, key: str, default: Any = None) -> _Node:
        return _Node(self.file, self._sub(key), self.value.get(key, default))

    def items(self) -> list[_Node]:
        if not isinstance(self.value, list):
            self.fail(f"expected a list, got {_type(self.value)}")
        return [_Node(self.file, self._sub(i), v) for i, v in enumerate(self.value)]

    def entries(self) -> list[tuple[str, _Node]]:
        if not isinstance(self.value, dict):
            self.fail(f"expected a mapping, got {_type(self.value)}")
        return [(str(k), _Node(self.file, self._sub(str(k)), v)) for k, v in self.value.items()]

    # ----- scalars
    def string(self, pattern: re.Pattern[str] | None = None) -> str:
        if not isinstance(self.value, str) or not self.value.strip():
            self.fail(f"expected a non-empty string, got {_type(self.value)}")
        if pattern is not None and not pattern.match(self.value):
            self.fail(f"{self.value!r} is not a valid identifier (lowercase letters, digits, '-' and '_')")
        return self.value.strip()

    def choice(self, options: tuple[str, ...]) -> str:
        if self.value not in options:
            self.fail(f"{self.value!r} is not one of: {', '.join(options)}")
        return str(self.value)

    def integer(self, minimum: int, maximum: int | None = None) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            self.fail(f"expected an integer, got {_type(self.value)}")
        if self.value < minimum or (maximum is not None and self.value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            self.fail(f"{self.value} must be {bound}")
        return self.value

    def number(self) -> Fraction:
        try:
            return as_fraction(self.value)
        except (ValueError, ZeroDivisionError) as exc:
            self.fail(f'expected a number (e.g. 0.9, "4.60" or "1.5%"), got {self.value!r}: {exc}')

    def day(self) -> date:
        if isinstance(self.value, datetime):
            self.fail("expected a date (YYYY-MM-DD), got a date and time")
        if isinstance(self.value, date):
            return self.value
        if isinstance(self.value, str):
            with contextlib.suppress(ValueError):
                return date.fromisoformat(self.value)
        self.fail(f"expected a date (YYYY-MM-DD), got {self.value!r}")

    def instant(self, tz: ZoneInfo, at: time) -> datetime:
        """A date (read as local `at` in `tz`) or an RFC 3339 date-time with offset."""
        if isinstance(self.value, date) and not isinstance(self.value, datetime):
            return local_instant(self.value, at, tz)
        parsed: datetime | None = self.value if isinstance(self.value, datetime) else None
        if isinstance(self.value, str):
            try:
                return local_instant(date.fromisoformat(self.value), at, tz)
            except ValueError:
                try:
                    parsed = datetime.fromisoformat(self.value)
                except ValueError:
                    parsed = None
        if parsed is None:
            self.fail(f"expected a date or an RFC 3339 date-time, got {self.value!r}")
        if parsed.tzinfo is None:
            self.fail("a date-time needs an offset (e.g. 2024-08-04T00:00:00+08:00)")
        return parsed.astimezone(UTC)

    def clock(self) -> time:
        if isinstance(self.value, str):
            with contextlib.suppress(ValueError):
                return time.fromisoformat(self.value)
        self.fail(f'expected a quoted local time "HH:MM", got {self.value!r}')

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail(f"expected true or false, got {_type(self.value)}")
        return self.value


def _type(value: Any) -> str:
    if value is None:
        return "nothing"
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), type(value).__name__)


# ---------------------------------------------------------------------------------------------------- program


TOP_KEYS = (
    "id", "name", "description", "time_zone", "schedule", "window", "membership", "gates", "segments",
    "suspend_while_flag_open", "counting_starts", "first_evaluation", "excluded", "metrics", "regions",
    "consequences", "benefits", "versions",
)  # fmt: skip


def load_program(path: Path) -> Program:
    """Read and validate one program file."""
    file = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ProgramError(file, where, f"not valid YAML: {exc}") from exc
    root = _Node(file, "", raw).mapping(
        TOP_KEYS, ("id", "name", "time_zone", "schedule", "window", "metrics", "versions")
    )
    program_id = root.get("id").string(ID_PATTERN)
    if program_id != path.stem:
        root.get("id").fail(f"the id {program_id!r} must match the file name {path.stem!r}")
    tz_node = root.get("time_zone")
    time_zone = _zone(tz_node)
    tz = ZoneInfo(time_zone)
    schedule = _schedule(root.get("schedule"), time_zone)
    segments = _segments(root.get("segments")) if root.has("segments") else None
    segment_names: tuple[str | None, ...] = segments.names if segments else (None,)

    base_metrics = _metrics(root.get("metrics"), segment_names)
    metric_ids = {m.id for m in base_metrics}
    base_regions = _regions(root.get("regions", {}), metric_ids, segment_names, base_metrics)
    base_conseq = _consequences(root.get("consequences", {}))
    base_benefits = _benefits(root.get("benefits", {}))

    versions = _versions(
        root.get("versions"), program_id, tz, base_metrics, base_regions, base_conseq, base_benefits, segment_names
    )
    first_evaluation = None
    if root.has("first_evaluation") and root.get("first_evaluation").value is not None:
        node = root.get("first_evaluation")
        first_evaluation = node.instant(tz, schedule.at)
        if not schedule.is_scheduled(first_evaluation):
            node.fail(f"{first_evaluation.isoformat()} is not an instant of the schedule ({schedule.describe()})")

    return Program(
        id=program_id,
        name=root.get("name").string(),
        description=str(root.get("description", "").value or "").strip(),
        source=file,
        time_zone=time_zone,
        schedule=schedule,
        window=_window(root.get("window")),
        membership_rules=_membership(root.get("membership", "automatic")),
        gates=tuple(_gate(node) for node in root.get("gates", []).items()),
        segments=segments,
        suspend_flags=tuple(n.choice(FLAGS) for n in root.get("suspend_while_flag_open", []).items()),
        counting_starts=root.get("counting_starts").day() if root.get("counting_starts").value is not None else None,
        first_evaluation=first_evaluation,
        excluded=tuple(_exclusion(node) for node in root.get("excluded", []).items()),
        versions=versions,
    )


def load_programs(directory: Path | None = None) -> dict[str, Program]:
    """Every `*.yaml` program in `directory` (default: the packaged `standing/programs`), by id."""
    folder = Path(directory) if directory is not None else PROGRAMS_DIR
    if not folder.is_dir():
        raise ProgramError(str(folder), "", "the programs directory does not exist")
    programs: dict[str, Program] = {}
    for path in sorted(folder.glob("*.yaml")):
        program = load_program(path)
        programs[program.id] = program
    return programs


def _zone(node: _Node) -> str:
    name = node.string()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        node.fail(f"{name!r} is not an IANA time zone (e.g. Asia/Taipei)")
    return name


def _schedule(node: _Node, default_tz: str) -> Schedule:
    node.mapping(("monthly", "every_n_days", "time_zone"))
    kinds = [k for k in ("monthly", "every_n_days") if node.has(k)]
    if len(kinds) != 1:
        node.fail("give exactly one of 'monthly' or 'every_n_days'")
    time_zone = _zone(node.get("time_zone")) if node.has("time_zone") else default_tz
    body = node.get(kinds[0])
    if kinds[0] == "monthly":
        body.mapping(("day", "at"), ("day",))
        day = body.get("day")
        if isinstance(day.value, int) and not isinstance(day.value, bool) and 28 < day.value <= 31:
            day.fail(f"day {day.value} does not exist in every month; use 1-28")
        return Schedule("monthly", time_zone, body.get("at", "00:00").clock(), day=day.integer(1, 28))
    body.mapping(("days", "start", "at"), ("days", "start"))
    return Schedule(
        "every_n_days",
        time_zone,
        body.get("at", "00:00").clock(),
        every_days=body.get("days").integer(1, 366),
        start=body.get("start").day(),
    )


def _window(node: _Node) -> Window:
    node.mapping(("calendar_months", "days"))
    kinds = [k for k in ("calendar_months", "days") if node.has(k)]
    if len(kinds) != 1:
        node.fail("give exactly one of 'calendar_months' or 'days'")
    maximum = 24 if kinds[0] == "calendar_months" else 731
    return Window(kinds[0], node.get(kinds[0]).integer(1, maximum))


def _membership(node: _Node) -> Membership:
    if isinstance(node.value, str):
        return Membership(node.choice(("automatic", "opt_in")))
    node.mapping(("mode", "opt_in_requires_criteria"), ("mode",))
    return Membership(
        node.get("mode").choice(("automatic", "opt_in")),
        node.get("opt_in_requires_criteria", True).boolean(),
    )


def _gate(node: _Node) -> Gate:
    node.mapping(("attribute", "equals", "one_of", "reason"), ("attribute", "reason"))
    if node.has("equals") == node.has("one_of"):
        node.fail("give exactly one of 'equals' or 'one_of'")
    if node.has("equals"):
        allowed: tuple[Any, ...] = (node.get("equals").value,)
    else:
        allowed = tuple(n.value for n in node.get("one_of").items())
        if not allowed:
            node.get("one_of").fail("list at least one value")
    return Gate(node.get("attribute").string(), allowed, node.get("reason").string())


def _segments(node: _Node) -> Segments:
    node.mapping(("attribute", "names", "default", "aliases"), ("attribute", "names", "default"))
    names = tuple(n.string(ID_PATTERN) for n in node.get("names").items())
    if len(names) < 2 or len(set(names)) != len(names):
        node.get("names").fail("list two or more distinct segment names")
    default = node.get("default").choice(names)
    aliases: dict[str, str] = {}
    for key, value in node.get("aliases", {}).entries():
        normalised = segment_key(key)
        if not normalised:
            value.fail("an alias needs letters or digits")
        if aliases.get(normalised, value.value) != value.value:
            value.fail(f"{key!r} matches another alias (as {normalised!r}) that selects {aliases[normalised]!r}")
        aliases[normalised] = value.choice(names)
    return Segments(node.get("attribute").string(), names, default, aliases)


def _exclusion(node: _Node) -> Exclusion:
    node.mapping(("from", "to", "reason", "regions"), ("from", "to", "reason"))
    start, end = node.get("from").day(), node.get("to").day()
    if end < start:
        node.get("to").fail(f"{end} is before 'from' ({start})")
    regions = None
    if node.has("regions"):
        regions = frozenset(n.string() for n in node.get("regions").items())
    return Exclusion(start, end, node.get("reason").string(), regions)


# ---------------------------------------------------------------------------------------------------- metrics

METRIC_KEYS = (
    "id", "title", "advice", "kind", "op", "threshold", "numerator", "denominator", "sum", "count", "set", "score",
    "flag", "attribute", "missing", "scale", "min_sample", "window_days", "when_no_data", "units", "group",
)  # fmt: skip
# Inputs that may name several counters (summed) or attributes (the latest counts).
LIST_INPUTS = ("numerator", "denominator", "attribute")


def _metrics(node: _Node, segments: tuple[str | None, ...]) -> tuple[Metric, ...]:
    items = node.items()
    if not items:
        node.fail("a program needs at least one metric")
    metrics: list[Metric] = []
    seen: set[str] = set()
    for item in items:
        metric = _metric(item, segments)
        if metric.id in seen:
            item.get("id").fail(f"duplicate metric id {metric.id!r}")
        seen.add(metric.id)
        metrics.append(metric)
    return tuple(metrics)


def _metric(node: _Node, segments: tuple[str | None, ...]) -> Metric:
    node.mapping(METRIC_KEYS, ("id", "title", "kind"))
    metric_id = node.get("id").string(ID_PATTERN)
    kind = node.get("kind").choice(METRIC_KINDS)
    inputs: dict[str, Any] = {}
    for key, names in INPUTS[kind].items():
        field_node = node.get(key)
        if field_node.value is None:
            node._child_path_fail(key, f"is required for a {kind} metric")
        if key in LIST_INPUTS:
            parts = field_node.items() if isinstance(field_node.value, list) else [field_node]
            if not parts:
                field_node.fail(f"list at least one {_input_noun(key)}")
            values = tuple(part.string() for part in parts)
            for part, value in zip(parts, values, strict=True):
                if names is not None and value not in names:
                    part.fail(f"unknown {_input_noun(key)} {value!r}; known: {', '.join(names)}")
            inputs[key] = values
            continue
        value = field_node.string()
        if names is not None and value not in names:
            field_node.fail(f"unknown {_input_noun(key)} {value!r}; known: {', '.join(names)}")
        inputs[key] = value
    missing: dict[str, str] = {}
    if node.has("missing"):
        if kind != "lifetime_days":
            node._child_path_fail("missing", "applies only to a lifetime_days metric")
        for attribute, reason in node.get("missing").entries():
            if attribute not in inputs["attribute"]:
                reason.fail(f"{attribute!r} is not one of this metric's attributes")
            missing[attribute] = reason.string()
    for key in ("numerator", "denominator", "sum", "count", "set", "score", "flag", "attribute"):
        if key not in INPUTS[kind] and node.has(key):
            node._child_path_fail(key, f"does not apply to a {kind} metric")

    categorical = False
    thresholds: dict[str | None, Threshold]
    if kind == "flag_free":
        op, thresholds = "==", {s: "clear" for s in segments}
        for key in ("op", "threshold"):
            if node.has(key):
                node._child_path_fail(key, "a flag_free metric passes when no flag is open; give no op/threshold")
    else:
        if not node.has("op"):
            node._child_path_fail("op", f"is required ({', '.join(OPS)})")
        op = node.get("op").choice(OPS)
        categorical = op == "=="
        if categorical and kind != "latest":
            node.get("op").fail("'==' compares a reported category; use it only with a latest metric")
        if not node.has("threshold"):
            node._child_path_fail("threshold", "is required")
        thresholds = _threshold(node.get("threshold"), segments, categorical)

    scale = None
    events = ((1, 1), (0, 1))
    if kind == "mean":
        if not node.has("scale"):
            node._child_path_fail("scale", "is required for a mean metric: [lowest, highest] rating")
        scale_items = node.get("scale").items()
        if len(scale_items) != 2:
            node.get("scale").fail("expected [lowest, highest]")
        low, high = scale_items[0].number(), scale_items[1].number()
        if low >= high:
            node.get("scale").fail("the lowest rating must be below the highest")
        scale = (low, high)
        events = ((high.numerator, high.denominator), (low.numerator, low.denominator))
    elif node.has("scale"):
        node._child_path_fail("scale", "applies only to a mean metric")

    min_sample = 1
    if node.has("min_sample"):
        if kind not in ("ratio", "mean"):
            node._child_path_fail("min_sample", "applies only to ratio and mean metrics")
        min_sample = node.get("min_sample").integer(1)
    window_days = None
    if node.has("window_days"):
        if kind in ("flag_free", "lifetime_days"):
            node._child_path_fail("window_days", f"a {kind} metric is read at evaluation time, not over days")
        window_days = node.get("window_days").integer(1, 1096)

    units = {}
    units_node = node.get("units", {})
    roles = UNIT_ROLES[kind] if not categorical else ()
    if units_node.value:
        if not roles:
            units_node.fail("this metric has no headroom amount, so it takes no units")
        units_node.mapping(roles)
    for role in roles:
        if not units_node.has(role):
            units_node._child_path_fail(role, f"is required: [singular, plural] English words for headroom ({kind})")
        units[role] = _unit(units_node.get(role), f"{metric_id}.{role}")

    return Metric(
        id=metric_id,
        title=node.get("title").string(),
        advice=str(node.get("advice", "").value or "").strip(),
        group=node.get("group").string(ID_PATTERN) if node.has("group") else None,
        kind=kind,
        op=op,
        thresholds=thresholds,
        scale=scale,
        events=events,
        min_sample=min_sample,
        window_days=window_days,
        when_no_data=node.get("when_no_data", "not_applicable").choice(("not_applicable", "fail")),
        units=units,
        missing=missing,
        **inputs,
    )


def _input_noun(key: str) -> str:
    return {"sum": "sum", "set": "set", "flag": "flag", "score": "score", "attribute": "attribute"}.get(key, "counter")


def _unit(node: _Node, key: str) -> Unit:
    if isinstance(node.value, dict):
        node.mapping(("key", "one", "other"), ("one", "other"))
        return Unit(node.get("key", key).string(), node.get("one").string(), node.get("other").string())
    items = node.items()
    if len(items) != 2:
        node.fail("expected [singular, plural]")
    return Unit(key, items[0].string(), items[1].string())


def _threshold(node: _Node, segments: tuple[str | None, ...], categorical: bool) -> dict[str | None, Threshold]:
    read: Callable[[_Node], Threshold] = (lambda n: n.string()) if categorical else (lambda n: n.number())
    if isinstance(node.value, dict):
        if segments == (None,):
            node.fail("per-segment thresholds need a 'segments' section in the program")
        node.mapping(tuple(s for s in segments if s is not None))
        out: dict[str | None, Threshold] = {}
        for segment in segments:
            if not node.has(str(segment)):
                node._child_path_fail(str(segment), f"missing threshold for segment {segment!r}")
            out[segment] = read(node.get(str(segment)))
        return out
    if node.value is None:
        node.fail("is required")
    value = read(node)
    return {segment: value for segment in segments}


def _regions(
    node: _Node, metric_ids: set[str], segments: tuple[str | None, ...], metrics: tuple[Metric, ...]
) -> dict[str, dict[str, dict[str | None, Threshold]]]:
    """`regions: {REGION: {thresholds: {metric_id: threshold}}}`."""
    categorical = {m.id: m.op == "==" for m in metrics}
    flags = {m.id for m in metrics if m.kind == "flag_free"}
    out: dict[str, dict[str, dict[str | None, Threshold]]] = {}
    for region, body in node.entries():
        body.mapping(("thresholds",), ("thresholds",))
        out[region] = _threshold_overrides(body.get("thresholds"), metric_ids, segments, categorical, flags)
    return out


def _threshold_overrides(
    node: _Node,
    metric_ids: set[str],
    segments: tuple[str | None, ...],
    categorical: dict[str, bool],
    flags: set[str],
) -> dict[str, dict[str | None, Threshold]]:
    out: dict[str, dict[str | None, Threshold]] = {}
    for metric_id, value in node.entries():
        if metric_id not in metric_ids:
            value.fail(f"unknown metric {metric_id!r}; this program's metrics: {', '.join(sorted(metric_ids))}")
        if metric_id in flags:
            value.fail("a flag_free metric has no threshold to override")
        out[metric_id] = _threshold(value, segments, categorical[metric_id])
    return out


def _consequences(node: _Node) -> dict[str, Any]:
    node.mapping(("badge_valid", "ladder", "min_applicable"))
    out: dict[str, Any] = {}
    if node.has("badge_valid"):
        out["validity"] = _validity(node.get("badge_valid"))
    if node.has("ladder"):
        steps = []
        for item in node.get("ladder").items():
            item.mapping(("consequence", "min_failing", "consecutive"), ("consequence", "min_failing"))
            steps.append(
                LadderStep(
                    item.get("consequence").string(ID_PATTERN),
                    item.get("min_failing").integer(1),
                    item.get("consecutive", 1).integer(1, 24),
                )
            )
        out["ladder"] = tuple(steps)
    if node.has("min_applicable"):
        out["min_applicable"] = node.get("min_applicable").integer(0)
    return out


def _validity(node: _Node) -> Validity:
    if node.value == "next_evaluation":
        return Validity("next_evaluation")
    if isinstance(node.value, dict):
        node.mapping(("days", "months"))
        if len(node.value) == 1:
            kind = next(iter(node.value))
            return Validity(kind, node.get(kind).integer(1, 3660))
    node.fail("expected 'next_evaluation', {days: N} or {months: N}")


def _benefits(node: _Node) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.entries():
        if isinstance(value.value, bool | str):
            out[key] = value.value
        elif isinstance(value.value, int | float):
            out[key] = float(value.number()) if isinstance(value.value, float) else value.value
        else:
            value.fail("a benefit is a number, a string or a boolean")
    return out


def _versions(
    node: _Node,
    program_id: str,
    tz: ZoneInfo,
    base_metrics: tuple[Metric, ...],
    base_regions: dict[str, dict[str, dict[str | None, Threshold]]],
    base_conseq: dict[str, Any],
    base_benefits: dict[str, Any],
    segments: tuple[str | None, ...],
) -> tuple[ProgramVersion, ...]:
    """Dated versions: each is the base rules plus its own overrides (thresholds, regions, consequences,
    benefits). They must not overlap: at any instant at most one is in force."""
    items = node.items()
    if not items:
        node.fail("list at least one version (version, effective_from)")
    metric_ids = {m.id for m in base_metrics}
    categorical = {m.id: m.op == "==" for m in base_metrics}
    flags = {m.id for m in base_metrics if m.kind == "flag_free"}
    versions: list[tuple[_Node, ProgramVersion]] = []
    for item in items:
        item.mapping(
            ("version", "effective_from", "effective_to", "notes", "thresholds", "regions", "consequences", "benefits"),
            ("version", "effective_from"),
        )
        name = item.get("version").value
        if isinstance(name, int | float) and not isinstance(name, bool):
            name = str(name)
        name = _Node(item.file, item.get("version").path, name).string()
        start = item.get("effective_from").instant(tz, time(0))
        end = item.get("effective_to").instant(tz, time(0)) if item.has("effective_to") else None
        if end is not None and end <= start:
            item.get("effective_to").fail("must be after effective_from")
        overrides = _threshold_overrides(item.get("thresholds", {}), metric_ids, segments, categorical, flags)
        metrics = tuple(_with_thresholds(m, overrides[m.id]) if m.id in overrides else m for m in base_metrics)
        regions = {r: dict(v) for r, v in base_regions.items()}
        for region, body in item.get("regions", {}).entries():
            body.mapping(("thresholds",), ("thresholds",))
            regions.setdefault(region, {}).update(
                _threshold_overrides(body.get("thresholds"), metric_ids, segments, categorical, flags)
            )
        conseq = {**base_conseq, **_consequences(item.get("consequences", {}))}
        benefits = {**base_benefits, **_benefits(item.get("benefits", {}))}
        version = ProgramVersion(
            program_id=program_id,
            version=name,
            effective_from=start,
            effective_to=end,
            metrics=metrics,
            regions=regions,
            ladder=conseq.get("ladder", ()),
            validity=conseq.get("validity", Validity("next_evaluation")),
            benefits=benefits,
            min_applicable=conseq.get("min_applicable", 1),
        )
        versions.append((item, version))

    names = [v.version for _, v in versions]
    for item, version in versions:
        if names.count(version.version) > 1:
            item.get("version").fail(f"duplicate version {version.version!r}")
    ordered = sorted(versions, key=lambda pair: pair[1].effective_from)
    for (_, earlier), (item, later) in pairwise(ordered):
        if earlier.effective_to is None or earlier.effective_to > later.effective_from:
            if earlier.effective_to is not None or earlier.effective_from == later.effective_from:
                item.get("effective_from").fail(
                    f"version {later.version!r} overlaps version {earlier.version!r} "
                    f"(in force from {earlier.effective_from.isoformat()}"
                    + (f" to {earlier.effective_to.isoformat()})" if earlier.effective_to else ")")
                )
            # An open-ended version ends where the next one begins.
            earlier.effective_to = later.effective_from
    return tuple(v for _, v in ordered)


def _with_thresholds(metric: Metric, thresholds: dict[str | None, Threshold]) -> Metric:
    return replace(metric, thresholds=thresholds)
