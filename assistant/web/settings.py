"""[web]: the page the daemon serves, where it listens and the token that guards it."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from pydantic import Field

from assistant.section import Section

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})
# A token that guards a page on the network must not be guessable by trying (nothing slows
# down a guesser but the token's length).
MIN_TOKEN_CHARS = 16


class WebSection(Section):
    """[web]: a small page with today's utterances, the schedule, a "say this" box, status."""

    enabled: bool = True
    # The address to bind; anything but a loopback address needs a token (token_env).
    listen: str = Field("127.0.0.1", min_length=1, max_length=255)
    port: int = Field(8470, ge=1, le=65535)
    # The environment variable holding the login token; when it is set and not empty, every
    # page asks for it, on loopback too.
    token_env: str = Field("ASSISTANT_WEB_TOKEN", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    def token(self, environ: Mapping[str, str]) -> str:
        """The login token from `environ` ("" when unset: no login)."""
        return environ.get(self.token_env, "").strip()


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def web_problems(section: WebSection, environ: Mapping[str, str]) -> list[str]:
    """Refuse a page reachable from the network without a long enough token."""
    token = section.token(environ)
    if not section.enabled or is_loopback(section.listen) or len(token) >= MIN_TOKEN_CHARS:
        return []
    if token:
        return [
            f"web.token_env: the token in {section.token_env} is too short for a page on the "
            f"network ({len(token)} characters; at least {MIN_TOKEN_CHARS})"
        ]
    return [
        f"web.listen: {section.listen!r} is reachable from other machines, so a login token "
        f"is required: set the environment variable {section.token_env} (web.token_env)"
    ]
