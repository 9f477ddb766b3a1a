"""Learning with the real parts: a liked rhyme is found by the real MiniLM bank, also from a
new process; the flywheel runs two rounds on the bundled model and the ratings change the bank
and the rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.bench.flywheel import run_flywheel
from assistant.llm.local import LocalEngine
from assistant.llm.models import DEFAULT_MODEL, resolve_model
from assistant.quality.exemplars import ExemplarBanks
from assistant.quality.learning import StateLearner
from assistant.retrieval.embedder import MiniLMEmbedder

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
LIKED = "A hedgehog snug beneath the shed,\nhas found a cosy winter bed."
FIND = """
import sys
from pathlib import Path
from assistant.quality.exemplars import ExemplarBanks
from assistant.retrieval.embedder import MiniLMEmbedder

banks = ExemplarBanks(embedder=MiniLMEmbedder(), cache_dir=Path(sys.argv[1]) / "cache",
                      learned=Path(sys.argv[1]) / "exemplars")
print(banks.nearest("seuss-news", sys.argv[2], k=1)[0].output)
banks.close()
"""


def test_a_liked_rhyme_is_found_by_the_minilm_bank_also_by_a_new_process(tmp_path: Path) -> None:
    banks = ExemplarBanks(
        embedder=MiniLMEmbedder(), cache_dir=tmp_path / "cache", learned=tmp_path / "exemplars"
    )
    try:
        StateLearner(tmp_path, banks).liked("seuss-news", "Hedgehogs hibernate in gardens", LIKED)
        # Among the shipped bank's 107 rhymes, with vectors and words.
        query = "Hedgehogs hibernating in back gardens this winter"
        assert banks.nearest("seuss-news", query, k=1)[0].output == LIKED
        assert banks.bank("seuss-news").dense
    finally:
        banks.close()
    found = subprocess.run(
        [sys.executable, "-c", FIND, str(tmp_path), query],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=300,
    )
    assert found.stdout.strip() == LIKED


def test_two_rounds_of_the_flywheel_on_the_bundled_model(tmp_path: Path) -> None:
    llm = LocalEngine(resolve_model(DEFAULT_MODEL), threads=1)
    # An empty bank at the start, as the benchmark has: what is liked is all there is.
    banks = ExemplarBanks(folders=[], cache_dir=tmp_path / "cache", learned=tmp_path / "exemplars")
    shipped = len(banks.bank("seuss-news").exemplars)
    try:
        report = run_flywheel(llm, banks, tmp_path, rounds=2, limit=3)
    finally:
        llm.close()
    json.dumps(report)  # what --json prints
    assert report["skill"] == "seuss-news" and (report["train"], report["heldout"]) == (3, 3)
    rows = report["rounds"]
    assert [r["round"] for r in rows] == [0, 1, 2]
    for row in rows:
        assert 0 <= row["good_rate"] <= 1 and 0 <= row["distinct_3grams"] <= 1
        assert row["seconds"] > 0
    liked = sum(r["liked"] for r in rows)
    disliked = sum(r["disliked"] for r in rows)
    assert liked + disliked > 0  # the model wrote something to rate
    learner = StateLearner(tmp_path, banks)
    # The liked rhymes are in the bank now (a rhyme liked twice once), the disliked ones in
    # the regression file, each rejected by the skill's rule.
    grown = len(banks.bank("seuss-news").exemplars) - shipped
    assert (grown >= 1 if liked else grown == 0) and grown <= liked
    items = learner.regressions("seuss-news")
    assert (len(items) >= 1 if disliked else not items) and len(items) <= disliked
    for item in items:
        assert learner.rules("seuss-news")[0].violation(item["output"]) is not None
    assert report["never_below_round0"] == all(r["good_rate"] >= rows[0]["good_rate"] for r in rows)
