"""The standing repository (standing.adapters.standing_store) on the template's StateTable and EventsTable in
moto: the stored shapes are the ones boto3 wrote before the models (looked at through boto3's resource API), events
and parked images keep their numbers exact, cursors are plain, conditions become domain answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from standing.adapters import standing_store, tables
from standing.adapters.errors import TableMissing
from standing.adapters.standing_store import MembershipChange
from standing.outbox import HistoryEntry

OWES = [{"type": "Standing Changed", "id": "s-1", "detail": "{}"}]


def test_partner_state_reads_profile_enrolments_and_only_open_risk_cases(aws, state):
    state.put_item(Item={"pk": "P#kk-1", "sk": "PROFILE", "partner_id": "kk-1", "programs": ["p"]})
    state.put_item(Item={"pk": "P#kk-1", "sk": "ENROL#p", "program": "p", "partner_id": "kk-1", "enrolled": True})
    state.put_item(Item={"pk": "P#kk-1", "sk": "N#F#fraud#c#1", "open": True, "ver": 2, "e#x": {"t": "a"}})
    state.put_item(Item={"pk": "P#kk-1", "sk": "N#F#late#c2", "open": False, "ver": 1})
    state.put_item(Item={"pk": "P#kk-1", "sk": "VOID#e9", "voided_event_id": "e9", "void_event_id": "v9"})
    state.put_item(Item={"pk": "P#kk-1", "sk": "PREFS#email", "optional_mail": "off"})
    state.put_item(Item={"pk": "P#kk-1", "sk": "N#O#o1", "ver": 1})  # an entity item an older release kept
    found = standing_store.partner_state("kk-1")
    assert found.profile == {"pk": "P#kk-1", "sk": "PROFILE", "partner_id": "kk-1", "programs": ["p"]}
    assert found.enrolments == {
        "p": {"pk": "P#kk-1", "sk": "ENROL#p", "program": "p", "partner_id": "kk-1", "enrolled": True}
    }
    assert found.open_flags == frozenset({"fraud"})
    assert standing_store.partner_state("nobody").profile is None


def test_events_are_read_from_a_day_with_their_numbers_exact_and_a_bad_one_is_parked_exactly(aws):
    events = aws  # the low-level client: the stored types are visible
    for day, event_id, data in [("2024-06-29", "old", {"n": {"N": "1"}}), ("2024-07-01", "e1", {"n": {"N": "0.1"}})]:
        events.put_item(TableName=tables.bind(tables.EventItem).Meta.table_name, Item={
            "pk": {"S": "P#kk-1"}, "sk": {"S": f"{day}#{event_id}"}, "type": {"S": "order.placed"},
            "at": {"S": f"{day}T00:00:00.000000Z"}, "data": {"M": data}, "digest": {"S": "d"},
            "received_at": {"S": "r"}, "expires_at": {"N": "1900000000"}})  # fmt: skip
    read = standing_store.partner_events("kk-1", date(2024, 6, 30))
    assert [e["event_id"] for e in read] == ["e1"]
    assert read[0]["data"] == {"n": Decimal("0.1")} and read[0]["partner_id"] == "kk-1"
    assert read[0]["occurred_at"] == "2024-07-01T00:00:00.000000Z" and read[0]["expires_at"] == 1900000000
    standing_store.park_event(read[0], "ValueError: bad")
    parked = events.get_item(TableName=tables.bind(tables.ParkedItem).Meta.table_name,
                             Key={"pk": {"S": "PARKED"}, "sk": {"S": "E#e1"}})["Item"]  # fmt: skip
    assert parked["image"]["M"]["data"] == {"M": {"n": {"N": "0.1"}}} and parked["reason"] == {"S": "ValueError: bad"}


def test_records_are_written_once_and_listed_newest_first_in_pages(aws, state):
    record = {"partner_id": "kk-1", "program": "p", "period": {"start": "2024-07-01"}, "status": "good",
              "evaluated_at": "2024-08-01T00:00:00Z"}  # fmt: skip
    assert standing_store.put_record(record, OWES)
    assert not standing_store.put_record({**record, "status": "bad"}, [])
    assert standing_store.put_record({**record, "period": {"start": "2024-06-01"}}, [])
    stored = state.get_item(Key={"pk": "P#kk-1", "sk": "EVAL#p#2024-07-01"})["Item"]
    assert set(stored) == {"pk", "sk", "program", "status", "evaluated_at", "packed", "owes"}
    assert tables.unpack_document(stored["packed"]) == record  # compressed: records are kept for 24 months
    assert stored["owes"] == OWES and standing_store.stored_record("kk-1", "p", "2024-07-01") == record
    assert [r["period"]["start"] for r in standing_store.records("kk-1")] == ["2024-07-01", "2024-06-01"]
    assert [r["period"]["start"] for r in standing_store.records("kk-1", "p", "2024-07-01", 5)] == ["2024-06-01"]
    first, cursor = standing_store.records_page("kk-1", "p", 1)
    assert [r["period"]["start"] for r in first] == ["2024-07-01"] and cursor == "EVAL#p#2024-07-01"
    second, _ = standing_store.records_page("kk-1", "p", 1, cursor)
    assert [r["period"]["start"] for r in second] == ["2024-06-01"]
    with pytest.raises(ValueError, match="does not belong"):
        standing_store.records_page("kk-1", "p", 1, "EVAL#other#2024-07-01")


def test_a_standing_moves_with_its_membership_in_one_transaction_or_not_at_all(aws, state):
    assert standing_store.put_standing("kk-1", "p", {"status": "good"}, None, OWES, "run-1")
    assert not standing_store.put_standing("kk-1", "p", {"status": "good"}, None, OWES, "run-2")
    leave = MembershipChange("kk-1", "p", "opted_out", datetime(2024, 7, 1, tzinfo=UTC), "api", "asked", OWES)
    assert not standing_store.put_standing("kk-1", "p", {"status": "out"}, 7, [], "api", leave)
    assert "ENROL#p" not in {i["sk"] for i in state.scan()["Items"]}  # the refused transaction wrote nothing
    assert standing_store.put_standing("kk-1", "p", {"status": "out"}, 1, [], "api", leave)
    assert standing_store.standing("kk-1", "p") == {"status": "out", "version": 2}
    assert standing_store.standings("kk-1") == {"p": {"status": "out", "version": 2}}
    enrolment = state.get_item(Key={"pk": "P#kk-1", "sk": "ENROL#p"})["Item"]
    assert enrolment["left_at"] == enrolment["membership_at"] == "2024-07-01T00:00:00.000000Z"
    assert enrolment["membership_by"] == "api" and "joined_at" not in enrolment


def test_warnings_first_sale_and_history(aws, state):
    assert standing_store.warned("kk-1", "p", "2024-07-01") == ([], None)
    assert standing_store.warn("kk-1", "p", "2024-07-01", ["b", "a"], None, OWES, 1900000000)
    assert not standing_store.warn("kk-1", "p", "2024-07-01", ["c"], None, OWES, 1900000000)
    assert standing_store.warned("kk-1", "p", "2024-07-01") == (["a", "b"], 1)
    assert state.get_item(Key={"pk": "P#kk-1", "sk": "RISK#p#2024-07-01"})["Item"]["expires_at"] == 1900000000
    assert standing_store.keep_first_sale("kk-1", "2024-07-03T00:00:00.000000Z")
    assert not standing_store.keep_first_sale("kk-1", "2024-07-04T00:00:00.000000Z")
    assert standing_store.keep_first_sale("kk-1", "2024-07-02T00:00:00.000000Z")
    at = "2024-07-01T00:00:00.000000Z"
    standing_store.append_history(HistoryEntry("kk-1", "p", "standing", at, "run-1", None, "good", None))
    standing_store.append_history(HistoryEntry("kk-1", "q", "membership", at, "api", "opted_in", "opted_out", "x"))
    assert [h["program"] for h in standing_store.history("kk-1")] == ["q", "p"]
    assert standing_store.history("kk-1", "p") == [
        {"at": at, "program": "p", "kind": "standing", "by": "run-1", "before": None, "after": "good", "why": None}
    ]


def test_a_run_is_planned_counted_and_completed_once(aws, state):
    assert not standing_store.run_planned("r-1")
    planned = standing_store.record_plan("r-1", {"programs": ["p"]}, 3, 2)
    assert planned == {"pk": "RUN#r-1", "sk": "RUN", "planned": True, "detail": '{"programs": ["p"]}',
                       "batches_planned": 3, "pages_pending": 2}  # fmt: skip
    assert standing_store.record_plan("r-1", {}, 1, 1) is None and standing_store.run_planned("r-1")
    page = tables.page_marker_sk(0, 1)
    assert standing_store.count_once("r-1", page, {"pages_pending": -1, "status_good": 4})
    assert not standing_store.count_once("r-1", page, {"pages_pending": -1, "status_good": 4})
    standing_store.record_partner_error("r-1", "kk-9", "boom", "2024-08-01T00:00:00Z")
    assert standing_store.complete_run("r-1", "2024-08-01T00:00:01Z", OWES)
    assert not standing_store.complete_run("r-1", "2024-08-01T00:00:02Z", [])
    found = standing_store.run("r-1")
    assert found and found["pages_pending"] == 1 and found["status_good"] == 4 and found["owes"] == OWES
    assert found["completed_at"] == "2024-08-01T00:00:01Z" and standing_store.run("other") is None
    assert state.get_item(Key={"pk": "RUN#r-1", "sk": "ERROR#kk-9"})["Item"]["reason"] == "boom"


def test_enrolled_partners_page_through_a_shard_with_a_plain_cursor(aws, state):
    partners = [f"kk-{n}" for n in range(60)]
    shard = tables.enrolment_shard(partners[0])
    mine = sorted(p for p in partners if tables.enrolment_shard(p) == shard)
    for partner in partners:
        state.put_item(Item={"pk": f"P#{partner}", "sk": "ENROL#p", "program": "p", "partner_id": partner,
                             "gsi1pk": tables.enrolment_shard_key("p", partner), "gsi1sk": partner})  # fmt: skip
    seen: list[str] = []
    cursor = None
    while True:
        page, cursor = standing_store.enrolled_partners("p", shard, cursor, 2)
        seen += page
        if cursor is None:
            break
        assert all(isinstance(v, str) for v in cursor.values())  # it travels in a queue message as JSON
    assert sorted(seen) == mine


def test_a_missing_table_says_so(aws, monkeypatch):
    monkeypatch.setenv("STATE_TABLE_NAME", "no-such-table")
    with pytest.raises(TableMissing):
        standing_store.standing("kk-1", "p")


def test_a_record_stored_as_plain_json_by_an_earlier_release_is_still_read(aws, state):
    record = {"partner_id": "kk-1", "program": "p", "period": {"start": "2024-05-01"}, "status": "good",
              "evaluated_at": "2024-06-01T00:00:00Z"}  # fmt: skip
    state.put_item(Item={"pk": "P#kk-1", "sk": "EVAL#p#2024-05-01", "program": "p", "status": "good",
                         "evaluated_at": record["evaluated_at"], "record": json.dumps(record)})  # fmt: skip
    assert standing_store.stored_record("kk-1", "p", "2024-05-01") == record
    assert standing_store.records("kk-1", "p") == [record]
    assert standing_store.records_page("kk-1", "p", 5)[0] == [record]


def test_reviews_are_read_further_back_than_the_rest_when_asked(aws):
    from standing.adapters.ingest_store import event_item, serialize

    table = tables.bind(tables.EventItem).Meta.table_name
    stored = [("2024-06-10", "o-june", "order.placed"), ("2024-06-10", "r-june", "review.submitted"),
              ("2024-07-05", "o-july", "order.placed"), ("2024-07-05", "r-july", "review.submitted"),
              ("2024-05-01", "r-may", "review.submitted")]  # fmt: skip
    for day, event_id, type_name in stored:
        event = {"partner_id": "kk-1", "event_id": event_id, "type": type_name, "occurred_at": f"{day}T08:00:00Z",
                 "data": {}, "digest": "00" * 16, "received_at": f"{day}T08:00:01.000000Z"}  # fmt: skip
        aws.put_item(TableName=table, Item=serialize(event_item(event)))
    ids = [e["event_id"] for e in standing_store.partner_events("kk-1", date(2024, 6, 1), date(2024, 7, 1))]
    assert sorted(ids) == ["o-july", "r-july", "r-june"]
    assert sorted(e["event_id"] for e in standing_store.partner_events("kk-1", date(2024, 6, 1))) == [
        "o-july", "o-june", "r-july", "r-june"]  # fmt: skip


def test_a_lambda_stream_record_carries_binaries_as_base64_and_they_read_the_same():
    """DynamoDB Streams hand Lambda a Binary as base64 text: the event's digest and a record's packed document."""
    import base64

    from standing.adapters.ingest_store import deserialize, event_item, serialize, stored_event
    from standing.outbox import newly_owed

    event = {"partner_id": "kk-1", "event_id": "e1", "type": "order.placed", "occurred_at": "2024-07-01T08:00:00Z",
             "data": {}, "digest": "0f" * 16, "received_at": "2024-07-01T08:00:01.000000Z"}  # fmt: skip
    wire = serialize(event_item(event))
    wire["h"] = {"B": base64.b64encode(wire["h"]["B"]).decode()}
    assert stored_event(deserialize(wire))["digest"] == "0f" * 16

    record = {"partner_id": "kk-1", "program": "p", "period": {"start": "2024-07-01"}, "status": "good"}
    owed = [{"type": "Partner Evaluated", "id": "evaluated#1", "detail": "{}"}]
    image = serialize({"pk": "P#kk-1", "sk": "EVAL#p#2024-07-01", "packed": tables.pack_document(record), "owes": owed})
    image["packed"] = {"B": base64.b64encode(image["packed"]["B"]).decode()}
    (outgoing,) = newly_owed(deserialize(image), None)
    assert outgoing.detail == {"id": "evaluated#1", "record": record}
