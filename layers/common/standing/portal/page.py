"""View models of the partner's page and the operator console: plain dicts of already-localized strings and chart
geometry, built from what the API already reads (standing, projections, records). Pure: no AWS, no clock
(callers pass `now`), no environment; the templates in `templates/` only lay these out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from standing import catalog
from standing.notify.catalog import BABEL_LOCALES, Texts, metric_format, resolve_locale
from standing.notify.render import Formatter
from standing.portal import charts
from standing.portal.texts import LOCALE_NAMES, portal_texts
from standing.rules import Program

HISTORY = 12  # evaluations in each metric's chart
TONES = {"awarded": "good", "not_awarded": "warn", "suspended": "bad", "ineligible": "neutral", "opted_out": "neutral"}
OUTCOME_TONES = {"pass": "good", "fail": "bad", "not_applicable": "neutral"}


class _Defaults(dict):  # str.format_map that leaves unknown placeholders out
    def __missing__(self, key: str) -> str:
        return ""


def choose_locale(requested: str | None, profile_locale: Any) -> str:
    """`?lang=` when it names a supported locale, else the partner's own locale, else English."""
    if requested in LOCALE_NAMES:
        return str(requested)
    return resolve_locale(profile_locale)


def _metric_meta(program: Program, now: datetime) -> list[tuple[str, str | None]]:
    return [(m.id, m.group) for m in program.version_at(now).metrics]


def _cell(fmt: Formatter, metric_id: str, metric: dict[str, Any] | None) -> dict[str, Any] | None:
    if not isinstance(metric, dict):
        return None
    outcome = str(metric.get("outcome", "not_applicable"))
    mf = metric_format(metric_id)
    fill = charts.bar_fill(metric.get("value"), metric.get("threshold"), mf.kind, float(mf.scale or 0) or None)
    return {
        "value": fmt.shown_value(metric_id, metric),
        "threshold": fmt.threshold(metric_id, metric),
        "outcome": outcome,
        "outcome_label": fmt.t.section("outcome").get(outcome, outcome),
        "tone": OUTCOME_TONES.get(outcome, "neutral"),
        "headroom": fmt.headroom(metric_id, metric),
        "fill": round(fill[0] * 100, 1) if fill else None,
        "mark": round(fill[1] * 100, 1) if fill and fill[1] >= 0 else None,
    }


def _history(fmt: Formatter, metric_id: str, records: list[dict[str, Any]]) -> dict[str, Any] | None:
    entries = []
    for record in reversed(records[:HISTORY]):  # oldest first
        metric = (record.get("metrics") or {}).get(metric_id)
        if not isinstance(metric, dict):
            continue
        entries.append(
            (
                fmt.period(record.get("period")),
                metric.get("value"),
                metric.get("threshold"),
                str(metric.get("outcome", "not_applicable")),
                fmt.shown_value(metric_id, metric),
                _axis_label(fmt, record.get("period")),
            )
        )
    if not entries:
        return None
    mf = metric_format(metric_id)
    chart = charts.history(entries, mf.kind, float(mf.scale) if mf.scale else None)
    return {
        "chart": chart,
        "summary": "; ".join(
            f"{p.label}: {p.shown} ({fmt.t.section('outcome').get(p.outcome, p.outcome)})" for p in chart.points
        ),
        "first": chart.points[0].axis,
        "last": chart.points[-1].axis,
        "count": len(chart.points),
    }


def _axis_label(fmt: Formatter, period: Any) -> str:
    """A period under a chart: the month it ends, as m/yyyy in the locale's era (Thai: Buddhist)."""
    end = str((period or {}).get("end", ""))[:10]
    try:
        year, month = int(end[:4]), int(end[5:7])
    except ValueError:
        return end
    return f"{month}/{year + int(getattr(fmt, 'd', {}).get('year_offset', 0))}"


def _words(table: dict[str, Any], items: Any) -> list[str]:
    if isinstance(items, dict):
        items = [k for k, v in items.items() if v]
    return [str(table.get(str(i), str(i).replace("_", " "))) for i in items or []]


def _benefits(fmt: Formatter, benefits: Any, badge: str) -> list[str]:
    """Benefit keys in the partner's words (the emails' phrases); keys without a phrase are left out."""
    table = fmt.t.section("benefit")
    out = []
    for key, value in (benefits or {}).items() if isinstance(benefits, dict) else []:
        if key == "commission_uplift_pct" and charts.number(value) is not None and key in table:
            out.append(str(table[key]).format_map(_Defaults(pct=fmt.number(value), badge=badge)))
        elif key in table and value:
            out.append(str(table[key]).format_map(_Defaults(badge=badge)))
    return out


def _program_words(texts: Texts, program_id: str, fallback_name: str) -> dict[str, Any]:
    known = texts.program(program_id) or {}
    return {
        "name": str(known.get("name") or fallback_name),
        "badge": str(known.get("badge") or ""),
        "status": known.get("status") if isinstance(known.get("status"), dict) else {},
    }


