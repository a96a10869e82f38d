"""Looks right: every locale's email rendered by headless Chromium into a picture that is not blank."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from scripts import render_email_previews as previews

CHROMIUM = previews.find_chromium()


def _png_rows(path: Path, max_rows: int) -> tuple[int, int, list[bytes]]:
    """Decode the first `max_rows` rows of an 8-bit RGB/RGBA PNG (enough to see what was drawn)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), (depth, color)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride, rows, previous = width * bpp, [], bytearray(width * bpp)
    for y in range(min(height, max_rows)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up, up_left = previous[x], previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_one_email_per_locale_renders_to_a_picture_that_is_not_blank(tmp_path):
    pngs = previews.render_previews(tmp_path, CHROMIUM)
    by_locale = {png.stem.rsplit("-", 1)[-1] if "zh-TW" not in png.stem else "zh-TW": png for png in pngs}
    assert {"en", "th", "vi", "zh-TW"} <= set(by_locale)
    for locale, png in by_locale.items():
        width, height, rows = _png_rows(png, max_rows=260)
        assert width == 800 and height >= 1000, locale
        pixels = {row[i : i + 3] for row in rows[::4] for i in range(0, len(row), 12)}
        assert len(pixels) > 20, f"{locale}: only {len(pixels)} colours, the picture looks blank"


def test_previews_cover_every_locale_without_chromium():
    locales = {email.locale for _, email in previews.preview_emails()}
    assert locales == {"en", "th", "vi", "zh-TW"}
