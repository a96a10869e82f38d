"""Exactly once: send records, redelivery, per-metric warnings, throttling, permanent rejections."""

from __future__ import annotations

import time

import pytest
import samples
from botocore.exceptions import ClientError

from standing import config, signing
from standing.adapters.preferences import PreferencesStore
from standing.adapters.sends_store import ClaimOutcome
from standing.adapters.ses import PermanentSendError, RetryableSendError, SesSender
from standing.notify.service import NotifyService, Outcome, PartnerLinks, RetryLater
from tests.notify.conftest import BASE_URL, CONFIG_SET, SENDER, SIGNING_KEY, links, store_profile


class FlakySes:
    """An SES v2 client that answers the first `failures` sends with `code`, then passes calls to the real one."""

    def __init__(self, code: str, failures: int = 1) -> None:
        import boto3

        self._real = boto3.client("sesv2", region_name="us-east-1")
        self.code, self.failures, self.calls = code, failures, []

    def send_email(self, **kwargs):
        self.calls.append(kwargs)
        if self.failures > 0:
            self.failures -= 1
            raise ClientError({"Error": {"Code": self.code, "Message": "slow down"}}, "SendEmail")
        return self._real.send_email(**kwargs)


def evaluated(locale="en", **kw):
    return samples.bus_event("Partner Evaluated", samples.kkday_evaluated(locale, **kw))


def test_one_email_per_evaluation_even_when_delivered_twice(service, sends, outbox):
    event = evaluated()
    assert service.handle(event) is Outcome.SENT
    assert service.handle(event) is Outcome.DUPLICATE
    # the bus may also publish the same record again under a new event id
    again = {**event, "id": "another-event-id"}
    assert service.handle(again) is Outcome.DUPLICATE
    assert len(outbox()) == 1
    record = sends.get("kk-0042", "report", "kkday-trusted-partner#2024-07-01")
    assert record["status"] == "sent" and record["message_id"]


def test_raw_mime_message(aws, sends):
    client = FlakySes("none", failures=0)
    service = NotifyService(
        sends,
        SesSender(client),
        PreferencesStore(config.state_table()),
        sender_identity=SENDER,
        configuration_set=CONFIG_SET,
        links=links(),
    )
    service.handle(evaluated("th"))
    (call,) = client.calls
    assert call["ConfigurationSetName"] == CONFIG_SET
    assert call["FromEmailAddress"] == SENDER
    assert call["Destination"] == {"ToAddresses": ["ops@sunrise.example"]}
    assert {"Name": "kind", "Value": "report"} in call["EmailTags"]
    import email
    import email.policy

    message = email.message_from_bytes(call["Content"]["Raw"]["Data"], policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())
    assert "=?utf-8?" in str(call["Content"]["Raw"]["Data"][:600]).lower()  # RFC 2047 encoded Thai subject
    assert "ผลการประเมิน" in message["Subject"] or "ตัวชี้วัด" in message["Subject"]
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["Content-Language"] == "th"
    assert "List-Unsubscribe" not in message  # reports are transactional; warnings carry it


def test_throttling_puts_the_message_back_and_a_retry_sends_it(aws, sends, outbox):
    service = NotifyService(
        sends,
        SesSender(FlakySes("TooManyRequestsException")),
        PreferencesStore(config.state_table()),
        sender_identity=SENDER,
        configuration_set=CONFIG_SET,
        links=links(),
    )
    event = evaluated()
    with pytest.raises(RetryableSendError):
        service.handle(event)
    assert sends.get("kk-0042", "report", "kkday-trusted-partner#2024-07-01") is None  # claim released
    assert outbox() == []
    assert service.handle(event) is Outcome.SENT  # the redelivered message
    assert len(outbox()) == 1


