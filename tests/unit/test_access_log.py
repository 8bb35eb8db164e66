"""The access log (off by default) keeps paths but never query strings."""

from __future__ import annotations

from liner.cli import ACCESS_LOG_FORMAT


def test_the_access_log_format_has_the_path_and_no_query_string() -> None:
    assert "%(path)s" in ACCESS_LOG_FORMAT
    assert "query" not in ACCESS_LOG_FORMAT
