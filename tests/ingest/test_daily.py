"""Pure folding: local days (DST included), entity folds and day aggregates, without AWS."""

from __future__ import annotations

from datetime import date
from typing import Any

from standing.events.entities import anchor_text, entity_record, entity_sk, flag_open, fold_order, weight
from standing.events.entity_days import aggregate_days, day_window, local_day


def entity(sk: str, anchor: str | None, *events: tuple[str, str, str, dict[str, Any]], voided: tuple[str, ...] = ()):
    item: dict[str, Any] = {"pk": "P#p", "sk": sk}
    if anchor:
        item["anchor_at"] = anchor_text(anchor)
    for event_id, type_name, at, data in events:
        item[f"e#{event_id}"] = entity_record(type_name, at, data)
    for event_id in voided:
        item[f"v#{event_id}"] = True
    return item


def test_day_windows_follow_daylight_saving() -> None:
    # Amsterdam: 2024-03-31 has 23 hours, 2024-10-27 has 25.
    assert day_window(date(2024, 3, 31), "Europe/Amsterdam") == ("2024-03-30T23:00:00Z", "2024-03-31T21:59:59Z")
    assert day_window(date(2024, 10, 27), "Europe/Amsterdam") == ("2024-10-26T22:00:00Z", "2024-10-27T22:59:59Z")
    assert day_window(date(2024, 7, 1), "Asia/Taipei") == ("2024-06-30T16:00:00Z", "2024-07-01T15:59:59Z")
    assert local_day("2024-06-30T16:00:00Z", "Asia/Taipei") == date(2024, 7, 1)
    assert local_day("2024-06-30T15:59:59Z", "Asia/Taipei") == date(2024, 6, 30)
    assert anchor_text("2024-07-01T00:00:00.999+08:00") == "2024-06-30T16:00:00Z"  # seconds floor


def test_entity_keys() -> None:
    assert entity_sk("e", "message.replied", {"in_reply_to": "m1", "message_id": "m2"}) == "N#M#m1"
    assert entity_sk("e", "ride.incident", {"order_id": "o"}) == "N#O#o"
    assert entity_sk("e9", "score.reported", {}) == "N#S#e9"
    assert entity_sk("e", "risk.flag_raised", {"flag": "fraud", "case_id": "c#1"}) == "N#F#fraud#c#1"
    assert entity_sk("e", "partner.profile", {}) is None


def test_order_fold_first_of_each_kind_and_voids() -> None:
    placed = ("p", "order.placed", "2024-07-01T00:00:00Z", {"buyer_id": "b", "due_by": "2024-07-01T12:00:00Z"})
    late_confirm = ("c2", "order.confirmed", "2024-07-01T13:00:00Z", {})
    early_confirm = ("c1", "order.confirmed", "2024-07-01T11:00:00Z", {})
    order = fold_order(entity("N#O#o", "2024-07-01T00:00:00Z", placed, late_confirm, early_confirm))
    assert order.confirmed_on_time and order.successful
    voided = fold_order(entity("N#O#o", "2024-07-01T00:00:00Z", placed, late_confirm, early_confirm, voided=("c1",)))
    assert not voided.confirmed_on_time and voided.confirmed_at == "2024-07-01T13:00:00.000000Z"
    unplaced = entity("N#O#o", "2024-07-01T00:00:00Z", placed, early_confirm, voided=("p",))
    assert aggregate_days([unplaced], "UTC")[date(2024, 7, 1)].aggregate.counts == {}
    assert weight(unplaced) == 3


def test_reply_exactly_twelve_hours_later_is_within() -> None:
    received = ("m", "message.received", "2024-07-01T00:00:00+07:00", {})
    reply = ("r", "message.replied", "2024-07-01T12:00:00+07:00", {})
    later = ("r2", "message.replied", "2024-07-01T12:00:01+07:00", {})
    on_time = aggregate_days([entity("N#M#m", "2024-07-01T00:00:00+07:00", received, reply)], "Asia/Ho_Chi_Minh")
    late = aggregate_days([entity("N#M#m", "2024-07-01T00:00:00+07:00", received, later)], "Asia/Ho_Chi_Minh")
    assert on_time[date(2024, 7, 1)].aggregate.counts["messages_replied_within_12h"] == 1
    assert "messages_replied_within_12h" not in late[date(2024, 7, 1)].aggregate.counts


def test_flags_and_wanted_days() -> None:
    raised = ("f", "risk.flag_raised", "2024-07-01T00:00:00Z", {})
    cleared = ("c", "risk.flag_cleared", "2024-07-02T00:00:00Z", {})
    assert flag_open(entity("N#F#fraud#1", None, raised))
    assert not flag_open(entity("N#F#fraud#1", None, raised, cleared))
    assert flag_open(entity("N#F#fraud#1", None, raised, cleared, voided=("c",)))
    results = aggregate_days([], "UTC", [date(2024, 7, 1)])
    assert results[date(2024, 7, 1)].n == 0 and results[date(2024, 7, 1)].aggregate.to_dict()["counts"] == {}
