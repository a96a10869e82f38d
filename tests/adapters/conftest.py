"""Repository fixtures: both tables in a fresh moto account per test, created from template.yaml's own keys and
indexes (standing_local.template.create_table), under the names this environment configures."""

from __future__ import annotations

import os

os.environ.setdefault("STATE_TABLE_NAME", "standing-state-test")
os.environ.setdefault("EVENTS_TABLE_NAME", "standing-events-test")

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from standing import config
from standing_local.template import create_table


@pytest.fixture
def aws() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, "StateTable", config.state_table())
        create_table(client, "EventsTable", config.events_table())
        yield client


@pytest.fixture
def state(aws: Any) -> Any:
    """The StateTable through boto3's resource API: how the tests look at stored items, independently of the models."""
    return boto3.resource("dynamodb", region_name="us-east-1").Table(config.state_table())
