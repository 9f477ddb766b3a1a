"""One long-lived thread on which an engine's llama.cpp work runs, whoever asks for it.

glibc gives a thread that allocates its own malloc arena, and an arena keeps the pages of its
peak resident after the blocks are freed. llama.cpp's grammar sampler allocates a few MiB of
small blocks per token (every vocabulary entry decoded against the grammar), and the runner
starts a new thread per skill run: each run thread left tens of MiB of anonymous memory
behind, more the more grammar-constrained candidates a run sampled (the sense judge made
the clock sample three times as many). On one thread the same arena serves every call.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]
_END = object()


class ModelThread:
    """Runs calls one at a time on a daemon thread, started on first use."""

    def __init__(self, name: str = "model") -> None:
        self.name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on the thread; its result or its exception, here."""
        if threading.current_thread() is self._thread:
            return fn(*args)  # a call from a call: already on the thread
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._jobs = queue.SimpleQueue()  # each thread its own: `stop` ends only it
                self._thread = threading.Thread(
                    target=self._serve, args=(self._jobs,), name=self.name, daemon=True
                )
                self._thread.start()
            future: Future[T] = Future()
            self._jobs.put((future, fn, args))
        return future.result()

    def iterate(self, items: Iterator[T]) -> Iterator[T]:
        """Each step of `items` (a generator) taken on the thread, closed there too."""
        try:
            while (item := self.call(next, items, _END)) is not _END:
                yield item
        finally:
            self.call(getattr(items, "close", lambda: None))

    def stop(self) -> None:
        """Let the thread end once the calls queued before this one are done."""
        with self._start:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread = None

    @staticmethod
    def _serve(jobs: queue.SimpleQueue[_Job | None]) -> None:
        """Take calls until `stop`."""
        while (job := jobs.get()) is not None:
            future, fn, args = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:  # handed to the caller, which raises it
                    future.set_exception(exc)
