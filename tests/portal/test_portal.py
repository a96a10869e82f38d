"""The partner's page and the console through the real API handler, served as `make serve` serves them."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import boto3

from tests.portal.conftest import KKDAY, PROPERTY, TIKI


def _forms(html: str) -> list[dict[str, str]]:
    forms = []
    for form in re.findall(r"<form class=\"membership\"[^>]*>(.*?)</form>", html, re.S):
        forms.append(dict(re.findall(r'name="(\w+)" value="([^"]*)"', form)))
    return forms


def test_the_page_shows_every_program_metric_history_and_next_evaluation(site):
    status, headers, html = site.get(site.link(KKDAY))
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "no-referrer"
    assert '<html lang="en">' in html
    assert "Sunrise &lt;Tours&gt;" in html and "Sunrise <Tours>" not in html  # partner text is escaped
    assert "KKday" in html
    for metric in ("message_response_rate", "partner_cancellation_rate", "order_confirmation_rate"):
        assert f'id="metric-kkday-trusted-partner-{metric}"' in html
    # Two records so far: each metric's chart has two marks, a value line and the bar's step line.
    charts = re.findall(r'<svg class="chart".*?</svg>', html, re.S)
    assert len(charts) == 3
    for chart in charts:
        assert chart.count("<circle") == 2
        assert 'class="threshold"' in chart and 'class="values"' in chart
    assert "Last evaluation" in html and "If evaluated today" in html
    assert "Next evaluation" in html and "4 October 2024" in html
    assert _forms(html) == []  # KKday enrols automatically: no join / leave


def test_metrics_are_grouped_as_the_seed_groups_them(site):
    status, _, html = site.get(site.link(TIKI))
    assert status == 200
    assert '<html lang="vi">' in html  # the partner's own locale
    headings = re.findall(r"<h3>(.*?)</h3>", html)
    for group in ("Kết quả kinh doanh", "Yêu cầu dịch vụ", "Chất lượng sản phẩm", "Yêu cầu nhà bán"):
        assert group in headings
    assert headings.index("Kết quả kinh doanh") < headings.index("Yêu cầu nhà bán")


def test_every_locale_and_the_switch(site):
    link = site.link(KKDAY)
    expected = {"en": "Your standing", "th": "สถานะของคุณ", "vi": "Tình trạng của bạn", "zh-TW": "您的狀態"}
    for lang, title in expected.items():
        status, _, html = site.get(f"{link}?lang={lang}")
        assert status == 200
        assert f'<html lang="{lang}">' in html
        assert f"<h1>{title}" in html
        assert f'href="?lang={lang}" lang="{lang}" hreflang="{lang}" aria-current="page"' in html
    status, _, html = site.get(f"{link}?lang=xx")  # unknown: the partner's own locale
    assert status == 200 and '<html lang="en">' in html


def test_a_bad_link_gets_a_403_page_that_names_nobody(site):
    good = site.link(KKDAY)
    signature = good.rsplit("/", 1)[1].split(".")[1]
    forged = site.link(PROPERTY).rsplit("/", 1)[1].split(".")[0] + "." + signature  # someone else's payload
    bad = {
        "tampered": f"/portal/{forged}",
        "garbage": "/portal/not-a-token",
        "expired": site.link(KKDAY, ttl=timedelta(seconds=-1)),
        "other purpose": site.link(KKDAY, purpose="unsubscribe"),
    }
    for name, target in bad.items():
        status, headers, html = site.get(target)
        assert status == 403, name
        assert headers["Content-Type"].startswith("text/html"), name
        assert KKDAY not in html and PROPERTY not in html and "Sunrise" not in html, name
        assert "This link does not open a page" in html, name


def test_a_link_shows_only_its_own_partner(site):
    _, _, html = site.get(site.link(PROPERTY))
    assert "Booking" in html
    assert "KKday" not in html and "Sunrise" not in html and KKDAY not in html


def test_join_and_leave_from_the_page_use_the_membership_rules_and_history(site):
    link = site.link(PROPERTY)
    status, _, html = site.get(f"{link}?lang=en")
    (form,) = _forms(html)
    assert form["action"] == "opt_in" and form["program"] == "booking-preferred-property"

    # A form token from another link, or none, is refused.
    other = _forms(site.get(f"{site.link(PROPERTY, ttl=timedelta(days=2))}?lang=en")[2])[0]
    for csrf in ("", other["csrf"]):
        status, _, _ = site.call("POST", f"{link}/membership", urlencode({**form, "csrf": csrf}))
        assert status == 403

    status, headers, _ = site.call("POST", f"{link}/membership", urlencode(form))
    assert status == 303
    target = site.follow(headers["Location"], f"{link}/membership")
    assert target.startswith(link + "?")
    _, _, html = site.get(target)
    assert "You have joined" in unescape(html)
    (form,) = _forms(html)
    assert form["action"] == "opt_out"
    status, standing = site.stack.request("GET", f"/partners/{PROPERTY}/standing")
    assert standing["programs"]["booking-preferred-property"]["membership"]["state"] == "opted_in"

    status, headers, _ = site.call("POST", f"{link}/membership", urlencode(form))
    assert status == 303
    _, _, html = site.get(site.follow(headers["Location"], f"{link}/membership"))
    assert "You have left" in unescape(html)
    _, standing = site.stack.request("GET", f"/partners/{PROPERTY}/standing")
    assert standing["programs"]["booking-preferred-property"]["status"] == "opted_out"


def test_the_console_shows_statuses_at_risk_distributions_and_opens_a_page(site):
    status, headers, html = site.get("/console")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "KKday Trusted Partner" in html and "Tiki" in html
    assert "Partners by status" in html and "At risk in the current period" in html
    assert html.count('<svg class="chart"') >= 3
    assert 'class="threshold"' in html

    status, headers, _ = site.get(f"/console?partner={KKDAY}")
    assert status == 303
    page = site.follow(headers["Location"], "/console")
    assert page.startswith("/portal/")
    status, _, html = site.get(page)
    assert status == 200 and "Sunrise &lt;Tours&gt;" in html

    status, _, html = site.get("/console?partner=nobody-here")
    assert status == 404 and "No partner" in html


def test_unknown_methods_get_a_json_405_and_unknown_paths_a_json_404(site):
    status, headers, raw = site.call("DELETE", "/programs", None)
    assert status == 405 and headers["Allow"] == "GET"
    body = json.loads(raw)
    assert set(body) == {"error", "message", "details"} and body["error"] == "method_not_allowed"
    status, _, raw = site.call("PUT", "/nowhere", None)
    assert status == 404 and json.loads(raw)["error"] == "not_found"


def test_the_previous_signing_key_is_accepted_after_a_rotation(site, monkeypatch):
    from standing.adapters import secrets

    monkeypatch.setenv("SIGNING_SECRET_ID", site.stack.functions["ApiFunction"].environment["SIGNING_SECRET_ID"])

    old_link = site.link(KKDAY)
    client = boto3.client("secretsmanager")
    secret_id = site.stack.name_of("SigningSecret")
    client.put_secret_value(SecretId=secret_id, SecretString="a-new-key-after-rotation")
    secrets.forget()
    try:
        status, _, _ = site.get(old_link)
        assert status == 200  # signed with what is now AWSPREVIOUS
        keys = secrets.signing_keys()
        assert keys[0] == b"a-new-key-after-rotation" and site.key in keys
    finally:
        client.put_secret_value(SecretId=secret_id, SecretString=site.key.decode("utf-8"))
        secrets.forget()


def test_a_crafted_outcome_query_shows_only_what_the_page_knows(site):
    link = site.link(PROPERTY)
    query = urlencode(
        {"lang": "en", "done": "refused", "program": "booking-preferred-property", "failing": "review_score,Call us!"}
    )
    _, _, html = site.get(f"{link}?{query}")
    (notice,) = re.findall(r'<p class="notice[^"]*" role="status">(.*?)</p>', html, re.S)
    assert "Review score" in notice and "Call us" not in html
    _, _, html = site.get(f"{link}?" + urlencode({"done": "joined", "program": "Call us on 555"}))
    assert 'role="status"' not in html and "Call us" not in html
