"""Fakes for skill authors and our own unit tests: one per outside resource."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from assistant.clock import Clock, FixedClock
from assistant.errors import FetchError
from assistant.http import Fetcher
from assistant.llm.base import LLM, GenerateOptions, Message, Prompt, as_messages
from assistant.llm.contract import Rule
from assistant.news.service import NewsService
from assistant.news.settings import NewsSection
from assistant.quality.exemplars import ExemplarBanks, Exemplars
from assistant.quality.learning import NotDisliked
from assistant.retrieval.base import Hit, SearchResult
from assistant.skill import SkillContext
from assistant.speech.base import Speaker, Spoken, WavFile, Who

__all__ = [
    "FakeFetcher",
    "FakeLLM",
    "FakeLearner",
    "FakeSpeaker",
    "FakeStore",
    "FixedClock",
    "fake_context",
]


class FakeLLM:
    """Answers from a script: a list of replies used in turn (the last repeats) or a function."""

    name = "fake"

    def __init__(self, replies: Iterable[str] | Callable[[list[Message]], str] = ("OK",)) -> None:
        self.calls: list[tuple[list[Message], GenerateOptions]] = []
        self._answer: Callable[[list[Message]], str]
        if callable(replies):
            self._answer = replies
        else:
            script = list(replies) or [""]
            turns = itertools.chain(script, itertools.repeat(script[-1]))
            self._answer = lambda _messages: next(turns)

    def generate(self, prompt: Prompt, options: GenerateOptions | None = None) -> str:
        """Return the next scripted reply and record the call."""
        messages = as_messages(prompt)
        self.calls.append((messages, options or GenerateOptions()))
        return self._answer(messages)

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        """Yield the next scripted reply word by word."""
        text = self.generate(prompt, options)
        for i, word in enumerate(text.split(" ")):
            yield word if i == 0 else " " + word

    def close(self) -> None:
        """Nothing to release."""


class FakeLearner:
    """Remembers ratings in lists; a disliked output's rule is the real one (pure logic)."""

    def __init__(self) -> None:
        self.likes: list[tuple[str, str, str]] = []
        self.dislikes: list[tuple[str, str, str, str]] = []

    def liked(self, skill: str, input: str, output: str) -> None:
        """Record a good rating."""
        self.likes.append((skill, input, output))

    def disliked(self, skill: str, input: str, output: str, note: str = "") -> None:
        """Record a bad rating."""
        self.dislikes.append((skill, input, output, note))

    def rules(self, skill: str) -> list[Rule]:
        """A rule against near-duplicates of the skill's disliked outputs (or none)."""
        outputs = [output for name, _, output, _ in self.dislikes if name == skill]
        return [NotDisliked(outputs)] if outputs else []


class FakeSpeaker:
    """Records what it was asked to say, who asked, and whether it was urgent."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.calls: list[tuple[str, str | None, bool]] = []

    def say(
        self, text: str, wav: WavFile = None, *, skill: Who = None, urgent: bool = False
    ) -> Spoken:
        """Record `text`."""
        self.said.append(text)
        self.calls.append((text, skill, urgent))
        return Spoken(text=text, sink="text", wav=wav)

    def say_stream(
        self, pieces: Iterable[str], wav: WavFile = None, *, skill: Who = None, urgent: bool = False
    ) -> Spoken:
        """Record the whole text of `pieces` once they end."""
        return self.say("".join(pieces), wav, skill=skill, urgent=urgent)

    def close(self) -> None:
        """Nothing to release."""


class FakeFetcher:
    """Serves bodies from a dict; a missing URL or an exception value fails like the network."""

    def __init__(self, pages: dict[str, bytes | Exception] | None = None) -> None:
        self.pages = dict(pages or {})
        self.fetched: list[str] = []

    def fetch(self, url: str) -> bytes:
        """Return the page for `url` or raise FetchError."""
        self.fetched.append(url)
        page = self.pages.get(url)
        if page is None:
            raise FetchError(f"{url}: not found")
        if isinstance(page, Exception):
            raise FetchError(f"{url}: {page}")
        return page

    def close(self) -> None:
        """Nothing to release."""


class FakeStore:
    """Searches a few notes by shared words: `FakeStore({"wifi.md": "The guest password..."})`."""

    def __init__(self, notes: dict[str, str] | None = None) -> None:
        self.notes = dict(notes or {})
        self.queries: list[str] = []

    def search(self, query: str, k: int = 5) -> SearchResult:
        """Notes sharing words with `query`, most shared first."""
        self.queries.append(query)
        words = set(query.lower().split())
        scored = [
            (len(words & set(text.lower().split())), path) for path, text in self.notes.items()
        ]
        hits = [
            Hit(path=path, heading="", text=self.notes[path], score=float(n), kind="note")
            for n, path in sorted(scored, key=lambda pair: (-pair[0], pair[1]))
            if n > 0
        ]
        return SearchResult(hits=hits[:k], mode="bm25")

    def close(self) -> None:
        """Nothing to release."""


def fake_context(
    clock: Clock,
    state_dir: Path,
    llm: LLM | None = None,
    speaker: Speaker | None = None,
    http: Fetcher | None = None,
    *,
    store: FakeStore | None = None,
    news: NewsSection | None = None,
    app_state: Path | None = None,
    exemplars: Exemplars | None = None,
) -> SkillContext:
    """A SkillContext made of fakes, for testing a skill without a model or a network.

    `news` is the `[news]` section `ctx.news` reads with (feeds come from `http`); the app's
    own state (the headline archive) goes to `app_state`, by default `<state_dir>/app`;
    `exemplars` defaults to the built-in banks, searched with BM25 alone.
    """
    http = http or FakeFetcher()
    log = logging.getLogger("skill.test")
    service = NewsService(news or NewsSection(), http, app_state or state_dir / "app")
    return SkillContext(
        llm=llm or FakeLLM(),
        speaker=speaker or FakeSpeaker(),
        clock=clock,
        http=http,
        state_dir=state_dir,
        log=log,
        news=service.for_run(state_dir, clock, log),
        store=store or FakeStore(),
        exemplars=exemplars or ExemplarBanks(),
    )
