"""The anti-cringe rules for liner notes, as data, and the one function that applies them.

Every text -- composed offline, written by a model, or typed by the person --
goes through ``check`` (generated text) or ``check_edit`` (a person's own
edit). Both return the violations found; an empty list means the text may be
stored. Each ``Violation.message`` is plain words, fit to show a person and to
hand back to a model as feedback.

How a text is read (the order matters):

1. **Names are masked first.** Artist and album names from the person's data
   may contain anything: "Epic", "Fire!", "I, Me, Mine", "R.E.M.", "Spotify
   Singles", an emoji. Every occurrence of a name is replaced by a neutral
   word before any content rule runs, so a name never counts as hype, first
   person, an exclamation mark or an extra sentence. Matching ignores
   Unicode normal form, accents, punctuation and spacing ("Sgt Pepper's" finds
   "Sgt. Pepper’s"). Case matters, within reason (``_casings``): a one-word
   name keeps its case, except for a capital first letter, so an album
   called "Epic" hides "Epic" but not the hype word "epic", and an artist
   called "Can" does not hide "can't live without"; a name of several words
   may also be all lower, all upper or title case, but not an arbitrary mix,
   so "Here is" stays a preamble beside an album "Here Is". An exclamation
   or question mark, ``#`` or ``@`` inside a name must appear as in the name.
2. Length (characters, as code points after NFC) and word counts are taken on
   the text as written, names included: that is what a reader sees.
3. Sentences are counted on the masked text, so initials and abbreviations in
   names never split a sentence; a small table of abbreviations and single
   initials outside names do not split either.
4. Content rules run on the masked text in a plain reading: NFKC (fullwidth
   forms become ASCII), curly quotes and dashes straightened, invisible format
   characters (zero-width space, soft hyphen, joiners) removed, so "amaz\u00ading"
   is still "amazing". Emoji are looked for in the masked text as written.
5. "Names at least one artist or album" is looked for in the original text,
   more leniently: case is ignored too, except for short one-word names
   (fewer than five letters), which would otherwise be found in ordinary
   words ("Can", "Low", "Yes").

Pure: standard library only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from liner.domain.music import Snapshot

__all__ = [
    "BANNED_PHRASES",
    "BIO_MAX_CHARS",
    "BIO_MAX_SENTENCES",
    "CAPTION_MAX_CHARS",
    "CAPTION_MAX_SENTENCES",
    "CAPTION_MAX_WORDS",
    "EDIT_BIO_MAX_CHARS",
    "EDIT_CAPTION_MAX_CHARS",
    "EDIT_LIMITS",
    "EMOJI_RANGES",
    "FIRST_PERSON_WORDS",
    "GENERATED_LIMITS",
    "PATTERN_RULES",
    "BannedPhrase",
    "Limits",
    "NoteKind",
    "PatternRule",
    "Violation",
    "check",
    "check_edit",
    "names_in",
    "rules_for",
]

NoteKind = Literal["bio", "caption"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: a stable ``code`` and a ``message`` in plain words."""

    code: str
    message: str


# --------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------

BIO_MAX_CHARS = 400
BIO_MAX_SENTENCES = 3
CAPTION_MAX_CHARS = 120
CAPTION_MAX_WORDS = 15
CAPTION_MAX_SENTENCES = 1
EDIT_BIO_MAX_CHARS = 500
EDIT_CAPTION_MAX_CHARS = 150


@dataclass(frozen=True, slots=True)
class Limits:
    max_chars: int
    max_sentences: int | None = None
    max_words: int | None = None


GENERATED_LIMITS: Mapping[str, Limits] = {
    "bio": Limits(BIO_MAX_CHARS, max_sentences=BIO_MAX_SENTENCES),
    "caption": Limits(
        CAPTION_MAX_CHARS, max_sentences=CAPTION_MAX_SENTENCES, max_words=CAPTION_MAX_WORDS
    ),
}
# A person's own words are limited by length only: their punctuation is theirs.
EDIT_LIMITS: Mapping[str, Limits] = {
    "bio": Limits(EDIT_BIO_MAX_CHARS),
    "caption": Limits(EDIT_CAPTION_MAX_CHARS),
}


# --------------------------------------------------------------------------
# Hype, cliché and superlatives
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BannedPhrase:
    """A hype word, cliché or superlative, with every spelling that is refused.

    Each form is matched as a whole word, never inside another word ("fire"
    does not match "Firestone" or "wildfire"; "best" does not match
    "Bestival"), in any case. A space or hyphen in a form matches any run of
    spaces and hyphens, or none ("must-listen", "must listen", "mustlisten").
    Curly apostrophes count as straight ones. Inflections are listed
    explicitly rather than guessed from a stem, so "amazing" never swallows
    "Amazon" and "vibe" never swallows "vibrant".
    """

    phrase: str
    forms: tuple[str, ...]
    code: Literal["hype", "cliche", "superlative"] = "hype"


