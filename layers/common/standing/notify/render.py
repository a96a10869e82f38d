"""Render partner emails (report, at-risk warning, membership confirmation) in the partner's locale.

Python builds a view model of already-localized strings; the Jinja2 templates only lay it out. HTML templates
autoescape, so partner-supplied text (names, program names) is always escaped; subjects are stripped of CR, LF and
other control characters before they reach a header.

Dates and times are shown in the program's time zone, named in words in the email, in one date style per locale
(`dates` in each locale file: Thai with Buddhist-era years, Vietnamese dd/mm/yyyy...). What to do next is chosen for
the email's situation (`situation()`), from the program's `actions` and each failing metric's `action`."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from numbers import Number
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import get_timezone_location
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, PackageLoader, StrictUndefined

from standing import catalog
from standing.notify.catalog import ACTION_PLANS, GENERIC_PLAN, MetricFormat, Texts, metric_format, resolve_locale

# Control characters, and the bidirectional controls that can make a display name read as something else.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+")
_OPS = {
    ">=": ">=",
    "gte": ">=",
    "ge": ">=",
    "min": ">=",
    ">": ">",
    "gt": ">",
    "<=": "<=",
    "lte": "<=",
    "le": "<=",
    "max": "<=",
    "<": "<",
    "lt": "<",
    "==": "==",
    "=": "==",
    "eq": "==",
    "!=": "!=",
    "ne": "!=",
}
TONE_COLORS = {
    "good": ("#e6f4ea", "#1a7f37"),
    "warn": ("#fff4e5", "#9a4d00"),
    "bad": ("#fdecea", "#b3261e"),
    "neutral": ("#eef1f4", "#44505c"),
}
STATUS_TONE = {
    "awarded": "good",
    "not_awarded": "warn",
    "suspended": "bad",
    "ineligible": "neutral",
    "opted_out": "neutral",
}
CHIPS = {
    "pass": ("#e6f4ea", "#1a7f37", "✓"),
    "fail": ("#fdecea", "#b3261e", "✗"),
    "under_review": ("#fff4e5", "#9a4d00", "!"),
    "not_applicable": ("#eef1f4", "#5f6b7a", "–"),
}

_env = Environment(
    loader=PackageLoader("standing.notify", "templates"),
    autoescape=lambda name: bool(name and name.endswith(".html.j2")),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class RenderedEmail:
    kind: str
    locale: str
    subject: str
    html: str
    text: str
    program_name: str = ""
    sender_name: str = ""


@dataclass(frozen=True)
class EmailLinks:
    """Absolute links the email carries: the partner's page (every email) and the one-click unsubscribe."""

    portal: str = ""
    unsubscribe: str = ""


def header_safe(value: object, limit: int = 200) -> str:
    """One line of text fit for a mail header: control characters (CR, LF...) and bidirectional controls become
    spaces, whitespace collapses."""
    text = _CONTROL.sub(" ", str(value or ""))
    return " ".join(text.split())[:limit]


def _body_safe(value: object, limit: int = 200) -> str:
    return " ".join(str(value or "").split())[:limit]


def program_zone(program_id: str, detail: dict[str, Any] | None = None) -> tzinfo:
    """The program's time zone (from the loaded programs; an event's `time_zone` for a program not loaded here)."""
    try:
        return catalog.program(program_id).tz
    except catalog.UnknownProgram:
        named = str((detail or {}).get("time_zone") or "")
        try:
            return ZoneInfo(named) if named else UTC
        except (ZoneInfoNotFoundError, ValueError):
            return UTC


# ----------------------------------------------------------------------------------------------- formatting


