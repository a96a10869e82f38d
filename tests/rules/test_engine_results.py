"""The engine's kept metric results (a metric, its threshold and the integers a result depends on) change no
record: every partner of a generated marketplace is judged with the results of every partner judged before it kept,
and again from cold (`clear_memos`) on a plain list of the same days, under the base and under drafts that move bars,
change a title or a unit; each record is the same. A kept result is handed out as a copy: changing one record
changes no other."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from standing.catalog import programs
from standing.evaluate.simulation import load_draft
from standing.fold import fold_days
from standing.rules import PROGRAMS_DIR, PartnerFacts, evaluate_partner
from standing.rules.engine import clear_memos
from tests.rules.builders import KKDAY, day, facts, generated_events

# Per program: edits that make drafts differing from the base by a bar, a title and a unit's words.
EDITS = {
    "kkday-trusted-partner": [
        ("    threshold: 0.90\n", "    threshold: 0.95\n"),
        ("title: Message response rate", "title: Reply rate"),
        ("sample: [traveler message, traveler messages]", "sample: [guest message, guest messages]"),
    ],
    "tiki-trusted-store": [('    threshold: "4.2"\n', '    threshold: "4.4"\n')],
    "booking-rides-preferred": [('    threshold: "4.60"\n', '    threshold: "4.70"\n')],
    "booking-preferred-property": [("    threshold: 70\n", "    threshold: 80\n")],
}
PREFIX = {"kkday-trusted-partner": "kk", "tiki-trusted-store": "tk", "booking-rides-preferred": "br"}


@pytest.mark.parametrize("program_id", sorted(programs()))
def test_kept_results_give_the_records_judged_from_cold(program_id: str) -> None:
    base = programs()[program_id]
    text = (PROGRAMS_DIR / f"{program_id}.yaml").read_text(encoding="utf-8")
    for old, new in EDITS[program_id]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    draft = load_draft(text, "draft")
    judged = 0
    for partner_id, events in generated_events(6).items():
        if not partner_id.startswith(PREFIX.get(program_id, "bp")):
            continue
        for region, category in (("TW", "general"), ("VN", "high_value")):
            attributes = {"region": region, "category": category, "self_managed": True,
                          "store_opened_at": "2024-03-01", "first_sale_at": "2024-03-02"}  # fmt: skip
            partner = PartnerFacts(partner_id, attributes)
            for month in (8, 9, 10, 11):
                at = datetime.fromisoformat(f"2024-{month:02d}-04T00:00:00+00:00")
                first, last = base.query_range(base.period_for(at))
                folded = fold_days(events, base.time_zone, first, last).days
                for program in (base, draft, base):
                    warm = evaluate_partner(program, partner, folded, at)
                    clear_memos()
                    cold = evaluate_partner(program, partner, list(folded), at)
                    assert json.dumps(warm) == json.dumps(cold), (partner_id, program.source, at)
                    judged += 1
    assert judged > 50


def test_a_kept_result_is_handed_out_as_a_copy() -> None:
    at = datetime.fromisoformat("2024-09-04T00:00:00+08:00")
    days = [day(date(2024, 8, 10), {"messages_received": 10, "messages_replied_within_12h": 9})]
    first = evaluate_partner(KKDAY, facts("p-1", self_managed=True), days, at)
    first["metrics"]["message_response_rate"]["headroom"] = "changed by a caller"
    first["metrics"]["message_response_rate"]["extra"] = True
    second = evaluate_partner(KKDAY, facts("p-2", self_managed=True), days, at)
    shown = second["metrics"]["message_response_rate"]
    assert shown["headroom"] == "no more messages not replied within 12 hours allowed; 1 more would fail this"
    assert "extra" not in shown
    clear_memos()
    assert evaluate_partner(KKDAY, facts("p-2", self_managed=True), days, at) == second
