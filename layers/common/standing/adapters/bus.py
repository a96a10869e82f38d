"""EventBridge adapter: Standing's outgoing events (source `standing`) on the deployment's bus."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3

from standing import config

SOURCE = "standing"
_MAX_ENTRIES = 10  # PutEvents limit per call
_client = None


def _events() -> Any:
    global _client
    if _client is None:
        _client = boto3.client("events")
    return _client


@dataclass(frozen=True)
class BusEvent:
    detail_type: str  # "Resource Verb-ed": "Partner Evaluated", "Standing Changed", ...
    detail: dict[str, Any]


class PublishError(Exception):
    """Some events were not accepted by EventBridge; the caller's message is retried."""


def publish(events: Sequence[BusEvent]) -> None:
    """Put the events on the bus, 10 a call; entries EventBridge refuses are retried once, then raised."""
    entries = [
        {
            "Source": SOURCE,
            "DetailType": event.detail_type,
            "Detail": json.dumps(event.detail, sort_keys=True, default=str),
            "EventBusName": config.bus_name(),
        }
        for event in events
    ]
    for start in range(0, len(entries), _MAX_ENTRIES):
        chunk = entries[start : start + _MAX_ENTRIES]
        for _ in range(2):
            response = _events().put_events(Entries=chunk)
            if not response.get("FailedEntryCount"):
                break
            chunk = [entry for entry, result in zip(chunk, response["Entries"], strict=True) if result.get("ErrorCode")]
        else:
            raise PublishError(f"{len(chunk)} events not accepted by the bus")
