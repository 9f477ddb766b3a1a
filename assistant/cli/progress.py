"""No silent waits: a spinner with the current step on a terminal's stderr (fetching feeds,
generating 2/3, speaking), and nothing at all when stderr is not a terminal or with --json."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import urlsplit

from assistant.llm.base import LLM, GenerateOptions, Prompt, WrappedLLM
from assistant.llm.contract import SAMPLING
from assistant.runtime import App
from assistant.speech.base import Speaker, Spoken, WavFile, Who

FRAMES = "|/-\\"
CLEAR = "\r\x1b[K"


class Spinner:
    """Redraws `| step (12s)` in place every `interval` seconds while inside `with`."""

    def __init__(self, stream: TextIO, *, enabled: bool = True, interval: float = 0.2) -> None:
        self.stream = stream
        self.active = enabled and stream.isatty()
        self.interval = interval
        self._step = "working"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = time.monotonic()

    def step(self, text: str) -> None:
        """Show `text` as what is happening now."""
        self._step = text

    def progress(self, done: int, total: int) -> None:
        """A (done, total) callback, e.g. for embedding: `embedding 40/120`."""
        self._step = f"embedding {done}/{total}"

    def __enter__(self) -> Spinner:
        if self.active:
            self._t0 = time.monotonic()
            self._thread = threading.Thread(target=self._spin, name="spinner", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self.stream.write(CLEAR)
            self.stream.flush()

    def _spin(self) -> None:
        frame = 0
        while not self._stop.wait(self.interval):
            seconds = time.monotonic() - self._t0
            self.stream.write(f"{CLEAR}{FRAMES[frame % 4]} {self._step} ({seconds:.0f}s)")
            self.stream.flush()
            frame += 1


class StepLLM(WrappedLLM):
    """An engine that reports each generation: `generating 2/3` inside a sampling cascade (the
    candidate, of at most so many), else `generating N` (the run's N-th model call)."""

    def __init__(self, inner: LLM, spinner: Spinner, calls: list[int]) -> None:
        super().__init__(inner)
        self.spinner = spinner
        self.calls = calls  # shared by every engine, so the count is the run's

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        """Stream from the wrapped engine, showing the step."""
        self.calls[0] += 1
        sampling = SAMPLING.get()
        shown = f"{sampling[0]}/{sampling[1]}" if sampling else str(self.calls[0])
        self.spinner.step(f"generating {shown}")
        yield from self.inner.stream(prompt, options)

    def __getattr__(self, name: str) -> Any:
        # `warm`, `last`, `engines`...: whatever else the wrapped engine offers.
        return getattr(self.inner, name)


class StepFetcher:
    """A fetcher that shows `fetching <host>`."""

    def __init__(self, inner: Any, spinner: Spinner) -> None:
        self.inner = inner
        self.spinner = spinner

    def fetch(self, url: str) -> bytes:
        """Fetch through the wrapped fetcher, showing the step."""
        self.spinner.step(f"fetching feeds: {urlsplit(url).netloc or url}")
        data: bytes = self.inner.fetch(url)
        return data

    def close(self) -> None:
        """Close the wrapped fetcher."""
        self.inner.close()


class StepSpeaker:
    """A speaker that shows `speaking`."""

    def __init__(self, inner: Speaker, spinner: Spinner) -> None:
        self.inner = inner
        self.spinner = spinner

    def say(
        self, text: str, wav: WavFile = None, *, skill: Who = None, urgent: bool = False
    ) -> Spoken:
        """Speak through the wrapped speaker, showing the step."""
        self.spinner.step("speaking")
        return self.inner.say(text, wav, skill=skill, urgent=urgent)

    def say_stream(
        self, pieces: Iterable[str], wav: WavFile = None, *, skill: Who = None, urgent: bool = False
    ) -> Spoken:
        """Speak sentence by sentence through the wrapped speaker, showing the step."""
        self.spinner.step("speaking")
        return self.inner.say_stream(pieces, wav, skill=skill, urgent=urgent)

    def close(self) -> None:
        """Close the wrapped speaker."""
        self.inner.close()


def watch_app(app: App, spinner: Spinner) -> None:
    """Make `app`'s engines, fetcher and speaker report their steps to `spinner` (a no-op
    when the spinner is silent, so that nothing changes off a terminal)."""
    if not spinner.active:
        return
    calls = [0]
    wrapped = {id(e): StepLLM(e, spinner, calls) for e in [app.llm, *app.engines.values()]}
    app.llm = wrapped[id(app.llm)]
    app.engines = {name: wrapped[id(e)] for name, e in app.engines.items()}
    app.http = app.news.http = StepFetcher(app.http, spinner)
    app.speaker = StepSpeaker(app.speaker, spinner)
