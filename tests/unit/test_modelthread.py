"""The model thread: every call on one long-lived thread, results and errors handed back."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from assistant.llm.modelthread import ModelThread


def test_calls_from_many_threads_run_on_one_thread() -> None:
    worker = ModelThread("t")
    seen: list[int | None] = []

    def ask() -> None:
        seen.append(worker.call(threading.get_ident))

    callers = [threading.Thread(target=ask) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(seen) == 4 and len(set(seen)) == 1
    assert seen[0] != threading.get_ident()
    worker.stop()


def test_an_error_is_raised_in_the_caller_and_the_thread_goes_on() -> None:
    worker = ModelThread("t")
    with pytest.raises(ValueError, match="bad"):
        worker.call(int, "bad")
    assert worker.call(int, "7") == 7
    worker.stop()


def test_a_generator_steps_and_closes_on_the_thread() -> None:
    worker = ModelThread("t")
    where: list[int] = []

    def pieces() -> Iterator[str]:
        try:
            for piece in "abc":
                where.append(threading.get_ident())
                yield piece
        finally:
            where.append(threading.get_ident())

    stream = worker.iterate(pieces())
    assert next(stream) == "a"
    stream.close()  # the consumer stops early: the generator is closed on the thread too
    assert len(where) == 2 and len(set(where)) == 1 and where[0] != threading.get_ident()
    assert list(worker.iterate(pieces())) == ["a", "b", "c"]
    worker.stop()


def test_stop_ends_the_thread_and_a_later_call_starts_another() -> None:
    worker = ModelThread("t")
    first = worker.call(threading.current_thread)
    worker.stop()
    first.join(timeout=5)
    assert not first.is_alive()
    assert worker.call(lambda: 2 + 2) == 4
    worker.stop()
