"""Rows 20 and 24-26: the state dir when it is read-only, shared by two daemons, or holds a
journal someone else wrote; the real `assistant` in subprocesses."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
from pathlib import Path

import pytest

from assistant.journal import Journal
from assistant.service.client import send_request
from tests.conftest import wait_for
from tests.reliability.helpers import environment, report, start_daemon, stop_daemon
from tests.reliability.test_hostile_files import NO_EMBEDDER, cli
from tests.reliability.test_storage import read_only

pytestmark = pytest.mark.slow
DAEMON = '[assistant]\ngreeting = ""\ntimezone = "UTC"\n[speech]\nsink = "wav"\n'


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def set_aside(state: Path) -> list[str]:
    """Catalogue files moved aside as damaged."""
    return sorted(p.name for p in (state / "retrieval").glob("docs.sqlite.damaged-*"))


def ask_sources(config: Path, **env: str) -> tuple[int, list[str], str]:
    """`assistant ask` about the bike note: exit code, cited paths, stderr."""
    done = cli(
        "ask",
        "How often does the chain want oil?",
        "--no-speak",
        "--json",
        config=config,
        timeout=300,
        **env,
    )
    paths = [s["path"] for s in json.loads(done.stdout)["sources"]] if done.returncode == 0 else []
    return done.returncode, paths, done.stderr


def test_the_catalogue_is_moved_aside_only_when_sqlite_says_it_is_corrupt(
    tmp_path: Path, state_dir: Path
) -> None:
    config = tmp_path / "a.toml"
    config.write_text(NO_EMBEDDER)
    notes = tmp_path / "notes"
    notes.mkdir()
    bike = notes / "bike.md"
    # Every word of the question is in the note: BM25 alone (no embedder here) answers it.
    bike.write_text("# Bike\n\nHow often the chain wants oil: every month, more in winter.\n")
    assert cli("index", str(notes), "--no-headlines", config=config).returncode == 0
    docs = state_dir / "retrieval" / "docs.sqlite"
    before = digest(docs)
    faults = 0
    # A read-only state dir (root ignores modes: a read-only bind mount) still answers.
    with read_only(state_dir):
        code, sources, err = ask_sources(config)
    assert code == 0 and sources[:1] == [str(bike)], err
    assert set_aside(state_dir) == [] and digest(docs) == before
    faults += 1
    # Permission denied (no DAC capabilities, the file mode 000): a clear error, kept as is.
    docs.chmod(0)
    try:
        code, _sources, err = ask_sources(config, drop_dac="1")
    finally:
        docs.chmod(0o600)
    assert "Traceback" not in err and set_aside(state_dir) == [] and digest(docs) == before, err
    faults += 1
    # Really corrupt (the header overwritten): now, and only now, it is moved aside.
    with docs.open("r+b") as f:
        f.write(b"this is not SQLite" * 8)
    assert cli("index", str(notes), "--no-headlines", config=config).returncode == 0
    moved = set_aside(state_dir)
    assert len(moved) == 1
    code, sources, err = ask_sources(config)
    assert code == 0 and sources[:1] == [str(bike)], err
    faults += 1
    report("row 20 catalogue", faults=faults, healthy_moved_aside=0, corrupt_moved_aside=1)


def test_a_second_daemon_on_the_same_state_dir_exits_naming_the_first(
    tmp_path: Path, state_dir: Path
) -> None:
    config = tmp_path / "a.toml"
    config.write_text(DAEMON)
    first = start_daemon(config, environment())
    sock = Path(os.environ["ASSISTANT_RUNTIME_DIR"]) / "control.sock"
    others = tmp_path / "rt2"  # its own socket: only the state dir is shared
    refused = 0
    try:
        assert wait_for(sock.exists, 60), "the first daemon did not start"
        second = start_daemon(config, environment(ASSISTANT_RUNTIME_DIR=str(others)))
        try:
            _out, err = second.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            second.kill()
            second.communicate()
            pytest.fail("a second daemon ran on the same state dir")
        lines = [line for line in err.splitlines() if line.strip()]
        assert second.returncode != 0 and len(lines) == 1, err
        assert f"pid {first.pid}" in lines[0] and "daemon.lock" in lines[0]
        assert send_request(sock, {"command": "status"})["ok"]
        refused += 1
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
    # kill -9 leaves the lock file but not the lock: the next daemon starts.
    third = start_daemon(config, environment(ASSISTANT_RUNTIME_DIR=str(others)))
    try:
        assert wait_for((others / "control.sock").exists, 60), "no start after kill -9"
    finally:
        code, err = stop_daemon(third)
    assert code == 0, err
    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
    report("row 24 one daemon", second_daemons_refused=refused, starts_after_kill_9=1)


ODD_ROWS = [
    "[1, 2, 3]",
    '"just a string"',
    "42",
    "null",
    '{"skill": 5, "started": "x", "outcome": "ok"}',
    '{"skill": "tick"}',
    '{"skill": "tick", "started": "x", "outcome": "ok", "timings": "fast"}',
    '{"skill": "tick", "started": "x", "outcome": "ok", "sources": {"a": 1}}',
    '{"skill": ["tick"], "started": "x", "outcome": "ok"}',
    "{truncated",
]


def test_journal_rows_that_are_json_but_not_records_are_skipped(
    tmp_path: Path, state_dir: Path
) -> None:
    good = {"skill": "clock", "started": "2026-01-01T08:00:00+00:00", "outcome": "ok"}
    state_dir.mkdir(parents=True)
    lines = [*ODD_ROWS, json.dumps({**good, "text": "It is eight."})]
    (state_dir / "journal.jsonl").write_text("\n".join(lines) + "\n")
    journal = Journal(state_dir / "journal.jsonl")
    journal.load_last()
    assert set(journal.latest()) == {"clock"}
    config = tmp_path / "a.toml"
    config.write_text(DAEMON)
    proc = start_daemon(config, environment())
    sock = Path(os.environ["ASSISTANT_RUNTIME_DIR"]) / "control.sock"
    try:
        assert wait_for(lambda: sock.exists() or proc.poll() is not None, 60)
        assert proc.poll() is None, "the daemon crashed on the journal"
        status = send_request(sock, {"command": "status"})
        assert "It is eight." in json.dumps(status), status
    finally:
        code, err = stop_daemon(proc)
    assert code == 0, err
    report("row 26 journal", odd_rows=len(ODD_ROWS), starts=1, crashed_starts=0)
