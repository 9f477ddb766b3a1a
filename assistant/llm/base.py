"""The engine protocol: the only way skills talk to a language model."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypedDict

from assistant.llm.ending import RhymeEnding


class Message(TypedDict):
    """One chat turn."""

    role: Literal["system", "user", "assistant"]
    content: str


Prompt = str | Sequence[Message]


def few_shot(system: str, shots: Iterable[tuple[str, str]], ask: str) -> list[Message]:
    """A chat: the system rules, each (request, answer) example as two turns, then `ask`."""
    messages = [Message(role="system", content=system)]
    for request, answer in shots:
        messages.append(Message(role="user", content=request))
        messages.append(Message(role="assistant", content=answer))
    messages.append(Message(role="user", content=ask))
    return messages


@dataclass(frozen=True)
class GenerateOptions:
    """Sampling options for one generation."""

    max_tokens: int = 128
    temperature: float = 0.7
    stop: tuple[str, ...] = ()
    seed: int | None = None
    grammar: str | None = None
    # The number of leading messages that stay the same across runs (system prompt and
    # few-shot examples); an engine with a prompt cache may reuse their evaluated state.
    fixed_prefix: int = 0
    # The start of the answer, already written: the engine continues it and returns only
    # what follows. Only engines with `continues_replies` honour it (see `continues`).
    reply_start: str = ""
    # Words the answer should not contain. An engine that can make them unlikely (llama.cpp:
    # a logit bias on each one-token spelling) does; others ignore it, and judges still check.
    avoid: tuple[str, ...] = ()
    # How the answer must end (plain text, then a rhyme word and a mark). An engine that can
    # enforce it with a token mask does (local); others are given its GBNF grammar.
    ending: RhymeEnding | None = None
    extra: dict[str, float] = field(default_factory=dict)


class LLM(Protocol):
    """A chat model. Thread-safe: an engine serialises calls itself."""

    @property
    def name(self) -> str:
        """A short name of the model, for logs and JSON output."""

    def generate(self, prompt: Prompt, options: GenerateOptions | None = None) -> str:
        """Return the whole answer to `prompt`; raise ModelError if the model cannot answer."""

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        """Yield the answer piece by piece as the model writes it; raise ModelError."""

    def close(self) -> None:
        """Release the model (it is loaded again on the next call)."""


class WrappedLLM:
    """An engine around another: name, whole answers and closing pass through to `inner`;
    subclasses change `stream` (to pace, count or show what the model does)."""

    def __init__(self, inner: LLM) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        """The wrapped engine's name."""
        return self.inner.name

    def generate(self, prompt: Prompt, options: GenerateOptions | None = None) -> str:
        """The whole answer, through `stream`."""
        return "".join(self.stream(prompt, options))

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        """The wrapped engine's answer as it comes."""
        return self.inner.stream(prompt, options)

    def close(self) -> None:
        """Close the wrapped engine."""
        self.inner.close()


def engine_where(llm: LLM | Any, test: Callable[[Any], bool]) -> Any | None:
    """The engine under `llm` (itself, or through wrappers' `inner`) that `test` accepts."""
    seen = 0
    while llm is not None and seen < 8:  # wrappers nest a few deep at most
        if test(llm):
            return llm
        llm, seen = getattr(llm, "inner", None), seen + 1
    return None


def continues(llm: LLM) -> bool:
    """True when the engine under `llm` honours `GenerateOptions.reply_start`."""
    return engine_where(llm, lambda e: getattr(e, "continues_replies", False) is True) is not None


def as_messages(prompt: Prompt) -> list[Message]:
    """Turn a bare string into a one-turn chat."""
    if isinstance(prompt, str):
        return [Message(role="user", content=prompt)]
    return list(prompt)
