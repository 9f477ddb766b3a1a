"""What the web page costs the daemon: resident memory of `assistant run` with [web] off and on,
after the same control requests (and, with it on, page views)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.procmem import rss_split
from assistant.service.client import send_request
from assistant.service.paths import SOCKET_NAME

CONFIG = """
[assistant]
greeting = ""
[speech]
sink = "text"
[service]
trust_clock = true
[web]
enabled = {enabled}
port = {port}
[skills.clock]
use_llm = false
"""
PAGES = ("/", "/schedule", "/say", "/status")
START_S = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(up: Callable[[], bool], proc: subprocess.Popen[bytes]) -> None:
    """Wait until `up()` says the daemon answers; raise RuntimeError when it died or hangs."""
    deadline = time.monotonic() + START_S
    while not up():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the daemon did not start (exit code {proc.poll()})")
        time.sleep(0.1)


def _listening(port: int) -> bool:
    """True when something accepts connections on 127.0.0.1:`port`."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def one_daemon(enabled: bool, views: int) -> dict[str, float]:
    """Start a daemon, ask it `views` times (status, and each page when the page is on),
    and return its resident memory split."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="as-") as tmp:
        root = Path(tmp)
        cfg = root / "a.toml"
        cfg.write_text(CONFIG.format(enabled=str(enabled).lower(), port=port))
        env = os.environ | {
            "ASSISTANT_STATE_DIR": str(root / "state"),
            "ASSISTANT_RUNTIME_DIR": str(root / "run"),
        }
        env.pop("ASSISTANT_WEB_TOKEN", None)  # the pages themselves, not the login form
        command = [sys.executable, "-m", "assistant", "--config", str(cfg), "run"]
        proc = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        try:
            sock = root / "run" / SOCKET_NAME
            # The page starts after the control socket: wait for the one that is asked.
            _wait_for(lambda: _listening(port) if enabled else sock.exists(), proc)
            for _ in range(views):
                send_request(sock, {"command": "status"})
                for page in PAGES if enabled else ():
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{page}") as answer:
                        answer.read()
            time.sleep(0.5)
            return rss_split(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def run_bench(runs: int = 3, views: int = 20) -> dict[str, Any]:
    """Medians over `runs` starts of each: memory with the page off, on, and the difference."""
    samples: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    for _ in range(runs):
        samples["off"].append(one_daemon(False, views))
        samples["on"].append(one_daemon(True, views))
    keys = ("rss_mb", "anon_mb", "file_mb")
    out: dict[str, Any] = {
        way: {k: statistics.median(s[k] for s in got) for k in keys} for way, got in samples.items()
    }
    out["cost"] = {k: round(out["on"][k] - out["off"][k], 1) for k in keys}
    out |= {"runs": runs, "page_views": views * len(PAGES)}
    return out
