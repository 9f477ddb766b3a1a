"""Exemplar banks: good examples per skill, in the hybrid store machinery, as few-shot prompts.

A bank is a JSON-lines file `<skill>.jsonl` of `{"input", "output", "tags"?}` objects in one of
the bank folders (the built-in ones ship in `assistant/quality/data/`). It is indexed with the
retrieval store's HybridIndex: BM25 over input, tags and output, plus MiniLM vectors when an
embedder is given (cached under the cache dir, keyed by the file's content). Without an
embedder, or when it fails, BM25 alone answers. Exemplars learned from feedback ("that was
good") go to `<skill>.jsonl` in a folder of the state dir and join the shipped ones.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from assistant.errors import AssistantError
from assistant.files import append_json_line, atomic_write

if TYPE_CHECKING:
    from assistant.retrieval.embedder import Embedder
    from assistant.retrieval.hybrid import HybridIndex

log = logging.getLogger(__name__)
_WORD = re.compile(r"[\w']+")
DATA_DIR = Path(__file__).parent / "data"
# The state dir's folder of exemplars learned from good ratings.
LEARNED = "exemplars"


class ExemplarError(AssistantError):
    """A bank file that cannot be read."""


@dataclass(frozen=True)
class Exemplar:
    """One good example: what the skill was given, and what it said."""

    input: str
    output: str
    tags: str = ""

    @property
    def indexed(self) -> str:
        """The text the bank searches."""
        return f"{self.input} {self.tags} {self.output}"


class Exemplars(Protocol):
    """What a skill sees: the nearest good examples of a skill's bank to an input."""

    def nearest(
        self, skill: str, query: str, k: int = 3, *, lexical: bool = False
    ) -> list[Exemplar]:
        """The `k` exemplars of `skill`'s bank nearest to `query`, nearest first; `lexical`:
        BM25 alone, for inputs where words decide, not meaning (a time, a band of the day)."""

    def close(self) -> None:
        """Release the embedder, if any."""


def load_exemplars(path: Path) -> list[Exemplar]:
    """Read a bank file; raise ExemplarError naming the file and line of a bad entry."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ExemplarError(f"{path}: cannot read: {exc.strerror}") from exc
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            out.append(Exemplar(str(raw["input"]), str(raw["output"]), str(raw.get("tags", ""))))
        except (ValueError, KeyError, TypeError) as exc:
            raise ExemplarError(f"{path}:{number}: not an {{input, output}} object") from exc
    return out


class ExemplarBank:
    """One skill's exemplars in a HybridIndex; `nearest` answers with BM25 (+ MiniLM)."""

    def __init__(
        self,
        exemplars: Sequence[Exemplar],
        *,
        embedder: Embedder | None = None,
        cache_dir: Path | None = None,
        name: str = "bank",
    ) -> None:
        self.exemplars = list(exemplars)
        self.name = name
        self._embedder = embedder
        self._cache_dir = cache_dir
        self._lock = threading.Lock()
        # BM25 now; vectors on the first search that wants them (a lexical-only skill never
        # starts the embedder, nor exports it).
        self._index = _build_index(self.exemplars, None, None, name)
        self._embedded = embedder is None

    @property
    def dense(self) -> bool:
        """True when vectors take part in the search (after the first non-lexical search)."""
        return self._index.dense is not None

    def _with_vectors(self) -> None:
        """Add the bank's vectors to the index, once; a failing embedder leaves BM25."""
        with self._lock:
            if not self._embedded:
                self._embedded = True
                self._index = _build_index(
                    self.exemplars, self._embedder, self._cache_dir, self.name
                )

    def nearest(self, query: str, k: int = 3, *, lexical: bool = False) -> list[Exemplar]:
        """The `k` exemplars nearest to `query`, nearest first (the first ones when none match);
        `lexical`: BM25 alone, no query embedding."""
        from assistant.retrieval.hybrid import Fusion

        vector = None
        if self._embedder is not None and not lexical:
            self._with_vectors()
            if self.dense:
                vector = _embed(self._embedder, [query])
        # The store's tuned fusion (the [retrieval] rrf_k and weights' defaults).
        fusion = Fusion(rrf_k=5, weight_bm25=1.2, weight_dense=1.0, depth=100)
        ranked = self._index.search(query, None if vector is None else vector[0], k, fusion)
        picked = [self.exemplars[i] for i, _ in ranked]
        rest = (e for e in self.exemplars if e not in picked)
        return (picked + [e for e, _ in zip(rest, range(k - len(picked)), strict=False)])[:k]


def _plain(text: str) -> str:
    """A text as its lower-case words, to know one output said with other spacing or case."""
    return " ".join(w.lower() for w in _WORD.findall(text))


