"""Signed partner tokens: genuine ones open, tampered, expired, other-purpose and other-key ones do not."""

from datetime import UTC, datetime, timedelta

import pytest

from standing.signing import ExpiredToken, InvalidToken, sign, verify

NOW = datetime(2024, 8, 1, 12, tzinfo=UTC)
KEY, OLD, OTHER = b"k" * 32, b"o" * 32, b"x" * 32


def test_a_genuine_token_names_its_partner():
    token = sign("kk-0001", "portal", NOW + timedelta(days=7), KEY)
    assert verify(token, "portal", [KEY], NOW) == "kk-0001"


def test_the_previous_key_is_still_accepted_after_a_rotation():
    token = sign("kk-0001", "portal", NOW + timedelta(days=7), OLD)
    assert verify(token, "portal", [KEY, OLD], NOW) == "kk-0001"
    with pytest.raises(InvalidToken):
        verify(token, "portal", [KEY], NOW)


def test_expired_tampered_and_other_purpose_tokens_are_refused():
    token = sign("kk-0001", "portal", NOW + timedelta(days=1), KEY)
    with pytest.raises(ExpiredToken):
        verify(token, "portal", [KEY], NOW + timedelta(days=1))
    with pytest.raises(InvalidToken):
        verify(token, "unsubscribe", [KEY], NOW)
    with pytest.raises(InvalidToken):
        verify(token, "portal", [OTHER], NOW)
    other = sign("kk-0002", "portal", NOW + timedelta(days=7), KEY)
    forged = other.split(".")[0] + "." + token.split(".")[1]
    with pytest.raises(InvalidToken):
        verify(forged, "portal", [KEY], NOW)
    for junk in ("", "abc", "a.b.c", "!!!.???", "x" * 5000):
        with pytest.raises(InvalidToken):
            verify(junk, "portal", [KEY], NOW)


def test_unicode_partner_ids_survive():
    token = sign("ร้าน-01 ✓", "portal", NOW + timedelta(days=1), KEY)
    assert verify(token, "portal", [KEY], NOW) == "ร้าน-01 ✓"
