"""HTML validity (the W3C Nu validator) and accessibility (axe-core) checks for tests.

Both tools come from npm into ``tests/tools/node_modules`` (pinned by
``tests/tools/package-lock.json``; ``make test`` installs them). The Nu validator is a
Java program whose start-up takes about a second, so ``validate_html`` checks every page
it is given in one run. ``axe_violations`` runs axe-core inside a Playwright page; a page
served with a strict Content-Security-Policy needs its browser context created with
``bypass_csp=True`` so the injected script may run.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

TOOLS = Path(__file__).resolve().parents[1] / "tools"
VNU_JAR = TOOLS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
INSTALL_HINT = (
    "run `make test`, which installs them "
    "(or `npm ci --ignore-scripts` in tests/tools/ and Debian's default-jre-headless)"
)
VNU_TIMEOUT_SECONDS = 180


def _require(path: Path, what: str) -> Path:
    if not path.is_file():
        pytest.fail(f"{what} is not installed ({path} is missing): {INSTALL_HINT}", pytrace=False)
    return path


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        pytest.fail(
            f"the Nu HTML validator needs Java and none is on PATH: {INSTALL_HINT}", pytrace=False
        )
    return java


def _file_name(index: int, name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "page"
    return f"{index:02d}-{slug}.html"


def _describe(message: dict[str, Any]) -> str:
    where = ""
    if "lastLine" in message:
        where = f"line {message['lastLine']}"
        if "firstColumn" in message:
            where += f", column {message['firstColumn']}"
        where += ": "
    text = f"{where}{message.get('message', '(no message)')}"
    extract = message.get("extract")
    if extract:
        text += f" [{' '.join(str(extract).split())}]"
    return text


def validate_html(pages: dict[str, str]) -> dict[str, list[str]]:
    """Validate every page in one run of the Nu validator.

    ``pages`` maps a readable name to the page's HTML; the answer maps each name to the
    validator's error messages (an empty list when the page is valid).
    """
    jar = _require(VNU_JAR, "The Nu HTML validator (vnu-jar)")
    java = _java()
    found: dict[str, list[str]] = {name: [] for name in pages}
    if not pages:
        return found
    with tempfile.TemporaryDirectory(prefix="liner-vnu-") as tmp:
        by_file: dict[str, str] = {}
        for index, (name, html) in enumerate(pages.items()):
            file = Path(tmp) / _file_name(index, name)
            file.write_text(html, encoding="utf-8")
            by_file[file.name] = name
        run = subprocess.run(
            [java, "-jar", str(jar), "--format", "json", "--errors-only", *sorted(by_file)],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=VNU_TIMEOUT_SECONDS,
            check=False,
        )
    # The validator reports on stderr (exit status 1 when there are errors).
    try:
        report = json.loads(run.stderr)
    except json.JSONDecodeError:
        pytest.fail(
            f"the Nu HTML validator did not answer in JSON (exit status {run.returncode}):\n"
            f"{run.stderr or run.stdout}",
            pytrace=False,
        )
    unmatched: list[str] = []
    for message in report.get("messages", []):
        if message.get("type") not in ("error", "non-document-error"):
            continue
        file_name = Path(unquote(urlparse(message.get("url", "")).path)).name
        if file_name in by_file:
            found[by_file[file_name]].append(_describe(message))
        else:
            unmatched.append(_describe(message))
    if unmatched:
        pytest.fail("the Nu HTML validator failed:\n" + "\n".join(unmatched), pytrace=False)
    return found


_AXE_NOT_LOADED = (
    "axe-core did not load into the page (a page with a Content-Security-Policy needs its "
    "browser context created with bypass_csp=True)"
)

# Runs in the page: axe's violations, reduced to what a failure message needs.
_RUN_AXE = """
async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.map((t) => (Array.isArray(t) ? t.join(" >>> ") : t)).join(" "),
      html: n.html,
      summary: n.failureSummary || "",
    })),
  }));
}
"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (every rule axe runs by default).

    Each is a dict: ``id``, ``impact``, ``help``, ``helpUrl`` and ``nodes`` (each with
    ``target``, a CSS selector; ``html``; and ``summary``, what to fix).
    """
    from playwright.sync_api import Error as PlaywrightError

    script = _require(AXE_JS, "axe-core")
    try:
        page.add_script_tag(path=str(script))
        loaded = page.evaluate("typeof window.axe === 'object'")
    except PlaywrightError as exc:
        pytest.fail(f"{_AXE_NOT_LOADED}: {exc.message.splitlines()[0]}", pytrace=False)
    if not loaded:
        pytest.fail(_AXE_NOT_LOADED, pytrace=False)
    violations: list[dict[str, Any]] = page.evaluate(_RUN_AXE)
    return violations


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """A readable list of axe violations for an assertion message."""
    lines: list[str] = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            for reason in node["summary"].splitlines():
                if reason.strip():
                    lines.append(f"        {reason.strip()}")
    return "\n".join(lines)