class Formatter:
    def __init__(self, texts: Texts, tz: tzinfo) -> None:
        self.t = texts
        self.loc = texts.babel
        self.tz = tz
        self.d = texts.section("dates")

    # numbers
    def number(self, value: Any, digits: int = 2) -> str:
        return format_decimal(_num(value), format="#,##0." + "#" * digits, locale=self.loc)

    def percent(self, value: Any, digits: int = 1) -> str:
        return format_percent(_num(value), format="#,##0." + "#" * digits + "%", locale=self.loc)

    def count(self, n: Any, unit: object) -> str:
        """A number with its noun or classifier where the language needs one (Thai `5 รายการ`, Chinese `5 筆`)."""
        parts = self.t.unit(unit, float(_num(n)))
        noun, classifier = parts if parts else ("", "")
        return str(self.t.ui("count", n=self.number(n), noun=noun, clf=classifier)).strip()

    # dates: one style per locale, in the program's time zone
    def zone(self) -> str:
        key = getattr(self.tz, "key", "UTC")
        if key in ("UTC", "Etc/UTC", "GMT", "Etc/GMT"):
            return str(self.d["zone_utc"])
        name = get_timezone_location(self.tz, locale=self.loc)
        return name[0].lower() + name[1:] if self.d["zone_lowercase"] else name

    def _day(self, day: date) -> str:
        return str(self.d["date"]).format(
            d=day.day,
            dd=f"{day.day:02d}",
            mm=f"{day.month:02d}",
            m=day.month,
            month=self.d["months"][day.month - 1],
            y=day.year + int(self.d["year_offset"]),
        )

    def date(self, value: Any) -> str:
        parsed = _date(value) if not isinstance(value, datetime) else self._local(value).date()
        return self._day(parsed) if parsed else ""

    def _local(self, moment: datetime) -> datetime:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(self.tz)

    def instant(self, value: Any) -> str:
        """A moment: date and time in the program's time zone, the zone named in words."""
        moment = _datetime(value)
        if moment is None:
            return self.date(value)
        local = self._local(moment)
        clock = str(self.d["time"]).format(h=f"{local.hour:02d}", m=f"{local.minute:02d}")
        return str(self.d["instant"]).format(date=self._day(local.date()), time=clock, zone=self.zone())

    def period(self, period: Any) -> str:
        if not isinstance(period, dict):
            return ""
        start, end = _date(period.get("start")), _date(period.get("end"))
        if start is None or end is None:
            return _body_safe(f"{period.get('start', '')} – {period.get('end', '')}")
        last_day = calendar.monthrange(start.year, start.month)[1]
        if start.day == 1 and end == start.replace(day=last_day) and self.d["month"]:
            return str(self.d["month"]).format(
                month=self.d["months"][start.month - 1],
                m=start.month,
                mm=f"{start.month:02d}",
                y=start.year + int(self.d["year_offset"]),
            )
        return str(self.d["range"]).format(start=self._day(start), end=self._day(end))

    # metric values
    def value(self, metric_id: str, value: Any, fmt: MetricFormat | None = None, precise: bool = False) -> str:
        """The value as the partner reads it; `precise` adds digits (a value that rounds onto its threshold)."""
        fmt = fmt or metric_format(metric_id)
        if value is None or value == "":
            return "—"
        if fmt.kind == "flag" or isinstance(value, bool):
            return str(self.t.section("flag")["clear" if _truthy(value) else "open"])
        if fmt.kind == "category" or not _is_number(value):
            return str(self.t.section("category").get(str(value), _body_safe(value, 60)))
        if fmt.kind == "percent":
            return self.percent(value, 3 if precise else 1)
        if fmt.kind == "score" and fmt.scale:
            shown = self.number(value, 4 if precise else 2)
            return str(self.t.section("score_of")).format(v=shown, scale=self.number(fmt.scale))
        if fmt.kind == "days":
            n = _num(value)
            return self.t.ui("days", count=1 if n == 1 else 2, n=self.number(n))
        if fmt.unit:
            return self.count(value, fmt.unit)
        return self.number(value, 4 if precise else 2)

    def shown_value(self, metric_id: str, metric: dict[str, Any]) -> str:
        """The value, with enough digits that it never reads the same as a threshold it does not meet."""
        value, threshold = metric.get("value"), metric.get("threshold")
        shown = self.value(metric_id, value)
        numeric = _is_number(value) and _is_number(threshold)
        if numeric and _num(value) != _num(threshold) and shown == self.value(metric_id, threshold):
            return self.value(metric_id, value, precise=True)
        return shown

    def threshold(self, metric_id: str, metric: dict[str, Any]) -> str:
        threshold = metric.get("threshold")
        if threshold is None:
            return "—"
        fmt = metric_format(metric_id)
        if fmt.kind == "flag":
            return str(self.t.section("flag")["required"])
        shown = self.value(metric_id, threshold, fmt)
        op = _OPS.get(str(metric.get("op", "")).strip().lower())
        return str(self.t.section("op")[op]).format(v=shown) if op else shown

    def gap(self, metric_id: str, amount: float) -> str:
        fmt = metric_format(metric_id)
        if fmt.kind == "percent":
            return self.t.ui("pp", v=self.number(round(amount * 100, 2)))
        if fmt.kind == "days":
            return self.value(metric_id, amount, fmt)
        if fmt.kind == "score":
            return self.count(round(amount, 2), "points")
        if fmt.unit:
            return self.count(round(amount, 2), fmt.unit)
        return self.number(round(amount, 2))

    def headroom(self, metric_id: str, metric: dict[str, Any]) -> str:
        """How far the metric is from the requirement, in the partner's language (from the engine's fields)."""
        outcome = outcome_of(metric_id, metric)
        phrases = self.t.section("headroom")
        amount, kind, unit_key = metric.get("headroom_amount"), metric.get("headroom_kind"), metric.get("headroom_unit")
        if outcome == "under_review":
            return str(phrases["under_review"])
        if outcome == "fail" and metric.get("value") in (None, ""):
            # Nothing measured (no reviews, no score reported): say so rather than how many more would count.
            if self.t.locale == "en" and metric.get("reason"):
                return _sentence(_body_safe(metric["reason"], 160))
            return self.t.ui("no_data")
        if _is_number(amount) and kind in ("needed", "allowed", "margin", "until_applicable"):
            n = _num(amount)
            if kind == "until_applicable":
                phrase = self._amount_phrase(phrases, kind, n, unit_key, metric)
                if outcome != "not_applicable":
                    return _sentence(phrase)
                return self.t.ui("not_counted_until", phrase=phrase)
            if outcome == "not_applicable":
                return self.t.ui("not_counted")
            return self._amount_phrase(phrases, kind, n, unit_key, metric)
        if outcome == "not_applicable":
            return self.t.ui("not_counted")
        value, threshold = metric.get("value"), metric.get("threshold")
        if kind in (None, "") and _is_number(value) and _is_number(threshold):
            diff = abs(float(_num(value)) - float(_num(threshold)))
            key = "gap_short" if outcome == "fail" else "gap_room"
            return str(phrases[key]).format(gap=self.gap(metric_id, diff))
        if self.t.locale == "en" and outcome == "fail" and metric.get("reason"):
            return _sentence(_body_safe(metric["reason"], 160))
        return ""  # the outcome label already says it

    def _amount_phrase(
        self, phrases: dict[str, str], kind: str, n: Decimal, unit_key: object, metric: dict[str, Any]
    ) -> str:
        parts = self.t.unit(unit_key, float(n))
        if parts is None and self.t.locale == "en" and metric.get("headroom"):
            return _sentence(_body_safe(metric["headroom"], 160))
        if parts is None:
            return str(phrases[f"{kind}_plain"]).format(amount=self.number(n))
        if kind == "allowed" and n == 0:
            noun, classifier = self.t.unit(unit_key, 1) or parts
            return str(phrases["allowed_none"]).format(noun=noun, clf=classifier)
        noun, classifier = parts
        return str(phrases[kind]).format(amount=self.number(n), noun=noun, clf=classifier)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, Number | Decimal):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return value.strip().lower() not in ("nan", "inf", "-inf", "infinity")
    return False


