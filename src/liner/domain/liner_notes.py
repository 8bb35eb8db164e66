"""Liner notes composed from a person's own listening, with no model.

The composer observes rather than praises. It reads a few facts from the
snapshot -- who recurs among the top tracks, which albums hold several of
them, editions merged into one album, compilations and soundtracks, the
decades of the release dates actually present, how many artists share the
list, scripts other than Latin, local files -- and phrases them through many
templates. It never names a genre, and never a year the data did not give.

Variety: every choice (voice, opener, which observations, which phrasing) is
drawn from ``random.Random(seed ^ stable_hash(data))``, so two people get
different text and another seed gives another version, while the same seed
and data always give the same text.

Every candidate is checked with ``liner.domain.notes.check`` before it is
returned; a candidate that breaks a rule (a very long name, a display name
with an emoji) is dropped for the next one, ending with the shortest
single-sentence forms. Only when nothing at all can be written does it raise.

Pure: standard library only.
"""

from __future__ import annotations

import hashlib
import random
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from liner.domain.albums import album_group_key, dedupe_tracks
from liner.domain.music import Album, Snapshot, Track
from liner.domain.notes import (
    BIO_MAX_CHARS,
    CAPTION_MAX_CHARS,
    CAPTION_MAX_WORDS,
    NoteKind,
    check,
    names_in,
)

__all__ = [
    "CompositionError",
    "NothingToWriteAbout",
    "UnknownAlbum",
    "compose",
    "stable_hash",
]


class CompositionError(Exception):
    """Nothing that passes the rules can be composed; ``str()`` is fit to show a person."""


class NothingToWriteAbout(CompositionError):
    """The data holds no name that fits, so the text could not be about the person."""


class UnknownAlbum(CompositionError):
    """A caption was asked for an album that is not among the person's top albums."""


_RANDOM_ATTEMPTS = 40
_FALLBACK_CHOICES = 4
_NAMELESS = frozenset({"various artists", "various", "unknown artist", "unknown album", "unknown"})
_DISPLAY_NAME_MAX = 40
_STAND_IN = "Radiohead"
_SOUNDTRACK = re.compile(
    r"soundtrack|original\s+score|motion\s+picture|\bo\.?s\.?t\b|music\s+from\s+(?:the\s+)?"
    r"(?:film|movie|series|motion|original)",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)
_SCRIPT_LABELS = {
    "CYRILLIC": "Cyrillic",
    "GREEK": "Greek",
    "ARABIC": "Arabic script",
    "HEBREW": "Hebrew",
    "DEVANAGARI": "Devanagari",
    "BENGALI": "Bengali",
    "TAMIL": "Tamil",
    "THAI": "Thai",
    "HANGUL": "Hangul",
    "HIRAGANA": "kana",
    "KATAKANA": "kana",
    "CJK": "Han characters",
    "ARMENIAN": "Armenian",
    "GEORGIAN": "Georgian",
    "ETHIOPIC": "Ethiopic",
}


