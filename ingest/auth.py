"""SMTP AUTH for websites and relays that forward with credentials.

The users file holds one ``login:scrypt:<salt-hex>:<hash-hex>`` line per
account (``run.py mail hash-password LOGIN`` prints one); blank lines and
``#`` comments are ignored. Passwords are never stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class AuthFileError(ValueError):
    pass


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT)
    return f"scrypt:{salt.hex()}:{digest.hex()}"


def verify(stored: str, password: bytes) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split(":")
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password, salt=salt, **SCRYPT)
    return hmac.compare_digest(digest, expected)


def load_users(path: Path) -> dict[str, str]:
    """``{login: stored hash}``; a malformed line stops start-up with its number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise AuthFileError(f"{path}: cannot be read: {exc}") from None
    users: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        login, _, stored = text.partition(":")
        if not login or not stored.startswith("scrypt:") or stored.count(":") != 2:
            raise AuthFileError(f"{path}: line {number}: expected login:scrypt:<salt>:<hash>")
        users[login] = stored
    return users