def _embed(embedder: Embedder, texts: list[str]) -> Any:
    """Vectors of `texts`, or None when the embedder fails (BM25 answers alone then)."""
    from assistant.retrieval.errors import EmbedderError

    try:
        return embedder.embed(texts)
    except EmbedderError as exc:
        log.warning("exemplars: the embedder failed, using BM25 alone: %s", exc)
        return None


def _build_index(
    exemplars: list[Exemplar], embedder: Embedder | None, cache_dir: Path | None, name: str
) -> HybridIndex:
    """Index the bank; vectors come from the cache when the same texts were embedded before."""
    import numpy as np

    from assistant.retrieval.hybrid import HybridIndex

    texts = [e.indexed for e in exemplars]
    ids = np.arange(len(texts), dtype=np.int64)
    vectors = None
    if embedder is not None and texts:
        vectors = _cached_vectors(texts, embedder, cache_dir, name)
    return HybridIndex.build(ids, texts, vectors)


def _cached_vectors(texts: list[str], embedder: Embedder, cache_dir: Path | None, name: str) -> Any:
    """The texts' vectors from `<cache>/exemplars/`, embedding and saving them on a miss."""
    import numpy as np

    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = cache_dir / "exemplars" / f"{name}-{embedder.dim}-{digest}.npy" if cache_dir else None
    if path is not None and path.is_file():
        try:
            cached = np.load(path)
            if cached.shape == (len(texts), embedder.dim):
                return cached
        except (OSError, ValueError):
            log.warning("%s: unreadable, embedding the bank again", path)
    vectors = _embed(embedder, texts)
    if vectors is not None and path is not None:
        buffer = io.BytesIO()
        np.save(buffer, vectors)
        atomic_write(path, buffer.getvalue())
    return vectors


class ExemplarBanks:
    """Every skill's bank, loaded and indexed on first use, then kept for the process."""

    def __init__(
        self,
        *,
        embedder: Embedder | None = None,
        cache_dir: Path | None = None,
        folders: Sequence[Path] = (DATA_DIR,),
        learned: Path | None = None,
    ) -> None:
        self.embedder = embedder
        self.cache_dir = cache_dir
        self.folders = list(folders)
        # Where liked outputs go (`<learned>/<skill>.jsonl`), searched on top of `folders`.
        self.learned = learned
        self._banks: dict[str, ExemplarBank] = {}
        self._stamps: dict[str, tuple[int, int] | None] = {}
        self._lock = threading.Lock()

    def path(self, skill: str) -> Path | None:
        """The bank file of `skill` (`<skill>.jsonl` in the first folder that has one)."""
        found = (folder / f"{skill}.jsonl" for folder in self.folders)
        return next((path for path in found if path.is_file()), None)

    def bank(self, skill: str) -> ExemplarBank:
        """The indexed bank of `skill` (an empty one when it has no file), indexed again when
        its learned file changed: another learner (a reloaded app, the CLI) may have added to it."""
        with self._lock:
            seen = self._learned_stamp(skill)
            if skill not in self._banks or self._stamps.get(skill) != seen:
                self._banks[skill] = ExemplarBank(
                    self._load(skill), embedder=self.embedder, cache_dir=self.cache_dir, name=skill
                )
                self._stamps[skill] = seen
            return self._banks[skill]

    def _learned_stamp(self, skill: str) -> tuple[int, int] | None:
        """The learned file's change time and size (None when there is none)."""
        if self.learned is None:
            return None
        try:
            st = (self.learned / f"{skill}.jsonl").stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def _load(self, skill: str) -> list[Exemplar]:
        """The shipped (or overriding) bank of `skill`, then what it learned."""
        path = self.path(skill)
        found = load_exemplars(path) if path is not None else []
        mine = self.learned / f"{skill}.jsonl" if self.learned is not None else None
        return found + (load_exemplars(mine) if mine is not None and mine.is_file() else [])

    def learn(self, skill: str, exemplar: Exemplar) -> bool:
        """Add `exemplar` to `skill`'s learned bank, durably, and index the bank again on its
        next search; False (nothing written) when its output is in the bank already."""
        if self.learned is None:
            raise ExemplarError("no folder for learned exemplars was given")
        with self._lock:
            known = {_plain(e.output) for e in self._load(skill)}
            if _plain(exemplar.output) in known:
                return False
            row = {"input": exemplar.input, "output": exemplar.output, "tags": exemplar.tags}
            append_json_line(self.learned / f"{skill}.jsonl", row)
            self._banks.pop(skill, None)  # the file's stamp may not change within a tick
            return True

    def nearest(
        self, skill: str, query: str, k: int = 3, *, lexical: bool = False
    ) -> list[Exemplar]:
        """The `k` exemplars of `skill`'s bank nearest to `query`, nearest first."""
        return self.bank(skill).nearest(query, k, lexical=lexical)

    def close(self) -> None:
        """Release the embedder."""
        if self.embedder is not None:
            self.embedder.close()