def _num(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "clear", "pass", "none")
    return bool(value)


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and "T" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def outcome_of(metric_id: str, metric: dict[str, Any]) -> str:
    """The outcome as the partner reads it: a failing fraud or counterfeit check is `under_review`, not a failure."""
    outcome = str(metric.get("outcome", "not_applicable"))
    if outcome == "fail" and (metric_format(metric_id).kind == "flag" or metric.get("kind") == "flag_free"):
        return "under_review"
    return outcome


# ----------------------------------------------------------------------------------------------- view models


def program_of(detail: dict[str, Any]) -> tuple[str, str]:
    """(program id, program name) of an event: every detail names its program the one way, `program` (the id) and
    `program_name` (standing.contracts, docs/bus-events.md)."""
    return str(detail.get("program") or ""), str(detail.get("program_name") or "")


def _program_view(texts: Texts, detail: dict[str, Any]) -> dict[str, Any]:
    program_id, event_name = program_of(detail)
    known = texts.program(program_id)
    generic = texts.generic_program()
    name = known["name"] if known else _body_safe(event_name or program_id, 120)
    entry = known or generic
    return {
        "id": program_id,
        "name": name,
        "full": (known or {}).get("full_name") or name,  # with its English name in brackets, said once
        "sender": (known or {}).get("sender") or name,
        "address": entry.get("address", ""),
        "badge": entry["badge"],
        "status": (known or {}).get("status", {}),
        "actions": entry["actions"],
        "plan": ACTION_PLANS.get(program_id, GENERIC_PLAN),
    }


