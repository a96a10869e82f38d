"""A small marketplace for the partner's page and the console: a KKday partner judged twice (two records for the
history charts) with a current-period projection, a Tiki shop, and a Booking.com property in the opt-in program,
all through the real handlers. The API runs on the data's own clock (as `make serve` does), so an opt-in is judged
on the data the test sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import boto3
import pytest
import time_machine

from standing import signing
from tests.evaluate.conftest import Scenario, event, order_placed, profile

TAIPEI = ZoneInfo("Asia/Taipei")
NOW = datetime(2024, 9, 20, 12, 0, tzinfo=ZoneInfo("UTC"))  # the API's clock in these tests
PROPERTY = "bp-portal"
KKDAY = "kk-portal"
TIKI = "tk-portal"


def _kkday_days(partner: str, day: str, orders: int, cancels: int, reply_hours: float) -> list[dict[str, Any]]:
    out = []
    base = datetime.fromisoformat(f"{day}T10:00:00+08:00")
    for n in range(orders):
        placed = base + timedelta(minutes=n)
        order = f"{partner}-{day}-{n}"
        out.append(order_placed(partner, placed, order, f"b{n}", timedelta(hours=24)))
        kind = "order.cancelled" if n < cancels else "order.confirmed"
        extra = {"cause": "partner"} if n < cancels else {}
        out.append(event(kind, partner, (placed + timedelta(hours=1)).isoformat(), order_id=order, **extra))
    for n in range(10):
        received = base + timedelta(hours=1, minutes=n)
        out.append(
            event("message.received", partner, received.isoformat(), thread_id=f"t{n}", message_id=f"{day}-m{n}")
        )
        out.append(
            event(
                "message.replied",
                partner,
                (received + timedelta(hours=reply_hours)).isoformat(),
                thread_id=f"t{n}",
                message_id=f"{day}-r{n}",
                in_reply_to=f"{day}-m{n}",
            )
        )
    return out


def _property(partner: str) -> list[dict[str, Any]]:
    at = "2024-09-01T10:00:00+02:00"
    out = [
        event("score.reported", partner, at, metric="performance_score", value=82),
        event("score.reported", partner, at, metric="price_competitiveness", value="competitive"),
    ]
    for n in range(6):
        out.append(
            event(
                "review.submitted", partner, f"2024-09-0{n + 2}T10:00:00+02:00", review_id=f"r{n}", rating=9, scale=10
            )
        )
    return out


class Site:
    """The deployed stack, browsed the way `make serve` serves it (the same dispatch)."""

    def __init__(self, stack: Any) -> None:
        from standing_local.server import _route_auth

        self.stack = stack
        self.auth = _route_auth(stack)
        secret = boto3.client("secretsmanager").get_secret_value(SecretId=stack.name_of("SigningSecret"))
        self.key = secret["SecretString"].encode("utf-8")

    def link(self, partner: str, purpose: str = "portal", ttl: timedelta = timedelta(days=7)) -> str:
        return f"/portal/{signing.sign(partner, purpose, NOW + ttl, self.key)}"

    def get(self, target: str, **headers: str) -> tuple[int, dict[str, str], str]:
        return self.call("GET", target, None, headers)

    def call(self, method: str, target: str, body: str | None, headers: dict[str, str] | None = None):
        from standing_local.server import dispatch

        with time_machine.travel(NOW, tick=False):
            status, out, raw = dispatch(self.stack, self.auth, method, target, body, headers or {})
        return status, out, raw.decode("utf-8")

    @staticmethod
    def follow(location: str, base: str) -> str:
        """A relative Location resolved against the request path, as a browser does."""
        from urllib.parse import urljoin

        return urlsplit(urljoin(f"http://x{base}", location))._replace(scheme="", netloc="").geturl()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    from standing_local.embedded import embedded_aws

    with embedded_aws() as stack:
        scenario = Scenario(stack)
        scenario.post(
            [
                profile(KKDAY, "2024-06-01T09:00:00+08:00", ["kkday-trusted-partner"], name="Sunrise <Tours>"),
                profile(PROPERTY, "2024-06-01T09:00:00+02:00", ["booking-preferred-property"], locale="th"),
                profile(TIKI, "2024-06-01T09:00:00+07:00", ["tiki-trusted-store"], locale="vi", category="general"),
            ]
        )
        scenario.post(_kkday_days(KKDAY, "2024-07-10", orders=20, cancels=0, reply_hours=1))
        scenario.post(_kkday_days(KKDAY, "2024-08-10", orders=20, cancels=2, reply_hours=20))
        scenario.post(_kkday_days(KKDAY, "2024-09-10", orders=20, cancels=0, reply_hours=1))
        scenario.post(_property(PROPERTY))
        scenario.fire("KkdayTrustedPartnerSchedule", "2024-08-04T00:00", "Asia/Taipei")
        scenario.fire("KkdayTrustedPartnerSchedule", "2024-09-04T00:00", "Asia/Taipei")
        scenario.fire("TikiTrustedStoreSchedule", "2024-09-01T00:00", "Asia/Ho_Chi_Minh")
        scenario.fire("DailyProjectionSchedule", "2024-09-20T02:00", "UTC")
        yield Site(stack)