BANNED_PHRASES: tuple[BannedPhrase, ...] = (
    # Hype: praise that tells instead of shows.
    BannedPhrase("amazing", ("amazing", "amazingly", "amaze", "amazes", "amazed")),
    BannedPhrase("incredible", ("incredible", "incredibly")),
    BannedPhrase("awesome", ("awesome", "awesomely", "awesomeness")),
    BannedPhrase(
        "obsessed",
        ("obsess", "obsessed", "obsesses", "obsessing", "obsession", "obsessions", "obsessive"),
    ),
    BannedPhrase("fire", ("fire",)),
    BannedPhrase("slaps", ("slap", "slaps", "slapping", "slapped")),
    BannedPhrase("banger", ("banger", "bangers")),
    BannedPhrase("vibes", ("vibe", "vibes", "vibey", "vibing", "vibed", "viby")),
    BannedPhrase("iconic", ("iconic", "icon", "icons")),
    BannedPhrase("legendary", ("legend", "legends", "legendary")),
    BannedPhrase("masterpiece", ("masterpiece", "masterpieces", "masterful", "masterfully")),
    BannedPhrase("genius", ("genius", "geniuses")),
    BannedPhrase("talented", ("talent", "talents", "talented")),
    BannedPhrase("essential", ("essential", "essentials", "essentially")),
    BannedPhrase("must-listen", ("must-listen", "must-listens", "must-hear")),
    BannedPhrase(
        "groundbreaking", ("groundbreaking", "ground-breaking", "groundbreaker", "groundbreakers")
    ),
    BannedPhrase("epic", ("epic", "epics", "epically")),
    BannedPhrase("insane", ("insane", "insanely")),
    BannedPhrase("passionate", ("passion", "passions", "passionate", "passionately")),
    BannedPhrase("stunning", ("stunning", "stunningly")),
    BannedPhrase("breathtaking", ("breathtaking", "breathtakingly")),
    BannedPhrase("mind-blowing", ("mind-blowing", "mind-blown")),
    BannedPhrase("jaw-dropping", ("jaw-dropping",)),
    BannedPhrase("phenomenal", ("phenomenal", "phenomenally")),
    BannedPhrase("flawless", ("flawless", "flawlessly")),
    BannedPhrase("unbelievable", ("unbelievable", "unbelievably")),
    BannedPhrase("game-changer", ("game-changer", "game-changers", "game-changing")),
    BannedPhrase("timeless", ("timeless",)),
    BannedPhrase("unforgettable", ("unforgettable",)),
    # Clichés: phrases that could be about anyone.
    BannedPhrase("music lover", ("music lover", "music lovers", "music-loving"), "cliche"),
    BannedPhrase("eclectic", ("eclectic", "eclectically", "eclecticism"), "cliche"),
    BannedPhrase(
        "soundtrack to my life",
        tuple(
            f"{noun} {prep} {owner} {life}"
            for noun in ("soundtrack", "soundtracks")
            for prep in ("to", "of")
            for owner in ("my", "your", "their", "his", "her", "our", "one's")
            for life in ("life", "lives")
        ),
        "cliche",
    ),
    BannedPhrase(
        "hits different",
        ("hits different", "hit different", "hits differently", "hits so different"),
        "cliche",
    ),
    BannedPhrase(
        "can't live without",
        (
            "can't live without",
            "cant live without",
            "cannot live without",
            "couldn't live without",
            "could not live without",
        ),
        "cliche",
    ),
    BannedPhrase(
        "speaks to my soul",
        tuple(
            f"{verb} to {owner} soul"
            for verb in ("speaks", "speak", "spoke", "speaking")
            for owner in ("my", "your", "their", "his", "her", "our", "the", "one's")
        ),
        "cliche",
    ),
    BannedPhrase("sonic tapestry", ("tapestry", "tapestries"), "cliche"),
    BannedPhrase(
        "sonic journey",
        ("sonic journey", "sonic journeys", "musical journey", "musical journeys"),
        "cliche",
    ),
    BannedPhrase(
        "sonic landscape", ("sonic landscape", "sonic landscapes", "soundscape"), "cliche"
    ),
    BannedPhrase("a testament to", ("testament to",), "cliche"),
    BannedPhrase("delve", ("delve", "delves", "delved", "delving"), "cliche"),
    BannedPhrase("no skips", ("no skips", "no-skip"), "cliche"),
    # Superlatives that rank and praise. Neutral superlatives the data can
    # support ("earliest", "oldest", "latest", "most of") are allowed.
    BannedPhrase("best", ("best",), "superlative"),
    BannedPhrase("greatest", ("greatest",), "superlative"),
    BannedPhrase("finest", ("finest",), "superlative"),
    BannedPhrase("ultimate", ("ultimate",), "superlative"),
    BannedPhrase("all-time", ("all-time", "of all time"), "superlative"),
    BannedPhrase(
        "most + praise (most beautiful, most important, ...)",
        tuple(
            f"most {word}"
            for word in (
                "beautiful",
                "brilliant",
                "important",
                "influential",
                "underrated",
                "overrated",
                "perfect",
                "stunning",
                "gorgeous",
                "powerful",
                "moving",
                "exciting",
                "original",
                "creative",
                "innovative",
                "talented",
                "unique",
                "amazing",
                "incredible",
                "iconic",
                "essential",
                "legendary",
            )
        ),
        "superlative",
    ),
    BannedPhrase(
        "praise superlatives (coolest, hottest, ...)",
        (
            "coolest",
            "hottest",
            "dopest",
            "sickest",
            "catchiest",
            "loveliest",
            "prettiest",
            "purest",
            "brightest",
            "top-notch",
            "second to none",
            "unmatched",
            "unrivalled",
            "unrivaled",
            "peerless",
        ),
        "superlative",
    ),
)


