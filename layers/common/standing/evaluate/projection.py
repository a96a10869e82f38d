"""The daily projection: the current period to date for one partner, kept for the dashboard, and
"Partner At Risk" when a metric fails or comes within the margin (at most once per metric per period).

`Projector` is built from the store and the partner evaluator (standing.evaluate.partner) with the at-risk margin;
its step is the same read and pure engine as a scheduled evaluation, then one write: the projection, only when its
figures changed; and a period's at-risk item with the warning it owes, only for metrics not warned about yet."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from standing import contracts
from standing.adapters.standing_store import PartnerState
from standing.contracts import PartnerAtRisk, Projection
from standing.evaluate.partner import PartnerEvaluator, is_enrolled, partner_summary
from standing.evaluate.ports import StateStore
from standing.outbox import Owed, owes
from standing.rules import Period, Program, at_risk_metrics

QUIET_STATUSES = frozenset({"ineligible", "opted_out"})  # nothing to warn a partner about


class Projector:
    """The daily projection of one partner, on the store and partner evaluator it is built from. `at_risk_margin`:
    the relative margin within which a passing metric is reported as close to failing (config.at_risk_margin)."""

    def __init__(self, store: StateStore, partners: PartnerEvaluator, at_risk_margin: Decimal) -> None:
        self.store = store
        self.partners = partners
        self.at_risk_margin = at_risk_margin

    def project_partner(self, program: Program, partner_id: str, now: datetime, period: Period) -> str | None:
        """Store the partner's projection for the period in progress; warn once per newly at-risk metric."""
        state = self.store.partner_state(partner_id)
        if not is_enrolled(state, program.id):
            return None
        record = self.partners.judge(program, state, now, period)
        today = now.astimezone(program.tz).date()
        days_left = max((period.end - today).days + 1, 0)
        record = contracts.build(Projection, {**record, "data_as_of": now.isoformat(), "days_left": days_left})
        if _figures(self.store.projections(partner_id).get(program.id)) != _figures(record):
            self.store.put_projection(partner_id, program.id, record)  # nothing is written when nothing changed
        if record["status"] in QUIET_STATUSES:
            return str(record["status"])

        elapsed = max((min(today, period.end) - period.start).days, 1)
        candidates = at_risk_metrics(record, self.at_risk_margin)
        # Volume metrics (counts) grow through the period: judge them by pace, not by the total so far.
        kinds = {metric.id: metric.kind for metric in program.version_at(now).metrics}
        at_risk = [m for m in candidates if not _on_pace(kinds.get(m), record["metrics"][m], elapsed, period.days)]
        if at_risk:
            self.warn_once(program, state, record, period, now, days_left, at_risk)
        return str(record["status"])

    def warn_once(
        self,
        program: Program,
        state: PartnerState,
        record: dict[str, Any],
        period: Period,
        now: datetime,
        days_left: int,
        at_risk: list[str],
    ) -> None:
        """Warn about the metrics not warned about yet this period: the period's RISK# item lists every metric
        warned and carries the one "Partner At Risk" the new ones owe (one write, published from the stream)."""
        period_start = period.start.isoformat()
        expires_at = int((now + timedelta(days=period.days + 30)).timestamp())
        for _ in range(5):
            warned, version = self.store.warned(state.partner_id, program.id, period_start)
            new = sorted(set(at_risk) - set(warned))
            if not new:
                return
            warning_id = f"{program.id}#{period_start}#{'+'.join(new)}"
            detail = PartnerAtRisk.model_validate(
                {
                    "id": f"at_risk#{state.partner_id}#{warning_id}",
                    "program": program.id,
                    "program_name": program.name,
                    "partner_id": state.partner_id,
                    "partner": partner_summary(state.profile),
                    "period": period.to_dict(),
                    "data_as_of": now.isoformat(),
                    "days_left": days_left,
                    "warning_id": warning_id,
                    "metrics": {m: record["metrics"][m] for m in new},
                    "at_risk": new,
                }
            )
            owed = owes([Owed.of(detail)])
            if self.store.warn(state.partner_id, program.id, period_start, warned + new, version, owed, expires_at):
                return
        raise RuntimeError(f"at-risk warnings of {state.partner_id} in {program.id} kept changing under us")


# What changes every day whatever the data: left out when deciding whether a projection changed.
_VOLATILE = ("evaluated_at", "data_as_of", "days_left")


def _figures(projection: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if projection is None else {k: v for k, v in projection.items() if k not in _VOLATILE}


def _on_pace(kind: str | None, metric: dict, elapsed_days: int, period_days: int) -> bool:
    """True for a volume metric whose value, extrapolated to the whole period, would pass."""
    if kind not in ("count", "distinct") or metric.get("op") not in (">=", ">"):
        return False
    try:
        value = Decimal(str(metric["value"]))
        threshold = Decimal(str(metric["threshold"]))
    except (KeyError, ArithmeticError, ValueError):
        return False
    projected = value * period_days / elapsed_days
    return projected >= threshold if metric["op"] == ">=" else projected > threshold
