"""Typed models of the incoming events (DESIGN section 3), one pydantic model per type, strict.

Strict means: an unknown type, an extra or missing field, a mistyped value (no silent coercion of 5 into "5" or
"true" into True), a time without a UTC offset, a rating outside its scale or an unknown cancellation cause is
refused. `validate_event` turns one raw envelope into either a `ValidEvent` (the model, its normalised form and its
digest) or a `Rejection` naming the event's index, id, field and reason. Pure: no AWS here.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from aws_lambda_powertools.utilities.parser import BaseModel
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

# Rejection codes of one event (request-level codes live with the ingest service).
INVALID_EVENT = "invalid_event"
UNKNOWN_TYPE = "unknown_type"
CONFLICT = "conflict"

# Bounds that keep every accepted value storable and every derived key within DynamoDB's limits (a sort key is at
# most 1,024 bytes; numbers have 38 digits and a magnitude of at most 1e125). docs/events-catalogue.md lists them.
MAX_ID_BYTES = 256  # UTF-8 bytes of an id: `N#O#{order_id}` and friends stay far below 1,024
MAX_TEXT_BYTES = 2048  # UTF-8 bytes of a name or a reason
MAX_MAGNITUDE = Decimal("1e15")  # amounts, ratings, scores
MAX_DECIMALS = 12  # digits after the decimal point
DEFAULT_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # no marketplace event before this is plausible
DEFAULT_FUTURE = timedelta(days=1)  # clock skew allowed for occurred_at and profile dates
DEADLINE_FUTURE = timedelta(days=400)  # an order's due_by may lie this far ahead


@dataclass(frozen=True)
class TimeWindow:
    """The instants an event may carry: `occurred_at` and profile dates in [earliest, latest], a deadline
    (`due_by`) in [earliest, latest_deadline]. Built by ingest from its clock; pure validation takes it as an
    argument."""

    earliest: datetime
    latest: datetime
    latest_deadline: datetime

    @classmethod
    def around(
        cls, now: datetime, earliest: datetime = DEFAULT_EARLIEST, future: timedelta = DEFAULT_FUTURE
    ) -> TimeWindow:
        return cls(earliest, now + future, now + DEADLINE_FUTURE)


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def parse_instant(value: str) -> datetime:
    """An RFC 3339 string with offset as an aware datetime (nanoseconds are cut to microseconds)."""
    if "." not in value and "t" not in value and "z" not in value and " " not in value:  # nothing to rewrite
        return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    text = value.replace("t", "T").replace("z", "Z").replace(" ", "T", 1)
    main, offset = (text[:-1], "+00:00") if text.endswith("Z") else (text[:-6], text[-6:])
    if "." in main:
        head, frac = main.split(".")
        main = f"{head}.{frac[:6].ljust(6, '0')}"
    return datetime.fromisoformat(main + offset)


_STRICT = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_UTC_PREFIXES: dict[str, str | None] = {}  # local hour (or minute) + offset -> its UTC "YYYY-MM-DDTHH" (or ":MM")


def utc_text(value: str) -> str:
    """An RFC 3339 string as a fixed-width UTC instant ("YYYY-MM-DDTHH:MM:SS.ffffffZ") that sorts as text.

    Fast for the stored spelling ("T", "Z" or "+hh:mm"): an offset moves the hour (a whole-hour offset) or the
    minute, never the seconds, so the UTC hour (or minute) is looked up per local one and the rest copied."""
    match = _STRICT.fullmatch(value)
    if match is None:
        return _utc_text(value)
    hour, minute, second, fraction, offset = match.groups()
    whole_hours = offset == "Z" or offset.endswith(":00")
    key = hour + offset if whole_hours else f"{hour}:{minute}{offset}"
    prefix = _UTC_PREFIXES.get(key)
    if prefix is None:
        if key in _UTC_PREFIXES:  # before year 1000: the slow path's own spelling
            return _utc_text(value)
        full = _utc_text(f"{hour}:00:00{offset}" if whole_hours else f"{hour}:{minute}:00{offset}")
        prefix = (full[:13] if whole_hours else full[:16]) if len(full) == 27 else None
        if len(_UTC_PREFIXES) < 1_000_000:
            _UTC_PREFIXES[key] = prefix
        if prefix is None:
            return _utc_text(value)
    micro = fraction[:6].ljust(6, "0") if fraction else "000000"
    return f"{prefix}:{minute}:{second}.{micro}Z" if whole_hours else f"{prefix}:{second}.{micro}Z"


def _utc_text(value: str) -> str:
    at = parse_instant(value).astimezone(UTC)
    if at.year >= 1000:  # isoformat and strftime agree from year 1000 on, and isoformat is several times faster
        return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return at.strftime(_UTC_FORMAT)


def _checked_instant(value: str) -> tuple[str, datetime]:
    """An RFC 3339 date-time with offset in its one stored spelling: "T" and "Z" upper case (RFC 3339 allows "t",
    "z" and a space; they mean the same instant, so they are the same event)."""
    if _NAIVE.match(value):
        raise ValueError("time without UTC offset (RFC 3339 needs Z or +hh:mm)")
    if not _RFC3339.match(value):
        raise ValueError("not an RFC 3339 date-time with offset, e.g. 2024-07-01T09:30:00+07:00")
    text = value[:10] + "T" + value[11:].upper()
    try:
        return text, parse_instant(text)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid date-time: {exc}") from None


def _in_window(at: datetime, info: ValidationInfo, deadline: bool = False) -> None:
    window = (info.context or {}).get("window")
    if window is None:
        return
    latest = window.latest_deadline if deadline else window.latest
    if not window.earliest <= at <= latest:
        raise ValueError(
            f"{at.isoformat()} is outside the accepted window {window.earliest.isoformat()} .. {latest.isoformat()}"
        )


def _instant(value: str, info: ValidationInfo) -> str:
    text, at = _checked_instant(value)
    _in_window(at, info)
    return text


def _deadline(value: str, info: ValidationInfo) -> str:
    text, at = _checked_instant(value)
    _in_window(at, info, deadline=True)
    return text


def _instant_or_date(value: str, info: ValidationInfo) -> str:
    if _DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"not a valid date: {exc}") from None
        _in_window(datetime.combine(day, time(12), UTC), info)
        return value
    return _instant(value, info)


def _utf8_at_most(limit: int) -> Any:
    """Keys are limited in bytes, not characters: 256 emoji are 1,024 bytes. (A lone surrogate never gets here:
    pydantic refuses it as not a valid string.)"""

    def check(value: str) -> str:
        size = len(value.encode("utf-8"))
        if size > limit:
            raise ValueError(f"is {size} bytes in UTF-8; at most {limit} are accepted")
        return value

    return check


def _number(value: Any) -> Decimal:
    """A JSON number (int, float or the Decimal DynamoDB gives back) as a Decimal; strings and booleans refused."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    if abs(number) > MAX_MAGNITUDE:
        raise ValueError("must be between -1e15 and 1e15")
    number = number.normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        if abs(number) < Decimal(1).scaleb(-MAX_DECIMALS):
            raise ValueError(f"is too small: the smallest non-zero magnitude is 1e-{MAX_DECIMALS}")
        raise ValueError(f"has more than {MAX_DECIMALS} digits after the decimal point")
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def _integer(value: Any) -> int:
    number = _number(value)
    if number != number.to_integral_value():
        raise ValueError("must be an integer")
    return int(number)


