"""Real-shaped bus event details for the notify tests (one per email kind and program)."""

from __future__ import annotations

import copy
import json
from typing import Any


def kkday_evaluated(locale: str = "en", name: str = "Sunrise Tours Co.", email: str = "ops@sunrise.example") -> dict:
    return {
        "program": "kkday-trusted-partner",
        "program_name": "KKday Trusted Partner",
        "partner_id": "kk-0042",
        "partner": {"name": name, "email": email, "locale": locale},
        "next_evaluation": "2024-09-04",
        "record": {
            "program": "kkday-trusted-partner",
            "partner_id": "kk-0042",
            "period": {"start": "2024-07-01", "end": "2024-07-31"},
            "evaluated_at": "2024-08-03T16:00:00Z",
            "rules_version": "2024-07-01",
            "segment": "default",
            "region": "TW",
            "status": "not_awarded",
            "metrics": {
                "message_response_rate": {
                    "value": 0.8571,
                    "numerator": 120,
                    "denominator": 140,
                    "threshold": 0.9,
                    "op": ">=",
                    "outcome": "fail",
                    "headroom": "6 more replies within 12 hours needed",
                    "headroom_amount": 6,
                    "headroom_unit": "message_response_rate.hit",
                    "headroom_kind": "needed",
                },
                "partner_cancellation_rate": {
                    "value": 0.0333,
                    "numerator": 4,
                    "denominator": 120,
                    "threshold": 0.02,
                    "op": "<=",
                    "outcome": "fail",
                    "headroom": "80 more orders without a partner cancellation needed",
                    "headroom_amount": 80,
                    "headroom_unit": "partner_cancellation_rate.miss",
                    "headroom_kind": "needed",
                },
                "order_confirmation_rate": {
                    "value": 0.975,
                    "numerator": 117,
                    "denominator": 120,
                    "threshold": 0.95,
                    "op": ">=",
                    "outcome": "pass",
                    "headroom": "3 more orders not confirmed in time allowed; 4 would fail this",
                    "headroom_amount": 3,
                    "headroom_unit": "order_confirmation_rate.miss",
                    "headroom_kind": "allowed",
                },
            },
            "failing": ["message_response_rate", "partner_cancellation_rate"],
            "consequences": ["ranking_demotion"],
            "benefits": [],
            "valid_until": None,
        },
    }


def tiki_evaluated(locale: str = "vi") -> dict:
    metrics = {
        "successful_orders": (412, 200, ">=", "pass", 212, "successful_orders.amount", "margin"),
        "unique_buyers": (268, 100, ">=", "pass", 168, "unique_buyers.amount", "margin"),
        "chat_response_rate": (0.78, 0.75, ">=", "pass", 2, "chat_response_rate.miss", "allowed"),
        "late_fulfillment_rate": (0.012, 0.03, "<=", "pass", 7, "late_fulfillment_rate.hit", "allowed"),
        "seller_cancellation_rate": (0.007, 0.02, "<=", "pass", 5, "seller_cancellation_rate.hit", "allowed"),
        "average_rating": (4.6, 4.2, ">=", "pass", 32, "average_rating.miss", "allowed"),
        "rating_count": (131, 50, ">=", "pass", 81, "rating_count.amount", "margin"),
        "fraud_free": (True, True, "==", "pass", None, None, "none"),
        "counterfeit_free": (True, True, "==", "pass", None, None, "none"),
        "store_lifetime_days": (540, 90, ">=", "pass", 450, "store_lifetime_days.amount", "margin"),
    }
    return {
        "program": "tiki-trusted-store",
        "program_name": "Tiki Trusted Store",
        "partner_id": "tk-1001",
        "partner": {"name": "Nhà Sách Phương Nam", "email": "shop@phuongnam.example", "locale": locale},
        "next_evaluation": "2024-11-01",
        "record": {
            "program": "tiki-trusted-store",
            "partner_id": "tk-1001",
            "period": {"start": "2024-07-01", "end": "2024-09-30"},
            "evaluated_at": "2024-09-30T17:00:00Z",
            "rules_version": "2024-01-01",
            "segment": "general",
            "region": "VN",
            "status": "awarded",
            "metrics": {
                k: {
                    "value": v,
                    "threshold": t,
                    "op": op,
                    "outcome": o,
                    "headroom": "",
                    "headroom_amount": a,
                    "headroom_unit": u,
                    "headroom_kind": kind,
                }
                for k, (v, t, op, o, a, u, kind) in metrics.items()
            },
            "failing": [],
            "consequences": [],
            "benefits": [],
            "valid_until": "2024-10-31",
        },
    }


