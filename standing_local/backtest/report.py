"""Outputs of `standing backtest`: backtest.csv, report.html (inline SVG, every partner-supplied text escaped),
rejected.jsonl, and the summary table printed at the end."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from html import escape
from pathlib import Path
from typing import Any

import standing.evaluate.simulation as simulation
from standing.rules import Program
from standing.rules.schema import STATUSES
from standing_local.template import ROOT

MAX_FLIPS_SHOWN = 200  # per period; the CSV has every row
BINS = 24


def write_csv(path: Path, rows: list[dict[str, Any]], ids: list[str]) -> None:
    path.write_text(simulation.csv_text(rows, ids), encoding="utf-8")


def write_rejected(path: Path, rejected: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for rejection in rejected:
            handle.write(json.dumps(rejection, ensure_ascii=False) + "\n")


def _statuses(rows: list[dict[str, Any]]) -> list[str]:
    seen = {r["status_base"] for r in rows} | {r["status_draft"] for r in rows}
    return [s for s in STATUSES if s in seen] + sorted(s for s in seen if s not in STATUSES and s)


def summary_table(rows: list[dict[str, Any]]) -> str:
    """One line per period: partners, changed rows, statuses before -> after, flips by deciding metric."""
    lines = ["| period | partners | changed | base | draft | flips by metric |", "|---|---|---|---|---|---|"]
    for entry in simulation.summary(simulation.summary_counts(rows)):
        period = f"{entry['period']['start']}..{entry['period']['end']}"
        base = ", ".join(f"{k} {v}" for k, v in sorted(entry["base"].items()))
        draft = ", ".join(f"{k} {v}" for k, v in sorted(entry["draft"].items()))
        flips = ", ".join(f"{k} {v}" for k, v in sorted(entry["flips_by_metric"].items())) or "-"
        lines.append(f"| {period} | {entry['partners']} | {entry['changed']} | {base} | {draft} | {flips} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- HTML

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;
color:#1d2433;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-top:1px solid #dde2ea;padding-top:16px}
h3{font-size:15px;margin:18px 0 6px}.muted{color:#5b6475}
table{border-collapse:collapse;margin:6px 0 12px}td,th{border:1px solid #dde2ea;padding:4px 8px;text-align:left}
th{background:#f4f6fa;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.same{color:#8a93a3}td.up{background:#e7f6ec}td.down{background:#fdecec}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #dde2ea;border-radius:8px;padding:8px 12px}
.card b{font-size:20px;display:block}svg{display:block;margin:4px 0 12px}code{font-size:13px}
"""

_RANK = {"awarded": 3, "suspended": 2, "not_awarded": 1, "opted_out": 0, "ineligible": 0}


def _matrix(rows: list[dict[str, Any]], statuses: list[str]) -> str:
    counts = Counter((r["status_base"], r["status_draft"]) for r in rows)
    head = "".join(f"<th>{escape(s)}</th>" for s in statuses)
    body = []
    for before in statuses:
        cells = []
        for after in statuses:
            n = counts.get((before, after), 0)
            kind = "same" if before == after else ("up" if _RANK.get(after, 0) > _RANK.get(before, 0) else "down")
            cells.append(f'<td class="n {kind if n else "same"}">{n or ""}</td>')
        body.append(f"<tr><th>{escape(before)}</th>{''.join(cells)}</tr>")
    return "<table><tr><th>base \\ draft</th>" + head + "</tr>" + "".join(body) + "</table>"


