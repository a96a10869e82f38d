"""The engine's memo of window totals on a fold's DayList (a backtest judges one partner's days under the base and
the draft; its metric results are kept by value: test_engine_results.py) changes no record: on a generated
marketplace, every partner of every program is judged under the base and then a draft (one bar moved for KKday, the
same text elsewhere) on one DayList, and each record equals the one judged on a plain list of the same days."""

from __future__ import annotations

from datetime import datetime

import pytest

from standing.catalog import programs
from standing.evaluate.simulation import load_draft
from standing.fold import DayList, fold_days
from standing.rules import PROGRAMS_DIR, PartnerFacts, evaluate_partner
from tests.rules.builders import generated_events

EDITS = {"kkday-trusted-partner": ("    threshold: 0.90\n", "    threshold: 0.95\n")}


@pytest.mark.parametrize("program_id", sorted(programs()))
def test_shared_days_give_the_records_plain_days_give(program_id: str) -> None:
    base = programs()[program_id]
    text = (PROGRAMS_DIR / f"{program_id}.yaml").read_text(encoding="utf-8")
    if program_id in EDITS:
        assert text.count(EDITS[program_id][0]) == 1
        text = text.replace(*EDITS[program_id])
    draft = load_draft(text, "draft")
    prefix = {"kkday-trusted-partner": "kk", "tiki-trusted-store": "tk", "booking-rides-preferred": "br"}
    judged = 0
    for partner_id, events in generated_events(4).items():
        if not partner_id.startswith(prefix.get(program_id, "bp")):
            continue
        facts = PartnerFacts(partner_id, {"region": "TW", "category": "general", "self_managed": True,
                                          "store_opened_at": "2023-01-01", "first_sale_at": "2023-02-01"})  # fmt: skip
        for month in (8, 9, 10, 11):
            at = datetime.fromisoformat(f"2024-{month:02d}-04T00:00:00+00:00")
            first, last = base.query_range(base.period_for(at))
            folded = fold_days(events, base.time_zone, first, last).days
            if not folded:
                continue
            assert isinstance(folded, DayList)
            for program in (base, draft, base):  # the second base hits every memo
                shared = evaluate_partner(program, facts, folded, at)
                plain = evaluate_partner(program, facts, list(folded), at)
                assert shared == plain, (partner_id, program.source, at)
                judged += 1
    assert judged > 10