def current_projection(projection: Any, last: Any) -> dict[str, Any] | None:
    """The projection, unless the period it projects has been evaluated since (then it says nothing new)."""
    if not isinstance(projection, dict):
        return None
    if isinstance(last, dict) and projection.get("period", {}).get("start", "") <= last["period"]["start"]:
        return None
    return projection


def _local_day(instant: Any, program: Program) -> Any:
    """An instant as the day it is in the program's time zone (KKday's 00:00 on the 4th in Taipei is the 3rd in
    UTC); anything else unchanged."""
    if isinstance(instant, str) and "T" in instant:
        try:
            return datetime.fromisoformat(instant).astimezone(program.tz).date()
        except ValueError:
            return instant
    return instant


def partner_page(
    standing: dict[str, Any],
    histories: dict[str, list[dict[str, Any]]],
    locale: str,
    now: datetime,
    csrf: Callable[[str], str],
    notice: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The page of one partner. `standing` is `views.partner_standing`; `histories` its records per program,
    newest first; `csrf(program_id)` the form token for that program's join / leave buttons."""
    texts = Texts(locale)
    words = portal_texts(texts.locale)
    programs = []
    for program_id, entry in standing.get("programs", {}).items():
        program = catalog.program(program_id)
        fmt = Formatter(texts, program.tz)  # dates in the program's own time zone, as in its emails
        names = _program_words(texts, program_id, str(entry.get("name") or program_id))
        status = str(entry.get("status") or "not_evaluated")
        last = entry.get("last_evaluation") or None
        projection = current_projection(entry.get("projection"), last)
        records = histories.get(program_id, [])
        next_at = fmt.date(_local_day(entry.get("next_evaluation"), program))
        meaning = str(names["status"].get(status, "")).format_map(_Defaults(next=next_at, badge=names["badge"]))
        groups: dict[str, list[dict[str, Any]]] = {}
        for metric_id, group in _metric_meta(program, now):
            last_metric = (last or {}).get("metrics", {}).get(metric_id) if last else None
            now_metric = (projection or {}).get("metrics", {}).get(metric_id) if projection else None
            if last_metric is None and now_metric is None and not records:
                continue
            groups.setdefault(group or "other", []).append(
                {
                    "id": metric_id,
                    "title": texts.metric_title(metric_id),
                    "about": texts.metric_text(metric_id, "about"),
                    "advice": texts.metric_text(metric_id, "action"),
                    "last": _cell(fmt, metric_id, last_metric),
                    "now": _cell(fmt, metric_id, now_metric),
                    "history": _history(fmt, metric_id, records),
                }
            )
        membership_entry = entry.get("membership")
        membership = str(
            (membership_entry.get("state") if isinstance(membership_entry, dict) else membership_entry) or ""
        )
        opt_in = program.membership == "opt_in"
        member = membership == "opted_in" and status != "opted_out"
        action = None
        if opt_in:
            action = {
                "action": "opt_out" if member else "opt_in",
                "label": words["leave"] if member else words["join"],
                "note": words["leave_note"] if member else words["join_note"],
                "csrf": csrf(program_id),
            }
        programs.append(
            {
                "id": program_id,
                "name": names["name"],
                "status": status,
                "status_label": str(texts.section("status").get(status, status.replace("_", " "))),
                "tone": TONES.get(status, "neutral"),
                "meaning": meaning,
                "facts": [
                    (label, value)
                    for label, value in (
                        (
                            texts.ui("valid_until_label"),
                            fmt.date(entry.get("valid_until")) if status == "awarded" else "",
                        ),
                        (texts.ui("next_evaluation_label"), next_at),
                        (
                            words["membership"],
                            words["membership_states"].get(membership, "") if opt_in else "",
                        ),
                    )
                    if value
                ],
                "consequences": _words(texts.section("consequence"), entry.get("consequences")),
                "benefits": _benefits(fmt, entry.get("benefits"), names["badge"]) if status == "awarded" else [],
                "open_flags": bool(entry.get("open_flags")),
                "last": (
                    {
                        "period": fmt.period(last.get("period")),
                        "status_label": texts.section("status").get(last.get("status"), ""),
                    }
                    if last
                    else None
                ),
                "now": (
                    {
                        "period": fmt.period(projection.get("period")),
                        "as_of": fmt.instant(projection.get("data_as_of") or projection.get("evaluated_at")),
                        "note": words["now_note"].format(
                            period=fmt.period(projection.get("period")),
                            days=texts.ui(
                                "days", count=int(projection.get("days_left") or 0), n=projection.get("days_left") or 0
                            ),
                        ),
                        "status_label": texts.section("status").get(str(projection.get("status")), ""),
                    }
                    if projection
                    else None
                ),
                "groups": [
                    {"id": gid, "title": words["groups"].get(gid, gid.replace("_", " ")), "metrics": metrics}
                    for gid, metrics in groups.items()
                ],
                "join": action,
            }
        )
    return {
        "lang": texts.locale,
        "words": words,
        "ui": texts.ui,
        "name": str(standing.get("name") or standing.get("partner_id") or ""),
        "partner_id": standing.get("partner_id"),
        "locales": [
            {"code": code, "name": name, "current": code == texts.locale, "babel": BABEL_LOCALES[code]}
            for code, name in LOCALE_NAMES.items()
        ],
        "programs": programs,
        "notice": notice,
    }


def notice(kind: str, locale: str, program_id: str, failing: list[str] | None = None) -> dict[str, Any]:
    """The line shown after a join / leave: joined, left, refused (naming the failing metrics) or failed."""
    texts = Texts(locale)
    words = portal_texts(texts.locale)
    name = _program_words(texts, program_id, program_id)["name"] if program_id in catalog.programs() else program_id
    failing_titles = ", ".join(texts.metric_title(m) for m in failing or [])
    return {
        "tone": {"joined": "good", "left": "neutral", "refused": "warn"}.get(kind, "bad"),
        "text": words.get(f"notice_{kind}", words["notice_failed"]).format(program=name, failing=failing_titles),
    }


# ------------------------------------------------------------------------------------------------ console
def console(
    programs: list[dict[str, Any]],
    query: str = "",
    message: str = "",
) -> dict[str, Any]:
    """`programs`: per program {program, partners: [(partner_id, latest record, stored projection)], close:
    {partner_id: metric ids failing or near the bar now}, truncated}."""
    texts = Texts("en")
    out = []
    for entry in programs:
        program: Program = entry["program"]
        fmt = Formatter(texts, program.tz)
        rows = entry["partners"]
        starts = [record["period"]["start"] for _, record, _ in rows if record]
        period_start = max(starts) if starts else None
        latest = [(pid, rec) for pid, rec, _ in rows if rec and rec["period"]["start"] == period_start]
        by_status = Counter(rec["status"] for _, rec in latest)
        at_risk = []
        for pid, record, stored in rows:
            projection = current_projection(stored, record)
            if not projection or projection.get("status") in ("ineligible", "opted_out"):
                continue
            failing = list(projection.get("failing") or [])
            close = [m for m in entry.get("close", {}).get(pid, []) if m not in failing]
            if failing or close:
                at_risk.append(
                    {
                        "partner_id": pid,
                        "failing": [texts.metric_title(m) for m in failing],
                        "close": [texts.metric_title(m) for m in close],
                        "days_left": projection.get("days_left"),
                    }
                )
        at_risk.sort(key=lambda r: (-len(r["failing"]), -len(r["close"]), r["partner_id"]))
        distributions = []
        for metric in program.versions[-1].metrics:
            values = [
                v
                for _, rec in latest
                if (m := rec["metrics"].get(metric.id)) and m.get("outcome") != "not_applicable"
                if (v := charts.number(m.get("value"))) is not None
            ]
            thresholds = [
                t
                for _, rec in latest
                if (t := charts.number(rec["metrics"].get(metric.id, {}).get("threshold"))) is not None
            ]
            if not values:
                continue
            mf = metric_format(metric.id)
            threshold = Counter(thresholds).most_common(1)[0][0] if thresholds else None
            fails = sum(1 for _, rec in latest if rec["metrics"].get(metric.id, {}).get("outcome") == "fail")
            distributions.append(
                {
                    "id": metric.id,
                    "title": texts.metric_title(metric.id),
                    "threshold": fmt.threshold(metric.id, {"threshold": threshold, "op": metric.op}),
                    "failing": fails,
                    "measured": len(values),
                    "segments": len(set(thresholds)) > 1,
                    "chart": charts.histogram(
                        values,
                        threshold,
                        metric.op,
                        lambda v, mid=metric.id, f=fmt: f.value(mid, v),
                        kind=mf.kind,
                        scale=float(mf.scale) if mf.scale else None,
                    ),
                }
            )
        out.append(
            {
                "id": program.id,
                "name": program.name,
                "period": fmt.period({"start": period_start, "end": _period_end(latest)}) if period_start else "",
                "enrolled": len(rows),
                "evaluated": len(latest),
                "by_status": [
                    {
                        "status": s,
                        "label": texts.section("status").get(s, s),
                        "count": c,
                        "tone": TONES.get(s, "neutral"),
                    }
                    for s, c in sorted(by_status.items(), key=lambda kv: -kv[1])
                ],
                "at_risk": at_risk,
                "distributions": distributions,
                "truncated": entry.get("truncated", False),
            }
        )
    return {"lang": "en", "programs": out, "query": query, "message": message}


def _period_end(latest: list[tuple[str, dict[str, Any]]]) -> str | None:
    return latest[0][1]["period"]["end"] if latest else None
