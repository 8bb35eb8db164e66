"""build(settings) -> Services: the one place that chooses adapters.

SDKs are imported lazily, so the embedded default never imports boto3.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from liner.adapters.http import HttpClient, RetryPolicy
from liner.adapters.music.spotify import Spotify
from liner.adapters.store.table import Table
from liner.config import BlobsKind, CipherKind, MailerKind, Settings, StoreKind, WriterKind
from liner.domain.music import Snapshot
from liner.ports.blobs import BlobStore
from liner.ports.cipher import Cipher
from liner.ports.identity import IdentityProvider
from liner.ports.items import ItemStore
from liner.ports.mailer import Mailer
from liner.ports.writer import Writer
from liner.services.accounts import AccountService
from liner.services.clock import Clock, system_clock
from liner.services.email_sign_in import EmailSignInService
from liner.services.handles import HandleService
from liner.services.notes import NotesService
from liner.services.profile import ProfileService
from liner.services.publishing import PublicPage, PublishingService
from liner.services.spotify_link import SpotifyTokens
from liner.services.taste import TasteService

if TYPE_CHECKING:
    from liner.sandbox.spotify import SandboxSpotify


@dataclass
class Services:
    settings: Settings
    table: Table
    http: HttpClient
    spotify: Spotify
    tokens: SpotifyTokens
    accounts: AccountService
    taste: TasteService
    handles: HandleService
    email_sign_in: EmailSignInService
    profile: ProfileService
    notes: NotesService
    publishing: PublishingService
    writer: Writer
    mailer: Mailer
    blobs: BlobStore | None = None
    sandbox: SandboxSpotify | None = None
    closers: list[HttpClient] = field(default_factory=list)

    async def aclose(self) -> None:
        await self.http.aclose()
        for client in self.closers:
            await client.aclose()
        close_writer = getattr(self.writer, "aclose", None)
        if callable(close_writer):
            await close_writer()
        close = getattr(self.table.items, "close", None)
        if callable(close):
            close()


def build_item_store(settings: Settings) -> ItemStore:
    if settings.store is StoreKind.dynamodb:
        from liner.adapters.store.dynamodb import DynamoDbItemStore

        return DynamoDbItemStore(settings.dynamodb_table)
    if settings.store is StoreKind.memory:
        from liner.adapters.store.memory import MemoryItemStore

        return MemoryItemStore()
    from liner.adapters.store.sqlite import SqliteItemStore

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteItemStore(settings.data_dir / "liner.sqlite3")


def build_cipher(settings: Settings) -> Cipher:
    if settings.cipher is CipherKind.kms:
        from liner.adapters.cipher.kms import KmsCipher

        assert settings.kms_key_id  # checked by Settings
        return KmsCipher(settings.kms_key_id)
    from liner.adapters.cipher.local import LocalCipher

    return LocalCipher(settings.data_dir / "token.key")


def build_mailer(settings: Settings) -> Mailer:
    if settings.mailer is MailerKind.smtp:
        from liner.adapters.mail.smtp import SmtpMailer

        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=(
                settings.smtp_password.get_secret_value() if settings.smtp_password else None
            ),
            sender=settings.mail_from,
            starttls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            timeout=settings.http_timeout_seconds,
        )
    from liner.adapters.mail.console import ConsoleMailer

    return ConsoleMailer()


def build_blobs(settings: Settings) -> BlobStore:
    if settings.blobs is BlobsKind.s3:
        from liner.adapters.blobs.s3 import S3BlobStore

        assert settings.s3_bucket  # checked by Settings
        return S3BlobStore(settings.s3_bucket)
    from liner.adapters.blobs.folder import FolderBlobStore

    return FolderBlobStore(settings.data_dir / "blobs")


def preview_maker(blobs: BlobStore, http: HttpClient) -> Callable[[PublicPage], Awaitable[None]]:
    """Render a page's preview image when the page changes (never per request)."""
    from liner.adapters.images.og import fetch_covers, render_og_image

    async def make(page: PublicPage) -> None:
        albums = [item.album for item in page.albums[:6]]
        covers = await fetch_covers(http, [a.image_url for a in albums])
        png = await asyncio.to_thread(
            render_og_image,
            display_name=page.display_name,
            handle=page.handle,
            covers=covers,
            names=[a.name for a in albums],
        )
        key = f"og/{page.handle}-{page.version}.png"
        await asyncio.to_thread(blobs.put, key, png, content_type="image/png")
        with contextlib.suppress(Exception):  # the previous version is no longer linked
            await asyncio.to_thread(blobs.delete, f"og/{page.handle}-{page.version - 1}.png")

    return make


