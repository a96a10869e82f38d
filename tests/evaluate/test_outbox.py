"""Nothing lost, nothing forged (issue 11): every state change and the events it owes are one write, published from
the state table's stream and retried until the bus takes them; every change lands in the partner's history (when,
who, before -> after, why)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from standing.adapters import bus
from tests.evaluate.conftest import profile
from tests.evaluate.test_programs import PROPERTY, _membership, _property


def test_a_publish_that_fails_is_retried_and_every_owed_event_arrives_once(scenario, monkeypatch):
    """Before: the standing was saved, then the publish failed, and the retry found "no change": the event was
    gone. Now the change carries its event; a failed publish is retried from the stream until it goes through."""
    scenario.post(_property("bp-good", datetime.now(UTC), 82, "competitive", (8, 7, 9)))
    real, failures = bus.publish, Counter()

    def flaky(events):
        if any(e.detail_type == "Standing Changed" for e in events) and failures["standing"] < 2:
            failures["standing"] += 1
            raise bus.PublishError("the bus refused the entries")
        return real(events)

    monkeypatch.setattr(bus, "publish", flaky)
    assert _membership(scenario, "bp-good", "opt_in")[0] == 200
    assert _membership(scenario, "bp-good", "opt_out")[0] == 200
    # At least once on the bus (a retried stream batch may send a neighbour again), once per stable id: what
    # consumers, notify included, keep.
    unique = {e["detail"]["id"]: e for e in scenario.bus_events() if e["detail"].get("partner_id") == "bp-good"}
    assert failures["standing"] == 2  # the first delivery and one retry failed
    changed = [e["detail"] for e in unique.values() if e["detail-type"] == "Standing Changed"]
    assert [(c["previous_status"], c["status"]) for c in changed] == [(None, "awarded"), ("awarded", "opted_out")]
    memberships = [e["detail"] for e in unique.values() if e["detail-type"] == "Membership Changed"]
    assert [(m["action"], m["granted"]) for m in memberships] == [("opt_in", True), ("opt_out", True)]
    # Leaving twice is one change: nothing is written or owed again.
    assert _membership(scenario, "bp-good", "opt_out")[0] == 200
    assert len({e["detail"]["id"] for e in scenario.bus_events() if e["detail-type"] == "Membership Changed"}) == 2


def test_every_membership_and_standing_change_is_in_the_history(scenario):
    scenario.post(_property("bp-good", datetime.now(UTC), 82, "competitive", (8, 7, 9)))
    assert _membership(scenario, "bp-good", "opt_in")[0] == 200
    assert _membership(scenario, "bp-good", "opt_out")[0] == 200
    scenario.bus_events()  # the stream runs: the publisher writes the history
    status, history = scenario.stack.request("GET", "/partners/bp-good/history", query={"program": PROPERTY})
    assert status == 200, history
    entries = [(h["kind"], h["before"], h["after"], h["why"]) for h in reversed(history["items"])]
    assert entries == [
        ("membership", None, "opted_in", "opted_in"),
        ("standing", None, "awarded", "opted_in"),
        ("membership", "opted_in", "opted_out", "opted_out"),
        ("standing", "awarded", "opted_out", "opted_out"),
    ]
    assert {h["by"] for h in history["items"]} == {"iam:arn:aws:iam::123456789012:user/marketplace"}
    assert all(h["at"] for h in history["items"])
    status, missing = scenario.stack.request("GET", "/partners/nobody/history")
    assert (status, missing["error"]) == (404, "unknown_partner")


def test_an_evaluation_record_is_written_once_and_owes_its_event(scenario):
    scenario.post([profile("kk-1", "2024-06-01T09:00:00+08:00", ["kkday-trusted-partner"])])
    for _ in range(2):  # the schedule fired twice: one run, one record, one event
        scenario.fire("KkdayTrustedPartnerSchedule", "2024-08-04T00:00", "Asia/Taipei")
    assert len(scenario.records("kk-1", "kkday-trusted-partner")) == 1
    assert scenario.count("Partner Evaluated") == 1
