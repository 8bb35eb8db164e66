"""One contract for every Cipher adapter, then what only the local key file must do.

KMS runs against moto's real server on 127.0.0.1 (the session fixture
``moto_endpoint``), so requests go over KMS's actual wire protocol.
"""

from __future__ import annotations

import os
import socket
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from liner.adapters.cipher.kms import MAX_PLAINTEXT, KmsCipher
from liner.adapters.cipher.local import KEY_SIZE, LocalCipher
from liner.ports.cipher import Cipher, CipherError

ALICE = {"purpose": "spotify-token", "user": "alice"}
BOB = {"purpose": "spotify-token", "user": "bob"}
REGION = "eu-west-1"


@dataclass
class Subject:
    cipher: Cipher
    # Another cipher of the same kind holding a different key.
    other_key: Callable[[], Cipher]
    # Builds a second cipher over the same key, as a restarted process would.
    same_key: Callable[[], Cipher]


def _new_kms_key(endpoint: str) -> str:
    client = boto3.client("kms", endpoint_url=endpoint, region_name=REGION)
    return client.create_key(Description="liner test key")["KeyMetadata"]["KeyId"]


@pytest.fixture
def kms_key(moto_endpoint: str) -> str:
    return _new_kms_key(moto_endpoint)


def _local_subject(tmp_path: Path) -> Subject:
    key_file = tmp_path / "keys" / "liner.key"
    return Subject(
        cipher=LocalCipher(key_file),
        other_key=lambda: LocalCipher(tmp_path / "other" / "liner.key"),
        same_key=lambda: LocalCipher(key_file),
    )


def _kms_subject(endpoint: str) -> Subject:
    key_id = _new_kms_key(endpoint)

    def build(key: str) -> Cipher:
        return KmsCipher(key, endpoint_url=endpoint, region_name=REGION)

    return Subject(
        cipher=build(key_id),
        other_key=lambda: build(_new_kms_key(endpoint)),
        same_key=lambda: build(key_id),
    )


@pytest.fixture(params=["local", "kms"])
def subject(request: pytest.FixtureRequest, tmp_path: Path) -> Subject:
    if request.param == "local":
        return _local_subject(tmp_path)
    # Only the KMS cases start moto.
    return _kms_subject(request.getfixturevalue("moto_endpoint"))


# The contract


@pytest.mark.parametrize(
    "plaintext",
    [
        b"a-refresh-token",
        b"",
        "zoë — 東京 🎧".encode(),
        bytes(range(256)),
    ],
    ids=["ascii", "empty", "non-ascii", "all-bytes"],
)
def test_it_decrypts_what_it_encrypted(subject: Subject, plaintext: bytes) -> None:
    ciphertext = subject.cipher.encrypt(plaintext, ALICE)
    assert ciphertext != plaintext or plaintext == b""
    assert subject.cipher.decrypt(ciphertext, ALICE) == plaintext


def test_a_second_instance_over_the_same_key_decrypts(subject: Subject) -> None:
    ciphertext = subject.cipher.encrypt(b"token", ALICE)
    assert subject.same_key().decrypt(ciphertext, ALICE) == b"token"


def test_a_ciphertext_copied_to_another_user_does_not_decrypt(subject: Subject) -> None:
    ciphertext = subject.cipher.encrypt(b"alice's token", ALICE)
    with pytest.raises(CipherError):
        subject.cipher.decrypt(ciphertext, BOB)


def test_a_ciphertext_for_another_purpose_does_not_decrypt(subject: Subject) -> None:
    ciphertext = subject.cipher.encrypt(b"token", ALICE)
    with pytest.raises(CipherError):
        subject.cipher.decrypt(ciphertext, {**ALICE, "purpose": "lastfm-token"})


@pytest.mark.parametrize(
    "context",
    [{"purpose": "spotify-token"}, {**ALICE, "extra": "x"}, {}],
    ids=["missing-key", "extra-key", "empty"],
)
def test_the_context_must_match_exactly(subject: Subject, context: dict[str, str]) -> None:
    ciphertext = subject.cipher.encrypt(b"token", ALICE)
    with pytest.raises(CipherError):
        subject.cipher.decrypt(ciphertext, context)


def test_the_order_of_the_context_does_not_matter(subject: Subject) -> None:
    ciphertext = subject.cipher.encrypt(b"token", {"user": "zoë", "purpose": "p"})
    assert subject.cipher.decrypt(ciphertext, {"purpose": "p", "user": "zoë"}) == b"token"


def test_an_empty_context_round_trips(subject: Subject) -> None:
    ciphertext = subject.cipher.encrypt(b"token", {})
    assert subject.cipher.decrypt(ciphertext, {}) == b"token"


