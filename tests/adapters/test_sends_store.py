"""The send records (standing.adapters.sends_store) on the template's StateTable in moto: each email is claimed
once, finished only by its claim's owner, released for a retry, and taken over only when its claim is stale."""

from __future__ import annotations

import time

import pytest

from standing import config
from standing.adapters.errors import StoreError, TableMissing
from standing.adapters.sends_store import REJECTED, SENDING, SENT, ClaimOutcome, SendsStore, send_key


@pytest.fixture
def sends(aws) -> SendsStore:
    return SendsStore(config.state_table())


def test_a_claim_is_stored_under_the_partner_with_what_it_carries(sends, state):
    claim = sends.claim("kk-1", "report", "p#2024-07-01", attributes={"program": "p", "locale": "en"}, now=1000)
    assert claim.outcome is ClaimOutcome.CLAIMED and claim.token and claim.status == SENDING
    stored = state.get_item(Key=send_key("kk-1", "report", "p#2024-07-01"))["Item"]
    assert stored["pk"] == "P#kk-1" and stored["sk"] == "SENT#report#p#2024-07-01"
    assert stored["token"] == claim.token and stored["claimed_at"] == 1000 and stored["attempts"] == 1
    assert (stored["program"], stored["locale"], stored["status"]) == ("p", "en", SENDING)


def test_a_second_claim_backs_off_while_the_first_is_fresh_and_sends_nothing_once_done(sends):
    first = sends.claim("kk-1", "report", "r")
    assert sends.claim("kk-1", "report", "r").outcome is ClaimOutcome.IN_FLIGHT
    assert sends.mark_sent("kk-1", "report", "r", first.token, "m-1")
    again = sends.claim("kk-1", "report", "r")
    assert (again.outcome, again.status, again.token) == (ClaimOutcome.DONE, SENT, "")
    record = sends.get("kk-1", "report", "r")
    assert record is not None and record["status"] == SENT and record["message_id"] == "m-1"
    assert isinstance(record["finished_at"], int)


def test_a_stale_claim_is_taken_over_and_the_old_owner_cannot_finish(sends):
    old = sends.claim("kk-1", "report", "r", now=time.time() - 3600)
    new = sends.claim("kk-1", "report", "r")
    assert new.outcome is ClaimOutcome.CLAIMED and new.token != old.token
    assert sends.mark_rejected("kk-1", "report", "r", old.token, "ses_rejected", "MessageRejected") is False
    assert sends.mark_rejected("kk-1", "report", "r", new.token, "ses_rejected", "MessageRejected") is True
    record = sends.get("kk-1", "report", "r")
    assert record is not None and (record["status"], record["reason"], record["error_code"]) == (
        REJECTED,
        "ses_rejected",
        "MessageRejected",
    )


def test_release_gives_the_claim_back_only_to_its_owner(sends):
    claim = sends.claim("kk-1", "warning", "w1")
    sends.release("kk-1", "warning", "w1", "someone-else")
    assert sends.get("kk-1", "warning", "w1") is not None
    sends.release("kk-1", "warning", "w1", claim.token)
    assert sends.get("kk-1", "warning", "w1") is None
    assert sends.claim("kk-1", "warning", "w1").outcome is ClaimOutcome.CLAIMED


def test_a_claim_refuses_attributes_it_would_not_keep(sends):
    with pytest.raises(ValueError, match=r"does not keep \['status'\]"):
        sends.claim("kk-1", "report", "r", attributes={"status": "sent"})


def test_a_missing_table_is_the_stores_error_not_botocores(aws):
    with pytest.raises(TableMissing) as raised:
        SendsStore("no-such-table").claim("kk-1", "report", "r")
    assert isinstance(raised.value, StoreError) and raised.value.code == "ResourceNotFoundException"
