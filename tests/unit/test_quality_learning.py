"""Learning from ratings: liked outputs join the bank, disliked ones become a rule and a
regression item that `eval skills` replays; the threshold holds on the shipped banks."""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assistant.app import build_feedback_hook
from assistant.config import Config
from assistant.feedback.utterance import Utterance
from assistant.llm.base import LLM
from assistant.llm.contract import Contract, NotEmpty, RuledLLM, carried_rules, generate_checked
from assistant.quality import evaluate
from assistant.quality.evaluate import CountingLLM, EvalOptions, evaluate_skills
from assistant.quality.exemplars import DATA_DIR, Exemplar, ExemplarBanks, load_exemplars
from assistant.quality.learning import NEAR, NotDisliked, StateLearner, similarity, teach
from assistant.skillconfig import SkillPlan
from assistant.testing import FakeLearner, FakeLLM, FakeSpeaker, FixedClock
from tests.fakeapp import fake_app

DISLIKED = "The rates stand still, so very still,\nlike sleepy sheep upon a hill."
NEAR_COPY = "The rates stand still, so very still,\nlike sleepy goats upon a hill!"
OTHER = "The bank said no, the rates stay low,\nand off to work the savers go."


def learner(tmp_path: Path) -> StateLearner:
    return StateLearner(tmp_path, ExemplarBanks(learned=tmp_path / "exemplars"))


def test_the_threshold_separates_different_exemplars_from_one_word_edits() -> None:
    # The measurement behind NEAR, kept as a check: no two different outputs of any shipped
    # bank are that alike, and nearly every output with one word changed still is.
    rng = random.Random(0)
    for bank in sorted(DATA_DIR.glob("*.jsonl")):
        outputs = [e.output for e in load_exemplars(bank)]
        closest = max(similarity(a, b) for a, b in itertools.combinations(outputs, 2))
        assert closest < NEAR, bank.name
        edited = []
        for text in outputs:
            said = text.split()
            said[rng.randrange(len(said))] = "zebra"
            edited.append(similarity(text, " ".join(said)) >= NEAR)
        assert sum(edited) / len(edited) >= 0.95, bank.name


def test_similarity_ignores_case_punctuation_and_which_time_it_is() -> None:
    a = "The owls are calling, soft and low,\nAt 00:45 to bed we go."
    assert similarity(a, a.upper().replace(",", "").replace("00:45", "01:10")) == 1.0
    assert similarity(DISLIKED, NEAR_COPY) >= NEAR > similarity(DISLIKED, OTHER)


def test_liked_joins_the_bank_once_and_nearest_finds_it(tmp_path: Path) -> None:
    learn = learner(tmp_path)
    shipped = len(learn.banks.bank("seuss-news").exemplars)
    learn.liked("seuss-news", "Giant marrow wins the village show", "Big marrow, big show,\nGo!")
    learn.liked("seuss-news", "Giant marrow wins the village show", "big marrow big show go")
    learn.liked("seuss-news", "anything", "  ")
    assert len(learn.banks.bank("seuss-news").exemplars) == shipped + 1
    found = learn.banks.nearest("seuss-news", "Giant marrow at the village show", k=1)
    assert found == [Exemplar("Giant marrow wins the village show", "Big marrow, big show,\nGo!")]
    # Another bank object over the same folders (as a new process builds) sees it too, and
    # what a second learner adds later (a reloaded app's) without being told.
    again = ExemplarBanks(learned=tmp_path / "exemplars")
    assert again.nearest("seuss-news", "marrow village show", k=1) == found
    StateLearner(tmp_path, ExemplarBanks(learned=tmp_path / "exemplars")).liked(
        "seuss-news", "Llama joins the village choir", "A llama sings,\nof many things."
    )
    assert (
        again.nearest("seuss-news", "llama choir", k=1)[0].output
        == "A llama sings,\nof many things."
    )
    lines = (tmp_path / "exemplars" / "seuss-news.jsonl").read_text().splitlines()
    assert [json.loads(line)["input"] for line in lines] == [
        "Giant marrow wins the village show",
        "Llama joins the village choir",
    ]


def test_disliked_becomes_a_rule_that_rejects_near_duplicates_only(tmp_path: Path) -> None:
    learn = learner(tmp_path)
    assert learn.rules("seuss-news") == []
    learn.disliked("seuss-news", "Central bank keeps rates", DISLIKED, note="dull")
    learn.disliked("seuss-news", "Central bank keeps rates", DISLIKED)  # once only
    (rule,) = learn.rules("seuss-news")
    assert rule.violation(NEAR_COPY) is not None
    assert rule.violation(OTHER) is None
    assert learn.rules("clock") == []
    (item,) = learn.regressions("seuss-news")
    assert item["output"] == DISLIKED and item["note"] == "dull" and item["time"]
    # A new learner over the same state dir (a restart) has the same rule.
    assert StateLearner(tmp_path, ExemplarBanks()).rules("seuss-news")[0].violation(DISLIKED)


