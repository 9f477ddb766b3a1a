"""Runs of grammar-constrained couplets and sense scores, each run on a new thread as the
runner does it: the process's anonymous memory stays flat with the real model."""

from __future__ import annotations

import gc
import json
import statistics
import threading
from datetime import datetime
from pathlib import Path

import pytest

from assistant.llm.base import GenerateOptions
from assistant.llm.local import LocalEngine
from assistant.llm.models import DEFAULT_MODEL, resolve_model
from assistant.procmem import process_memory
from assistant.quality.exemplars import DATA_DIR
from assistant.quality.rhymegrammar import line_two_grammar, rhyme_choices
from assistant.quality.sense import scored_ends
from skills._lib.timecheck import time_forms
from skills.clock import clock_prompt
from tests.reliability.helpers import report

pytestmark = pytest.mark.slow
RUNS = 24
# Candidates per run (each on its own thread). Nothing is collected between runs: within a
# clock run with the sense rule up to 36 generations go by without a collection, and
# llama-cpp-python's samplers (reference cycles) free their memory whenever it comes.
CANDIDATES = 1
# The first runs size the engine's buffers and the allocator's arena for good.
WARMUP = 4
# Medians of this many runs, early and late, are compared (single readings swing 3 MiB).
SPAN = 6
# Before the fix each thread's malloc arena kept the grammar sampler's peak: +38 MiB from
# run 4 to run 24, +7.4 MiB between these medians. With it: +1.0 MiB.
MAX_GROWTH_MIB = 4.5
MIB = 1024 * 1024


def couplets() -> list[dict[str, str]]:
    """Couplets the clock really wrote (the sense judge's labelled set), with their times."""
    rows = (DATA_DIR / "eval" / "sense.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(row) for row in rows[: RUNS * CANDIDATES]]


def one_candidate(engine: LocalEngine, row: dict[str, str], seed: int) -> None:
    """What the clock does per candidate: line two under a rhyme grammar, then the judge."""
    prompt = clock_prompt(time_forms(datetime.fromisoformat(row["at"]))[0])
    first, second = row["text"].split("\n")
    rhymes = rhyme_choices(first.rstrip(".,!").split()[-1]) or ["day", "way"]
    grammar = line_two_grammar(first, second.split(",")[0], rhymes)
    options = GenerateOptions(max_tokens=40, seed=seed, grammar=grammar, fixed_prefix=7)
    engine.generate(prompt, options)
    assert scored_ends(engine, prompt, row["text"])


def test_grammar_sampling_and_scoring_from_new_threads_keep_memory_flat(tmp_path: Path) -> None:
    engine = LocalEngine(resolve_model(DEFAULT_MODEL), context=1024, threads=1, cache_dir=tmp_path)
    failed: list[BaseException] = []

    def run(rows: list[dict[str, str]], seed: int) -> None:
        try:
            for k, row in enumerate(rows):
                one_candidate(engine, row, seed + k)
        except BaseException as exc:  # handed to the test thread
            failed.append(exc)

    # The collector's phase decides when earlier tests' samplers are freed: start from a
    # collection, as a fresh process would (run after the clock's model tests without it, the
    # readings grew by 7.5-8.8 MiB though the engine holds nothing more).
    gc.collect()
    anon = []
    rows = couplets()
    for i in range(RUNS):
        mine = rows[i * CANDIDATES : (i + 1) * CANDIDATES]
        worker = threading.Thread(target=run, args=(mine, i * CANDIDATES))  # as the runner does
        worker.start()
        worker.join()
        assert not failed, failed
        if i >= WARMUP:
            anon.append(process_memory()["anon_bytes"])
    engine.close()
    growth = (statistics.median(anon[-SPAN:]) - statistics.median(anon[:SPAN])) / MIB
    report("row 14 model memory", runs=RUNS, anon_growth_mib=f"{growth:+.1f}")
    assert growth < MAX_GROWTH_MIB, f"anonymous memory grew by {growth:.1f} MiB in {RUNS} runs"