def _score_value(value: Any) -> Decimal | str:
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("must not be empty")
        return value
    try:
        return _number(value)
    except ValueError:
        raise ValueError("must be a number or a string") from None


Id = Annotated[
    str, Field(strict=True, min_length=1, max_length=MAX_ID_BYTES), AfterValidator(_utf8_at_most(MAX_ID_BYTES))
]
Text = Annotated[
    str, Field(strict=True, min_length=1, max_length=MAX_TEXT_BYTES), AfterValidator(_utf8_at_most(MAX_TEXT_BYTES))
]
Instant = Annotated[
    str,
    Field(strict=True),
    AfterValidator(_instant),
    WithJsonSchema({"type": "string", "format": "date-time", "description": "RFC 3339 with offset"}),
]
Deadline = Annotated[
    str,
    Field(strict=True),
    AfterValidator(_deadline),
    WithJsonSchema({"type": "string", "format": "date-time", "description": "RFC 3339 with offset"}),
]
InstantOrDate = Annotated[
    str,
    Field(strict=True),
    AfterValidator(_instant_or_date),
    WithJsonSchema({"type": "string", "description": "RFC 3339 date-time with offset, or a date YYYY-MM-DD"}),
]
Number = Annotated[Decimal, BeforeValidator(_number), WithJsonSchema({"type": "number"})]
ScoreValue = Annotated[
    Decimal | str, BeforeValidator(_score_value), WithJsonSchema({"type": ["number", "string"], "minLength": 1})
]
Scale = Annotated[Literal[5, 10], BeforeValidator(_integer), WithJsonSchema({"enum": [5, 10]})]

