"""HTTP API (IAM auth): programs, partner standing and evaluations, membership changes; the partner's page and the
operator console (portal.py, HTML).

POST /events is served by the ingest function; the OpenAPI document in docs/openapi.json covers both.
"""

import base64
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from standing.adapters import standing_store
from standing.catalog import UnknownProgram
from standing.evaluate import changes, views
from standing.evaluate.wiring import standing_changes, standing_views

if __package__:  # tests and the local run import functions.api.app; Lambda loads this file as the module `app`
    from .models import (
        ErrorBody,
        EvaluationPage,
        MembershipChange,
        PartnerHistory,
        PartnerStanding,
        ProgramList,
        ProgramSummary,
    )
    from .portal import router as portal_router
    from .simulations import router as simulations_router
    from .unsubscribe import router as unsubscribe_router
else:
    from models import (  # type: ignore[import-not-found,no-redef]
        ErrorBody,
        EvaluationPage,
        MembershipChange,
        PartnerHistory,
        PartnerStanding,
        ProgramList,
        ProgramSummary,
    )
    from portal import router as portal_router  # type: ignore[import-not-found,no-redef]
    from simulations import router as simulations_router  # type: ignore[import-not-found,no-redef]
    from unsubscribe import router as unsubscribe_router  # type: ignore[import-not-found,no-redef]

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver(enable_validation=True)
app.include_router(unsubscribe_router)
app.include_router(portal_router)
app.include_router(simulations_router)


class MembershipRequest(BaseModel):
    action: Literal["opt_in", "opt_out"] = Field(
        description="opt_in: join if the criteria are met now; opt_out: leave at once"
    )


def _error(status: int, code: str, message: str, details: list[Any] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": code, "message": message, "details": details or []},
    )