def test_another_key_cannot_decrypt(subject: Subject) -> None:
    ciphertext = subject.cipher.encrypt(b"token", ALICE)
    with pytest.raises(CipherError):
        subject.other_key().decrypt(ciphertext, ALICE)


@pytest.mark.parametrize("position", [0, 1, 20, -1], ids=["first", "second", "middle", "last"])
def test_a_tampered_ciphertext_does_not_decrypt(subject: Subject, position: int) -> None:
    ciphertext = bytearray(subject.cipher.encrypt(b"token", ALICE))
    ciphertext[position] ^= 0x01
    with pytest.raises(CipherError):
        subject.cipher.decrypt(bytes(ciphertext), ALICE)


@pytest.mark.parametrize("keep", [0, 1, 13, -1], ids=["nothing", "one-byte", "header", "no-tag"])
def test_a_truncated_ciphertext_does_not_decrypt(subject: Subject, keep: int) -> None:
    ciphertext = subject.cipher.encrypt(b"token", ALICE)
    with pytest.raises(CipherError):
        subject.cipher.decrypt(ciphertext[:keep], ALICE)


def test_the_same_plaintext_encrypts_differently_each_time(subject: Subject) -> None:
    first = subject.cipher.encrypt(b"token", ALICE)
    second = subject.cipher.encrypt(b"token", ALICE)
    assert first != second
    assert subject.cipher.decrypt(first, ALICE) == subject.cipher.decrypt(second, ALICE)


def test_a_context_that_is_not_all_strings_is_a_programming_error(subject: Subject) -> None:
    with pytest.raises(TypeError):
        subject.cipher.encrypt(b"token", {"user": 42})  # type: ignore[dict-item]


# KMS specifics