def _program_actions(program: dict[str, Any], situation: str, **params: Any) -> list[str]:
    keys = program["plan"].get(situation, [])
    return [str(program["actions"][key]).format(**params) for key in keys]


def _metric_rows(fmt: Formatter, metrics: Any, only: list[str] | None = None) -> list[dict[str, Any]]:
    if not isinstance(metrics, dict):
        return []
    ids = [m for m in only if m in metrics] if only is not None else list(metrics)
    rows = []
    for metric_id in ids:
        metric = metrics[metric_id] if isinstance(metrics[metric_id], dict) else {"value": metrics[metric_id]}
        outcome = outcome_of(metric_id, metric)
        bg, fg, mark = CHIPS.get(outcome, CHIPS["not_applicable"])
        rows.append(
            {
                "id": metric_id,
                "title": fmt.t.metric_title(metric_id),
                "value": fmt.shown_value(metric_id, metric),
                "threshold": fmt.threshold(metric_id, metric),
                "outcome": outcome,
                "outcome_label": fmt.t.section("outcome").get(outcome, outcome),
                "headroom": fmt.headroom(metric_id, metric),
                "action": fmt.t.metric_text(metric_id, "action"),
                "about": fmt.t.metric_text(metric_id, "about"),
                "close": _close_to_requirement(metric),
                "chip": {"bg": bg, "fg": fg, "mark": mark},
            }
        )
    return rows


def _close_to_requirement(metric: dict[str, Any], margin: float = 0.1) -> bool:
    """A passing metric within `margin` (relative) of its threshold: worth a word on how to keep it."""
    value, threshold = metric.get("value"), metric.get("threshold")
    if not (_is_number(value) and _is_number(threshold)) or metric.get("outcome") != "pass":
        return False
    value_f, threshold_f = float(_num(value)), float(_num(threshold))
    if threshold_f == 0:
        return value_f == 0
    return abs(value_f - threshold_f) / abs(threshold_f) < margin


def _greeting(texts: Texts, partner: Any) -> str:
    name = _body_safe(partner.get("name"), 120) if isinstance(partner, dict) else ""
    return texts.ui("greeting", name=name) if name else texts.ui("greeting_no_name")