def stable_hash(*parts: object) -> int:
    """A hash of ``repr(parts)`` that is the same in every process (unlike ``hash()``)."""
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        digest.update(repr(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return int.from_bytes(digest.digest(), "big")


def _data_hash(snapshot: Snapshot, display_name: str, kind: str, album_id: str | None) -> int:
    # The music, not the refresh time: the same listening gives the same text.
    return stable_hash(
        kind,
        album_id,
        display_name,
        [(a.id, a.name) for a in snapshot.artists],
        [(a.id, a.name, a.track_count) for a in snapshot.albums],
        [(t.id, t.uri, t.name, [a.name for a in t.artists]) for t in snapshot.tracks],
    )


# --------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------


def _num(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _usable(name: str | None) -> str | None:
    """The name as it may be written, or None for blanks and placeholders."""
    if name is None:
        return None
    clean = name.strip()
    if not clean or clean.casefold() in _NAMELESS:
        return None
    return clean


# --------------------------------------------------------------------------
# Facts read from the snapshot
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Credit:
    name: str
    tracks: int


def _artist_key(ref_id: str | None, name: str) -> str:
    return f"id:{ref_id}" if ref_id else f"name:{_fold(name.strip())}"


@dataclass(frozen=True, slots=True)
class _Facts:
    pool: int
    credits: tuple[_Credit, ...]  # most-credited first, ties in order of appearance
    credit_by_key: dict[str, int]
    top_artists: tuple[tuple[str, str], ...]  # (key, usable name), in service order
    albums: tuple[Album, ...]
    editions: dict[str, int]  # album id -> number of editions merged into it
    dated: tuple[tuple[int, str], ...]  # (year, usable album name), distinct releases
    scripts: tuple[str, ...]
    latin: bool
    local: int
    releases: tuple[str, ...]  # usable album names of the tracks, singles included

    @classmethod
    def of(cls, snapshot: Snapshot, all_names: Sequence[str]) -> _Facts:
        pool = dedupe_tracks(snapshot.tracks)
        counts: Counter[str] = Counter()
        names: dict[str, str] = {}
        for track in pool:
            seen_here: set[str] = set()
            for ref in track.artists:
                name = _usable(ref.name)
                if name is None:
                    continue
                key = _artist_key(ref.id, name)
                if key in seen_here:
                    continue
                seen_here.add(key)
                counts[key] += 1
                names.setdefault(key, name)
        order = {key: i for i, key in enumerate(names)}
        credits = tuple(
            _Credit(names[key], n)
            for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], order[kv[0]]))
        )
        top: dict[str, tuple[str, str]] = {}
        for artist in snapshot.artists:
            name = _usable(artist.name)
            # Two artists of one name would read as a repetition: the first stands.
            if name is not None:
                top.setdefault(_fold(name), (_artist_key(artist.id, name), name))
        return cls(
            pool=len(pool),
            credits=credits,
            credit_by_key=dict(counts),
            top_artists=tuple(top.values()),
            albums=snapshot.albums,
            editions=_editions(snapshot.albums, pool),
            dated=_dated(pool, snapshot.albums),
            scripts=tuple(dict.fromkeys(label for n in all_names for label in _scripts(n))),
            latin=any(_has_latin(n) for n in all_names),
            local=sum(1 for t in pool if t.is_local),
            releases=tuple(
                dict.fromkeys(
                    name for t in pool if t.album and (name := _usable(t.album.name)) is not None
                )
            ),
        )

    def credits_of(self, key: str, name: str) -> int:
        found = self.credit_by_key.get(key)
        if found is not None:
            return found
        # The top-artist list and the tracks may disagree on ids; fall back to the name.
        return self.credit_by_key.get(_artist_key(None, name), 0)


def _editions(albums: Sequence[Album], pool: Sequence[Track]) -> dict[str, int]:
    found: dict[str, int] = {}
    for album in albums:
        key = album_group_key(album)
        if key[0] != "artist":
            continue  # only albums that can be proven to match are merged
        ids = {
            t.album.id
            for t in pool
            if t.album is not None
            and t.album.id
            and not t.is_local
            and (t.album.album_type or "").lower() in ("album", "compilation")
            and album_group_key(t.album) == key
        }
        if len(ids) >= 2:
            found[album.id] = len(ids)
    return found


def _year(release_date: str | None) -> int | None:
    if not release_date or len(release_date) < 4 or not release_date[:4].isdigit():
        return None
    year = int(release_date[:4])
    # "0000" and far-future dates are placeholders, not facts.
    return year if 1900 <= year <= 2100 else None


def _dated(pool: Sequence[Track], albums: Sequence[Album]) -> tuple[tuple[int, str], ...]:
    found: dict[str, tuple[int, str]] = {}
    refs: list[tuple[str | None, str, str | None]] = [
        (a.id, a.name, a.release_date) for a in albums
    ]
    refs += [(t.album.id, t.album.name, t.album.release_date) for t in pool if t.album]
    for album_id, name, release_date in refs:
        year, usable = _year(release_date), _usable(name)
        if year is None or usable is None:
            continue
        found.setdefault(album_id or f"name:{_fold(usable)}", (year, usable))
    return tuple(found.values())


