"""Exemplar banks: loaded from JSON lines, searched with BM25 (+ vectors, cached), all good."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from assistant.quality.exemplars import (
    DATA_DIR,
    Exemplar,
    ExemplarBank,
    ExemplarBanks,
    ExemplarError,
    load_exemplars,
)
from assistant.quality.hoursense import hour_band, odd_for_hour
from assistant.quality.rhyme import no_rhyme
from assistant.retrieval.embedder import FakeEmbedder
from skills._lib.timecheck import wrong_time

BANK = [
    Exemplar("07:30", "Wake up, the toast is hot", "morning"),
    Exemplar("21:15", "The stars are out tonight", "late"),
    Exemplar("13:05", "The lunch is on the table", "afternoon"),
]


def write_bank(folder: Path, name: str, rows: list[Exemplar]) -> Path:
    path = folder / f"{name}.jsonl"
    lines = [json.dumps({"input": e.input, "output": e.output, "tags": e.tags}) for e in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bm25_finds_the_nearest_and_fills_up_with_the_rest() -> None:
    bank = ExemplarBank(BANK)
    assert not bank.dense
    assert bank.nearest("21:40 late", k=1) == [BANK[1]]
    found = bank.nearest("lunch", k=3)
    assert found[0] == BANK[2] and sorted(found, key=BANK.index) == BANK
    assert bank.nearest("nothing matches", k=2) == BANK[:2]


def test_vectors_take_part_and_are_cached(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    bank = ExemplarBank(BANK, embedder=embedder, cache_dir=tmp_path, name="clock")
    assert bank.dense and embedder.calls == 1
    assert bank.nearest("stars tonight", k=1) == [BANK[1]]
    assert len(list((tmp_path / "exemplars").glob("clock-64-*.npy"))) == 1
    again = FakeEmbedder()
    ExemplarBank(BANK, embedder=again, cache_dir=tmp_path, name="clock")
    assert again.calls == 0  # the bank's vectors came from the cache


def test_a_failing_embedder_leaves_bm25(tmp_path: Path) -> None:
    bank = ExemplarBank(BANK, embedder=FakeEmbedder(fail=True), cache_dir=tmp_path)
    assert not bank.dense
    assert bank.nearest("toast", k=1) == [BANK[0]]


def test_banks_by_skill_name(tmp_path: Path) -> None:
    write_bank(tmp_path, "quote", [Exemplar("cats", "Cats rule.")])
    banks = ExemplarBanks(folders=[tmp_path, DATA_DIR])
    assert banks.nearest("quote", "cats", k=2) == [Exemplar("cats", "Cats rule.")]
    assert banks.nearest("no-such-skill", "x") == []
    assert banks.path("clock") == DATA_DIR / "clock.jsonl"
    assert banks.bank("quote") is banks.bank("quote")


def test_a_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"input": "a", "output": "b"}\n{"input": "no output"}\n', encoding="utf-8")
    with pytest.raises(ExemplarError, match=r"bad.jsonl:2: not an \{input, output\} object"):
        load_exemplars(path)


def test_the_clock_bank_is_large_and_every_couplet_is_good() -> None:
    bank = load_exemplars(DATA_DIR / "clock.jsonl")
    assert len(bank) >= 100
    for e in bank:
        moment = datetime(2026, 1, 1, int(e.input[:2]), int(e.input[3:]))
        assert e.tags == hour_band(moment.hour), e
        assert no_rhyme(e.output) is None, e
        assert odd_for_hour(e.output, moment) is None, e
        assert wrong_time(e.output, moment) is None, e
    hours = {int(e.input[:2]) for e in bank}
    assert hours == set(range(24))


def test_lexical_search_embeds_no_query(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    bank = ExemplarBank(BANK, embedder=embedder, cache_dir=tmp_path)
    assert bank.nearest("21:40 late", k=1, lexical=True) == [BANK[1]]
    assert embedder.calls == 1  # the bank itself, no query
    bank.nearest("21:40 late", k=1)
    assert embedder.calls == 2
