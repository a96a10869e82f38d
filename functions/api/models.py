"""The API's response bodies as pydantic models: they type docs/openapi.json and validate what the handlers return.

A record and a projection are the contracts' own models (standing.contracts: the one definition the engine, the
bus and the API share); docs/records.md describes every field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from standing.contracts import EvaluationRecord, Projection


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    """Every error the API returns."""

    error: str = Field(description="machine-readable code, e.g. unknown_partner, invalid_request, criteria_not_met")
    message: str = Field(description="what went wrong, for a person")
    details: list[Any] = Field(description="per-field reasons, failing metrics, or the ids involved")


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
    projection: Projection | None = Field(description="the current period so far, refreshed daily")
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
