"""Every environment variable Standing reads is read here and nowhere else. Resource names have no defaults on
purpose: a function missing one fails loudly at its first use instead of writing somewhere unexpected. Values are
looked up on each call (a dict lookup) so a process that serves several functions, as the local run does, always
sees the environment of the function it is running."""

from __future__ import annotations

import os


def events_table() -> str:
    return os.environ["EVENTS_TABLE_NAME"]


def state_table() -> str:
    return os.environ["STATE_TABLE_NAME"]


def bus_name() -> str:
    return os.environ["EVENT_BUS_NAME"]


def evaluate_queue_url() -> str:
    return os.environ["EVALUATE_QUEUE_URL"]


def sender_identity() -> str:
    return os.environ["SENDER_IDENTITY"]


def ses_configuration_set() -> str:
    return os.environ["SES_CONFIGURATION_SET"]


def raw_event_ttl_days() -> int:
    return int(os.environ["RAW_EVENT_TTL_DAYS"])


def at_risk_margin() -> str:
    """Relative margin (e.g. "0.1") within which a passing metric is reported as close to failing."""
    return os.environ["AT_RISK_MARGIN"]


def signing_secret_id() -> str:
    """Secrets Manager id of the key that signs partner links (portal, one-click unsubscribe)."""
    return os.environ["SIGNING_SECRET_ID"]


def public_base_url() -> str:
    """The deployed API's base URL, used to build absolute links in emails (no trailing slash)."""
    return os.environ["PUBLIC_BASE_URL"].rstrip("/")
