"""Handle rules: length, characters, hyphens, reserved words, and Unicode look-alikes."""

from __future__ import annotations

import dataclasses
import pickle
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from liner.domain.handles import (
    MAX_LENGTH,
    MIN_LENGTH,
    PROBLEM_ORDER,
    RESERVED,
    HandleProblem,
    InvalidHandle,
    is_reserved,
    normalise,
    problems,
    validate,
)

# The product rule, written independently of the implementation. fullmatch, not
# match: a ``$`` would also match before a trailing newline.
VALID_HANDLE = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,29}$")


def codes(raw: str) -> list[str]:
    return [problem.code for problem in problems(raw)]


# --- what is accepted -------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["alice", "bob", "a-b", "abc", "a1b2c3", "123", "dj-shadow", "the-9-lives", "x" * MAX_LENGTH],
)
def test_a_well_formed_handle_is_accepted_as_is(raw: str) -> None:
    assert problems(raw) == []
    assert validate(raw) == raw


def test_uppercase_input_is_accepted_and_lower_cased() -> None:
    assert validate("Alice") == "alice"
    assert validate("DJ-SHADOW") == "dj-shadow"
    assert validate("MiXeD-CaSe-42") == "mixed-case-42"


@pytest.mark.parametrize(
    "raw", ["  alice", "alice  ", "\talice\n", "\r\n alice \x0b\x0c", "alice\n"]
)
def test_surrounding_ascii_whitespace_is_ignored(raw: str) -> None:
    assert validate(raw) == "alice"


def test_normalising_strips_and_lower_cases_but_changes_nothing_else() -> None:
    assert normalise("  Alice-Bob_! ") == "alice-bob_!"
    assert normalise("") == ""


# --- each rule, with its own message ----------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("empty", "Enter a handle."),
        ("too_short", "Use at least 3 characters."),
        ("too_long", "Use at most 30 characters."),
        ("invalid_characters", "Use only letters a–z, digits and hyphens."),
        ("hyphen_edges", "Hyphens cannot start or end a handle."),
        ("double_hyphen", "Use one hyphen at a time."),
        ("reserved", "That handle is reserved."),
    ],
)
def test_each_rule_has_its_own_plain_message(code: str, message: str) -> None:
    examples = {
        "empty": "",
        "too_short": "ab",
        "too_long": "a" * 31,
        "invalid_characters": "al_ice",
        "hyphen_edges": "-alice",
        "double_hyphen": "al--ice",
        "reserved": "admin",
    }
    assert problems(examples[code]) == [HandleProblem(code, message)]


def test_the_length_limits_are_three_and_thirty() -> None:
    assert (MIN_LENGTH, MAX_LENGTH) == (3, 30)


@pytest.mark.parametrize(
    ("length", "expected"),
    [(1, ["too_short"]), (2, ["too_short"]), (3, []), (30, []), (31, ["too_long"])],
)
def test_length_boundaries(length: int, expected: list[str]) -> None:
    assert codes("q" * length) == expected


def test_length_is_counted_after_stripping_whitespace() -> None:
    assert codes("  ab  ") == ["too_short"]
    assert codes(" " + "q" * 30 + " ") == []


@pytest.mark.parametrize("raw", ["", " ", "   ", "\t\n", "\r\n\x0b\x0c"])
def test_an_empty_or_blank_handle_reports_only_that_it_is_empty(raw: str) -> None:
    assert codes(raw) == ["empty"]


@pytest.mark.parametrize(
    "raw",
    ["al_ice", "al.ice", "al ice", "al\tice", "ali/ce", "alice!", "@alice", "al+ice", "ali%20"],
)
def test_only_letters_digits_and_hyphens_are_allowed(raw: str) -> None:
    assert codes(raw) == ["invalid_characters"]


@pytest.mark.parametrize("raw", ["-alice", "alice-", "-alice-", "-ab", "ab-"])
def test_a_hyphen_cannot_start_or_end_a_handle(raw: str) -> None:
    assert codes(raw) == ["hyphen_edges"]


@pytest.mark.parametrize("raw", ["al--ice", "a---b", "dj--shadow--x"])
def test_hyphens_cannot_be_doubled(raw: str) -> None:
    assert codes(raw) == ["double_hyphen"]


def test_punycode_style_prefixes_are_caught_by_the_doubled_hyphen_rule() -> None:
    assert codes("xn--80ak6aa92e") == ["double_hyphen"]


def test_every_problem_is_reported_at_once_in_a_stable_order() -> None:
    assert codes("-_") == ["too_short", "invalid_characters", "hyphen_edges"]
    assert codes("-a--" + "_" * 30) == [
        "too_long",
        "invalid_characters",
        "hyphen_edges",
        "double_hyphen",
    ]
    assert codes("me") == ["too_short", "reserved"]
    assert problems("-a--" + "_" * 30) == problems("-a--" + "_" * 30)


