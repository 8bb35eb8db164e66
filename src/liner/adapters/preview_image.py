"""The 1200×630 preview image shown when a page is shared (Open Graph).

A mosaic of the person's album covers beside their name, drawn with Pillow
(raqm layout, so Arabic and other complex scripts shape and run right to
left). Text is split into runs and each run is drawn with the first font that
has every glyph in it: Noto Sans (Latin, Cyrillic, Greek), Noto Sans Arabic,
Noto Sans Hebrew, Noto Sans CJK (fonts-noto-core, fonts-noto-cjk). Characters
no font covers (emoji) are left out rather than drawn as boxes. Covers are
fetched once, concurrently, with a short timeout; a missing one becomes a
quiet coloured tile with the album's initial.
"""

from __future__ import annotations

import asyncio
import colorsys
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont
from PIL import Image, ImageDraw, ImageFont

from liner.adapters.http import HttpClient, HttpError

WIDTH, HEIGHT = 1200, 630
BACKGROUND = (250, 248, 244)
INK = (29, 28, 26)
MUTED = (107, 102, 94)
FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
# In preference order; the CJK collection's first face is Japanese, which also covers
# most Chinese and Korean names.
FONT_FILES = {
    "bold": ("NotoSans-Bold.ttf", "NotoSansArabic-Bold.ttf", "NotoSansHebrew-Bold.ttf",
             "NotoSansCJK-Bold.ttc"),
    "regular": ("NotoSans-Regular.ttf", "NotoSansArabic-Regular.ttf",
                "NotoSansHebrew-Regular.ttf", "NotoSansCJK-Regular.ttc"),
}  # fmt: skip


class FontsMissing(RuntimeError):
    """The Noto fonts are not installed (Debian: fonts-noto-core fonts-noto-cjk)."""


@dataclass(frozen=True)
class _Font:
    path: Path
    cmap: frozenset[int]


@lru_cache(maxsize=4)
def fonts(weight: str) -> tuple[_Font, ...]:
    found: list[_Font] = []
    for name in FONT_FILES[weight]:
        path = next((d / name for d in FONT_DIRS if (d / name).exists()), None)
        if path is None:
            continue
        # Read the character map once and close the file (fontTools keeps it open).
        if path.suffix == ".ttc":
            with TTCollection(str(path)) as collection:
                cmap = frozenset(collection.fonts[0].getBestCmap())
        else:
            with TTFont(str(path)) as face:
                cmap = frozenset(face.getBestCmap())
        found.append(_Font(path, cmap))
    if not found:
        raise FontsMissing(
            "No Noto fonts found: install the Debian packages fonts-noto-core and fonts-noto-cjk"
        )
    return tuple(found)


def runs(text: str, weight: str = "bold") -> list[tuple[str, Path]]:
    """Split text into runs that one font covers entirely; uncovered characters go."""
    out: list[tuple[str, Path]] = []
    for char in text:
        if char.isspace() and out:
            out[-1] = (out[-1][0] + char, out[-1][1])
            continue
        font = next((f for f in fonts(weight) if ord(char) in f.cmap), None)
        if font is None:
            continue  # an emoji or a rare symbol: leave it out, never draw a box
        if out and out[-1][1] == font.path:
            out[-1] = (out[-1][0] + char, font.path)
        else:
            out.append((char, font.path))
    return out


