"""SQS adapter: work messages on EvaluateQueue (planner pages and partner batches)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import boto3

from standing import config

_MAX_ENTRIES = 10  # SendMessageBatch limit per call
_client = None


def _sqs() -> Any:
    global _client
    if _client is None:
        _client = boto3.client("sqs")
    return _client


class EnqueueError(Exception):
    """Some messages were not accepted by SQS; the caller's message is retried."""


def enqueue(messages: Sequence[dict[str, Any]]) -> None:
    """Send work messages to EvaluateQueue, 10 a call; refused entries are retried once, then raised."""
    entries = [{"Id": str(i), "MessageBody": json.dumps(m, sort_keys=True)} for i, m in enumerate(messages)]
    for start in range(0, len(entries), _MAX_ENTRIES):
        chunk = entries[start : start + _MAX_ENTRIES]
        for _ in range(2):
            response = _sqs().send_message_batch(QueueUrl=config.evaluate_queue_url(), Entries=chunk)
            failed = {f["Id"] for f in response.get("Failed", [])}
            if not failed:
                break
            chunk = [entry for entry in chunk if entry["Id"] in failed]
        else:
            raise EnqueueError(f"{len(chunk)} messages not accepted by the evaluate queue")
