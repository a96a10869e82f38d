"""A draft's consequence ladder may look further back than the program in force: each side of a backtest or a
simulation keeps and reads as many earlier records as its own ladder needs (`Program.history_needed`), as the
deployed evaluation reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from standing.adapters.standing_store import PartnerState
from standing.day_aggregate import DayAggregate
from standing.evaluate import simulation
from standing.rules import PROGRAMS_DIR
from tests.local.test_backtest import KKDAY

FAILING_TWO = {  # message response 0/10 and confirmations on time 0/10: two metrics fail, cancellations pass
    "messages_received": 10,
    "orders_placed": 10,
    "orders_confirmation_due": 10,
    "orders_confirmed": 10,
}


def test_a_draft_whose_warning_needs_eight_failing_months_gets_it_in_the_eighth() -> None:
    text = (PROGRAMS_DIR / f"{KKDAY}.yaml").read_text(encoding="utf-8")
    rung = "{consequence: delisting_warning, min_failing: 2, consecutive: 3}"
    assert text.count(rung) == 1
    draft = simulation.load_draft(text.replace(rung, rung.replace("consecutive: 3", "consecutive: 8")), "draft.yaml")
    assert draft.history_needed == 7
    profile = {"partner_id": "kk-1", "region": "TW", "self_managed": True, "programs": [KKDAY]}
    state = PartnerState("kk-1", profile, {KKDAY: {"enrolled": True}}, frozenset())
    history = simulation.History()
    consequences = []
    for month in range(7, 16):  # July 2024 to March 2025, each judged on the 4th of the next month
        year, number = 2024 + (month - 1) // 12, (month - 1) % 12 + 1
        day = DayAggregate(date(year, number, 10), counts=dict(FAILING_TWO))
        evaluated_at = datetime(year + number // 12, number % 12 + 1, 3, 16, tzinfo=UTC)
        record = simulation.judge(draft, state, [day], evaluated_at, history, lean=True)
        assert record["failing"] == ["message_response_rate", "order_confirmation_rate"], record["period"]
        consequences.append(record["consequences"])
    assert consequences == [["ranking_demotion"]] * 7 + [["ranking_demotion", "delisting_warning"]] * 2