def _form_pattern(form: str) -> str:
    parts = re.split(r"[\s\-]+", form)
    return r"[\s\-]*".join(re.escape(part) for part in parts)


def _phrase_regex(phrase: BannedPhrase) -> re.Pattern[str]:
    forms = sorted(phrase.forms, key=len, reverse=True)
    body = "|".join(_form_pattern(form) for form in forms)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


_PHRASE_REGEXES: tuple[tuple[BannedPhrase, re.Pattern[str]], ...] = tuple(
    (phrase, _phrase_regex(phrase)) for phrase in BANNED_PHRASES
)

_PHRASE_MESSAGES: Mapping[str, str] = {
    "hype": '"{found}" is hype; describe what is in the listening instead of praising it.',
    "cliche": '"{found}" is a cliché; say something specific to this listening instead.',
    "superlative": '"{found}" is a superlative; observe instead of ranking or praising.',
}


# --------------------------------------------------------------------------
# Pattern rules: marks, links, preambles, meta commentary
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatternRule:
    """A rule that is one regular expression over the plain, masked reading.

    ``message`` may use ``{found}`` for what matched.
    """

    code: str
    pattern: str
    message: str
    instruction: str
    flags: int = re.IGNORECASE


_URL_TLDS = "com|net|org|io|fm|co|app|dev|ly|gg|tv|xyz|info|biz|uk|link"

PATTERN_RULES: tuple[PatternRule, ...] = (
    PatternRule(
        "exclamation",
        # NFKC has already folded the fullwidth and small forms into "!".
        r"[!¡‼⁉❗❕]",
        'It contains an exclamation mark ("{found}"); keep the tone calm and end with a full stop.',
        "Use no exclamation marks.",
    ),
    PatternRule(
        "hashtag",
        # "C# minor" is a key, not a hashtag: a # straight after a letter is allowed.
        r"(?<![\w&])#\w+",
        'It contains the hashtag "{found}"; remove it.',
        "Use no hashtags.",
    ),
    PatternRule(
        "mention",
        # An e-mail address's @ follows a letter; the url rule catches those.
        r"(?<![\w.])@\w+",
        'It contains the @mention "{found}"; remove it.',
        "Use no @mentions.",
    ),
    PatternRule(
        "url",
        rf"(?:\b(?:https?|ftp)://\S+|\bwww\.\S+"
        rf"|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
        rf"|\b[\w-]+(?:\.[\w-]+)*\.(?:{_URL_TLDS})\b(?:/\S*)?)",
        'It contains a link or address ("{found}"); remove it.',
        "Use no links, web addresses or e-mail addresses.",
    ),
    PatternRule(
        "spotify",
        r"spotify",
        'It mentions Spotify ("{found}"); leave the music service out.',
        "Do not mention Spotify.",
    ),
    PatternRule(
        "preamble",
        r"^\W*(?:here\s+(?:is|are)|here's|sure|certainly|of\s+course|absolutely|okay|ok"
        r"|alright|great\s+question|as\s+(?:an?\s+)?(?:ai|language\s+model|assistant))(?!\w)",
        'It starts with a preamble ("{found}"); start directly with the text itself.',
        'Start with the text itself: no preamble such as "Here is", "Sure" or "Of course".',
    ),
    PatternRule(
        "preamble",
        r"^[^\w\n]*(?:bio|biography|caption|title|liner\s+notes?|note|text|draft)\s*:",
        'It starts with a label ("{found}"); give only the text itself.',
        'Add no label such as "Bio:" or "Caption:".',
        re.IGNORECASE | re.MULTILINE,
    ),
    PatternRule(
        "meta",
        r"\bas\s+an?\s+(?:ai|language\s+model|assistant)\b|\blanguage\s+model\b"
        r"|\b(?:this|the\s+following|the\s+above)\s+(?:bio|biography|caption|text|note|draft)\b"
        r"|\blet\s+me\s+know\b|\bfeel\s+free\s+to\b|\bhope\s+(?:this|that|it)\s+helps\b"
        r"|\b(?:word|character)\s+count\b",
        'It comments on itself or on how it was written ("{found}"); give only the text.',
        "Do not comment on the text or on being an AI; give only the text.",
    ),
)

