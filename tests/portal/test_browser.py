"""The partner's page and the console in a real browser: Debian's Chromium driven by Playwright (never a browser
Playwright downloads), axe-core for accessibility. Skipped only when Chromium is not installed."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
import time_machine

from tests.portal.conftest import KKDAY, NOW, PROPERTY, TIKI

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
LOCALES = ("en", "th", "vi", "zh-TW")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def base(site) -> Iterator[str]:
    """`make serve`'s HTTP handler over the test stack, on a free port, on the data's clock."""
    from standing_local.server import _handler_class

    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(site.stack))
    server.daemon_threads = True
    with time_machine.travel(NOW, tick=True):
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide in a {page.viewport_size['width']}px window"


@pytest.mark.parametrize("lang", LOCALES)
def test_the_page_in_every_locale_with_its_charts_on_a_phone(site, base, browser, lang):
    page = browser.new_page(viewport=PHONE)
    response = page.goto(f"{base}{site.link(KKDAY)}?lang={lang}")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("section.program").count() == 1
    charts = page.locator("svg.chart")
    assert charts.count() == 3
    assert charts.first.is_visible()
    assert page.locator("svg.chart polyline.threshold").count() == 3
    _no_sideways_scroll(page)
    assert _serious(page) == []
    page.close()


@pytest.mark.parametrize("partner", [TIKI, PROPERTY])
def test_other_programs_on_a_phone_and_a_desktop(site, base, browser, partner):
    for viewport in (PHONE, {"width": 1280, "height": 900}):
        page = browser.new_page(viewport=viewport)
        assert page.goto(f"{base}{site.link(partner)}").status == 200
        _no_sideways_scroll(page)
        assert _serious(page) == []
        page.close()


def test_join_and_leave_with_the_buttons(site, base, browser):
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{base}{site.link(PROPERTY)}?lang=en")
    page.get_by_role("button", name="Join this programme").click()
    page.wait_for_load_state()
    assert "You have joined" in page.locator("p.notice").inner_text()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Leave this programme").click()
    page.wait_for_load_state()
    assert "You have left" in page.locator("p.notice").inner_text()
    assert page.get_by_role("button", name="Join this programme").is_visible()
    assert _serious(page) == []
    page.close()


def test_a_tampered_link_is_refused(site, base, browser):
    page = browser.new_page(viewport=PHONE)
    link = site.link(KKDAY)
    response = page.goto(f"{base}{link[:-3]}abc")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "This link does not open a page"
    assert "Sunrise" not in page.content()
    _no_sideways_scroll(page)
    assert _serious(page) == []
    page.close()


def test_the_console_and_its_partner_search(site, base, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    assert page.goto(f"{base}/console").status == 200
    assert page.locator("svg.chart").count() >= 3
    assert _serious(page) == []
    page.get_by_label("Open a partner's page").fill(KKDAY)
    page.get_by_role("button", name="Open").click()
    page.wait_for_load_state()
    assert "/portal/" in page.url
    assert page.locator("h1").inner_text().endswith("Sunrise <Tours>")
    page.close()

    phone = browser.new_page(viewport=PHONE)
    phone.goto(f"{base}/console")
    _no_sideways_scroll(phone)
    phone.close()
