"""HTTP API (IAM auth): programs, partner standing and evaluations, membership changes.

POST /events is served by the ingest function; the OpenAPI document in docs/openapi.json covers both.
"""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from standing.catalog import UnknownProgram
from standing.evaluate import changes, views

if __package__:  # tests and the local run import functions.api.app; Lambda loads this file as the module `app`
    from .simulations import router as simulations_router
else:
    from simulations import router as simulations_router  # type: ignore[import-not-found,no-redef]

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver(enable_validation=True)
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


@app.get("/programs", summary="List the programs this deployment runs")
def list_programs() -> dict[str, Any]:
    return {"programs": views.list_programs()}


@app.get("/programs/<program_id>", summary="One program: schedule, window, metrics and thresholds")
def get_program(program_id: str) -> dict[str, Any]:
    return views.get_program(program_id)


@app.get("/partners/<partner_id>/standing", summary="A partner's standing in every program it is enrolled in")
def get_standing(partner_id: str) -> dict[str, Any]:
    return views.partner_standing(partner_id)


@app.get("/partners/<partner_id>/evaluations", summary="A partner's evaluation records, newest first")
def list_evaluations(
    partner_id: str,
    program: Annotated[str | None, Query(description="only this program's records")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 24,
) -> dict[str, Any]:
    return views.partner_evaluations(partner_id, program, limit)


@app.post(
    "/partners/<partner_id>/programs/<program_id>/membership",
    summary="Opt a partner in (granted only if the criteria are met now) or out (immediate)",
    responses={
        200: {"description": "the change took effect"},
        404: {"description": "unknown program, partner, or partner not enrolled"},
        409: {"description": "opt-in refused (criteria not met now) or the program's membership is automatic"},
        422: {"description": "the body is not {\"action\": \"opt_in\" | \"opt_out\"}"},
    },
)
def change_membership(partner_id: str, program_id: str, request: MembershipRequest) -> Response[dict[str, Any]]:
    result = changes.change_membership(partner_id, program_id, request.action, datetime.now(UTC))
    if not result.granted:
        return _error(
            409,
            "criteria_not_met",
            f"{partner_id} does not meet {program_id}'s criteria now; failing: {', '.join(result.failing)}",
            [{"metric": m, **result.record["metrics"][m]} for m in result.failing] if result.record else [],
        )
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=result.to_dict())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
