"""Labelled (query, passage, good/bad) pairs: what `tune retrieval` and `tune embedder` learn from.

One JSON object a line: `{"query": str, "text": str, "good": bool, "doc_id"?: str}`. `ask`
feedback (a thumbs up or down on the chunk an answer cited) becomes one pair each:
`feedback_pairs` reads them from the feedback store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.retrieval.errors import EvalError


@dataclass(frozen=True)
class RelevancePair:
    """A query, a passage, and whether the passage answers it."""

    query: str
    text: str
    good: bool
    doc_id: str = ""


def pair_from_json(row: Any) -> RelevancePair:
    """One pair from a decoded JSON object; raise ValueError naming the key at fault."""
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    for key in ("query", "text"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise ValueError(f'"{key}" must be a non-empty string')
    if not isinstance(row.get("good"), bool):
        raise ValueError('"good" must be true or false')
    doc_id = row.get("doc_id", "")
    if not isinstance(doc_id, str | int):
        raise ValueError('"doc_id" must be a string')
    return RelevancePair(row["query"].strip(), row["text"].strip(), row["good"], str(doc_id))


def load_pairs(path: Path) -> list[RelevancePair]:
    """Read a JSONL file of pairs; raise EvalError naming the file and line of the first bad one."""
    pairs: list[RelevancePair] = []
    try:
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    pairs.append(pair_from_json(json.loads(line)))
                except ValueError as exc:  # JSONDecodeError is a ValueError
                    raise EvalError(f"{path}:{n}: {exc}") from exc
    except OSError as exc:
        raise EvalError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise EvalError(f"{path}: not UTF-8 text: {exc.reason}") from exc
    if not pairs:
        raise EvalError(f"{path}: no pairs")
    return pairs


def by_query(pairs: Iterable[RelevancePair]) -> dict[str, list[RelevancePair]]:
    """Pairs grouped by query, in first-seen order."""
    groups: dict[str, list[RelevancePair]] = {}
    for pair in pairs:
        groups.setdefault(pair.query, []).append(pair)
    return groups


def feedback_pairs(state: Path) -> list[RelevancePair]:
    """The stored `ask` feedback as pairs, oldest first (`doc_id`: the note's path#heading)."""
    from assistant.feedback.store import FILE, FeedbackStore

    store = FeedbackStore(state / FILE)
    try:
        return [RelevancePair(p.query, p.text, p.good, p.note) for p in store.ask_pairs()]
    finally:
        store.close()