def _consequences(texts: Texts, items: Any, badge: str) -> list[str]:
    if isinstance(items, dict):
        items = [k for k, v in items.items() if v]
    if not isinstance(items, list):
        return []
    table = texts.section("consequence")
    return [str(table[str(item)]).format(badge=badge) for item in items if str(item) in table]


def _benefits(fmt: Formatter, benefits: Any, badge: str) -> list[str]:
    """The benefits an awarded partner enjoys, in words. The badge itself is already in the status; benefit keys
    without a translation are left out rather than shown as raw identifiers."""
    table = fmt.t.section("benefit")
    if isinstance(benefits, list):
        return [str(table[b]).format(badge=badge) for b in benefits if isinstance(b, str) and b in table]
    if not isinstance(benefits, dict):
        return []
    out = []
    for key, value in benefits.items():
        if key == "commission_uplift_pct" and _is_number(value):
            out.append(str(table[key]).format(pct=fmt.number(value), badge=badge))
        elif key in table and key != "commission_uplift_pct" and value:
            out.append(str(table[key]).format(badge=badge))
    return out


def membership_state(record: dict[str, Any]) -> str:
    """`never_joined` / `opted_in` / `opted_out` from the record's `membership`, or "" when the record has none."""
    membership = record.get("membership")
    if isinstance(membership, dict):
        return str(membership.get("state") or "")
    return str(membership or "") if isinstance(membership, str) else ""


def situation(record: dict[str, Any]) -> str:
    """Which advice fits a report: its status, with a partner outside an opt-in program told apart by whether it
    never joined or left."""
    status = str(record.get("status", ""))
    if status == "opted_out":
        state = membership_state(record)
        return "report_never_joined" if state == "never_joined" else "report_left"
    return f"report_{status}"


def _render(
    kind: str, texts: Texts, fmt: Formatter, subject: str, view: dict[str, Any], links: EmailLinks
) -> RenderedEmail:
    tone_bg, tone_fg = TONE_COLORS[view["tone"]]
    view = {
        **view,
        "lang": texts.locale,
        "subject": header_safe(subject, 300),
        "ui": texts.ui,
        "tone_bg": tone_bg,
        "tone_fg": tone_fg,
        "portal_url": links.portal,
        "unsubscribe_url": links.unsubscribe if "unsubscribe_note" in view else "",  # mandatory mail has none
        "zone_note": texts.ui("zone_note", zone=fmt.zone()),
    }
    html = _env.get_template(f"{kind}.html.j2").render(view)
    text = _env.get_template(f"{kind}.txt.j2").render(view)
    subject = view["subject"]
    # The locale's way of addressing the partner, made the marketplace's own (Vietnamese: Tiki's "Quý Nhà bán").
    default, own = texts.ui("address"), str(view["program"]["address"])
    if default and own and own != default:
        html, text, subject = (part.replace(default, own) for part in (html, text, subject))
    return RenderedEmail(
        kind=kind,
        locale=texts.locale,
        subject=subject,
        html=html,
        text=text,
        program_name=str(view["program"]["name"]),
        sender_name=str(view["program"]["sender"]),
    )


def _setup(detail: dict[str, Any]) -> tuple[dict[str, Any], Texts, Formatter, dict[str, Any]]:
    partner = detail.get("partner") or {}
    texts = Texts(resolve_locale(partner.get("locale")))
    program_id, _ = program_of(detail)
    fmt = Formatter(texts, program_zone(program_id, detail))
    return partner, texts, fmt, _program_view(texts, detail)


