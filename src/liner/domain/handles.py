"""Handle rules and reserved words.

A person claims one handle and it becomes their page address ``/<handle>``.

Contract:

- ``normalise`` strips surrounding *ASCII* whitespace and lower-cases *ASCII*
  letters only (A-Z -> a-z). Every other character is left exactly as it is,
  so it is rejected later instead of being quietly mapped onto an allowed one.
  That is why this module never calls ``str.lower``, ``str.casefold`` or
  ``unicodedata.normalize``: ``"İ".lower()`` is ``"i̇"`` (two code points),
  the Kelvin sign ``"K"`` lower-cases to ``"k"``, long s ``"ſ"`` case-folds to
  ``"s"``, and NFKC turns fullwidth ``"ａ"`` into ``"a"`` and ``"ﬁ"`` into
  ``"fi"``. Any of those would let a look-alike claim (or collide with) an
  ASCII handle. Non-ASCII whitespace (no-break space, ideographic space) is not
  stripped either: it is reported as a character problem like any other.
- A handle is 3-30 characters, only ``a-z``, ``0-9`` and ``-``, with no hyphen
  at either end and never two in a row, and not in ``RESERVED``. The character
  check is an explicit set, not ``str.isalnum``/``\\w``/``\\d``, which accept
  Unicode letters and digits such as ``"é"``, ``"²"`` or ``"٣"``.
- ``problems`` reports every problem at once, in a fixed order (the order of
  ``PROBLEM_ORDER``), each code at most once; an empty input reports only
  ``"empty"``. ``[]`` means the handle is valid.
- ``validate`` returns the normalised handle or raises ``InvalidHandle``, a
  ``ValueError`` whose ``.problems`` equals ``problems(raw)``.
- ``RESERVED`` covers every top-level path the app serves or is likely to
  serve, names that would let someone pose as the product or its staff, and
  values that read as bugs (``null``, ``undefined``). Entries are stored in
  their normalised form; a path segment with a dot (``robots.txt``) is listed
  both as its stem and with the dot as a hyphen (``robots``, ``robots-txt``).

Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "PROBLEM_ORDER",
    "RESERVED",
    "HandleProblem",
    "InvalidHandle",
    "is_reserved",
    "normalise",
    "problems",
    "validate",
]

MIN_LENGTH = 3
MAX_LENGTH = 30


@dataclass(frozen=True)
class HandleProblem:
    """One broken rule: a stable ``code`` for programs, a ``message`` for people."""

    code: str
    message: str


EMPTY = HandleProblem("empty", "Enter a handle.")
TOO_SHORT = HandleProblem("too_short", f"Use at least {MIN_LENGTH} characters.")
TOO_LONG = HandleProblem("too_long", f"Use at most {MAX_LENGTH} characters.")
INVALID_CHARACTERS = HandleProblem(
    "invalid_characters", "Use only letters a–z, digits and hyphens."
)
HYPHEN_EDGES = HandleProblem("hyphen_edges", "Hyphens cannot start or end a handle.")
DOUBLE_HYPHEN = HandleProblem("double_hyphen", "Use one hyphen at a time.")
RESERVED_PROBLEM = HandleProblem("reserved", "That handle is reserved.")

# The order ``problems`` reports in: shape first, then content, then policy.
PROBLEM_ORDER: tuple[str, ...] = (
    EMPTY.code,
    TOO_SHORT.code,
    TOO_LONG.code,
    INVALID_CHARACTERS.code,
    HYPHEN_EDGES.code,
    DOUBLE_HYPHEN.code,
    RESERVED_PROBLEM.code,
)


class InvalidHandle(ValueError):
    """A handle that breaks at least one rule; ``.problems`` lists them all."""

    def __init__(self, problems: Iterable[HandleProblem]) -> None:
        self.problems: list[HandleProblem] = list(problems)
        if not self.problems:
            raise ValueError("InvalidHandle needs at least one problem")
        super().__init__(" ".join(problem.message for problem in self.problems))

    def __reduce__(self) -> tuple[type[InvalidHandle], tuple[list[HandleProblem]]]:
        # The default would call InvalidHandle(message) and fail; rebuild from problems.
        return (type(self), (self.problems,))


# Spelled out rather than taken from ``string``/``str`` methods so that no
# locale or Unicode rule can widen it.
_ASCII_WHITESPACE = " \t\n\r\x0b\x0c"
_ASCII_LOWER = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "abcdefghijklmnopqrstuvwxyz",
)
_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")

RESERVED: frozenset[str] = frozenset(
    {
        # Top-level paths the app serves now.
        "api", "auth", "dashboard", "static", "sandbox", "healthz",
        # Paths it will serve, or that frameworks, crawlers and browsers ask for.
        "settings", "og", "opengraph", "oembed", "embed", "share", "card", "cards",
        "robots", "robots-txt", "sitemap", "sitemap-xml", "sitemaps", "favicon", "favicon-ico",
        "apple-touch-icon", "apple-app-site-association", "manifest", "manifest-json",
        "site-webmanifest", "browserconfig", "humans", "humans-txt", "ads-txt", "security-txt",
        "well-known", "openapi", "openapi-json", "docs", "redoc", "swagger", "graphql",
        "health", "healthcheck", "ping", "ready", "readyz", "livez", "metrics", "version",
        "rss", "atom", "feed", "feeds", "ws", "websocket", "socket", "events", "sse",
        # Accounts and sign-in.
        "login", "logout", "signin", "signout", "sign-in", "sign-out", "log-in", "log-out",
        "signup", "sign-up", "register", "join", "invite", "invites", "verify",
        "confirm", "reset", "password", "forgot", "magic-link", "session", "sessions",
        "onboarding", "claim", "welcome", "start", "get-started", "account", "accounts",
        "me", "my", "you", "self", "user", "users", "profile", "profiles", "u", "p",
        "member", "members", "people", "person", "handle", "handles", "connect",
        "disconnect", "delete", "export", "import", "notifications", "billing",
        "subscription", "subscriptions", "pricing", "plans", "upgrade", "pro", "premium",
        # Pages and page actions.
        "home", "index", "explore", "discover", "search", "trending", "popular", "recent",
        "latest", "top", "browse", "new", "edit", "preview", "publish", "unpublish",
        "public", "private", "draft", "drafts", "page", "pages", "notes", "note",
        "refresh", "regenerate", "music", "taste", "artists", "artist", "albums", "album",
        "tracks", "track", "genres", "genre", "charts", "stats", "app", "apps", "mobile",
        "download", "downloads", "dev", "developer", "developers", "changelog", "roadmap",
        # Company, legal and help.
        "about", "help", "support", "contact", "faq", "privacy", "privacy-policy", "terms",
        "terms-of-service", "tos", "legal", "cookies", "gdpr", "dmca", "copyright",
        "abuse", "report", "security", "status", "blog", "press", "news", "jobs",
        "careers", "team", "staff", "official", "feedback", "guidelines", "policies",
        # Operators and infrastructure.
        "admin", "administrator", "admins", "root", "sudo", "superuser", "system", "sysadmin",
        "moderator", "moderators", "mod", "mods", "owner", "webmaster", "hostmaster",
        "postmaster", "noreply", "no-reply", "www", "www1", "www2", "mail", "email", "ftp",
        "sftp", "smtp", "imap", "pop", "pop3", "dns", "ns1", "ns2", "mx", "vpn", "ssh",
        "cdn", "assets", "asset", "img", "images", "image", "media", "files", "file",
        "uploads", "upload", "js", "css", "fonts", "scripts", "cache", "tmp", "internal",
        "localhost", "console", "config", "backend", "server", "staging", "prod",
        "production", "beta", "alpha", "demo", "debug",
        # The product and the services it talks to.
        "liner", "liners", "liner-notes", "linernotes", "liner-app", "liner-team",
        "liner-support", "liner-help", "liner-official", "getliner", "anchor", "spotify",
        "lastfm", "last-fm", "listenbrainz", "musicbrainz", "apple", "apple-music",
        "youtube", "youtube-music", "soundcloud", "bandcamp", "tidal", "deezer",
        "google", "facebook", "instagram", "twitter", "x", "tiktok", "github", "amazon",
        "aws", "anthropic", "openai", "oauth", "oauth2", "oidc", "sso", "saml", "callback",
        "callbacks", "redirect", "webhook", "webhooks", "hook", "hooks",
        # Values that read as bugs or placeholders.
        "null", "nil", "none", "undefined", "nan", "true", "false", "void", "test",
        "tests", "testing", "example", "examples", "sample", "anonymous", "guest",
        "unknown", "everyone", "all", "default", "error", "errors", "not-found", "404", "500",
    }
)  # fmt: skip


def normalise(raw: str) -> str:
    """``raw`` without surrounding ASCII whitespace, with A-Z lower-cased; nothing else changes."""
    return raw.strip(_ASCII_WHITESPACE).translate(_ASCII_LOWER)


def is_reserved(handle: str) -> bool:
    """Whether ``handle`` (normalised first) is kept back from people."""
    return normalise(handle) in RESERVED


def problems(raw: str) -> list[HandleProblem]:
    """Every rule ``raw`` breaks, in ``PROBLEM_ORDER``; ``[]`` means it is a valid handle."""
    handle = normalise(raw)
    if not handle:
        return [EMPTY]
    found: list[HandleProblem] = []
    if len(handle) < MIN_LENGTH:
        found.append(TOO_SHORT)
    elif len(handle) > MAX_LENGTH:
        found.append(TOO_LONG)
    if not _ALLOWED.issuperset(handle):
        found.append(INVALID_CHARACTERS)
    if handle.startswith("-") or handle.endswith("-"):
        found.append(HYPHEN_EDGES)
    if "--" in handle:
        found.append(DOUBLE_HYPHEN)
    if handle in RESERVED:
        found.append(RESERVED_PROBLEM)
    return found


def validate(raw: str) -> str:
    """The normalised handle, or ``InvalidHandle`` listing every problem."""
    found = problems(raw)
    if found:
        raise InvalidHandle(found)
    return normalise(raw)
