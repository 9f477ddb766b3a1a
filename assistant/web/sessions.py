"""Browser sessions: a random id in a cookie, whether it logged in, and its CSRF token."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

MAX_SESSIONS = 64
IDLE_S = 7 * 24 * 3600.0


class Flash(NamedTuple):
    """A message for the next page: what a POST did, or why it did not (`bad`)."""

    text: str
    bad: bool = False


@dataclass
class Session:
    """One browser: its CSRF token, whether it gave the token, a message for its next page."""

    sid: str
    authed: bool
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    flash: Flash | None = None
    seen: float = 0.0

    def csrf_ok(self, given: str) -> bool:
        """True when a form carried this session's CSRF token."""
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf.encode())

    def take_flash(self) -> Flash | None:
        """The message left by the last POST, once."""
        message, self.flash = self.flash, None
        return message


@dataclass
class Sessions:
    """A bounded, thread-safe table of sessions; the least recently seen go first."""

    # The login token; "" lets every browser in (allowed on loopback only).
    token: str = field(repr=False)
    limit: int = MAX_SESSIONS
    idle_s: float = IDLE_S
    monotonic: Callable[[], float] = time.monotonic
    _table: OrderedDict[str, Session] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def open(self) -> bool:
        """True when no token is configured: every browser is let in (loopback only)."""
        return not self.token

    def get(self, sid: str | None) -> Session | None:
        """The live session with this id, or None."""
        if not sid:
            return None
        now = self.monotonic()
        with self._lock:
            session = self._table.get(sid)
            if session is None or now - session.seen > self.idle_s:
                self._table.pop(sid, None)
                return None
            session.seen = now
            self._table.move_to_end(sid)
            return session

    def new(self, *, authed: bool) -> Session:
        """A fresh session (logged in when `authed`), evicting the oldest past the limit."""
        session = Session(secrets.token_urlsafe(32), authed, seen=self.monotonic())
        with self._lock:
            self._table[session.sid] = session
            while len(self._table) > self.limit:
                # Anonymous sessions (a login form shown) go first: a flood of them must not
                # log out the people who gave the token.
                victim = next(
                    (k for k, v in self._table.items() if not v.authed and k != session.sid), None
                )
                self._table.pop(victim if victim is not None else next(iter(self._table)))
        return session

    def login(self, session: Session, given: str) -> Session | None:
        """A new logged-in session when `given` is the token (the old id is dropped, so an id
        planted before the login is worth nothing); None when it is wrong."""
        if self.open or not hmac.compare_digest(given.strip().encode(), self.token.encode()):
            return None
        with self._lock:
            self._table.pop(session.sid, None)
        return self.new(authed=True)