_PATTERN_REGEXES: tuple[tuple[PatternRule, re.Pattern[str]], ...] = tuple(
    (rule, re.compile(rule.pattern, rule.flags)) for rule in PATTERN_RULES
)


# --------------------------------------------------------------------------
# Emoji
# --------------------------------------------------------------------------

# Code point ranges read as emoji or pictographs. Ranges, not categories: the
# "So" category also holds CJK and other scripts' symbols, and no letter of any
# script (CJK, Arabic, Cyrillic, accented Latin) falls in these ranges.
# Characters that are emoji only with U+FE0F (©, ®, ™, ↔ ...) are caught by
# the selector itself.
EMOJI_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x1F000, 0x1FAFF, "pictographs, emoticons, flags (regional indicators), skin tones"),
    (0x2600, 0x27BF, "miscellaneous symbols and dingbats (☀ ★ ♥ ♪ ✨ ❤)"),
    (0x2B00, 0x2BFF, "stars, squares, circles and arrows (⭐ ⬛ ⭕)"),
    (0x231A, 0x231B, "watch and hourglass"),
    (0x2328, 0x2328, "keyboard"),
    (0x23CF, 0x23CF, "eject"),
    (0x23E9, 0x23F3, "media controls and clocks"),
    (0x23F8, 0x23FA, "media controls"),
    (0x25AA, 0x25AB, "small squares"),
    (0x25B6, 0x25B6, "play button"),
    (0x25C0, 0x25C0, "reverse button"),
    (0x25FB, 0x25FE, "medium squares"),
    (0x2934, 0x2935, "curved arrows"),
    (0x203C, 0x203C, "double exclamation mark"),
    (0x2049, 0x2049, "exclamation question mark"),
    (0x20E3, 0x20E3, "keycap"),
    (0xFE0F, 0xFE0F, "emoji presentation selector"),
    (0xE0020, 0xE007F, "tag characters (subdivision flags)"),
)

_EMOJI_CLASS = "[" + "".join(f"\\U{lo:08X}-\\U{hi:08X}" for lo, hi, _ in EMOJI_RANGES) + "]"
# A run of pictographs, joiners and selectors is one emoji to the reader.
_EMOJI_RUN = re.compile(f"{_EMOJI_CLASS}(?:[{_EMOJI_CLASS[1:-1]}\u200d])*")


# --------------------------------------------------------------------------
# First person
# --------------------------------------------------------------------------

FIRST_PERSON_WORDS: tuple[str, ...] = (
    "i",
    "i'm",
    "i've",
    "i'd",
    "i'll",
    "me",
    "my",
    "mine",
    "myself",
    "we",
    "we're",
    "we've",
    "we'd",
    "we'll",
    "our",
    "ours",
    "ourselves",
    "us",
    "let's",
)
# "I" after these words is a roman numeral ("Part I", "World War I").
_ROMAN_NUMERAL_CONTEXT = frozenset(
    {"part", "pt", "vol", "volume", "chapter", "act", "book", "disc", "side", "phase", "war"}
    | {"no", "op", "type", "episode", "season", "series", "movement", "symphony", "suite"}
)
# All capitals, these are not pronouns: "US" is the country.
_NOT_PRONOUNS_WHEN_UPPER = frozenset({"US"})

_FIRST_PERSON = re.compile(
    r"(?<![\w'])(?:"
    + "|".join(re.escape(w) for w in sorted(FIRST_PERSON_WORDS, key=len, reverse=True))
    + r")(?![\w'])",
    re.IGNORECASE,
)
_PREVIOUS_WORD = re.compile(r"(\w+)\.?\s+$")


# --------------------------------------------------------------------------
# Sentences, quotes, words
# --------------------------------------------------------------------------

