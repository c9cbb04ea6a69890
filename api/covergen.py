"""Generated covers for books nobody has supplied one for: title and author on a calm plain background,
under a band that says "yidu · 无封面 / no cover", so no reader takes it for the publisher's cover.

Chinese titles need a CJK font: the first of `fc-list :lang=zh` (fonts that really cover Chinese;
`fc-match` would return its nearest font even when that has no Han glyphs), then the usual Debian
paths. Without one, Pillow's default font is used and only what it can draw (Latin script) is drawn:
a Chinese title then shows its romanised form when the record has one, else the ISBN.

Rendering takes a few milliseconds; the last CACHE_SIZE covers are kept (about 10-25 KB each).
"""
from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = (300, 450)
MARGIN = 24
CACHE_SIZE = 512
MARKER, MARKER_LATIN = "yidu · 无封面 / no cover", "yidu · no cover"
BACKGROUNDS = ((233, 237, 241), (237, 234, 226), (228, 237, 231), (238, 231, 233), (231, 233, 241),
               (240, 237, 228))
INK, SOFT = (38, 46, 58), (96, 104, 116)
CJK_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc",
             "/System/Library/Fonts/PingFang.ttc")
_UNITS = re.compile(r"[A-Za-z0-9\u00C0-\u024F'’.,:;!?()\-]+\s*|\s+|.")
_LATIN = re.compile(r"[^\u0020-\u024F\u2010-\u2027]")


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font file that covers Chinese, or None."""
    found = []
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", ":lang=zh", "-f", "%{file}\n"], capture_output=True, text=True,
                                 timeout=10).stdout
            found = sorted(line.strip() for line in out.splitlines() if line.strip())
        except (OSError, subprocess.SubprocessError):
            found = []
    for path in [*found, *CJK_FONTS]:
        if Path(path).is_file():
            return path
    return None


@lru_cache(maxsize=16)
def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """(font, covers Chinese)."""
    path = cjk_font_path()
    if path:
        try:
            return ImageFont.truetype(path, size), True
        except OSError:
            pass
    return ImageFont.load_default(size=size), False


def drawable(text: str, cjk: bool) -> str:
    """What the font can draw: everything with a CJK font, Latin script only with the fallback."""
    return text if cjk else re.sub(r"\s+", " ", _LATIN.sub("", text)).strip()


NO_LINE_START = frozenset("，。、；：？！）》」』】〉”’,.;:?!)]}…·")


def wrap(text: str, font, width: int) -> list[str]:
    """Lines no wider than `width`: Western words stay whole, Han characters break anywhere."""
    lines, line = [], ""
    units = _UNITS.findall(text)
    units = [piece for unit in units for piece in (unit if font.getlength(unit.strip()) > width else [unit])]
    for unit in units:
        # closing punctuation never starts a line (Chinese line-breaking rule): it stays on the line before
        if line and font.getlength((line + unit).rstrip()) > width and unit.strip()[:1] not in NO_LINE_START:
            lines.append(line.rstrip())
            line = unit.lstrip()
        else:
            line += unit
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fit(text: str, sizes: tuple[int, ...], max_lines: int, width: int):
    """The largest font size at which `text` fits in `max_lines` (the last size cuts it with an ellipsis)."""
    for size in sizes:
        font, _ = _font(size)
        lines = wrap(text, font, width)
        if len(lines) <= max_lines:
            return font, size, lines
    lines = lines[:max_lines]
    lines[-1] = lines[-1][:-1] + "…"
    return font, size, lines


def _background(title: str, author: str) -> tuple[int, int, int]:
    digest = hashlib.sha1(f"{title}\n{author}".encode()).digest()
    return BACKGROUNDS[digest[0] % len(BACKGROUNDS)]


def render(title: str, author: str = "", isbn: str = "", *, fmt: str = "png", alt_title: str = "") -> bytes:
    """The cover image (PNG or JPEG bytes)."""
    _, cjk = _font(16)
    title = drawable(title, cjk) or drawable(alt_title, cjk) or (f"ISBN {isbn}" if isbn else "")
    author = drawable(author, cjk)
    background = _background(title, author)
    image = Image.new("RGB", SIZE, background)
    draw = ImageDraw.Draw(image)
    width = SIZE[0] - 2 * MARGIN
    band = tuple(max(0, c - 22) for c in background)
    draw.rectangle((0, 0, SIZE[0], 44), fill=band)
    marker_font, _ = _font(15)
    draw.text((MARGIN, 13), MARKER if cjk else MARKER_LATIN, font=marker_font, fill=SOFT)
    y = 96
    font, size, lines = _fit(title, (32, 28, 24, 20, 17), 7, width)
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=INK)
        y += int(size * 1.3)
    if author:
        draw.line((MARGIN, y + 14, MARGIN + 48, y + 14), fill=SOFT, width=2)
        afont, asize, alines = _fit(author, (19, 16), 3, width)
        for i, line in enumerate(alines):
            draw.text((MARGIN, y + 30 + i * int(asize * 1.35)), line, font=afont, fill=SOFT)
    if isbn:
        small, _ = _font(13)
        draw.text((MARGIN, SIZE[1] - 34), f"ISBN {isbn}", font=small, fill=SOFT)
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "JPEG", quality=85)
    return out.getvalue()


@lru_cache(maxsize=CACHE_SIZE)
def cover(title: str, author: str, isbn: str, fmt: str, alt_title: str = "") -> bytes:
    return render(title, author, isbn, fmt=fmt, alt_title=alt_title)
