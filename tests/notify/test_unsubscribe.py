"""RFC 8058 one-click unsubscribe on the deployed template: the warning's List-Unsubscribe URL, POSTed the way a
mail client does, records the partner's choice through the real API handler; notify then suppresses warnings and
keeps sending reports."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import samples
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from functions.notify import app as notify_app
from standing import signing
from standing.adapters import secrets
from standing.adapters.preferences import PreferencesStore
from standing.adapters.sends_store import SendsStore
from standing.adapters.ses import SesSender
from standing.notify.service import NotifyService, Outcome, PartnerLinks

ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def deployed(stack: Any) -> Iterator[Any]:
    secrets.forget()
    table = boto3.resource("dynamodb").Table(stack.functions["NotifyFunction"].environment["STATE_TABLE_NAME"])
    table.put_item(
        Item={
            "pk": "P#kk-0042",
            "sk": "PROFILE",
            "partner_id": "kk-0042",
            "name": "Sunrise Tours Co.",
            "email": "ops@sunrise.example",
            "locale": "en",
        }
    )  # the partner's stored profile
    yield stack
    secrets.forget()


def _keys(stack: Any) -> list[bytes]:
    env = stack.functions["ApiFunction"].environment
    value = boto3.client("secretsmanager").get_secret_value(SecretId=env["SIGNING_SECRET_ID"])["SecretString"]
    return [value.encode("utf-8")]


def _token(stack: Any, partner_id: str, purpose: str = "unsubscribe", days: int = 365) -> str:
    return signing.sign(partner_id, purpose, datetime.now(UTC) + timedelta(days=days), _keys(stack)[0])


def _state_table(stack: Any) -> str:
    return stack.functions["ApiFunction"].environment["STATE_TABLE_NAME"]


def test_one_click_records_the_choice(deployed):
    status, body = deployed.request("POST", f"/unsubscribe/{_token(deployed, 'kk-0042')}", raw_body=ONE_CLICK)
    assert status == 200 and body["unsubscribed"] is True
    store = PreferencesStore(_state_table(deployed))
    assert store.optional_mail_off("kk-0042")
    assert not store.optional_mail_off("kk-0043")
    # a second click (mail clients retry) changes nothing that matters
    status, _ = deployed.request("POST", f"/unsubscribe/{_token(deployed, 'kk-0042')}", raw_body=ONE_CLICK)
    assert status == 200 and store.optional_mail_off("kk-0042")


@pytest.mark.parametrize(
    ("make_token", "body", "status", "error"),
    [
        (lambda s: _token(s, "kk-0042"), "", 400, "invalid_request"),
        (lambda s: _token(s, "kk-0042"), "List-Unsubscribe=Yes", 400, "invalid_request"),
        (lambda s: _token(s, "kk-0042", purpose="portal"), ONE_CLICK, 404, "invalid_token"),  # another purpose
        (lambda s: _token(s, "kk-0042")[:-2] + "xx", ONE_CLICK, 404, "invalid_token"),  # tampered
        (lambda s: _token(s, "kk-0042", days=-1), ONE_CLICK, 410, "expired_token"),
    ],
)
def test_bad_requests_record_nothing(deployed, make_token, body, status, error):
    got, answer = deployed.request("POST", f"/unsubscribe/{make_token(deployed)}", raw_body=body)
    assert (got, answer["error"]) == (status, error)
    assert not PreferencesStore(_state_table(deployed)).optional_mail_off("kk-0042")


def test_the_warnings_own_header_unsubscribes_and_reports_keep_coming(deployed):
    notify_env = deployed.functions["NotifyFunction"].environment
    boto3.client("ses").verify_email_identity(EmailAddress=notify_env["SENDER_IDENTITY"])
    table = notify_env["STATE_TABLE_NAME"]
    service = NotifyService(
        SendsStore(table),
        SesSender(),
        PreferencesStore(table),
        sender_identity=notify_env["SENDER_IDENTITY"],
        configuration_set=notify_env["SES_CONFIGURATION_SET"],
        links=PartnerLinks(notify_env["PUBLIC_BASE_URL"], lambda: _keys(deployed)),
    )
    assert service.handle(samples.bus_event("Partner At Risk", samples.at_risk())) is Outcome.SENT
    backend = ses_backends[DEFAULT_ACCOUNT_ID][boto3.session.Session().region_name]
    raw = next(m.raw_data for m in backend.sent_messages if hasattr(m, "raw_data"))
    message = email.message_from_string(raw, policy=email.policy.default)
    url = str(message["List-Unsubscribe"]).strip("<>")
    assert url.startswith(notify_env["PUBLIC_BASE_URL"] + "/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == ONE_CLICK
    path = url[len(notify_env["PUBLIC_BASE_URL"]) :]
    assert deployed.request("POST", path, raw_body=ONE_CLICK)[0] == 200

    later = samples.at_risk(metrics=("partner_cancellation_rate",))
    assert service.handle(samples.bus_event("Partner At Risk", later, "e-2")) is Outcome.SUPPRESSED
    report = samples.bus_event("Partner Evaluated", samples.kkday_evaluated())
    assert service.handle(report) is Outcome.SENT


def test_the_deployed_notify_function_links_to_the_partners_page(deployed):
    """The real handler, with the function's own environment: keys from the stack's secret, the API's base URL."""
    env = deployed.functions["NotifyFunction"].environment
    boto3.client("ses").verify_email_identity(EmailAddress=env["SENDER_IDENTITY"])
    notify_app._service_for.cache_clear()
    try:
        record = samples.sqs_record(samples.bus_event("Partner At Risk", samples.at_risk()))
        assert deployed.invoke("NotifyFunction", {"Records": [record]}) == {"batchItemFailures": []}
    finally:
        notify_app._service_for.cache_clear()
    backend = ses_backends[DEFAULT_ACCOUNT_ID][boto3.session.Session().region_name]
    raw = next(m.raw_data for m in backend.sent_messages if hasattr(m, "raw_data"))
    message = email.message_from_string(raw, policy=email.policy.default)
    html = message.get_body(("html",)).get_content()
    token = html.split(f'href="{env["PUBLIC_BASE_URL"]}/portal/', 1)[1].split('"', 1)[0]
    assert signing.verify(token, "portal", _keys(deployed), datetime.now(UTC)) == "kk-0042"
    unsubscribe = str(message["List-Unsubscribe"]).strip("<>").rsplit("/", 1)[1]
    assert signing.verify(unsubscribe, "unsubscribe", _keys(deployed), datetime.now(UTC)) == "kk-0042"
