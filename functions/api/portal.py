"""The partner's page and the operator console, as HTML.

GET /portal/{token} and POST /portal/{token}/membership take no SigV4 (a partner cannot sign): the signed,
expiring link token (purpose `portal`, standing.signing) is the authorisation, and it names the only partner whose
data the request can see or change. A join / leave form carries a form token bound to the page link and the program
(CSRF), and goes through the same membership change as the API. GET /console is IAM-authorised like the rest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from standing import catalog, signing
from standing.adapters import secrets
from standing.evaluate import changes, views
from standing.evaluate.wiring import standing_changes, standing_views
from standing.portal import service
from standing.portal.texts import LOCALE_NAMES

logger = Logger(child=True)
router = APIGatewayHttpRouter()

HTML = "text/html; charset=utf-8"
# The page is a credential in a URL: never cached, never framed, never leaked through a Referer.
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
}
HTML_RESPONSES: Any = {"content": {"text/html": {"schema": {"type": "string"}}}}


def _html(status: int, body: str, extra: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type=HTML, body=body, headers={**HEADERS, **(extra or {})})


def _lang(value: str | None) -> str | None:
    return value if value in LOCALE_NAMES else None


def _partner(token: str, now: datetime) -> str | None:
    try:
        return service.partner_id_of(token, secrets.signing_keys(), now)
    except signing.InvalidToken:  # tampered, expired, made for another purpose, or not a token
        return None


@router.get(
    "/portal/<token>",
    summary="The partner's page (HTML): standing, metrics, history, join / leave",
    description="No SigV4: the signed, expiring link token is the authorisation. 403 (HTML) for a bad token.",
    operation_id="getPartnerPage",
    responses={
        200: {"description": "the page", **HTML_RESPONSES},
        403: {"description": "tampered, expired or other-purpose link (HTML)", **HTML_RESPONSES},
    },
    tags=["partner page"],
)
def partner_page(
    token: str,
    lang: Annotated[str | None, Query(description="en, th, vi or zh-TW; default: the partner's locale")] = None,
    done: Annotated[str | None, Query(description="the join / leave outcome to show")] = None,
    program: Annotated[str | None, Query(description="the program `done` is about")] = None,
    failing: Annotated[str | None, Query(description="comma-separated failing metrics of a refused opt-in")] = None,
) -> Response[str]:
    now = datetime.now(UTC)
    partner_id = _partner(token, now)
    if partner_id is None:
        return _html(403, service.denied_html(_lang(lang)))
    keys = secrets.signing_keys()
    notice = None
    if done in ("joined", "left", "refused", "failed") and program in catalog.programs():
        # Only names the page knows: a crafted query cannot put arbitrary words on the partner's page.
        known = {metric.id for metric in catalog.program(program).versions[-1].metrics}
        notice = (done, program, [m for m in (failing or "").split(",") if m in known])
    try:
        html, _ = service.page_html(
            partner_id,
            token,
            _lang(lang),
            now,
            lambda program_id: service.form_token(token, partner_id, program_id, keys[0], now),
            notice,
            standing_views=standing_views(),
        )
    except views.UnknownPartner:
        return _html(403, service.denied_html(_lang(lang)))  # a genuine link to a partner without data: no page
    return _html(200, html)


@router.post(
    "/portal/<token>/membership",
    summary="Join or leave an opt-in program from the partner's page (form post with a CSRF token)",
    description=(
        "Form fields: program, action (opt_in | opt_out), csrf (from the page), lang. Same rules and history as "
        "POST /partners/{partner_id}/programs/{program_id}/membership. Answers 303 back to the page."
    ),
    operation_id="changeMembershipFromPage",
    responses={
        303: {"description": "done (or refused): back to the page, which says what happened"},
        403: {"description": "bad link or form token (HTML)", **HTML_RESPONSES},
    },
    tags=["partner page"],
)
def page_membership(token: str) -> Response[str]:
    now = datetime.now(UTC)
    partner_id = _partner(token, now)
    fields = {k: v[0] for k, v in parse_qs(router.current_event.decoded_body or "", keep_blank_values=True).items()}
    lang = _lang(fields.get("lang"))
    if partner_id is None:
        return _html(403, service.denied_html(lang))
    program_id, action = fields.get("program", ""), fields.get("action", "")
    keys = secrets.signing_keys()
    if action not in ("opt_in", "opt_out") or not service.check_form_token(
        fields.get("csrf", ""), token, partner_id, program_id, keys, now
    ):
        return _html(403, service.denied_html(lang))
    failing: list[str] = []
    try:
        result = standing_changes().change_membership(
            partner_id, program_id, action, now, by=f"partner page:{partner_id}"
        )
        done = "left" if action == "opt_out" else ("joined" if result.granted else "refused")
        failing = list(result.failing)
    except (changes.NotEnrolled, changes.NotOptIn, LookupError):
        done = "failed"
    logger.info("membership changed from the partner page", extra={"program": program_id, "done": done})
    query = f"done={done}&program={quote(program_id)}"
    if lang:
        query += f"&lang={quote(lang)}"
    if failing:
        query += f"&failing={quote(','.join(failing))}"
    # Relative to /…/portal/{token}/membership, so it also holds under a stage prefix (/dev/portal/…).
    return Response(status_code=303, headers={**HEADERS, "Location": f"../{token}?{query}"}, body="")


@router.get(
    "/console",
    summary="The operator console (HTML): partners by status, at-risk list, metric distributions, partner search",
    operation_id="getConsole",
    responses={
        200: {"description": "the console", **HTML_RESPONSES},
        303: {"description": "`partner` given and known: to that partner's page (a one-hour link)"},
    },
    tags=["console"],
)
def console(
    partner: Annotated[str | None, Query(description="open this partner's page")] = None,
) -> Response[str]:
    now = datetime.now(UTC)
    message = ""
    if partner:
        partner = partner.strip()
        if service.known_partner(partner):
            token = signing.sign(
                partner, service.PAGE_PURPOSE, now + service.CONSOLE_LINK_TTL, secrets.signing_keys()[0]
            )
            return Response(status_code=303, headers={**HEADERS, "Location": f"portal/{token}"}, body="")
        message = f"No partner {partner!r}: no partner.profile event was received for that id."
    status = 404 if message else 200
    return Response(
        status_code=status,
        content_type=content_types.TEXT_HTML + "; charset=utf-8",
        body=service.console_html(now, partner or "", message),
        headers=HEADERS,
    )
