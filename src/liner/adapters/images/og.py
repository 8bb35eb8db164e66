"""The Open Graph preview image: a 1200x630 PNG of a person's album covers and name.

External contract:

- ``render_og_image`` is pure and blocking (run it in a worker thread): the same
  arguments always give the same PNG bytes. Up to six covers are laid out as a
  square mosaic on the left (the first album largest when there are five or
  six); the display name and ``@handle`` sit in a calm band on the right. A
  cover that is ``None`` or does not decode as an image becomes a generated
  tile: a muted colour derived from a hash of its album name, with the name's
  first letter.
- Fonts are Debian's Noto fonts, read from ``FONT_DIRS``: Noto Sans for Latin,
  Cyrillic and Greek, Noto Sans Arabic, Noto Sans CJK (a ``.ttc``: the face is
  chosen per text, Korean for Hangul, Japanese otherwise, since a Han-only name
  cannot tell us its language), then whatever other Noto Sans scripts are
  installed, and Noto Color Emoji when present. Text is split into runs per
  font by cmap coverage (fontTools), runs are put in visual order (a
  run-level form of the Unicode bidi algorithm) and each run is shaped by
  Pillow's raqm layout (HarfBuzz + FriBiDi). A character no installed font
  covers is left out rather than drawn as a box; so is an emoji when Noto
  Color Emoji is missing.
- ``FontsMissing`` is raised at render time, naming the Debian packages to
  install, when the required fonts are absent.
- ``fetch_covers`` downloads cover images through ``HttpClient.send`` (GET,
  concurrently, each bounded by ``timeout`` seconds including retries); any
  failure, a non-200 answer, an oversize body or bytes that are not a
  JPEG/PNG/WebP give ``None``. It never raises. The body is read in full before
  its size is checked (``HttpClient`` does not stream), so ``max_bytes`` bounds
  what is kept, and the timeout bounds what is read.
"""

from __future__ import annotations

import asyncio
import colorsys
import functools
import hashlib
import io
import logging
import math
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, ImageOps

from liner.adapters.http import HttpClient

__all__ = [
    "FONT_DIRS",
    "HEIGHT",
    "MAX_COVERS",
    "WIDTH",
    "Face",
    "FontsMissing",
    "Run",
    "fetch_covers",
    "font_for",
    "fonts_available",
    "render_og_image",
    "segment",
    "tile_boxes",
]

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
MAX_COVERS = 6

FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/opentype/noto"),
)

# ---------------------------------------------------------------------------
# Fonts


@dataclass(frozen=True, slots=True)
class _FontFile:
    key: str
    regular: str
    bold: str | None
    package: str


_REQUIRED = (
    _FontFile("latin", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "fonts-noto-core"),
    _FontFile("arabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf", "fonts-noto-core"),
    _FontFile("cjk", "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", "fonts-noto-cjk"),
)
# Used when installed, in this order, for characters the required fonts lack.
_OPTIONAL = tuple(
    _FontFile(key, f"NotoSans{name}-Regular.ttf", f"NotoSans{name}-Bold.ttf", "fonts-noto-core")
    for key, name in (
        ("hebrew", "Hebrew"),
        ("devanagari", "Devanagari"),
        ("bengali", "Bengali"),
        ("gurmukhi", "Gurmukhi"),
        ("gujarati", "Gujarati"),
        ("oriya", "Oriya"),
        ("tamil", "Tamil"),
        ("telugu", "Telugu"),
        ("kannada", "Kannada"),
        ("malayalam", "Malayalam"),
        ("sinhala", "Sinhala"),
        ("thai", "Thai"),
        ("lao", "Lao"),
        ("khmer", "Khmer"),
        ("myanmar", "Myanmar"),
        ("georgian", "Georgian"),
        ("armenian", "Armenian"),
        ("ethiopic", "Ethiopic"),
        ("thaana", "Thaana"),
        ("syriac", "Syriac"),
        ("mongolian", "Mongolian"),
        ("cherokee", "Cherokee"),
        ("canadian", "CanadianAboriginal"),
        ("tifinagh", "Tifinagh"),
        ("math", "Math"),
        ("symbols", "Symbols"),
        ("symbols2", "Symbols2"),
    )
)
_EMOJI = _FontFile("emoji", "NotoColorEmoji.ttf", None, "fonts-noto-color-emoji")

