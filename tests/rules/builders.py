"""Small builders for rules tests: daily aggregates, partner facts and local instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from standing.day_aggregate import DayAggregate, ReportedScore
from standing.rules import PartnerFacts, Program, load_program, load_programs
from standing.rules.periods import local_instant

PROGRAMS = load_programs()
KKDAY = PROGRAMS["kkday-trusted-partner"]
BOOKING = PROGRAMS["booking-preferred-property"]
RIDES = PROGRAMS["booking-rides-preferred"]
TIKI = PROGRAMS["tiki-trusted-store"]
# Per-region thresholds and dated versions: the example program, never a built-in one (seed 002 publishes none).
REGIONAL = load_program(Path(__file__).resolve().parents[2] / "docs" / "examples" / "booking-rides-regional.yaml")


def local(program: Program, y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A local wall-clock time in the program's zone, as a UTC instant."""
    return local_instant(date(y, m, d), time(hh, mm), program.tz)


def day(
    when: date,
    counts: dict[str, int] | None = None,
    sums: dict[str, str] | None = None,
    sets: dict[str, set[str]] | None = None,
    scores: dict[str, str] | None = None,
) -> DayAggregate:
    return DayAggregate(
        day=when,
        counts=dict(counts or {}),
        sums={k: Decimal(v) for k, v in (sums or {}).items()},
        sets={k: frozenset(v) for k, v in (sets or {}).items()},
        scores={k: ReportedScore(v, _noon(when)) for k, v in (scores or {}).items()},
        events=1,
    )


def _noon(when: date) -> str:
    return datetime.combine(when, time(12), UTC).isoformat()


def facts(partner_id: str = "p-1", previous: list[dict[str, Any]] | None = None, **attributes: Any) -> PartnerFacts:
    flags = attributes.pop("open_flags", frozenset())
    membership = attributes.pop("membership", None)
    return PartnerFacts(partner_id, attributes, membership, frozenset(flags), list(previous or []))


def generated_events(per_program: int) -> dict[str, list[dict[str, Any]]]:
    """A generated marketplace (`per_program` partners of each built-in program, to 2024-11-05, half the activity)
    as the EventsTable gives its events to the fold, by partner."""
    import json

    from standing.events.models import Rejection, utc_text, validate_event
    from standing_local.marketplace import MarketplaceSpec, generate

    n = per_program
    spec = MarketplaceSpec(kkday=n, booking_property=n, booking_rides=n, tiki=n, end=date(2024, 11, 5), scale=0.5)
    found: dict[str, list[dict[str, Any]]] = {}
    for index, raw in enumerate(json.loads(json.dumps(generate(spec)))):
        checked = validate_event(index, raw)
        assert not isinstance(checked, Rejection)
        event = {"event_id": checked.event_id, "type": checked.type, "occurred_at": utc_text(checked.occurred_at),
                 "data": checked.data}  # fmt: skip
        found.setdefault(checked.partner_id, []).append(event)
    return found
