"""A short, human hint of the device behind a session ("Firefox on Linux")."""

from __future__ import annotations

import re

# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"(?:\b|Headless)(?:Chrome|Chromium|CriOS)/")),
    ("Safari", re.compile(r"\bSafari/")),
    ("curl", re.compile(r"^curl/")),
)
_SYSTEMS = (
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)


def device_hint(user_agent: str | None) -> str:
    """ "Firefox on Windows", "Safari on iPhone", or "Unknown device"."""
    ua = (user_agent or "")[:512]
    browser = next((name for name, pattern in _BROWSERS if pattern.search(ua)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(ua)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"
