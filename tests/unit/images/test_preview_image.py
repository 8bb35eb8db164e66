"""The shared-preview image: size, covers drawn, placeholders, every script, no boxes."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageStat

from liner.adapters.preview_image import HEIGHT, WIDTH, fonts, render, runs


def solid(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 300), colour).save(out, "JPEG", quality=95)
    return out.getvalue()


def tile_colour(png: bytes, index: int) -> tuple[float, ...]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    tile, gap = 204, 6
    left = WIDTH - 3 * tile - 2 * gap
    x = left + (index % 3) * (tile + gap)
    y = (HEIGHT - 2 * tile - gap) // 2 + (index // 3) * (tile + gap)
    region = image.crop((x + 20, y + 20, x + tile - 20, y + tile - 20))
    return tuple(ImageStat.Stat(region).mean)


def test_it_is_a_1200_by_630_png_that_is_not_blank() -> None:
    png = render(display_name="Maren Solberg", handle="maren", covers=[], names=[])
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1200, 630)
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 3


def test_the_covers_are_drawn_in_their_tiles() -> None:
    colours = [(200, 30, 30), (30, 170, 60), (30, 60, 200)]
    png = render(
        display_name="Maren",
        handle="maren",
        covers=[solid(c) for c in colours],
        names=["One", "Two", "Three"],
    )
    for index, colour in enumerate(colours):
        drawn = tile_colour(png, index)
        assert all(abs(d - c) < 12 for d, c in zip(drawn, colour, strict=True)), (index, drawn)
    # Fewer than six albums: the mosaic repeats them rather than leaving holes.
    assert all(abs(d - c) < 12 for d, c in zip(tile_colour(png, 3), colours[0], strict=True))


def test_a_missing_or_broken_cover_becomes_a_placeholder_tile() -> None:
    png = render(
        display_name="Maren",
        handle="maren",
        covers=[None, b"not an image"],
        names=["Ágætis byrjun", "Homogenic"],
    )
    for index in (0, 1):
        colour = tile_colour(png, index)
        assert min(colour) > 60 and max(colour) < 245, colour  # a muted colour, not a hole
    assert tile_colour(png, 0) != tile_colour(png, 1)  # each album its own colour


@pytest.mark.parametrize(
    "name",
    [
        "Maren Solberg",
        "Björk Guðmundsdóttir",
        "Кино",
        "فيروز",
        "坂本龍一",
        "佐藤 由紀",
        "שלמה ארצי",
        "ليلى حداد and Кино",
    ],
)
def test_every_character_of_a_name_has_a_font_so_no_box_is_ever_drawn(name: str) -> None:
    parts = runs(name)
    assert "".join(text for text, _ in parts).replace(" ", "") == name.replace(" ", "")
    by_path = {f.path: f.cmap for f in fonts("bold")}
    for text, path in parts:
        assert all(ord(c) in by_path[path] or c.isspace() for c in text), (text, path)


def test_emoji_are_left_out_rather_than_drawn_as_boxes() -> None:
    assert "".join(t for t, _ in runs("Maren 🎧")).strip() == "Maren"


def test_a_very_long_name_still_fits() -> None:
    png = render(display_name="Anna-Maria " * 20, handle="a" * 30, covers=[], names=["X"])
    image = Image.open(io.BytesIO(png)).convert("L")
    left_margin = image.crop((0, 0, 40, HEIGHT))
    assert ImageStat.Stat(left_margin).stddev[0] < 1  # nothing spills past the margin


def test_the_same_page_gives_the_same_bytes() -> None:
    args = {"display_name": "Кино", "handle": "kino", "covers": [solid((9, 9, 9))], "names": ["A"]}
    assert render(**args) == render(**args)  # type: ignore[arg-type]
