"""The flywheel's loop on a toy skill and a scripted model: ratings reach the learner, the rule
and the bank change what is said next round, and the report measures it on held-out inputs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from assistant.bench.flywheel import Wheel, diversity, listener, run_rounds, summary
from assistant.llm.base import GenerateOptions, Prompt, as_messages
from assistant.llm.contract import Contract, NotEmpty, generate_checked
from assistant.quality.exemplars import ExemplarBanks
from assistant.quality.learning import StateLearner, ruled
from assistant.skill import SkillContext
from assistant.testing import FixedClock, fake_context

GENERIC = "la la la la, what a day"


class ToyModel:
    """Without an example it says a generic line first, an on-topic one on its second try;
    with an example it copies the example's style."""

    name = "toy"

    def generate(self, prompt: Prompt, options: GenerateOptions | None = None) -> str:
        text = as_messages(prompt)[-1]["content"]
        topic = text.rsplit("input: ", 1)[1].split()[0]
        if "example:" in text:
            return f"{topic} sings along today"
        return GENERIC if not (options and options.seed) else f"{topic} is here today"

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        yield self.generate(prompt, options)

    def close(self) -> None:
        pass


def tell(ctx: SkillContext, topic: str) -> str:
    found = ctx.exemplars.nearest("toy", topic, k=1)
    shown = f"example: {found[0].output}\n" if found else ""
    out = generate_checked(ctx.llm, f"{shown}input: {topic}", Contract([NotEmpty()], retries=1),
                           lambda: "")  # fmt: skip
    return "" if out.fallback else out.text


def judge(topic: str, output: str) -> str | None:
    return None if topic.split(maxsplit=1)[0] in output else "not about it"


def test_ratings_raise_the_held_out_rate_and_keep_outputs_apart(tmp_path: Path) -> None:
    (tmp_path / "shipped").mkdir()
    banks = ExemplarBanks(folders=[tmp_path / "shipped"], learned=tmp_path / "exemplars")
    learner = StateLearner(tmp_path, banks)
    wheel = Wheel("toy", tell, judge, ["apples", "bees", "cakes"], ["dogs", "eels", "figs"])

    def context() -> SkillContext:
        llm = ruled(ToyModel(), learner, "toy")
        return fake_context(FixedClock(datetime(2026, 1, 1)), tmp_path, llm=llm, exemplars=banks)

    rows = run_rounds(wheel, context, learner, rounds=2)
    assert [r["round"] for r in rows] == [0, 1, 2]
    # Round 0: the generic line everywhere (one output, said six times), all disliked.
    assert rows[0]["good_rate"] == 0.0 and rows[0]["distinct_outputs"] == round(1 / 3, 3)
    assert (rows[0]["liked"], rows[0]["disliked"]) == (0, 3)
    # Round 1: the rule rejects the generic line, also for held-out inputs never rated.
    assert rows[1]["good_rate"] == 1.0 and rows[1]["distinct_outputs"] == 1.0
    assert (rows[1]["liked"], rows[1]["disliked"]) == (3, 0)
    assert rows[0]["rule_rejections"] == 0 and rows[1]["rule_rejections"] == 6
    assert learner.rules("toy")[0].violation(GENERIC) is not None
    # Round 2: liked rhymes are in the bank and shape what is said, without being copied.
    assert rows[2]["good_rate"] == 1.0 and rows[2]["copied_liked"] == 0
    assert len(banks.bank("toy").exemplars) == 3
    assert rows[2]["liked"] == rows[2]["disliked"] == 0  # the last round is not rated
    assert summary(rows) == {"rise": 1.0, "never_below_round0": True}


def test_summary_catches_a_fall_below_round_zero() -> None:
    rows = [{"good_rate": 0.5}, {"good_rate": 0.4}, {"good_rate": 0.6}]
    assert summary(rows) == {"rise": 0.1, "never_below_round0": False}


def test_diversity_and_the_listener() -> None:
    assert diversity(["a b c d", "a b c d"]) == (0.5, 0.5)
    assert diversity([]) == (0.0, 0.0)
    headline = "Giant marrow wins the village show"
    assert listener(headline, "The marrow is grand,\nthe best in the land.") is None
    assert listener(headline, "The sky is grand,\nthe best in the land.") == (
        "not about the headline"
    )
    assert listener(headline, "The marrow is grand,\nthe best in the town.") == "no rhyme"
    meta = "This is a great example of a marrow,\nthe best in the barrow."
    assert listener(headline, meta) == "talks about the task"
    assert listener("Poem wins the village show", "A poem so grand,\nthe best in the land.") is None
