"""POST /unsubscribe/{token}: the RFC 8058 one-click unsubscribe that every optional email's `List-Unsubscribe`
header points at. No SigV4 (a mail client cannot sign): the signed token (purpose `unsubscribe`, standing.signing)
is the authorisation. The body is `List-Unsubscribe=One-Click`, form-encoded, as RFC 8058 section 3.1 requires.

The partner's choice is stored once (standing.adapters.preferences) and notify stops optional mail (at-risk
warnings); evaluation reports and membership confirmations are mandatory and keep coming."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from standing import config, signing
from standing.adapters import secrets
from standing.adapters.preferences import PreferencesStore, PreferencesUnavailable

logger = Logger(child=True)
router = APIGatewayHttpRouter()
ONE_CLICK = ("List-Unsubscribe", "One-Click")


def _error(status: int, code: str, message: str) -> Response[dict[str, Any]]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": code, "message": message, "details": []},
    )


def _is_one_click(body: str | None) -> bool:
    fields = parse_qs(body or "", keep_blank_values=True)
    return fields.get(ONE_CLICK[0]) == [ONE_CLICK[1]]


@router.post(
    "/unsubscribe/<token>",
    summary="One-click unsubscribe from optional partner emails (RFC 8058)",
    description=(
        "The URL comes from the List-Unsubscribe header of an at-risk warning; the body must be "
        "`List-Unsubscribe=One-Click`. Reports and membership confirmations are not affected."
    ),
    operation_id="unsubscribeOneClick",
    tags=["partners"],
    responses={
        200: {"description": "the choice is recorded: no more at-risk warnings"},
        400: {"description": "the body is not List-Unsubscribe=One-Click"},
        404: {"description": "not a valid unsubscribe link"},
        410: {"description": "the link has expired"},
        503: {"description": "the choice could not be recorded now; retry"},
    },
)
def unsubscribe(token: str) -> Response[dict[str, Any]]:
    if not _is_one_click(router.current_event.decoded_body):
        return _error(400, "invalid_request", "the body must be List-Unsubscribe=One-Click (RFC 8058)")
    now = datetime.now(UTC)
    try:
        partner_id = signing.verify(token, "unsubscribe", secrets.signing_keys(), now)
    except signing.ExpiredToken:
        return _error(410, "expired_token", "this unsubscribe link has expired; use the link in a newer email")
    except signing.InvalidToken:
        return _error(404, "invalid_token", "this unsubscribe link is not valid")
    try:
        PreferencesStore(config.state_table()).unsubscribe(partner_id, now)
    except PreferencesUnavailable as error:
        return _error(503, "unavailable", f"could not record the choice now ({error.code}); try again")
    logger.info("unsubscribed", partner_id=partner_id)
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body={"unsubscribed": True, "stops": "at-risk warnings", "still_sent": ["reports", "membership confirmations"]},
    )
