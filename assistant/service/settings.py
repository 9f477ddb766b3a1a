"""[service]: running under systemd: control socket, watchdog, clock sanity."""

from __future__ import annotations

from assistant.section import Section


class ServiceSection(Section):
    """[service] section."""
