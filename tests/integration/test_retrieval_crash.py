"""kill -9 of a real `assistant index` at random moments always leaves a loadable store."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.retrieval.generations import current_name, load_generation, verify
from assistant.retrieval.settings import RetrievalSection
from assistant.retrieval.store import build_store, store_dir

pytestmark = pytest.mark.slow
SEED = 20261127
ITERATIONS = 25
BUDGET_S = 40.0
WORDS = ("tomato", "bicycle", "pancake", "rose", "compost", "chain", "battery", "window")


def _write_notes(folder: Path, rng: random.Random, count: int = 40) -> None:
    """Change, add or delete a few notes, so that every run has something to write."""
    folder.mkdir(exist_ok=True)
    for n in rng.sample(range(count), 6):
        note = folder / f"note{n:02d}.md"
        if rng.random() < 0.15:
            note.unlink(missing_ok=True)
            continue
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 400)))
        note.write_text(f"# Note {n}\n\n## {rng.choice(WORDS)}\n{body}\n")


def _index(config: Path, notes: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", "--config", str(config), "index", str(notes)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )


def _check_loadable(state: Path) -> int:
    """The pointer names a verified generation and a store opens and answers; return chunks."""
    root = store_dir(state)
    pointed = current_name(root)
    assert pointed is not None, "the pointer was lost"
    meta = verify(root / "generations" / pointed)
    gen = load_generation(root)
    assert gen is not None and gen.name == pointed
    with build_store(RetrievalSection(embedder="none"), state) as store:
        assert store.index.size == meta["chunks"]
        result = store.search("tomato bicycle", 3)
        assert result.mode == "bm25"
        assert result.hits, "a loaded store with notes must answer"
    return int(meta["chunks"])


def test_kill_9_during_indexing_never_breaks_the_store(state_dir: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    config = tmp_path / "assistant.toml"
    config.write_text('[retrieval]\nembedder = "none"\nkeep_generations = 2\n')
    notes = tmp_path / "notes"
    _write_notes(notes, rng, count=40)
    started = time.monotonic()
    first = _index(config, notes)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err.decode()
    full_run_s = time.monotonic() - started
    _check_loadable(state_dir)

    kills = 0
    deadline = time.monotonic() + BUDGET_S
    for _ in range(ITERATIONS):
        if time.monotonic() > deadline:
            break
        _write_notes(notes, rng)
        proc = _index(config, notes)
        time.sleep(rng.uniform(0.0, full_run_s * 1.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=60)
        _check_loadable(state_dir)
    assert kills >= 5, f"only {kills} runs were killed mid-way; the timing estimate is off"

    # A run left to finish brings the store up to date with every note on disk.
    last = _index(config, notes)
    _, err = last.communicate(timeout=120)
    assert last.returncode == 0, err.decode()
    with build_store(RetrievalSection(embedder="none"), state_dir) as store:
        paths = set(store.docs.files())
        assert not store.is_stale()
    assert paths == {str(p.resolve()) for p in notes.glob("*.md")}
