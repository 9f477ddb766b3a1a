"""`last`, `repeat`, `source` and `feedback` on the control socket of a real daemon (which
speaks real WAV files) and through the CLI, with and without a daemon; a rating survives a
SIGKILL of the daemon right after `assistant feedback` returns."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from assistant.feedback.store import FILE, FeedbackStore
from assistant.service.client import send_request
from tests.conftest import wait_for
from tests.daemon import environment, start_daemon, stop_daemon
from tests.integration.helpers import assistant
from tests.reliability.test_hostile_files import soxi_seconds

pytestmark = pytest.mark.slow
FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
HEADLINE = "Town library extends opening hours for the summer"
CONFIG = """
[assistant]
greeting = ""
timezone = "UTC"
[speech]
sink = "wav"
[service]
sync_wait_s = 0
[skills.clock]
schedule = "0 3 1 1 *"
use_llm = false
[skills.seuss-news]
schedule = "0 3 1 1 *"
use_llm = false
max_headlines = 1
feeds = [{{ url = "{feed}", name = "the BBC" }}]
"""
U_KEYS = {
    "id",
    "skill",
    "time",
    "text",
    "written",
    "input",
    "sources",
    "model",
    "scores",
    "attempts",
}
S_KEYS = {"title", "link", "feed", "path", "heading"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "a.toml"
    path.write_text(CONFIG.format(feed=FEEDS / "bbc.rss"), encoding="utf-8")
    return path


@pytest.fixture
def daemon(config: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A running daemon (control socket answering) and its socket path."""
    env = environment()
    sock = Path(env["ASSISTANT_RUNTIME_DIR"]) / "control.sock"
    proc = start_daemon(config, env)
    try:
        assert wait_for(lambda: sock.exists() and ask(sock, {"command": "status"})["ok"], 60)
        yield proc, sock
    finally:
        stop_daemon(proc)


def ask(sock: Path, request: dict[str, Any]) -> dict[str, Any]:
    try:
        return send_request(sock, request, timeout=120)
    except OSError as exc:
        return {"ok": False, "error": str(exc)}


def wavs(state: Path) -> set[Path]:
    return set((state / "speech").glob("**/*.wav"))


def test_last_repeat_source_and_feedback_on_a_real_daemon(
    daemon: tuple[subprocess.Popen[str], Path], state_dir: Path
) -> None:
    proc, sock = daemon
    clock = ask(sock, {"command": "trigger", "skill": "clock", "wait": True})
    news = ask(sock, {"command": "trigger", "skill": "seuss-news", "wait": True})
    said = ask(sock, {"command": "say", "text": "The bins go out tonight."})
    assert clock["ok"] and news["ok"] and said["ok"], (clock, news, said)
    assert news["text"] == f"From the BBC: {HEADLINE}."

    last = ask(sock, {"command": "last", "n": 10})
    assert last["ok"] and [u["id"] for u in last["utterances"]] == [
        said["id"],
        news["id"],
        clock["id"],
    ]
    for u in last["utterances"]:
        assert u.keys() == U_KEYS and len(u["id"]) == 6
        datetime.fromisoformat(u["time"])
    told = last["utterances"][1]
    assert (told["skill"], told["text"], told["written"]) == ("seuss-news", news["text"], "")
    [source] = told["sources"]
    assert source.keys() == S_KEYS and (source["title"], source["feed"]) == (HEADLINE, "the BBC")
    assert last["utterances"][0]["skill"] == "say"

    before = wavs(state_dir)
    again = ask(sock, {"command": "repeat", "id": news["id"]})
    assert again == {"ok": True, "id": news["id"], "text": news["text"]}
    [wav] = wavs(state_dir) - before
    assert soxi_seconds(wav) > 1.0

    where = ask(sock, {"command": "source", "id": news["id"].upper()})
    at = datetime.fromisoformat(told["time"]).strftime("%H:%M")
    assert where == {
        "ok": True,
        "id": news["id"],
        "text": f"That was from the BBC, '{HEADLINE}', at {at}",
        "sources": [source],
    }
    assert ask(sock, {"command": "repeat"})["id"] == said["id"]  # default: the last one
    unknown = ask(sock, {"command": "feedback", "verdict": "good", "id": "zzzzzz"})
    assert unknown == {
        "ok": False,
        "error": "no utterance with id 'zzzzzz' (`assistant last` lists them)",
    }

    listed = json.loads(assistant("last", "2", "--json").stdout)
    assert listed == ask(sock, {"command": "last", "n": 2})["utterances"]
    refused = assistant("feedback", "good", "nope00", check=False)
    assert (refused.returncode, refused.stderr.count("\n")) == (1, 1)
    assert "no utterance with id 'nope00'" in refused.stderr
    rated = ask(sock, {"command": "feedback", "verdict": "good", "id": news["id"]})
    assert rated == {"ok": True, "id": news["id"], "verdict": "good"}
    done = assistant("feedback", "bad", clock["id"], "--note", "dull")
    assert done.stdout == f"{clock['id']}: rated bad\n"
    proc.send_signal(signal.SIGKILL)  # at once: nothing may be left to flush
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    rows = FeedbackStore(state_dir / FILE).export()
    assert [(r["id"], r["verdict"], r["note"]) for r in rows] == [
        (news["id"], "good", ""),
        (clock["id"], "bad", "dull"),
    ]
    assert rows[1]["utterance"]["text"] == clock["text"]


def test_the_commands_without_a_daemon_use_the_state_dir(config: Path, state_dir: Path) -> None:
    ran = json.loads(assistant("--config", str(config), "run-skill", "seuss-news", "--json").stdout)
    [news] = json.loads(assistant("--config", str(config), "last", "--json").stdout)
    assert news["id"] == ran["id"]
    assert (news["skill"], news["sources"][0]["feed"]) == ("seuss-news", "the BBC")
    before = wavs(state_dir)
    again = assistant("--config", str(config), "repeat", news["id"])
    assert again.stdout == f"{news['id']}: From the BBC: {HEADLINE}.\n"
    [wav] = wavs(state_dir) - before
    assert soxi_seconds(wav) > 1.0
    at = datetime.fromisoformat(news["time"]).strftime("%H:%M")
    told = assistant("--config", str(config), "source").stdout.splitlines()
    assert told[0] == f"{news['id']}: That was from the BBC, '{HEADLINE}', at {at}"
    assert told[1].startswith(f"  the BBC: {HEADLINE}, https://")
    assistant("--config", str(config), "feedback", "good", "--note", "fun")
    [row] = [json.loads(line) for line in assistant("feedback", "export").stdout.splitlines()]
    assert (row["id"], row["verdict"], row["note"]) == (news["id"], "good", "fun")
    assert row["utterance"] == news
