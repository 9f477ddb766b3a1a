"""Helpers for tests of real processes: the `assistant` command, and a systemd stand-in."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from assistant.speech.process import WorkerOptions

BIN = Path(sys.executable).parent / "assistant"


def assistant(
    *args: str, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `assistant ARGS` with this test's environment; return what it printed."""
    done = subprocess.run(
        [str(BIN), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"assistant {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done


class Systemd:
    """The manager's end of NOTIFY_SOCKET: a datagram socket read by a thread."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, dict[str, str]]] = []
        self.inbox: queue.Queue[dict[str, str]] = queue.Queue()
        self.closed = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while not self.closed.is_set():
            try:
                data = self.sock.recv(4096).decode()
            except TimeoutError:
                continue
            fields = dict(line.split("=", 1) for line in data.splitlines() if "=" in line)
            self.messages.append((time.monotonic(), fields))
            self.inbox.put(fields)

    def receive(self, until: str, timeout: float) -> dict[str, str]:
        """Wait for the next datagram holding the field `until` (e.g. "READY")."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                fields = self.inbox.get(timeout=left)
            except queue.Empty:
                break
            if until in fields:
                return fields
        raise AssertionError(f"no {until} within {timeout}s; got {self.messages[-20:]}")

    def last(self, field: str) -> float | None:
        """When the last datagram with `field` arrived (monotonic), or None."""
        times = [t for t, fields in self.messages if field in fields]
        return times[-1] if times else None

    def count(self, field: str) -> int:
        """How many datagrams so far held `field`."""
        return sum(field in fields for _t, fields in self.messages)

    def close(self) -> None:
        self.closed.set()
        self.reader.join(2)
        self.sock.close()


# The real worker (its own main(), Piper or espeak-ng as its arguments say), except that it
# hangs (like an engine can) on any text saying HANG.
HANGING_WORKER = """
import sys, time
from assistant.speech import worker

class Hanging:
    def __init__(self, synth):
        self.synth = synth

    def __getattr__(self, name):
        return getattr(self.synth, name)

    def synthesise(self, text):
        if "HANG" in text:
            time.sleep(600)
        return self.synth.synthesise(text)

load = worker.load_engine
worker.load_engine = lambda args: Hanging(load(args))
sys.exit(worker.main(sys.argv[1:]))
"""


def hanging_worker(options: WorkerOptions | None = None) -> list[str]:
    """The command of the real worker with these options, made to hang on text saying HANG."""
    return [sys.executable, "-c", HANGING_WORKER, *(options or WorkerOptions()).args()]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_llama_server(
    model: Path, log: Path, alias: str = "smollm2"
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `python -m llama_cpp.server` on 127.0.0.1 and wait until /v1/models answers."""
    import httpx

    port = free_port()
    # A file, not a pipe: llama.cpp logs enough at load to fill a pipe and block the server.
    out = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "1024", "--model_alias", alias],
        stdout=out,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    out.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/v1/models", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"llama_cpp.server did not start; see {log}")
        time.sleep(0.5)