def build_writer(settings: Settings) -> Writer:
    """The offline writer by default; model writers only when configured."""
    model = settings.writer_model or ""
    key = settings.writer_api_key.get_secret_value() if settings.writer_api_key else None
    timeout, max_tokens = settings.writer_timeout_seconds, settings.writer_max_tokens
    if settings.writer is WriterKind.bedrock:
        from liner.adapters.writer.bedrock import BedrockWriter

        return BedrockWriter(
            model,
            region_name=settings.writer_region,
            endpoint_url=settings.writer_endpoint_url,
            timeout=timeout,
            max_tokens=max_tokens,
        )
    if settings.writer is WriterKind.anthropic:
        from liner.adapters.writer.anthropic import AnthropicWriter

        assert key is not None  # checked by Settings
        return AnthropicWriter(
            model,
            api_key=key,
            base_url=settings.writer_base_url,
            timeout=timeout,
            max_tokens=max_tokens,
        )
    if settings.writer is WriterKind.openai:
        from liner.adapters.writer.openai_compat import OpenAICompatWriter

        assert settings.writer_base_url is not None  # checked by Settings
        return OpenAICompatWriter(
            model,
            base_url=settings.writer_base_url,
            api_key=key,
            timeout=timeout,
            max_tokens=max_tokens,
        )
    from liner.adapters.writer.offline import OfflineWriter

    return OfflineWriter()


def build_google(settings: Settings, http: HttpClient, clock: Clock) -> IdentityProvider | None:
    if not settings.google_client_id or settings.google_client_secret is None:
        return None
    from liner.adapters.identity.google import GoogleOidc

    return GoogleOidc(
        client_id=settings.google_client_id,
        client_secret=settings.google_client_secret.get_secret_value(),
        discovery_url=settings.google_discovery_url,
        http=http,
        clock=clock,
    )


def secret_key(settings: Settings) -> bytes:
    """LINER_SECRET_KEY, or (outside production) one generated once into the data dir."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path: Path = settings.data_dir / "secret.key"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Write a temporary file, then link it into place: another process starting at
        # the same moment either wins the link or reads a complete key, never half of one.
        tmp = path.with_name(f".secret.key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_bytes().strip()
    if len(key) < 32:
        raise ValueError(f"{path} holds too short a secret key; delete it to make a new one")
    return key


def build(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    retry_policy: RetryPolicy | None = None,
    sandbox: SandboxSpotify | None = None,
) -> Services:
    table = Table(build_item_store(settings))
    if settings.store is not StoreKind.dynamodb:
        table.create()  # SQLite/memory need no separate step; DynamoDB uses `liner store init`
    cipher = build_cipher(settings)
    http = HttpClient(timeout=settings.http_timeout_seconds, policy=retry_policy)
    spotify = Spotify(
        http,
        client_id=settings.effective_spotify_client_id,
        client_secret=settings.effective_spotify_client_secret,
        accounts_url=settings.effective_accounts_url,
        api_url=settings.effective_api_url,
        clock=clock,
    )
    if sandbox is None and settings.sandbox:
        from liner.sandbox.spotify import SandboxSpotify

        sandbox = SandboxSpotify(
            client_id=settings.effective_spotify_client_id,
            client_secret=settings.effective_spotify_client_secret,
        )
    tokens = SpotifyTokens(table, cipher, spotify, clock)
    accounts = AccountService(
        table,
        spotify,
        spotify,
        tokens,
        clock,
        secret_key=secret_key(settings),
        redirect_uri=settings.spotify_redirect_uri,
        session_lifetime=timedelta(days=settings.session_days),
        google=build_google(settings, http, clock),
        google_redirect_uri=settings.google_redirect_uri,
    )
    mailer = build_mailer(settings)
    writer = build_writer(settings)
    notes = NotesService(table, writer, clock, daily_limit=settings.writer_daily_limit)
    taste = TasteService(
        table,
        tokens,
        spotify,
        clock,
        cooldown=timedelta(seconds=settings.refresh_cooldown_seconds),
        time_range=settings.spotify_time_range,
    )
    blobs = build_blobs(settings)
    # Covers are fetched with a short timeout and one try: a slow image host gets a
    # placeholder tile, never a slow publish.
    cover_http = HttpClient(timeout=3.0, policy=RetryPolicy(attempts=1))
    publishing = PublishingService(table, clock, on_change=preview_maker(blobs, cover_http))
    handles = HandleService(table, clock)
    profile = ProfileService(table, clock)
    # Whatever changes a page gives it a new version (and a new preview image).
    notes.on_change = handles.on_change = profile.on_change = publishing.changed

    async def after_refresh(user_id: str, snapshot: Snapshot) -> None:
        await notes.write_missing_captions(user_id, snapshot)
        await publishing.changed(user_id)

    taste.after_refresh = after_refresh
    return Services(
        settings=settings,
        table=table,
        http=http,
        spotify=spotify,
        tokens=tokens,
        accounts=accounts,
        taste=taste,
        handles=handles,
        email_sign_in=EmailSignInService(
            table,
            mailer,
            accounts,
            clock,
            base_url=settings.base_url,
            per_address_per_hour=settings.email_links_per_address_per_hour,
            per_client_per_hour=settings.email_links_per_client_per_hour,
        ),
        profile=profile,
        notes=notes,
        publishing=publishing,
        writer=writer,
        mailer=mailer,
        blobs=blobs,
        closers=[cover_http],
        sandbox=sandbox if settings.sandbox else None,
    )
