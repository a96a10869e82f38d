"""The contracts at Standing's seams, typed: the evaluation record (DESIGN section 5, docs/records.md), the current
standing, and the detail of every event Standing puts on its bus (docs/bus-events.md).

Every writer builds these through the models (`build(...)`, or a model instance and `dump(...)`), so a field that
drifts from the contract fails where it is built, in the tests, not in a consumer. `standing schemas` writes the
JSON Schema of each outgoing detail (and of the record) into docs/schemas/; `make test` fails when they are stale.

One shape for the program everywhere: `program` is the program id and `program_name` its display name, in every
detail that names a program. Every detail carries its stable `id` (the same on every delivery of one event).

Models forbid unknown fields (`extra="forbid"`) and take values as they are (strict scalars: an int stays an int, a
bool is never read as 1), so `dump(model_validate(d)) == d` for a valid `d`: validating changes nothing it passes.
Fields the engine writes only sometimes (a record's `membership`, a metric's `reason` and `window_days`) are left
out of the output when they were left out of the input (`exclude_unset`).

Pure: pydantic only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _aware_instant(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return text


Date = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"})]
Instant = Annotated[str, AfterValidator(_aware_instant), Field(json_schema_extra={"format": "date-time"})]
Number = StrictInt | StrictFloat
Scalar = StrictBool | StrictInt | StrictFloat | StrictStr

Status = Literal["awarded", "not_awarded", "ineligible", "suspended", "opted_out"]
StandingReason = Literal["evaluation", "opted_in", "opted_out", "risk_flag", "risk_flag_cleared"]
Outcome = Literal["pass", "fail", "not_applicable"]
Op = Literal[">=", ">", "<=", "<", "=="]
HeadroomKind = Literal["needed", "allowed", "margin", "until_applicable", "change", "none"]


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    def dump(self) -> dict[str, Any]:
        """The JSON-ready dict: what is stored, returned and published."""
        return self.model_dump(mode="json", exclude_unset=True)


M = TypeVar("M", bound=Contract)


def build(model: type[M], data: Any) -> dict[str, Any]:
    """`data` validated by `model` (pydantic.ValidationError names every field that breaks the contract), dumped."""
    return model.model_validate(data).dump()


# ---------------------------------------------------------------------------------------------------- the record


class Period(Contract):
    start: Date = Field(description="first day, inclusive (the program's time zone)")
    end: Date = Field(description="last day, inclusive")


class MetricResult(Contract):
    """One metric of a record (docs/records.md, "A metric's result")."""

    value: Scalar | None = Field(description="a ratio, mean, count, category or flag; null when nothing was measured")
    numerator: Number | None = Field(description="the counts behind a ratio or mean; null for scores and flags")
    denominator: Number | None
    threshold: Scalar = Field(description="the bar in force for this partner's segment and region")
    op: Op
    outcome: Outcome
    headroom: str = Field(description='the distance to the bar in English, e.g. "3 more orders needed"')
    headroom_amount: Number | None = Field(description="the number in `headroom`")
    headroom_unit: str | None = Field(description="what `headroom_amount` counts, as `{metric}.{role}`")
    headroom_kind: HeadroomKind
    reason: str | None = Field(None, description="why the value is what it is when not a plain measurement")
    title: str = Field(description="the program's English title of the metric")
    window_days: StrictInt | None = Field(None, description="the metric's own rolling window, when not the period")


class Membership(Contract):
    state: Literal["never_joined", "opted_in", "opted_out"]
    changed_on: Date | None = Field(description="local date of the last change (null: never joined)")


class EvaluationRecord(Contract):
    """One partner in one program for one period (DESIGN section 5, docs/records.md): written once, never changed."""

    program: str = Field(description="program id")
    partner_id: str
    period: Period
    evaluated_at: Instant
    rules_version: str = Field(description="the program version in force at `evaluated_at`")
    segment: str | None = Field(description="the threshold column used; null when the program has none")
    segment_reason: str | None
    region: str | None
    status: Status
    reason: str | None = Field(description="one sentence on why the status is what it is")
    metrics: dict[str, MetricResult] = Field(description="every metric of the version, passing or not")
    failing: list[str] = Field(description="the metric ids whose outcome is `fail`")
    consequences: list[str] = Field(description="e.g. ranking_demotion, delisting_warning")
    benefits: dict[str, Scalar] = Field(description="while awarded, e.g. {commission_uplift_pct: 3}; {} otherwise")
    valid_until: Date | None = Field(description="last day the badge holds when awarded; null otherwise")
    membership: Membership | None = Field(None, description="opt-in programs only: the membership as of evaluation")


class Projection(EvaluationRecord):
    """The daily projection: a record judged on the current period so far."""

    data_as_of: Instant = Field(description="when these figures were computed (rewritten only when they change)")
    days_left: StrictInt = Field(ge=0, description="days left in the period, today included")


# ---------------------------------------------------------------------------------------------------- the standing


class Standing(Contract):
    """A partner's current standing in one program (the STANDING# item): the record it follows, or the change
    (an opt-in or opt-out, a risk flag) that moved it since."""

    program: str
    partner_id: str
    status: Status
    evaluated_status: Status | None = Field(None, description="the status of the record this standing follows")
    valid_until: Date | None
    consequences: list[str]
    benefits: dict[str, Scalar]
    failing: list[str] = Field(default_factory=list)
    period: Period | None = Field(description="the period of the record it follows (null: none yet)")
    evaluated_at: Instant | None
    rules_version: str | None = None
    reason: StandingReason
    changed_at: Instant | None = Field(None, description="when a change between evaluations took effect")
    suspended_by: list[str] = Field(default_factory=list, description="the open flags that suspend the title")
    version: StrictInt | None = Field(None, description="optimistic concurrency: set by the store on every write")


class ProgramStanding(Contract):
    """Where a partner stands in one program, as `GET /partners/{partner_id}/standing` shows it."""

    program: str = Field(description="program id")
    name: str
    membership: Membership | Literal["automatic"] = Field(description="automatic, or for opt-in programs the state")
    status: Status | Literal["not_evaluated"] = Field(description="not_evaluated before the first evaluation")
    valid_until: Date | None
    consequences: list[str]
    benefits: dict[str, Scalar]
    reason: StandingReason | None
    open_flags: list[str] = Field(description="open risk flags the program suspends on")
    last_evaluation: EvaluationRecord | None
    projection: Projection | None = Field(description="the current period so far, refreshed daily")
    next_evaluation: Instant


# ---------------------------------------------------------------------------------------------------- bus events


class PartnerSummary(Contract):
    """What notify needs to address a partner (never more personal data than that)."""

    name: str | None
    email: str | None
    locale: str | None


class Detail(Contract):
    """The detail of one outgoing bus event (source `standing`)."""

    DETAIL_TYPE: ClassVar[str]
    id: str = Field(description="stable: the same on every delivery of one event; consumers drop repeats")


class PartnerEvaluated(Detail):
    """One per evaluation record of a scheduled run; notify emails the report from it."""

    DETAIL_TYPE: ClassVar[str] = "Partner Evaluated"
    program: str = Field(description="program id")
    program_name: str
    partner_id: str
    partner: PartnerSummary
    record: EvaluationRecord
    next_evaluation: Date = Field(description="the program's next scheduled evaluation, its local date")


class StandingChanged(Detail):
    """Status, consequences or benefits moved: at an evaluation, an opt-in or opt-out, a risk flag."""

    DETAIL_TYPE: ClassVar[str] = "Standing Changed"
    program: str = Field(description="program id")
    program_name: str
    partner_id: str
    previous_status: Status | None = Field(description="null: the first standing in this program")
    status: Status
    previous_consequences: list[str]
    consequences: list[str]
    benefits: dict[str, Scalar]
    valid_until: Date | None
    reason: StandingReason


class PartnerAtRisk(Detail):
    """From the daily projection: metrics failing or within the margin mid-period (once per metric per period)."""

    DETAIL_TYPE: ClassVar[str] = "Partner At Risk"
    program: str = Field(description="program id")
    program_name: str
    partner_id: str
    partner: PartnerSummary
    period: Period
    data_as_of: Instant
    days_left: StrictInt = Field(ge=0)
    warning_id: str
    metrics: dict[str, MetricResult] = Field(description="the metrics warned about, as in a record")
    at_risk: list[str]


class MembershipChanged(Detail):
    """An opt-in (granted or refused, with the failing metrics) or an opt-out; notify confirms it."""

    DETAIL_TYPE: ClassVar[str] = "Membership Changed"
    program: str = Field(description="program id")
    program_name: str
    partner_id: str
    partner: PartnerSummary
    action: Literal["opt_in", "opt_out"]
    granted: StrictBool
    status: Status
    failing: list[str]
    evaluation: EvaluationRecord | None = Field(description="the opt-in check (null for an opt-out)")
    membership_id: str


class EvaluationRunCompleted(Detail):
    """Once per run, when every batch is done."""

    DETAIL_TYPE: ClassVar[str] = "Evaluation Run Completed"
    run_id: str
    mode: Literal["evaluation", "projection"]
    program: str = Field(description="program id")
    program_name: str
    period: Period
    evaluated_at: Instant
    partners: StrictInt = Field(ge=0, description="partners judged (errors excluded)")
    batches: StrictInt = Field(ge=0)
    by_status: dict[str, StrictInt]
    errors: StrictInt = Field(ge=0, description="partners whose evaluation raised (kept under the run)")


DETAILS: dict[str, type[Detail]] = {
    model.DETAIL_TYPE: model
    for model in (PartnerEvaluated, StandingChanged, PartnerAtRisk, MembershipChanged, EvaluationRunCompleted)
}


def violation(detail_type: str, detail: Any) -> str | None:
    """What in an outgoing detail breaks its contract (pydantic's message, naming every field), or None."""
    model = DETAILS.get(detail_type)
    if model is None:
        return f"{detail_type!r} is not an event Standing publishes (standing.contracts.DETAILS)"
    try:
        model.model_validate(detail)
    except ValidationError as error:
        return str(error)
    return None


def slug(name: str) -> str:
    """A detail type as a file name: "Partner At Risk" -> "partner-at-risk"."""
    return "-".join(name.lower().split())


def json_schemas() -> dict[str, dict[str, Any]]:
    """File stem -> JSON Schema: every outgoing detail, and the evaluation record."""
    models: dict[str, type[Contract]] = {slug(name): model for name, model in DETAILS.items()}
    models["evaluation-record"] = EvaluationRecord
    out = {}
    for stem, model in models.items():
        schema = model.model_json_schema()
        detail_type = getattr(model, "DETAIL_TYPE", None)
        if detail_type:
            own = schema.get("description", "")
            schema["description"] = f"The detail of `{detail_type}` (source `standing`). {own}"
        out[stem] = {"$schema": SCHEMA_DRAFT, "$id": f"{stem}.json", **schema}
    return out
