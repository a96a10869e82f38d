"""Backtests: one partner judged twice, under the program in force (the base) and under a draft, and the two
records compared. Shared by `standing backtest` (history folded in memory) and the deployed simulations
(`POST /programs/{id}/simulations`, stored history): both feed the same rules engine the same facts a scheduled
evaluation would (`standing.evaluate.partner.PartnerEvaluator.judge`), only the history of records is each side's
own.

Nothing here writes anything: callers decide where rows go (a CSV, or items under the simulation's id).
"""

from __future__ import annotations

import csv
import functools
import io
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from standing.adapters.standing_store import PartnerState
from standing.adapters.tables import batch_marker_sk, page_marker_sk
from standing.day_aggregate import DayAggregate
from standing.evaluate.partner import is_enrolled, partner_facts
from standing.evaluate.ports import Clock, Programs, SimulationStore, StateStore, WorkQueue
from standing.keys import ENROLMENT_SHARDS
from standing.rules import Period, Program, ProgramError, evaluate_partner, load_program, opt_in_check

SIDES = ("base", "draft")
NOT_EVALUATED = "not_evaluated"  # the base has no evaluation at that instant (its first_evaluation is later)


def load_draft(text: str, source: str) -> Program:
    """A draft program from YAML text, validated by the program loader. `source` names it in errors (the user's
    file, or "request body"). The loader wants the file named after the program id; a draft may be called
    anything, so it is loaded from a copy with that name and its errors are reported against `source`."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        raw = None  # the loader reports where
    program_id = raw.get("id") if isinstance(raw, dict) else None
    with tempfile.TemporaryDirectory(prefix="draft-") as folder:
        name = program_id if isinstance(program_id, str) and program_id and "/" not in program_id else "draft"
        path = Path(folder) / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            program = load_program(path)
        except ProgramError as error:
            raise ProgramError(source, error.path, error.message) from None
    program.source = source
    return program


@dataclass
class History:
    """One side's evaluation records, per partner, newest first (what `standing_store.records` returns)."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def before(self, partner_id: str, period: Period, limit: int) -> list[dict[str, Any]]:
        start = period.start.isoformat()
        found = [r for r in self.records.get(partner_id, ()) if r["period"]["start"] < start]
        return found[:limit]

    def add(self, record: dict[str, Any], keep: int) -> None:
        """The record, newest first; `keep` earlier ones are kept besides (a rerun of a period may sit on top)."""
        kept = self.records.setdefault(record["partner_id"], [])
        kept.insert(0, record)
        del kept[keep + 1 :]


def judge(
    program: Program,
    state: PartnerState,
    days: Iterable[DayAggregate],
    evaluated_at: datetime,
    history: History,
    membership: str | None = None,
    *,
    lean: bool = False,
) -> dict[str, Any]:
    """One scheduled evaluation of one side; the record joins that side's history. `lean` (the local backtest):
    the record without sentences (`standing.rules.evaluate_partner`), all that `compare` and the ladder read."""
    period = program.period_for(evaluated_at)
    needed = program.history_needed  # what the deployed evaluation reads (PartnerEvaluator.inputs)
    previous = history.before(state.partner_id, period, needed) if needed else []
    facts = partner_facts(state, program.id, previous, membership)
    record = evaluate_partner(program, facts, days, evaluated_at, period, lean=lean)
    history.add(record, needed)
    return record


def opt_in_granted(
    program: Program, state: PartnerState, days: Iterable[DayAggregate], now: datetime, *, lean: bool = False
) -> bool:
    """Would an opt-in at `now` be granted (`standing.evaluate.changes.change_membership`): the window ending
    today judged as a member, without history, by the program's rule (`opt_in_requires_criteria`)."""
    granted, _ = opt_in_check(program, partner_facts(state, program.id, [], "opted_in"), days, now, lean=lean)
    return granted


# ---------------------------------------------------------------------------------------------------- rows


def metric_ids(base: Program | None, draft: Program) -> list[str]:
    """Every metric id of either program (any version), the draft's order first."""
    ids: dict[str, None] = {}
    for program in (draft, base):
        if program is not None:
            for version in program.versions:
                ids.update(dict.fromkeys(m.id for m in version.metrics))
    return list(ids)


_NONE: dict[str, Any] = {}  # a metric one side does not have (read only)