@app.exception_handler(RequestValidationError)
def _invalid_request(error: RequestValidationError) -> Response:
    details = [
        {"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "body", "reason": e.get("msg", "invalid")}
        for e in error.errors()
    ]
    if any(e.get("type") == "json_invalid" for e in error.errors()):
        return _error(400, "invalid_json", "the request body is not valid JSON", details)
    return _error(422, "invalid_request", "the request does not match the API", details)


@app.exception_handler(UnknownProgram)
def _unknown_program(error: UnknownProgram) -> Response:
    return _error(404, "unknown_program", str(error), [{"program_id": error.program_id}])


@app.exception_handler(views.UnknownPartner)
def _unknown_partner(error: views.UnknownPartner) -> Response:
    return _error(404, "unknown_partner", str(error))


@app.exception_handler(changes.NotEnrolled)
def _not_enrolled(error: changes.NotEnrolled) -> Response:
    return _error(404, "not_enrolled", str(error))


@app.exception_handler(changes.NotOptIn)
def _not_opt_in(error: changes.NotOptIn) -> Response:
    return _error(409, "membership_not_changeable", str(error))


@app.not_found
def _no_route(_: Exception) -> Response:
    return _error(404, "not_found", f"no route {app.current_event.http_method} {app.current_event.path}")


def _errors(*statuses: int, **descriptions: str) -> Any:
    """OpenAPI responses for error statuses, all with the one error body."""
    texts = {
        400: "the body is not JSON",
        404: "not found",
        409: "conflict",
        422: "a parameter or the body does not match the API",
    }
    return {
        status: {
            "description": descriptions.get(f"e{status}", texts[status]),
            "content": {"application/json": {"model": ErrorBody}},
        }
        for status in statuses
    }


def _ok(model: type[BaseModel], description: str) -> Any:
    return {200: {"description": description, "content": {"application/json": {"model": model}}}}


def _cursor(sort_key: str | None) -> str | None:
    return base64.urlsafe_b64encode(sort_key.encode("utf-8")).decode("ascii").rstrip("=") if sort_key else None


def _after(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise InvalidCursor(cursor) from None


class InvalidCursor(ValueError):
    """A `cursor` this API did not hand out (or one from another listing)."""


@app.exception_handler(InvalidCursor)
def _invalid_cursor(error: InvalidCursor) -> Response:
    return _error(422, "invalid_request", "cursor: not a cursor from this listing", [{"field": "cursor"}])


@app.get(
    "/programs",
    summary="List the programs this deployment runs",
    operation_id="listPrograms",
    tags=["programs"],
    responses={**_ok(ProgramList, "every program"), **_errors(422)},
)
def list_programs() -> ProgramList:
    return ProgramList.model_validate({"programs": standing_views().list_programs()})


@app.get(
    "/programs/<program_id>",
    summary="One program: schedule, window, metrics and thresholds",
    operation_id="getProgram",
    tags=["programs"],
    responses={
        **_ok(ProgramSummary, "the program as in force now"),
        **_errors(404, 422, e404="unknown program (details: the program id; the message lists the known ones)"),
    },
)
def get_program(program_id: str) -> ProgramSummary:
    return ProgramSummary.model_validate(standing_views().get_program(program_id))


@app.get(
    "/partners/<partner_id>/standing",
    summary="A partner's standing in every program it is enrolled in",
    description="Status, badge validity, consequences, benefits, last record, current-period projection.",
    operation_id="getPartnerStanding",
    tags=["partners"],
    responses={
        **_ok(PartnerStanding, "every enrolled program"),
        **_errors(404, 422, e404="unknown partner (no partner.profile event received)"),
    },
)
def get_standing(partner_id: str) -> PartnerStanding:
    return PartnerStanding.model_validate(standing_views().partner_standing(partner_id))


@app.get(
    "/partners/<partner_id>/evaluations",
    summary="A partner's evaluation records, newest first within a program, a page at a time",
    description="Follow `next_cursor` (pass it back as `cursor`) until it is null.",
    operation_id="listPartnerEvaluations",
    tags=["partners"],
    responses={
        **_ok(EvaluationPage, "one page of records"),
        **_errors(404, 422, e404="unknown partner or unknown program", e422="bad limit or cursor"),
    },
)
def list_evaluations(
    partner_id: str,
    program: Annotated[str | None, Query(description="only this program's records")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="records per page")] = 24,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> EvaluationPage:
    standing_views().partner_evaluations(partner_id, program, 0)  # unknown partner or program: 404 before paging
    try:
        items, last = standing_store.records_page(partner_id, program, limit, _after(cursor))
    except ValueError:
        raise InvalidCursor(cursor or "") from None
    return EvaluationPage.model_validate(
        {
            "partner_id": partner_id,
            "program": program,
            "count": len(items),
            "items": items,
            "next_cursor": _cursor(last),
        }
    )


@app.post(
    "/partners/<partner_id>/programs/<program_id>/membership",
    summary="Opt a partner in (granted only if the criteria are met now) or out (immediate)",
    operation_id="changePartnerMembership",
    tags=["partners"],
    responses={
        200: {"description": "the change took effect", "content": {"application/json": {"model": MembershipChange}}},
        **_errors(
            400,
            404,
            409,
            422,
            e404="unknown program, partner, or partner not enrolled",
            e409="criteria_not_met (details: the failing metrics) or membership_not_changeable (automatic)",
            e422='the body is not {"action": "opt_in" | "opt_out"}',
        ),
    },
)
def change_membership(partner_id: str, program_id: str, request: MembershipRequest) -> Response[dict[str, Any]]:
    result = standing_changes().change_membership(
        partner_id, program_id, request.action, datetime.now(UTC), by=_caller()
    )
    if not result.granted:
        return _error(
            409,
            "criteria_not_met",
            f"{partner_id} does not meet {program_id}'s criteria now; failing: {', '.join(result.failing)}",
            [{"metric": m, **result.record["metrics"][m]} for m in result.failing] if result.record else [],
        )
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=result.to_dict())


@app.get(
    "/partners/<partner_id>/history",
    summary="Every membership and standing change of a partner: when, who, before -> after, why",
    operation_id="getPartnerHistory",
    tags=["partners"],
    responses={
        **_ok(PartnerHistory, "newest first"),
        **_errors(404, 422, e404="unknown partner or unknown program"),
    },
)
def get_history(
    partner_id: str,
    program: Annotated[str | None, Query(description="only this program's changes")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="changes to return")] = 100,
) -> PartnerHistory:
    standing_views().partner_evaluations(partner_id, program, 0)  # unknown partner or program: 404
    items = standing_store.history(partner_id, program, limit)
    return PartnerHistory.model_validate({"partner_id": partner_id, "program": program, "items": items})


def _caller() -> str:
    """Who made this API call: the IAM principal API Gateway authenticated (kept in the partner's history)."""
    iam = app.current_event.request_context.authorizer.iam if app.current_event.request_context.authorizer else None
    arn = iam.user_arn if iam is not None else None
    return f"iam:{arn}" if arn else "api"


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
