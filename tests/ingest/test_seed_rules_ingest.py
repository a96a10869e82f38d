"""The ingest side of the seed rules (issue 9): what is checked and kept when the events arrive."""

from __future__ import annotations

from datetime import date

from standing import catalog
from standing.adapters import standing_store
from standing.evaluate.partner import PartnerEvaluator
from standing.events.models import Rejection, ValidEvent, validate_event
from tests.ingest.conftest import Pipeline, event, profile

TIKI = "tiki-trusted-store"


def score(value: object, metric: str = "price_competitiveness") -> dict:
    return event("s1", "score.reported", "2024-07-01T10:00:00+02:00", metric=metric, value=value)


def test_pricing_level_is_a_closed_vocabulary_stored_normalised():
    """Seed 001: an external pricing level of "competitive" is needed. Levels are checked at ingest against a
    documented vocabulary, whatever their case or spacing, and stored in one form: "Competitive" is competitive."""
    for sent, stored in (
        ("Competitive", "competitive"),
        (" COMPETITIVE ", "competitive"),
        ("Slightly uncompetitive", "slightly_uncompetitive"),
        ("not-competitive", "uncompetitive"),
    ):
        checked = validate_event(0, score(sent))
        assert isinstance(checked, ValidEvent), checked
        assert checked.data["value"] == stored
    # The same report sent in two spellings is one event: a duplicate, not a conflict.
    assert validate_event(0, score("Competitive")).digest == validate_event(0, score("competitive")).digest
    for bad in ("cheap", "", 3):
        refused = validate_event(0, score(bad))
        assert isinstance(refused, Rejection) and refused.field == "data.value", bad
    assert "competitive, slightly_uncompetitive, uncompetitive" in validate_event(0, score("cheap")).message


def seen(pipeline: Pipeline) -> str | None:
    """What an evaluation of July does: fold the partner's events on read, keep the earliest sale on the profile."""
    state = standing_store.partner_state("p1")
    folded = standing_store.folded_days("p1", "Asia/Ho_Chi_Minh", date(2024, 7, 1), date(2024, 7, 31))
    PartnerEvaluator(standing_store, catalog).seen_first_sale(state, folded.first_sale_at)
    return pipeline.state("p1", "PROFILE").get("first_sale_seen_at")


def test_the_first_successful_sale_is_kept_for_good(pipeline: Pipeline) -> None:
    """Seed 003: "The store's lifetime is counted from the time the seller has completed the profile, and has at
    least 1 product sold". Standing keeps the earliest successful order it has seen on the partner (each evaluation
    and projection folds the events and keeps an earlier one), and a later profile update does not erase it."""
    pipeline.send([profile("prof1", "2024-06-01T00:00:00Z", [TIKI], store_opened_at="2024-01-01")])
    pipeline.send([
        event("o1", "order.placed", "2024-07-05T10:00:00+07:00", order_id="A", buyer_id="b",
              due_by="2024-07-07T10:00:00+07:00"),
        event("o2", "order.placed", "2024-07-02T10:00:00+07:00", order_id="B", buyer_id="b",
              due_by="2024-07-04T10:00:00+07:00"),
        event("o1c", "order.confirmed", "2024-07-05T11:00:00+07:00", order_id="A"),
    ])  # fmt: skip
    assert seen(pipeline) == "2024-07-05T03:00:00Z"  # B is not a sale yet
    pipeline.send([event("o2c", "order.confirmed", "2024-07-02T12:00:00+07:00", order_id="B")])
    assert seen(pipeline) == "2024-07-02T03:00:00Z"
    # A newer profile replaces the marketplace's fields and keeps what Standing saw.
    pipeline.send([profile("prof2", "2024-08-01T00:00:00Z", [TIKI], category="general")])
    stored = pipeline.state("p1", "PROFILE")
    assert stored["first_sale_seen_at"] == "2024-07-02T03:00:00Z"
    assert stored["category"] == "general" and "store_opened_at" not in stored
    # A cancelled later sale does not move it: kept for good.
    pipeline.send([event("o2x", "order.cancelled", "2024-08-02T00:00:00Z", order_id="B", cause="customer")])
    assert seen(pipeline) == "2024-07-02T03:00:00Z"