def _script_of(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    words = unicodedata.name(ch, "").split()
    if words[:1] in (["FULLWIDTH"], ["HALFWIDTH"]):
        words = words[1:]
    return words[0] if words else None


@lru_cache(maxsize=4096)
def _scripts(name: str) -> tuple[str, ...]:
    """The non-Latin scripts a name is written in, as words for the text."""
    labels: dict[str, None] = {}
    for ch in name:
        script = _script_of(ch)
        if script is not None and script in _SCRIPT_LABELS:
            labels[_SCRIPT_LABELS[script]] = None
    return tuple(labels)


@lru_cache(maxsize=4096)
def _has_latin(name: str) -> bool:
    return any(_script_of(ch) == "LATIN" for ch in name)


# --------------------------------------------------------------------------
# Voices and rendering
# --------------------------------------------------------------------------

Person = Literal["second", "third", "neutral"]


class _Speaker:
    """Fills the person slots of templates, introducing the display name once.

    ``{Who}`` starts a sentence (the name, or "You"); ``{their}``/``{Their}``
    is the possessive. In the third person the first possessive is the
    name's ("Alice's"), later ones "their". Verb forms are written
    ``[keeps|keep]``: third person singular, then the rest.
    """

    def __init__(self, person: Person, display_name: str) -> None:
        self.person = person
        self.display_name = display_name
        self.introduced = False

    def slot(self, field: str) -> str:
        if self.person == "second":
            return {"Who": "You", "their": "your", "Their": "Your"}[field]
        if self.person == "neutral":
            return {"Who": "", "their": "the", "Their": "The"}[field]
        if field == "Who":
            self.introduced = True
            return self.display_name
        if self.introduced:
            return "their" if field == "their" else "Their"
        self.introduced = True
        return _possessive(self.display_name)


def _possessive(name: str) -> str:
    return name + ("'" if name.endswith(("s", "S")) else "'s")


_VERB = re.compile(r"\[([^|\]]*)\|([^\]]*)\]")
_PERSON_FIELDS = frozenset({"Who", "their", "Their"})
_DOUBLE_STOP = re.compile(r"([.!?…。！？])\.$")


def _render(template: str, speaker: _Speaker, slots: dict[str, str]) -> str:
    third = speaker.person == "third"
    template = _VERB.sub(lambda m: m.group(1) if third else m.group(2), template)
    out: list[str] = []
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if field is None:
            continue
        # Names go in as written; they are never parsed as templates.
        out.append(speaker.slot(field) if field in _PERSON_FIELDS else slots[field])
    sentence = "".join(out)
    # A name that ends a sentence with its own mark ("R.E.M.", "Fire!") needs no full stop.
    return _DOUBLE_STOP.sub(r"\1", sentence)


@dataclass(frozen=True, slots=True)
class _Obs:
    """One observation: its topic, its phrasings and the values they use."""

    topic: str
    templates: tuple[str, ...]
    slots: dict[str, str]

    def needs_who(self, template: str) -> bool:
        return "{Who}" in template


# --------------------------------------------------------------------------
# Bio
# --------------------------------------------------------------------------


def _share(n: int, p: int) -> str:
    """A share of the top tracks as template text, e.g. "four of {their} twelve top tracks"."""
    if n == p == 2:
        return "both of {their} top tracks"
    if n == p:
        return f"all {_num(p)} of {{their}} top tracks"
    return f"{_num(n)} of {{their}} {_num(p)} top tracks"


def _by(album: Album, artist: str | None) -> str:
    # "Weezer by Weezer" reads oddly: a self-titled album is named once.
    if artist is None or _fold(artist) == _fold(album.name):
        return "{X}"
    return "{X} by {Y}"


def _album_artist(album: Album) -> str | None:
    """The first credited artist that can be named."""
    for ref in album.artists:
        name = _usable(ref.name)
        if name is not None:
            return name
    return None


def _openers(f: _Facts) -> list[_Obs]:
    found: list[_Obs] = []
    leaders = list(f.top_artists)
    if leaders:
        key, a = leaders[0]
        n = f.credits_of(key, a)
        if n >= 2 and f.pool >= 3:
            share = _share(n, f.pool)
            unique_lead = all(c.tracks < n for c in f.credits if _fold(c.name) != _fold(a))
            templates = [
                "{Who} [keeps|keep] coming back to {A}, credited on " + share + ".",
                "{A} is credited on " + share + ".",
                "{A} turns up on " + share + ".",
                "{Their} top tracks return to {A} again and again: " + f"{_num(n)} of the "
                f"{_num(f.pool)}.",
            ]
            if unique_lead:
                templates.append(
                    "No artist appears on more of {their} top tracks than {A}, with "
                    f"{_num(n)} of the {_num(f.pool)}."
                )
            found.append(_Obs("lead", tuple(templates), {"A": a}))
        found.append(
            _Obs(
                "lead",
                (
                    "{A} heads {their} list of top artists.",
                    "{Their} list of top artists opens with {A}.",
                    "First among {their} top artists is {A}.",
                    "{Who} [has|have] {A} at the top of the artist list.",
                ),
                {"A": a},
            )
        )
        rest = [name for _, name in leaders[1:3]]
        if len(rest) == 2:
            found.append(
                _Obs(
                    "artists",
                    (
                        "{A}, {B} and {C} open {their} list of top artists.",
                        "{Their} top artists begin with {A}, then {B} and {C}.",
                        "{Who} [lists|list] {A} first among top artists, ahead of {B} and {C}.",
                    ),
                    {"A": a, "B": rest[0], "C": rest[1]},
                )
            )
        elif len(rest) == 1:
            found.append(
                _Obs(
                    "artists",
                    (
                        "{A} and {B} lead {their} top artists.",
                        "{Their} top artists start with {A}, then {B}.",
                    ),
                    {"A": a, "B": rest[0]},
                )
            )
    elif f.credits:
        lead = f.credits[0]
        if f.pool >= 2:
            verb = "is credited on" if lead.tracks >= 2 else "appears on"
            found.append(
                _Obs(
                    "lead",
                    (
                        "{A} " + verb + " " + _share(lead.tracks, f.pool) + ".",
                        "{Their} top tracks start from {A}.",
                    ),
                    {"A": lead.name},
                )
            )
        else:
            found.append(_Obs("lead", ("{Their} top track is by {A}.",), {"A": lead.name}))
    if f.albums:
        album = f.albums[0]
        x, y = _usable(album.name), _album_artist(album)
        if x is not None:
            by = _by(album, y)
            slots = {"X": x, "Y": y or ""}
            templates = [
                "{Their} album list opens with " + by + ".",
                by + " leads {their} top albums.",
            ]
            if album.track_count >= 2:
                templates += [
                    by
                    + " leads {their} top albums and holds "
                    + _share(album.track_count, max(f.pool, album.track_count))
                    + ".",
                    f"{_cap(_num(album.track_count))} of {{their}} top tracks come from "
                    + by
                    + ".",
                ]
            if album.track_count >= 3:
                templates.append(
                    "{Who} [returns|return] to " + by + " as a whole record: "
                    f"{_num(album.track_count)} of {{their}} top tracks come from it."
                )
            found.append(_Obs(f"album:{album.id}", tuple(templates), slots))
    if not found:
        # Only singles and tracks without credited artists: name their releases.
        releases = f.releases
        if releases:
            found.append(
                _Obs(
                    "releases",
                    (
                        "{Their} top tracks include music from {X}.",
                        "{X} is among the releases behind {their} top tracks.",
                    ),
                    {"X": releases[0]},
                )
            )
    return found


def _extras(f: _Facts) -> list[_Obs]:
    found: list[_Obs] = []
    lead_key = f.top_artists[0][0] if f.top_artists else None
    seconds = [
        c
        for c in f.credits
        if c.tracks >= 2 and (lead_key is None or _fold(c.name) != _fold(f.top_artists[0][1]))
    ]
    if seconds and f.pool >= 4:
        b = seconds[0]
        found.append(
            _Obs(
                "second",
                (
                    "{B} comes next, credited on " + f"{_num(b.tracks)} tracks.",
                    "After that comes {B}, on " + f"{_num(b.tracks)} of them.",
                    "{B} is credited on " + _share(b.tracks, f.pool) + ".",
                ),
                {"B": b.name},
            )
        )
    if len(f.top_artists) >= 3:
        found.append(
            _Obs(
                "artists",
                (
                    "{B} and {C} come next among {their} top artists.",
                    "The artist list continues with {B} and {C}.",
                ),
                {"B": f.top_artists[1][1], "C": f.top_artists[2][1]},
            )
        )
    heavy = [
        (a, name) for a in f.albums if a.track_count >= 2 and (name := _usable(a.name)) is not None
    ]
    if len(heavy) >= 2 and _fold(heavy[0][1]) != _fold(heavy[1][1]):
        (_, x1), (_, x2) = heavy[0], heavy[1]
        found.append(
            _Obs(
                "heavy",
                (
                    "{X1} and {X2} each hold more than one of {their} top tracks.",
                    "{X1} and {X2} both hold more than one of {their} top tracks.",
                ),
                {"X1": x1, "X2": x2},
            )
        )
    for album, x in heavy[:2]:
        k = album.track_count
        found.append(
            _Obs(
                f"album:{album.id}",
                (
                    "{X} holds " + _share(k, max(f.pool, k)) + ".",
                    f"{_cap(_num(k))} of {{their}} top tracks come from {{X}}.",
                ),
                {"X": x},
            )
        )
    top_name = _fold(f.top_artists[0][1]) if f.top_artists else None
    if top_name is not None:
        theirs = [a for a in f.albums if any(_fold(r.name) == top_name for r in a.artists)]
        if len(theirs) >= 2:
            found.append(
                _Obs(
                    "lead-albums",
                    (
                        "{A} has " + f"{_num(len(theirs))} albums among {{their}} top albums.",
                        f"{_cap(_num(len(theirs)))} of {{their}} top albums are by {{A}}.",
                    ),
                    {"A": f.top_artists[0][1]},
                )
            )
    distinct = len(f.credits)
    if f.pool >= 4 and distinct >= 1:
        p, m = _num(f.pool), _num(distinct)
        if distinct == f.pool:
            templates: tuple[str, ...] = (
                f"No artist appears twice among {{their}} {p} top tracks.",
                f"Each of {{their}} {p} top tracks is by a different artist.",
            )
        elif distinct * 3 <= f.pool:
            templates = (
                f"Just {m} artists account for all {p} of {{their}} top tracks.",
                f"Only {m} artists stand behind {{their}} {p} top tracks.",
            )
        else:
            templates = (
                f"{{Their}} {p} top tracks come from {m} different artists.",
                f"{_cap(m)} different artists share {{their}} {p} top tracks.",
            )
        if distinct != 1:
            found.append(_Obs("spread", templates, {}))
    for album in f.albums:
        editions = f.editions.get(album.id)
        edition_name = _usable(album.name)
        if editions and edition_name is not None:
            found.append(
                _Obs(
                    f"album:{album.id}",
                    (
                        f"{{X}} appears in {_num(editions)} editions, counted here as one album.",
                        f"Tracks from {_num(editions)} editions of {{X}} are counted as one album.",
                    ),
                    {"X": edition_name},
                )
            )
            break
    for album in f.albums:
        special = _usable(album.name)
        if special is None:
            continue
        if _SOUNDTRACK.search(album.name):
            found.append(
                _Obs(
                    f"album:{album.id}",
                    (
                        "{X} brings a soundtrack into {their} top albums.",
                        "A soundtrack sits among {their} top albums: {X}.",
                    ),
                    {"X": special},
                )
            )
            break
        if album.album_type == "compilation":
            found.append(
                _Obs(
                    f"album:{album.id}",
                    (
                        "{X}, a compilation, sits among {their} top albums.",
                        "One of {their} top albums is a compilation: {X}.",
                    ),
                    {"X": special},
                )
            )
            break
    if len(f.dated) >= 2:
        decades = sorted({year // 10 * 10 for year, _ in f.dated})
        first, last = f"{decades[0]}s", f"{decades[-1]}s"
        if len(decades) >= 2:
            found.append(
                _Obs(
                    "eras",
                    (
                        f"The dated releases run from the {first} to the {last}.",
                        f"Release dates stretch from the {first} to the {last}.",
                        f"The records here span the {first} to the {last}.",
                    ),
                    {},
                )
            )
        else:
            found.append(
                _Obs(
                    "eras",
                    (
                        f"Every dated release here comes from the {first}.",
                        f"The release dates all fall in the {first}.",
                    ),
                    {},
                )
            )
        years = sorted(f.dated)
        if years[0][0] < years[-1][0]:
            year, x = years[0]
            found.append(
                _Obs(
                    "oldest",
                    (
                        f"The oldest release here, {{X}}, came out in {year}.",
                        f"{{X}}, from {year}, is the oldest release here.",
                    ),
                    {"X": x},
                )
            )
    if f.scripts:
        scripts = _join(f.scripts)
        if f.latin:
            templates = (
                f"Some names are written in {scripts}, beside Latin ones.",
                f"The names mix Latin script with {scripts}.",
            )
        else:
            templates = (f"The names here are written in {scripts}.",)
        found.append(_Obs("scripts", templates, {}))
    if f.local == 1:
        found.append(
            _Obs(
                "local",
                (
                    "One of {their} top tracks is a local file.",
                    "One track comes from a local file rather than the catalogue.",
                ),
                {},
            )
        )
    elif f.local >= 2:
        found.append(
            _Obs(
                "local",
                (
                    f"{_cap(_num(f.local))} of {{their}} top tracks are local files.",
                    f"{{Their}} top tracks include {_num(f.local)} local files.",
                ),
                {},
            )
        )
    return found


# --------------------------------------------------------------------------
# Caption
# --------------------------------------------------------------------------


def _caption_observations(f: _Facts, album: Album, rank: int) -> tuple[list[_Obs], list[_Obs]]:
    """(observations naming the album, fallbacks naming only its artist)."""
    x, y = _usable(album.name), _album_artist(album)
    r, total, k = _num(rank), len(f.albums), album.track_count
    by = _by(album, y)
    slots = {"X": x or "", "Y": y or ""}
    main: list[str] = []
    if x is not None:
        main += [
            "Number " + r + " on {their} album list: " + by + ".",
            "{X} sits at number " + r + " among {their} top albums.",
        ]
        if total >= 2:
            main.append(by + " sits at number " + r + " of " + _num(total) + ".")
        if k >= 2:
            main += [
                by + " holds " + _num(k) + " of {their} top tracks.",
                _cap(_num(k)) + " of {their} top tracks come from {X}.",
                "{X} accounts for " + _num(k) + " of {their} top tracks.",
            ]
        else:
            main += [
                "One of {their} top tracks comes from {X}.",
                "{X} reached the list on a single track.",
            ]
        if rank == 1:
            main += ["{Their} album list opens with " + by + ".", by + " opens {their} album list."]
        elif rank == total:
            main.append(by + " closes {their} album list.")
        year = _year(album.release_date)
        if year is not None:
            main += [
                "{X} came out in " + str(year) + ".",
                "Released in " + str(year) + ", {X} sits at number " + r + ".",
                by + " comes from the " + f"{year // 10 * 10}s.",
            ]
        if album.album_type == "compilation":
            main += [
                "{X} is a compilation, at number " + r + " on {their} list.",
                "A compilation at number " + r + ": " + by + ".",
            ]
        if _SOUNDTRACK.search(album.name):
            main += [
                "{X} is a soundtrack, at number " + r + " on {their} list.",
                "A soundtrack sits at number " + r + ": {X}.",
            ]
        editions = f.editions.get(album.id)
        if editions:
            main += [
                _cap(_num(editions)) + " editions of {X} count as one album here.",
                "{X} gathers " + _num(editions) + " editions into one entry.",
            ]
        if y is not None and total >= 2:
            by_y = sum(1 for a in f.albums if any(_fold(r.name) == _fold(y) for r in a.artists))
            if by_y >= 2:
                main.append("{X} is one of " + _num(by_y) + " albums by {Y} on the list.")
            else:
                main.append("{X} is the only album by {Y} on {their} list.")
    topic = f"album:{album.id}"
    fallback: list[_Obs] = []
    if x is not None:
        fallback.append(_Obs(topic, ("Number " + r + ": {X}.", "{X}."), slots))
    # Any credited artist may stand in for an album name too long to write.
    for artist in dict.fromkeys(n for ref in album.artists if (n := _usable(ref.name))):
        templates = (
            "An album by {Y} sits at number " + r + " on {their} list.",
            "{Y} holds number " + r + " on {their} album list.",
            "Number " + r + ": an album by {Y}.",
            "By {Y}.",
        )
        fallback.append(_Obs(topic, templates, {"X": x or "", "Y": artist}))
    return [_Obs(topic, tuple(main), slots)], fallback


# --------------------------------------------------------------------------
# Composition
# --------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _display_name_fits(display_name: str) -> bool:
    """Whether the display name can be written in the text without breaking a rule.

    Judged on its own, beside a stand-in artist: the name is not masked, so an
    emoji, a hype word or an "I" in it would break the rules.
    """
    name = display_name.strip()
    if not name or len(name) > _DISPLAY_NAME_MAX:
        return False
    return not check(f"{name} listens to {_STAND_IN}.", kind="bio", names=[_STAND_IN])


def _voices(display_name: str, *, neutral: bool) -> list[Person]:
    voices: list[Person] = ["second"]
    if _display_name_fits(display_name):
        voices.append("third")
    if neutral:
        voices.append("neutral")
    return voices


def _sentence(obs: _Obs, template: str, speaker: _Speaker) -> str | None:
    if speaker.person == "neutral" and obs.needs_who(template):
        return None
    return _render(template, speaker, obs.slots)


def compose(
    kind: NoteKind,
    snapshot: Snapshot,
    display_name: str,
    *,
    album_id: str | None = None,
    seed: int = 0,
    feedback: Sequence[str] = (),
    previous: str | None = None,
) -> str:
    """A bio, or the caption of ``album_id``, that passes ``notes.check``.

    ``feedback`` (why a previous attempt was rejected) asks for shorter text;
    ``previous`` is never returned again if anything else fits.
    """
    # Variety, not secrecy: a seeded, reproducible generator is what is wanted.
    rng = random.Random(seed ^ _data_hash(snapshot, display_name, kind, album_id))  # noqa: S311
    all_names = names_in(snapshot)
    facts = _Facts.of(snapshot, all_names)
    if kind == "caption":
        return _compose_caption(facts, snapshot, display_name, album_id, rng, feedback, previous)
    if not all_names:
        raise NothingToWriteAbout(
            "There is nothing to write about yet: no artist or album in this listening to name."
        )
    openers = _openers(facts)
    extras = _extras(facts)
    voices = _voices(display_name, neutral=False)

    def passes(text: str) -> bool:
        return _could_fit(text, BIO_MAX_CHARS) and not check(text, kind="bio", names=all_names)

    most_extras = 1 if feedback else 2
    for _ in range(_RANDOM_ATTEMPTS if openers else 0):
        speaker = _Speaker(rng.choice(voices), display_name)
        opener = rng.choice(openers)
        first = _sentence(opener, rng.choice(opener.templates), speaker)
        if first is None:
            continue
        pool = [e for e in extras if e.topic != opener.topic]
        wanted = rng.randint(1, most_extras) if pool else 0
        sentences = [first]
        for obs in rng.sample(pool, min(wanted, len(pool))):
            sentence = _sentence(obs, rng.choice(obs.templates), speaker)
            if sentence is not None:
                sentences.append(sentence)
        text = " ".join(sentences)
        if text != previous and passes(text):
            return text
    # Long names or an awkward display name: the shortest single sentences
    # that name someone, and when even those fail, each name in turn.
    candidates = _singles(openers + [e for e in extras if e.slots], voices, display_name)
    candidates += _bare(all_names, "{X} is part of {their} listening.", voices, display_name)
    found = _pick_passing(candidates, passes, previous, rng, shortest=bool(feedback))
    if found is None:
        raise NothingToWriteAbout(
            f"Every name in this listening is too long to fit in a bio of {BIO_MAX_CHARS} "
            "characters; there is nothing that can be written yet."
        )
    return found


def _compose_caption(
    facts: _Facts,
    snapshot: Snapshot,
    display_name: str,
    album_id: str | None,
    rng: random.Random,
    feedback: Sequence[str],
    previous: str | None,
) -> str:
    if album_id is None:
        raise UnknownAlbum("A caption needs an album: none was given.")
    ranked = [(i, a) for i, a in enumerate(snapshot.albums, start=1) if a.id == album_id]
    if not ranked:
        raise UnknownAlbum("That album is not among the top albums in this listening.")
    rank, album = ranked[0]
    # The names a caption of this album may use: the album's and its artists'.
    usable = (_usable(name) for name in (album.name, *(r.name for r in album.artists)))
    own = list(dict.fromkeys(name for name in usable if name is not None))
    all_names = names_in(snapshot)
    if not own:
        raise NothingToWriteAbout("This album has no name or artist to write about.")

    def passes(text: str) -> bool:
        return (
            _could_fit(text, CAPTION_MAX_CHARS, CAPTION_MAX_WORDS)
            and not check(text, kind="caption", names=own)
            and not check(text, kind="caption", names=all_names)
        )

    main, fallback = _caption_observations(facts, album, rank)
    voices = _voices(display_name, neutral=True)
    options = [(obs, t) for obs in main for t in obs.templates]
    if options:
        rng.shuffle(options)
        if feedback:
            options.sort(key=lambda option: len(option[1]))
        for obs, template in options[:_RANDOM_ATTEMPTS]:
            speaker = _Speaker(rng.choice(voices), display_name)
            text = _sentence(obs, template, speaker)
            if text is not None and text != previous and passes(text):
                return text
    found = _pick_passing(
        _singles(main + fallback, voices, display_name),
        passes,
        previous,
        rng,
        shortest=bool(feedback),
    )
    if found is None:
        raise NothingToWriteAbout(
            "The names of this album and its artists are too long for a caption of "
            f"{CAPTION_MAX_WORDS} words and {CAPTION_MAX_CHARS} characters."
        )
    return found


def _singles(
    observations: Sequence[_Obs], voices: Sequence[Person], display_name: str
) -> list[str]:
    """Every single sentence the observations can make, shortest first."""
    texts: list[str] = []
    for obs in observations:
        for template in obs.templates:
            for person in voices:
                text = _sentence(obs, template, _Speaker(person, display_name))
                if text is not None:
                    texts.append(text)
    return sorted(dict.fromkeys(texts), key=lambda t: (len(t), t))


def _bare(
    names: Sequence[str], template: str, voices: Sequence[Person], display_name: str
) -> list[str]:
    obs = [_Obs("bare", (template,), {"X": name}) for name in names]
    return _singles(obs, voices, display_name)


def _could_fit(text: str, max_chars: int, max_words: int | None = None) -> bool:
    """A cheap look at the length before the full check (which decides)."""
    if len(text) > max_chars:
        return False
    return max_words is None or len(text.split()) <= max_words


def _pick_passing(
    candidates: Sequence[str],
    passes: Callable[[str], bool],
    previous: str | None,
    rng: random.Random,
    *,
    shortest: bool,
) -> str | None:
    """One of the first few passing candidates (shortest first), chosen by ``rng``.

    With ``shortest`` (after feedback) the shortest one. ``previous`` is
    returned only when nothing else passes.
    """
    found: list[str] = []
    repeat: str | None = None
    for text in candidates:
        if text == previous:
            repeat = text if repeat is None and passes(text) else repeat
        elif passes(text):
            found.append(text)
            if shortest or len(found) == _FALLBACK_CHOICES:
                break
    if found:
        return rng.choice(found)
    return repeat
