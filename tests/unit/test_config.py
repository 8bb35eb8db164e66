"""Settings: defaults, derived URLs, and refusals that stop start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from liner.config import SANDBOX_CLIENT_ID, Settings, StoreKind


@pytest.fixture(autouse=True)
def no_liner_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("LINER_"):
            monkeypatch.delenv(name)


def test_the_default_is_the_embedded_sandbox_on_127_0_0_1() -> None:
    s = Settings()
    assert s.store is StoreKind.sqlite
    assert s.base_url == "http://127.0.0.1:8000"
    assert s.sandbox
    assert s.effective_spotify_client_id == SANDBOX_CLIENT_ID
    assert s.effective_accounts_url == "http://127.0.0.1:8000/sandbox/spotify"
    assert s.effective_api_url == "http://127.0.0.1:8000/sandbox/spotify"
    assert s.spotify_redirect_uri == "http://127.0.0.1:8000/auth/spotify/callback"
    assert s.refresh_cooldown_seconds == 86400


def test_a_real_spotify_app_points_at_spotify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINER_SPOTIFY_CLIENT_ID", "abc")
    monkeypatch.setenv("LINER_SPOTIFY_CLIENT_SECRET", "def")
    s = Settings()
    assert not s.sandbox
    assert s.effective_accounts_url == "https://accounts.spotify.com"
    assert s.effective_api_url == "https://api.spotify.com"
    assert s.effective_spotify_client_secret == "def"
    assert "def" not in repr(s)  # secrets never show in a repr or a log line


def test_every_spotify_url_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINER_SPOTIFY_ACCOUNTS_URL", "http://127.0.0.1:9999/accounts/")
    monkeypatch.setenv("LINER_SPOTIFY_API_URL", "http://127.0.0.1:9999/api")
    s = Settings()
    assert s.effective_accounts_url == "http://127.0.0.1:9999/accounts"
    assert s.effective_api_url == "http://127.0.0.1:9999/api"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LINER_STORE", "postgres"),
        ("LINER_CIPHER", "rot13"),
        ("LINER_REFRESH_COOLDOWN_SECONDS", "-1"),
        ("LINER_REFRESH_COOLDOWN_SECONDS", "soon"),
        ("LINER_BASE_URL", "not a url"),
        ("LINER_SPOTIFY_API_URL", "ftp://example"),
    ],
)
def test_an_invalid_value_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_a_client_id_without_its_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINER_SPOTIFY_CLIENT_ID", "abc")
    with pytest.raises(ValidationError, match="LINER_SPOTIFY_CLIENT_SECRET"):
        Settings()


def test_kms_needs_a_key_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINER_CIPHER", "kms")
    with pytest.raises(ValidationError, match="LINER_KMS_KEY_ID"):
        Settings()


def test_production_refuses_default_secrets_and_the_sandbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINER_ENV", "production")
    with pytest.raises(ValidationError) as info:
        Settings()
    text = str(info.value)
    assert "LINER_SECRET_KEY" in text
    assert "LINER_SPOTIFY_CLIENT_ID" in text
    assert "https://" in text


def test_production_starts_when_everything_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINER_ENV", "production")
    monkeypatch.setenv("LINER_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("LINER_SPOTIFY_CLIENT_ID", "abc")
    monkeypatch.setenv("LINER_SPOTIFY_CLIENT_SECRET", "def")
    monkeypatch.setenv("LINER_BASE_URL", "https://liner.example")
    monkeypatch.setenv("LINER_STORE", "dynamodb")
    s = Settings()
    assert s.secure_cookies
    assert s.spotify_redirect_uri == "https://liner.example/auth/spotify/callback"
