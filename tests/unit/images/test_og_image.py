"""The Open Graph preview image: its size, its covers, its placeholders and its type.

Fonts are Debian's Noto fonts (fonts-noto-core, fonts-noto-cjk; the Makefile
installs them). "No tofu" is checked glyph by glyph: every character of every
name must come from a font whose cmap has it, and its bitmap must differ from
the box that font draws for a code point it lacks.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from liner.adapters.images import og
from liner.adapters.images.og import (
    HEIGHT,
    WIDTH,
    Face,
    FontsMissing,
    font_for,
    fonts_available,
    render_og_image,
    segment,
    tile_boxes,
)

Rgb = tuple[int, int, int]
RED, GREEN, BLUE = (220, 30, 30), (30, 200, 60), (30, 60, 220)
YELLOW, MAGENTA, CYAN = (235, 210, 40), (200, 40, 200), (40, 200, 210)
SIX = [RED, GREEN, BLUE, YELLOW, MAGENTA, CYAN]
MISSING = "\uffff"  # a noncharacter: no font has a glyph for it
HAS_EMOJI_FONT = "emoji" in fonts_available()


def solid(colour: Rgb, *, fmt: str = "PNG", size: tuple[int, int] = (300, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def render(
    covers: Sequence[bytes | None] = (),
    *,
    display_name: str = "Maren Solberg",
    handle: str = "maren",
    names: Sequence[str] = (),
) -> Image.Image:
    data = render_og_image(display_name=display_name, handle=handle, covers=covers, names=names)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


def mean(image: Image.Image, box: tuple[int, int, int, int]) -> Rgb:
    r, g, b = ImageStat.Stat(image.crop(box)).mean
    return round(r), round(g), round(b)


def inner(box: tuple[int, int, int, int], margin: int = 20) -> tuple[int, int, int, int]:
    left, top, right, bottom = box
    return left + margin, top + margin, right - margin, bottom - margin


def close(a: Rgb, b: Rgb, tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def only_colour(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    colours = image.crop(box).getcolors(maxcolors=1)
    return colours is not None


# Shape


def test_it_is_a_1200_by_630_png() -> None:
    data = render_og_image(display_name="Maren", handle="maren", covers=[solid(RED)])
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    assert (WIDTH, HEIGHT) == (1200, 630)


def test_it_is_not_blank() -> None:
    image = render([solid(c) for c in SIX])
    assert min(ImageStat.Stat(image).stddev) > 20
    assert len(image.getcolors(maxcolors=1_000_000) or []) > 50


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 5, 6])
def test_the_tiles_sit_inside_the_left_square_without_overlapping(count: int) -> None:
    boxes = tile_boxes(count)
    assert len(boxes) >= max(count, 1)
    for left, top, right, bottom in boxes:
        assert 0 <= left < right <= HEIGHT and 0 <= top < bottom <= HEIGHT
        assert right - left == bottom - top  # covers stay square
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


# Covers


@pytest.mark.parametrize("count", [1, 2, 4, 5, 6])
def test_each_cover_is_drawn_in_its_own_tile(count: int) -> None:
    colours = SIX[:count]
    # JPEG and PNG both decode; a wide cover is cropped to its centre.
    covers = [
        solid(colour, fmt="JPEG" if i % 2 else "PNG", size=(300, 300) if i else (480, 300))
        for i, colour in enumerate(colours)
    ]
    image = render(covers)
    for colour, box in zip(colours, tile_boxes(count), strict=False):
        assert close(mean(image, inner(box)), colour), (colour, box)


def test_only_the_first_six_covers_are_used() -> None:
    image = render([solid(c) for c in SIX] + [solid((0, 0, 0))] * 3)
    for colour, box in zip(SIX, tile_boxes(6), strict=True):
        assert close(mean(image, inner(box)), colour)


def test_a_transparent_cover_is_drawn_over_the_paper_not_black_or_white() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (200, 200), (255, 0, 0, 0)).save(buffer, format="PNG")
    image = render([buffer.getvalue()])
    r, g, b = mean(image, inner(tile_boxes(1)[0]))
    assert max(r, g, b) < 60  # the dark paper shows through


GARBAGE: list[bytes | None] = [
    None,
    b"not an image at all",
    solid(RED, fmt="JPEG")[:40],  # a truncated JPEG
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a PNG signature and nothing valid
    solid(RED, fmt="GIF"),  # decodable, but not a cover format we accept
]


def test_missing_or_undecodable_covers_become_generated_tiles() -> None:
    names = ["Salt Year", "Кино", "فيروز", "坂本龍一", "Blue"]
    image = render(GARBAGE, names=names)
    paper = image.getpixel((WIDTH - 5, 5))
    for box in tile_boxes(len(GARBAGE))[: len(GARBAGE)]:
        tile = image.crop(box)
        corner = tile.getpixel((3, 3))
        assert corner != paper
        # A muted colour field, not red (the GIF) and not black or white.
        assert isinstance(corner, tuple)
        assert 40 < sum(corner) / 3 < 160
        assert max(corner) - min(corner) < 90
        # Its initial: a clearly lighter shape in the middle.
        middle = tile.crop(inner((0, 0, *tile.size), tile.size[0] // 4)).convert("L")
        assert middle.getextrema()[1] > sum(corner) / 3 + 80


def test_a_placeholder_colour_follows_the_album_name_not_the_slot() -> None:
    first = render([None], names=["Hounds of Love"])
    second = render([solid(RED), None], names=["Kid A", "Hounds of Love"])
    third = render([None], names=["Kid A"])
    one = first.getpixel((3, 3))
    assert second.getpixel((tile_boxes(2)[1][0] + 3, tile_boxes(2)[1][1] + 3)) == one
    assert third.getpixel((3, 3)) != one


def test_a_placeholder_without_any_name_still_renders() -> None:
    image = render([None, None], names=[])
    assert not only_colour(image, tile_boxes(2)[0])


# Text: fonts and coverage


def tofu_free(face: Face, char: str) -> bool:
    """Does ``face`` draw ``char`` differently from the box it draws for a missing code point?"""
    font = face.load(64)
    if face.color:

        def draw(text: str) -> bytes:
            image = Image.new("RGBA", (160, 160))
            ImageDraw.Draw(image).text((10, 10), text, font=font, embedded_color=True)
            return image.tobytes()

        return draw(char) != draw(MISSING)
    glyph, tofu = font.getmask(char), font.getmask(MISSING)
    return (glyph.size, bytes(glyph)) != (tofu.size, bytes(tofu))


NAMES = {
    "latin": "Maren Solberg Tomás Ferreira",
    "cyrillic": "Кино",
    "greek": "Ελένη Καραΐνδρου",
    "arabic": "فيروز",
    "hebrew": "עפרה חזה",
    "cjk-japanese": "坂本龍一 さかもと",
    "cjk-chinese": "王菲",
    "hangul": "아이유",
    "devanagari": "लता मंगेशकर",
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_every_character_of_a_name_has_a_real_glyph(name: str) -> None:
    face = font_for(name)
    assert face is not None
    assert all(ord(c) in face.cmap for c in name)
    for char in set(name) - {" "}:
        assert tofu_free(face, char), f"{char!r} is a box in {face.name}"


def test_the_tofu_check_does_catch_a_box() -> None:
    latin = font_for("a")
    assert latin is not None
    assert not tofu_free(latin, "坂")
    assert ord("坂") not in latin.cmap


def test_fonts_are_chosen_by_script() -> None:
    latin, arabic, japanese, korean = (
        font_for("Кино"),
        font_for("فيروز"),
        font_for("坂本龍一"),
        font_for("아이유"),
    )
    assert latin is not None and latin.path.name == "NotoSans-Bold.ttf"
    assert arabic is not None and arabic.path.name == "NotoSansArabic-Bold.ttf"
    assert japanese is not None and japanese.path.name == "NotoSansCJK-Bold.ttc"
    assert japanese.index == 0  # the JP face of the collection
    assert korean is not None and korean.index == 1  # the KR face
    regular = font_for("Кино", bold=False)
    assert regular is not None and regular.path.name == "NotoSans-Regular.ttf"


def test_a_mixed_name_is_split_into_runs_that_each_font_covers() -> None:
    name = "ليلى حداد 坂本龍一 Кино"
    runs = segment(name)
    assert {run.face.path.name for run in runs} == {
        "NotoSansArabic-Bold.ttf",
        "NotoSansCJK-Bold.ttc",
        "NotoSans-Bold.ttf",
    }
    for run in runs:
        assert run.face.covers(run.text)
        for char in set(run.text) - {" "}:
            assert tofu_free(run.face, char)
    assert sorted("".join(run.text for run in runs)) == sorted(name)
    assert font_for(name) is None  # no single font covers it


def test_right_to_left_text_is_ordered_for_drawing() -> None:
    # An Arabic paragraph: its first word is rightmost, the Latin run to its left.
    runs = segment("فيروز Kino")
    assert [run.text for run in runs] == ["Kino", "فيروز "]
    assert [run.rtl for run in runs] == [False, True]
    # A Latin paragraph keeps logical order around an Arabic word.
    runs = segment("Kino فيروز")
    assert [run.text for run in runs] == ["Kino ", "فيروز"]


def test_characters_no_font_has_are_left_out_not_boxed() -> None:
    runs = segment("Ma\U000f0000ren\u0378 \x00Sol\u202eberg")
    assert "".join(run.text for run in runs) == "Maren Solberg"


@pytest.mark.skipif(not HAS_EMOJI_FONT, reason="fonts-noto-color-emoji is not installed")
def test_emoji_are_drawn_in_colour_when_the_emoji_font_is_installed() -> None:
    for emoji in ["🎧", "👍🏽", "🇮🇸", "❤️"]:
        face = font_for(emoji)
        assert face is not None and face.color, emoji
        # Variation selectors are read through the cmap's format 14 subtable, not as glyphs.
        assert all(ord(c) in face.cmap for c in emoji if c != "\ufe0f")
        assert tofu_free(face, emoji)
    runs = segment("Sam 🎧")
    assert [(run.text, run.face.color) for run in runs] == [("Sam ", False), ("🎧", True)]
    # A red heart on near-black paper with off-white text: red pixels mean it was drawn.
    image = render(display_name="Sam ❤️", handle="sam")
    band = image.crop((HEIGHT, 0, WIDTH, HEIGHT))
    r, g, b = band.split()
    red = ImageChops.multiply(
        ImageChops.multiply(
            r.point(lambda v: 255 if v > 180 else 0), g.point(lambda v: 255 if v < 90 else 0)
        ),
        b.point(lambda v: 255 if v < 110 else 0),
    )
    assert red.histogram()[255] > 200


def fonts_folder_without(tmp_path: Path, *left_out: str) -> Path:
    folder = tmp_path / "fonts"
    folder.mkdir()
    for path in fonts_available().values():
        if path.name not in left_out and not (folder / path.name).exists():
            (folder / path.name).symlink_to(path)
    return folder


def test_without_the_emoji_font_emoji_are_dropped_not_boxed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(og, "FONT_DIRS", (fonts_folder_without(tmp_path, "NotoColorEmoji.ttf"),))
    assert "emoji" not in fonts_available(og.FONT_DIRS)
    runs = segment("Sam 🎧 👍🏽 and 🇮🇸")
    assert "".join(run.text for run in runs) == "Sam and"
    assert not any(run.face.color for run in runs)
    assert font_for("🎧") is None
    render([None], display_name="Sam 🎧", names=["🎧 Headphones"])


def test_missing_fonts_are_reported_with_the_packages_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(og, "FONT_DIRS", (tmp_path,))
    assert fonts_available() == {}
    with pytest.raises(FontsMissing) as caught:
        render_og_image(display_name="Maren", handle="maren", covers=[])
    message = str(caught.value)
    assert "fonts-noto-core" in message and "fonts-noto-cjk" in message
    assert "NotoSansCJK-Regular.ttc" in message
    assert caught.value.packages == ("fonts-noto-cjk", "fonts-noto-core")


def test_only_the_cjk_fonts_missing_names_only_their_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = fonts_folder_without(tmp_path, "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
    monkeypatch.setattr(og, "FONT_DIRS", (folder,))
    with pytest.raises(FontsMissing, match="fonts-noto-cjk"):
        render_og_image(display_name="Maren", handle="maren", covers=[])


# Text: fitting


LONG_NAMES = [
    "Wolfgang Amadeus Bartholomew Featherstonehaugh-Smythe the Third of Somewhere",
    "Supercalifragilisticexpialidocious" * 3,
    "坂本龍一" * 20,
    "فيروز " * 15,
    "Кино " * 20 + "🎧" * 10,
]


@pytest.mark.parametrize("name", LONG_NAMES)
def test_long_names_shrink_and_are_cut_inside_the_text_band(name: str) -> None:
    image = render([solid(RED)], display_name=name, handle="a-very-long-handle-for-tests")
    paper = image.getpixel((WIDTH - 1, 0))
    # The band's outer margins stay empty: nothing ran off the edge.
    for strip in [(WIDTH - 40, 0, WIDTH, HEIGHT), (HEIGHT, 0, HEIGHT + 40, HEIGHT)]:
        assert image.crop(strip).getcolors(maxcolors=1) == [(40 * HEIGHT, paper)], strip
    assert not only_colour(image, (HEIGHT, 100, WIDTH, 450))  # and the name was drawn


def test_a_short_name_is_large_and_a_long_one_smaller() -> None:
    def first_line_height(name: str) -> int:
        image = render([solid(RED)], display_name=name, handle="x")
        band = image.crop((HEIGHT + 40, 0, WIDTH - 40, HEIGHT)).convert("L")
        ink = [band.crop((0, y, band.width, y + 1)).getextrema()[1] > 200 for y in range(HEIGHT)]
        top = ink.index(True)
        bottom = top
        while bottom + 1 < HEIGHT and any(ink[bottom + 1 : bottom + 4]):
            bottom += 1
        return bottom - top

    assert first_line_height("Maren Solberg") > first_line_height(
        "Maren Solberg Featherstonehaugh-Whitaker Smythe"
    )


# Determinism


def test_the_same_input_gives_the_same_bytes() -> None:
    args: dict[str, Any] = {
        "display_name": "ليلى 坂本 Maren 🎧",
        "handle": "maren",
        "covers": [solid(RED, fmt="JPEG"), None, b"junk", solid(BLUE)],
        "names": ["A", "Кино", "فيروز", "D"],
    }
    first = render_og_image(**args)
    second = render_og_image(**args)
    assert first == second
    assert render_og_image(**{**args, "display_name": "Someone else"}) != first


def test_a_name_with_nothing_drawable_falls_back_to_the_handle() -> None:
    image = render([solid(RED)], display_name="\U000f0000\x00 ", handle="maren")
    assert not only_colour(image, (HEIGHT, 100, WIDTH, 450))


def test_an_absurdly_long_name_renders_promptly() -> None:
    started = time.monotonic()
    render([solid(RED)], display_name="word " * 5_000, handle="x" * 5_000)
    assert time.monotonic() - started < 5