# A full stop after these does not end a sentence. Names are masked first, so
# this only has to cover ordinary prose.
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "st", "mt", "ft", "feat", "vs", "vol", "no", "nos", "op", "pt"}
    | {"jr", "sr", "etc", "approx", "e.g", "i.e", "cf", "ca", "inc", "ltd", "bros", "prof"}
)
_SENTENCE_END = re.compile(r"(?:[.!?]+['\")\]»]*\s+|[。！？]+['\")\]»」』]*\s*)")
_CLOSING_PUNCT = "'\")]»」』"
_INITIALS = re.compile(r"^(?:\w\.)*\w$")

# Opening quote -> the closing quotes that pair with it.
_QUOTE_PAIRS: Mapping[str, str] = {
    '"': '"',
    "'": "'",
    "“": "”“",
    "”": "”",
    "„": "“”",
    "‘": "’‘",
    "’": "’",
    "‚": "‘’",
    "«": "»",
    "»": "«»",
    "‹": "›",
    "›": "‹›",
    "「": "」",
    "『": "』",
    "《": "》",
    "〈": "〉",
    "＂": "＂",
}

_NAMED_PLACEHOLDER = "Name"
_NAMELESS_ARTISTS = frozenset(
    {"various artists", "various", "unknown artist", "unknown album", "unknown", "[unknown]"}
)

_LOUD = frozenset("!¡‼⁉！?？¿#＃@＠")
_STRAIGHTEN = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
    }
)


# --------------------------------------------------------------------------
# Names: skeletons and masking
# --------------------------------------------------------------------------


_SPACE = " "


@lru_cache(maxsize=65536)
def _skeleton_of_char(ch: str, fold: bool) -> str:
    """What one character contributes to a skeleton: "" when dropped, " " for a space."""
    if ch.isspace() or unicodedata.category(ch) == "Pd":
        return _SPACE
    kept = (
        part
        for part in unicodedata.normalize("NFKD", ch)
        if unicodedata.category(part)[0] not in "PMZ"
    )
    joined = "".join(kept)
    return joined.casefold() if fold else joined


def _skeleton(text: str, *, fold: bool) -> tuple[str, tuple[int, ...]]:
    """Letters, digits and symbols of ``text``, each with the index it came from.

    Accents and other marks and punctuation are dropped, compatibility forms
    are folded (NFKD), runs of spaces and dashes become one space.
    """
    chars: list[str] = []
    index: list[int] = []
    space_at = -1
    for i, ch in enumerate(text):
        kept = _skeleton_of_char(ch, fold)
        if kept == _SPACE:
            if space_at < 0 and chars:
                space_at = i
            continue
        if not kept:
            continue
        if space_at >= 0:
            chars.append(_SPACE)
            index.append(space_at)
            space_at = -1
        chars.append(kept)
        index.extend([i] * len(kept))
    return "".join(chars), tuple(index)


_CONTRACTION = re.compile(r"['’](\w+)")


def _spaced_letter(ch: str) -> bool:
    # Scripts written without spaces between words (CJK, kana, Hangul
    # syllables with particles) cannot demand a word boundary around a name.
    return ch.isalnum() and ord(ch) < 0x2E80


@dataclass(frozen=True, slots=True)
class _Name:
    raw: str
    exact: str
    folded: str
    several_words: bool
    lead: str
    trail: str
    loud: tuple[str, ...]
    cases: frozenset[str]  # the casings that count as writing this name


def _casings(exact: str) -> frozenset[str]:
    """How a name may be cased and still be the name, not ordinary words.

    One word: as written, or with a capital first letter (a lowercase-styled
    name opening a sentence). Several words: also all lower, all upper and
    title case ("my bloody valentine" / "My Bloody Valentine"), but not an
    arbitrary mix, so "Here is" is a preamble even beside an album "Here Is".
    """
    first_upper = exact[:1].upper() + exact[1:]
    if " " not in exact:
        return frozenset({exact, first_upper})
    words = exact.split(" ")
    return frozenset(
        {
            exact,
            first_upper,
            exact[:1].lower() + exact[1:],
            exact.lower(),
            exact.upper(),
            " ".join(w[:1].upper() + w[1:] for w in words),
            " ".join(w[:1].upper() + w[1:].lower() for w in words),
        }
    )


@lru_cache(maxsize=16384)
def _name(raw_name: str) -> _Name | None:
    raw = unicodedata.normalize("NFC", raw_name.strip())
    if not raw:
        return None
    exact, index = _skeleton(raw, fold=False)
    folded, _ = _skeleton(raw, fold=True)
    if not exact:
        # All punctuation ("!!!", "..."): matched literally, and never a
        # single character, which would hide every "!" in the text.
        if len(raw) < 2:
            return None
        return _Name(raw, "", "", False, "", "", (), frozenset())
    first, last = index[0], index[-1]
    loud = tuple(sorted(ch for ch in raw[first : last + 1] if ch in _LOUD))
    return _Name(
        raw, exact, folded, " " in exact, raw[:first], raw[last + 1 :], loud, _casings(exact)
    )


