"""The daemon's side of the speech worker: one long-lived process, killed when it hangs."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from assistant.errors import SpeechError
from assistant.speech.base import Audio

log = logging.getLogger(__name__)
WORKER_MODULE = "assistant.speech.worker"
# Requests are sentences (a few hundred bytes), far below a pipe's 64 KiB buffer, so a write to
# a stuck worker cannot block; longer texts are refused rather than risk it.
MAX_REQUEST_BYTES = 16 * 1024


class SpeechHungError(SpeechError):
    """The worker did not answer within its time limit and was killed."""


@dataclass(frozen=True)
class WorkerOptions:
    """What the worker speaks with: [speech] engine, voice, rate, volume, silence, threads."""

    engine: Literal["piper", "espeak"] = "piper"
    voice: str = ""
    rate: int = 165
    volume: float = 1.0
    sentence_silence: float = 0.2
    threads: int = 1
    # Where Piper voices named (not given by path) in [speech] voice are looked for.
    voices_dir: Path | None = None

    def args(self) -> list[str]:
        """The worker's command-line arguments for these options."""
        args = ["--engine", self.engine, "--rate", str(self.rate), "--volume", str(self.volume)]
        args += ["--sentence-silence", str(self.sentence_silence), "--threads", str(self.threads)]
        if self.voice:
            args += ["--voice", self.voice]
        if self.voices_dir is not None:
            args += ["--voices-dir", str(self.voices_dir)]
        return args


def worker_command(options: WorkerOptions | None = None) -> list[str]:
    """The command line of the real worker with these options."""
    return [sys.executable, "-m", WORKER_MODULE, *(options or WorkerOptions()).args()]


class WorkerProcess:
    """A speech worker process; not thread-safe: exactly one thread (its owner) may use it."""

    def __init__(
        self, command: list[str], *, timeout_s: float = 30.0, start_timeout_s: float = 60.0
    ) -> None:
        self.command = command
        self.timeout_s = timeout_s
        # Starting (Python, pyttsx3, espeak-ng's data) may take seconds on a busy Pi.
        self.start_timeout_s = max(start_timeout_s, timeout_s)
        self.kills = 0
        # What the last worker said it speaks with (its greeting), and why Piper was not used.
        self.engine = ""
        self.voice = ""
        self.sample_rate = 0
        self.load_ms: float | None = None
        self.fallback = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._buf = bytearray()

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start the worker (if not running) and wait for its greeting; raise SpeechError."""
        if self._proc is not None:
            return
        try:
            # Its own session, so that everything it started dies with it.
            self._proc = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise SpeechError(f"cannot start the speech worker: {exc}") from exc
        self._buf.clear()
        hello = self._header(time.monotonic() + self.start_timeout_s, "start")
        if not hello.get("ok"):
            self.kill()
            raise SpeechError(f"speech worker failed to start: {hello.get('error', hello)}")
        self._greeted(hello)

    def _greeted(self, hello: dict[str, Any]) -> None:
        """Note the engine of a new worker; say once per owner that Piper was not used."""
        self.engine = str(hello.get("engine", ""))
        self.voice = str(hello.get("voice", ""))
        rate = hello.get("sample_rate")
        self.sample_rate = rate if isinstance(rate, int) else 0
        load_ms = hello.get("load_ms")
        self.load_ms = float(load_ms) if isinstance(load_ms, int | float) else None
        fallback = str(hello.get("fallback", ""))
        if fallback and not self.fallback:
            log.warning("%s", fallback)
        self.fallback = fallback

    def synthesise(self, text: str) -> Audio:
        """Return the PCM for `text`; a worker that hangs is killed (SpeechHungError)."""
        request = json.dumps({"text": text}).encode() + b"\n"
        if len(request) > MAX_REQUEST_BYTES:
            raise SpeechError(f"text too long for one utterance ({len(text)} characters)")
        self.start()
        assert self._proc is not None and self._proc.stdin is not None
        deadline = time.monotonic() + self.timeout_s
        try:
            self._proc.stdin.write(request)
            self._proc.stdin.flush()
        except OSError as exc:  # BrokenPipeError: it died since the last utterance
            self.kill()
            raise SpeechError(f"speech worker died: {exc}") from exc
        header = self._header(deadline, "speak")
        if not header.get("ok"):
            raise SpeechError(f"speech worker could not speak: {header.get('error', header)}")
        pcm = self._read_exact(int(header["bytes"]), deadline, "speak")
        return Audio(pcm=pcm, sample_rate=int(header["sample_rate"]))

    def _header(self, deadline: float, doing: str) -> dict[str, Any]:
        """Read one JSON line from the worker before `deadline`."""
        while b"\n" not in self._buf:
            self._fill(deadline, doing)
        line, _, rest = bytes(self._buf).partition(b"\n")
        self._buf[:] = rest
        try:
            value = json.loads(line)
        except ValueError:
            self.kill()
            raise SpeechError(f"speech worker said something unreadable: {line[:80]!r}") from None
        if not isinstance(value, dict):
            self.kill()
            raise SpeechError(f"speech worker said something unreadable: {line[:80]!r}")
        return value

    def _read_exact(self, size: int, deadline: float, doing: str) -> bytes:
        """Read exactly `size` bytes from the worker before `deadline`."""
        while len(self._buf) < size:
            self._fill(deadline, doing)
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data

    def _fill(self, deadline: float, doing: str) -> None:
        """Append what the worker wrote; kill it at the deadline or report its death."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        remaining = deadline - time.monotonic()
        ready = remaining > 0 and select.select([fd], [], [], remaining)[0]
        if not ready:
            self.kill()
            limit = self.start_timeout_s if doing == "start" else self.timeout_s
            raise SpeechHungError(f"speech worker hung for {limit:g}s ({doing}) and was killed")
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            code = self._proc.wait(timeout=5)
            self._forget()
            raise SpeechError(f"speech worker exited unexpectedly (exit {code})")
        self._buf += chunk

    def kill(self) -> None:
        """Kill the worker and everything it started; the next utterance starts a new one."""
        proc = self._proc
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        self._forget()
        self.kills += 1

    def _forget(self) -> None:
        """Close our ends of the pipes of a finished worker."""
        proc, self._proc = self._proc, None
        if proc is not None:
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()
        self._buf.clear()

    def close(self) -> None:
        """Stop the worker: close its stdin (it exits by itself), kill it if it does not."""
        proc = self._proc
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
            return
        self._forget()
