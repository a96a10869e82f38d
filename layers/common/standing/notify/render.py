"""Render partner emails (report, at-risk warning, membership confirmation) in the partner's locale.

Python builds a view model of already-localized strings (Babel for numbers, percentages and dates); the Jinja2
templates only lay it out. HTML templates autoescape, so partner-supplied text (names, program names) is always
escaped; subjects are stripped of CR, LF and other control characters before they reach a header."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from numbers import Number
from typing import Any

from babel.dates import format_date, format_interval, format_skeleton
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, PackageLoader, StrictUndefined

from standing.notify.catalog import MetricFormat, Texts, metric_format, resolve_locale

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
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


def header_safe(value: object, limit: int = 200) -> str:
    """One line of text fit for a mail header: control characters (CR, LF...) become spaces, whitespace collapses."""
    text = _CONTROL.sub(" ", str(value or ""))
    return " ".join(text.split())[:limit]


def _body_safe(value: object, limit: int = 200) -> str:
    return " ".join(str(value or "").split())[:limit]


# ----------------------------------------------------------------------------------------------- formatting


class Formatter:
    def __init__(self, texts: Texts) -> None:
        self.t = texts
        self.loc = texts.babel

    def number(self, value: Any, digits: int = 2) -> str:
        return format_decimal(_num(value), format="#,##0." + "#" * digits, locale=self.loc)

    def percent(self, value: Any, digits: int = 1) -> str:
        return format_percent(_num(value), format="#,##0." + "#" * digits + "%", locale=self.loc)

    def date(self, value: Any) -> str:
        parsed = _date(value)
        return format_date(parsed, format="long", locale=self.loc) if parsed else ""

    def instant(self, value: Any) -> str:
        moment = _datetime(value)
        if moment is None:
            return self.date(value)
        moment = moment.astimezone(UTC)
        day = format_skeleton("yMMMd", moment, locale=self.loc)
        clock = format_skeleton("Hm", moment, tzinfo=UTC, locale=self.loc)
        return f"{day} {clock} UTC"

    def period(self, period: Any) -> str:
        if not isinstance(period, dict):
            return ""
        start, end = _date(period.get("start")), _date(period.get("end"))
        if start is None or end is None:
            return _body_safe(f"{period.get('start', '')} – {period.get('end', '')}")
        last_day = calendar.monthrange(start.year, start.month)[1]
        if start.day == 1 and end == start.replace(day=last_day):
            return format_skeleton("yMMMM", start, locale=self.loc)
        return format_interval(start, end, "yMMMd", locale=self.loc)

    def value(self, metric_id: str, value: Any, fmt: MetricFormat | None = None, precise: bool = False) -> str:
        """The value as the partner reads it; `precise` adds digits (a value that rounds onto its threshold)."""
        fmt = fmt or metric_format(metric_id)
        if value is None or value == "":
            return "—"
        if fmt.kind == "flag" or isinstance(value, bool):
            return self.t.section("flag")["clear" if _truthy(value) else "open"]
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
        shown = self.value(metric_id, threshold, fmt)
        if fmt.kind == "flag":
            return shown
        op = _OPS.get(str(metric.get("op", "")).strip().lower())
        return str(self.t.section("op")[op]).format(v=shown) if op else shown

    def gap(self, metric_id: str, amount: float) -> str:
        fmt = metric_format(metric_id)
        if fmt.kind == "percent":
            return self.t.ui("pp", v=self.number(round(amount * 100, 2)))
        if fmt.kind == "days":
            return self.value(metric_id, amount, fmt)
        if fmt.kind == "score":
            return f"{self.number(round(amount, 2))} {self.t.unit('points', amount)}"
        return self.number(round(amount, 2))

    def headroom(self, metric_id: str, metric: dict[str, Any]) -> str:
        """How far the metric is from the bar, in the partner's language (from the engine's structured fields)."""
        outcome = metric.get("outcome")
        phrases = self.t.section("headroom")
        amount, kind, unit_key = metric.get("headroom_amount"), metric.get("headroom_kind"), metric.get("headroom_unit")
        if _is_number(amount) and kind in ("needed", "allowed", "margin", "until_applicable"):
            n = _num(amount)
            unit = self.t.unit(unit_key, float(n))
            if kind == "until_applicable":
                phrase = self._amount_phrase(phrases, kind, n, unit, metric)
                if outcome != "not_applicable":
                    return phrase
                lead = self.t.ui("not_counted")
                return f"{lead}{'' if lead.endswith('。') else ' '}{phrase}"
            if outcome == "not_applicable":
                return self.t.ui("not_counted")
            return self._amount_phrase(phrases, kind, n, unit, metric)
        if outcome == "not_applicable":
            return self.t.ui("not_counted")
        value, threshold = metric.get("value"), metric.get("threshold")
        if kind in (None, "") and _is_number(value) and _is_number(threshold):
            diff = abs(float(_num(value)) - float(_num(threshold)))
            key = "gap_short" if outcome == "fail" else "gap_room"
            return str(phrases[key]).format(gap=self.gap(metric_id, diff))
        if self.t.locale == "en" and metric.get("headroom"):
            return _body_safe(metric["headroom"], 160)
        return ""  # the outcome label already says it

    def _amount_phrase(
        self, phrases: dict[str, str], kind: str, n: Decimal, unit: str | None, metric: dict[str, Any]
    ) -> str:
        if unit is None and self.t.locale == "en" and metric.get("headroom"):
            return _body_safe(metric["headroom"], 160)
        if unit is None:
            return str(phrases[f"{kind}_plain"]).format(amount=self.number(n))
        if kind == "allowed" and n == 0:
            return str(phrases["allowed_none"]).format(unit=self.t.unit(metric.get("headroom_unit"), 1))
        return str(phrases[kind]).format(amount=self.number(n), unit=unit)


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


# ----------------------------------------------------------------------------------------------- view models


def program_of(detail: dict[str, Any]) -> tuple[str, str]:
    """(program id, name from the event): `program` is an id, or `{"id", "name"}` on `Partner Evaluated`."""
    program = detail.get("program")
    record = detail.get("record")
    if not isinstance(record, dict):
        record = {}
    if isinstance(program, dict):
        program_id, name = program.get("id"), program.get("name")
    else:
        program_id, name = program, detail.get("program_name")
    return str(record.get("program") or program_id or ""), str(name or "")


def _program_view(texts: Texts, detail: dict[str, Any]) -> dict[str, Any]:
    program_id, event_name = program_of(detail)
    known = texts.program(program_id)
    generic = texts.generic_program()
    name = known["name"] if known else _body_safe(event_name or program_id, 120)
    return {
        "id": program_id,
        "name": name,
        "badge": (known or generic)["badge"],
        "status": (known or {}).get("status", {}),
        "advice": list((known or generic)["advice"]),
    }


def _metric_rows(fmt: Formatter, metrics: Any, only: list[str] | None = None) -> list[dict[str, Any]]:
    if not isinstance(metrics, dict):
        return []
    ids = [m for m in only if m in metrics] if only is not None else list(metrics)
    rows = []
    for metric_id in ids:
        metric = metrics[metric_id] if isinstance(metrics[metric_id], dict) else {"value": metrics[metric_id]}
        outcome = str(metric.get("outcome", "not_applicable"))
        rows.append(
            {
                "id": metric_id,
                "title": fmt.t.metric_title(metric_id),
                "value": fmt.shown_value(metric_id, metric),
                "threshold": fmt.threshold(metric_id, metric),
                "outcome": outcome,
                "outcome_label": fmt.t.section("outcome").get(outcome, outcome),
                "headroom": fmt.headroom(metric_id, metric),
                "advice": fmt.t.metric_advice(metric_id),
                "close": _close_to_bar(metric),
            }
        )
    return rows


def _close_to_bar(metric: dict[str, Any], margin: float = 0.1) -> bool:
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


def _consequences(texts: Texts, items: Any) -> list[str]:
    if isinstance(items, dict):
        items = [k for k, v in items.items() if v]
    if not isinstance(items, list):
        return []
    table = texts.section("consequence")
    return [str(table.get(str(item), str(item).replace("_", " "))) for item in items]


def _benefits(fmt: Formatter, benefits: Any) -> list[str]:
    """The benefits an awarded partner enjoys, in words. The badge itself is already in the status; benefit keys
    without a translation are left out rather than shown as raw identifiers."""
    table = fmt.t.section("benefit")
    if isinstance(benefits, list):
        return [str(table[b]) for b in benefits if isinstance(b, str) and b in table]
    if not isinstance(benefits, dict):
        return []
    out = []
    for key, value in benefits.items():
        if key == "commission_uplift_pct" and _is_number(value):
            out.append(str(table[key]).format(pct=fmt.number(value)))
        elif key in table and key != "commission_uplift_pct" and value:
            out.append(str(table[key]))
    return out


def _render(kind: str, texts: Texts, subject: str, view: dict[str, Any]) -> RenderedEmail:
    tone_bg, tone_fg = TONE_COLORS[view["tone"]]
    view = {
        **view,
        "lang": texts.locale,
        "subject": header_safe(subject, 300),
        "ui": texts.ui,
        "tone_bg": tone_bg,
        "tone_fg": tone_fg,
    }
    html = _env.get_template(f"{kind}.html.j2").render(view)
    text = _env.get_template(f"{kind}.txt.j2").render(view)
    return RenderedEmail(
        kind=kind,
        locale=texts.locale,
        subject=view["subject"],
        html=html,
        text=text,
        program_name=str(view["program"]["name"]),
    )


def render_report(detail: dict[str, Any]) -> RenderedEmail:
    """`Partner Evaluated` detail -> the evaluation report."""
    record = detail.get("record") or {}
    partner = detail.get("partner") or {}
    texts = Texts(resolve_locale(partner.get("locale")))
    fmt = Formatter(texts)
    program = _program_view(texts, detail)
    status = str(record.get("status", ""))
    rows = _metric_rows(fmt, record.get("metrics"))
    failing = [r for r in rows if r["outcome"] == "fail"]
    period = fmt.period(record.get("period"))

    meaning = [str(texts.section("status_meaning").get(status, "")).format(badge=program["badge"])]
    if program["status"].get(status):
        meaning.append(program["status"][status])
    if failing:
        steps_heading = texts.ui("next_steps_heading")
        steps = [{"title": r["title"], "text": r["advice"]} for r in failing if r["advice"]]
    elif status == "awarded":
        steps_heading = texts.ui("keep_steps_heading")
        close = [r for r in rows if r["advice"] and r["close"]]
        steps = [{"title": r["title"], "text": r["advice"]} for r in close]
    else:
        steps_heading, steps = texts.ui("next_steps_heading"), []
    steps += [{"title": "", "text": a} for a in program["advice"]]

    params = {"program": program["name"], "badge": program["badge"], "period": period}
    if status == "awarded":
        subject = texts.ui("subject_report_awarded", **params)
    elif status == "not_awarded" and failing:
        subject = texts.ui("subject_report_not_awarded", count=len(failing), **params)
    elif status == "suspended":
        subject = texts.ui("subject_report_suspended", **params)
    else:
        subject = texts.ui("subject_report_status", **params)

    view = {
        "program": program,
        "greeting": _greeting(texts, partner),
        "intro": texts.ui("report_intro", program=program["name"], period=period),
        "status": status,
        "tone": STATUS_TONE.get(status, "neutral"),
        "status_label": texts.section("status").get(status, _body_safe(status, 40)),
        "meaning": [m for m in meaning if m],
        "facts": [
            (texts.ui("period_label"), period),
            (texts.ui("data_as_of_label"), fmt.instant(record.get("data_as_of") or record.get("evaluated_at"))),
            *([(texts.ui("valid_until_label"), fmt.date(record.get("valid_until")))] if status == "awarded" else []),
            (texts.ui("next_evaluation_label"), fmt.date(detail.get("next_evaluation"))),
        ],
        "metrics": rows,
        "consequences": _consequences(texts, record.get("consequences"))
        + (_benefits(fmt, record.get("benefits")) if status == "awarded" else []),
        "steps_heading": steps_heading,
        "steps": steps,
        "footer": texts.ui("footer", program=program["name"]),
    }
    view["facts"] = [(label, value) for label, value in view["facts"] if value]
    return _render("report", texts, subject, view)


def render_warning(detail: dict[str, Any]) -> RenderedEmail:
    """`Partner At Risk` detail -> the mid-period warning (only the metrics in `at_risk`)."""
    partner = detail.get("partner") or {}
    texts = Texts(resolve_locale(partner.get("locale")))
    fmt = Formatter(texts)
    program = _program_view(texts, detail)
    at_risk = [str(m) for m in detail.get("at_risk") or []]
    rows = _metric_rows(fmt, detail.get("metrics"), only=at_risk)
    period = fmt.period(detail.get("period"))
    days_left = detail.get("days_left")
    n_days = int(_num(days_left)) if _is_number(days_left) else 0
    days = texts.ui("days", count=n_days, n=fmt.number(n_days))
    if len(rows) == 1:
        subject = texts.ui("subject_warning", count=1, program=program["name"], metric=rows[0]["title"], days=days)
    else:
        subject = texts.ui("subject_warning", count=len(rows), program=program["name"], days=days)
    view = {
        "program": program,
        "greeting": _greeting(texts, partner),
        "intro": texts.ui("warning_intro", count=len(rows), program=program["name"], period=period),
        "days_left": texts.ui("warning_days_left", days=days),
        "data_as_of": (
            f"{texts.ui('data_as_of_label')}{texts.ui('sep')}{fmt.instant(detail['data_as_of'])}"
            if detail.get("data_as_of")
            else ""
        ),
        "metrics": rows,
        "unsubscribe_note": texts.ui("unsubscribe_note", program=program["name"]),
        "footer": texts.ui("footer", program=program["name"]),
        "tone": "warn",
    }
    return _render("warning", texts, subject, view)


def render_membership(detail: dict[str, Any]) -> RenderedEmail:
    """`Membership Changed` detail -> the confirmation of an opt-in (granted or refused) or an opt-out."""
    partner = detail.get("partner") or {}
    texts = Texts(resolve_locale(partner.get("locale")))
    program = _program_view(texts, detail)
    action = detail.get("action")
    if action == "opt_out":
        outcome, tone = "left", "neutral"
    elif detail.get("granted"):
        outcome, tone = "joined", "good"
    else:
        outcome, tone = "refused", "warn"
    status = str(detail.get("status") or "")
    failing = [texts.metric_title(str(m)) for m in detail.get("failing") or []] if outcome == "refused" else []
    view = {
        "program": program,
        "greeting": _greeting(texts, partner),
        "message": texts.ui(f"membership_{outcome}", program=program["name"]),
        "failing": failing,
        "status_line": (
            texts.ui("membership_status", status=texts.section("status").get(status, _body_safe(status, 40)))
            if status
            else ""
        ),
        "advice": program["advice"],
        "footer": texts.ui("footer", program=program["name"]),
        "tone": tone,
    }
    return _render("membership", texts, texts.ui(f"subject_membership_{outcome}", program=program["name"]), view)
