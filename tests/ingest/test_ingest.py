"""Ingest storage: duplicates, conflicts, chunking, UnprocessedItems retries, error translation, and the
convergence property: no delivery order, duplication or replay changes what the clean history gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from standing import config
from standing.adapters.ingest_store import IngestStore, StaleWrite, StoreError, StoreUnavailable, TableMissing
from standing.ingest.service import IngestService, retention_days
from tests.ingest.conftest import Pipeline, event, profile


def placed(event_id: str, order: str, at: str, partner: str = "p1", buyer: str = "b1") -> dict[str, Any]:
    return event(event_id, "order.placed", at, partner, order_id=order, buyer_id=buyer, due_by="2024-07-02T00:00:00Z")


def stored(pipeline: Pipeline) -> list[dict[str, Any]]:
    return pipeline.ddb.scan(TableName=config.events_table())["Items"]


def test_duplicates_in_one_batch_and_across_batches(pipeline: Pipeline) -> None:
    a = placed("e1", "o1", "2024-07-01T00:00:00Z")
    first = pipeline.ingest([a, dict(a), placed("e2", "o2", "2024-07-01T00:00:00Z")])
    assert (first.accepted, first.duplicates, first.rejected) == (2, 1, [])
    again = pipeline.ingest([a])
    assert (again.accepted, again.duplicates, again.rejected) == (0, 1, [])
    assert len(stored(pipeline)) == 2


def test_same_id_other_content_is_a_conflict(pipeline: Pipeline) -> None:
    a = placed("e1", "o1", "2024-07-01T00:00:00Z")
    other = placed("e1", "o1", "2024-07-01T00:00:00Z", buyer="someone-else")
    result = pipeline.ingest([a, other])
    assert result.accepted == 1
    assert [r.to_dict()["error"] for r in result.rejected] == ["conflict"]
    assert result.rejected[0].index == 1 and result.rejected[0].event_id == "e1"
    assert result.rejected[0].field == "event_id"
    later = pipeline.ingest([other])
    assert later.accepted == 0 and later.rejected[0].error == "conflict"
    item = stored(pipeline)[0]
    assert item["d"]["M"]["buyer_id"]["S"] == "b1"  # the first content stays


def test_stored_item_shape(pipeline: Pipeline) -> None:
    """Keyed by partner and the UTC day it happened (09:00 at +07:00 is 02:00 UTC), kept 400 days from then."""
    pipeline.ingest([placed("e1", "o1", "2024-07-01T09:00:00+07:00")])
    item = stored(pipeline)[0]
    # Short names (tables.EventItem): type, time of day (us), data, digest (16 bytes), received (us), expires.
    assert set(item) == {"pk", "sk", "t", "a", "d", "h", "r", "x"}
    assert (item["pk"]["S"], item["sk"]["S"]) == ("P#p1", "2024-07-01#e1")
    assert item["a"]["N"] == str(2 * 3600 * 10**6) and item["t"]["S"] == "order.placed"
    happened = datetime(2024, 7, 1, 2, tzinfo=UTC).timestamp()
    assert int(item["x"]["N"]) == int(happened) + 400 * 86400
    assert len(item["h"]["B"]) == 16


def test_retention_is_what_the_windows_need() -> None:
    """Reviews feed Booking's 365-day score, and voids live as long; everything else at most Tiki's three months
    (RAW_EVENT_TTL_DAYS)."""
    assert retention_days("review.submitted", 130) == 400
    assert retention_days("order.placed", 130) == 130
    assert retention_days("review.submitted", 500) == 500
    assert retention_days("event.voided", 130) == 400  # a voided review must not count again when its void expires


def test_an_event_older_than_its_retention_is_kept_long_enough_to_be_a_duplicate(aws: Any) -> None:
    store = IngestStore(aws, config.events_table(), config.state_table())
    service = IngestService(store, 130, clock=lambda: datetime(2025, 8, 1, tzinfo=UTC))
    assert service.ingest([placed("old", "o1", "2024-07-01T00:00:00Z")]).accepted == 1
    item = aws.scan(TableName=config.events_table())["Items"][0]
    assert int(item["x"]["N"]) == int(datetime(2025, 8, 8, tzinfo=UTC).timestamp())
    assert service.ingest([placed("old", "o1", "2024-07-01T00:00:00Z")]).duplicates == 1


def test_sixty_events_in_one_request_are_sixty_conditional_writes(pipeline: Pipeline) -> None:
    events = [placed(f"e{i}", f"o{i}", "2024-07-01T00:00:00Z") for i in range(60)]
    result = pipeline.ingest(events)
    assert result.accepted == 60 and result.write_calls == 60
    assert len(stored(pipeline)) == 60
    again = pipeline.ingest(events)  # the refusals say duplicate: nothing is read before writing
    assert (again.accepted, again.duplicates, again.rejected) == (0, 60, [])


def test_invalid_events_do_not_stop_the_rest(pipeline: Pipeline) -> None:
    result = pipeline.ingest(
        [placed("e1", "o1", "2024-07-01T00:00:00Z"), {"event_id": "bad"}, placed("e2", "o2", "2024-07-01T00:00:00")]
    )
    assert result.accepted == 1
    assert [(r.index, r.event_id, r.error, r.field) for r in result.rejected] == [
        (1, "bad", "invalid_event", "type"),
        (2, "e2", "invalid_event", "occurred_at"),
    ]


def test_two_requests_racing_with_one_id_and_other_content_exactly_one_wins(aws: Any) -> None:
    """Issue 11: two requests carrying one event_id with different content, at the same time: one is stored, the
    other is a conflict, and the stored event is the winner's (never both, never a mix)."""
    import threading

    store = IngestStore(aws, config.events_table(), config.state_table())
    services = [IngestService(store, 400) for _ in range(2)]
    for round_ in range(10):
        contents = [placed(f"race{round_}", "o1", "2024-07-01T00:00:00Z", buyer=f"buyer-{side}") for side in (0, 1)]
        results: list[Any] = [None, None]
        barrier = threading.Barrier(2)

        def send(side: int, contents: list[dict[str, Any]] = contents, results: list[Any] = results,
                 barrier: threading.Barrier = barrier) -> None:  # fmt: skip
            barrier.wait()
            results[side] = services[side].ingest([contents[side]])

        threads = [threading.Thread(target=send, args=(side,)) for side in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(r.accepted for r in results) == [0, 1]
        loser = next(r for r in results if not r.accepted)
        assert [r.error for r in loser.rejected] == ["conflict"]
        winner = next(side for side in (0, 1) if results[side].accepted)
        key = {"pk": {"S": "P#p1"}, "sk": {"S": f"2024-07-01#race{round_}"}}
        item = aws.get_item(TableName=config.events_table(), Key=key)["Item"]
        assert item["d"]["M"]["buyer_id"]["S"] == f"buyer-{winner}"


class ThrottledPuts:
    """Delegates to moto, but PutItem is throttled for the listed event ids (after the client's own retries)."""

    def __init__(self, client: Any, throttled: set[str]) -> None:
        self._client = client
        self.throttled = throttled

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_item(self, **kwargs: Any) -> Any:
        if kwargs["Item"]["sk"]["S"].split("#", 1)[1] in self.throttled:
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}},
                              "PutItem")  # fmt: skip
        return self._client.put_item(**kwargs)


