"""The whole pipeline on a simulated clock: events in through the real ingest handler, the template's own
schedules fired at their local times, evaluate and notify run for real; outputs written to a folder.

Used by `make demo` (a generated marketplace) and `standing replay` (your own events file).
"""

from __future__ import annotations

import email
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from typing import Any

import boto3
from tqdm import tqdm

from standing.adapters import tables
from standing_local import jsonl
from standing_local.clock import occurrences
from standing_local.embedded import Deployment
from standing_local.template import ACCOUNT_ID, REGION

MAX_BATCH = 500  # events per POST /events (the API's limit)


@dataclass
class Line:
    """One input event: where it came from, the parsed envelope (None if the line is not JSON)."""

    number: int
    raw: str
    envelope: dict[str, Any] | None
    at: datetime | None  # occurred_at when readable; unreadable ones go in first and are refused by ingest


@dataclass
class RunSummary:
    partners: int = 0
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    firings: list[tuple[str, str]] = field(default_factory=list)  # (schedule, UTC instant)
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    emails: int = 0
    dead_letters: dict[str, int] = field(default_factory=dict)
    handler_errors: list[str] = field(default_factory=list)  # failed invocations (retried, or dead-lettered)
    seconds: float = 0.0


def parse_lines(lines: Iterable[str | None]) -> tuple[list[Line], list[dict[str, Any]]]:
    """Read one envelope a line (None: a line that is not UTF-8, `jsonl.read`); lines that are not JSON objects
    are refused here, the rest by ingest."""
    parsed: list[Line] = []
    refused: list[dict[str, Any]] = []
    for number, raw in enumerate(lines, start=1):
        if raw is None:
            refused.append(jsonl.not_utf8(number))
            continue
        text = raw.strip()
        if not text:
            continue
        try:
            envelope = json.loads(text)
        except json.JSONDecodeError as error:
            refused.append({"line": number, "event_id": None, "error": "invalid_json", "message": str(error)})
            continue
        if not isinstance(envelope, dict):
            refused.append(
                {
                    "line": number,
                    "event_id": None,
                    "error": "invalid_event",
                    "message": "a line must be one JSON object (an event envelope)",
                }
            )
            continue
        parsed.append(Line(number, text, envelope, jsonl.occurred_at(envelope)))
    return parsed, refused


class Pipeline:
    def __init__(self, deployment: Deployment, projection_every_days: int = 1, progress: bool = True) -> None:
        self.deployment = deployment
        deployment.quiet = progress or deployment.quiet
        self.projection_every_days = projection_every_days
        self.progress = progress

    def run(self, lines: list[Line], until: datetime, refused: list[dict[str, Any]] | None = None) -> RunSummary:
        summary = RunSummary(lines=len(lines) + len(refused or []), rejected=list(refused or []))
        ordered = sorted(lines, key=lambda line: (line.at is not None, line.at or datetime.min.replace(tzinfo=UTC)))
        readable = [line.at for line in ordered if line.at is not None]
        start = min(readable) if readable else until
        firings = self._firings(start, until)
        bar = tqdm(
            total=len(ordered) + len(firings),
            unit="step",
            disable=not self.progress,
            desc="events+schedules",
            dynamic_ncols=True,
        )
        position = 0
        for at, schedule in firings:
            position = self._send_until(ordered, position, at, summary, bar)
            self.deployment.drain()
            self.deployment.fire(schedule, at)
            self.deployment.drain()
            summary.firings.append((schedule.logical_id, at.isoformat()))
            bar.update(1)
            bar.set_postfix_str(f"{at.date()} {schedule.logical_id[:24]}")
        self._send_until(ordered, position, until, summary, bar)
        self.deployment.drain()
        bar.close()
        summary.rejected.sort(key=lambda r: r["line"])
        summary.partners = len({line.envelope.get("partner_id") for line in lines if line.envelope})
        summary.evaluations = evaluation_records(self.deployment)
        summary.dead_letters = {k: v for k, v in self.deployment.dead_letters().items() if v}
        summary.handler_errors = list(self.deployment.errors)
        return summary

    def _firings(self, start: datetime, until: datetime) -> list[tuple[datetime, Any]]:
        firings = []
        for schedule in self.deployment.schedules:
            times = occurrences(schedule.expression, schedule.time_zone, start, until, schedule.start)
            if "projection" in schedule.input and self.projection_every_days > 1:
                times = times[self.projection_every_days - 1 :: self.projection_every_days]
            firings += [(t, schedule) for t in times]
        # Evaluations before the projection of the same instant: a fresh period starts from a fresh record.
        return sorted(firings, key=lambda f: (f[0], "projection" in f[1].input, f[1].logical_id))

    def _send_until(self, ordered: list[Line], position: int, at: datetime, summary: RunSummary, bar: Any) -> int:
        """POST every event that has happened by `at` (in order of occurrence), 500 a request."""
        end = position
        while end < len(ordered):
            when = ordered[end].at
            if when is not None and when > at:
                break
            end += 1
        for chunk_start in range(position, end, MAX_BATCH):
            chunk = ordered[chunk_start : min(chunk_start + MAX_BATCH, end)]
            status, body = self.deployment.request("POST", "/events", {"events": [line.envelope for line in chunk]})
            if status != 200:
                for line in chunk:
                    summary.rejected.append(
                        {
                            "line": line.number,
                            "event_id": (line.envelope or {}).get("event_id"),
                            "error": body.get("error"),
                            "message": body.get("message"),
                        }
                    )
            else:
                summary.accepted += body.get("accepted", 0)
                summary.duplicates += body.get("duplicates", 0)
                for rejection in body.get("rejected", []):
                    line = chunk[rejection["index"]]
                    summary.rejected.append({"line": line.number, **rejection})
            bar.update(len(chunk))
        return end


