"""Rows 12-13: broken, renamed and removed plugins, and bad configs, against the real command."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from assistant.service.client import send_request
from tests.conftest import wait_for
from tests.reliability.helpers import (
    BIN,
    environment,
    plugin_dir,
    report,
    start_daemon,
    stop_daemon,
)

pytestmark = pytest.mark.slow

MODULES = {
    "good_plugin": """
        from assistant.skill import Reply, Skill

        class Tick(Skill):
            name = "tick"
            def run(self, ctx):
                return Reply(text="Tick.")

        class Tock(Skill):
            name = "tock"
            def run(self, ctx):
                return Reply(text="Tock.")

        class NotASkill:
            pass

        class Misnamed(Skill):
            name = "something-else"
            def run(self, ctx):
                return Reply(text="no")
    """,
    "broken_plugin": """
        raise ImportError("this plugin needs a library that is not installed")
    """,
}
PLUGINS = {
    "tick": "good_plugin:Tick",
    "broken": "broken_plugin:Broken",
    "notskill": "good_plugin:NotASkill",
    "misnamed": "good_plugin:Misnamed",
    "gone": "no_such_module:Gone",
}
CONFIG = """
[assistant]
greeting = ""
[service]
sync_wait_s = 0
[skills.tick]
schedule = "0 9 * * *"
[skills.broken]
schedule = "0 10 * * *"
"""


def assistant(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def test_broken_renamed_and_removed_plugins_are_named_and_the_rest_run(tmp_path: Path) -> None:
    plugins = plugin_dir(tmp_path / "plugins", MODULES, PLUGINS)
    env = environment(PYTHONPATH=str(plugins))
    config = tmp_path / "a.toml"
    config.write_text(CONFIG)
    listed = assistant("--config", str(config), "skills", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    by_name = {s["name"]: s for s in json.loads(listed.stdout)}
    broken = {"broken", "notskill", "misnamed", "gone"}
    assert broken <= {n for n, s in by_name.items() if "error" in s}, by_name
    assert "error" not in by_name["tick"] and "clock" in by_name  # built-ins still load
    # A schedule configured for a skill that cannot load: check-config and run refuse alike,
    # naming it, rather than start with part of the schedule silently gone.
    checked = assistant("check-config", str(config), env=env)
    refused = assistant("--config", str(config), "run", env=env)
    line = f"{config}: skills.broken: its plugin is broken"
    assert checked.returncode == refused.returncode == 1
    assert line in checked.stderr.splitlines() and line in refused.stderr.splitlines()
    # Without that section the daemon starts, names each bad plugin and runs the others.
    config.write_text(CONFIG.replace('[skills.broken]\nschedule = "0 10 * * *"\n', ""))
    runtime = Path(os.environ["ASSISTANT_RUNTIME_DIR"])
    sock = runtime / "control.sock"
    proc = start_daemon(config, env)
    try:
        assert wait_for(sock.exists, 60), "no control socket"
        assert wait_for(lambda: send_request(sock, {"command": "status"})["ok"], 10)
        ran = send_request(sock, {"command": "trigger", "skill": "tick", "wait": True})
        assert ran["outcome"] == "ok" and ran["text"] == "Tick."
        # Renamed: the entry point is now "tock". A reload that still configures "tick" is
        # refused and the running schedule stays; once the section is renamed, it is taken.
        plugin_dir(tmp_path / "plugins", MODULES, {**PLUGINS, "tock": "good_plugin:Tock"})
        (plugins / "reliability_plugins-0.1.dist-info" / "entry_points.txt").write_text(
            "[assistant.skills]\n"
            + "".join(f"{k} = {v}\n" for k, v in PLUGINS.items() if k != "tick")
            + "tock = good_plugin:Tock\n"
        )
        renamed = config.read_text().replace("[skills.tick]", "[skills.tock]")
        config.write_text(renamed + "[skills.tick]\n")
        stale = send_request(sock, {"command": "reload"})
        assert stale["ok"] is False
        assert f"{config}: skills.tick: no such skill is installed" in stale["problems"]
        config.write_text(renamed)
        reloaded = send_request(sock, {"command": "reload"})
        assert reloaded["ok"], reloaded
        ran = send_request(sock, {"command": "trigger", "skill": "tock", "wait": True})
        assert ran["outcome"] == "ok" and ran["text"] == "Tock."
        gone = send_request(sock, {"command": "trigger", "skill": "tick", "wait": True})
        assert gone["ok"] is False and "no skill named 'tick'" in gone["error"]
    finally:
        code, err = stop_daemon(proc)
    assert code == 0, err
    for name in broken:
        assert f"skill plugin {name!r}" in err, name
    report("row 12 plugins", bad_plugins=len(broken), renamed=1, other_skills_ran=2, refused=3)


BAD_CONFIGS = [
    ("[assistant]\ncolour = 'blue'\n", "assistant.colour: unknown key"),
    ("[speech]\nrate = 'fast'\n", "speech.rate: "),
    ("[skills.clock]\nschedule = 'every morning'\n", "skills.clock.schedule: bad cron string"),
    ("[llm]\nmodel = '/nowhere/model.gguf'\n", "llm.model: "),
    ("[assistant]\ntimezone = 'Mars/Olympus'\n", "assistant.timezone: unknown IANA timezone"),
    ("[skills.clock]\ntimeout_s = -1\n", "skills.clock.timeout_s: "),
    ("[skills.clock]\nnonsense = 1\n", "skills.clock.nonsense: unknown key"),
    ("[assistant\ngreeting = 1\n", "not valid TOML"),
]


def test_a_bad_config_is_one_line_per_problem_and_starts_nothing(
    tmp_path: Path, state_dir: Path
) -> None:
    runtime = Path(os.environ["ASSISTANT_RUNTIME_DIR"])
    env = environment()
    tried = 0
    for n, (text, expected) in enumerate(BAD_CONFIGS):
        path = tmp_path / f"bad{n}.toml"
        path.write_text(text)
        checked = assistant("check-config", str(path), env=env)
        assert checked.returncode == 1, (text, checked.stdout, checked.stderr)
        lines = (checked.stdout + checked.stderr).strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], (text, lines)
        assert lines[0].startswith(f"{path}: "), lines  # every problem names its file
        tried += 1
        if n % 2 == 0:  # the daemon itself, on every other one (each start costs a second)
            ran = assistant("--config", str(path), "run", env=env)
            assert ran.returncode != 0
            assert len(ran.stderr.strip().splitlines()) == 1 and expected in ran.stderr, ran
            tried += 1
    # Three problems at once, a skill section's among them: three lines in one pass.
    both = tmp_path / "both.toml"
    both.write_text("[assistant]\ncolour = 1\n[speech]\nrate = 'fast'\n[skills.clock]\nx = 1\n")
    checked = assistant("check-config", str(both), env=env)
    lines = (checked.stdout + checked.stderr).strip().splitlines()
    assert checked.returncode == 1 and len(lines) == 3, lines
    tried += 1
    # Nothing half-started: no state written, no control socket left.
    assert not state_dir.exists() or not any(state_dir.rglob("*"))
    assert not (runtime / "control.sock").exists()
    report("row 13 bad config", bad_configs_tried=tried, half_starts=0)
