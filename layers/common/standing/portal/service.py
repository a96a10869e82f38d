"""The partner's page and the operator console, read and rendered: the same reads as the HTTP API (standing,
projections, records through `standing.evaluate.views.StandingViews` and the standing store), laid out by the
Jinja2 templates in `templates/` (autoescaped: every partner-supplied text is escaped).

Access is the caller's business: the API checks the signed link before it asks for a partner's page, and the
console route is IAM-authorised on AWS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from standing import catalog, config
from standing.adapters import standing_store
from standing.evaluate.views import StandingViews
from standing.keys import ENROLMENT_SHARDS
from standing.notify.catalog import resolve_locale
from standing.portal import page
from standing.rules import at_risk_metrics
from standing.signing import sign, verify

PAGE_PURPOSE = "portal"
CONSOLE_LIMIT = 2000  # partners read per program for the console; more are left out, and the page says so
FORM_TTL = timedelta(hours=12)
CONSOLE_LINK_TTL = timedelta(hours=1)  # the page link the console opens for an operator

_env = Environment(
    loader=PackageLoader("standing.portal", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _form_purpose(token: str) -> str:
    """A form token is bound to the page link it was served on (and to the program it changes)."""
    return f"portal-form.{hashlib.sha256(token.encode('utf-8')).hexdigest()[:32]}"


def form_token(page_token: str, partner_id: str, program_id: str, key: bytes, now: datetime) -> str:
    return sign(partner_id, f"{_form_purpose(page_token)}.{program_id}", now + FORM_TTL, key)


def check_form_token(
    form: str, page_token: str, partner_id: str, program_id: str, keys: list[bytes], now: datetime
) -> bool:
    """True when `form` was served on this page link, for this partner and program, and is still fresh."""
    try:
        return verify(form, f"{_form_purpose(page_token)}.{program_id}", keys, now) == partner_id
    except Exception:  # InvalidToken and ExpiredToken alike: refuse
        return False


def partner_id_of(token: str, keys: list[bytes], now: datetime) -> str:
    """The partner a page link stands for; `standing.signing.InvalidToken` (or ExpiredToken) otherwise."""
    return verify(token, PAGE_PURPOSE, keys, now)


def page_html(
    partner_id: str,
    token: str,
    requested_lang: str | None,
    now: datetime,
    csrf: Callable[[str], str],
    notice: tuple[str, str, list[str]] | None = None,
    *,
    standing_views: StandingViews,
) -> tuple[str, str]:
    """(HTML, locale) of the partner's page served on link `token`, its standing read through `standing_views`.
    `standing.evaluate.views.UnknownPartner` if no profile was ever received."""
    standing = standing_views.partner_standing(partner_id, now)
    profile = standing_store.partner_state(partner_id).profile or {}
    locale = page.choose_locale(requested_lang, profile.get("locale"))
    histories = {
        program_id: standing_store.records(partner_id, program_id, limit=page.HISTORY)
        for program_id in standing["programs"]
    }
    shown = page.notice(notice[0], locale, notice[1], notice[2]) if notice else None
    view = page.partner_page(standing, histories, locale, now, csrf, shown)
    return _env.get_template("portal.html.j2").render(view, token_path=token), locale


def denied_html(requested_lang: str | None) -> str:
    """The page a tampered, expired or foreign link gets (it names no partner)."""
    locale = page.choose_locale(requested_lang, None)
    from standing.portal.texts import portal_texts

    return _env.get_template("denied.html.j2").render(lang=locale, words=portal_texts(locale))


def console_html(now: datetime, query: str = "", message: str = "") -> str:
    """The operator overview: per program, its latest period by status, the at-risk list, metric distributions."""
    margin = config.at_risk_margin()
    programs = []
    for program in catalog.programs().values():
        partner_ids: list[str] = []
        truncated = False
        for shard in range(ENROLMENT_SHARDS):
            cursor: dict[str, Any] | None = None
            while len(partner_ids) < CONSOLE_LIMIT:
                ids, cursor = standing_store.enrolled_partners(program.id, shard, cursor, 100)
                partner_ids += ids
                if not cursor:
                    break
            if len(partner_ids) >= CONSOLE_LIMIT:
                truncated = True
                break
        rows = []
        close: dict[str, list[str]] = {}
        for partner_id in sorted(set(partner_ids))[:CONSOLE_LIMIT]:
            last = standing_store.records(partner_id, program.id, limit=1)
            projection = standing_store.projections(partner_id).get(program.id)
            rows.append((partner_id, last[0] if last else None, projection))
            if projection:
                close[partner_id] = at_risk_metrics(projection, margin)
        programs.append({"program": program, "partners": rows, "close": close, "truncated": truncated})
    view = page.console(programs, query, message)
    view["limit"] = CONSOLE_LIMIT
    view["now"] = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return _env.get_template("console.html.j2").render(view)


def known_partner(partner_id: str) -> bool:
    return standing_store.partner_state(partner_id).profile is not None


def locale_of(requested: str | None) -> str:
    return resolve_locale(requested) if requested else "en"
