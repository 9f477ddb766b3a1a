"""The store and the indexer, with the fake embedder."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from assistant.retrieval.embedder import FakeEmbedder
from assistant.retrieval.errors import StoreError
from assistant.retrieval.indexer import ARCHIVE_KEY, index_paths
from assistant.retrieval.settings import RetrievalSection
from assistant.retrieval.store import Store, build_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "retrieval"


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    """A private copy of the fixture notes."""
    folder = tmp_path / "notes"
    shutil.copytree(FIXTURES / "notes", folder)
    return folder


def _store(state: Path, embedder: FakeEmbedder | None = None) -> Store:
    section = RetrievalSection(embedder="minilm" if embedder else "none")
    return (
        build_store(section, state, embedder=embedder) if embedder else build_store(section, state)
    )


def test_index_then_search_cites_the_heading(notes: Path, state_dir: Path) -> None:
    with _store(state_dir, FakeEmbedder()) as store:
        report = index_paths(store, [notes])
        assert len(report.added) == 3
        result = store.search("when to water the tomatoes", 3)
    assert result.mode == "hybrid"
    assert result.reason is None
    best = result.hits[0]
    assert best.heading == "Vegetables > Tomatoes"
    assert best.path == str(notes / "garden" / "vegetables.md")


def test_bm25_only_when_the_embedder_is_disabled(notes: Path, state_dir: Path) -> None:
    with _store(state_dir) as store:
        index_paths(store, [notes])
        result = store.search("tyre pressure", 2)
    assert (result.mode, result.reason) == ("bm25", "embedder disabled")
    assert result.hits[0].path.endswith("bike.txt")


def test_bm25_only_when_the_embedder_fails(notes: Path, state_dir: Path) -> None:
    with _store(state_dir, FakeEmbedder()) as store:
        index_paths(store, [notes])
    broken = FakeEmbedder(fail=True)
    with _store(state_dir, broken) as store:
        result = store.search("pancake batter", 2)
    assert result.mode == "bm25"
    assert result.reason is not None and "embedder failed" in result.reason
    assert "Pancakes" in result.hits[0].heading


def test_bm25_only_when_memory_is_short(notes: Path, state_dir: Path) -> None:
    embedder = FakeEmbedder()
    with _store(state_dir, embedder) as store:
        index_paths(store, [notes])
        store.section = RetrievalSection(min_available_mb=1 << 20)
        calls = embedder.calls
        result = store.search("pancake batter", 2)
    assert (result.mode, result.reason) == ("bm25", "memory short")
    assert embedder.calls == calls


def test_only_changed_files_are_reindexed_and_deleted_ones_removed(
    notes: Path, state_dir: Path
) -> None:
    embedder = FakeEmbedder()
    with _store(state_dir, embedder) as store:
        first = index_paths(store, [notes])
        again = index_paths(store, [notes])
        assert (again.unchanged, again.added, again.generation) == (3, [], first.generation)
        bike = notes / "bike.txt"
        bike.write_text(bike.read_text() + "\nThe saddle height is 74 cm.\n")
        (notes / "recipes.md").unlink()
        # Touched but unchanged: same bytes, new mtime.
        veg = notes / "garden" / "vegetables.md"
        veg.write_bytes(veg.read_bytes())
        changed = index_paths(store, [notes])
        assert changed.updated == [str(bike)]
        assert changed.removed == [str(notes / "recipes.md")]
        assert changed.unchanged == 1
        assert changed.generation != first.generation
        assert store.search("saddle height", 1).hits[0].path == str(bike)
        assert all("Pancakes" not in h.heading for h in store.search("pancakes", 5).hits)


def test_vectors_are_cached_and_not_recomputed(notes: Path, state_dir: Path) -> None:
    embedder = FakeEmbedder()
    with _store(state_dir, embedder) as store:
        index_paths(store, [notes])
        calls = embedder.calls
        store.rebuild()
    assert embedder.calls == calls


def test_another_embedder_reembeds_everything_at_the_next_index(
    notes: Path, state_dir: Path
) -> None:
    fp32 = FakeEmbedder()
    with build_store(RetrievalSection(), state_dir, embedder=fp32) as store:
        index_paths(store, [notes])
        chunks = store.docs.count()
    int8 = FakeEmbedder()
    section = RetrievalSection(embed_precision="int8")
    with build_store(section, state_dir, embedder=int8) as store:
        assert store.is_stale()
        report = index_paths(store, [notes])
        assert not (report.added or report.updated or report.removed)
        assert sum(len(t) for t in int8.texts) == chunks
        assert not store.is_stale()
    with build_store(section, state_dir, embedder=int8) as store:
        assert not store.is_stale()
        assert store.docs.claim_vectors("minilm-int8") is False


def test_a_missing_path_is_a_clear_error(state_dir: Path, tmp_path: Path) -> None:
    with _store(state_dir) as store, pytest.raises(StoreError, match="no such file"):
        index_paths(store, [tmp_path / "nope"])


def test_the_headline_archive_is_indexed_as_data(notes: Path, state_dir: Path) -> None:
    archive = state_dir / "news" / "archive.jsonl"
    archive.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "news_archive.jsonl", archive)
    with _store(state_dir, FakeEmbedder()) as store:
        report = index_paths(store, [], archive=archive)
        # Two good lines; a duplicate, a line that is not JSON and one without title skipped.
        assert report.headlines == 2
        hit = store.search("cycle lanes on the high street", 1).hits[0]
        assert (hit.kind, hit.path, hit.heading) == (
            "headline",
            "https://example.org/cycle-lanes",
            "Local News",
        )
        archive.unlink()
        assert index_paths(store, [], archive=archive).removed == [ARCHIVE_KEY]
        assert store.search("cycle lanes", 3).hits == []


def test_a_damaged_catalogue_is_moved_aside(notes: Path, state_dir: Path) -> None:
    with _store(state_dir) as store:
        index_paths(store, [notes])
    db = state_dir / "retrieval" / "docs.sqlite"
    db.write_bytes(b"this is not a database" * 100)
    for extra in ("docs.sqlite-wal", "docs.sqlite-shm"):
        (state_dir / "retrieval" / extra).unlink(missing_ok=True)
    with _store(state_dir) as store:
        assert store.search("tomatoes", 3).hits == []
        report = index_paths(store, [notes])
        assert len(report.added) == 3
        assert store.search("tomatoes", 1).hits
    assert list((state_dir / "retrieval").glob("docs.sqlite.damaged-*"))


def test_damaged_index_files_rebuild_from_the_catalogue(notes: Path, state_dir: Path) -> None:
    with _store(state_dir, FakeEmbedder()) as store:
        index_paths(store, [notes])
    for folder in (state_dir / "retrieval" / "generations").iterdir():
        (folder / "dense.faiss").write_bytes(b"\0" * 64)
    with _store(state_dir, FakeEmbedder()) as store:
        assert store.generation is None
        assert store.search("tyre pressure", 1).hits[0].path.endswith("bike.txt")
        assert index_paths(store, [notes]).generation is not None


def test_search_picks_up_a_generation_written_by_another_process(
    notes: Path, state_dir: Path
) -> None:
    with _store(state_dir) as reader, _store(state_dir) as writer:
        assert reader.search("tomatoes", 1).hits == []
        index_paths(writer, [notes])
        time.sleep(0.01)
        assert reader.search("tomatoes", 1).hits