@pytest.mark.parametrize("code", ["LimitExceededException", "Throttling", "InternalFailure", "SendingPausedException"])
def test_other_transient_codes_are_retryable(aws, sends, code):
    service = NotifyService(
        sends,
        SesSender(FlakySes(code)),
        PreferencesStore(config.state_table()),
        sender_identity=SENDER,
        configuration_set=CONFIG_SET,
        links=links(),
    )
    with pytest.raises(RetryableSendError):
        service.handle(evaluated())


def test_permanent_rejection_is_recorded_and_not_retried(aws, sends, outbox):
    unverified = NotifyService(
        sends,
        SesSender(),
        PreferencesStore(config.state_table()),
        sender_identity="nobody@unverified.example",
        configuration_set="x",
        links=links(),
    )
    event = evaluated()
    assert unverified.handle(event) is Outcome.REJECTED
    record = sends.get("kk-0042", "report", "kkday-trusted-partner#2024-07-01")
    assert record["status"] == "rejected" and record["reason"] == "ses_rejected"
    assert record["error_code"] == "MessageRejected"
    assert unverified.handle(event) is Outcome.DUPLICATE
    assert outbox() == []


@pytest.mark.parametrize("code", ["MessageRejected", "AccountSuspendedException", "NotFoundException"])
def test_permanent_codes(aws, sends, code):
    service = NotifyService(
        sends,
        SesSender(FlakySes(code)),
        PreferencesStore(config.state_table()),
        sender_identity=SENDER,
        configuration_set=CONFIG_SET,
        links=links(),
    )
    assert service.handle(evaluated()) is Outcome.REJECTED


def test_ses_adapter_maps_codes():
    with pytest.raises(PermanentSendError) as permanent:
        SesSender(FlakySes("MailFromDomainNotVerifiedException")).send_raw(
            sender=SENDER, recipient="a@b.example", raw=b"x", configuration_set=CONFIG_SET
        )
    assert permanent.value.code == "MailFromDomainNotVerifiedException"


@pytest.mark.parametrize("address", ["", None, "not-an-address", "a@b.example\r\nBcc: x@evil.example"])
def test_missing_or_bad_address_is_recorded_once(service, sends, outbox, address):
    store_profile("kk-0042", address)  # a profile stored before ingest checked addresses
    event = samples.bus_event("Partner Evaluated", samples.kkday_evaluated())
    assert service.handle(event) is Outcome.REJECTED
    record = sends.get("kk-0042", "report", "kkday-trusted-partner#2024-07-01")
    assert record["status"] == "rejected"
    assert record["reason"] in ("missing_address", "invalid_address")
    assert service.handle(event) is Outcome.DUPLICATE
    assert outbox() == []


