"""Simulations (IAM): backtest a draft program over the stored history before it goes live.

POST /programs/{program_id}/simulations   body: the draft program YAML (text); query: from, to (dates, optional)
GET  /simulations/{simulation_id}          progress and the summary (partners by status, flips by metric)
GET  /simulations/{simulation_id}/results.csv

A simulation reuses the evaluation fan-out (EvaluateQueue batches, mode "simulation") and writes only under its own
id: never records, standings, projections, the bus or email (standing.evaluate.simulation)."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

import standing.evaluate.simulation as simulation
from standing.adapters import simulations_store
from standing.adapters.simulations_store import SimulationNotFound, SimulationUnavailable
from standing.evaluate.wiring import simulations
from standing.rules import ProgramError

router = APIGatewayHttpRouter()
DEFAULT_DAYS = 365  # without `from`: the evaluations of the last year


def _error(status: int, code: str, message: str, details: list[Any] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": code, "message": message, "details": details or []},
    )


def _date(name: str, text: str | None, default: date) -> date:
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


@router.post(
    "/programs/<program_id>/simulations",
    summary="Start a backtest of a draft program (YAML body) over the stored history",
    responses={
        202: {"description": "started: poll GET /simulations/{id}"},
        404: {"description": "unknown program"},
        422: {"description": "the draft does not load (details: file, path, reason) or the dates are wrong"},
    },
)
def start_simulation(
    program_id: str,
    start: Annotated[str | None, Query(alias="from", description="first evaluation day (default: a year ago)")] = None,
    end: Annotated[str | None, Query(alias="to", description="last evaluation day (default: today)")] = None,
) -> Response[dict[str, Any]]:
    now = datetime.now(UTC)
    try:
        last = _date("to", end, now.date())
        first = _date("from", start, last - timedelta(days=DEFAULT_DAYS))
    except ValueError as error:
        return _error(422, "invalid_request", str(error), [{"field": "from/to", "reason": str(error)}])
    if last < first:
        return _error(422, "invalid_request", "to is before from", [{"field": "to", "reason": "before from"}])
    text = router.current_event.decoded_body or ""
    try:
        started = simulations().start(program_id, text, first, last, now)
    except ProgramError as error:
        details = [{"file": error.file, "path": error.path, "reason": error.message}]
        return _error(422, "invalid_program", f"the draft program does not load: {error}", details)
    except simulation.DraftMismatch as error:
        return _error(
            422, "program_mismatch", str(error), [{"file": "request body", "path": "id", "reason": str(error)}]
        )
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=started)


@router.get("/simulations/<simulation_id>", summary="A simulation's progress and summary")
def get_simulation(simulation_id: str) -> Response[dict[str, Any]]:
    try:
        body = simulation.view(simulations_store.get(simulation_id))
    except SimulationNotFound as error:
        return _error(404, "unknown_simulation", str(error))
    except SimulationUnavailable as error:
        return _error(503, "unavailable", f"try again: {error}")
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body)


@router.get("/simulations/<simulation_id>/results.csv", summary="A simulation's rows: one per partner and period")
def get_results(simulation_id: str) -> Response[str]:
    try:
        text = simulations().results_csv(simulation_id)
    except SimulationNotFound as error:
        return _error(404, "unknown_simulation", str(error))
    except SimulationUnavailable as error:
        return _error(503, "unavailable", f"try again: {error}")
    return Response(status_code=200, content_type="text/csv; charset=utf-8", body=text)