@dataclass(frozen=True, slots=True)
class _Skeletons:
    text: str
    folded: str
    folded_index: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> _Skeletons:
        folded, folded_index = _skeleton(text, fold=True)
        return cls(text, folded, folded_index)


def _occurrences(sk: _Skeletons, name: _Name, *, any_case: bool) -> Iterable[tuple[int, int]]:
    """Spans of ``sk.text`` where ``name`` is written, punctuation of the name included.

    Without ``any_case`` only the casings in ``name.cases`` count.
    """
    text = sk.text
    if not name.exact:
        hay = text.casefold() if any_case else text
        needle = name.raw.casefold() if any_case else name.raw
        start = hay.find(needle)
        while start >= 0:
            yield start, start + len(needle)
            start = hay.find(needle, start + len(needle))
        return
    at = sk.folded.find(name.folded)
    while at >= 0:
        end = at + len(name.folded)
        span = _span(text, sk.folded_index, at, end, name)
        if span is not None and (
            any_case or _skeleton(text[span[0] : span[1]], fold=False)[0] in name.cases
        ):
            yield span
        at = sk.folded.find(name.folded, at + 1)


def _span(
    text: str, index: tuple[int, ...], at: int, end: int, name: _Name
) -> tuple[int, int] | None:
    # The match must cover whole characters of the text ("ß" folds to "ss").
    if at > 0 and index[at - 1] == index[at]:
        return None
    if end < len(index) and index[end] == index[end - 1]:
        return None
    start, stop = index[at], index[end - 1] + 1
    while stop < len(text) and unicodedata.category(text[stop])[0] == "M":
        stop += 1  # a decomposed accent belongs to the last letter
    if tuple(sorted(ch for ch in text[start:stop] if ch in _LOUD)) != name.loud:
        return None
    if name.lead and text[max(0, start - len(name.lead)) : start] == name.lead:
        start -= len(name.lead)
    if name.trail and text[stop : stop + len(name.trail)] == name.trail:
        stop += len(name.trail)
    # "Can's" names the band Can; "Can't" is a contraction, not the band.
    contraction = _CONTRACTION.match(text, stop)
    if contraction and contraction.group(1).casefold() != "s":
        return None
    if start > 0 and _spaced_letter(text[start - 1]) and _spaced_letter(text[start]):
        return None
    if stop < len(text) and _spaced_letter(text[stop]) and _spaced_letter(text[stop - 1]):
        return None
    return start, stop


def _prepared_names(names: Iterable[str]) -> list[_Name]:
    if isinstance(names, str):  # a single name passed by mistake is still one name
        names = (names,)
    unique = {prepared.raw: prepared for n in names if (prepared := _name(n)) is not None}
    # Longest first, so "Kid A Mnesia" is masked before "Kid A".
    return sorted(unique.values(), key=lambda n: (-len(n.exact or n.raw), n.raw))


def _mask(sk: _Skeletons, names: list[_Name]) -> str:
    text = sk.text
    taken = [False] * len(text)
    spans: list[tuple[int, int]] = []
    for name in names:
        for start, stop in _occurrences(sk, name, any_case=False):
            if any(taken[start:stop]):
                continue
            for i in range(start, stop):
                taken[i] = True
            spans.append((start, stop))
    if not spans:
        return text
    out: list[str] = []
    cursor = 0
    for start, stop in sorted(spans):
        out.append(text[cursor:start])
        first_letter = next((ch for ch in text[start:stop] if ch.isalpha()), "N")
        # Keep the case of the first letter so sentence starts are still seen.
        out.append(_NAMED_PLACEHOLDER.lower() if first_letter.islower() else _NAMED_PLACEHOLDER)
        cursor = stop
    out.append(text[cursor:])
    return "".join(out)


def _names_something(sk: _Skeletons, names: list[_Name]) -> bool:
    for name in names:
        # Short one-word names ("Can", "Low", "Yes") must keep their case, or
        # any text using the word would count as naming the artist.
        any_case = name.several_words or len(name.folded or name.raw) >= 5
        if next(iter(_occurrences(sk, name, any_case=any_case)), None) is not None:
            return True
    return False


# --------------------------------------------------------------------------
# Reading a text
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Reading:
    original: str
    masked: str  # names replaced by a neutral word
    plain: str  # masked, NFKC, quotes and dashes straightened, format characters removed
    names_something: bool