CAUSES = ("partner", "customer", "platform", "force_majeure")
FLAGS = ("fraud", "counterfeit")

# Booking.com's external pricing levels (`score.reported` with metric `price_competitiveness`): a closed vocabulary,
# matched case-insensitively with spaces and dashes as underscores, and stored in this normalised form.
PRICE_LEVELS = ("competitive", "slightly_uncompetitive", "uncompetitive")
PRICE_LEVEL_ALIASES = {"not_competitive": "uncompetitive"}


def price_level(value: str) -> str:
    """A reported pricing level in its stored form; ValueError naming the vocabulary if it is not one."""
    key = re.sub(r"[\s\-]+", "_", value.strip().casefold())
    key = PRICE_LEVEL_ALIASES.get(key, key)
    if key not in PRICE_LEVELS:
        raise ValueError(f"price_competitiveness {value!r} is not one of: {', '.join(PRICE_LEVELS)}")
    return key


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartnerProfileData(_Data):
    name: Text
    email: Annotated[str, Field(strict=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    locale: Annotated[str, Field(strict=True, pattern=r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")]
    programs: list[Id]
    region: Text | None = None
    category: Text | None = None
    self_managed: StrictBool | None = None
    store_opened_at: InstantOrDate | None = None
    # Tiki's store lifetime counts from the later of the opening and the first sale; without it, Standing uses the
    # earliest successful order it has seen.
    first_sale_at: InstantOrDate | None = None


PROFILE_FIELDS: tuple[str, ...] = tuple(PartnerProfileData.model_fields)


class OrderPlacedData(_Data):
    order_id: Id
    buyer_id: Id
    due_by: Deadline
    amount: Annotated[Number, Field(ge=0)] | None = None
    currency: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{3}$")] | None = None


class OrderRefData(_Data):
    order_id: Id


class OrderCancelledData(_Data):
    order_id: Id
    cause: Literal["partner", "customer", "platform", "force_majeure"]


class RideIncidentData(_Data):
    order_id: Id
    kind: Id


class MessageReceivedData(_Data):
    thread_id: Id
    message_id: Id


class MessageRepliedData(_Data):
    thread_id: Id
    message_id: Id
    in_reply_to: Id


class ReviewSubmittedData(_Data):
    review_id: Id
    scale: Scale
    rating: Number
    order_id: Id | None = None

    @field_validator("rating")
    @classmethod
    def _within_scale(cls, rating: Decimal, info: ValidationInfo) -> Decimal:
        scale = info.data.get("scale")
        if scale is not None and not Decimal(1) <= rating <= Decimal(scale):
            raise ValueError(f"rating {rating} is outside its scale 1..{scale}")
        return rating


class RiskFlagData(_Data):
    flag: Literal["fraud", "counterfeit"]
    case_id: Id


class ScoreReportedData(_Data):
    metric: Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    value: ScoreValue

    @field_validator("value")
    @classmethod
    def _known_scores(cls, value: Decimal | str, info: ValidationInfo) -> Decimal | str:
        metric = info.data.get("metric")
        if metric == "performance_score":
            if not isinstance(value, Decimal):
                raise ValueError("performance_score must be a number")
            if not Decimal(0) <= value <= Decimal(100):
                raise ValueError(f"performance_score {value} is outside 0..100")
        elif metric == "price_competitiveness":
            if not isinstance(value, str):
                raise ValueError(f"price_competitiveness must be one of: {', '.join(PRICE_LEVELS)}")
            return price_level(value)
        return value


class ProgramMembershipData(_Data):
    program_id: Id


class EventVoidedData(_Data):
    voided_event_id: Id
    reason: Text


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: Id
    partner_id: Id
    occurred_at: Instant


def _envelope(type_name: str, data_model: type[_Data]) -> type[_Envelope]:
    class_name = "".join(part.capitalize() for part in re.split(r"[._]", type_name)) + "Event"
    model = type(
        class_name,
        (_Envelope,),
        {
            "__annotations__": {"type": Literal[type_name], "data": data_model},  # type: ignore[valid-type]
            "__module__": __name__,
            "__doc__": f"The `{type_name}` event.",
        },
    )
    return model


DATA_MODELS: dict[str, type[_Data]] = {
    "partner.profile": PartnerProfileData,
    "order.placed": OrderPlacedData,
    "order.confirmed": OrderRefData,
    "order.fulfilled": OrderRefData,
    "order.completed": OrderRefData,
    "order.cancelled": OrderCancelledData,
    "order.declined": OrderRefData,
    "ride.incident": RideIncidentData,
    "ride.driver_event": OrderRefData,
    "message.received": MessageReceivedData,
    "message.replied": MessageRepliedData,
    "review.submitted": ReviewSubmittedData,
    "risk.flag_raised": RiskFlagData,
    "risk.flag_cleared": RiskFlagData,
    "score.reported": ScoreReportedData,
    "program.opted_in": ProgramMembershipData,
    "program.opted_out": ProgramMembershipData,
    "event.voided": EventVoidedData,
}

EVENT_MODELS: dict[str, type[_Envelope]] = {name: _envelope(name, model) for name, model in DATA_MODELS.items()}
EVENT_TYPES: tuple[str, ...] = tuple(EVENT_MODELS)


@dataclass(frozen=True)
class ValidEvent:
    """An accepted envelope: its normalised form (the stored content) and the digest that identifies it (computed
    when first asked for: the backtest needs it only for an id it has seen before)."""

    index: int
    event_id: str
    type: str
    partner_id: str
    occurred_at: str  # as sent
    data: dict[str, Any]  # validated, optional fields left out, numbers as Decimal

    @functools.cached_property
    def digest(self) -> str:
        return digest(self.envelope())

    def envelope(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "type": self.type,
            "partner_id": self.partner_id,
            "occurred_at": self.occurred_at,
            "data": self.data,
        }


@dataclass(frozen=True)
class Rejection:
    """Why one event of a batch was refused."""

    index: int
    event_id: str | None
    error: str  # invalid_event | unknown_type | conflict
    message: str
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "event_id": self.event_id,
            "error": self.error,
            "message": self.message,
            "field": self.field,
        }


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def digest(envelope: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a normalised envelope: equal content, equal digest."""
    text = json.dumps(_canonical(envelope), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) if loc else "data"


def _reason(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


# ---------------------------------------------------------------------------------------------------- fast path
# The models above decide; this path only vouches for the plain, common spelling of each event (ids and texts
# within their bounds, the stored instant spelling, JSON numbers) and hands anything else to them. It accepts
# nothing the models refuse and stores exactly what they store (tests/ingest/test_models_fast.py checks both on
# generated and mutated events); it is several times faster, which the backtest and ingest both feel.


class _Unsure(Exception):
    """The fast path cannot vouch for a value: the models decide (and word the error)."""


_PLAIN_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PLAIN_EMAIL = re.compile(r"[!-?A-~]+@[!-?A-~]+\.[!-?A-~]+")  # printable ASCII but "@" and space, as the pattern
_PLAIN_LOCALE = re.compile(r"[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*")
_PLAIN_CURRENCY = re.compile(r"[A-Z]{3}")
_PLAIN_METRIC = re.compile(r"[a-z][a-z0-9_]{0,63}")

_Check = Any  # (value, window) -> the stored value, or _Unsure


def _plain_text(limit: int) -> _Check:
    def check(value: Any, window: TimeWindow | None) -> str:
        if type(value) is not str or not value or len(value) > limit:
            raise _Unsure
        if not value.isascii():
            try:
                size = len(value.encode("utf-8"))
            except UnicodeEncodeError:  # a lone surrogate
                raise _Unsure from None
            if size > limit:
                raise _Unsure
        return value

    return check


def _plain_instant(deadline: bool = False) -> _Check:
    def check(value: Any, window: TimeWindow | None) -> str:
        if type(value) is not str or _PLAIN_INSTANT.fullmatch(value) is None:
            raise _Unsure
        try:
            at = parse_instant(value)
        except (ValueError, OverflowError):
            raise _Unsure from None
        if window is not None and not window.earliest <= at <= (window.latest_deadline if deadline else window.latest):
            raise _Unsure
        return value

    return check


def _plain_instant_or_date(value: Any, window: TimeWindow | None) -> str:
    if type(value) is str and _PLAIN_DATE.fullmatch(value) is not None:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise _Unsure from None
        if window is not None and not window.earliest <= datetime.combine(day, time(12), UTC) <= window.latest:
            raise _Unsure
        return value
    return _INSTANT(value, window)


def _plain_pattern(pattern: re.Pattern[str], limit: int) -> _Check:
    def check(value: Any, window: TimeWindow | None) -> str:
        if type(value) is not str or len(value) > limit or pattern.fullmatch(value) is None:
            raise _Unsure
        return value

    return check


def _plain_number(value: Any, window: TimeWindow | None) -> Decimal:
    try:
        return _number(value)
    except ValueError:
        raise _Unsure from None


def _plain_amount(value: Any, window: TimeWindow | None) -> Decimal:
    number = _plain_number(value, window)
    if number < 0:
        raise _Unsure
    return number


def _plain_scale(value: Any, window: TimeWindow | None) -> int:
    try:
        scale = _integer(value)
    except ValueError:
        raise _Unsure from None
    if scale not in (5, 10):
        raise _Unsure
    return scale


def _plain_choice(*allowed: str) -> _Check:
    def check(value: Any, window: TimeWindow | None) -> str:
        if type(value) is not str or value not in allowed:
            raise _Unsure
        return value

    return check


def _plain_bool(value: Any, window: TimeWindow | None) -> bool:
    if type(value) is not bool:
        raise _Unsure
    return value


def _plain_ids(value: Any, window: TimeWindow | None) -> list[str]:
    if type(value) is not list:
        raise _Unsure
    return [_ID(v, window) for v in value]


def _plain_score(value: Any, window: TimeWindow | None) -> Decimal | str:
    if type(value) is str:
        if not value.strip():
            raise _Unsure
        return value
    return _plain_number(value, window)


_ID, _TEXT, _INSTANT = _plain_text(MAX_ID_BYTES), _plain_text(MAX_TEXT_BYTES), _plain_instant()

# (field, check, required) in each model's field order (its dump's order); an optional field given as null is left
# out, as `model_dump(exclude_none=True)` does.
_PLAIN: dict[str, tuple[tuple[str, _Check, bool], ...]] = {
    "partner.profile": (
        ("name", _TEXT, True),
        ("email", _plain_pattern(_PLAIN_EMAIL, 320), True),
        ("locale", _plain_pattern(_PLAIN_LOCALE, 10**6), True),
        ("programs", _plain_ids, True),
        ("region", _TEXT, False),
        ("category", _TEXT, False),
        ("self_managed", _plain_bool, False),
        ("store_opened_at", _plain_instant_or_date, False),
        ("first_sale_at", _plain_instant_or_date, False),
    ),
    "order.placed": (
        ("order_id", _ID, True),
        ("buyer_id", _ID, True),
        ("due_by", _plain_instant(deadline=True), True),
        ("amount", _plain_amount, False),
        ("currency", _plain_pattern(_PLAIN_CURRENCY, 3), False),
    ),
    "order.confirmed": (("order_id", _ID, True),),
    "order.fulfilled": (("order_id", _ID, True),),
    "order.completed": (("order_id", _ID, True),),
    "order.cancelled": (("order_id", _ID, True), ("cause", _plain_choice(*CAUSES), True)),
    "order.declined": (("order_id", _ID, True),),
    "ride.incident": (("order_id", _ID, True), ("kind", _ID, True)),
    "ride.driver_event": (("order_id", _ID, True),),
    "message.received": (("thread_id", _ID, True), ("message_id", _ID, True)),
    "message.replied": (("thread_id", _ID, True), ("message_id", _ID, True), ("in_reply_to", _ID, True)),
    "review.submitted": (
        ("review_id", _ID, True),
        ("scale", _plain_scale, True),
        ("rating", _plain_number, True),
        ("order_id", _ID, False),
    ),
    "risk.flag_raised": (("flag", _plain_choice(*FLAGS), True), ("case_id", _ID, True)),
    "risk.flag_cleared": (("flag", _plain_choice(*FLAGS), True), ("case_id", _ID, True)),
    "score.reported": (("metric", _plain_pattern(_PLAIN_METRIC, 64), True), ("value", _plain_score, True)),
    "program.opted_in": (("program_id", _ID, True),),
    "program.opted_out": (("program_id", _ID, True),),
    "event.voided": (("voided_event_id", _ID, True), ("reason", _TEXT, True)),
}
_ENVELOPE_KEYS = frozenset({"event_id", "type", "partner_id", "occurred_at", "data"})


def _plain_event(index: int, raw: dict[str, Any], window: TimeWindow | None) -> ValidEvent | None:
    """The event as the models would accept it, or None when the fast path cannot vouch for it."""
    type_name = raw.get("type")
    spec = _PLAIN.get(type_name) if type(type_name) is str else None
    raw_data = raw.get("data")
    if spec is None or raw.keys() != _ENVELOPE_KEYS or type(raw_data) is not dict:
        return None
    try:
        event_id = _ID(raw["event_id"], window)
        partner_id = _ID(raw["partner_id"], window)
        occurred_at = _INSTANT(raw["occurred_at"], window)
        data: dict[str, Any] = {}
        for name, check, required in spec:
            value = raw_data.get(name)
            if value is None:
                if required:
                    return None
                continue
            data[name] = check(value, window)
    except _Unsure:
        return None
    if len(raw_data) != len(data) and any(k not in {n for n, _, _ in spec} for k in raw_data):
        return None  # a field the model does not have
    if type_name == "review.submitted" and not Decimal(1) <= data["rating"] <= Decimal(data["scale"]):
        return None
    if type_name == "score.reported":
        metric, value = data["metric"], data["value"]
        if metric == "performance_score" and not (isinstance(value, Decimal) and Decimal(0) <= value <= Decimal(100)):
            return None
        if metric == "price_competitiveness":
            if not isinstance(value, str):
                return None
            try:
                data["value"] = price_level(value)
            except ValueError:
                return None
    return ValidEvent(index, event_id, str(type_name), partner_id, occurred_at, data)


def validate_event(index: int, raw: Any, window: TimeWindow | None = None) -> ValidEvent | Rejection:
    """Validate one raw envelope; never raises. `window` bounds the instants it may carry (ingest always gives
    one; without it only their form is checked)."""
    if not isinstance(raw, dict):
        return Rejection(index, None, INVALID_EVENT, "event: must be a JSON object", "event")
    raw_id = raw.get("event_id")
    event_id = raw_id if isinstance(raw_id, str) and raw_id else None
    type_name = raw.get("type")
    if "type" not in raw:
        return Rejection(index, event_id, INVALID_EVENT, "type: Field required", "type")
    if not isinstance(type_name, str):
        return Rejection(index, event_id, INVALID_EVENT, "type: Input should be a valid string", "type")
    model = EVENT_MODELS.get(type_name)
    if model is None:
        return Rejection(index, event_id, UNKNOWN_TYPE, f"type: unknown event type {type_name[:100]!r}", "type")
    plain = _plain_event(index, raw, window)
    if plain is not None:
        return plain
    return _model_event(index, raw, model, event_id, window)


def _model_event(
    index: int, raw: dict[str, Any], model: type[_Envelope], event_id: str | None, window: TimeWindow | None
) -> ValidEvent | Rejection:
    """The models' verdict (the fast path's reference)."""
    type_name = str(raw["type"])
    try:
        event = model.model_validate(raw, context={"window": window})
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        first = errors[0]
        field = _field(tuple(first.get("loc", ())))
        message = "; ".join(f"{_field(tuple(e.get('loc', ())))}: {_reason(e)}" for e in errors[:5])
        return Rejection(index, event_id, INVALID_EVENT, message, field)
    data = event.data.model_dump(mode="python", exclude_none=True)  # type: ignore[attr-defined]
    return ValidEvent(
        index=index,
        event_id=event.event_id,
        type=type_name,
        partner_id=event.partner_id,
        occurred_at=event.occurred_at,
        data=data,
    )
