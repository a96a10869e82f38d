"""Render the sample emails in events/notify_previews.json to HTML and, with headless Chromium, to PNG.

    .venv/bin/python scripts/render_email_previews.py            # writes docs/img/email-*.png
    .venv/bin/python scripts/render_email_previews.py --out DIR  # elsewhere

Chromium is Debian's `chromium` package (`apt-get install chromium fonts-noto-core fonts-noto-cjk fonts-thai-tlwg`
for Thai and Chinese glyphs). Every run uses a throwaway profile and no network."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "common")] if str(ROOT / "layers" / "common") not in sys.path else []

from standing.notify.render import EmailLinks, RenderedEmail, render_report, render_warning  # noqa: E402

EVENTS = ROOT / "events" / "notify_previews.json"
RENDERERS = {"Partner Evaluated": render_report, "Partner At Risk": render_warning}
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# What a deployed stack puts in every email (the sample tokens are not signed with any real key).
SAMPLE_LINKS = EmailLinks(
    portal="https://abc123.execute-api.eu-west-1.amazonaws.com/prod/portal/eyJwIjoia2stMDA0MiJ9.sample",
    unsubscribe="https://abc123.execute-api.eu-west-1.amazonaws.com/prod/unsubscribe/eyJwIjoia2stMDA0MiJ9.sample",
)


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def preview_emails() -> list[tuple[str, RenderedEmail]]:
    """(file stem, rendered email) for every sample event: one report and one warning per locale."""
    out = []
    for event in json.loads(EVENTS.read_text(encoding="utf-8")):
        email = RENDERERS[event["detail-type"]](event["detail"], SAMPLE_LINKS)
        out.append((f"email-{email.kind}-{email.locale}", email))
    return out


def page_height(email: RenderedEmail) -> int:
    """A window tall enough for the whole email (Chromium screenshots the window, not the page)."""
    lines = [line for line in email.text.splitlines() if line.strip()]
    wrapped = sum(1 + len(line) // 95 for line in lines)
    return max(1000, min(4000, 360 + 36 * wrapped))


def screenshot(chromium: str, html: Path, png: Path, width: int = 800, height: int = 1500) -> None:
    with tempfile.TemporaryDirectory(prefix="standing-chromium-") as profile:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                f"--window-size={width},{height}",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=90,
        )


def render_previews(out_dir: Path, chromium: str | None) -> list[Path]:
    """Write `<stem>.html` and, when Chromium is available, `<stem>.png` into out_dir; returns the PNGs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = []
    with tempfile.TemporaryDirectory(prefix="standing-previews-") as tmp:
        for stem, email in preview_emails():
            html = Path(tmp) / f"{stem}.html"
            html.write_text(email.html, encoding="utf-8")
            if chromium:
                png = out_dir / f"{stem}.png"
                screenshot(chromium, html, png, height=page_height(email))
                pngs.append(png)
    return pngs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("chromium not found: apt-get install chromium", file=sys.stderr)
        return 1
    for png in render_previews(args.out, chromium):
        print(png.relative_to(ROOT) if png.is_relative_to(ROOT) else png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