def render_report(detail: dict[str, Any], links: EmailLinks | None = None) -> RenderedEmail:
    """`Partner Evaluated` detail -> the evaluation report."""
    links = links or EmailLinks()
    record = detail.get("record") or {}
    partner, texts, fmt, program = _setup(detail)
    status = str(record.get("status", ""))
    where = situation(record)
    rows = _metric_rows(fmt, record.get("metrics"))
    failing = [r for r in rows if r["outcome"] == "fail"]
    period = fmt.period(record.get("period"))
    badge = program["badge"]
    next_evaluation = fmt.date(detail.get("next_evaluation"))
    membership = record.get("membership") if isinstance(record.get("membership"), dict) else {}
    left_on = fmt.date(membership.get("changed_on")) if membership else ""

    meaning_key = {"report_never_joined": "never_joined", "report_left": "left"}.get(where, status)
    meaning = [str(texts.section("status_meaning").get(meaning_key, "")).format(badge=badge, date=left_on)]
    if where == "report_left" and not left_on:
        meaning = [texts.ui("left_no_date")]
    if program["status"].get(meaning_key):
        meaning.append(str(program["status"][meaning_key]).format(badge=badge, next=next_evaluation))

    steps: list[dict[str, str]] = []
    to_act = [r for r in rows if r["outcome"] in ("fail", "under_review")]
    if to_act:
        steps_heading = texts.ui("next_steps_heading")
        steps = [{"title": r["title"], "text": r["action"]} for r in to_act if r["action"]]
    elif status == "awarded":
        steps_heading = texts.ui("keep_steps_heading", badge=badge)
        steps = [{"title": r["title"], "text": r["action"]} for r in rows if r["action"] and r["close"]]
    else:
        steps_heading = texts.ui("next_steps_heading")
    steps += [{"title": "", "text": a} for a in _program_actions(program, where, next=next_evaluation)]

    params = {"program": program["name"], "badge": badge, "period": period}
    if status == "awarded":
        subject = texts.ui("subject_report_awarded", **params)
    elif status == "not_awarded" and failing:
        subject = texts.ui(
            "subject_report_not_awarded", count=len(failing), n=fmt.count(len(failing), "metrics"), **params
        )
    elif status == "suspended":
        subject = texts.ui("subject_report_suspended", **params)
    else:
        subject = texts.ui("subject_report_status", **params)

    status_label = texts.section("status").get(status, _body_safe(status, 40))
    if where == "report_never_joined":
        status_label = texts.section("status")["never_joined"]
    view = {
        "program": program,
        "greeting": _greeting(texts, partner),
        "intro": texts.ui("report_intro", program=program["full"], period=period),
        "status": status,
        "tone": STATUS_TONE.get(status, "neutral"),
        "status_label": status_label,
        "meaning": [m for m in meaning if m],
        "facts": [
            (texts.ui("period_label"), period),
            (texts.ui("data_as_of_label"), fmt.instant(record.get("data_as_of") or record.get("evaluated_at"))),
            *([(texts.ui("valid_until_label"), fmt.date(record.get("valid_until")))] if status == "awarded" else []),
            (texts.ui("next_evaluation_label"), next_evaluation),
        ],
        "metrics": rows,
        "consequences": _consequences(texts, record.get("consequences"), badge)
        + (_benefits(fmt, record.get("benefits"), badge) if status == "awarded" else []),
        "steps_heading": steps_heading,
        "steps": steps,
        "footer": texts.ui("footer_report", program=program["name"]),
    }
    view["facts"] = [(label, value) for label, value in view["facts"] if value]
    return _render("report", texts, fmt, subject, view, links)


def period_closed(detail: dict[str, Any]) -> bool:
    """True when the warning's period was over by the time its data was taken (nothing left to improve)."""
    days_left = detail.get("days_left")
    if _is_number(days_left) and _num(days_left) <= 0:
        return True
    end = _date((detail.get("period") or {}).get("end"))
    moment = _datetime(detail.get("data_as_of"))
    if end is None or moment is None:
        return False
    program_id, _ = program_of(detail)
    return moment.astimezone(program_zone(program_id, detail)).date() > end