# Faces inside NotoSansCJK-*.ttc (fonts-noto-cjk): 0 JP, 1 KR, 2 SC, 3 TC, 4 HK.
_CJK_INDEX = {"jp": 0, "kr": 1, "sc": 2, "tc": 3, "hk": 4}
# Noto Color Emoji is a bitmap font with a single 109 px strike.
_EMOJI_STRIKE = 109


class FontsMissing(RuntimeError):
    """The fonts the preview image needs are not installed."""

    def __init__(self, missing: Sequence[str], packages: Sequence[str]) -> None:
        super().__init__(
            f"preview image fonts are missing ({', '.join(missing)}): "
            f"install the Debian packages {' '.join(packages)} "
            f"(apt-get install {' '.join(packages)})"
        )
        self.missing = tuple(missing)
        self.packages = tuple(packages)


def fonts_available(dirs: Sequence[Path] | None = None) -> dict[str, Path]:
    """The preview fonts found in ``dirs`` (default ``FONT_DIRS``).

    Keys: ``latin``, ``arabic``, ``cjk`` and each optional script name for the
    regular weight, the same with ``-bold`` for bold, and ``emoji``.
    """
    found: dict[str, Path] = {}
    folders = [Path(d) for d in (FONT_DIRS if dirs is None else dirs)]
    for spec in (*_REQUIRED, *_OPTIONAL, _EMOJI):
        for key, name in ((spec.key, spec.regular), (f"{spec.key}-bold", spec.bold)):
            if name is None:
                continue
            for folder in folders:
                path = folder / name
                if path.is_file():
                    found[key] = path
                    break
    return found


@functools.lru_cache(maxsize=64)
def _cmap(path: Path, index: int) -> frozenset[int]:
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


@functools.lru_cache(maxsize=256)
def _pil_font(path: Path, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=index, layout_engine=ImageFont.Layout.RAQM)


@dataclass(frozen=True, slots=True)
class Face:
    """One font face: a file, the face's index inside it, and whether it is colour emoji."""

    name: str
    path: Path
    index: int = 0
    color: bool = False

    @property
    def cmap(self) -> frozenset[int]:
        return _cmap(self.path, self.index)

    def covers(self, text: str) -> bool:
        """Every character of ``text`` (ignorable format characters aside) has a glyph."""
        cmap = self.cmap
        return all(ord(c) in cmap for c in text if not _ignorable(c))

    def load(self, size: int) -> ImageFont.FreeTypeFont:
        """A Pillow font; colour emoji only load at their one strike size."""
        return _pil_font(self.path, self.index, _EMOJI_STRIKE if self.color else size)


@dataclass(frozen=True, slots=True)
class _Faces:
    text: tuple[Face, ...]  # in order of preference
    emoji: Face | None


def _faces(*, bold: bool, cjk: str) -> _Faces:
    return _faces_from(_discovered(FONT_DIRS), bold=bold, cjk=cjk)


@functools.lru_cache(maxsize=8)
def _discovered(dirs: tuple[Path, ...]) -> tuple[tuple[str, Path], ...]:
    """``fonts_available`` once per folder list: segmenting asks many times per render."""
    return tuple(sorted(fonts_available(dirs).items()))


@functools.lru_cache(maxsize=32)
def _faces_from(fonts: tuple[tuple[str, Path], ...], *, bold: bool, cjk: str) -> _Faces:
    found = dict(fonts)
    missing = [
        name
        for spec in _REQUIRED
        for name in (spec.regular, spec.bold)
        if name and f"{spec.key}{'-bold' if name == spec.bold else ''}" not in found
    ]
    if missing:
        packages = sorted({spec.package for spec in _REQUIRED})
        raise FontsMissing(missing, packages)
    faces: list[Face] = []
    for spec in (*_REQUIRED, *_OPTIONAL):
        path = found.get(f"{spec.key}-bold") if bold else None
        path = path or found.get(spec.key)
        if path is None:
            continue
        index = _CJK_INDEX[cjk] if spec.key == "cjk" else 0
        faces.append(Face(f"{spec.key}{'-bold' if bold else ''}", path, index))
    emoji = found.get("emoji")
    return _Faces(tuple(faces), Face("emoji", emoji, 0, color=True) if emoji else None)


