"""Login without passwords: one-time links, sessions and CSRF tokens, stored only as hashes.

A coordinator's `/dashboard` creates a login token (valid 10 minutes, usable once); redeeming it
creates a session whose id lives only in an HttpOnly, SameSite=Strict cookie. The database keeps the
SHA-256 of both, so a copy of it opens nothing. The CSRF token of a session is an HMAC of its id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.events import User
from core.storage import Storage, from_utc_text, to_utc_text

TOKEN_LIFETIME = timedelta(minutes=10)
MAX_SECRET_LENGTH = 100  # tokens and session ids are 43 characters; anything longer is refused unread

MIGRATIONS = (
    """
    CREATE TABLE practica_dashboard_tokens (
        hash TEXT PRIMARY KEY,
        uid TEXT NOT NULL,
        name TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
    );
    CREATE TABLE practica_dashboard_sessions (
        hash TEXT PRIMARY KEY,
        uid TEXT NOT NULL,
        name TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX practica_dashboard_sessions_uid ON practica_dashboard_sessions (uid);
    """,
)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in coordinator."""

    id: str
    user: User

    @property
    def csrf(self) -> str:
        return hmac.new(self.id.encode(), b"csrf", hashlib.sha256).hexdigest()

    def csrf_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf, str(given))


def _user(uid: str, name: str) -> User:
    platform, _, user_id = uid.partition(":")
    return User(platform=platform, id=user_id, name=name)


async def issue_token(db: Storage, user: User, now: datetime) -> str:
    """A new one-time login token for `user` (its hash is stored)."""
    token = secrets.token_urlsafe(32)
    await db.execute("DELETE FROM practica_dashboard_tokens WHERE expires_at < ?", (to_utc_text(now),))
    await db.execute("INSERT INTO practica_dashboard_tokens (hash, uid, name, expires_at) VALUES (?, ?, ?, ?)",
                     (digest(token), user.uid, user.name, to_utc_text(now + TOKEN_LIFETIME)))
    return token


async def redeem(db: Storage, token: str, now: datetime, hours: float) -> Session | None:
    """Use a login token once: a new session, or None when unknown, expired or already used."""
    if not token or len(token) > MAX_SECRET_LENGTH:
        return None
    async with db.transaction():
        row = await db.fetchone("SELECT uid, name, expires_at, used_at FROM practica_dashboard_tokens WHERE hash = ?",
                                (digest(token),))
        if row is None or row["used_at"] is not None or from_utc_text(row["expires_at"]) <= now:
            return None
        changed = await db.execute_rowcount("UPDATE practica_dashboard_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL",
                                            (to_utc_text(now), digest(token)))
        if changed != 1:
            return None
        session_id = secrets.token_urlsafe(32)
        await db.execute("DELETE FROM practica_dashboard_sessions WHERE expires_at < ?", (to_utc_text(now),))
        await db.execute("INSERT INTO practica_dashboard_sessions (hash, uid, name, expires_at) VALUES (?, ?, ?, ?)",
                         (digest(session_id), row["uid"], row["name"], to_utc_text(now + timedelta(hours=hours))))
    return Session(session_id, _user(row["uid"], row["name"]))


async def session(db: Storage, session_id: str | None, now: datetime) -> Session | None:
    """The live session of a cookie value, or None."""
    if not session_id or len(session_id) > MAX_SECRET_LENGTH:
        return None
    row = await db.fetchone("SELECT uid, name, expires_at FROM practica_dashboard_sessions WHERE hash = ?", (digest(session_id),))
    if row is None or from_utc_text(row["expires_at"]) <= now:
        return None
    return Session(session_id, _user(row["uid"], row["name"]))


async def end_session(db: Storage, session_id: str) -> None:
    await db.execute("DELETE FROM practica_dashboard_sessions WHERE hash = ?", (digest(session_id),))


async def end_sessions_of(db: Storage, uid: str) -> int:
    """End every session and unused link of a member (`/dashboard logout`, `/forgetme`)."""
    await db.execute("DELETE FROM practica_dashboard_tokens WHERE uid = ?", (uid,))
    return await db.execute_rowcount("DELETE FROM practica_dashboard_sessions WHERE uid = ?", (uid,))