def compare(base: dict[str, Any] | None, draft: dict[str, Any]) -> dict[str, Any]:
    """One row: the two records of a partner's evaluation side by side. `deciding`: the metrics whose outcome
    differs; `changed`: status, consequences or an outcome differs."""
    before = base or {}
    metrics: dict[str, dict[str, Any]] = {}
    deciding: list[str] = []
    base_metrics: dict[str, dict[str, Any]] = before.get("metrics", {})
    draft_metrics: dict[str, dict[str, Any]] = draft["metrics"]
    # The base's metrics, then the draft's others (`base_metrics.keys() | draft_metrics.keys()` has no order).
    ids = [*base_metrics, *(m for m in draft_metrics if m not in base_metrics)]
    for metric_id in ids:
        b = base_metrics.get(metric_id, _NONE)
        d = draft_metrics.get(metric_id, _NONE)
        outcome_base, outcome_draft = b.get("outcome"), d.get("outcome")
        metrics[metric_id] = {
            "value_base": b.get("value"),
            "value_draft": d.get("value"),
            "outcome_base": outcome_base,
            "outcome_draft": outcome_draft,
            "threshold_base": b.get("threshold"),
            "threshold_draft": d.get("threshold"),
            "op_base": b.get("op"),
            "op_draft": d.get("op"),
        }
        if outcome_base != outcome_draft:
            deciding.append(metric_id)
    consequences_base = list(before.get("consequences", []))
    consequences_draft = list(draft.get("consequences", []))
    return {
        "partner_id": draft["partner_id"],
        "program": draft["program"],
        "period_start": draft["period"]["start"],
        "period_end": draft["period"]["end"],
        "evaluated_at": draft["evaluated_at"],
        "segment": draft.get("segment"),
        "region": draft.get("region"),
        "status_base": before.get("status"),
        "status_draft": draft["status"],
        "consequences_base": consequences_base,
        "consequences_draft": consequences_draft,
        "changed": before.get("status") != draft["status"] or consequences_base != consequences_draft or bool(deciding),
        "deciding": deciding,
        "metrics": metrics,
    }


def csv_header(ids: Sequence[str]) -> list[str]:
    head = ["partner_id", "program", "period_start", "period_end", "status_base", "status_draft", "changed"]
    head += ["deciding_metrics", "consequences_base", "consequences_draft"]
    for metric_id in ids:
        head += [f"{metric_id}_base", f"{metric_id}_draft", f"{metric_id}_outcome_base", f"{metric_id}_outcome_draft"]
    return head


def csv_row(row: dict[str, Any], ids: Sequence[str]) -> list[Any]:
    out = [row["partner_id"], row["program"], row["period_start"], row["period_end"]]
    out += [row["status_base"] or "", row["status_draft"], "yes" if row["changed"] else "no"]
    out += [" ".join(row["deciding"]), " ".join(row["consequences_base"]), " ".join(row["consequences_draft"])]
    for metric_id in ids:
        m = row["metrics"].get(metric_id, {})
        out += [_cell(m.get("value_base")), _cell(m.get("value_draft"))]
        out += [m.get("outcome_base") or "", m.get("outcome_draft") or ""]
    return out


def _cell(value: Any) -> Any:
    return "" if value is None else value


def csv_text(rows: Iterable[dict[str, Any]], ids: Sequence[str], header: bool = True) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(csv_header(ids))
    for row in rows:
        writer.writerow(csv_row(row, ids))
    return buffer.getvalue()


def summary_counts(rows: Iterable[dict[str, Any]]) -> Counter[str]:
    """Additive counters of a set of rows (a batch's share of a simulation's summary): per period, partners by
    status on each side, status transitions, changed rows and flips per deciding metric."""
    counts: Counter[str] = Counter()
    for row in rows:
        period = f"{row['period_start']}/{row['period_end']}"
        counts[f"{period}|partners"] += 1
        base = row["status_base"] or NOT_EVALUATED
        counts[f"{period}|base|{base}"] += 1
        counts[f"{period}|draft|{row['status_draft']}"] += 1
        if row["changed"]:
            counts[f"{period}|changed"] += 1
        if row["status_base"] != row["status_draft"]:
            counts[f"{period}|flip|{base}>{row['status_draft']}"] += 1
            for metric_id in row["deciding"]:
                counts[f"{period}|metric|{metric_id}"] += 1
    return counts


