"""[news]: the feeds the news skills read, and the limits of fetching them."""

from __future__ import annotations

from assistant.section import Section


class NewsSection(Section):
    """[news] section."""