def render_warning(detail: dict[str, Any], links: EmailLinks | None = None) -> RenderedEmail:
    """`Partner At Risk` detail -> the mid-period warning (only the metrics in `at_risk`)."""
    links = links or EmailLinks()
    partner, texts, fmt, program = _setup(detail)
    at_risk = [str(m) for m in detail.get("at_risk") or []]
    rows = _metric_rows(fmt, detail.get("metrics"), only=at_risk)
    period = fmt.period(detail.get("period"))
    end = fmt.date((detail.get("period") or {}).get("end"))
    closed = period_closed(detail)
    days_left = detail.get("days_left")
    n_days = int(_num(days_left)) if _is_number(days_left) else 0
    if closed:
        days_line = texts.ui("warning_closed", end=end)
    elif n_days == 1:
        days_line = texts.ui("warning_last_day", end=end)
    elif n_days > 1:
        days_line = texts.ui("warning_days_left", days=texts.ui("days", n=fmt.number(n_days)), end=end)
    else:
        days_line = texts.ui("warning_ends", end=end)
    if len(rows) == 1:
        subject = texts.ui("subject_warning", count=1, program=program["name"], metric=rows[0]["title"], end=end)
    else:
        subject = texts.ui(
            "subject_warning", count=len(rows), n=fmt.count(len(rows), "metrics"), program=program["name"], end=end
        )
    intro_key = "warning_intro_closed" if closed else "warning_intro"
    view = {
        "program": program,
        "greeting": _greeting(texts, partner),
        "intro": texts.ui(
            intro_key, count=len(rows), n=fmt.count(len(rows), "metrics"), program=program["full"], period=period
        ),
        "days_left": days_line,
        "data_as_of": (
            f"{texts.ui('data_as_of_label')}{texts.ui('sep')}{fmt.instant(detail['data_as_of'])}"
            if detail.get("data_as_of")
            else ""
        ),
        "metrics": rows,
        "steps": _program_actions(program, "warning"),
        "unsubscribe_note": texts.ui("unsubscribe_note", program=program["name"]),
        "footer": texts.ui("footer_warning", program=program["name"]),
        "tone": "warn",
    }
    return _render("warning", texts, fmt, subject, view, links)


def render_membership(detail: dict[str, Any], links: EmailLinks | None = None) -> RenderedEmail:
    """`Membership Changed` detail -> the confirmation of an opt-in (granted or refused) or an opt-out."""
    links = links or EmailLinks()
    partner, texts, fmt, program = _setup(detail)
    action = detail.get("action")
    if action == "opt_out":
        outcome, tone = "left", "neutral"
    elif detail.get("granted"):
        outcome, tone = "joined", "good"
    else:
        outcome, tone = "refused", "warn"
    status = str(detail.get("status") or "")
    if outcome == "refused" and status:
        status = "opted_out"  # a refused partner is not a member, whatever the criteria said about the period
    failing = [texts.metric_title(str(m)) for m in detail.get("failing") or []] if outcome == "refused" else []
    changed_at = (
        detail.get("membership_at")
        or (detail.get("evaluation") or {}).get("evaluated_at")
        or str(detail.get("membership_id") or "").rpartition("#")[2]  # `{program}#{action}#{partner}#{changed_at}`
    )
    when = fmt.instant(changed_at) if _datetime(changed_at) else ""
    view = {
        "program": program,
        "greeting": _greeting(texts, partner),
        "message": texts.ui(f"membership_{outcome}", program=program["full"], badge=program["badge"]),
        "when": texts.ui("membership_when", when=when) if when else "",
        "failing": failing,
        "status_line": (
            texts.ui("membership_status", status=texts.section("status").get(status, _body_safe(status, 40)))
            if status
            else ""
        ),
        "steps": _program_actions(program, outcome),
        "footer": texts.ui("footer_membership", program=program["name"]),
        "tone": tone,
    }
    subject = texts.ui(f"subject_membership_{outcome}", program=program["name"], badge=program["badge"])
    return _render("membership", texts, fmt, subject, view, links)