def _read(text: str, names: Iterable[str]) -> _Reading:
    original = unicodedata.normalize("NFC", text.strip())
    prepared = _prepared_names(names)
    sk = _Skeletons.of(original)
    masked = _mask(sk, prepared)
    plain = unicodedata.normalize("NFKC", masked).translate(_STRAIGHTEN)
    plain = "".join(ch for ch in plain if unicodedata.category(ch) != "Cf")
    return _Reading(original, masked, plain, _names_something(sk, prepared))


def _count_sentences(text: str) -> int:
    count = 0
    for line in text.splitlines():
        if not re.search(r"\w", line):
            continue
        count += 1
        for match in _SENTENCE_END.finditer(line):
            rest = line[match.end() :]
            if not re.search(r"\w", rest):
                continue
            stripped = rest.lstrip()
            if stripped[:1].islower():
                continue  # "etc. and so on", an ellipsis mid-sentence
            mark = match.group(0).rstrip().rstrip(_CLOSING_PUNCT)
            if mark == ".":
                before = re.search(r"(\S+)$", line[: match.start()])
                word = before.group(1) if before else ""
                if word.casefold() in _ABBREVIATIONS or _INITIALS.match(word):
                    continue
            count += 1
    return count


def _count_words(text: str) -> int:
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


def _wrapped_in_quotes(text: str) -> bool:
    body = text.rstrip(".!?… ")
    if len(body) < 2 or body[0] not in _QUOTE_PAIRS:
        return False
    opener, closers = body[0], _QUOTE_PAIRS[body[0]]
    if body[-1] not in closers:
        return False
    inner = body[1:-1]
    if opener == "'" or opener == "’":
        # Apostrophes inside words ("it's") are not quotes.
        inner = re.sub(r"(?<=\w)['’](?=\w)", "", inner)
    if opener in closers:  # symmetric quotes: any inner one closes the first
        return opener not in inner
    depth = 0
    for ch in inner:
        if ch == opener:
            depth += 1
        elif ch in closers:
            if depth == 0:
                return False
            depth -= 1
    return True


# --------------------------------------------------------------------------
# Detectors: the engine that applies the tables above
# --------------------------------------------------------------------------

_Detector = Callable[[_Reading, Limits], list[Violation]]


def _length(reading: _Reading, limits: Limits) -> list[Violation]:
    actual = len(reading.original)
    if actual <= limits.max_chars:
        return []
    return [
        Violation(
            "too_long",
            f"It is {actual} characters long; keep it to {limits.max_chars} or fewer.",
        )
    ]


def _sentences(reading: _Reading, limits: Limits) -> list[Violation]:
    if limits.max_sentences is None:
        return []
    actual = _count_sentences(reading.plain)
    if actual <= limits.max_sentences:
        return []
    allowed = "exactly one" if limits.max_sentences == 1 else f"at most {limits.max_sentences}"
    return [Violation("too_many_sentences", f"It has {actual} sentences; use {allowed}.")]


def _words(reading: _Reading, limits: Limits) -> list[Violation]:
    if limits.max_words is None:
        return []
    actual = _count_words(reading.original)
    if actual <= limits.max_words:
        return []
    return [Violation("too_many_words", f"It has {actual} words; use {limits.max_words} or fewer.")]


def _quotes(reading: _Reading, limits: Limits) -> list[Violation]:
    if not _wrapped_in_quotes(reading.masked):
        return []
    return [
        Violation(
            "wrapped_in_quotes",
            "The whole text is wrapped in quotation marks; remove them.",
        )
    ]


def _emoji(reading: _Reading, limits: Limits) -> list[Violation]:
    return [
        Violation("emoji", f'It contains the emoji or pictograph "{found}"; use words only.')
        for found in dict.fromkeys(m.group(0) for m in _EMOJI_RUN.finditer(reading.masked))
    ]


def _patterns(reading: _Reading, limits: Limits) -> list[Violation]:
    found: list[Violation] = []
    for rule, regex in _PATTERN_REGEXES:
        for match in regex.finditer(reading.plain):
            found.append(Violation(rule.code, rule.message.format(found=match.group(0).strip())))
    return found


def _banned(reading: _Reading, limits: Limits) -> list[Violation]:
    found: list[Violation] = []
    for phrase, regex in _PHRASE_REGEXES:
        for match in regex.finditer(reading.plain):
            message = _PHRASE_MESSAGES[phrase.code].format(found=match.group(0))
            found.append(Violation(phrase.code, message))
    return found


def _first_person(reading: _Reading, limits: Limits) -> list[Violation]:
    found: list[Violation] = []
    text = reading.plain
    for match in _FIRST_PERSON.finditer(text):
        word = match.group(0)
        if word in _NOT_PRONOUNS_WHEN_UPPER:
            continue
        if word == "I":
            previous = _PREVIOUS_WORD.search(text[: match.start()])
            if previous and previous.group(1).casefold() in _ROMAN_NUMERAL_CONTEXT:
                continue
        found.append(
            Violation(
                "first_person",
                f'"{word}" is first person; write in the third person (their name, they) '
                "or the second person (you).",
            )
        )
    return found


