"""check-config, run and reload share one check: every problem in one pass, each with its file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.app import build_app, load_checked
from assistant.cli import main
from assistant.errors import ConfigError
from tests.conftest import write_config


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_checked(path)
    return info.value.problems


def test_skill_problems_come_with_the_others_in_one_pass(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path / "a.toml",
        "[llm]\nthread = 2\n[skills.clock]\nhour_format = 'sundial'\n[skills.weather]\n",
    )
    found = problems(cfg)
    assert all(line.startswith(f"{cfg}: ") for line in found), found
    keys = {line.removeprefix(f"{cfg}: ").split(":")[0] for line in found}
    assert keys == {"llm.thread", "skills.clock.hour_format", "skills.weather"}


@pytest.mark.parametrize(
    ("greeting", "ok"),
    [("clock", True), ("", True), ("Hello!", True), ("Hi, house.", True), ("hello", False)],
)
def test_the_greeting_is_a_skill_or_text(tmp_path: Path, greeting: str, ok: bool) -> None:
    cfg = write_config(tmp_path / "a.toml", f"[assistant]\ngreeting = {greeting!r}\n")
    if ok:
        load_checked(cfg)
        return
    (line,) = problems(cfg)
    assert line == (
        f"{cfg}: assistant.greeting: no skill named 'hello' is installed "
        "(a greeting with spaces or punctuation is spoken as it is)"
    )


def test_run_refuses_what_check_config_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path / "a.toml", "[skills.gone]\nschedule = '0 9 * * *'\n")
    assert main(["check-config", str(cfg)]) == 1
    checked = capsys.readouterr().err
    assert checked == f"{cfg}: skills.gone: no such skill is installed\n"
    assert main(["--config", str(cfg), "run"]) == 1
    assert capsys.readouterr().err == checked
    with pytest.raises(ConfigError):
        build_app(cfg)


def test_skills_list_shows_each_skills_keys_and_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path / "a.toml", "[skills.clock]\n")
    assert main(["--config", str(cfg), "skills", "list", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    options = rows["clock"]["options"]
    assert options["use_llm"] is True and options["hour_format"] == "24h"
    assert main(["--config", str(cfg), "skills", "list"]) == 0
    text = capsys.readouterr().out
    assert 'keys: use_llm = true, hour_format = "24h"' in text
