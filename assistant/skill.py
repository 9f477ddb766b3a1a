"""The plugin contract: what a skill is, what it gets, and what it returns."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from assistant.clock import Clock
from assistant.draft import Draft
from assistant.http import Fetcher
from assistant.llm.base import LLM
from assistant.news.headline import Headline
from assistant.news.service import SkillNews
from assistant.quality.exemplars import ExemplarBanks, Exemplars
from assistant.retrieval.base import Retriever
from assistant.speech.base import Speaker

# The keys of a source record, as the control socket and `source` give it.
SOURCE_KEYS = ("title", "link", "feed", "path", "heading")


@dataclass(frozen=True)
class Source:
    """Where something said came from: a headline (title, link, feed) or a note (path,
    heading); "" when absent. `text` is the passage cited (the journal keeps it for feedback
    on `ask`; it is not part of the public source record)."""

    title: str = ""
    link: str = ""
    feed: str = ""
    path: str = ""
    heading: str = ""
    text: str = ""

    @classmethod
    def from_headline(cls, headline: Headline) -> Source:
        """A headline as a source: its title, link and feed."""
        return cls(title=headline.title, link=headline.link or "", feed=headline.source)

    def to_json(self) -> dict[str, str]:
        """The public source record: `title`, `link`, `feed`, `path`, `heading`."""
        return {key: getattr(self, key) for key in SOURCE_KEYS}


@dataclass(frozen=True)
class Reply:
    """What a skill says, where it came from, and whether web text shaped it."""

    text: str
    sources: list[str] = field(default_factory=list)
    # The same sources as records (`source` tells them; a reply without: its links).
    cited: list[Source] = field(default_factory=list)
    # True when the text was derived from untrusted web content (headlines, comments...).
    tainted: bool = False
    # Extra keys a skill adds to `run-skill --json` output (e.g. seuss-news's "items").
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class SkillContext:
    """Everything a skill may use; built once per run by the app."""

    llm: LLM
    speaker: Speaker
    clock: Clock
    http: Fetcher
    # The skill's own folder for state files (created when first written).
    state_dir: Path
    log: logging.Logger
    # Headlines from feeds within the [news] limits, the last good ones, what was spoken.
    news: SkillNews
    # The user's notes and the headline archive (opened on the first search).
    store: Retriever
    # Good examples per skill (`ctx.exemplars.nearest(skill, input)`) for few-shot prompts.
    exemplars: Exemplars = field(default_factory=ExemplarBanks)
    # Finished parts of the reply, added in order as they are made (`ctx.draft.add(part)`): a
    # prepared run that is late at its scheduled second speaks them while the rest is made.
    draft: Draft = field(default_factory=Draft)


class Skill(ABC):
    """Base class of every skill; subclasses set `name` and implement `run`.

    `name` is also the entry-point name, the `[skills.<name>]` config section and the job id.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    default_schedule: ClassVar[str | None] = None
    # True: scheduled runs are prepared ahead and spoken at the scheduled second (the reply
    # must not depend on the moment it is made, beyond ctx.clock, which tells the scheduled time).
    precompute: ClassVar[bool] = False

    class Config(BaseModel):
        """A skill's own config keys; the default has none."""

        model_config = ConfigDict(extra="forbid")

    def __init__(self, config: BaseModel | None = None) -> None:
        self.config = config if config is not None else self.Config()

    @classmethod
    def summary(cls) -> str:
        """The description, or the first line of the class docstring."""
        if cls.description:
            return cls.description
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""

    @abstractmethod
    def run(self, ctx: SkillContext) -> Reply:
        """Produce what to say now. Called from a worker thread with a time limit.

        Raise any exception to report failure; the daemon logs it and carries on.
        """
