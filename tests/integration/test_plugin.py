"""A third-party skill, built as a real package and pip-installed into this venv."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.helpers import assistant

pytestmark = pytest.mark.slow

PLUGIN = textwrap.dedent(
    '''
    """A throwaway skill plugin for the tests."""

    from pydantic import BaseModel, ConfigDict

    from assistant import Reply, Skill, SkillContext


    class Weather(Skill):
        """Say tomorrow's forecast."""

        name = "weather"
        default_schedule = "0 7 * * *"

        class Config(BaseModel):
            model_config = ConfigDict(extra="forbid")
            city: str = "Leeds"

        def run(self, ctx: SkillContext) -> Reply:
            return Reply(text=f"Rain in {self.config.city} at {ctx.clock.now():%H:%M}.")


    class NotASkill:
        name = "notaskill"
    '''
)
PYPROJECT = textwrap.dedent(
    """
    [build-system]
    requires = ["setuptools"]
    build-backend = "setuptools.build_meta"

    [project]
    name = "assistant-skill-testweather"
    version = "0.0.1"

    [project.entry-points."assistant.skills"]
    weather = "assistant_skill_testweather:Weather"
    notaskill = "assistant_skill_testweather:NotASkill"
    broken = "assistant_skill_testweather_missing:Broken"
    """
)


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "-q", *args], check=True, timeout=300)


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    src = tmp_path_factory.mktemp("plugin")
    (src / "pyproject.toml").write_text(PYPROJECT)
    (src / "assistant_skill_testweather.py").write_text(PLUGIN)
    pip("install", "--no-deps", "--no-build-isolation", str(src))
    yield
    pip("uninstall", "-y", "assistant-skill-testweather")


def test_plugin_is_discovered_bad_ones_are_named(installed_plugin: None, tmp_path: Path) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text("[skills.weather]\ncity = 'Hull'\n[skills.clock]\n")
    done = assistant("--config", str(cfg), "skills", "list", "--json")
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    weather = rows["weather"]
    assert weather["enabled"] is True
    assert weather["schedule"] == "0 7 * * *"
    assert weather["description"] == "Say tomorrow's forecast."
    assert "not a subclass of assistant.Skill" in rows["notaskill"]["error"]
    assert "failed to import" in rows["broken"]["error"]
    assert rows["clock"]["enabled"] is True
    assert "skill plugin 'broken'" in done.stderr


def test_plugin_runs_with_its_own_config(installed_plugin: None, tmp_path: Path) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text("[skills.weather]\ncity = 'Hull'\n")
    done = assistant(
        "--config",
        str(cfg),
        "run-skill",
        "weather",
        "--at",
        "2026-03-14T06:59:00",
        "--no-speak",
        "--json",
    )
    out = json.loads(done.stdout)
    assert out["skill"] == "weather"
    assert out["text"] == "Rain in Hull at 06:59."


def test_plugin_config_is_validated(installed_plugin: None, tmp_path: Path) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text("[skills.weather]\ntown = 'Hull'\n")
    done = assistant("check-config", str(cfg), check=False)
    assert done.returncode != 0
    assert "skills.weather.town: unknown key" in done.stderr


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "assistant-skill-bins"


@pytest.fixture(scope="module")
def installed_example() -> Iterator[None]:
    pip("install", "--no-deps", "--no-build-isolation", str(EXAMPLE))
    yield
    pip("uninstall", "-y", "assistant-skill-bins")


def test_the_example_plugin_runs_with_the_real_model(
    installed_example: None, tmp_path: Path
) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text("[skills.bin-day]\nrota = ['green recycling', 'black rubbish']\n")
    at = "2026-01-07T19:00:00"  # the eve of the second collection: the black bin
    done = assistant(
        "--config", str(cfg), "run-skill", "bin-day", "--at", at, "--no-speak", "--json"
    )
    out = json.loads(done.stdout)
    assert out["bin"] == "black rubbish"
    assert "black rubbish" in out["text"].lower() and "green" not in out["text"].lower()
