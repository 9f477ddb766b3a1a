"""The running parts of the assistant, as the app built them; the daemon and the CLI use them."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from assistant.admission import EmbedGate
from assistant.clock import Clock
from assistant.config import Config
from assistant.http import Fetcher
from assistant.journal import Journal
from assistant.llm.base import LLM
from assistant.llm.settings import DEFAULT_ENGINE
from assistant.news.service import NewsService
from assistant.paths import Paths
from assistant.quality.exemplars import LEARNED, ExemplarBanks
from assistant.quality.learning import Learner, StateLearner, ruled
from assistant.registry import Registry
from assistant.retrieval.lazy import LazyStore
from assistant.runner import Runner
from assistant.skill import SkillContext
from assistant.skillconfig import SkillPlan
from assistant.speech.base import SkillSpeaker, Speaker


@dataclass
class App:
    """Everything the daemon and the CLI need, built once by `assistant.app`."""

    config: Config
    config_path: Path | None
    registry: Registry
    plan: SkillPlan
    llm: LLM
    speaker: Speaker
    clock: Clock
    http: Fetcher
    paths: Paths
    news: NewsService
    store: LazyStore
    exemplars: ExemplarBanks = field(default_factory=ExemplarBanks)
    # Named engines ("default" is `llm`), built once and shared by the skills naming them.
    engines: dict[str, LLM] = field(default_factory=dict)
    # Holds the embedders' heavy jobs back while a briefing is under way or the Pi needs quiet.
    heavy: EmbedGate = field(default_factory=EmbedGate)
    journal: Journal = field(init=False)
    # What ratings teach the skills (`learner.liked`, `learner.disliked`): the exemplar banks
    # learn into the state dir, and bad ratings become rules of the skills' checked output.
    learner: Learner = field(init=False)

    def __post_init__(self) -> None:
        self.journal = Journal(self.paths.state / "journal.jsonl")
        if self.exemplars.learned is None:
            self.exemplars.learned = self.paths.state / LEARNED
        self.learner = StateLearner(self.paths.state, self.exemplars)

    @property
    def state_dir(self) -> Path:
        """The state dir (journal, skills' state, store, WAV files)."""
        return self.paths.state

    def engine_name(self, skill: str) -> str:
        """The name of the engine `skill` uses (its `engine` key; else the default)."""
        configured = self.plan.get(skill)
        return configured.settings.engine if configured is not None else DEFAULT_ENGINE

    def engine_for(self, skill: str) -> LLM:
        """The engine `skill` uses; the default one when its name is unknown (check-config
        refuses that, so only a skill run outside the plan gets here)."""
        return self.engines.get(self.engine_name(skill), self.llm)

    def context(self, skill: str, clock: Clock | None = None) -> SkillContext:
        """A context for one run of `skill`, with the engine its config names."""
        clock = clock or self.clock
        state = self.paths.state / "skills" / skill
        logger = logging.getLogger(f"skill.{skill}")
        return SkillContext(
            # With the rules bad ratings taught: every checked generation keeps them.
            llm=ruled(self.engine_for(skill), self.learner, skill),
            # Wrapped so that the speaker knows who speaks (quiet hours allow some skills).
            speaker=SkillSpeaker(self.speaker, skill),
            clock=clock,
            http=self.http,
            state_dir=state,
            log=logger,
            store=self.store,
            news=self.news.for_run(state, clock, logger),
            exemplars=self.exemplars,
        )

    def runner(self, stopping: threading.Event | None = None) -> Runner:
        """A runner over this app's skills; `stopping` marks runs cut short by a stop."""
        return Runner(self.plan, self.context, self.journal, stopping)

    def close(self) -> None:
        """Release the model, the speech worker, network connections and the store."""
        for engine in {id(e): e for e in [self.llm, *self.engines.values()]}.values():
            engine.close()
        self.speaker.close()
        self.http.close()
        self.store.close()
        self.exemplars.close()
