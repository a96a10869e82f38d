"""The engine's lean records (`evaluate_partner(..., lean=True)`, what the local backtest keeps and compares) say
what the full records say: the same status, failing metrics, consequences (each side's ladder fed its own previous
records) and every other field, and per metric the same value, outcome, threshold and op; only the sentences are
left out (`reason` None, no headroom or titles). Judged on every partner of a generated marketplace, under every
built-in program and a draft moving a bar, with gates failing, flags open, memberships of every kind and lifetime
attributes missing or unreadable; the full records first and the lean ones from cold, then the other way round."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from standing.catalog import programs
from standing.evaluate.simulation import load_draft
from standing.fold import fold_days
from standing.rules import PROGRAMS_DIR, PartnerFacts, Program, evaluate_partner, opt_in_check
from standing.rules.engine import clear_memos
from tests.rules.builders import generated_events

BRIEF = ("value", "outcome", "threshold", "op")
DRAFT_EDITS = {
    "kkday-trusted-partner": ("    threshold: 0.90\n", "    threshold: 0.95\n"),
    "tiki-trusted-store": ('    threshold: "4.2"\n', '    threshold: "4.4"\n'),
    "booking-rides-preferred": ('    threshold: "4.60"\n', '    threshold: "4.70"\n'),
    "booking-preferred-property": ("    threshold: 70\n", "    threshold: 80\n"),
}
PREFIX = {"kkday-trusted-partner": "kk", "tiki-trusted-store": "tk", "booking-rides-preferred": "br"}
# (attributes, membership, membership_since, open flags): gates met and failing, every membership, flags open,
# lifetime attributes known, missing and unreadable.
CASES: list[tuple[dict[str, Any], str | None, str | None, frozenset[str]]] = [
    (
        {
            "region": "TW",
            "category": "general",
            "self_managed": True,
            "store_opened_at": "2024-03-01",
            "first_sale_at": "2024-03-02",
        },
        "opted_in",
        "2024-05-01T00:00:00Z",
        frozenset(),
    ),
    (
        {"region": "VN", "category": "TV-Laptop", "self_managed": True, "store_opened_at": "2024-07-20"},
        None,
        None,
        frozenset({"fraud"}),
    ),
    (
        {"region": "NL", "self_managed": False, "store_opened_at": "not a date"},
        "opted_out",
        "2024-06-03T10:00:00Z",
        frozenset(),
    ),
    ({"category": "Electronics – Refrigeration", "self_managed": True}, "never_joined", None, frozenset({"quality"})),
]


def _brief_of(full: dict[str, Any]) -> dict[str, Any]:
    """What a lean record must be, from the full one."""
    out = {k: v for k, v in full.items() if k != "metrics"}
    out["reason"] = None
    out["metrics"] = {m: {k: result[k] for k in BRIEF} for m, result in full["metrics"].items()}
    return out


def _assert_lean_matches(
    program: Program, events: list[dict[str, Any]], partner_id: str, lean_first: bool
) -> list[tuple[str, list[str]]]:
    """Every case judged full and lean at four monthly evaluations; the (status, consequences) seen."""
    seen = []
    for attributes, membership, since, flags in CASES:
        previous: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
        for month in (8, 9, 10, 11):
            at = datetime.fromisoformat(f"2024-{month:02d}-04T00:00:00+00:00")
            first, last = program.query_range(program.period_for(at))
            days = fold_days(events, program.time_zone, first, last).days
            records = {}
            for lean in (True, False) if lean_first else (False, True):
                facts = PartnerFacts(partner_id, attributes, membership, flags, previous[lean][:5], since)
                records[lean] = evaluate_partner(program, facts, days, at, lean=lean)
                previous[lean].insert(0, records[lean])
                clear_memos()
            assert records[True] == _brief_of(records[False]), (partner_id, program.source, at, attributes)
            assert list(records[True]["metrics"]) == list(records[False]["metrics"])
            facts = PartnerFacts(partner_id, attributes, membership, flags, [], since)
            granted, _ = opt_in_check(program, facts, days, at)
            assert opt_in_check(program, facts, days, at, lean=True)[0] == granted
            seen.append((records[False]["status"], records[False]["consequences"]))
    return seen


@pytest.mark.parametrize("program_id", sorted(programs()))
def test_a_lean_record_says_what_the_full_record_says(program_id: str) -> None:
    base = programs()[program_id]
    text = (PROGRAMS_DIR / f"{program_id}.yaml").read_text(encoding="utf-8")
    old, new = DRAFT_EDITS[program_id]
    assert text.count(old) == 1, old
    draft = load_draft(text.replace(old, new), "draft")
    seen: list[tuple[str, list[str]]] = []
    for partner_id, events in generated_events(5).items():
        if not partner_id.startswith(PREFIX.get(program_id, "bp")):
            continue
        for program in (base, draft):
            seen += _assert_lean_matches(program, events, partner_id, lean_first=len(seen) % 2 == 0)
    assert len(seen) >= 5 * 2 * len(CASES) * 4
    assert len({status for status, _ in seen}) >= 2  # metrics, and gates, flags and memberships where they apply


def test_a_lean_record_has_no_sentences() -> None:
    program = programs()["kkday-trusted-partner"]
    facts = PartnerFacts("kk-1", {"region": "TW", "self_managed": True})
    record = evaluate_partner(program, facts, [], datetime.fromisoformat("2024-09-04T00:00:00+00:00"), lean=True)
    assert record["reason"] is None
    assert all(set(result) == set(BRIEF) for result in record["metrics"].values())
    assert record["status"] == "not_awarded" or record["failing"] == []
