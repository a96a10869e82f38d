"""What notify knows about metrics, programs and locales: display formats, translations, locale resolution.

Pure: no AWS, no environment. Unknown metric ids and operator-added programs still render, with the metric id as
the title, a format guessed from the value, and the program name from the event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel import Locale

from standing.notify.locales import en, th, vi, zh_tw

DEFAULT_LOCALE = "en"
MESSAGES: dict[str, dict[str, Any]] = {
    "en": en.MESSAGES,
    "th": th.MESSAGES,
    "vi": vi.MESSAGES,
    "zh-TW": zh_tw.MESSAGES,
}
# Which of a programme's `actions` an email lists, by the email's situation: the same in every language (the locales
# only word the actions). Programmes without a plan here use GENERIC_PLAN.
ACTION_PLANS: dict[str, dict[str, list[str]]] = {
    "kkday-trusted-partner": {
        "report_awarded": ["track"],
        "report_not_awarded": ["messaging", "track"],
        "report_ineligible": ["contact"],
        "warning": ["track"],
    },
    "booking-preferred-property": {
        "report_awarded": ["check_status", "leave"],
        "report_not_awarded": ["check_status", "leave"],
        "report_never_joined": ["join"],
        "report_left": ["check_status"],
        "warning": ["check_status"],
        "joined": ["check_status"],
        "refused": ["check_status"],
    },
    "booking-rides-preferred": {
        "report_awarded": ["pricing"],
        "report_not_awarded": ["pricing", "figures"],
        "warning": ["pricing"],
    },
    "tiki-trusted-store": {
        "report_awarded": ["check"],
        "report_not_awarded": ["check", "support"],
        "report_suspended": ["support"],
        "report_ineligible": ["check"],
        "warning": ["act_on_warning", "check"],
    },
}
GENERIC_PLAN: dict[str, list[str]] = {"report_not_awarded": ["focus"], "warning": ["focus"]}
BABEL_LOCALES = {"en": "en", "th": "th", "vi": "vi", "zh-TW": "zh_Hant_TW"}


@dataclass(frozen=True)
class MetricFormat:
    kind: str  # percent | number | score | days | category | flag
    scale: int | None = None  # "out of" for scores
    unit: str | None = None  # the counted noun of a number (Thai and Chinese need its classifier)


METRIC_FORMATS: dict[str, MetricFormat] = {
    # kkday-trusted-partner
    "message_response_rate": MetricFormat("percent"),
    "partner_cancellation_rate": MetricFormat("percent"),
    "order_confirmation_rate": MetricFormat("percent"),
    # booking-preferred-property
    "performance_score": MetricFormat("score", 100),
    "review_score": MetricFormat("score", 10),
    "price_competitiveness": MetricFormat("category"),
    # booking-rides-preferred
    "survey_score": MetricFormat("score", 5),
    "incident_rate": MetricFormat("percent"),
    "decline_rate": MetricFormat("percent"),
    "driver_events_rate": MetricFormat("percent"),
    # tiki-trusted-store
    "successful_orders": MetricFormat("number", unit="orders"),
    "unique_buyers": MetricFormat("number", unit="buyers"),
    "chat_response_rate": MetricFormat("percent"),
    "late_fulfillment_rate": MetricFormat("percent"),
    "seller_cancellation_rate": MetricFormat("percent"),
    "average_rating": MetricFormat("score", 5),
    "rating_count": MetricFormat("number", unit="ratings"),
    "fraud_free": MetricFormat("flag"),
    "counterfeit_free": MetricFormat("flag"),
    "store_lifetime_days": MetricFormat("days"),
}
GENERIC_FORMAT = MetricFormat("generic")

# The rules engine names headroom units `{metric_id}.{role}` (role: hit / miss / sample / amount) unless a program
# gives them a key; these map the built-in programs' roles onto the translated nouns in each locale's `units`.
UNIT_ALIASES: dict[str, str] = {
    "message_response_rate.hit": "timely_replies",
    "message_response_rate.miss": "unanswered_messages",
    "message_response_rate.sample": "messages",
    "partner_cancellation_rate.hit": "partner_cancellations",
    "partner_cancellation_rate.miss": "orders_kept",
    "partner_cancellation_rate.sample": "orders",
    "order_confirmation_rate.hit": "confirmed_orders",
    "order_confirmation_rate.miss": "unconfirmed_orders",
    "order_confirmation_rate.sample": "orders",
    "performance_score.amount": "points",
    "review_score.hit": "top_reviews",
    "review_score.miss": "bottom_reviews",
    "review_score.sample": "reviews",
    "review_score.amount": "points",
    "survey_score.hit": "top_reviews",
    "survey_score.miss": "bottom_reviews",
    "survey_score.sample": "reviews",
    "survey_score.amount": "points",
    "incident_rate.hit": "incidents",
    "incident_rate.miss": "rides_without_incident",
    "incident_rate.sample": "rides",
    "decline_rate.hit": "declines",
    "decline_rate.miss": "accepted_bookings",
    "decline_rate.sample": "offered_bookings",
    "driver_events_rate.hit": "rides_with_driver_events",
    "driver_events_rate.miss": "rides_without_driver_events",
    "driver_events_rate.sample": "rides",
    "successful_orders.amount": "orders",
    "unique_buyers.amount": "buyers",
    "chat_response_rate.hit": "chat_replies",
    "chat_response_rate.miss": "unanswered_chats",
    "chat_response_rate.sample": "chats",
    "late_fulfillment_rate.hit": "late_orders",
    "late_fulfillment_rate.miss": "on_time_orders",
    "late_fulfillment_rate.sample": "orders",
    "seller_cancellation_rate.hit": "seller_cancellations",
    "seller_cancellation_rate.miss": "orders_kept_by_seller",
    "seller_cancellation_rate.sample": "orders",
    "average_rating.hit": "top_reviews",
    "average_rating.miss": "bottom_reviews",
    "average_rating.sample": "ratings",
    "average_rating.amount": "points",
    "rating_count.amount": "ratings",
    "store_lifetime_days.amount": "days",
}


def resolve_locale(tag: object) -> str:
    """Map a partner's locale tag (`th`, `th-TH`, `zh_TW`, `zh-Hant`...) to a supported locale; `en` otherwise."""
    if not isinstance(tag, str) or not tag.strip():
        return DEFAULT_LOCALE
    norm = tag.strip().replace("_", "-").lower()
    parts = norm.split("-")
    if parts[0] == "zh":
        return "zh-TW" if any(p in ("tw", "hant", "hk", "mo") for p in parts[1:]) else DEFAULT_LOCALE
    return parts[0] if parts[0] in MESSAGES else DEFAULT_LOCALE


