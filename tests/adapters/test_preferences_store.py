"""Email preferences and suppressed addresses (standing.adapters.preferences) on the template's StateTable in moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from standing import config
from standing.adapters.errors import StoreUnavailable
from standing.adapters.preferences import PreferencesStore, PreferencesUnavailable, preferences_key

NOW = datetime(2024, 7, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(aws) -> PreferencesStore:
    return PreferencesStore(config.state_table())


def _profile(state, partner_id: str, **fields) -> None:
    state.put_item(Item={"pk": f"P#{partner_id}", "sk": "PROFILE", "partner_id": partner_id, **fields})


def test_the_recipient_is_the_stored_profile_with_its_choice_and_suppression(store, state):
    assert store.recipient("kk-1") is None  # no profile: nobody to write to
    _profile(state, "kk-1", name="Sunrise Tours", email=" Ops@Sunrise.example ", locale="zh-TW")
    who = store.recipient("kk-1")
    assert who is not None
    assert (who.email, who.name, who.locale, who.optional_mail_off, who.suppressed) == (
        "Ops@Sunrise.example",
        "Sunrise Tours",
        "zh-TW",
        False,
        None,
    )
    store.unsubscribe("kk-1", NOW)
    store.suppress("ops@sunrise.EXAMPLE", "bounce", NOW, "x" * 2000)
    who = store.recipient("kk-1")
    assert who is not None and who.optional_mail_off and who.suppressed == "bounce"


def test_a_profile_without_address_or_locale(store, state):
    _profile(state, "kk-2", name="No Mail")
    who = store.recipient("kk-2")
    assert who is not None and (who.email, who.locale, who.suppressed) == ("", None, None)


def test_unsubscribing_again_keeps_the_first_click(store, state):
    assert not store.optional_mail_off("kk-1")
    store.unsubscribe("kk-1", NOW)
    store.unsubscribe("kk-1", NOW + timedelta(days=3), source="portal")
    item = state.get_item(Key=preferences_key("kk-1"))["Item"]
    assert item["optional_mail"] == "off" and item["source"] == "portal"
    assert item["unsubscribed_at"] == NOW.isoformat()
    assert item["changed_at"] == (NOW + timedelta(days=3)).isoformat()
    assert store.optional_mail_off("kk-1")


def test_a_suppression_is_kept_under_the_normalised_address(store, state):
    assert store.suppression("ops@sunrise.example") is None
    store.suppress("  OPS@Sunrise.Example", "complaint", NOW, "x" * 2000)
    assert store.suppression("ops@sunrise.example") == {"reason": "complaint", "at": NOW.isoformat()}
    item = state.get_item(Key={"pk": "SUPPRESS#ops@sunrise.example", "sk": "SUPPRESS"})["Item"]
    assert item["address"] == "ops@sunrise.example" and len(item["detail"]) == 1000


def test_the_historical_error_names_are_the_shared_ones():
    assert PreferencesUnavailable is StoreUnavailable  # the API's 503 path catches it by this name