def summary(counts: dict[str, int]) -> list[dict[str, Any]]:
    """The counters of `summary_counts` as one entry per period, oldest first."""
    periods: dict[str, dict[str, Any]] = {}
    for key, value in counts.items():
        period, _, rest = key.partition("|")
        entry = periods.setdefault(
            period,
            {
                "period": dict(zip(("start", "end"), period.split("/"), strict=True)),
                "partners": 0,
                "changed": 0,
                "base": {},
                "draft": {},
                "flips": {},
                "flips_by_metric": {},
            },
        )
        kind, _, name = rest.partition("|")
        if kind in ("partners", "changed"):
            entry[kind] += int(value)
        elif kind in ("base", "draft"):
            entry[kind][name] = int(value)
        elif kind == "flip":
            entry["flips"][name.replace(">", " -> ")] = int(value)
        elif kind == "metric":
            entry["flips_by_metric"][name] = int(value)
    return [periods[p] for p in sorted(periods)]


# ---------------------------------------------------------------------------------------------------- deployed
# A simulation reuses the evaluation fan-out: planner pages (one per enrolment shard) and partner batches on
# EvaluateQueue, with mode "simulation". A batch judges its partners at every evaluation instant of the request,
# oldest first, on the stored daily aggregates and the current partner state; each side's history starts from the
# partner's stored records before the first period. It writes only under SIM#{id}: never a record, a standing, a
# projection, a bus event or an email.


PAGE_SIZE = 1000  # partner ids per planner page (as evaluation runs)
BATCH_SIZE = 100  # partners per batch: each is judged at every instant of the simulation, twice


class DraftMismatch(ValueError):
    """The draft's id is not the program the request names."""


def scheduled_instants(program: Program, start: datetime, end: datetime) -> list[datetime]:
    """The program's scheduled evaluations in [start, end] that are due (first_evaluation)."""
    found = []
    at = program.schedule.next_after(start - timedelta(microseconds=1))
    while at <= end:
        if program.first_evaluation is None or at >= program.first_evaluation:
            found.append(at)
        at = program.schedule.next_after(at)
    return found


def view(item: dict[str, Any]) -> dict[str, Any]:
    """GET /simulations/{id}: the request, progress and the summary so far."""
    counts = {k: int(v) for k, v in item.items() if "|" in k}
    return {
        "id": item["id"],
        "program": item["program"],
        "from": item["from"],
        "to": item["to"],
        "evaluations": item.get("instants", []),
        "status": item["status"],
        "created_at": item.get("created_at"),
        "completed_at": item.get("completed_at"),
        "progress": {
            "batches_planned": int(item.get("batches_planned", 0)),
            "batches_done": int(item.get("batches_done", 0)),
            "pages_pending": int(item.get("pages_pending", 0)),
            "partners": int(item.get("partners", 0)),
            "rows": int(item.get("rows", 0)),
        },
        "summary": summary(counts),
    }


@functools.lru_cache(maxsize=32)
def _draft(simulation_id: str, text: str) -> Program:
    return load_draft(text, f"simulation {simulation_id}")


