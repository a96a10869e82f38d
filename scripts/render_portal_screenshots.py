"""Screenshots of the partner's page and the console from a running `make serve`, with headless Chromium.

    make serve &                                                  # wait for "Operator console"
    .venv/bin/python scripts/render_portal_screenshots.py         # writes docs/img/portal-*.png, console-*.png
    .venv/bin/python scripts/render_portal_screenshots.py --base http://127.0.0.1:3100 --out /tmp/shots

Links are signed with the key `make serve` runs with (out/state/signing-key, `standing portal-link`). Chromium is
Debian's `chromium` package, driven by Playwright (no browser download)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SHOTS = (
    # (file, partner or None for the console, query, viewport width)
    ("portal-desktop.png", "tk-0004", "?lang=vi", 1280),
    ("portal-390.png", "kk-0009", "?lang=en", 390),
    ("portal-390-th.png", "bp-0001", "?lang=th", 390),
    ("console-desktop.png", None, "", 1280),
)


def link(partner: str, base: str, state_out: str) -> str:
    standing = ROOT / ".venv" / "bin" / "standing"
    now = subprocess.run(
        [str(standing), "portal-link", partner, "--base", base, "--out", state_out, "--ttl", "1h"],
        check=True,
        capture_output=True,
        text=True,
    )
    return now.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:3000", help="where make serve answers")
    parser.add_argument("--state", default="out", help="the demo run make serve loaded (its state/signing-key)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"), help="folder for the PNG files")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        parser.error("chromium is not installed (apt-get install chromium fonts-noto-core fonts-noto-cjk)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for name, partner, query, width in SHOTS:
            page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
            url = (link(partner, args.base, args.state) if partner else f"{args.base}/console") + query
            response = page.goto(url)
            if response is None or response.status != 200:
                raise SystemExit(f"{name}: {url} answered {response.status if response else 'nothing'}")
            page.screenshot(path=str(out / name), full_page=True)
            print(f"wrote {out / name}")
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
