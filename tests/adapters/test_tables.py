"""The one owner of key formats: every builder has its parse direction, bad input is refused with what and where,
and the models read and write the table the template deploys (moto), through one shared client."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from standing.adapters import tables
from standing.adapters.errors import ConditionFailed, StoreError, StoreUnavailable, TableMissing
from standing.adapters.tables import (
    EnrolmentItem,
    EventItem,
    MarkerItem,
    SendItem,
    SimulationItem,
    bind,
)


def test_partner_keys_round_trip():
    assert tables.partner_key("kk-0042") == "P#kk-0042"
    assert tables.partner_of(tables.partner_key("kk-0042")) == "kk-0042"
    assert tables.partner_of(tables.partner_key("P#odd")) == "P#odd"  # ids are opaque: only the prefix is ours
    with pytest.raises(ValueError, match="not a partner key"):
        tables.partner_of("SIM#x")
    with pytest.raises(ValueError, match="needs a partner id"):
        tables.partner_key("")


def test_sort_keys_round_trip():
    assert tables.program_of_enrolment(tables.enrolment_sk("kkday-trusted-partner")) == "kkday-trusted-partner"
    assert tables.program_of_standing(tables.standing_sk("p")) == "p"
    assert tables.program_of_projection(tables.projection_sk("p")) == "p"
    assert tables.evaluation_sk("kkday", "2024-07-01") == "EVAL#kkday#2024-07-01"
    assert tables.parse_evaluation_sk(tables.evaluation_sk("kkday", "2024-07-01")) == ("kkday", "2024-07-01")
    assert tables.evaluation_sk("kkday", "2024-07-01").startswith(tables.evaluation_prefix("kkday"))
    assert tables.evaluation_sk("kkday", "2024-07-01").startswith(tables.evaluation_prefix())
    assert tables.risk_sk("p", "2024-07-01") == "RISK#p#2024-07-01"
    at = tables.utc_text(datetime(2024, 7, 1, 8, 0, tzinfo=UTC))
    assert tables.parse_history_sk(tables.history_sk(at, "p", "membership")) == (at, "p", "membership")
    assert tables.parse_sent_sk(tables.sent_sk("report", "EVAL#p#2024-07-01")) == ("report", "EVAL#p#2024-07-01")
    assert tables.event_of_parked(tables.parked_sk("e-1")) == "e-1"
    assert tables.partner_of_run_error(tables.run_error_sk("kk-1")) == "kk-1"
    assert tables.page_marker_sk(3, 12) == "PAGE#03#000012"
    assert tables.batch_marker_sk("00-000000-001") == "BATCH#00-000000-001"
    assert tables.suppression_key("  Ops@Sunrise.Example ") == "SUPPRESS#ops@sunrise.example"
    assert tables.simulation_key("abc") == "SIM#abc" and tables.rows_sk("b1") == "ROWS#b1"


def test_bad_keys_are_refused_saying_what():
    with pytest.raises(ValueError, match="EVAL#"):
        tables.parse_evaluation_sk("EVAL#no-period")
    with pytest.raises(ValueError):
        tables.evaluation_sk("p", "July")  # a period start is an ISO date, or records would not sort
    with pytest.raises(ValueError, match="HIST#"):
        tables.parse_history_sk("HIST#only#two")
    with pytest.raises(ValueError, match="without '#'"):
        tables.sent_sk("a#b", "r")
    with pytest.raises(ValueError, match=r"0\.\.15"):
        tables.enrolment_partition("p", 16)


def test_the_utc_text_is_fixed_width_sorts_as_time_and_parses_back():
    taipei = timezone(timedelta(hours=8))
    early = datetime(2024, 7, 1, 7, 59, 59, 999999, tzinfo=taipei)
    late = datetime(2024, 7, 1, 0, 0, 0, 1, tzinfo=UTC)
    assert tables.utc_text(early) == "2024-06-30T23:59:59.999999Z"
    assert tables.utc_text(early) < tables.utc_text(late)
    assert len(tables.utc_text(early)) == len(tables.utc_text(late))
    assert tables.parse_utc_text(tables.utc_text(early)) == early
    with pytest.raises(ValueError, match="no time zone"):
        tables.utc_text(datetime(2024, 7, 1))


def test_event_keys_use_the_utc_day_and_a_day_range_holds_every_id_of_its_days():
    occurred = datetime(2024, 7, 1, 1, 30, tzinfo=timezone(timedelta(hours=8)))  # 30 June in UTC
    pk, sk = EventItem.key("kk-1", occurred, "e#1", "order.placed")
    assert (pk, sk) == ("P#kk-1", "2024-06-30#e#1")
    assert tables.parse_event_sk(sk) == (date(2024, 6, 30), "e#1")
    low, high = tables.event_day_range(date(2024, 6, 30), date(2024, 7, 1))
    inside = ["2024-06-30#", "2024-06-30#zzz", "2024-07-01#\uffff", "2024-07-01#~"]
    assert all(low <= key <= high for key in inside)
    assert not low <= "2024-06-29#zzz" <= high and not low <= "2024-07-02#" <= high
    with pytest.raises(ValueError, match="not an event key"):
        tables.parse_event_sk("P#kk-1")
    with pytest.raises(ValueError, match="reversed"):
        tables.event_day_range(date(2024, 7, 2), date(2024, 7, 1))


def test_reviews_and_voids_are_keyed_apart_after_every_activity_day():
    occurred = datetime(2024, 7, 1, 10, tzinfo=UTC)
    _, review = EventItem.key("kk-1", occurred, "r1", "review.submitted")
    _, void = EventItem.key("kk-1", occurred, "v1", "event.voided")
    _, order = EventItem.key("kk-1", occurred, "o1", "order.placed")
    assert (review, void, order) == ("R#2024-07-01#r1", "R#2024-07-01#v1", "2024-07-01#o1")
    assert tables.parse_event_sk(review) == (date(2024, 7, 1), "r1") and tables.event_day_of(review) == "2024-07-01"
    low, high = tables.event_day_range(date(2024, 6, 1))  # every activity day from June on, and no review
    assert low <= order <= high and not low <= review <= high and not low <= "2024-05-31#o" <= high
    low, high = tables.event_day_range(date(2024, 7, 1), long_read=True)
    assert low <= review <= high and low <= void <= high and not low <= order <= high
    assert not low <= "R#2024-06-30#r0" <= high


def test_enrolment_shards_are_stable_and_spread():
    assert tables.enrolment_shard_key("p", "kk-0042") == tables.enrolment_shard_key("p", "kk-0042")
    shards = {tables.enrolment_shard(f"kk-{n:04d}") for n in range(200)}
    assert shards == set(range(tables.ENROLMENT_SHARDS))


def test_an_unbound_model_says_how_to_bind_it():
    with pytest.raises(TypeError, match=r"tables.bind\(SendItem\)"):
        SendItem.get("P#x", "SENT#a#b")


def test_models_write_what_the_template_deploys_and_query_its_index(aws, state):
    enrolments = bind(EnrolmentItem)
    for partner in ("kk-1", "kk-2"):
        enrolments(
            *EnrolmentItem.key(partner, "kkday"),
            program="kkday",
            partner_id=partner,
            enrolled=True,
            gsi1pk=tables.enrolment_shard_key("kkday", partner),
            gsi1sk=partner,
        ).save()
    stored = state.get_item(Key={"pk": "P#kk-1", "sk": "ENROL#kkday"})["Item"]
    assert stored["enrolled"] is True and stored["gsi1sk"] == "kk-1"
    shard = tables.enrolment_shard("kk-1")
    found = [i.gsi1sk for i in enrolments.by_enrolment.query(tables.enrolment_partition("kkday", shard))]
    assert "kk-1" in found

    events = bind(EventItem)
    occurred = datetime(2024, 7, 1, 10, tzinfo=UTC)
    at = tables.utc_text(occurred)
    data = {"order_id": "o1", "amount": 12.5}
    events(
        *EventItem.key("kk-1", occurred, "e-1", "order.placed"),
        type="order.placed",
        time=tables.micros_of_day(at),
        data=data,
        digest=b"d" * 16,
        received_at=tables.epoch_micros(at),
    ).save()
    low, high = tables.event_day_range(date(2024, 7, 1), date(2024, 7, 1))
    (event,) = events.query(tables.partner_key("kk-1"), EventItem.sk.between(low, high))
    assert event.data is not None and event.data.as_dict() == {"order_id": "o1", "amount": 12.5}


def test_every_model_shares_one_client(aws):
    clients = {id(bind(model)._get_connection().connection.client) for model in tables.STATE_ITEMS}
    clients.add(id(bind(EventItem)._get_connection().connection.client))
    assert len(clients) == 1
    assert bind(SendItem) is bind(SendItem)  # a model is bound once per table name


def test_put_or_stored_returns_the_refused_item_from_the_refusal(aws):
    sends = bind(SendItem)
    first = sends(*SendItem.key("kk-1", "report", "r1"), kind="report", ref="r1", status="sent", token="a",
                  claimed_at=1)  # fmt: skip
    assert tables.put_or_stored(first, SendItem.pk.does_not_exist()) is None
    second = sends(*SendItem.key("kk-1", "report", "r1"), kind="report", ref="r1", status="sending", token="b",
                   claimed_at=2)  # fmt: skip
    stored = tables.put_or_stored(second, SendItem.pk.does_not_exist())
    assert stored is not None and (stored.status, stored.token) == ("sent", "a")


def test_add_once_counts_a_marker_once_and_keeps_run_time_counters(aws):
    simulations = bind(SimulationItem)
    simulations(*SimulationItem.key("s1"), id="s1", program="p", from_="2024-07-01", to="2024-07-31", draft="x",
                status="running").save()  # fmt: skip
    marker = bind(MarkerItem)(tables.simulation_key("s1"), tables.batch_marker_sk("b1"))
    counters = simulations(*SimulationItem.key("s1"))
    assert tables.add_once(marker, counters, {"batches_done": 1, "2024-07-01/2024-07-31|partners": 3})
    assert not tables.add_once(marker, counters, {"batches_done": 1, "2024-07-01/2024-07-31|partners": 3})
    stored = tables.find(simulations, *SimulationItem.key("s1"))
    assert stored is not None and stored.batches_done == 1
    assert stored.counters() == {"2024-07-01/2024-07-31|partners": 3}


def test_errors_become_the_projects_own_by_code(aws):
    with pytest.raises(TableMissing):
        tables.find(bind(SendItem, "no-such-table"), "P#x", "SENT#a#b")

    def client_error(code: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "whatever the text says"}}, "PutItem")

    assert type(tables.translate(client_error("ProvisionedThroughputExceededException"))) is StoreUnavailable
    assert type(tables.translate(client_error("ThrottlingException"))) is StoreUnavailable
    assert type(tables.translate(client_error("ConditionalCheckFailedException"))) is ConditionFailed
    assert type(tables.translate(client_error("ValidationException"))) is StoreError
    assert tables.translate(client_error("ValidationException")).code == "ValidationException"


def test_every_key_builder_names_its_item_type():
    at = tables.utc_text(datetime(2024, 7, 1, tzinfo=UTC))
    expected = {
        tables.ProfileItem: tables.ProfileItem.key("kk-1"),
        tables.EnrolmentItem: tables.EnrolmentItem.key("kk-1", "p"),
        tables.RecordItem: tables.RecordItem.key("kk-1", "p", "2024-07-01"),
        tables.StandingItem: tables.StandingItem.key("kk-1", "p"),
        tables.HistoryItem: tables.HistoryItem.key("kk-1", at, "p", "standing"),
        tables.ProjectionItem: tables.ProjectionItem.key("kk-1", "p"),
        tables.RiskItem: tables.RiskItem.key("kk-1", "p", "2024-07-01"),
        tables.RiskCaseItem: tables.RiskCaseItem.key("kk-1", "counterfeit", "c-1"),
        tables.VoidMarkerItem: tables.VoidMarkerItem.key("kk-1", "e-1"),
        tables.SendItem: tables.SendItem.key("kk-1", "report", "r"),
        tables.EmailPreferencesItem: tables.EmailPreferencesItem.key("kk-1"),
        tables.SuppressionItem: tables.SuppressionItem.key("a@b.c"),
        tables.ParkedItem: tables.ParkedItem.key("e-1"),
        tables.RunItem: tables.RunItem.key("r-1"),
        tables.RunErrorItem: tables.RunErrorItem.key("r-1", "kk-1"),
        tables.SimulationListingItem: tables.SimulationListingItem.key(at, "s-1"),
        tables.SimulationItem: tables.SimulationItem.key("s-1"),
        tables.SimulationRowsItem: tables.SimulationRowsItem.key("s-1", "b"),
    }
    for model, (pk, sk) in expected.items():
        assert tables.state_model_of(pk, sk) is model, (pk, sk)
    assert tables.state_model_of(tables.run_key("r-1"), tables.page_marker_sk(0, 0)) is MarkerItem
    assert tables.state_model_of(tables.simulation_key("s-1"), tables.batch_marker_sk("b")) is MarkerItem
    assert set(expected) | {MarkerItem} == set(tables.STATE_ITEMS)
    assert tables.state_model_of("P#kk-1", "N#O#o1") is None  # not a key this module defines
    assert tables.parse_risk_case_sk(tables.risk_case_sk("counterfeit", "c#1")) == ("counterfeit", "c#1")
    assert tables.event_of_void_marker(tables.void_marker_sk("e-1")) == "e-1"
    assert tables.event_id_of(tables.day_event_sk("2024-07-01", "e#1", "order.placed")) == "e#1"
    assert tables.event_id_of(tables.day_event_sk("2024-07-01", "e#1", "review.submitted")) == "e#1"


def test_one_query_reads_several_item_types_each_as_its_own(aws, state):
    state.put_item(Item={"pk": "P#kk-1", "sk": "PROFILE", "partner_id": "kk-1", "programs": ["p"]})
    state.put_item(Item={"pk": "P#kk-1", "sk": "PREFS#email", "optional_mail": "off"})
    state.put_item(Item={"pk": "P#kk-1", "sk": "STANDING#p", "standing": "{}", "version": 2})
    found = list(tables.query_partition(tables.partner_key("kk-1")))
    assert [type(item).__name__ for item in found] == ["EmailPreferencesItem", "ProfileItem", "StandingItem"]
    assert found[1].programs == ["p"] and found[2].version == 2
    assert [i.sk for i in tables.query_partition("P#kk-1", forward=False, limit=1)] == ["STANDING#p"]
    state.put_item(Item={"pk": "P#kk-1", "sk": "ZZZ#unknown"})
    with pytest.raises(ValueError, match="no item type has the key"):
        list(tables.query_partition(tables.partner_key("kk-1")))
