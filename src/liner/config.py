"""Settings, read from LINER_* environment variables. No I/O at import.

Every external base URL is a setting so tests point Liner at loopback peers.
The standard AWS variables (AWS_REGION, credentials, AWS_ENDPOINT_URL_DYNAMODB,
AWS_ENDPOINT_URL_KMS) are read by boto3 itself.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SANDBOX_CLIENT_ID = "liner-sandbox"
SANDBOX_CLIENT_SECRET = "liner-sandbox-secret"  # noqa: S105 - the sandbox's public, fake secret
SANDBOX_PATH = "/sandbox/spotify"


class Env(StrEnum):
    development = "development"
    production = "production"


class StoreKind(StrEnum):
    sqlite = "sqlite"
    dynamodb = "dynamodb"
    memory = "memory"


class CipherKind(StrEnum):
    local = "local"
    kms = "kms"


class WriterKind(StrEnum):
    offline = "offline"
    bedrock = "bedrock"
    anthropic = "anthropic"
    openai = "openai"


class BlobsKind(StrEnum):
    folder = "folder"
    s3 = "s3"


class MailerKind(StrEnum):
    console = "console"
    smtp = "smtp"


def _strip_slash(value: str) -> str:
    return value.rstrip("/")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINER_", extra="ignore", frozen=True)

    env: Env = Env.development
    data_dir: Path = Path(".liner")
    base_url: Annotated[
        str, Field(description="Public URL; Spotify needs 127.0.0.1, not localhost")
    ] = "http://127.0.0.1:8000"
    secret_key: SecretStr | None = None

    spotify_client_id: str | None = None
    spotify_client_secret: SecretStr | None = None
    spotify_accounts_url: str | None = None  # default https://accounts.spotify.com (or the sandbox)
    spotify_api_url: str | None = None  # default https://api.spotify.com (or the sandbox)
    spotify_time_range: str = "medium_term"

    store: StoreKind = StoreKind.sqlite
    dynamodb_table: str = Field(default="liner", min_length=3, max_length=255)
    cipher: CipherKind = CipherKind.local
    kms_key_id: str | None = None

    google_client_id: str | None = None
    google_client_secret: SecretStr | None = None
    google_discovery_url: str = "https://accounts.google.com/.well-known/openid-configuration"

    mailer: MailerKind = MailerKind.console
    mail_from: str = "Liner <liner@localhost>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool | None = None  # None: use STARTTLS when the server offers it
    smtp_tls: bool = False  # implicit TLS (port 465)
    email_links_per_address_per_hour: int = Field(default=3, ge=1, le=1000)
    email_links_per_client_per_hour: int = Field(default=10, ge=1, le=100000)

    writer: WriterKind = WriterKind.offline
    writer_model: str | None = None
    writer_base_url: str | None = None  # anthropic (optional) or any OpenAI-compatible server
    writer_api_key: SecretStr | None = None
    writer_region: str | None = None  # bedrock
    writer_endpoint_url: str | None = None  # bedrock, e.g. a test double on 127.0.0.1
    writer_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    writer_max_tokens: int = Field(default=300, ge=50, le=4000)
    writer_daily_limit: int = Field(default=30, ge=1, le=100000)

    blobs: BlobsKind = BlobsKind.folder  # preview images: <data dir>/blobs, or S3
    s3_bucket: str | None = None

    refresh_cooldown_seconds: int = Field(default=86400, ge=0, le=30 * 86400)
    http_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    session_days: int = Field(default=30, ge=1, le=365)

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        AnyHttpUrl(value)  # raises a clear validation error on garbage
        return _strip_slash(value)

    @field_validator("spotify_accounts_url", "spotify_api_url")
    @classmethod
    def _check_urls(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        AnyHttpUrl(value)
        return _strip_slash(value)

    @field_validator("google_discovery_url")
    @classmethod
    def _check_discovery(cls, value: str) -> str:
        AnyHttpUrl(value)
        return value

    @field_validator("spotify_time_range")
    @classmethod
    def _check_time_range(cls, value: str) -> str:
        if value not in {"short_term", "medium_term", "long_term"}:
            raise ValueError("must be short_term, medium_term or long_term")
        return value

    @model_validator(mode="after")
    def _check_combinations(self) -> Settings:
        if self.spotify_client_id and self.spotify_client_secret is None:
            # PKCE alone would do, but Spotify's token endpoint expects the secret for
            # confidential web apps; a missing one is almost always a forgotten variable.
            raise ValueError("LINER_SPOTIFY_CLIENT_SECRET is required with LINER_SPOTIFY_CLIENT_ID")
        if self.google_client_id and self.google_client_secret is None:
            raise ValueError("LINER_GOOGLE_CLIENT_SECRET is required with LINER_GOOGLE_CLIENT_ID")
        if self.writer is not WriterKind.offline and not self.writer_model:
            raise ValueError("LINER_WRITER_MODEL is required when LINER_WRITER is not offline")
        if self.writer is WriterKind.anthropic and self.writer_api_key is None:
            raise ValueError("LINER_WRITER_API_KEY is required with LINER_WRITER=anthropic")
        if self.writer is WriterKind.openai and not self.writer_base_url:
            raise ValueError("LINER_WRITER_BASE_URL is required with LINER_WRITER=openai")
        if self.blobs is BlobsKind.s3 and not self.s3_bucket:
            raise ValueError("LINER_S3_BUCKET is required when LINER_BLOBS=s3")
        if self.cipher is CipherKind.kms and not self.kms_key_id:
            raise ValueError("LINER_KMS_KEY_ID is required when LINER_CIPHER=kms")
        if self.env is Env.production:
            problems = []
            if self.secret_key is None or len(self.secret_key.get_secret_value()) < 32:
                problems.append("LINER_SECRET_KEY must be set (at least 32 characters)")
            if self.sandbox:
                problems.append(
                    "LINER_SPOTIFY_CLIENT_ID must be set (the sandbox is not for production)"
                )
            if self.store is StoreKind.memory:
                problems.append("LINER_STORE=memory loses everything on restart")
            if not self.base_url.startswith("https://"):
                problems.append("LINER_BASE_URL must be https:// in production")
            if problems:
                raise ValueError("; ".join(problems))
        return self

    @property
    def sandbox(self) -> bool:
        """True when no Spotify app is configured: Liner serves its own fake Spotify."""
        return not self.spotify_client_id

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def effective_spotify_client_id(self) -> str:
        return self.spotify_client_id or SANDBOX_CLIENT_ID

    @property
    def effective_spotify_client_secret(self) -> str:
        if self.spotify_client_secret is not None:
            return self.spotify_client_secret.get_secret_value()
        return SANDBOX_CLIENT_SECRET

    @property
    def effective_accounts_url(self) -> str:
        if self.spotify_accounts_url:
            return self.spotify_accounts_url
        return self.base_url + SANDBOX_PATH if self.sandbox else "https://accounts.spotify.com"

    @property
    def effective_api_url(self) -> str:
        if self.spotify_api_url:
            return self.spotify_api_url
        return self.base_url + SANDBOX_PATH if self.sandbox else "https://api.spotify.com"

    @property
    def spotify_redirect_uri(self) -> str:
        return self.base_url + "/auth/spotify/callback"

    @property
    def google_redirect_uri(self) -> str:
        return self.base_url + "/auth/google/callback"
