"""Signed download URLs: bound to tenant, file, user and expiry; nothing else verifies."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from engine.files.signing import BadSignature, FileUrlSigner

FILE = "9b2c6f0e-5a1d-4c3e-8f7a-2d4b6c8e0f1a"
OTHER = "4e1d2c3b-6a5f-4b7e-9c8d-0f1e2d3c4b5a"
NOW = 1_800_000_000.0


def signed(signer: FileUrlSigner, tenant: str = "acme", user: int = 7) -> dict[str, str]:
    query, _ = signer.sign(tenant, FILE, user, NOW)
    return {key: values[0] for key, values in parse_qs(query).items()}


def verify(signer: FileUrlSigner, q: dict[str, str], file_id: str = FILE, now: float = NOW) -> int:
    return signer.verify(file_id, q["tenant"], q["user"], q["exp"], q["sig"], now).user_id


def test_a_signed_url_verifies_until_it_expires() -> None:
    signer = FileUrlSigner("secret", 300)
    q = signed(signer)
    assert set(q) == {"tenant", "user", "exp", "sig"}
    assert int(q["exp"]) == NOW + 300
    assert verify(signer, q) == 7
    assert verify(signer, q, now=NOW + 300) == 7
    with pytest.raises(BadSignature, match="expired"):
        verify(signer, q, now=NOW + 301)


@pytest.mark.parametrize(
    "change",
    [
        {"tenant": "other"},
        {"user": "8"},
        {"exp": str(int(NOW) + 99_999)},
        {"sig": "0" * 64},
        {"sig": ""},
        {"sig": "é"},
        {"user": "-1"},
        {"user": "7" * 40},
        {"exp": "1e9"},
    ],
)
def test_any_change_breaks_the_signature(change: dict[str, str]) -> None:
    signer = FileUrlSigner("secret", 300)
    with pytest.raises(BadSignature):
        verify(signer, {**signed(signer), **change})


def test_the_signature_names_the_file_and_the_secret() -> None:
    signer = FileUrlSigner("secret", 300)
    with pytest.raises(BadSignature):
        verify(signer, signed(signer), file_id=OTHER)
    with pytest.raises(BadSignature):
        verify(FileUrlSigner("another secret", 300), signed(signer))


def test_a_lifetime_must_be_positive() -> None:
    with pytest.raises(ValueError):
        FileUrlSigner("secret", 0)