def test_a_throttled_write_fails_the_request_and_a_resend_loses_nothing(aws: Any) -> None:
    events = [placed(f"e{i}", f"o{i}", "2024-07-01T00:00:00Z") for i in range(5)]
    flaky = ThrottledPuts(aws, {"e3"})
    service = IngestService(IngestStore(flaky, config.events_table(), config.state_table()), 400)
    with pytest.raises(StoreUnavailable):
        service.ingest(events)
    flaky.throttled.clear()
    again = service.ingest(events)
    assert again.accepted + again.duplicates == 5 and again.accepted >= 1 and not again.rejected
    assert len(aws.scan(TableName=config.events_table())["Items"]) == 5


class FlakyClient:
    """Delegates to moto, but BatchGetItem leaves its keys unprocessed `times` times."""

    def __init__(self, client: Any, times: int) -> None:
        self._client = client
        self.times = times

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        if self.times <= 0:
            return self._client.batch_get_item(RequestItems=RequestItems)
        self.times -= 1
        return {"Responses": {}, "UnprocessedKeys": RequestItems}


def test_unprocessed_keys_are_retried_with_backoff(pipeline: Pipeline, aws: Any) -> None:
    pipeline.send([profile("prof", "2024-06-01T00:00:00Z", ["kkday-trusted-partner"])])
    sleeps: list[float] = []
    store = IngestStore(FlakyClient(aws, times=3), config.events_table(), config.state_table(), sleep=sleeps.append)
    assert set(store.get_profiles(["p1", "nobody"])) == {"p1"}
    assert len(sleeps) == 3 and all(0 < s <= 2.0 for s in sleeps)


