"""The human form of `assistant status`, and the memory split it reports."""

from __future__ import annotations

from pathlib import Path

from assistant.procmem import memory_split
from assistant.service.text import status_text

MORNING = "2026-11-27T07:00:00+00:00"
ANSWER = {
    "ok": True,
    "pid": 4242,
    "uptime_s": 3725.2,
    "config": "/etc/assistant/assistant.toml",
    "clock": {"synchronized": False, "holding": True, "hold_left_s": 150.0, "last_jump_s": None},
    "next_runs": [{"skill": "clock", "time": "2026-11-27T17:00:00+00:00"}],
    "last_runs": {
        "clock": {
            "started": "2026-11-27T16:00:00+00:00",
            "outcome": "ok",
            "error": "",
            "text": "a\nb",
        },
        "news": {
            "started": "2026-11-27T07:00:00+00:00",
            "outcome": "timeout",
            "error": "timed out",
        },
    },
    "running": ["news"],
    "healthy": True,
    "problem": None,
    "memory": {"rss_bytes": 3 * 2**20, "anon_bytes": 2**20, "file_bytes": 2 * 2**20},
}


def test_status_text_says_what_matters() -> None:
    assert status_text(ANSWER).splitlines() == [
        "daemon pid 4242, up 1h 2m, config /etc/assistant/assistant.toml",
        "clock: NOT synchronised; scheduled runs wait up to 2m more",
        "memory: 1 MiB anonymous + 2 MiB file-backed resident",
        "next runs:",
        "  Fri 2026-11-27 17:00 UTC  clock",
        "last runs:",
        "  clock          ok       2026-11-27T16:00:00+00:00  a / b",
        "  news           timeout  2026-11-27T07:00:00+00:00  timed out",
        "running now: news",
    ]


def test_an_unhealthy_daemon_says_why() -> None:
    answer = ANSWER | {"problem": "job clock is overdue", "next_runs": [], "last_runs": {}}
    answer["clock"] = {"synchronized": True}
    text = status_text(answer)
    assert "UNHEALTHY: job clock is overdue" in text and "clock: synchronised" in text
    assert "next runs: none" in text and "last runs: none yet" in text


def test_memory_split_reads_smaps_rollup(tmp_path: Path) -> None:
    rollup = tmp_path / "smaps_rollup"
    rollup.write_text("Rss:      300 kB\nPss:   250 kB\nAnonymous:   100 kB\n")
    assert memory_split(rollup) == {
        "rss_bytes": 300 * 1024,
        "anon_bytes": 100 * 1024,
        "file_bytes": 200 * 1024,
    }
    assert memory_split(tmp_path / "missing") is None


def test_status_names_the_zone_as_schedule_does() -> None:
    # Europe/London in winter: `schedule` prints GMT, and so must `status` (not UTC).
    answer = ANSWER | {"timezone": "Europe/London"}
    assert "  Fri 2026-11-27 17:00 GMT  clock" in status_text(answer).splitlines()
    summer = answer | {"next_runs": [{"skill": "clock", "time": "2026-07-01T16:00:00+00:00"}]}
    assert "  Wed 2026-07-01 17:00 BST  clock" in status_text(summer).splitlines()
