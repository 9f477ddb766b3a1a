"""Config loading: typed, strict, and every error names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import config_path, load_config
from assistant.errors import ConfigError
from assistant.paths import state_dir
from assistant.registry import Registry, load_registry
from assistant.skillconfig import configure_skills
from skills.clock import ClockSkill
from tests.conftest import write_config

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config" / "assistant.toml"


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path / "a.toml", text))
    return info.value.problems


def test_the_shipped_config_is_valid() -> None:
    config = load_config(REPO_CONFIG)
    plan = configure_skills(config, load_registry())
    assert plan.problems == [] and plan.missing == []
    enabled = {s.name for s in plan.skills if s.enabled}
    assert enabled == {"clock", "briefing"}


def test_no_file_means_defaults() -> None:
    config = load_config(None)
    assert config.llm.model == "smollm2-135m"
    assert config.speech.sink == "auto"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[llm]\nthread = 2\n", "llm.thread: unknown key"),
        ("[nonsense]\n", "nonsense: unknown key"),
        ("[llm]\nthreads = 'many'\n", "llm.threads: Input should be a valid integer"),
        ("[llm]\nthreads = -1\n", "llm.threads: Input should be greater than or equal to 0"),
        ("[llm]\nmodel = '/nowhere/model.gguf'\n", "llm.model: model file does not exist"),
        ("[llm]\nmodel = 'gpt-99'\n", "llm.model: unknown model 'gpt-99'"),
        ("[assistant]\ntimezone = 'Mars/Olympus'\n", "assistant.timezone: unknown IANA timezone"),
        ("[speech]\nsink = 'radio'\n", "speech.sink: Input should be"),
        ("[skills]\nclock = 3\n", "skills.clock"),
        ("[llm\n", "not valid TOML"),
    ],
)
def test_each_problem_is_one_line_naming_the_key(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(tmp_path, text)
    assert len(found) == 1, found
    assert expected in found[0]
    assert "\n" not in found[0]


def test_several_problems_give_several_lines(tmp_path: Path) -> None:
    found = problems(tmp_path, "[llm]\nthread = 2\ncontext = 1\n[speech]\nrate = 'fast'\n")
    assert len(found) == 3
    assert {line.split(": ")[1] for line in found} == {"llm.thread", "llm.context", "speech.rate"}


def test_skill_sections_are_checked_against_the_skill(tmp_path: Path) -> None:
    config = load_config(
        write_config(
            tmp_path / "a.toml",
            "[skills.clock]\nschedule = '61 * * * *'\nhour_format = 'sundial'\ncolour = 'red'\n"
            "[skills.weather]\n",
        )
    )
    plan = configure_skills(config, Registry(skills={"clock": ClockSkill}))
    joined = "\n".join(plan.problems)
    assert "skills.clock.schedule: bad cron string '61 * * * *'" in joined
    assert "skills.clock.hour_format" in joined
    assert "skills.clock.colour: unknown key" in joined
    assert plan.missing == ["skills.weather: no such skill is installed"]


def test_a_skill_without_a_section_is_installed_but_off() -> None:
    plan = configure_skills(load_config(None), Registry(skills={"clock": ClockSkill}))
    clock = plan.get("clock")
    assert clock is not None and not clock.enabled
    assert clock.schedule == ClockSkill.default_schedule


def test_config_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "env.toml"))
    assert config_path("cli.toml") == Path("cli.toml")
    assert config_path(None) == tmp_path / "env.toml"
    monkeypatch.delenv("ASSISTANT_CONFIG")
    assert config_path(None) == REPO_CONFIG


def test_state_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSISTANT_STATE_DIR", str(tmp_path / "a"))
    monkeypatch.setenv("STATE_DIRECTORY", f"{tmp_path / 'b'}:{tmp_path / 'c'}")
    assert state_dir() == tmp_path / "a"
    monkeypatch.delenv("ASSISTANT_STATE_DIR")
    assert state_dir() == tmp_path / "b"
    monkeypatch.delenv("STATE_DIRECTORY")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "assistant"


def test_a_section_picks_the_fields_a_dataclass_names() -> None:
    from dataclasses import dataclass

    from assistant.section import Section

    class Limits(Section):
        size: int = 3
        speed: float = 1.5
        name: str = "x"

    @dataclass(frozen=True)
    class Picked:
        size: int
        speed: float
        extra: str = ""

    assert Limits(size=7).pick(Picked, extra="") == Picked(size=7, speed=1.5)
    assert Limits().pick(Picked, extra="given") == Picked(size=3, speed=1.5, extra="given")