def test_unprocessed_keys_that_never_clear_raise_unavailable(aws: Any) -> None:
    store = IngestStore(FlakyClient(aws, times=100), config.events_table(), config.state_table(),
                        sleep=lambda _s: None, max_attempts=4)  # fmt: skip
    with pytest.raises(StoreUnavailable):
        store.get_profiles(["p1"])


class RaisingClient:
    def __init__(self, code: str) -> None:
        self.code = code

    def __getattr__(self, name: str) -> Any:
        def fail(**_kwargs: Any) -> Any:
            raise ClientError({"Error": {"Code": self.code, "Message": "whatever the text says"}}, name)

        return fail


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ProvisionedThroughputExceededException", StoreUnavailable),
        ("ThrottlingException", StoreUnavailable),
        ("InternalServerError", StoreUnavailable),
        ("ResourceNotFoundException", TableMissing),
        ("ValidationException", StoreError),
    ],
)
def test_client_error_codes_become_domain_errors(code: str, error: type[Exception]) -> None:
    store = IngestStore(RaisingClient(code), "events", "state")
    with pytest.raises(error) as raised:
        store.get_state("p1", "PROFILE")
    assert type(raised.value) is error


def test_an_older_profile_never_replaces_a_newer_one(aws: Any) -> None:
    store = IngestStore(aws, config.events_table(), config.state_table())
    with pytest.raises(StaleWrite):
        store.put_profile("p1", {"programs": []}, "2024-07-02T00:00:00.000000Z", "b")
        store.put_profile("p1", {"programs": []}, "2024-07-01T00:00:00.000000Z", "a")


# --- convergence ----------------------------------------------------------------------------------------------


