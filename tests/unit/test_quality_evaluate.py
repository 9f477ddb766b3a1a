"""`eval skills` logic with a fake model: the registry, the metrics, the clock's evaluator."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.llm.base import Message
from assistant.llm.logprob import TokenScore
from assistant.quality.clockeval import evaluate_clock
from assistant.quality.evaluate import (
    METRICS,
    CountingLLM,
    EvalError,
    EvalOptions,
    evaluate_skills,
    load_eval_set,
)
from assistant.testing import FakeLLM
from tests.conftest import write_config

ASKED = re.compile(r"the time (\d{1,2}:\d{2}(?: [AP]M)?)")


def good_couplets(messages: list[Message]) -> str:
    """A rhyming couplet with whatever time the last request asked for."""
    stated = ASKED.search(messages[-1]["content"])
    assert stated is not None
    return f"The clock is here, the day is fine,\nIt's {stated.group(1)}, right on line."


def test_the_clock_set_has_48_spread_times() -> None:
    items = load_eval_set("clock")
    hours = [int(i["at"][11:13]) for i in items]
    assert len(items) == 48 and sorted(set(hours)) == list(range(24))
    assert len({i["at"][:10] for i in items}) >= 6  # dates spread over the year
    assert len(load_eval_set("clock", limit=5)) == 5


def test_clock_metrics_with_a_model_that_always_gets_it_right(tmp_path: Path) -> None:
    result = evaluate_clock(FakeLLM(good_couplets), EvalOptions(limit=6, state_dir=tmp_path))
    assert result["items"] == 6
    assert (result["wrong_times"], result["odd_for_hour"], result["length_violations"]) == (0, 0, 0)
    assert (result["rhyme_rate"], result["good_rate"], result["fallback_rate"]) == (1.0, 1.0, 0.0)
    # Two generations per couplet (line one, then line two made to rhyme), of 12 pieces each.
    assert result["attempts_per_item"] == 1.0 and result["tokens_per_good"] == 24.0
    assert {"median_run_s", "baseline_single_sample_s", "cost_ratio"} <= set(result)


def test_clock_metrics_when_the_model_only_talks_nonsense(tmp_path: Path) -> None:
    options = EvalOptions(limit=2, state_dir=tmp_path, configs={"clock": {"retries": 1}})
    result = evaluate_clock(FakeLLM(["The moon at 99:99, oh my"]), options)
    assert result["fallback_rate"] == 1.0 and result["good_rate"] == 0.0
    assert result["wrong_times"] == 0  # the fixed couplet is always right
    assert result["tokens_per_good"] is None


def test_every_metric_is_reported_null_when_it_does_not_apply(tmp_path: Path) -> None:
    result = evaluate_skills(FakeLLM(good_couplets), ["clock"], EvalOptions(2, state_dir=tmp_path))
    assert list(result["clock"])[: len(METRICS)] == list(METRICS)
    assert result["clock"]["grounded_rate"] is None and result["clock"]["items"] == 2


def test_an_unknown_skill_is_named(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match="--skill nope: no eval set for this skill"):
        evaluate_skills(FakeLLM(), ["clock", "nope"], EvalOptions(state_dir=tmp_path))


def test_counting_llm_counts_streamed_pieces() -> None:
    llm = CountingLLM(FakeLLM(["one two three"]))
    assert llm.generate("hi") == "one two three" and llm.name == "fake"
    assert (llm.tokens, llm.calls) == (3, 1)


def test_cli_errors_name_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "a.toml", '[retrieval]\nembedder = "none"\n')
    assert main(["--config", str(config), "eval", "skills", "--skill", "nope"]) == 1
    assert "--skill nope: no eval set for this skill (known: ask, clock" in capsys.readouterr().err
    assert main(["--config", str(config), "eval", "skills", "--backend", "remote"]) == 1
    assert "--backend remote: [llm] url is not set" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["eval", "skills", "--model", "x", "--backend", "remote"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_the_report_is_json_with_one_run_per_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import assistant.app

    monkeypatch.setattr(assistant.app, "build_llm", lambda _c, _s: FakeLLM(good_couplets))
    config = write_config(tmp_path / "a.toml", '[retrieval]\nembedder = "none"\n')
    argv = ["--config", str(config), "eval", "skills", "--skill", "clock", "--limit", "2"]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    [run] = out["runs"]
    assert (run["model"], run["backend"]) == ("fake", "local")
    assert run["skills"]["clock"]["good_rate"] == 1.0
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert "fake (local)" in table and re.search(r"grounded_rate\s+-", table)


def test_the_config_s_skill_options_are_the_ones_evaluated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import assistant.app

    monkeypatch.setattr(assistant.app, "build_llm", lambda _c, _s: FakeLLM(["no"]))
    body = '[retrieval]\nembedder = "none"\n[skills.clock]\nschedule = "0 9 * * *"\nretries = 2\n'
    config = write_config(tmp_path / "a.toml", body)
    argv = ["--config", str(config), "eval", "skills", "--skill", "clock", "--limit", "2"]
    assert main([*argv, "--json"]) == 0
    [run] = json.loads(capsys.readouterr().out)["runs"]
    assert run["skills"]["clock"]["attempts_per_item"] == 3.0  # retries = 2, from the config


def test_a_second_model_is_a_second_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import assistant.app

    class Other(FakeLLM):
        name = "other"

    monkeypatch.setattr(assistant.app, "build_llm", lambda _c, _s: FakeLLM(good_couplets))
    monkeypatch.setattr(assistant.app, "build_local_engine", lambda _c, _m, _s: Other(["no"]))
    config = write_config(tmp_path / "a.toml", '[retrieval]\nembedder = "none"\n')
    argv = ["--config", str(config), "eval", "skills", "--skill", "clock", "--limit", "1"]
    argv += ["--model", "other.gguf"]
    assert main([*argv, "--json"]) == 0
    first, second = json.loads(capsys.readouterr().out)["runs"]
    assert (first["model"], second["model"]) == ("fake", "other")
    assert first["skills"]["clock"]["good_rate"] == 1.0
    assert second["skills"]["clock"]["fallback_rate"] == 1.0
    assert main(argv) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.index("fake (local)") < header.index("other (local)")


class NonsenseScorer(FakeLLM):
    """Writes good couplets that its own scores call nonsense (a last word at -20)."""

    def __init__(self) -> None:
        super().__init__(good_couplets)

    def score(self, prompt: object, reply: str, wanted: object = None) -> list[TokenScore]:
        return [TokenScore(reply, -20.0)]


def test_couplets_the_model_calls_nonsense_are_not_good(tmp_path: Path) -> None:
    judged = EvalOptions(limit=2, state_dir=tmp_path, configs={"clock": {"sense": False}})
    before = evaluate_clock(NonsenseScorer(), judged)
    assert (before["sense_rate"], before["good_rate"], before["fallback_rate"]) == (0.0, 0.0, 0.0)
    options = EvalOptions(
        limit=2, state_dir=tmp_path, configs={"clock": {"retries": 1, "sense": True}}
    )
    after = evaluate_clock(NonsenseScorer(), options)  # resampled, then the fixed couplet
    assert (after["sense_rate"], after["good_rate"], after["fallback_rate"]) == (1.0, 0.0, 1.0)