def test_an_engine_carrying_the_rule_makes_the_cascade_sample_again() -> None:
    llm = RuledLLM(FakeLLM([NEAR_COPY, OTHER]), [NotDisliked([DISLIKED])])
    assert len(carried_rules(CountingLLM(llm))) == 1  # found through other wrappers
    out = generate_checked(llm, "rhyme", Contract([NotEmpty()], retries=2), lambda: "plain")
    assert out.text == OTHER and out.attempts == 2
    assert out.rule_failures == {"disliked": 1}


def test_the_app_gives_each_skill_its_learned_rules(tmp_path: Path) -> None:
    config = Config.model_validate({"assistant": {"timezone": "UTC"}})
    clock = FixedClock(datetime(2026, 11, 30, 12, tzinfo=UTC))
    app = fake_app(tmp_path, config, SkillPlan([], [], []), FakeSpeaker(), clock)
    assert not isinstance(app.context("seuss-news").llm, RuledLLM)
    app.learner.disliked("seuss-news", "Central bank keeps rates", DISLIKED)
    app.learner.liked("seuss-news", "Marrow wins show", "A marrow so grand,\nthe best in the land.")
    ctx = app.context("seuss-news")
    assert carried_rules(ctx.llm)[0].violation(NEAR_COPY) is not None
    assert carried_rules(app.context("clock").llm) == []
    assert ctx.exemplars.nearest("seuss-news", "Marrow wins show", k=1)[0].input == (
        "Marrow wins show"
    )
    assert (tmp_path / "regressions" / "seuss-news.jsonl").is_file()


def toy_evaluator(llm: LLM, options: EvalOptions) -> dict[str, Any]:
    """An evaluator whose model says the disliked rhyme first, then another."""
    out = generate_checked(llm, "rhyme", Contract([NotEmpty()], retries=3), lambda: "plain")
    return {"items": 1, "good_rate": float(out.text == OTHER)}


def test_eval_skills_replays_the_regressions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(evaluate.EVALUATORS, "toy", f"{__name__}:toy_evaluator")
    learn = learner(tmp_path)
    options = EvalOptions(state_dir=tmp_path, learner=learn)
    plain = evaluate_skills(FakeLLM([NEAR_COPY, OTHER]), ["toy"], options)["toy"]
    assert plain["regressions"] is None and plain["good_rate"] == 0.0
    learn.disliked("toy", "", DISLIKED)
    learn.disliked("toy", "", "Never said by anyone at all, not once, not ever here.")
    result = evaluate_skills(FakeLLM([NEAR_COPY, OTHER]), ["toy"], options)["toy"]
    assert result["good_rate"] == 1.0
    assert result["regressions"] == {"items": 2, "produced_again": 1, "rejected": 1}


def test_the_fake_learner_records_and_rules() -> None:
    fake = FakeLearner()
    fake.liked("clock", "08:00", "good")
    fake.disliked("clock", "09:00", DISLIKED, "meh")
    assert fake.likes == [("clock", "08:00", "good")]
    assert fake.rules("clock")[0].violation(NEAR_COPY) and fake.rules("seuss-news") == []


def test_teach_hands_each_written_piece_to_the_learner() -> None:
    fake = FakeLearner()
    pieces = [("Marrow wins show", "A marrow so grand,\nthe best in the land."), ("Storm", "")]
    teach(fake, "seuss-news", pieces, "good")
    teach(fake, "seuss-news", pieces, "bad", "too silly")
    assert fake.likes == [("seuss-news", *pieces[0])]
    assert fake.dislikes == [("seuss-news", *pieces[0], "too silly")]


def test_the_feedback_hook_teaches_the_apps_learner(tmp_path: Path) -> None:
    config = Config.model_validate({"assistant": {"timezone": "UTC"}})
    clock = FixedClock(datetime(2026, 11, 30, 12, tzinfo=UTC))
    app = fake_app(tmp_path, config, SkillPlan([], [], []), FakeSpeaker(), clock)
    hook = build_feedback_hook(app)
    rhyme = "A marrow so grand,\nthe best in the land."
    said = Utterance("a1b2c3", "seuss-news", "2026-11-30T12:00:00+00:00", "From the BBC: ...",
                     pieces=[("Marrow wins show", rhyme), ("Rates held", DISLIKED)])  # fmt: skip
    hook(said, "good", "")
    assert app.exemplars.nearest("seuss-news", "Marrow wins show", k=1)[0].output == rhyme
    hook(Utterance("d4e5f6", "seuss-news", "", "", pieces=[("Rates held", DISLIKED)]), "bad", "")
    assert carried_rules(app.context("seuss-news").llm)[0].violation(NEAR_COPY) is not None
