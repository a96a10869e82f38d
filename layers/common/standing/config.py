"""Every environment variable Standing reads, read once, here. Resource names have no defaults on purpose:
a function missing one fails loudly at its first use instead of writing somewhere unexpected."""

from __future__ import annotations

import os
from functools import cache


@cache
def events_table() -> str:
    return os.environ["EVENTS_TABLE_NAME"]


@cache
def state_table() -> str:
    return os.environ["STATE_TABLE_NAME"]


@cache
def bus_name() -> str:
    return os.environ["EVENT_BUS_NAME"]


@cache
def evaluate_queue_url() -> str:
    return os.environ["EVALUATE_QUEUE_URL"]


@cache
def sender_identity() -> str:
    return os.environ["SENDER_IDENTITY"]


@cache
def ses_configuration_set() -> str:
    return os.environ["SES_CONFIGURATION_SET"]


@cache
def raw_event_ttl_days() -> int:
    return int(os.environ["RAW_EVENT_TTL_DAYS"])


@cache
def at_risk_margin() -> str:
    """Relative margin (e.g. "0.1") within which a passing metric is reported as close to failing."""
    return os.environ["AT_RISK_MARGIN"]
