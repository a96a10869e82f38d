"""The API's response bodies as pydantic models: they type docs/openapi.json and validate what the handlers return.

Records keep any field a newer engine adds (`extra="allow"`); docs/records.md describes every field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["awarded", "not_awarded", "ineligible", "suspended", "opted_out"]


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    """Every error the API returns."""

    error: str = Field(description="machine-readable code, e.g. unknown_partner, invalid_request, criteria_not_met")
    message: str = Field(description="what went wrong, for a person")
    details: list[Any] = Field(description="per-field reasons, failing metrics, or the ids involved")


class Period(BaseModel):
    start: str = Field(description="first day, inclusive (YYYY-MM-DD, the program's time zone)")
    end: str = Field(description="last day, inclusive")


class MetricResult(Open):
    value: Any = Field(None, description="the measured value (number, category or flag); null when not measured")
    numerator: Any = None
    denominator: Any = None
    threshold: Any = Field(None, description="the bar in force for this partner's segment and region")
    op: str | None = Field(None, description=">=, <=, <, >, == against the threshold")
    outcome: Literal["pass", "fail", "not_applicable"]
    headroom: str | None = Field(None, description='e.g. "3 more orders", "1 more cancellation allowed"')


class EvaluationRecord(Open):
    """One partner in one program for one period (docs/records.md). A projection has the same shape, judged on the
    current period so far, plus `data_as_of` and `days_left`."""

    program: str
    partner_id: str
    period: Period
    evaluated_at: str
    rules_version: str | None = None
    segment: str | None = None
    region: str | None = None
    status: Status
    metrics: dict[str, MetricResult]
    failing: list[str]
    consequences: list[str] = Field(default_factory=list)
    valid_until: str | None = None
    membership: Any = Field(None, description="opt-in programs: never_joined / opted_in / opted_out and when")


class ProgramStanding(Open):
    program: str
    name: str
    membership: Any = Field(description="automatic, or for opt-in programs {state, changed_on}")
    status: str = Field(description="a record status, or not_evaluated before the first evaluation")
    valid_until: str | None = None
    consequences: list[str]
    benefits: Any = Field(description="e.g. {commission_uplift_pct: 3} while awarded")
    reason: str | None = None
    open_flags: list[str]
    last_evaluation: EvaluationRecord | None
    projection: EvaluationRecord | None = Field(description="the current period so far, refreshed daily")
    next_evaluation: str


class EmailSuppression(BaseModel):
    reason: Literal["bounce", "complaint"]
    at: str = Field(description="when SES reported it (UTC, RFC 3339)")


class PartnerStanding(BaseModel):
    partner_id: str
    name: str | None
    email_suppressed: EmailSuppression | None = Field(
        None, description="the partner's address bounced for good or complained: no mail goes to it until it changes"
    )
    programs: dict[str, ProgramStanding]


class HistoryEntry(BaseModel):
    at: str = Field(description="when the change took effect (UTC, RFC 3339)")
    program: str
    kind: Literal["membership", "standing"]
    by: str = Field(description="who: the IAM caller of an API call, `partner page:ID`, `event:ID`, or the run")
    before: str | None = Field(description="membership or status before (null: none yet)")
    after: str = Field(description="membership or status after")
    why: str | None = Field(description="e.g. opted_out, opt_in_refused, evaluation, risk_flag")


class PartnerHistory(BaseModel):
    partner_id: str
    program: str | None
    items: list[HistoryEntry] = Field(description="newest first")


class EvaluationPage(BaseModel):
    partner_id: str
    program: str | None
    count: int
    items: list[EvaluationRecord] = Field(description="newest first within a program")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class ProgramMetric(Open):
    id: str
    title: str
    op: str
    threshold: dict[str, Any] = Field(description="per segment (`all` when the program has none)")
    advice: str
    group: str | None = Field(None, description="how the program's own page groups its metrics")


class ProgramSummary(Open):
    id: str
    name: str
    description: str | None = None
    time_zone: str
    schedule: dict[str, Any]
    window: Any
    membership: str
    segments: list[str] | None
    rules_version: str
    versions: list[dict[str, Any]]
    metrics: list[ProgramMetric]


class ProgramList(BaseModel):
    programs: list[ProgramSummary]


class MembershipChange(BaseModel):
    program: str
    partner_id: str
    action: Literal["opt_in", "opt_out"]
    granted: bool
    status: str
    failing: list[str]
    evaluation: EvaluationRecord | None = Field(description="the opt-in judgement (null for an opt-out)")