@lru_cache(maxsize=64)
def _truetype(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def _width(parts: list[tuple[str, Path]], size: int) -> float:
    return sum(_truetype(p, size).getlength(t) for t, p in parts)


def _fit(
    text: str, weight: str, max_width: int, sizes: Sequence[int]
) -> tuple[list[tuple[str, Path]], int]:
    """The largest size at which the text fits; else the smallest, shortened with an ellipsis."""
    for size in sizes:
        parts = runs(text, weight)
        if _width(parts, size) <= max_width:
            return parts, size
    size = sizes[-1]
    shortened = text
    while shortened and _width(runs(shortened + "…", weight), size) > max_width:
        shortened = shortened[:-1]
    return runs(shortened.rstrip() + "…", weight), size


def _draw_text(
    draw: ImageDraw.ImageDraw,
    x: int,
    y: int,
    parts: list[tuple[str, Path]],
    size: int,
    fill: tuple[int, int, int],
) -> None:
    rtl = any(_is_rtl(c) for t, _ in parts for c in t)
    order = list(reversed(parts)) if rtl else parts  # right-to-left names read from the right
    for text, path in order:
        font = _truetype(path, size)
        draw.text((x, y), text, font=font, fill=fill, anchor="ls")
        x += int(font.getlength(text))


def _is_rtl(char: str) -> bool:
    return "\u0590" <= char <= "\u08ff" or "\ufb1d" <= char <= "\ufeff"


def _tile(name: str, size: int) -> Image.Image:
    """A quiet placeholder for a missing cover: a muted colour from the name, its initial."""
    digest = hashlib.sha256(name.encode()).digest()
    r, g, b = colorsys.hls_to_rgb(digest[0] / 255, 0.72, 0.28)
    tile = Image.new("RGB", (size, size), (int(r * 255), int(g * 255), int(b * 255)))
    initial = next((c for c in name if not c.isspace()), "")
    parts = runs(initial) if initial else []
    if parts:
        draw = ImageDraw.Draw(tile)
        font = _truetype(parts[0][1], size // 2)
        draw.text((size // 2, size // 2), parts[0][0], font=font, fill=(255, 255, 255), anchor="mm")
    return tile


def _cover(data: bytes | None, name: str, size: int) -> Image.Image:
    if data:
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.draft("RGB", (size, size))
                square = image.convert("RGB")
            side = min(square.size)
            left, top = (square.width - side) // 2, (square.height - side) // 2
            return square.crop((left, top, left + side, top + side)).resize(
                (size, size), Image.Resampling.LANCZOS
            )
        except (OSError, ValueError, Image.DecompressionBombError):
            pass
    return _tile(name, size)


def render(
    *, display_name: str, handle: str, covers: Sequence[bytes | None], names: Sequence[str]
) -> bytes:
    """The preview image as PNG bytes (deterministic for the same input)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    # Covers: a 3×2 mosaic on the right, edge to edge, gaps of 6 px.
    tile, gap = 204, 6
    count = min(6, len(names))
    left = WIDTH - 3 * tile - 2 * gap
    for i in range(6):
        if count:  # fewer than six albums: the mosaic repeats them
            data = covers[i % count] if i % count < len(covers) else None
            name = names[i % count]
        else:
            data, name = None, display_name
        x = left + (i % 3) * (tile + gap)
        y = (HEIGHT - 2 * tile - gap) // 2 + (i // 3) * (tile + gap)
        image.paste(_cover(data, name, tile), (x, y))
    draw = ImageDraw.Draw(image)
    text_width = left - 2 * 60
    name_parts, name_size = _fit(display_name, "bold", text_width, (64, 56, 48, 40, 34))
    _draw_text(draw, 60, 300, name_parts, name_size, INK)
    handle_parts, handle_size = _fit(f"@{handle}", "regular", text_width, (30, 26))
    _draw_text(draw, 60, 352, handle_parts, handle_size, MUTED)
    mark = runs("Liner", "bold")
    _draw_text(draw, 60, HEIGHT - 56, mark, 26, MUTED)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


async def fetch_covers(
    http: HttpClient, urls: Sequence[str | None], *, max_bytes: int = 2_000_000
) -> list[bytes | None]:
    """Each cover once, concurrently; anything that fails is None (never raises)."""

    async def one(url: str | None) -> bytes | None:
        if not url or not url.startswith(("http://", "https://")):
            return None
        try:
            response = await http.send("GET", url)
        except HttpError:
            return None
        if response.status_code != 200 or len(response.content) > max_bytes:
            return None
        return response.content

    return list(await asyncio.gather(*(one(u) for u in urls)))