def _shown(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def relative(source: str) -> str:
    try:
        return str(Path(source).resolve().relative_to(ROOT))
    except ValueError:
        return source


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _histogram(values: list[float], old: list[float], new: list[float], title: str) -> str:
    """A histogram of the values with the old (dashed) and new (solid) thresholds, as inline SVG."""
    width, height, pad, bottom = 640, 170, 36, 28
    marks = values + old + new
    low, high = min(marks), max(marks)
    if high == low:
        high = low + 1
    span = high - low
    low, high = low - span * 0.03, high + span * 0.03
    bins = [0] * BINS
    for v in values:
        bins[min(BINS - 1, int((v - low) / (high - low) * BINS))] += 1
    top = max(bins) or 1
    plot_w, plot_h = width - 2 * pad, height - bottom - 12

    def x(v: float) -> float:
        return pad + (v - low) / (high - low) * plot_w

    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line x1="{pad}" y1="{12 + plot_h}" x2="{width - pad}" y2="{12 + plot_h}" stroke="#8a93a3"/>',
    ]
    bar_w = plot_w / BINS
    for i, n in enumerate(bins):
        if n:
            h = n / top * plot_h
            parts.append(
                f'<rect x="{pad + i * bar_w + 1:.1f}" y="{12 + plot_h - h:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{h:.1f}" fill="#7aa2d6"><title>{n}</title></rect>'
            )
    parts.append(f'<text x="{pad - 4}" y="20" font-size="11" text-anchor="end" fill="#5b6475">{top}</text>')
    for value in sorted(set(old)):
        parts.append(
            f'<line x1="{x(value):.1f}" y1="6" x2="{x(value):.1f}" y2="{12 + plot_h}" stroke="#c0392b" '
            f'stroke-width="2" stroke-dasharray="5,4"><title>old threshold {value:g}</title></line>'
        )
    for value in sorted(set(new)):
        parts.append(
            f'<line x1="{x(value):.1f}" y1="6" x2="{x(value):.1f}" y2="{12 + plot_h}" stroke="#1e8449" '
            f'stroke-width="2"><title>new threshold {value:g}</title></line>'
        )
    for tick in range(5):
        value = low + (high - low) * tick / 4
        parts.append(
            f'<text x="{x(value):.1f}" y="{height - 8}" font-size="11" text-anchor="middle" '
            f'fill="#5b6475">{value:.4g}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _changed_metrics(rows: list[dict[str, Any]]) -> list[str]:
    """Metrics whose threshold or operator differs between the sides for some partner, or that decided a flip."""
    found: dict[str, None] = {}
    for row in rows:
        for metric_id, m in row["metrics"].items():
            if (m["threshold_base"], m["op_base"]) != (m["threshold_draft"], m["op_draft"]):
                found[metric_id] = None
        for metric_id in row["deciding"]:
            found[metric_id] = None
    return list(found)


def _distribution(rows: list[dict[str, Any]], metric_id: str) -> str:
    values = [v for r in rows if (v := _number(r["metrics"].get(metric_id, {}).get("value_draft"))) is not None]
    old = [v for r in rows if (v := _number(r["metrics"].get(metric_id, {}).get("threshold_base"))) is not None]
    new = [v for r in rows if (v := _number(r["metrics"].get(metric_id, {}).get("threshold_draft"))) is not None]
    if not values:
        categorical = Counter(str(r["metrics"].get(metric_id, {}).get("value_draft")) for r in rows)
        cells = "".join(f"<tr><td>{escape(k)}</td><td class='n'>{n}</td></tr>" for k, n in categorical.most_common())
        return f"<table><tr><th>value</th><th>partners</th></tr>{cells}</table>"
    ops = {str(r["metrics"].get(metric_id, {}).get("op_draft")) for r in rows} - {"None"}
    legend = (
        f"<p class='muted'>{len(values)} partners with a value; red dashed: old threshold "
        f"({', '.join(f'{v:g}' for v in sorted(set(old))) or 'none'}), green: new threshold "
        f"({', '.join(f'{v:g}' for v in sorted(set(new))) or 'none'}); pass when value "
        f"{escape(' / '.join(sorted(ops)))} threshold.</p>"
    )
    return legend + _histogram(values, old, new, f"{metric_id} distribution")


def _flips(rows: list[dict[str, Any]]) -> str:
    flips = sorted(
        (r for r in rows if r["changed"]), key=lambda r: (r["status_base"] == r["status_draft"], r["partner_id"])
    )
    if not flips:
        return "<p class='muted'>No partner's record changes.</p>"
    lines = []
    for row in flips[:MAX_FLIPS_SHOWN]:
        metrics = []
        for metric_id in row["deciding"]:
            m = row["metrics"][metric_id]
            metrics.append(
                f"<code>{escape(metric_id)}</code> {escape(_shown(m['value_draft']))} "
                f"({escape(str(m['outcome_base']))} at {escape(_shown(m['threshold_base']))} &rarr; "
                f"{escape(str(m['outcome_draft']))} at {escape(_shown(m['threshold_draft']))})"
            )
        lines.append(
            f"<tr><td>{escape(row['partner_id'])}</td><td>{escape(str(row['segment'] or ''))}</td>"
            f"<td>{escape(str(row['status_base']))} &rarr; {escape(row['status_draft'])}</td>"
            f"<td>{escape(_consequences(row))}</td>"
            f"<td>{'<br>'.join(metrics) or '<span class=muted>membership or consequences</span>'}</td></tr>"
        )
    more = len(flips) - MAX_FLIPS_SHOWN
    tail = f"<p class='muted'>{more} more in backtest.csv.</p>" if more > 0 else ""
    return (
        "<table><tr><th>partner</th><th>segment</th><th>status</th><th>consequences</th><th>deciding metric: value "
        "(base &rarr; draft)</th></tr>" + "".join(lines) + "</table>" + tail
    )


def _consequences(row: dict[str, Any]) -> str:
    base, draft = ", ".join(row["consequences_base"]) or "none", ", ".join(row["consequences_draft"]) or "none"
    return base if base == draft else f"{base} \u2192 {draft}"


def html_report(base: Program, draft: Program, rows: list[dict[str, Any]], source: str, detail: str) -> str:
    by_period: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_period[(row["period_start"], row["period_end"])].append(row)
    statuses = _statuses(rows)
    changed = sum(1 for r in rows if r["changed"])
    flips = sum(1 for r in rows if r["status_base"] != r["status_draft"])
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Backtest: {escape(draft.name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Backtest of {escape(source)}</h1>",
        f"<p class='muted'>Program <code>{escape(draft.id)}</code>: base <code>{escape(relative(base.source))}</code> "
        f"(rules {escape(base.versions[-1].version)}) against the draft (rules {escape(draft.versions[-1].version)}). "
        f"{escape(detail)}</p>",
        "<div class='cards'>",
        f"<div class='card'><b>{len(by_period)}</b>evaluations</div>",
        f"<div class='card'><b>{len(rows)}</b>partner records</div>",
        f"<div class='card'><b>{changed}</b>records changed</div>",
        f"<div class='card'><b>{flips}</b>status flips</div></div>",
    ]
    for (start, end), period_rows in sorted(by_period.items()):
        out.append(f"<h2>Period {escape(start)} to {escape(end)}</h2>")
        out.append(
            f"<p class='muted'>Evaluated at {escape(period_rows[0]['evaluated_at'])}: {len(period_rows)} partners, "
            f"{sum(1 for r in period_rows if r['changed'])} records changed.</p>"
        )
        out.append("<h3>Partners by status, base (rows) and draft (columns)</h3>")
        out.append(_matrix(period_rows, statuses))
        consequences = Counter(
            (side, c) for r in period_rows for side in ("base", "draft") for c in r[f"consequences_{side}"]
        )
        if consequences:
            names = sorted({c for _, c in consequences})
            cells = "".join(
                f"<tr><td>{escape(c)}</td><td class='n'>{consequences[('base', c)]}</td>"
                f"<td class='n'>{consequences[('draft', c)]}</td></tr>"
                for c in names
            )
            out.append(f"<h3>Consequences</h3><table><tr><th></th><th>base</th><th>draft</th></tr>{cells}</table>")
        out.append("<h3>Who changes (status flips first), and on which metric</h3>")
        out.append(_flips(period_rows))
        for metric_id in _changed_metrics(period_rows):
            out.append(f"<h3>{escape(metric_id)}: distribution against the old and new threshold</h3>")
            segments: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for row in period_rows:  # thresholds differ per segment (Tiki's columns): one chart each
                segments[str(row["segment"] or "")].append(row)
            for segment, segment_rows in sorted(segments.items()):
                if len(segments) > 1:
                    out.append(f"<p><b>segment {escape(segment or 'none')}</b></p>")
                out.append(_distribution(segment_rows, metric_id))
    out.append("</body></html>")
    return "\n".join(out)
