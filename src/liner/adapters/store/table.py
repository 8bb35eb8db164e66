"""The single-table key schema and every access pattern, written once.

Key schema (``pk`` / ``sk``), shared by every backend:

=================================  =======================  ==================================
pk                                 sk                       what
=================================  =======================  ==================================
``USER#<id>``                      ``PROFILE``              name, handle, identities, published,
                                                            featured (gsi1: ``FEATURED``)
``USER#<id>``                      ``SPOTIFY``              encrypted tokens, expiry, reconnect
``USER#<id>``                      ``MUSIC#ARTISTS``        top artists (JSON in ``data``)
``USER#<id>``                      ``MUSIC#ALBUMS``         derived top albums (JSON)
``USER#<id>``                      ``MUSIC#TRACKS``         the whole track pool (JSON)
``USER#<id>``                      ``PROFILE#METADATA``     refresh times, claim, ``views``;
                                                            updated in place only
                                                            (gsi1: ``REFRESH``)
``USER#<id>``                      ``CONTENT#BIO``          the bio (text, origin, last generated)
``USER#<id>``                      ``CONTENT#CAPTION#<a>``  one album's caption
``USER#<id>``                      ``SESSION#<hash>``       a session, for "where you are signed in"
``SESSION#<hmac of cookie>``       ``SESSION``              user, CSRF token, ``ttl``
``IDENTITY#<provider>#<subject>``  ``IDENTITY``             which user holds that sign-in
``HANDLE#<handle>``                ``HANDLE``               owner, published, page version
                                                            (gsi1: ``PUBLISHED`` when public)
``OAUTH#<state>``                  ``OAUTH``                PKCE verifier (+ nonce), ``ttl``
``EMAILTOKEN#<sha256>``            ``EMAILTOKEN``           a sign-in link in flight, ``ttl``
``RATE#<bucket>#<key>``            ``<window>``             a rate-limit counter, ``ttl``
=================================  =======================  ==================================

Index ``gsi1`` (``gsi1pk``/``gsi1sk``): ``REFRESH`` → ``<next refresh ISO>#<user>``
(who is due for a refresh), ``FEATURED`` → ``<published ISO>#<user>`` (front-page
examples, newest first), ``PUBLISHED`` → ``<handle>`` (the sitemap). Never a scan.

Reading a user's music is one ``batch_get`` of four keys. A refresh is a
conditional claim on the metadata item plus one transaction. A public page
costs one read of its ``HANDLE#`` item when not cached.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from liner.adapters.store import codec
from liner.domain.music import Snapshot
from liner.ports.items import (
    GSI1,
    And,
    Compare,
    ConditionFailed,
    Delete,
    Exists,
    Item,
    ItemStore,
    Key,
    NotExists,
    Or,
    Put,
    TransactionCancelled,
    Update,
    WriteOp,
)
from liner.ports.store import (
    EMAIL_IDENTITY,
    GOOGLE_IDENTITY,
    SPOTIFY_IDENTITY,
    ClaimLost,
    Conflict,
    EmailSignIn,
    FeaturedPage,
    HandleTaken,
    IdentityTaken,
    Note,
    PagePointer,
    PendingSignIn,
    RefreshMeta,
    RefreshRefused,
    Session,
    SpotifyLink,
    StoredMusic,
    User,
)

PROFILE = "PROFILE"
SPOTIFY = "SPOTIFY"
ARTISTS = "MUSIC#ARTISTS"
ALBUMS = "MUSIC#ALBUMS"
TRACKS = "MUSIC#TRACKS"
METADATA = "PROFILE#METADATA"
REFRESH_INDEX_PK = "REFRESH"
FEATURED_INDEX_PK = "FEATURED"
PUBLISHED_INDEX_PK = "PUBLISHED"
SESSION_PREFIX = "SESSION#"
CONTENT_PREFIX = "CONTENT#"
BIO = "CONTENT#BIO"
CAPTION_PREFIX = "CONTENT#CAPTION#"
_IDENTITY_FIELDS = {
    SPOTIFY_IDENTITY: "spotify_id",
    GOOGLE_IDENTITY: "google_sub",
    EMAIL_IDENTITY: "email",
}


def _identities(user: User) -> list[tuple[str, str]]:
    pairs = [
        (SPOTIFY_IDENTITY, user.spotify_id),
        (GOOGLE_IDENTITY, user.google_sub),
        (EMAIL_IDENTITY, user.email),
    ]
    return [(p, s) for p, s in pairs if s]


def _chunks(ops: list[WriteOp], size: int) -> list[list[WriteOp]]:
    return [ops[i : i + size] for i in range(0, len(ops), size)]


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def user_key(user_id: str, sk: str) -> Key:
    return Key(user_pk(user_id), sk)


def spotify_identity_key(spotify_id: str) -> Key:
    return identity_key(SPOTIFY_IDENTITY, spotify_id)


def identity_key(provider: str, subject: str) -> Key:
    return Key(f"IDENTITY#{provider}#{subject}", "IDENTITY")


def handle_key(handle: str) -> Key:
    return Key(f"HANDLE#{handle}", "HANDLE")


def email_token_key(token_hash: str) -> Key:
    return Key(f"EMAILTOKEN#{token_hash}", "EMAILTOKEN")


def session_key(id_hash: str) -> Key:
    return Key(f"SESSION#{id_hash}", "SESSION")


def oauth_key(state: str) -> Key:
    return Key(f"OAUTH#{state}", "OAUTH")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _opt_dt(value: object) -> datetime | None:
    return parse_iso(value) if isinstance(value, str) and value else None


class Table:
    """Implements ``liner.ports.store.Store`` over any ``ItemStore`` backend."""

    def __init__(self, items: ItemStore) -> None:
        self.items = items

    def round_trips(self) -> int:
        return self.items.round_trips

    def create(self) -> bool:
        return self.items.create_table()

    # --- users --------------------------------------------------------------

    def get_user(self, user_id: str) -> User | None:
        item = self.items.get(user_key(user_id, PROFILE))
        return self._user(item) if item else None

    def find_user_by_identity(self, provider: str, subject: str) -> User | None:
        identity = self.items.get(identity_key(provider, subject))
        if identity is None:
            return None
        return self.get_user(str(identity["user_id"]))

    def find_user_by_spotify_id(self, spotify_id: str) -> User | None:
        return self.find_user_by_identity(SPOTIFY_IDENTITY, spotify_id)

    def create_user(self, user: User) -> None:
        """The profile and every identity it names, all or nothing."""
        profile: Item = {
            **_key(user_key(user.id, PROFILE)),
            "id": user.id,
            "display_name": user.display_name,
            "created_at": iso(user.created_at),
            "spotify_id": user.spotify_id,
            "google_sub": user.google_sub,
            "email": user.email,
        }
        # Absent, not null: conditions such as "has no handle yet" test for absence.
        profile = {name: value for name, value in profile.items() if value is not None}
        identities = _identities(user)
        ops: list[WriteOp] = [Put(profile, NotExists())]
        ops += [
            Put({**_key(identity_key(p, s)), "user_id": user.id, "provider": p}, NotExists())
            for p, s in identities
        ]
        try:
            self.items.transact(ops)
        except TransactionCancelled as exc:
            if exc.condition_failed:
                failed = [i for i, r in enumerate(exc.reasons) if r == "ConditionalCheckFailed"]
                provider = identities[failed[-1] - 1][0] if failed and failed[-1] > 0 else ""
                raise IdentityTaken(provider) from exc
            raise

    def link_identity(self, user_id: str, provider: str, subject: str) -> None:
        """Attach an identity to an existing user (it must be free, or already theirs)."""
        field_name = _IDENTITY_FIELDS[provider]
        free_or_mine = Or((NotExists(), Compare("user_id", "=", user_id)))
        try:
            self.items.transact(
                [
                    Put(
                        {**_key(identity_key(provider, subject)), "user_id": user_id},
                        free_or_mine,
                    ),
                    Update(
                        user_key(user_id, PROFILE), set={field_name: subject}, condition=Exists()
                    ),
                ]
            )
        except TransactionCancelled as exc:
            if exc.reasons and exc.reasons[0] == "ConditionalCheckFailed":
                raise IdentityTaken(provider) from exc
            if exc.condition_failed:
                raise Conflict(user_id) from exc
            raise

    def unlink_spotify(self, user_id: str) -> None:
        """Forget the Spotify connection and its tokens; the snapshot stays."""
        user = self.get_user(user_id)
        if user is None or user.spotify_id is None:
            self.items.write(Delete(user_key(user_id, SPOTIFY)))
            return
        self.items.transact(
            [
                Delete(user_key(user_id, SPOTIFY)),
                Delete(
                    identity_key(SPOTIFY_IDENTITY, user.spotify_id),
                    Compare("user_id", "=", user_id),
                ),
                Update(
                    user_key(user_id, PROFILE),
                    remove=("spotify_id",),
                    condition=Compare("spotify_id", "=", user.spotify_id),
                ),
            ]
        )

    def set_display_name(self, user_id: str, display_name: str) -> User:
        item = self.items.write(
            Update(
                user_key(user_id, PROFILE), set={"display_name": display_name}, condition=Exists()
            )
        )
        assert item is not None
        return self._user(item)

    # --- handles --------------------------------------------------------------

    def handle_owner(self, handle: str) -> str | None:
        item = self.items.get(handle_key(handle))
        return str(item["user_id"]) if item else None

    def claim_handle(
        self, user_id: str, handle: str, *, previous: str | None, published: bool = False
    ) -> None:
        """One transaction: take the new handle if free, point the profile at it (only if
        the profile still holds ``previous``), and release ``previous``."""
        pointer: Item = {"user_id": user_id, "published": published, "version": 1}
        if published:
            pointer |= {"gsi1pk": PUBLISHED_INDEX_PK, "gsi1sk": handle}
        ops: list[WriteOp] = [
            Put({**_key(handle_key(handle)), **pointer}, NotExists()),
            Update(
                user_key(user_id, PROFILE),
                set={"handle": handle},
                condition=(
                    Compare("handle", "=", previous)
                    if previous
                    else And((Exists(), NotExists("handle")))
                ),
            ),
        ]
        if previous:
            ops.append(Delete(handle_key(previous), Compare("user_id", "=", user_id)))
        try:
            self.items.transact(ops)
        except TransactionCancelled as exc:
            if exc.reasons and exc.reasons[0] == "ConditionalCheckFailed":
                raise HandleTaken(handle) from exc
            if exc.condition_failed:
                raise Conflict(user_id) from exc
            raise

    @staticmethod
    def _user(item: Item) -> User:
        return User(
            id=str(item["id"]),
            display_name=str(item.get("display_name") or ""),
            created_at=parse_iso(str(item["created_at"])),
            handle=item.get("handle") or None,
            spotify_id=item.get("spotify_id") or None,
            google_sub=item.get("google_sub") or None,
            email=item.get("email") or None,
            published=bool(item.get("published", False)),
            featured=bool(item.get("featured", False)),
            published_at=_opt_dt(item.get("published_at")),
        )

    # --- publishing ---------------------------------------------------------------

    @staticmethod
    def _pointer(handle: str, item: Item) -> PagePointer:
        return PagePointer(
            handle=handle,
            user_id=str(item["user_id"]),
            published=bool(item.get("published", False)),
            version=int(item.get("version") or 0),
        )

    def page_pointer(self, handle: str) -> PagePointer | None:
        item = self.items.get(handle_key(handle))
        return self._pointer(handle, item) if item else None

    def set_publication(
        self, user_id: str, handle: str, *, published: bool, featured: bool, now: datetime
    ) -> PagePointer:
        profile_set: dict[str, object] = {"published": published, "featured": featured}
        remove: tuple[str, ...] = ()
        if published:
            profile_set["published_at"] = iso(now)
        if published and featured:
            # The front page lists opted-in pages from this index, newest first.
            profile_set |= {"gsi1pk": FEATURED_INDEX_PK, "gsi1sk": f"{iso(now)}#{user_id}"}
        else:
            remove = ("gsi1pk", "gsi1sk")
        try:
            self.items.transact(
                [
                    Update(
                        user_key(user_id, PROFILE),
                        set=profile_set,
                        remove=remove,
                        condition=Compare("handle", "=", handle),
                    ),
                    Update(
                        handle_key(handle),
                        # Published addresses are listed (sitemap) through the index.
                        set={"published": published}
                        | ({"gsi1pk": PUBLISHED_INDEX_PK, "gsi1sk": handle} if published else {}),
                        remove=() if published else ("gsi1pk", "gsi1sk"),
                        add={"version": 1},
                        condition=Compare("user_id", "=", user_id),
                    ),
                ]
            )
        except TransactionCancelled as exc:
            if exc.condition_failed:
                raise Conflict(user_id) from exc
            raise
        pointer = self.page_pointer(handle)
        assert pointer is not None
        return pointer

    def bump_page(self, user_id: str, handle: str) -> PagePointer | None:
        try:
            item = self.items.write(
                Update(
                    handle_key(handle),
                    add={"version": 1},
                    condition=Compare("user_id", "=", user_id),
                )
            )
        except ConditionFailed:
            return None
        return self._pointer(handle, item) if item else None

    def featured_pages(self, limit: int) -> list[FeaturedPage]:
        items = self.items.query(FEATURED_INDEX_PK, index=GSI1, descending=True, limit=limit)
        return [
            FeaturedPage(
                handle=str(item["handle"]),
                display_name=str(item.get("display_name") or ""),
                published_at=parse_iso(str(item["published_at"])),
            )
            for item in items
            if item.get("published") and item.get("handle") and item.get("published_at")
        ]

    def published_handles(self, limit: int) -> list[str]:
        items = self.items.query(PUBLISHED_INDEX_PK, index=GSI1, limit=limit)
        return [str(item["gsi1sk"]) for item in items if item.get("published")]

    def add_view(self, user_id: str) -> int:
        item = self.items.write(Update(user_key(user_id, METADATA), add={"views": 1}))
        assert item is not None
        return int(item["views"])

    # --- Spotify connection ---------------------------------------------------

    def get_spotify_link(self, user_id: str) -> SpotifyLink | None:
        item = self.items.get(user_key(user_id, SPOTIFY))
        if item is None:
            return None
        return SpotifyLink(
            spotify_id=str(item["spotify_id"]),
            access_token_enc=str(item["access_token_enc"]),
            refresh_token_enc=item.get("refresh_token_enc"),
            expires_at=parse_iso(str(item["expires_at"])),
            scope=str(item.get("scope") or ""),
            needs_reconnect=bool(item.get("needs_reconnect", False)),
            connected_at=_opt_dt(item.get("connected_at")),
        )

    def save_spotify_link(self, user_id: str, link: SpotifyLink) -> None:
        self.items.write(
            Put(
                {
                    **_key(user_key(user_id, SPOTIFY)),
                    "spotify_id": link.spotify_id,
                    "access_token_enc": link.access_token_enc,
                    "refresh_token_enc": link.refresh_token_enc,
                    "expires_at": iso(link.expires_at),
                    "scope": link.scope,
                    "needs_reconnect": link.needs_reconnect,
                    "connected_at": iso(link.connected_at) if link.connected_at else None,
                }
            )
        )

    def update_spotify_tokens(
        self,
        user_id: str,
        *,
        access_token_enc: str,
        refresh_token_enc: str | None,
        expires_at: datetime,
    ) -> None:
        values: dict[str, object] = {
            "access_token_enc": access_token_enc,
            "expires_at": iso(expires_at),
            "needs_reconnect": False,
        }
        if refresh_token_enc is not None:
            values["refresh_token_enc"] = refresh_token_enc
        # Only while the link exists: a disconnect in the meantime wins.
        with contextlib.suppress(ConditionFailed):
            self.items.write(Update(user_key(user_id, SPOTIFY), set=values, condition=Exists()))

    def mark_spotify_needs_reconnect(self, user_id: str) -> None:
        with contextlib.suppress(ConditionFailed):
            self.items.write(
                Update(
                    user_key(user_id, SPOTIFY), set={"needs_reconnect": True}, condition=Exists()
                )
            )

    # --- sessions -------------------------------------------------------------

    def create_session(self, session: Session) -> None:
        """Two items: the lookup by cookie hash, and the user's list of sessions."""
        body = {
            "user_id": session.user_id,
            "created_at": iso(session.created_at),
            "expires_at": iso(session.expires_at),
            "last_seen": iso(session.last_seen or session.created_at),
            "device": session.device,
            "ttl": epoch(session.expires_at),
        }
        self.items.transact(
            [
                Put(
                    {
                        **_key(session_key(session.id_hash)),
                        **body,
                        "csrf_token": session.csrf_token,
                    },
                    NotExists(),
                ),
                Put({**_key(user_key(session.user_id, SESSION_PREFIX + session.id_hash)), **body}),
            ]
        )

    def get_session(self, id_hash: str, now: datetime) -> Session | None:
        item = self.items.get(session_key(id_hash))
        if item is None:
            return None
        session = self._session(id_hash, item)
        # TTL deletion is lazy (DynamoDB takes up to days): check expiry ourselves.
        return session if session.expires_at > now else None

    @staticmethod
    def _session(id_hash: str, item: Item) -> Session:
        return Session(
            id_hash=id_hash,
            user_id=str(item["user_id"]),
            csrf_token=str(item.get("csrf_token") or ""),
            created_at=parse_iso(str(item["created_at"])),
            expires_at=parse_iso(str(item["expires_at"])),
            last_seen=_opt_dt(item.get("last_seen")),
            device=str(item.get("device") or ""),
        )

    def touch_session(self, session: Session, *, now: datetime, expires_at: datetime) -> None:
        """Slide the expiry (both items), only while the session still exists."""
        values = {"last_seen": iso(now), "expires_at": iso(expires_at), "ttl": epoch(expires_at)}
        with contextlib.suppress(TransactionCancelled):
            self.items.transact(
                [
                    Update(session_key(session.id_hash), set=values, condition=Exists()),
                    Update(
                        user_key(session.user_id, SESSION_PREFIX + session.id_hash),
                        set=values,
                        condition=Exists(),
                    ),
                ]
            )

    def list_sessions(self, user_id: str, now: datetime) -> list[Session]:
        items = self.items.query(user_pk(user_id), sk_prefix=SESSION_PREFIX)
        sessions = [self._session(str(i["sk"])[len(SESSION_PREFIX) :], i) for i in items]
        return sorted(
            (s for s in sessions if s.expires_at > now),
            key=lambda s: s.last_seen or s.created_at,
            reverse=True,
        )

    def delete_session(self, id_hash: str, user_id: str | None = None) -> None:
        if user_id is None:
            item = self.items.get(session_key(id_hash))
            user_id = str(item["user_id"]) if item else None
        ops: list[WriteOp] = [Delete(session_key(id_hash))]
        if user_id:
            ops.append(Delete(user_key(user_id, SESSION_PREFIX + id_hash)))
        self.items.transact(ops)

    def delete_sessions(self, user_id: str, *, keep: str | None = None) -> int:
        """Sign out everywhere (except ``keep``). Returns how many sessions ended."""
        items = self.items.query(user_pk(user_id), sk_prefix=SESSION_PREFIX)
        hashes = [str(i["sk"])[len(SESSION_PREFIX) :] for i in items]
        hashes = [h for h in hashes if h != keep]
        ops: list[WriteOp] = []
        for h in hashes:
            ops += [Delete(session_key(h)), Delete(user_key(user_id, SESSION_PREFIX + h))]
        for chunk in _chunks(ops, 100):
            self.items.transact(chunk)
        return len(hashes)

    # --- sign-in round trips ----------------------------------------------------

    def put_pending_sign_in(self, pending: PendingSignIn) -> None:
        self.items.write(
            Put(
                {
                    **_key(oauth_key(pending.state)),
                    "code_verifier": pending.code_verifier,
                    "purpose": pending.purpose,
                    "user_id": pending.user_id,
                    "nonce": pending.nonce,
                    "expires_at": iso(pending.expires_at),
                    "ttl": epoch(pending.expires_at),
                },
                NotExists(),
            )
        )

    def take_pending_sign_in(self, state: str, now: datetime) -> PendingSignIn | None:
        key = oauth_key(state)
        item = self.items.get(key)
        if item is None:
            return None
        try:
            # The conditional delete makes the state single-use even under a race.
            self.items.write(Delete(key, Exists()))
        except ConditionFailed:
            return None
        pending = PendingSignIn(
            state=state,
            code_verifier=str(item["code_verifier"]),
            expires_at=parse_iso(str(item["expires_at"])),
            purpose=str(item.get("purpose") or "sign-in"),
            user_id=item.get("user_id") or None,
            nonce=item.get("nonce") or None,
        )
        return pending if pending.expires_at > now else None

    def put_email_sign_in(self, pending: EmailSignIn) -> None:
        self.items.write(
            Put(
                {
                    **_key(email_token_key(pending.token_hash)),
                    "email": pending.email,
                    "expires_at": iso(pending.expires_at),
                    "ttl": epoch(pending.expires_at),
                },
                NotExists(),
            )
        )

    def peek_email_sign_in(self, token_hash: str, now: datetime) -> EmailSignIn | None:
        item = self.items.get(email_token_key(token_hash))
        if item is None:
            return None
        pending = EmailSignIn(
            token_hash=token_hash,
            email=str(item["email"]),
            expires_at=parse_iso(str(item["expires_at"])),
        )
        return pending if pending.expires_at > now else None

    def take_email_sign_in(self, token_hash: str, now: datetime) -> EmailSignIn | None:
        pending = self.peek_email_sign_in(token_hash, now)
        if pending is None:
            return None
        try:
            self.items.write(Delete(email_token_key(token_hash), Exists()))
        except ConditionFailed:
            return None  # used a moment ago by someone else: single use
        return pending

    # --- rate limits ------------------------------------------------------------

    def count_hit(self, bucket: str, key: str, *, now: datetime, window_seconds: int) -> int:
        """Count one hit in the current fixed window; returns the count so far (atomic)."""
        window = epoch(now) // window_seconds
        item = self.items.write(
            Update(
                Key(f"RATE#{bucket}#{key}", str(window)),
                add={"hits": 1},
                set={"ttl": (window + 1) * window_seconds + 60},
            )
        )
        assert item is not None
        return int(item["hits"])

    # --- music ----------------------------------------------------------------

    def get_music(self, user_id: str) -> StoredMusic:
        keys = [user_key(user_id, sk) for sk in (ARTISTS, ALBUMS, TRACKS, METADATA)]
        by_sk = {str(item["sk"]): item for item in self.items.batch_get(keys)}
        meta_item = by_sk.get(METADATA, {})
        views = meta_item.get("views")
        meta = RefreshMeta(
            refreshed_at=_opt_dt(meta_item.get("refreshed_at")),
            next_refresh_at=_opt_dt(meta_item.get("next_refresh_at")),
            views=views if isinstance(views, int) and not isinstance(views, bool) else 0,
        )
        parts = [by_sk.get(sk) for sk in (ARTISTS, ALBUMS, TRACKS)]
        if meta.refreshed_at is None or any(p is None for p in parts):
            return StoredMusic(snapshot=None, meta=meta)
        artists, albums, tracks = (codec.loads(str(p["data"])) for p in parts if p is not None)
        snapshot = Snapshot(
            artists=tuple(codec.artist_from_json(a) for a in artists),
            albums=tuple(codec.album_from_json(a) for a in albums),
            tracks=tuple(codec.track_from_json(t) for t in tracks),
            refreshed_at=meta.refreshed_at,
            source=str(meta_item.get("source") or "spotify"),
            time_range=str(meta_item.get("time_range") or "medium_term"),
        )
        return StoredMusic(snapshot=snapshot, meta=meta)

    def claim_refresh(self, user_id: str, *, now: datetime, lease_seconds: int, token: str) -> None:
        now_s = epoch(now)
        due = Or((NotExists("next_refresh_epoch"), Compare("next_refresh_epoch", "<=", now_s)))
        free = Or((NotExists("claim_until"), Compare("claim_until", "<=", now_s)))
        try:
            self.items.write(
                Update(
                    user_key(user_id, METADATA),
                    set={"claim_token": token, "claim_until": now_s + lease_seconds},
                    condition=And((due, free)),
                )
            )
        except ConditionFailed:
            # Refusals are rare: one extra read to say when to come back.
            item = self.items.get(user_key(user_id, METADATA)) or {}
            next_at = _opt_dt(item.get("next_refresh_at"))
            in_progress = next_at is None or next_at <= now
            claim_until = item.get("claim_until")
            raise RefreshRefused(
                next_at,
                in_progress=in_progress,
                claim_until=(
                    datetime.fromtimestamp(claim_until, UTC)
                    if isinstance(claim_until, int)
                    else None
                ),
            ) from None

    def save_snapshot(
        self, user_id: str, snapshot: Snapshot, *, next_refresh_at: datetime, token: str
    ) -> None:
        def data_item(sk: str, data: str) -> Item:
            return {**_key(user_key(user_id, sk)), "data": data}

        ops: list[WriteOp] = [
            Put(
                data_item(ARTISTS, codec.dumps([codec.artist_to_json(a) for a in snapshot.artists]))
            ),
            Put(data_item(ALBUMS, codec.dumps([codec.album_to_json(a) for a in snapshot.albums]))),
            Put(data_item(TRACKS, codec.dumps([codec.track_to_json(t) for t in snapshot.tracks]))),
            Update(
                user_key(user_id, METADATA),
                set={
                    "refreshed_at": iso(snapshot.refreshed_at),
                    "next_refresh_at": iso(next_refresh_at),
                    "next_refresh_epoch": epoch(next_refresh_at),
                    "source": snapshot.source,
                    "time_range": snapshot.time_range,
                    "gsi1pk": REFRESH_INDEX_PK,
                    "gsi1sk": f"{iso(next_refresh_at)}#{user_id}",
                },
                remove=("claim_token", "claim_until"),
                condition=Compare("claim_token", "=", token),
            ),
        ]
        try:
            self.items.transact(ops)
        except TransactionCancelled as exc:
            if exc.condition_failed:
                raise ClaimLost(user_id) from exc
            raise

    def release_refresh(self, user_id: str, *, token: str) -> None:
        with contextlib.suppress(ConditionFailed):
            self.items.write(
                Update(
                    user_key(user_id, METADATA),
                    remove=("claim_token", "claim_until"),
                    condition=Compare("claim_token", "=", token),
                )
            )

    # --- liner notes -------------------------------------------------------------

    def get_notes(self, user_id: str) -> list[Note]:
        items = self.items.query(user_pk(user_id), sk_prefix=CONTENT_PREFIX)
        return [
            Note(
                kind=str(item["kind"]),
                text=str(item["text"]),
                origin=str(item.get("origin") or "generated"),
                updated_at=parse_iso(str(item["updated_at"])),
                album_id=item.get("album_id") or None,
                generated_text=item.get("generated_text") or None,
                generated_at=_opt_dt(item.get("generated_at")),
            )
            for item in items
            if item.get("kind") in ("bio", "caption") and isinstance(item.get("text"), str)
        ]

    def put_notes(self, user_id: str, notes: list[Note]) -> None:
        ops: list[WriteOp] = []
        for note in notes:
            sk = BIO if note.kind == "bio" else CAPTION_PREFIX + str(note.album_id)
            item: Item = {
                **_key(user_key(user_id, sk)),
                "kind": note.kind,
                "album_id": note.album_id,
                "text": note.text,
                "origin": note.origin,
                "updated_at": iso(note.updated_at),
                "generated_text": note.generated_text,
                "generated_at": iso(note.generated_at) if note.generated_at else None,
            }
            ops.append(Put({k: v for k, v in item.items() if v is not None}))
        for chunk in _chunks(ops, 100):
            self.items.transact(chunk)

    # --- a person's data ---------------------------------------------------------

    def user_items(self, user_id: str) -> list[Item]:
        return self.items.query(user_pk(user_id))

    def delete_user(self, user_id: str) -> None:
        """Everything the person owns: their partition, the identities and handle that
        point at them, and the lookup items of their sessions."""
        own = self.items.query(user_pk(user_id))
        profile = next((i for i in own if i["sk"] == PROFILE), None)
        keys = [Key(str(i["pk"]), str(i["sk"])) for i in own]
        ops: list[WriteOp] = []
        for item in own:
            sk = str(item["sk"])
            if sk.startswith(SESSION_PREFIX):
                keys.append(session_key(sk[len(SESSION_PREFIX) :]))
        if profile is not None:
            user = self._user(profile)
            for provider, subject in _identities(user):
                ops.append(
                    Delete(identity_key(provider, subject), Compare("user_id", "=", user_id))
                )
            if user.handle:
                ops.append(Delete(handle_key(user.handle), Compare("user_id", "=", user_id)))
        # The profile goes last, so a failure half-way leaves a person who can retry.
        ops += [Delete(k) for k in keys if k.sk != PROFILE]
        ops += [Delete(user_key(user_id, PROFILE))]
        for chunk in _chunks(ops, 100):
            try:
                self.items.transact(chunk)
            except TransactionCancelled as exc:
                if not exc.condition_failed:
                    raise
                # An identity or handle already moved on: delete the rest regardless.
                self.items.transact(
                    [op for op, r in zip(chunk, exc.reasons, strict=True) if r is None]
                )

    def users_due_for_refresh(self, now: datetime, limit: int = 100) -> list[str]:
        """User ids whose cooldown has passed, oldest first (an index query, not a scan)."""
        items = self.items.query(
            REFRESH_INDEX_PK, index=GSI1, sk_lte=f"{iso(now)}#\uffff", limit=limit
        )
        return [str(item["gsi1sk"]).rsplit("#", 1)[1] for item in items]


def _key(key: Key) -> Item:
    return {"pk": key.pk, "sk": key.sk}