class Simulations:
    """Deployed simulations, on the ports they are built from: the partners' store (read only), the simulations'
    own store (everything a simulation writes), the work queue, the programs and the clock."""

    def __init__(
        self,
        store: StateStore,
        simulations: SimulationStore,
        queue: WorkQueue,
        programs: Programs,
        clock: Clock,
        *,
        page_size: int = PAGE_SIZE,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.store = store
        self.simulations = simulations
        self.queue = queue
        self.programs = programs
        self.clock = clock
        self.page_size = page_size
        self.batch_size = batch_size

    def start(self, program_id: str, draft_text: str, start: date, end: date, now: datetime) -> dict[str, Any]:
        """Validate the draft (ProgramError, DraftMismatch), record the simulation and enqueue its planner pages."""
        base = self.programs.program(program_id)
        draft = load_draft(draft_text, "request body")
        if draft.id != base.id:
            raise DraftMismatch(f"the draft's id is {draft.id!r}; this simulation is of {base.id!r}")
        first = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
        last = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC) - timedelta(microseconds=1)
        instants = [t.isoformat() for t in scheduled_instants(draft, first, last)]
        simulation_id = uuid.uuid4().hex
        detail = {
            "id": simulation_id,
            "program": program_id,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "instants": instants,
            "created_at": now.astimezone(UTC).isoformat(),
        }
        self.simulations.create(simulation_id, detail, draft_text, pages=ENROLMENT_SHARDS)
        self.queue.enqueue(
            [
                {"mode": "simulation", "kind": "plan_page", "simulation": simulation_id, "shard": s, "page": 0}
                for s in range(ENROLMENT_SHARDS)
            ]
        )
        return view(self.simulations.get(simulation_id))

    def results_csv(self, simulation_id: str) -> str:
        item = self.simulations.get(simulation_id)
        ids = metric_ids(self.programs.program(item["program"]), _draft(simulation_id, item["draft"]))
        return csv_text([], ids) + "".join(self.simulations.rows(simulation_id))

    def on_work(self, body: dict[str, Any]) -> None:
        """One EvaluateQueue message of a simulation: a planner page or a partner batch."""
        simulation_id = body["simulation"]
        item = self.simulations.get(simulation_id)
        if body["kind"] == "plan_page":
            self._plan_page(simulation_id, item, body)
        elif body["kind"] == "batch":
            self._batch(simulation_id, item, body)
        else:
            raise ValueError(f"unknown simulation work kind {body['kind']!r}")

    def _plan_page(self, simulation_id: str, item: dict[str, Any], body: dict[str, Any]) -> None:
        shard, page = int(body["shard"]), int(body["page"])
        ids, cursor = self.store.enrolled_partners(item["program"], shard, body.get("cursor"), self.page_size)
        batches = [ids[i : i + self.batch_size] for i in range(0, len(ids), self.batch_size)]
        messages: list[dict[str, Any]] = [
            {
                "mode": "simulation",
                "kind": "batch",
                "simulation": simulation_id,
                "batch": f"{shard:02d}-{page:06d}-{n:03d}",
                "partners": batch,
            }
            for n, batch in enumerate(batches)
        ]
        if cursor:
            messages.append({**body, "page": page + 1, "cursor": cursor})
        self.queue.enqueue(messages)
        adds = {"batches_planned": len(batches), "pages_pending": (1 if cursor else 0) - 1}
        if self.simulations.count_once(simulation_id, page_marker_sk(shard, page), adds):
            self._complete_if_done(simulation_id)

    def _batch(self, simulation_id: str, item: dict[str, Any], body: dict[str, Any]) -> None:
        base = self.programs.program(item["program"])
        draft = _draft(simulation_id, item["draft"])
        instants = [datetime.fromisoformat(t) for t in item.get("instants", [])]
        rows: list[dict[str, Any]] = []
        partners = 0
        for partner_id in body["partners"]:
            state = self.store.partner_state(partner_id)
            if not is_enrolled(state, base.id) or not instants:
                continue
            partners += 1
            rows += self._judge_partner(base, draft, state, instants)
        text = csv_text(rows, metric_ids(base, draft), header=False)
        self.simulations.put_rows(simulation_id, body["batch"], text)
        adds = {"batches_done": 1, "partners": partners, "rows": len(rows), **summary_counts(rows)}
        if self.simulations.count_once(simulation_id, batch_marker_sk(body["batch"]), adds):
            self._complete_if_done(simulation_id)

    def _judge_partner(
        self, base: Program, draft: Program, state: PartnerState, instants: list[datetime]
    ) -> list[dict[str, Any]]:
        """Both sides at every instant, oldest first, each on its own history (seeded with the stored records)."""
        sides = {"base": base, "draft": draft}
        first_period = min(p.period_for(instants[0]).start for p in sides.values())
        needed = max(program.history_needed for program in sides.values())  # a draft's ladder may look further
        before = first_period.isoformat()
        seed = self.store.records(state.partner_id, base.id, before=before, limit=needed) if needed else []
        histories = {side: History({state.partner_id: list(seed)}) for side in SIDES}
        days: dict[str, list[DayAggregate]] = {}
        for zone in sorted({program.time_zone for program in sides.values()}):
            # Every window of both sides in this zone (a draft may read further back than the base).
            windows = [(p, p.period_for(t)) for p in sides.values() if p.time_zone == zone for t in instants]
            folded = self.store.folded_days(
                partner_id=state.partner_id,
                time_zone=zone,
                first=min(p.query_range(period)[0] for p, period in windows),
                last=max(p.query_range(period)[1] for p, period in windows),
                activity_from=min(p.activity_from(period) for p, period in windows),
            )
            days[zone] = folded.days
        rows = []
        for at in instants:
            # lean: the rows and the ladder read only statuses, failing metrics, values and outcomes (as the local
            # backtest's records); no sentence is built for a record nobody reads
            records = {
                side: judge(program, state, days[program.time_zone], at, histories[side], lean=True)
                for side, program in sides.items()
            }
            rows.append(compare(records["base"], records["draft"]))
        return rows

    def _complete_if_done(self, simulation_id: str) -> None:
        item = self.simulations.get(simulation_id)
        if item.get("pages_pending", 0) == 0 and item.get("batches_done", 0) >= item.get("batches_planned", 0):
            self.simulations.complete(simulation_id, self.clock().isoformat())