def test_at_most_one_warning_per_metric_per_period(service, outbox):
    first = samples.bus_event("Partner At Risk", samples.at_risk(metrics=("message_response_rate",)))
    assert service.handle(first) is Outcome.SENT
    assert service.handle(first) is Outcome.DUPLICATE
    both = samples.bus_event(
        "Partner At Risk", samples.at_risk(metrics=("message_response_rate", "partner_cancellation_rate"))
    )
    assert service.handle(both) is Outcome.SENT  # only the new metric
    assert service.handle(both) is Outcome.DUPLICATE
    messages = outbox()
    assert len(messages) == 2
    second_text = messages[1].get_body(("plain",)).get_content()
    assert "Partner cancellation rate" in second_text
    assert "Message response rate" not in second_text
    assert messages[0]["List-Unsubscribe"].startswith("<https://api.standing.example/test/unsubscribe/")
    assert messages[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_warning_in_a_new_period_is_sent_again(service, outbox):
    detail = samples.at_risk()
    service.handle(samples.bus_event("Partner At Risk", detail))
    detail["period"] = {"start": "2024-09-01", "end": "2024-09-30"}
    assert service.handle(samples.bus_event("Partner At Risk", detail)) is Outcome.SENT
    assert len(outbox()) == 2


def test_fresh_claim_of_another_attempt_is_retried_later(service, sends, outbox):
    claim = sends.claim("kk-0042", "report", "kkday-trusted-partner#2024-07-01")
    assert claim.outcome is ClaimOutcome.CLAIMED
    with pytest.raises(RetryLater):
        service.handle(evaluated())
    assert outbox() == []


def test_stale_claim_after_a_crash_is_taken_over(service, sends, outbox):
    old = time.time() - 3600
    sends.claim("kk-0042", "report", "kkday-trusted-partner#2024-07-01", now=old)  # the attempt that died
    assert service.handle(evaluated()) is Outcome.SENT
    assert len(outbox()) == 1
    assert sends.get("kk-0042", "report", "kkday-trusted-partner#2024-07-01")["status"] == "sent"


def test_a_taken_over_claim_cannot_be_marked_by_its_old_owner(sends):
    old = sends.claim("p1", "report", "r", now=time.time() - 3600)
    new = sends.claim("p1", "report", "r")
    assert new.outcome is ClaimOutcome.CLAIMED
    assert sends.mark_sent("p1", "report", "r", old.token, "m-old") is False
    assert sends.mark_sent("p1", "report", "r", new.token, "m-new") is True
    assert sends.claim("p1", "report", "r").outcome is ClaimOutcome.DONE


def test_membership_confirmation_once(service, outbox):
    event = samples.bus_event("Membership Changed", samples.membership("opt_out", locale="th"))
    assert service.handle(event) is Outcome.SENT
    assert service.handle(event) is Outcome.DUPLICATE
    (message,) = outbox()
    assert "ถอนตัว" in message.get_body(("plain",)).get_content()


def test_other_detail_types_are_ignored(service, outbox):
    assert service.handle(samples.bus_event("Standing Changed", {"partner_id": "p"})) is Outcome.IGNORED
    assert outbox() == []


def test_membership_changes_are_keyed_by_their_membership_id(service, sends, outbox):
    detail = {
        **samples.membership("opt_out", locale="en"),
        "membership_id": "booking-preferred-property#opt_out#bk-77#t1",
    }
    assert service.handle(samples.bus_event("Membership Changed", detail, event_id="e1")) is Outcome.SENT
    assert service.handle(samples.bus_event("Membership Changed", detail, event_id="e2")) is Outcome.DUPLICATE
    rejoin = {
        **samples.membership("opt_in", locale="en"),
        "membership_id": "booking-preferred-property#opt_in#bk-77#t2",
    }
    assert service.handle(samples.bus_event("Membership Changed", rejoin, event_id="e3")) is Outcome.SENT
    assert sends.get("bk-77", "membership", "booking-preferred-property#opt_out#bk-77#t1")["status"] == "sent"
    assert len(outbox()) == 2


def test_every_email_links_to_the_partners_page_for_30_days(service, outbox):
    from datetime import UTC, datetime, timedelta

    assert service.handle(evaluated()) is Outcome.SENT
    (message,) = outbox()
    html = message.get_body(("html",)).get_content()
    token = html.split(f'href="{BASE_URL}/portal/', 1)[1].split('"', 1)[0]
    now = datetime.now(UTC)
    assert signing.verify(token, "portal", [SIGNING_KEY], now) == "kk-0042"
    assert signing.verify(token, "portal", [SIGNING_KEY], now + timedelta(days=29)) == "kk-0042"
    with pytest.raises(signing.ExpiredToken):
        signing.verify(token, "portal", [SIGNING_KEY], now + timedelta(days=31))
    with pytest.raises(signing.InvalidToken):
        signing.verify(token, "unsubscribe", [SIGNING_KEY], now)


def test_an_unsubscribed_partner_gets_no_warnings_but_still_gets_reports(service, outbox):
    from datetime import UTC, datetime

    warning = samples.bus_event("Partner At Risk", samples.at_risk())
    assert service.handle(warning) is Outcome.SENT
    url = outbox()[0]["List-Unsubscribe"].strip("<>")
    token = url.rsplit("/", 1)[1]
    partner_id = signing.verify(token, "unsubscribe", [SIGNING_KEY], datetime.now(UTC))
    PreferencesStore(config.state_table()).unsubscribe(partner_id, datetime.now(UTC))
    later = samples.at_risk(metrics=("partner_cancellation_rate",))
    assert service.handle(samples.bus_event("Partner At Risk", later, "e-2")) is Outcome.SUPPRESSED
    assert service.handle(evaluated()) is Outcome.SENT  # the report is mandatory
    assert len(outbox()) == 2 and outbox()[1]["List-Unsubscribe"] is None


def test_a_warning_for_a_closed_period_is_not_sent(service, outbox):
    closed = {**samples.at_risk(), "days_left": 0, "data_as_of": "2024-09-01T01:00:00+00:00"}
    assert service.handle(samples.bus_event("Partner At Risk", closed)) is Outcome.STALE
    late = {**samples.at_risk(), "data_as_of": "2024-08-31T16:30:00+00:00"}  # 00:30 on 1 September in Taipei
    assert service.handle(samples.bus_event("Partner At Risk", late, "e-3")) is Outcome.STALE
    assert outbox() == []


def test_a_link_never_spells_utc_by_chance():
    """The signature is random-looking base64: about one link in a thousand would contain "UTC"."""
    from datetime import UTC, datetime, timedelta

    start = datetime(2024, 8, 3, 16, 0, tzinfo=UTC)
    unlucky = next(  # a moment whose 30-day portal token, signed as is, spells UTC
        start + timedelta(seconds=s)
        for s in range(200_000)
        if "UTC" in signing.sign("kk-0042", "portal", start + timedelta(seconds=s, days=30), SIGNING_KEY)
    )
    made = PartnerLinks(BASE_URL, lambda: [SIGNING_KEY], clock=lambda: unlucky).for_partner("kk-0042", optional=True)
    token = made.portal.rsplit("/", 1)[1]
    assert "UTC" not in token
    assert signing.verify(token, "portal", [SIGNING_KEY], unlucky + timedelta(days=29, hours=23)) == "kk-0042"


def test_an_event_cannot_choose_the_address(service, outbox):
    """Issue 11: anything that put an event on the bus made notify email the address in it (a made-up partner, a
    victim's address). The address is the stored profile's, and a partner without one gets nothing."""
    forged = samples.kkday_evaluated(email="victim@elsewhere.example")
    assert service.handle(samples.bus_event("Partner Evaluated", forged)) is Outcome.SENT
    (message,) = outbox()
    assert message["To"].addresses[0].addr_spec == "ops@sunrise.example"  # the partner's own, not the event's
    made_up = samples.kkday_evaluated(email="victim@elsewhere.example")
    made_up["partner_id"] = made_up["record"]["partner_id"] = "nobody-we-know"
    assert service.handle(samples.bus_event("Partner Evaluated", made_up)) is Outcome.UNKNOWN_PARTNER
    assert len(outbox()) == 1


def test_bidirectional_controls_are_stripped_from_display_names(service, outbox):
    spoof = samples.kkday_evaluated(name="Sunrise \u202egnp.exe\u202c Tours")
    assert service.handle(samples.bus_event("Partner Evaluated", spoof)) is Outcome.SENT
    (message,) = outbox()
    assert message["To"].addresses[0].display_name == "Sunrise gnp.exe Tours"


def test_a_suppressed_address_gets_no_more_mail(service, outbox):
    from datetime import UTC, datetime

    from standing import config
    from standing.adapters.preferences import PreferencesStore

    PreferencesStore(config.state_table()).suppress("OPS@sunrise.example", "bounce", datetime.now(UTC))
    assert service.handle(samples.bus_event("Partner Evaluated", samples.kkday_evaluated())) is Outcome.SUPPRESSED
    assert outbox() == []
