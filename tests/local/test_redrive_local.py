"""`standing redrive` on a local run: the parked events of the run's saved state are applied, and saved back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import boto3

from standing.adapters.ingest_store import stored_event
from standing.fold import fold_days
from standing_local.cli import main
from standing_local.embedded import embedded_aws
from standing_local.server import load_state, save_state


def test_standing_redrive_applies_the_parked_events_of_a_local_run(tmp_path: Path) -> None:
    state = tmp_path / "state"
    now = datetime(2024, 8, 1, tzinfo=UTC)
    with embedded_aws() as stack:
        profile = {"event_id": "p1", "type": "partner.profile", "partner_id": "kk-9",
                   "occurred_at": "2024-06-01T00:00:00+08:00",
                   "data": {"name": "Nine", "email": "nine@example.com", "locale": "en",
                            "programs": ["kkday-trusted-partner"]}}  # fmt: skip
        assert stack.request("POST", "/events", {"events": [profile]})[0] == 200
        stack.drain()
        # A parked order (as the fold on read leaves one that cannot be applied), already corrected by an operator.
        image = {"event_id": "o1", "type": "order.placed", "partner_id": "kk-9",
                 "occurred_at": "2024-07-01T10:00:00+08:00", "expires_at": 1893456000,
                 "data": {"order_id": "A", "buyer_id": "b", "due_by": "2024-07-02T10:00:00+08:00"}}  # fmt: skip
        boto3.resource("dynamodb").Table(stack.name_of("StateTable")).put_item(
            Item={"pk": "PARKED", "sk": "E#o1", "event_id": "o1", "partner_id": "kk-9", "image": image,
                  "reason": "ValueError: fixed since", "parked_at": now.isoformat()})  # fmt: skip
        save_state(stack, state, now)

    assert main(["redrive", "--out", str(tmp_path)]) == 0

    with embedded_aws() as stack:
        load_state(stack, state)
        table = boto3.resource("dynamodb").Table(stack.name_of("StateTable"))
        assert table.get_item(Key={"pk": "PARKED", "sk": "E#o1"}).get("Item") is None
        events = boto3.resource("dynamodb").Table(stack.name_of("EventsTable"))
        stored = events.get_item(Key={"pk": "P#kk-9", "sk": "2024-07-01#o1"})["Item"]  # back where the fold reads
        [day] = fold_days([stored_event(stored)], "Asia/Taipei").days
        assert (day.day.isoformat(), day.counts["orders_placed"]) == ("2024-07-01", 1)