def metric_format(metric_id: str, value: Any = None) -> MetricFormat:
    return METRIC_FORMATS.get(metric_id, GENERIC_FORMAT)


class Texts:
    """Translations of one locale. Every key exists in every locale (a test checks it), so nothing falls back
    to English inside a translated email."""

    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in MESSAGES else DEFAULT_LOCALE
        self.babel = Locale.parse(BABEL_LOCALES[self.locale])
        self._m = MESSAGES[self.locale]

    def ui(self, key: str, count: int | None = None, **params: Any) -> str:
        table = self._m["ui"]
        if count == 1 and f"{key}_one" in table:
            key = f"{key}_one"
        return str(table[key]).format(count=count, **params)

    def section(self, name: str) -> dict[str, Any]:
        return self._m[name]

    def metric_title(self, metric_id: str) -> str:
        entry = self._m["metrics"].get(metric_id)
        return str(entry["title"]) if entry else metric_id

    def metric_text(self, metric_id: str, field: str) -> str:
        """A metric's `action` (what to do) or `about` (what it measures); "" for a metric not in the catalogue."""
        entry = self._m["metrics"].get(metric_id)
        return str(entry.get(field, "")) if entry else ""

    def program(self, program_id: str) -> dict[str, Any] | None:
        return self._m["programs"].get(program_id)

    def generic_program(self) -> dict[str, Any]:
        return self._m["generic_program"]

    def unit(self, unit: object, amount: float) -> tuple[str, str] | None:
        """(noun, classifier) for a headroom unit (`orders`, `messages`...) in this locale, or None when unknown.
        English entries are (singular, plural) and have no classifier; Thai and Chinese ones are
        (noun, classifier), Vietnamese ones (noun, "")."""
        if not isinstance(unit, str):
            return None
        units = self._m["units"]
        key = UNIT_ALIASES.get(unit, unit)
        entry = units.get(key) or units.get(f"{key}s") or units.get(key.replace(" ", "_"))
        if entry is None:
            return None
        first, second = entry
        if self._m["units_form"] == "plural":
            return (str(first if amount == 1 else second), "")
        return (str(first), str(second))