def _cjk_variant(text: str) -> str:
    """Which face of Noto Sans CJK suits ``text``: Hangul reads Korean; anything
    else gets the Japanese face (right for kana, and Han alone cannot tell us
    whether a name is Chinese or Japanese)."""
    for char in text:
        name = unicodedata.name(char, "")
        if name.startswith("HANGUL"):
            return "kr"
    return "jp"


# ---------------------------------------------------------------------------
# Text: clusters, font runs, visual order


_ZWJ = "\u200d"
_EMOJI_SIGNS = {"\ufe0f", "\u20e3"}  # emoji presentation selector, combining keycap


def _ignorable(char: str) -> bool:
    """Default-ignorable format characters: shaping consumes them, no glyph needed."""
    cp = ord(char)
    return (
        char in {"\u200c", _ZWJ, "\u2060", "\ufeff", "\u00ad"}
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or 0xE0020 <= cp <= 0xE007F
    )


def _joins_previous(char: str) -> bool:
    cp = ord(char)
    return (
        unicodedata.category(char) in {"Mn", "Mc", "Me"}
        or _ignorable(char)
        or 0x1F3FB <= cp <= 0x1F3FF  # skin tone modifiers
    )


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _clusters(text: str) -> Iterator[str]:
    """User-perceived characters, closely enough for choosing fonts: a base with
    its marks and selectors, ZWJ sequences, flag pairs."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        if _regional(text[i]) and j < n and _regional(text[j]):
            j += 1
        while j < n:
            if text[j - 1] == _ZWJ:
                j += 1  # the character a joiner joins
            elif _joins_previous(text[j]):
                j += 1
            else:
                break
        yield text[i:j]
        i = j


def _is_emoji(cluster: str) -> bool:
    """Emoji presentation: pictographs, flags, keycaps, anything asking for it."""
    if any(c in _EMOJI_SIGNS or 0x1F3FB <= ord(c) <= 0x1F3FF for c in cluster):
        return True
    if _ZWJ in cluster and len(cluster) > 2:
        return True
    base = cluster[0]
    if _regional(base):
        return True
    return 0x1F000 <= ord(base) <= 0x1FAFF and unicodedata.category(base) == "So"


def _clean(text: str) -> str:
    """One line: whitespace runs become single spaces; controls and bidi overrides go."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category.startswith("Z") or char in "\t\n\r\v\f":
            kept.append(" ")
        elif category in {"Cc", "Cs", "Co", "Cn"} or (category == "Cf" and not _ignorable(char)):
            continue  # includes LRE/RLO/isolates: we do the ordering ourselves
        else:
            kept.append(char)
    return " ".join("".join(kept).split())


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of text drawn with one face in one direction; runs come in visual order."""

    text: str
    face: Face
    rtl: bool = False


def _face_for_cluster(cluster: str, faces: _Faces, previous: Face | None) -> Face | None:
    if _is_emoji(cluster):
        if faces.emoji and faces.emoji.covers(cluster):
            return faces.emoji
        return None  # no colour emoji font: leave it out rather than draw a box
    if (
        previous is not None
        and not previous.color
        and _neutral(cluster)
        and previous.covers(cluster)
    ):
        return previous  # spaces and punctuation stay with the run they sit in
    for face in faces.text:
        if face.covers(cluster):
            return face
    if faces.emoji and faces.emoji.covers(cluster):
        return faces.emoji  # an emoji without a selector (say, U+2615) that no text font has
    return None


def _neutral(cluster: str) -> bool:
    return unicodedata.bidirectional(cluster[0]) not in {"L", "R", "AL", "EN", "AN"}


def _strength(cluster: str) -> str:
    """'R' (right-to-left), 'L' (left-to-right, digits included) or 'N' (neutral)."""
    kind = unicodedata.bidirectional(cluster[0])
    if kind in {"R", "AL", "AN"}:
        return "R"
    if kind in {"L", "EN"}:
        return "L"
    return "N"


def _rtl_paragraph(text: str) -> bool:
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in {"R", "AL"}:
            return True
        if kind == "L":
            return False
    return False


def segment(text: str, *, bold: bool = True) -> list[Run]:
    """``text`` as font runs in visual (left-to-right drawing) order.

    Each cluster gets the first face that covers it (spaces and punctuation
    stay with their neighbours' face); clusters no face covers are dropped.
    Directions follow a run-level reading of the Unicode bidi algorithm:
    paragraph direction from the first strong character, neutrals take the
    direction of the strong text around them (else the paragraph's), and
    runs at higher levels are reversed (rule L2); raqm orders within a run.
    """
    text = _clean(text)
    faces = _faces(bold=bold, cjk=_cjk_variant(text))
    base = 1 if _rtl_paragraph(text) else 0

    items: list[tuple[str, Face, str]] = []
    previous: Face | None = None
    for cluster in _clusters(text):
        face = _face_for_cluster(cluster, faces, previous)
        if face is None:
            continue
        if cluster == " " and (not items or items[-1][0] == " "):
            continue  # a dropped character must not leave a double space behind
        items.append((cluster, face, _strength(cluster)))
        previous = face

    while items and items[-1][0] == " ":
        items.pop()

    # Resolve neutrals (rules N1/N2): between text of one direction they take it,
    # otherwise (and at either end) the paragraph's. Then assign levels.
    paragraph = "R" if base else "L"
    strengths = [s for _, _, s in items]
    levels: list[int] = []
    for i, strength in enumerate(strengths):
        if strength == "N":
            before = next((s for s in reversed(strengths[:i]) if s != "N"), paragraph)
            after = next((s for s in strengths[i + 1 :] if s != "N"), paragraph)
            strength = before if before == after else paragraph
        if base == 0:
            levels.append(1 if strength == "R" else 0)
        else:
            levels.append(1 if strength == "R" else 2)

    # Merge into runs of one face and one level.
    grouped: list[tuple[str, Face, int]] = []
    for (cluster, face, _), level in zip(items, levels, strict=True):
        if grouped and grouped[-1][1] == face and grouped[-1][2] == level:
            grouped[-1] = (grouped[-1][0] + cluster, face, level)
        else:
            grouped.append((cluster, face, level))

    # Rule L2: reverse every maximal sequence at each level and above.
    order = list(range(len(grouped)))
    top = max((g[2] for g in grouped), default=0)
    lowest_odd = 1
    for level in range(top, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if grouped[order[i]][2] >= level:
                j = i
                while j < len(order) and grouped[order[j]][2] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return [Run(grouped[k][0], grouped[k][1], rtl=grouped[k][2] % 2 == 1) for k in order]


def font_for(text: str, *, bold: bool = True) -> Face | None:
    """The first face that covers every character of ``text`` (the colour emoji
    face for emoji), or None when no single face does."""
    text = _clean(text)
    faces = _faces(bold=bold, cjk=_cjk_variant(text))
    clusters = list(_clusters(text))
    if clusters and all(_is_emoji(c) for c in clusters):
        return faces.emoji if faces.emoji and faces.emoji.covers(text) else None
    for face in faces.text:
        if face.covers(text):
            return face
    return None


# ---------------------------------------------------------------------------
# Drawing text


_Rgb = tuple[int, int, int]


def _direction(run: Run) -> str:
    return "rtl" if run.rtl else "ltr"


def _advance(run: Run, size: int) -> float:
    font = run.face.load(size)
    width = font.getlength(run.text, direction=_direction(run))
    return width * size / _EMOJI_STRIKE if run.face.color else width


def _line_width(runs: Sequence[Run], size: int) -> float:
    return sum(_advance(run, size) for run in runs)


def _draw_runs(
    image: Image.Image, x: float, baseline: float, runs: Sequence[Run], size: int, fill: _Rgb
) -> None:
    draw = ImageDraw.Draw(image)
    for run in runs:
        font = run.face.load(size)
        if run.face.color:
            _draw_emoji(image, x, baseline, run, size)
        else:
            draw.text(
                (x, baseline),
                run.text,
                font=font,
                fill=fill,
                anchor="ls",
                direction=_direction(run),
            )
        x += _advance(run, size)


def _draw_emoji(image: Image.Image, x: float, baseline: float, run: Run, size: int) -> None:
    """Colour bitmaps come at one size: draw at the strike, scale to the text size."""
    font = run.face.load(size)
    ascent, descent = font.getmetrics()
    width = math.ceil(font.getlength(run.text))
    strip = Image.new("RGBA", (max(1, width), ascent + descent), (0, 0, 0, 0))
    ImageDraw.Draw(strip).text((0, ascent), run.text, font=font, anchor="ls", embedded_color=True)
    scale = size / _EMOJI_STRIKE
    scaled = strip.resize(
        (max(1, round(strip.width * scale)), max(1, round(strip.height * scale))),
        Image.Resampling.LANCZOS,
    )
    image.paste(scaled, (round(x), round(baseline - ascent * scale)), scaled)


def _fit_line(text: str, size: int, max_width: float, *, bold: bool) -> list[Run]:
    """``text`` at ``size``, cut with an ellipsis (at a cluster boundary) to fit."""
    runs = segment(text, bold=bold)
    if _line_width(runs, size) <= max_width:
        return runs
    clusters = list(_clusters(_clean(text)))
    low, high = 0, len(clusters)  # binary search for the longest prefix that fits
    best = segment("…", bold=bold)
    while low < high:
        middle = (low + high + 1) // 2
        candidate = segment("".join(clusters[:middle]).rstrip() + "…", bold=bold)
        if _line_width(candidate, size) <= max_width:
            best, low = candidate, middle
        else:
            high = middle - 1
    return best


def _layout_name(
    text: str, max_width: float, *, sizes: tuple[int, int, int], bold: bool = True
) -> tuple[list[list[Run]], int]:
    """Lines and size for the display name: one line as large as fits, else two
    lines split at the most balanced space, else the smallest size, ellipsised."""
    largest, smallest, two_line_largest = sizes
    runs = segment(text, bold=bold)
    for size in range(largest, smallest - 1, -2):
        if _line_width(runs, size) <= max_width:
            return [runs], size
    words = _clean(text).split(" ")
    if len(words) > 1:
        splits = [
            [segment(" ".join(words[:cut]), bold=bold), segment(" ".join(words[cut:]), bold=bold)]
            for cut in range(1, len(words))
        ]
        for size in range(two_line_largest, smallest - 1, -2):
            best: tuple[float, list[list[Run]]] | None = None
            for lines in splits:
                widest = max(_line_width(line, size) for line in lines)
                if widest <= max_width and (best is None or widest < best[0]):
                    best = (widest, lines)
            if best is not None:
                return best[1], size
        # Fill the first line, ellipsise the rest.
        cut = 1
        while cut < len(words) and (
            _line_width(segment(" ".join(words[: cut + 1]), bold=bold), smallest) <= max_width
        ):
            cut += 1
        first = _fit_line(" ".join(words[:cut]), smallest, max_width, bold=bold)
        if cut == len(words):
            return [first], smallest
        rest = _fit_line(" ".join(words[cut:]), smallest, max_width, bold=bold)
        return [first, rest], smallest
    return [_fit_line(text, smallest, max_width, bold=bold)], smallest


# ---------------------------------------------------------------------------
# Covers and placeholders


def tile_boxes(count: int) -> list[tuple[int, int, int, int]]:
    """The (left, top, right, bottom) boxes of the mosaic for ``count`` covers,
    slot i holding cover i. The mosaic is the left 630x630 square."""
    side, gap = HEIGHT, _GAP
    if count <= 1:
        return [(0, 0, side, side)]
    if count <= 4:
        half = (side - gap) // 2
        return [(x, y, x + half, y + half) for y in (0, side - half) for x in (0, side - half)]
    small = (side - 2 * gap) // 3
    big = side - small - gap
    right, bottom = side - small, side - small
    return [
        (0, 0, big, big),
        (right, 0, side, small),
        (right, small + gap, side, small + gap + small),
        (0, bottom, small, side),
        (small + gap, bottom, small + gap + small, side),
        (right, bottom, side, side),
    ]


_GAP = 6
_FORMATS = {"JPEG", "PNG", "WEBP"}
_MAX_PIXELS = 40_000_000  # far above any cover art; refuses decompression bombs


def _decode(data: bytes | None) -> Image.Image | None:
    """An RGB(A) image from JPEG/PNG/WebP bytes, or None for anything else."""
    if not data:
        return None
    try:
        opened = Image.open(io.BytesIO(data))
        if opened.format not in _FORMATS or opened.width * opened.height > _MAX_PIXELS:
            return None
        if opened.format == "JPEG":
            opened.draft("RGB", (HEIGHT, HEIGHT))  # decode at a reduced scale: much faster
        image = ImageOps.exif_transpose(opened)
        if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info:
            return image.convert("RGBA")
        return image.convert("RGB")
    except Exception:  # a cover is decoration: any decoding failure means a placeholder
        return None


def _fit_cover(image: Image.Image, size: tuple[int, int], backdrop: _Rgb) -> Image.Image:
    fitted = ImageOps.fit(image, size, Image.Resampling.LANCZOS)
    if fitted.mode == "RGBA":
        flat = Image.new("RGB", size, backdrop)
        flat.paste(fitted, (0, 0), fitted)
        return flat
    return fitted


def _hls(h: float, lightness: float, saturation: float) -> _Rgb:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)


def _mix(a: _Rgb, b: _Rgb, t: float) -> _Rgb:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _placeholder_colour(name: str, slot: int) -> _Rgb:
    key = _clean(name).casefold() or f"slot-{slot}"
    digest = hashlib.sha256(key.encode()).digest()
    hue = int.from_bytes(digest[:2], "big") / 65535
    lightness = 0.30 + digest[2] / 255 * 0.12
    saturation = 0.16 + digest[3] / 255 * 0.18
    return _hls(hue, lightness, saturation)


def _initial(name: str) -> str:
    """The first letter-like cluster of ``name``, upper-cased where the script has case."""
    for cluster in _clusters(_clean(name)):
        category = unicodedata.category(cluster[0])
        if category[0] in {"L", "N"} or _is_emoji(cluster):
            upper = cluster.upper()
            return upper if len(upper) == len(cluster) else cluster
    return ""


def _grooves(tile: Image.Image, colour: _Rgb) -> None:
    """Faint concentric rings, like the grooves of a record."""
    draw = ImageDraw.Draw(tile)
    side = min(tile.size)
    cx, cy = tile.width / 2, tile.height / 2
    radius = side * 0.44
    while radius > side * 0.12:
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=colour, width=1)
        radius -= max(3.0, side * 0.022)


def _placeholder(name: str, slot: int, size: tuple[int, int]) -> Image.Image:
    """A calm generated tile: a muted colour from the album name, faint record
    grooves, and the name's initial in a font that covers its script."""
    colour = _placeholder_colour(name, slot)
    tile = Image.new("RGB", size, colour)
    _grooves(tile, _mix(colour, (255, 255, 255), 0.07))
    side = min(size)
    cx, cy = size[0] / 2, size[1] / 2
    letter = _initial(name)
    runs = segment(letter) if letter else []
    if not runs:  # nothing drawable (say, an emoji without the emoji font): the label dot
        dot = side * 0.05
        ImageDraw.Draw(tile).ellipse(
            (cx - dot, cy - dot, cx + dot, cy + dot), fill=_mix(colour, (255, 255, 255), 0.2)
        )
        return tile
    text_size = round(side * 0.32)
    ink = _mix(colour, (255, 255, 255), 0.72)
    # Centre the letter's ink, not its line box: scripts sit very differently on the baseline.
    scratch = Image.new("RGB", (side * 2, side * 2), (0, 0, 0))
    _draw_runs(scratch, side / 2, side, runs, text_size, (255, 255, 255))
    box = scratch.getbbox()
    if box is None:
        return tile
    x = side / 2 + cx - (box[0] + box[2]) / 2
    y = side + cy - (box[1] + box[3]) / 2
    _draw_runs(tile, x, y, runs, text_size, ink)
    return tile


# ---------------------------------------------------------------------------
# The image

_PAPER: _Rgb = (21, 20, 19)
_INK: _Rgb = (244, 240, 232)
_MUTED: _Rgb = (168, 161, 151)
_PANEL_LEFT = HEIGHT  # the text band starts where the square mosaic ends
_PAD = 64
_MAX_NAME = 120


def render_og_image(
    *,
    display_name: str,
    handle: str,
    covers: Sequence[bytes | None],
    names: Sequence[str] = (),
) -> bytes:
    """A 1200x630 PNG: the covers as a mosaic and the person's name; see the module doc."""
    _faces(bold=True, cjk="jp")  # fail early and clearly when fonts are missing
    slots = list(covers[:MAX_COVERS])
    album_names = [names[i] if i < len(names) else "" for i in range(len(slots))]
    boxes = tile_boxes(len(slots))

    decoded = [_decode(data) for data in slots]
    tiles: list[Image.Image] = []
    for i, box in enumerate(boxes):
        size = (box[2] - box[0], box[3] - box[1])
        image = decoded[i] if i < len(decoded) else None
        if image is not None:
            tiles.append(_fit_cover(image, size, _PAPER))
        elif i < len(slots):
            tiles.append(_placeholder(album_names[i], i, size))
        else:
            tiles.append(_empty_tile(size))

    # The background takes a hint of the covers' colour so the card feels of a piece.
    average = _average_colour(tiles)
    paper = _mix(_PAPER, average, 0.10)

    canvas = Image.new("RGB", (WIDTH, HEIGHT), paper)
    for tile, box in zip(tiles, boxes, strict=True):
        canvas.paste(tile, box[:2])
    _draw_text_band(canvas, display_name, handle, paper)

    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _empty_tile(size: tuple[int, int]) -> Image.Image:
    """A slot with no album: a quiet sleeve, a shade lighter than the paper."""
    colour = _mix(_PAPER, (255, 255, 255), 0.04)
    tile = Image.new("RGB", size, colour)
    _grooves(tile, _mix(colour, (255, 255, 255), 0.035))
    return tile


def _average_colour(tiles: Sequence[Image.Image]) -> _Rgb:
    if not tiles:
        return _PAPER
    sums = [0, 0, 0]
    for tile in tiles:
        pixel = tile.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
        assert isinstance(pixel, tuple)
        for channel in range(3):
            sums[channel] += int(pixel[channel])
    count = len(tiles)
    return (sums[0] // count, sums[1] // count, sums[2] // count)


def _draw_text_band(canvas: Image.Image, display_name: str, handle: str, paper: _Rgb) -> None:
    left = _PANEL_LEFT + _PAD
    max_width = WIDTH - _PAD - left
    # Past this many characters nothing more fits even at the smallest size.
    name = "".join(list(_clusters(_clean(display_name)))[:_MAX_NAME])
    if not segment(name):  # nothing drawable (empty, or only unknown characters)
        name = _clean(handle)
    lines, size = _layout_name(name, max_width, sizes=(72, 40, 64))
    line_height = round(size * 1.28)

    handle = "".join(list(_clusters(_clean(handle)))[:_MAX_NAME])
    handle_text = f"@{handle}" if handle else ""
    handle_size = 30
    handle_runs = _fit_line(handle_text, handle_size, max_width, bold=False) if handle_text else []

    # Name and handle form one block, centred a little above the middle.
    handle_gap = round(size * 0.34) + handle_size + 10  # last name baseline to handle baseline
    ascent = size * 0.98  # visual top of the name above its first baseline
    block = ascent + line_height * (len(lines) - 1) + (handle_gap if handle_runs else 0)
    baseline = (HEIGHT - block) / 2 - 14 + ascent
    for i, runs in enumerate(lines):
        if i:
            baseline += line_height
        _draw_runs(canvas, left, baseline, runs, size, _INK)
    if handle_runs:
        _draw_runs(canvas, left, baseline + handle_gap, handle_runs, handle_size, _MUTED)

    # A thin rule and the product's name at the foot of the band.
    draw = ImageDraw.Draw(canvas)
    foot = HEIGHT - _PAD
    rule = _mix(paper, _INK, 0.16)
    draw.line((left, foot - 40, left + 56, foot - 40), fill=rule, width=2)
    mark = segment("liner", bold=True)
    _draw_runs(canvas, left, foot, mark, 22, _mix(paper, _INK, 0.45))


# ---------------------------------------------------------------------------
# Fetching covers


_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


def _looks_like_image(data: bytes) -> bool:
    return data.startswith(_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


async def fetch_covers(
    http: HttpClient,
    urls: Sequence[str | None],
    *,
    timeout: float = 3.0,  # noqa: ASYNC109 - per cover, not for the whole call
    max_bytes: int = 2_000_000,
) -> list[bytes | None]:
    """Cover bytes for each URL (None where there is no usable image), fetched concurrently."""

    async def one(url: str | None) -> bytes | None:
        if not url:
            return None
        try:
            if urlsplit(url).scheme not in {"http", "https"}:
                return None
            async with asyncio.timeout(timeout):
                response = await http.send("GET", url, idempotent=True)
        except Exception as exc:  # a cover is decoration: any failure means a placeholder
            log.info("cover fetch failed: %s", type(exc).__name__)
            return None
        data = response.content
        if response.status_code != 200 or len(data) > max_bytes or not _looks_like_image(data):
            return None
        return data

    return list(await asyncio.gather(*(one(url) for url in urls)))
