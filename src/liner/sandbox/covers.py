"""Generated cover art and avatars for the Spotify sandbox.

Every image is drawn from its key alone (a colour field, one geometric pattern
and the initials of its label), so the same key always gives the same bytes and
nothing is fetched from the internet. Pillow's bundled font only covers basic
Latin, so labels in other scripts get a geometric mark instead of initials
rather than a row of empty boxes.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import random
import unicodedata

from PIL import Image, ImageDraw, ImageFont

SIZE = 300

# Letters NFKD cannot take apart into an ASCII base letter.
_FOLDS = {"Ø": "O", "ø": "o", "Æ": "A", "æ": "a", "Œ": "O", "œ": "o", "Ð": "D", "ð": "d",
          "Þ": "T", "þ": "t", "Ł": "L", "ł": "l", "ß": "s", "İ": "I", "ı": "i"}  # fmt: skip


def initials(label: str, *, limit: int = 2) -> str:
    """Up to ``limit`` ASCII initials of ``label``'s words ("Sigur Rós" -> "SR").

    Words that do not start with a Latin letter or digit are skipped; a label in
    another script gives "".
    """
    letters = []
    for word in label.replace("-", " ").split():
        first = _FOLDS.get(word[0], word[0])
        base = unicodedata.normalize("NFKD", first)[0]
        if base.isascii() and base.isalnum():
            letters.append(base.upper())
        if len(letters) == limit:
            break
    return "".join(letters)


def _palette(rng: random.Random) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """A calm background and a contrasting accent."""

    def rgb(h: float, lightness: float, saturation: float) -> tuple[int, int, int]:
        r, g, b = colorsys.hls_to_rgb(h % 1.0, lightness, saturation)
        return round(r * 255), round(g * 255), round(b * 255)

    hue = rng.random()
    background = rgb(hue, rng.uniform(0.32, 0.62), rng.uniform(0.25, 0.6))
    accent = rgb(hue + rng.choice([0.08, 0.5, 0.58, 0.92]), rng.uniform(0.7, 0.88), 0.45)
    return background, accent


def _pattern(draw: ImageDraw.ImageDraw, rng: random.Random, accent: tuple[int, int, int]) -> None:
    kind = rng.randrange(5)
    if kind == 0:  # concentric rings around an off-centre point
        cx, cy = rng.randrange(60, 240), rng.randrange(60, 240)
        for radius in range(rng.randrange(180, 260), 0, -rng.randrange(18, 34)):
            draw.ellipse(
                (cx - radius, cy - radius, cx + radius, cy + radius), outline=accent, width=3
            )
    elif kind == 1:  # diagonal stripes
        step = rng.randrange(22, 44)
        for offset in range(-SIZE, SIZE * 2, step):
            draw.line((offset, 0, offset + SIZE, SIZE), fill=accent, width=step // 3)
    elif kind == 2:  # a grid of dots
        step = rng.randrange(26, 46)
        dot = rng.randrange(3, step // 3)
        for x in range(step // 2, SIZE, step):
            for y in range(step // 2, SIZE, step):
                draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=accent)
    elif kind == 3:  # horizontal bands of varying height
        y = 0
        while y < SIZE:
            height = rng.randrange(8, 48)
            if rng.random() < 0.5:
                draw.rectangle((0, y, SIZE, y + height), fill=accent)
            y += height
    else:  # Bauhaus: one big circle and one block
        r = rng.randrange(70, 130)
        cx, cy = rng.randrange(r, SIZE - r // 2), rng.randrange(r // 2, SIZE - r)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=accent)
        x0, y0 = rng.randrange(0, 150), rng.randrange(150, 260)
        draw.rectangle((x0, y0, x0 + rng.randrange(60, 150), SIZE), outline=accent, width=6)


@functools.lru_cache(maxsize=1024)
def cover_jpeg(key: str, label: str) -> bytes:
    """A 300x300 JPEG for ``key`` (e.g. "album-<id>", "user-<id>"), marked with ``label``.

    Avatars (keys starting with "user-" or "artist-") put the initials in a
    round badge; covers put them in the lower-left corner.
    """
    rng = random.Random(hashlib.sha256(key.encode()).digest())
    background, accent = _palette(rng)
    image = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image)
    _pattern(draw, rng, accent)

    text = initials(label)
    avatar = key.startswith(("user-", "artist-"))
    if avatar:
        draw.ellipse((70, 70, 230, 230), fill=background, outline=accent, width=4)
    if text:
        font = ImageFont.load_default(size=72 if avatar else 56)
        if avatar:
            draw.text((150, 150), text, font=font, fill=(250, 248, 242), anchor="mm")
        else:
            left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
            pad = 14
            box = (
                18,
                SIZE - 18 - (bottom - top) - 2 * pad,
                18 + (right - left) + 2 * pad,
                SIZE - 18,
            )
            draw.rectangle(box, fill=background)
            draw.text(
                (box[0] + pad - left, box[1] + pad - top), text, font=font, fill=(250, 248, 242)
            )
    elif avatar:  # no Latin initials: a small diamond instead
        draw.polygon(((150, 110), (190, 150), (150, 190), (110, 150)), fill=accent)

    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
