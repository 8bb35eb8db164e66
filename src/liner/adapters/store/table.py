"""The single-table key schema and every access pattern, written once.

Key schema (``pk`` / ``sk``), shared by every backend:

================================  ====================  =====================================
pk                                sk                    what
================================  ====================  =====================================
``USER#<id>``                     ``PROFILE``           display name, created_at, identities
``USER#<id>``                     ``SPOTIFY``           encrypted access/refresh tokens, expiry,
                                                        ``needs_reconnect``
``USER#<id>``                     ``MUSIC#ARTISTS``     top artists (JSON in ``data``)
``USER#<id>``                     ``MUSIC#ALBUMS``      derived top albums (JSON in ``data``)
``USER#<id>``                     ``MUSIC#TRACKS``      the whole track pool (JSON in ``data``)
``USER#<id>``                     ``PROFILE#METADATA``  refreshed_at, next_refresh_at, the refresh
                                                        claim; updated in place only, so other
                                                        fields on it (a view counter) survive
``IDENTITY#spotify#<spotify id>`` ``IDENTITY``          which user holds that Spotify account
``SESSION#<hmac of cookie>``      ``SESSION``           user, CSRF token, ``ttl``
``OAUTH#<state>``                 ``OAUTH``             PKCE verifier of a sign-in, ``ttl``
================================  ====================  =====================================

Index ``gsi1``: ``PROFILE#METADATA`` items carry ``gsi1pk = "REFRESH"`` and
``gsi1sk = <next_refresh_at ISO>#<user id>``, so "who is due for a refresh" is a
range query, never a scan.

Reading a user's music is one ``batch_get`` of four keys. A refresh is a
conditional claim on the metadata item plus one transaction.
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
    ClaimLost,
    IdentityTaken,
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


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def user_key(user_id: str, sk: str) -> Key:
    return Key(user_pk(user_id), sk)


def spotify_identity_key(spotify_id: str) -> Key:
    return Key(f"IDENTITY#spotify#{spotify_id}", "IDENTITY")


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

    def find_user_by_spotify_id(self, spotify_id: str) -> User | None:
        identity = self.items.get(spotify_identity_key(spotify_id))
        if identity is None:
            return None
        return self.get_user(str(identity["user_id"]))

    def create_user(self, user: User) -> None:
        profile: Item = {
            **_key(user_key(user.id, PROFILE)),
            "id": user.id,
            "display_name": user.display_name,
            "created_at": iso(user.created_at),
            "spotify_id": user.spotify_id,
            "email": user.email,
        }
        ops: list[Put] = [Put(profile, NotExists())]
        if user.spotify_id:
            identity = {**_key(spotify_identity_key(user.spotify_id)), "user_id": user.id}
            ops.append(Put(identity, NotExists()))
        try:
            self.items.transact(ops)
        except TransactionCancelled as exc:
            if exc.condition_failed:
                raise IdentityTaken(user.id) from exc
            raise

    @staticmethod
    def _user(item: Item) -> User:
        return User(
            id=str(item["id"]),
            display_name=str(item.get("display_name") or ""),
            created_at=parse_iso(str(item["created_at"])),
            spotify_id=item.get("spotify_id"),
            email=item.get("email"),
        )

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
        self.items.write(
            Put(
                {
                    **_key(session_key(session.id_hash)),
                    "user_id": session.user_id,
                    "csrf_token": session.csrf_token,
                    "created_at": iso(session.created_at),
                    "expires_at": iso(session.expires_at),
                    "ttl": epoch(session.expires_at),
                },
                NotExists(),
            )
        )

    def get_session(self, id_hash: str, now: datetime) -> Session | None:
        item = self.items.get(session_key(id_hash))
        if item is None:
            return None
        session = Session(
            id_hash=id_hash,
            user_id=str(item["user_id"]),
            csrf_token=str(item["csrf_token"]),
            created_at=parse_iso(str(item["created_at"])),
            expires_at=parse_iso(str(item["expires_at"])),
        )
        # TTL deletion is lazy (DynamoDB takes up to days): check expiry ourselves.
        return session if session.expires_at > now else None

    def delete_session(self, id_hash: str) -> None:
        self.items.write(Delete(session_key(id_hash)))

    def put_pending_sign_in(self, pending: PendingSignIn) -> None:
        self.items.write(
            Put(
                {
                    **_key(oauth_key(pending.state)),
                    "code_verifier": pending.code_verifier,
                    "purpose": pending.purpose,
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
        )
        return pending if pending.expires_at > now else None

    # --- music ----------------------------------------------------------------

    def get_music(self, user_id: str) -> StoredMusic:
        keys = [user_key(user_id, sk) for sk in (ARTISTS, ALBUMS, TRACKS, METADATA)]
        by_sk = {str(item["sk"]): item for item in self.items.batch_get(keys)}
        meta_item = by_sk.get(METADATA, {})
        meta = RefreshMeta(
            refreshed_at=_opt_dt(meta_item.get("refreshed_at")),
            next_refresh_at=_opt_dt(meta_item.get("next_refresh_at")),
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

    def users_due_for_refresh(self, now: datetime, limit: int = 100) -> list[str]:
        """User ids whose cooldown has passed, oldest first (an index query, not a scan)."""
        items = self.items.query(
            REFRESH_INDEX_PK, index=GSI1, sk_lte=f"{iso(now)}#\uffff", limit=limit
        )
        return [str(item["gsi1sk"]).rsplit("#", 1)[1] for item in items]


def _key(key: Key) -> Item:
    return {"pk": key.pk, "sk": key.sk}
