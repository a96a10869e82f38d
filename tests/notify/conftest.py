"""Notify fixtures: a fresh moto account per test with the StateTable, a verified SES identity, and helpers to
read back what SES was asked to send."""

from __future__ import annotations

import email
import email.policy
import os

# Fake credentials, region and Powertools settings come from tests/conftest.py; these are notify's own.
os.environ.setdefault("STATE_TABLE_NAME", "standing-state-test")
os.environ.setdefault("SENDER_IDENTITY", "reports@standing.example")
os.environ.setdefault("SES_CONFIGURATION_SET", "standing-test")
os.environ.setdefault("SIGNING_SECRET_ID", "standing-signing-test")
os.environ.setdefault("PUBLIC_BASE_URL", "https://api.standing.example/test")

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from standing import config
from standing.adapters import secrets
from standing.adapters.preferences import PreferencesStore
from standing.adapters.sends_store import SendsStore
from standing.adapters.ses import SesSender
from standing.notify.service import NotifyService, PartnerLinks

SENDER = os.environ["SENDER_IDENTITY"]
CONFIG_SET = os.environ["SES_CONFIGURATION_SET"]
SIGNING_KEY = b"notify-test-signing-key-0123456789abcdef"
BASE_URL = "https://api.standing.example/test"


def links() -> PartnerLinks:
    return PartnerLinks(BASE_URL, lambda: [SIGNING_KEY])


@pytest.fixture
def aws():
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName=config.state_table(),  # what the handler will use, even if another suite set it first
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        ses = boto3.client("ses", region_name="us-east-1")
        for identity in {SENDER, config.sender_identity()}:
            ses.verify_email_identity(EmailAddress=identity)
        boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name=config.signing_secret_id(), SecretString=SIGNING_KEY.decode()
        )
        secrets.forget()
        for partner_id, email_address in SAMPLE_PARTNERS.items():
            store_profile(partner_id, email_address)
        yield
        secrets.forget()


# The partners of tests/notify/samples.py, with the address their stored profile has: notify writes only there.
SAMPLE_PARTNERS = {
    "kk-0042": "ops@sunrise.example",
    "tk-1001": "shop@phuongnam.example",
    "bk-77": "stay@banrimnam.example",
    "rd-9": "dispatch@tpe-rides.example",
}


def store_profile(partner_id: str, email_address: str | None, name: str = "Stored Name", locale: str = "en") -> None:
    """The PROFILE item ingest keeps for a partner (docs/data-model.md)."""
    item = {"pk": f"P#{partner_id}", "sk": "PROFILE", "partner_id": partner_id, "name": name, "locale": locale}
    if email_address is not None:
        item["email"] = email_address
    boto3.resource("dynamodb", region_name="us-east-1").Table(config.state_table()).put_item(Item=item)


@pytest.fixture
def sends(aws) -> SendsStore:
    return SendsStore(config.state_table())


@pytest.fixture
def service(sends) -> NotifyService:
    return NotifyService(
        sends,
        SesSender(),
        PreferencesStore(config.state_table()),
        sender_identity=SENDER,
        configuration_set=CONFIG_SET,
        links=links(),
    )


def sent_messages() -> list[email.message.EmailMessage]:
    """Every raw message SES accepted in this test, parsed."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return [
        email.message_from_string(m.raw_data, policy=email.policy.default)  # type: ignore[misc]
        for m in backend.sent_messages
        if hasattr(m, "raw_data")
    ]


@pytest.fixture
def outbox(aws):
    return sent_messages
