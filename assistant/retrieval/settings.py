"""[retrieval]: the hybrid store of notes and headlines."""

from __future__ import annotations

from assistant.section import Section


class RetrievalSection(Section):
    """[retrieval] section."""
