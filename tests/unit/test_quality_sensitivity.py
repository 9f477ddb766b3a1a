"""The sensitivity judge: table tests of hard cases, and its scores on the labelled headlines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.quality.sensitivity import LABELS, classify, is_tragic, label

DATA = Path(__file__).resolve().parent.parent / "data" / "headlines.jsonl"


@pytest.mark.parametrize(
    ("headline", "expected"),
    [
        # Figures of speech are not tragedies.
        ("Is this the killer app for smart glasses?", "light"),
        ("Arsenal massacre Spurs 5-0 in the derby", "light"),
        ("Sci-fi epic bombs at the box office", "light"),
        ("Dead heat at the finish line in Paris", "light"),
        ("Comedian kills at the Fringe with a sold-out show", "light"),
        ("Council declares war on plastic cups", "serious"),
        ("Price war breaks out between supermarkets", "serious"),
        ("Cyber attack takes library catalogue offline", "serious"),
        ("Stock markets crash as bank fears spread", "serious"),
        # Tragedies in many forms: words, morphology, counts, courts, anniversaries, obituaries.
        ("Three people killed as storm hits the coast", "tragic"),
        ("Man jailed for life for the murder of a teenager", "tragic"),
        ("Ferry capsizes with 200 aboard", "tragic"),
        ("Hundreds feared trapped after building collapses", "tragic"),
        ("Remembering Lockerbie, 35 years on", "tragic"),
        ("Obituary: a singer who defied convention", "tragic"),
        ("Actor Matthew Perry dies at 54", "tragic"),
        ("Judge jails rapist who attacked women on canal path", "tragic"),
        ("Ebola cases climb in Uganda", "tragic"),
        ("Cyclist killed by lorry: driver sentenced", "tragic"),
        ("Russian drones hit Odesa port", "tragic"),
        ("Boy hit by car outside school", "tragic"),
        ("Gunmen storm hotel in overnight siege", "tragic"),
        ("Cholera outbreak claims more than 300 lives", "tragic"),
        # Money lost to a scam is serious, not tragic.
        ("Scam victims lose £50m to fake adverts", "serious"),
        ("Bank of England raises interest rates", "serious"),
        ("Penguins at the zoo get a new rock pool", "light"),
    ],
)
def test_hard_cases(headline: str, expected: str) -> None:
    verdict = classify(headline)
    assert verdict.label == expected, verdict.reason
    assert verdict.reason
    assert is_tragic(headline) == (expected == "tragic")


def scores(split: str) -> tuple[float, float, int]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["split"] == split]
    said = [label(r["headline"]) == "tragic" for r in rows]
    truth = [r["label"] == "tragic" for r in rows]
    hits = sum(s and t for s, t in zip(said, truth, strict=True))
    return hits / max(1, sum(said)), hits / max(1, sum(truth)), len(rows)


def test_the_labelled_set_is_big_enough_and_well_formed() -> None:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    assert {r["label"] for r in rows} == set(LABELS)
    for name in LABELS:
        assert sum(r["label"] == name for r in rows) >= 100
    assert {r["split"] for r in rows} == {"dev", "heldout"}
    assert len({r["headline"] for r in rows}) == len(rows)


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_tragic_recall_and_precision(split: str) -> None:
    precision, recall, count = scores(split)
    assert count >= 100
    # A miss is a tragedy told as a joke: recall must be (near) perfect; precision may give.
    assert recall >= 0.97, recall
    assert precision >= 0.85, precision