def booking_evaluated(locale: str = "th") -> dict:
    return {
        "program": "booking-preferred-property",
        "program_name": "Booking.com Preferred Partner Programme",
        "partner_id": "bk-77",
        "partner": {"name": "บ้านริมน้ำ รีสอร์ท", "email": "stay@banrimnam.example", "locale": locale},
        "next_evaluation": "2024-12-28",
        "record": {
            "program": "booking-preferred-property",
            "partner_id": "bk-77",
            "period": {"start": "2024-07-01", "end": "2024-09-28"},
            "evaluated_at": "2024-09-29T00:00:00Z",
            "rules_version": "2024-01-01",
            "segment": "default",
            "region": "TH",
            "status": "not_awarded",
            "metrics": {
                "performance_score": {"value": 74, "threshold": 70, "op": ">=", "outcome": "pass", "headroom": ""},
                "review_score": {
                    "value": 6.8,
                    "threshold": 7.0,
                    "op": ">=",
                    "outcome": "fail",
                    "headroom": "",
                },
                "price_competitiveness": {
                    "value": "competitive",
                    "threshold": "competitive",
                    "op": "==",
                    "outcome": "pass",
                    "headroom": "",
                },
            },
            "failing": ["review_score"],
            "consequences": [],
            "benefits": [],
            "valid_until": None,
        },
    }


def rides_evaluated(locale: str = "zh-TW") -> dict:
    return {
        "program": "booking-rides-preferred",
        "program_name": "Booking.com Rides Preferred",
        "partner_id": "rd-9",
        "partner": {"name": "台北機場接送", "email": "dispatch@tpe-rides.example", "locale": locale},
        "next_evaluation": "2024-09-01",
        "record": {
            "program": "booking-rides-preferred",
            "partner_id": "rd-9",
            "period": {"start": "2024-07-01", "end": "2024-07-31"},
            "evaluated_at": "2024-07-31T22:00:00Z",
            "rules_version": "2024-01-01",
            "segment": "default",
            "region": "TW",
            "status": "awarded",
            "metrics": {
                "survey_score": {"value": 4.72, "threshold": 4.6, "op": ">=", "outcome": "pass", "headroom": ""},
                "incident_rate": {
                    "value": 0.009,
                    "threshold": 0.015,
                    "op": "<",
                    "outcome": "pass",
                    "headroom": "3 more rides with an incident allowed; 4 would fail this",
                    "headroom_amount": 3,
                    "headroom_unit": "incident_rate.hit",
                    "headroom_kind": "allowed",
                },
                "decline_rate": {
                    "value": 0.004,
                    "threshold": 0.01,
                    "op": "<",
                    "outcome": "pass",
                    "headroom": "2 more declined bookings allowed; 3 would fail this",
                    "headroom_amount": 2,
                    "headroom_unit": "decline_rate.hit",
                    "headroom_kind": "allowed",
                },
                "driver_events_rate": {
                    "value": 0.94,
                    "threshold": 0.9,
                    "op": ">=",
                    "outcome": "pass",
                    "headroom": "",
                },
            },
            "failing": [],
            "consequences": [],
            "benefits": [],
            "valid_until": "2024-08-31",
        },
    }


def at_risk(locale: str = "en", metrics: tuple[str, ...] = ("message_response_rate",)) -> dict:
    evaluated = kkday_evaluated(locale)
    return {
        "program": "kkday-trusted-partner",
        "partner_id": "kk-0042",
        "partner": evaluated["partner"],
        "period": {"start": "2024-08-01", "end": "2024-08-31"},
        "days_left": 9,
        "warning_id": "kkday-trusted-partner#2024-08-01#" + "+".join(metrics),
        "metrics": {m: copy.deepcopy(evaluated["record"]["metrics"][m]) for m in metrics},
        "at_risk": list(metrics),
    }


def membership(action: str = "opt_out", granted: bool = True, locale: str = "th") -> dict:
    return {
        "program": "booking-preferred-property",
        "partner_id": "bk-77",
        "partner": {"name": "บ้านริมน้ำ รีสอร์ท", "email": "stay@banrimnam.example", "locale": locale},
        "action": action,
        "granted": granted,
        "status": "opted_out" if action == "opt_out" else ("awarded" if granted else "not_awarded"),
        "failing": [] if granted else ["review_score"],
        "membership_at": "2024-10-02T08:15:00Z",
    }


def bus_event(detail_type: str, detail: dict[str, Any], event_id: str = "6a7e8feb-b491-4cf7-a9f1-bf3703467718") -> dict:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": "standing",
        "account": "123456789012",
        "time": "2024-08-03T16:00:05Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def sqs_record(event: dict, message_id: str = "059f36b4-87a3-44ab-83d2-661975830a7d") -> dict:
    return {
        "messageId": message_id,
        "receiptHandle": f"AQEB-{message_id}",
        "body": json.dumps(event),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1722700805000",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1722700805010",
        },
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:standing-NotifyQueue",
        "awsRegion": "us-east-1",
    }