def history(p: str) -> list[dict[str, Any]]:
    """A clean history for partner `p`: every counter, a late reply, a void, two profiles, a cleared flag."""

    def e(event_id: str, type_name: str, at: str, **data: Any) -> dict[str, Any]:
        return event(f"{p}-{event_id}", type_name, at, p, **data)

    def ref(event_id: str) -> str:
        return f"{p}-{event_id}"

    return [
        profile(ref("prof1"), "2024-06-01T00:00:00Z", ["kkday-trusted-partner"], p, category="general"),
        profile(ref("prof2"), "2024-06-02T00:00:00Z", ["kkday-trusted-partner", "tiki-trusted-store"], p),
        e("o1", "order.placed", "2024-07-01T15:30:00Z", order_id="o1", buyer_id="b1", due_by="2024-07-02T00:00:00Z"),
        e("o1c", "order.confirmed", "2024-07-01T20:00:00Z", order_id="o1"),
        e("o1f", "order.fulfilled", "2024-07-02T01:00:00Z", order_id="o1"),
        e("o1d", "order.completed", "2024-07-03T00:00:00Z", order_id="o1"),
        e("o1i", "ride.incident", "2024-07-02T00:30:00Z", order_id="o1", kind="delay"),
        e("o1e", "ride.driver_event", "2024-07-02T00:10:00Z", order_id="o1"),
        e("o2", "order.placed", "2024-07-01T16:30:00Z", order_id="o2", buyer_id="b2", due_by="2024-07-02T00:00:00Z"),
        e("o2x", "order.cancelled", "2024-07-01T17:00:00Z", order_id="o2", cause="partner"),
        e("o3", "order.placed", "2024-07-02T03:00:00Z", order_id="o3", buyer_id="b1", due_by="2024-07-03T00:00:00Z"),
        e("o3c", "order.confirmed", "2024-07-02T04:00:00Z", order_id="o3"),
        e("o3x", "order.cancelled", "2024-07-02T05:00:00Z", order_id="o3", cause="customer"),
        e("v1", "event.voided", "2024-07-09T00:00:00Z", voided_event_id=ref("o3x"), reason="dispute upheld"),
        e("o4", "order.placed", "2024-07-02T06:00:00Z", order_id="o4", buyer_id="b3", due_by="2024-07-03T00:00:00Z"),
        e("o4d", "order.declined", "2024-07-02T06:01:00Z", order_id="o4"),
        e("m1", "message.received", "2024-07-01T10:00:00Z", thread_id="t", message_id="m1"),
        e("m1r", "message.replied", "2024-07-01T21:00:00Z", thread_id="t", message_id="m1r", in_reply_to="m1"),
        e("m2", "message.received", "2024-07-01T12:00:00Z", thread_id="t", message_id="m2"),
        e("m2r", "message.replied", "2024-07-05T12:00:00Z", thread_id="t", message_id="m2r", in_reply_to="m2"),
        e("r1", "review.submitted", "2024-07-02T08:00:00Z", review_id="r1", rating=4.5, scale=5),
        e("r2", "review.submitted", "2024-07-02T09:00:00Z", review_id="r2", rating=2, scale=5),
        e("v2", "event.voided", "2024-07-10T00:00:00Z", voided_event_id=ref("r2"), reason="fake"),
        e("s1", "score.reported", "2024-07-02T10:00:00Z", metric="performance_score", value=80),
        e("f1", "risk.flag_raised", "2024-07-02T11:00:00Z", flag="fraud", case_id="k1"),
        e("f1c", "risk.flag_cleared", "2024-07-04T11:00:00Z", flag="fraud", case_id="k1"),
        e("f2", "risk.flag_raised", "2024-07-02T11:00:00Z", flag="counterfeit", case_id="k2"),
    ]


def outcome(pipeline: Pipeline, partner: str) -> dict[str, Any]:
    flags = {sk: (pipeline.state(partner, sk) or {}).get("open") for sk in ("N#F#fraud#k1", "N#F#counterfeit#k2")}
    profile_item = pipeline.state(partner, "PROFILE") or {}
    return {"days": pipeline.days(partner), "flags": flags, "programs": profile_item.get("programs")}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_delivery_converges_to_the_clean_history(pipeline: Pipeline, data: st.DataObject) -> None:
    run = data.draw(st.integers(0, 10**9), label="run")
    clean_partner, mixed_partner = f"clean{run}", f"mixed{run}"
    pipeline.send(history(clean_partner))
    expected = outcome(pipeline, clean_partner)
    assert expected["flags"] == {"N#F#fraud#k1": False, "N#F#counterfeit#k2": True}

    events = history(mixed_partner)
    shuffled = data.draw(st.permutations(events), label="order")
    repeats = data.draw(st.lists(st.sampled_from(events), max_size=8), label="duplicates")
    batch = data.draw(st.integers(1, 9), label="batch size")
    replay = data.draw(st.booleans(), label="replay the whole stream")
    delivery = shuffled + repeats
    old_records: list[dict[str, Any]] = []
    for start in range(0, len(delivery), batch):
        pipeline.ingest(delivery[start : start + batch])
        old_records += pipeline.aggregate()
    if replay:  # the whole stream again, in one late batch, as after a Lambda retry with bisect
        pipeline.aggregate(old_records)
    got = outcome(pipeline, mixed_partner)
    assert got == expected
