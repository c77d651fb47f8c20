"""Accounts: password hashing, sign-in with throttling, users, units and roles."""

import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

logger = logging.getLogger(__name__)

# argon2id with the library's RFC 9106 low-memory defaults.
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Return the argon2id hash of `password`; the plain text is never stored."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches `password_hash`; False for no hash or a broken one."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