def test_the_problem_order_lists_every_code_once() -> None:
    assert PROBLEM_ORDER == (
        "empty",
        "too_short",
        "too_long",
        "invalid_characters",
        "hyphen_edges",
        "double_hyphen",
        "reserved",
    )


def test_a_problem_is_an_immutable_value() -> None:
    problem = problems("ab")[0]
    assert problem == HandleProblem("too_short", "Use at least 3 characters.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.code = "other"  # type: ignore[misc]


# --- validate and its error -------------------------------------------------------------


def test_an_invalid_handle_raises_a_value_error_listing_every_problem() -> None:
    with pytest.raises(InvalidHandle) as caught:
        validate("-A_")
    assert isinstance(caught.value, ValueError)
    assert caught.value.problems == problems("-A_")
    assert [p.code for p in caught.value.problems] == [
        "invalid_characters",
        "hyphen_edges",
    ]
    assert str(caught.value) == (
        "Use only letters a–z, digits and hyphens. Hyphens cannot start or end a handle."
    )


def test_an_invalid_handle_error_needs_at_least_one_problem() -> None:
    with pytest.raises(ValueError, match="at least one problem"):
        InvalidHandle([])


def test_an_invalid_handle_error_survives_pickling() -> None:
    error = InvalidHandle(problems("a--"))
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, InvalidHandle)
    assert copy.problems == error.problems
    assert str(copy) == str(error)


# --- reserved words ---------------------------------------------------------------------

# Everything the product brief names; the list may hold more.
MUST_BE_RESERVED = [
    "api", "auth", "dashboard", "settings", "static", "og", "sandbox", "healthz", "robots",
    "robots-txt", "sitemap", "sitemap-xml", "favicon", "favicon-ico", "apple-touch-icon",
    "manifest", "well-known", "login", "logout", "signin", "signout", "sign-in", "sign-out",
    "signup", "sign-up", "register", "onboarding", "claim", "welcome", "account", "accounts",
    "me", "user", "users", "profile", "profiles", "u", "p", "home", "index", "explore",
    "discover", "search", "feed", "new", "edit", "preview", "publish", "public", "page", "pages",
    "privacy", "terms", "legal", "tos", "security", "status", "docs", "blog", "press", "jobs",
    "careers", "about", "help", "support", "contact", "admin", "administrator", "root", "system",
    "www", "mail", "email", "ftp", "smtp", "imap", "cdn", "assets", "img", "images", "media",
    "files", "uploads", "download", "downloads", "liner", "liner-notes", "anchor", "spotify",
    "lastfm", "listenbrainz", "google", "oauth", "callback", "webhook", "webhooks", "null",
    "undefined", "test", "example", "openapi", "openapi-json",
]  # fmt: skip


def test_the_named_words_are_reserved() -> None:
    assert sorted(set(MUST_BE_RESERVED) - RESERVED) == []
    assert all(is_reserved(word) and "reserved" in codes(word) for word in MUST_BE_RESERVED)


def test_the_paths_the_app_serves_today_are_reserved() -> None:
    # /api/v1, /api/docs, /api/openapi.json, /auth/..., /dashboard, /static, /healthz,
    # /sandbox/spotify. The web tier walks the real routes; this pins the list itself.
    assert {"api", "auth", "dashboard", "static", "healthz", "sandbox"} <= RESERVED


def test_every_reserved_word_is_stored_in_handle_form() -> None:
    # Stored normalised and well formed, so a membership test after normalise() is the
    # whole check. Short ones (me, og, u) could never be claimed anyway; they are listed
    # because they are, or will be, paths.
    malformed = sorted(
        word
        for word in RESERVED
        if set(codes(word)) - {"too_short", "reserved"} or normalise(word) != word
    )
    assert malformed == []


def test_a_reserved_word_of_valid_shape_reports_only_that_it_is_reserved() -> None:
    assert [p.code for p in problems("admin")] == ["reserved"]
    assert [p.code for p in problems("liner-notes")] == ["reserved"]


@pytest.mark.parametrize("raw", ["ADMIN", "Admin", "  admin ", "\tSpotify\n", "LINER"])
def test_reserved_words_are_matched_after_normalising(raw: str) -> None:
    assert is_reserved(raw)
    assert codes(raw) == ["reserved"]


@pytest.mark.parametrize("raw", ["alice", "admin-alice", "liner-fan", "spotify4ever", "ab-c"])
def test_ordinary_handles_are_not_reserved(raw: str) -> None:
    assert not is_reserved(raw)
    assert validate(raw) == raw


def test_reserved_is_an_immutable_set() -> None:
    assert isinstance(RESERVED, frozenset)