def _named(reading: _Reading, limits: Limits) -> list[Violation]:
    if reading.names_something:
        return []
    return [
        Violation(
            "no_name",
            "It names no artist or album from their listening; name at least one, "
            "spelled as in their data.",
        )
    ]


# The order of the checks is the order of the violations returned.
_DETECTORS: tuple[_Detector, ...] = (
    _length,
    _sentences,
    _words,
    _named,
    _quotes,
    _emoji,
    _patterns,
    _banned,
    _first_person,
)


def _run(
    text: str, kind: NoteKind, names: Iterable[str], limits: Mapping[str, Limits]
) -> list[Violation]:
    if kind not in limits:
        raise ValueError(f"kind must be 'bio' or 'caption', got {kind!r}")
    if not text.strip():
        return [Violation("empty", "The text is empty; write something about their listening.")]
    reading = _read(text, names)
    violations: list[Violation] = []
    for detect in _DETECTORS:
        violations.extend(detect(reading, limits[kind]))
    return list(dict.fromkeys(violations))


def check(text: str, *, kind: NoteKind, names: Iterable[str]) -> list[Violation]:
    """Every rule a generated bio or caption breaks; empty when it may be stored.

    ``names`` are the artist and album names from the person's data
    (``names_in(snapshot)``): the text must name one, and they are exempt
    from the content rules wherever they appear.
    """
    return _run(text, kind, names, GENERATED_LIMITS)


def check_edit(text: str, *, kind: NoteKind, names: Iterable[str]) -> list[Violation]:
    """The same content rules for a person's own edit, with the edit length limits.

    An edit may be up to ``EDIT_BIO_MAX_CHARS`` / ``EDIT_CAPTION_MAX_CHARS``
    long; sentences and words are not counted.
    """
    return _run(text, kind, names, EDIT_LIMITS)


def names_in(snapshot: Snapshot) -> list[str]:
    """The artist and album names a text about this person may name, in data order.

    Top artists, top albums and their artists, and every track's artists and
    album (singles included). Placeholders such as "Various Artists" are left
    out: naming them says nothing about the person. Track titles are not
    names here: the rule asks for an artist or album.
    """
    seen: set[str] = set()
    found: list[str] = []

    def add(name: str) -> None:
        clean = name.strip()
        if clean and clean.casefold() not in _NAMELESS_ARTISTS and clean not in seen:
            seen.add(clean)
            found.append(clean)

    for artist in snapshot.artists:
        add(artist.name)
    for album in snapshot.albums:
        add(album.name)
        for credit in album.artists:
            add(credit.name)
    for track in snapshot.tracks:
        for credit in track.artists:
            add(credit.name)
        if track.album is not None:
            add(track.album.name)
            for credit in track.album.artists:
                add(credit.name)
    return found


def rules_for(kind: NoteKind, *, edit: bool = False) -> list[str]:
    """The rules as short imperative sentences, for a prompt or a help text."""
    limits = (EDIT_LIMITS if edit else GENERATED_LIMITS)[kind]
    if kind == "bio":
        size = f"Write at most {limits.max_chars} characters"
        if limits.max_sentences is not None:
            size = (
                f"Write at most {limits.max_sentences} sentences and {limits.max_chars} characters"
            )
        subject = (
            "Name at least one artist or album from their listening, spelled as in their data."
        )
    else:
        size = f"Write at most {limits.max_chars} characters"
        if limits.max_words is not None:
            size = (
                f"Write one sentence of at most {limits.max_words} words "
                f"and {limits.max_chars} characters"
            )
        subject = "Name the album or its artist, spelled as in their data."
    hype = ", ".join(p.phrase for p in BANNED_PHRASES if p.code == "hype")
    cliches = ", ".join(f'"{p.phrase}"' for p in BANNED_PHRASES if p.code == "cliche")
    return [
        size + ".",
        subject,
        "Write in the third person (their name, they) or the second person (you); never in "
        "the first person (I, me, my, mine, myself, we, our, us).",
        "Observe what is in their listening rather than praising it.",
        f"Use no hype words: {hype}.",
        f"Use no clichés: {cliches}.",
        "Use no superlatives such as best, greatest, finest, ultimate, all-time or most beautiful.",
        "Use no emoji, no exclamation marks, no hashtags, no @mentions and no links.",
        *dict.fromkeys(
            rule.instruction
            for rule in PATTERN_RULES
            if rule.code in ("spotify", "preamble", "meta")
        ),
        "Do not wrap the text in quotation marks.",
    ]