def evaluation_records(deployment: Deployment) -> list[dict[str, Any]]:
    """Every evaluation record in the state table, by evaluation time, program and partner."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(deployment.name_of("StateTable"))
    records = []
    kwargs: dict[str, Any] = {
        "FilterExpression": "begins_with(sk, :p)",
        "ExpressionAttributeValues": {":p": tables.evaluation_prefix()},
        "ProjectionExpression": "#p, #r",
        "ExpressionAttributeNames": {"#p": "packed", "#r": "record"},
    }
    while True:
        page = table.scan(**kwargs)
        records += [tables.document_of(item, "record") for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(records, key=lambda r: (r["evaluated_at"], r["program"], r["partner_id"]))


def sent_emails() -> list[Any]:
    """Every message SES accepted in this embedded account (moto keeps them in its backend)."""
    from moto.ses.models import ses_backends

    return list(ses_backends[ACCOUNT_ID][REGION].sent_messages)


def write_outputs(summary: RunSummary, out: Path, title: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "evaluations.jsonl").open("w", encoding="utf-8") as handle:
        for record in summary.evaluations:
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    with (out / "rejected.jsonl").open("w", encoding="utf-8") as handle:
        for rejection in summary.rejected:
            handle.write(json.dumps(rejection, ensure_ascii=False) + "\n")
    summary.emails = write_emails(out / "emails")
    (out / "summary.md").write_text(summary_markdown(summary, title), encoding="utf-8")


def write_emails(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    messages = sent_emails()
    for n, message in enumerate(messages, start=1):
        raw = getattr(message, "raw_data", None)
        if raw is None:
            continue
        parsed = email.message_from_string(raw, policy=policy.default)
        stem = f"{n:05d}-{_file_name_part(parsed)}"
        (folder / f"{stem}.eml").write_text(raw, encoding="utf-8")
        html = parsed.get_body(preferencelist=("html",))
        if html is not None:
            (folder / f"{stem}.html").write_text(html.get_content(), encoding="utf-8")
    return len(messages)


def _file_name_part(message: Any) -> str:
    """The recipient's address (its local part), kept from the left and ASCII-only: `00003-kk-0001`, never a
    display name cut from the left or a name in another script mangled into underscores."""
    addresses = getattr(message.get("To"), "addresses", ()) if message.get("To") is not None else ()
    local = addresses[0].username if addresses else "unknown"
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.+") else "_" for c in local).strip("._") or "unknown"
    return safe[:40]


def summary_markdown(summary: RunSummary, title: str) -> str:
    by_program: dict[str, Counter[str]] = {}
    for record in summary.evaluations:
        by_program.setdefault(record["program"], Counter())[record["status"]] += 1
    statuses = ["awarded", "not_awarded", "ineligible", "suspended", "opted_out"]
    lines = [
        f"# {title}",
        "",
        f"- partners: {summary.partners}",
        f"- input events: {summary.lines} (accepted {summary.accepted}, duplicates {summary.duplicates}, "
        f"rejected {len(summary.rejected)})",
        f"- schedule firings: {len(summary.firings)}",
        f"- evaluation records: {len(summary.evaluations)}",
        f"- emails sent: {summary.emails}",
        f"- dead letters: {summary.dead_letters or 'none'}",
        f"- handler errors (retried): {len(summary.handler_errors)}"
        + (f" - first: {summary.handler_errors[0][:200]}" if summary.handler_errors else ""),
        f"- wall time: {summary.seconds:.1f} s",
        "",
        "| program | " + " | ".join(statuses) + " | total |",
        "|---|" + "---|" * (len(statuses) + 1),
    ]
    for program, counts in sorted(by_program.items()):
        lines.append(f"| {program} | " + " | ".join(str(counts[s]) for s in statuses) + f" | {sum(counts.values())} |")
    evaluations = Counter((f[0]) for f in summary.firings)
    lines += ["", "| schedule | firings |", "|---|---|"]
    lines += [f"| {name} | {count} |" for name, count in sorted(evaluations.items())]
    failing = Counter(m for r in summary.evaluations for m in r.get("failing", []))
    if failing:
        lines += ["", "| most failed metric | records |", "|---|---|"]
        lines += [f"| {metric} | {count} |" for metric, count in failing.most_common(10)]
    return "\n".join(lines) + "\n"