def test_moto_itself_enforces_the_kms_encryption_context(kms_key: str, moto_endpoint: str) -> None:
    # Checked with plain boto3, so the adapter's own tests above rest on a peer
    # that really binds the context (rather than on the adapter checking it).
    client = boto3.client("kms", endpoint_url=moto_endpoint, region_name=REGION)
    blob = client.encrypt(KeyId=kms_key, Plaintext=b"x", EncryptionContext=ALICE)["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=blob, EncryptionContext=ALICE)["Plaintext"] == b"x"
    with pytest.raises(client.exceptions.InvalidCiphertextException):
        client.decrypt(CiphertextBlob=blob, EncryptionContext=BOB)


def test_kms_is_reached_through_aws_endpoint_url_kms(
    kms_key: str, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", moto_endpoint)
    cipher = KmsCipher(kms_key)
    assert cipher.decrypt(cipher.encrypt(b"token", ALICE), ALICE) == b"token"


def test_a_kms_error_becomes_a_short_cipher_error(kms_key: str, moto_endpoint: str) -> None:
    cipher = KmsCipher(kms_key, endpoint_url=moto_endpoint, region_name=REGION)
    ciphertext = cipher.encrypt(b"token", ALICE)
    with pytest.raises(CipherError) as caught:
        cipher.decrypt(ciphertext, BOB)
    assert str(caught.value) == "KMS decrypt failed: InvalidCiphertextException"


def test_an_unknown_kms_key_is_a_cipher_error(moto_endpoint: str) -> None:
    cipher = KmsCipher("alias/does-not-exist", endpoint_url=moto_endpoint, region_name=REGION)
    with pytest.raises(CipherError, match="KMS encrypt failed: NotFoundException"):
        cipher.encrypt(b"token", ALICE)


def test_an_unreachable_kms_is_a_cipher_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # fail fast instead of backing off
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cipher = KmsCipher("any", endpoint_url=f"http://127.0.0.1:{port}", region_name=REGION)
    with pytest.raises(CipherError, match="KMS encrypt failed: EndpointConnectionError"):
        cipher.encrypt(b"token", ALICE)


def test_kms_plaintext_is_limited_to_what_kms_accepts(kms_key: str, moto_endpoint: str) -> None:
    cipher = KmsCipher(kms_key, endpoint_url=moto_endpoint, region_name=REGION)
    largest = b"x" * MAX_PLAINTEXT
    assert cipher.decrypt(cipher.encrypt(largest, ALICE), ALICE) == largest
    with pytest.raises(CipherError, match="too long"):
        cipher.encrypt(largest + b"x", ALICE)


# LocalCipher specifics


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "secrets" / "liner.key"


def _write_key(path: Path, content: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    path.chmod(mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_the_key_file_is_created_0600_on_first_use(key_file: Path, permissive_umask: None) -> None:
    cipher = LocalCipher(key_file)
    assert not key_file.exists()  # constructing touches nothing
    cipher.encrypt(b"token", ALICE)
    info = key_file.stat()
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert info.st_size == KEY_SIZE
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert [p.name for p in key_file.parent.iterdir()] == ["liner.key"]  # no temp left


def test_the_key_file_is_reused_by_the_next_instance(key_file: Path) -> None:
    ciphertext = LocalCipher(key_file).encrypt(b"token", ALICE)
    key = key_file.read_bytes()
    assert LocalCipher(key_file).decrypt(ciphertext, ALICE) == b"token"
    assert key_file.read_bytes() == key


def test_an_existing_key_file_is_used_as_is(key_file: Path) -> None:
    _write_key(key_file, bytes(range(KEY_SIZE)), 0o600)
    ciphertext = LocalCipher(key_file).encrypt(b"token", ALICE)
    assert LocalCipher(key_file).decrypt(ciphertext, ALICE) == b"token"
    assert key_file.read_bytes() == bytes(range(KEY_SIZE))


def test_racing_first_uses_all_end_up_with_one_key(key_file: Path) -> None:
    ciphers = [LocalCipher(key_file) for _ in range(8)]
    start = threading.Barrier(len(ciphers))
    results: dict[int, bytes] = {}

    def first_use(index: int) -> None:
        start.wait()
        results[index] = ciphers[index].encrypt(f"token {index}".encode(), ALICE)

    threads = [threading.Thread(target=first_use, args=(i,)) for i in range(len(ciphers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reader = LocalCipher(key_file)
    assert [reader.decrypt(results[i], ALICE) for i in range(len(ciphers))] == [
        f"token {i}".encode() for i in range(len(ciphers))
    ]
    assert [p.name for p in key_file.parent.iterdir()] == ["liner.key"]


def test_losing_the_creation_race_uses_the_winners_key(
    key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process writes its key just before ours is linked into place.
    winner = os.urandom(KEY_SIZE)
    real_link = os.link

    def link_after_the_winner(source: Path, target: Path) -> None:
        _write_key(Path(target), winner, 0o600)
        real_link(source, target)

    monkeypatch.setattr("liner.adapters.cipher.local.os.link", link_after_the_winner)
    ciphertext = LocalCipher(key_file).encrypt(b"token", ALICE)
    monkeypatch.undo()
    assert key_file.read_bytes() == winner
    assert LocalCipher(key_file).decrypt(ciphertext, ALICE) == b"token"
    assert [p.name for p in key_file.parent.iterdir()] == ["liner.key"]


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o610])
def test_a_key_file_others_can_access_is_refused(key_file: Path, mode: int) -> None:
    key = os.urandom(KEY_SIZE)
    _write_key(key_file, key, mode)
    with pytest.raises(CipherError, match="group or others") as caught:
        LocalCipher(key_file).encrypt(b"token", ALICE)
    assert "chmod 600" in str(caught.value)
    assert key.hex() not in str(caught.value)


def test_an_owner_read_only_key_file_is_accepted(key_file: Path) -> None:
    _write_key(key_file, os.urandom(KEY_SIZE), 0o400)
    cipher = LocalCipher(key_file)
    assert cipher.decrypt(cipher.encrypt(b"token", ALICE), ALICE) == b"token"


@pytest.mark.parametrize("size", [0, 16, KEY_SIZE - 1, KEY_SIZE + 1, 64])
def test_a_key_file_of_the_wrong_length_is_refused(key_file: Path, size: int) -> None:
    _write_key(key_file, os.urandom(size), 0o600)
    with pytest.raises(CipherError, match=f"exactly {KEY_SIZE} bytes"):
        LocalCipher(key_file).encrypt(b"token", ALICE)


def test_a_key_path_that_is_a_directory_is_refused(key_file: Path) -> None:
    key_file.mkdir(parents=True, mode=0o700)
    with pytest.raises(CipherError, match="not a regular file"):
        LocalCipher(key_file).encrypt(b"token", ALICE)


def test_a_decryption_failure_never_shows_the_key(key_file: Path) -> None:
    cipher = LocalCipher(key_file)
    ciphertext = cipher.encrypt(b"token", ALICE)
    key = key_file.read_bytes()
    with pytest.raises(CipherError) as caught:
        cipher.decrypt(ciphertext, BOB)
    message = str(caught.value)
    assert key.hex() not in message
    assert repr(key) not in message
    assert caught.value.__cause__ is None


def test_the_local_format_is_version_nonce_then_sealed_box(key_file: Path) -> None:
    ciphertext = LocalCipher(key_file).encrypt(b"token", ALICE)
    assert ciphertext[0] == 1
    assert len(ciphertext) == 1 + 12 + len(b"token") + 16


def test_an_unknown_local_format_version_is_refused(key_file: Path) -> None:
    cipher = LocalCipher(key_file)
    ciphertext = cipher.encrypt(b"token", ALICE)
    with pytest.raises(CipherError, match="version"):
        cipher.decrypt(b"\x02" + ciphertext[1:], ALICE)
