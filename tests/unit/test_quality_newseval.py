"""The news evaluators against a fake model: what they count, on the eval sets in the repo."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from assistant.quality.evaluate import CountingLLM, EvalOptions, evaluate_skills
from assistant.quality.newseval import (
    eval_fake_quote,
    eval_hn_troll,
    eval_seuss,
    load_headlines,
    load_titles,
)
from assistant.testing import FakeLLM, FixedClock, fake_context
from skills.fake_quote import FakeQuoteSkill
from skills.hn_troll import HnTrollSkill
from skills.seuss_news import SeussNewsSkill

NOON = datetime(2026, 11, 30, 12, 0)
RHYME = "What a happy thing to see,\na treat for you and me!"


def test_the_eval_sets_hold_100_headlines_of_each_label_and_60_titles() -> None:
    rows = load_headlines()
    assert [sum(r.label == name for r in rows) for name in ("tragic", "serious", "light")] == [
        100,
        100,
        100,
    ]
    assert len(load_titles()) == 60


def test_seuss_eval_counts_good_retellings_and_never_jokes_about_tragedy(tmp_path: Path) -> None:
    rows = [r for r in load_headlines(per_label=4)]
    llm = CountingLLM(FakeLLM([RHYME]))
    ctx = fake_context(FixedClock(NOON), tmp_path, llm=llm)  # type: ignore[arg-type]
    report = eval_seuss(SeussNewsSkill(SeussNewsSkill.Config()), ctx, llm, rows).report()
    assert report["items"] == 12 and report["by_label"] == {"tragic": 4, "serious": 4, "light": 4}
    assert report["tragic_joked"] == 0 and report["retold"] == 8
    assert report["good_rate"] == 1.0 and report["rhyme_rate"] == 1.0
    assert report["length_violations"] == 0
    assert report["model_calls"] == 16 and report["tokens_per_good"] > 0
    # A model that never rhymes gets no good retelling: every headline is read plainly.
    flat = CountingLLM(FakeLLM(["The news is here,\nand that is all."]))
    ctx = fake_context(FixedClock(NOON), tmp_path / "flat", llm=flat)  # type: ignore[arg-type]
    report = eval_seuss(SeussNewsSkill(SeussNewsSkill.Config(retries=1)), ctx, flat, rows).report()
    assert report["retold"] == 0 and report["good_rate"] == 0.0


def test_quote_and_parody_evals(tmp_path: Path) -> None:
    rows = load_headlines(per_label=3)
    quote = "A day like this deserves a second breakfast, and perhaps a third."
    llm = CountingLLM(FakeLLM([quote]))
    ctx = fake_context(FixedClock(NOON), tmp_path, llm=llm)  # type: ignore[arg-type]
    report = eval_fake_quote(FakeQuoteSkill(FakeQuoteSkill.Config()), ctx, llm, rows).report()
    # The same answer every time: said once, then rejected as a repeat (fallbacks).
    assert report["items"] == 3 and report["label_rate"] == 1.0
    assert report["fallback_rate"] > 0 and report["good_rate"] < 1.0
    comment = "Cute. I wrote this in Rust on a toaster."
    llm = CountingLLM(FakeLLM([comment, "Google did it first."]))
    ctx = fake_context(FixedClock(NOON), tmp_path / "hn", llm=llm)  # type: ignore[arg-type]
    titles = load_titles()[:3]
    report = eval_hn_troll(HnTrollSkill(HnTrollSkill.Config()), ctx, llm, titles).report()
    assert report["items"] == 3 and report["label_rate"] == 1.0
    assert report["grounded_rate"] == 1.0 and report["length_violations"] == 0


def test_registered_for_eval_skills_with_every_metric(tmp_path: Path) -> None:
    options = EvalOptions(limit=2, state_dir=tmp_path)
    out = evaluate_skills(FakeLLM([RHYME]), ["seuss-news", "fake-quote", "hn-troll"], options)
    seuss = out["seuss-news"]
    assert seuss["items"] == 6 and seuss["tragic_joked"] == 0 and seuss["good_rate"] == 1.0
    assert seuss["answered_right"] is None and seuss["tokens_per_good"] > 0
    assert out["fake-quote"]["items"] == 2 and out["fake-quote"]["label_rate"] == 1.0
    assert out["hn-troll"]["items"] == 2 and out["hn-troll"]["label_rate"] == 1.0
