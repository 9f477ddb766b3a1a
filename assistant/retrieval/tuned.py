"""`<state dir>/retrieval/tuned.json`: the values `assistant tune retrieval` fitted, which the
store reads over the config's; delete the file to go back to the config."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.files import write_json_atomic
from assistant.retrieval.settings import RetrievalSection

log = logging.getLogger(__name__)
TUNED_FILE = "tuned.json"
TUNABLE = ("rrf_k", "weight_bm25", "weight_dense", "ask_min_relevance")


def tuned_path(root: Path) -> Path:
    """The tuned-settings file of the store in `root` (`<state dir>/retrieval`)."""
    return root / TUNED_FILE


def read_tuned(root: Path) -> dict[str, Any]:
    """The tuned values (only the tunable keys); {} when there is no file or it is bad (logged)."""
    path = tuned_path(root)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s: ignored, cannot read it: %s", path, exc)
        return {}
    values = raw.get("settings") if isinstance(raw, dict) else None
    if not isinstance(values, dict):
        log.warning('%s: ignored, no "settings" object', path)
        return {}
    return {k: v for k, v in values.items() if k in TUNABLE}


def with_tuned(section: RetrievalSection, root: Path) -> RetrievalSection:
    """`section` with the tuned values of the store in `root` over it (unchanged without any)."""
    values = read_tuned(root)
    if not values:
        return section
    try:
        return RetrievalSection.model_validate({**section.model_dump(), **values})
    except ValidationError as exc:
        log.warning("%s: ignored: %s", tuned_path(root), exc.errors()[0]["msg"])
        return section


def write_tuned(root: Path, settings: dict[str, Any], report: dict[str, Any]) -> Path:
    """Write the fitted `settings` (and how they were fitted) atomically; return the path."""
    root.mkdir(parents=True, exist_ok=True)
    path = tuned_path(root)
    write_json_atomic(path, {"settings": settings, **report})
    return path
