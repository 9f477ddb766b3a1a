"""The one place that builds everything from the config."""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from assistant.clock import Clock, SystemClock, load_timezone
from assistant.config import Config, load_config, state_dir
from assistant.errors import ConfigError
from assistant.http import Fetcher, HttpFetcher
from assistant.journal import Journal
from assistant.llm.base import LLM
from assistant.llm.local import LocalEngine
from assistant.llm.models import resolve_model
from assistant.llm.remote import CascadeEngine, RemoteEngine
from assistant.registry import Registry, load_registry
from assistant.retrieval.lazy import LazyStore
from assistant.runner import Runner
from assistant.service.timesync import build_sync_check
from assistant.skill import SkillContext
from assistant.skillconfig import SkillPlan, configure_skills
from assistant.speech.base import SkillSpeaker, Speaker
from assistant.speech.build import build_espeak_speaker

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything the daemon and the CLI need, built once."""

    config: Config
    config_path: Path | None
    registry: Registry
    plan: SkillPlan
    llm: LLM
    speaker: Speaker
    clock: Clock
    http: Fetcher
    state_dir: Path
    store: LazyStore | None = None
    journal: Journal = field(init=False)

    def __post_init__(self) -> None:
        self.journal = Journal(self.state_dir / "journal.jsonl")

    def context(self, skill: str, clock: Clock | None = None) -> SkillContext:
        """A context for one run of `skill`."""
        return SkillContext(
            llm=self.llm,
            # Wrapped so that the speaker knows who speaks (quiet hours allow some skills).
            speaker=SkillSpeaker(self.speaker, skill),
            clock=clock or self.clock,
            http=self.http,
            state_dir=self.state_dir / "skills" / skill,
            log=logging.getLogger(f"skill.{skill}"),
            store=self.store,
        )

    def runner(self) -> Runner:
        """A runner over this app's skills."""
        return Runner(self.plan, self.context, self.journal)

    def close(self) -> None:
        """Release the model, the speech worker and network connections."""
        for part in (self.llm, self.speaker, self.http, self.store):
            close = getattr(part, "close", None)
            if close is not None:
                close()


def load_plan(config: Config) -> tuple[Registry, SkillPlan]:
    """Discover skills and validate their config sections; raise ConfigError on bad keys."""
    registry = load_registry()
    plan = configure_skills(config, registry)
    if plan.problems:
        raise ConfigError(plan.problems)
    for line in plan.missing:
        log.error("%s: its schedule does not run until it is installed again", line)
    return registry, plan


def build_local_engine(config: Config, model: str, state: Path) -> LocalEngine:
    """The llama.cpp engine for `model` with the config's threads, context and cache."""
    s = config.llm
    return LocalEngine(
        resolve_model(model),
        threads=s.threads,
        context=s.context,
        seed=s.seed,
        mlock=s.mlock,
        idle_unload_s=s.idle_unload_s,
        cache_dir=state / "prompt-cache",
        prompt_cache=s.prompt_cache,
    )


def build_llm(config: Config, state: Path) -> LLM:
    """The engine the config asks for: local, or remote with the local one as fallback."""
    s = config.llm
    if s.backend == "local":
        return build_local_engine(config, s.model, state)
    remote = RemoteEngine(
        s.url,
        s.model,
        api_key=os.environ.get(s.api_key_env, ""),
        timeout_s=s.timeout_s,
        retries=s.retries,
    )
    if not s.local_model:
        return remote
    return CascadeEngine([remote, build_local_engine(config, s.local_model, state)])


def build_clock(config: Config) -> SystemClock:
    """The system clock in the configured zone, with the configured trust in its sync."""
    return SystemClock(
        load_timezone(config.assistant.timezone),
        sync=build_sync_check(config.service.trust_clock),
    )


def build_speaker(
    config: Config, state: Path, text_out: TextIO | None, clock: Clock | None = None
) -> Speaker:
    """The espeak-ng speaker with the config's voice, sinks, quiet hours and queue."""
    return build_espeak_speaker(
        config.speech, state / "speech", clock=clock or build_clock(config), text_out=text_out
    )


def build_app(
    config_path: Path | None,
    *,
    text_out: TextIO | None = None,
    llm: LLM | None = None,
    speaker: Speaker | None = None,
) -> App:
    """Load the config and build every part; raise ConfigError before anything starts."""
    config = load_config(config_path)
    registry, plan = load_plan(config)
    state = state_dir()
    clock = build_clock(config)
    return App(
        config=config,
        config_path=config_path,
        registry=registry,
        plan=plan,
        llm=llm or build_llm(config, state),
        speaker=speaker or build_speaker(config, state, text_out, clock),
        clock=clock,
        http=HttpFetcher(config.news.fetch_limits()),
        state_dir=state,
        store=LazyStore(config.retrieval, state),
    )


def quiet_text() -> TextIO:
    """A text sink for CLI commands that print results themselves."""
    return io.StringIO()