# --- Unicode: rejected, never mapped onto an ASCII handle -------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("İnan", id="dotted capital I lower-cases to i + combining dot"),
        pytest.param("admın", id="dotless i"),
        pytest.param("\u212aate", id="Kelvin sign lower-cases to k"),
        pytest.param("\u212bngstrom", id="Angstrom sign lower-cases to å"),
        pytest.param("ſupport", id="long s case-folds to s"),
        pytest.param("straße", id="sharp s"),
        pytest.param("ａｄｍｉｎ", id="fullwidth letters NFKC to admin"),
        pytest.param("ＡＤＭＩＮ", id="fullwidth capitals"),
        pytest.param("proﬁle", id="fi ligature NFKC to fi"),
        pytest.param("𝐚𝐝𝐦𝐢𝐧", id="mathematical bold NFKC to admin"),
        pytest.param("ⓐⓓⓜⓘⓝ", id="circled letters NFKC to admin"),
        pytest.param("аdmin", id="Cyrillic a"),
        pytest.param("ΑLICE", id="Greek capital alpha"),
        pytest.param("café", id="precomposed e acute"),
        pytest.param("cafe\u0301", id="combining acute"),
        pytest.param("abc²", id="superscript two is a digit to isalnum"),
        pytest.param("١٢٣", id="Arabic-Indic digits"),
        pytest.param("１２３", id="fullwidth digits"),
        pytest.param("alice\u2010bob", id="Unicode hyphen"),
        pytest.param("alice\u2011bob", id="non-breaking hyphen"),
        pytest.param("alice–bob", id="en dash"),
        pytest.param("alice\u2212bob", id="minus sign"),
        pytest.param("alice\u00adbob", id="soft hyphen"),
        pytest.param("ad\u200bmin", id="zero-width space"),
        pytest.param("ad\u200dmin", id="zero-width joiner"),
        pytest.param("\ufeffalice", id="byte order mark"),
        pytest.param("\u00a0alice\u00a0", id="no-break spaces around"),
        pytest.param("\u3000alice", id="ideographic space"),
        pytest.param("alice\u2028", id="line separator"),
        pytest.param("ali\x00ce", id="NUL"),
        pytest.param("alice\x7f", id="DEL"),
        pytest.param("ali\ud800ce", id="lone surrogate"),
    ],
)
def test_non_ascii_look_alikes_are_rejected_not_mapped(raw: str) -> None:
    assert "invalid_characters" in codes(raw)
    with pytest.raises(InvalidHandle):
        validate(raw)
    # Only ASCII letters were touched: the non-ASCII characters survive normalising.
    assert [c for c in normalise(raw) if not c.isascii()] == [c for c in raw if not c.isascii()]


def test_a_look_alike_of_a_reserved_word_is_rejected_for_its_characters() -> None:
    # The point of not folding: ſupport must not become "support" (reserved) or,
    # worse, an unreserved word that collides with someone else's ASCII handle.
    assert codes("ſupport") == ["invalid_characters"]
    assert codes("\u212aate") == ["invalid_characters"]


# --- properties -------------------------------------------------------------------------

TRICKY = "abcxyzABCXYZ0189-_. \t\nİıſ\u212a\u212bßａＡ１²\u2010\u00a0\u200b\u0301"
valid_shaped = st.from_regex(VALID_HANDLE, fullmatch=True)
candidates = st.one_of(
    st.text(),
    st.text(alphabet=TRICKY, max_size=40),
    st.text(alphabet="abz09-", min_size=1, max_size=35),
    valid_shaped,
    st.sampled_from(sorted(RESERVED)),
    st.tuples(st.sampled_from(["", " ", "\t"]), valid_shaped, st.sampled_from(["", "\n"])).map(
        lambda parts: (parts[0] + parts[1] + parts[2]).upper()
    ),
)


@given(candidates)
@example("alice\n")
@example("İnan")
@example("ſupport")
def test_every_accepted_handle_matches_the_rule_and_is_not_reserved(raw: str) -> None:
    try:
        handle = validate(raw)
    except InvalidHandle as error:
        assert error.problems == problems(raw) != []
        return
    assert VALID_HANDLE.fullmatch(handle)
    assert handle not in RESERVED
    assert handle == normalise(raw)
    assert validate(handle) == handle


@given(candidates)
def test_a_handle_is_accepted_exactly_when_its_normal_form_matches_the_rule(raw: str) -> None:
    handle = normalise(raw)
    expected = VALID_HANDLE.fullmatch(handle) is not None and handle not in RESERVED
    assert (problems(raw) == []) is expected


@given(candidates)
def test_problems_come_in_the_stable_order_each_at_most_once(raw: str) -> None:
    found = codes(raw)
    assert found == sorted(set(found), key=PROBLEM_ORDER.index)


@given(st.text(alphabet=TRICKY), st.characters(min_codepoint=0x80), st.text(alphabet=TRICKY))
def test_any_non_ascii_character_left_after_stripping_is_rejected(
    before: str, odd: str, after: str
) -> None:
    raw = before + odd + after
    assert "invalid_characters" in codes(raw)
