"""The access log keeps paths but never query strings (OAuth callbacks carry codes)."""

from __future__ import annotations

import logging

from liner.cli import RedactQuery, log_config


def test_the_query_string_is_cut_from_access_log_lines() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/auth/spotify/callback?code=SECRET&state=S", "1.1", 303),
        None,
    )
    assert RedactQuery().filter(record)
    line = record.getMessage()
    assert "/auth/spotify/callback" in line
    assert "SECRET" not in line


def test_the_filter_is_wired_to_uvicorns_access_handler() -> None:
    config = log_config()
    assert config["handlers"]["access"]["filters"] == ["redact_query"]
    assert "filters" not in config["handlers"]["default"]
