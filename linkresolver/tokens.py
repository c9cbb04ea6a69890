"""API tokens for knowledge-base maintenance.

A token is 32 random bytes (URL-safe base64, prefixed "ykb_"); only its SHA-256 is stored - a slow
password hash buys nothing for a secret this long. A *library* token may change that library's
subscriptions and print holdings; an *admin* token may do everything, including loading packages.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from linkresolver.errors import Forbidden, Unauthorized
from linkresolver.store import KbStore

PREFIX = "ykb_"
ADMIN, LIBRARY = "admin", "library"


@dataclass(frozen=True)
class Principal:
    role: str  # "admin" or "library"
    library: str | None  # the library a library token belongs to

    @property
    def admin(self) -> bool:
        return self.role == ADMIN

    def require_library(self, library: str) -> None:
        """Raise Forbidden unless this token may change `library`'s data."""
        if not self.admin and self.library != library:
            raise Forbidden(f"this token belongs to {self.library}; it cannot change {library}'s data", ref=library)

    def require_admin(self, what: str) -> None:
        if not self.admin:
            raise Forbidden(f"{what} needs an admin token", ref=self.library)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: KbStore, library: str | None, *, label: str = "") -> str:
    """A new token (printed once, never stored): for `library`, or an admin token when None."""
    token = PREFIX + secrets.token_urlsafe(32)
    store.add_token(digest(token), library, ADMIN if library is None else LIBRARY, label)
    return token


def authenticate(store: KbStore, header: str | None) -> Principal:
    """The principal of an `Authorization: Bearer <token>` header; Unauthorized when missing or unknown."""
    if not header:
        raise Unauthorized("missing Authorization: Bearer <token> header")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    found = store.token(digest(token))
    if found is None:
        raise Unauthorized("unknown or revoked token")
    library, role = found
    return Principal(role, library)
