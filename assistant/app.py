"""The one place that builds everything from the config."""

from __future__ import annotations

import importlib
import io
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from assistant.admission import EmbedGate, Limits
from assistant.clock import Clock, SystemClock, load_timezone
from assistant.config import Config, is_skill_name, load_config, read_toml, validate_config
from assistant.errors import ConfigError
from assistant.feedback.recall import FeedbackHook
from assistant.feedback.utterance import Utterance
from assistant.http import HttpFetcher
from assistant.llm.base import LLM
from assistant.llm.local import LocalEngine
from assistant.llm.models import resolve_model
from assistant.llm.remote import CascadeEngine, RemoteEngine
from assistant.llm.settings import DEFAULT_ENGINE, EngineSettings
from assistant.news.service import NewsService
from assistant.paths import Paths, load_paths
from assistant.quality.exemplars import LEARNED, ExemplarBanks
from assistant.quality.learning import teach
from assistant.registry import Registry, load_registry
from assistant.retrieval.embedder import HeavyGate
from assistant.retrieval.lazy import LazyStore
from assistant.runtime import App
from assistant.service.timesync import build_sync_check
from assistant.skillconfig import SkillPlan, configure_skills
from assistant.speech.base import Speaker
from assistant.speech.build import build_worker_speaker
from assistant.speech.voices import VOICES_DIR
from assistant.web.settings import web_problems

if TYPE_CHECKING:
    from assistant.home.bridge import MqttBridge
    from assistant.service.control import Handler
    from assistant.web.server import WebServer

log = logging.getLogger(__name__)


def load_plan(config: Config) -> tuple[Registry, SkillPlan]:
    """Discover skills and validate their config sections; raise ConfigError on bad keys.

    Sections of skills that are not installed stay in `plan.missing` (for listings).
    """
    registry = load_registry()
    plan = configure_skills(config, registry)
    if plan.problems:
        raise ConfigError(plan.problems)
    return registry, plan


def load_checked(path: Path | None) -> tuple[Config, Registry, SkillPlan]:
    """Read the config and check everything `run` needs, reporting every problem in one pass,
    each line prefixed with the file; raise ConfigError. `check-config`, `run` and a reload
    all go through here, so whatever one refuses the others refuse too."""
    config, problems = validate_config(read_toml(path))
    registry = load_registry()
    plan = configure_skills(config, registry)
    problems += plan.problems + plan.missing + greeting_problems(config, registry)
    problems += web_problems(config.web, os.environ)
    if problems:
        where = f"{path}: " if path else ""
        raise ConfigError([where + line for line in problems])
    return config, registry, plan


def greeting_problems(config: Config, registry: Registry) -> list[str]:
    """`[assistant] greeting` names an installed skill, or is text to speak, or is empty."""
    greeting = config.assistant.greeting
    if not greeting or not is_skill_name(greeting) or greeting in registry.skills:
        return []
    return [
        f"assistant.greeting: no skill named {greeting!r} is installed "
        "(a greeting with spaces or punctuation is spoken as it is)"
    ]


def build_local_engine(
    config: Config, model: str, state: Path, section: EngineSettings | None = None
) -> LocalEngine:
    """The llama.cpp engine for `model` with the threads, context and cache of `section`
    (default: [llm])."""
    s = section or config.llm
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


def build_llm(config: Config, state: Path, section: EngineSettings | None = None) -> LLM:
    """The engine `section` (default: [llm]) asks for: local, or remote with a local fallback."""
    s = section or config.llm
    if s.backend == "local":
        return build_local_engine(config, s.model, state, s)
    remote = RemoteEngine(
        s.url,
        s.model,
        api_key=os.environ.get(s.api_key_env, ""),
        timeout_s=s.timeout_s,
        retries=s.retries,
    )
    if not s.local_model:
        return remote
    return CascadeEngine([remote, build_local_engine(config, s.local_model, state, s)])


def build_engines(
    config: Config, state: Path, default: LLM, old: App | None = None
) -> dict[str, LLM]:
    """Every named engine, built once and shared by the skills that use it; `old`'s engines
    are kept where their section did not change, so that a reload reloads no model."""
    engines: dict[str, LLM] = {DEFAULT_ENGINE: default}
    for name, section in config.llm.engines.items():
        kept = old.config.llm.engines.get(name) if old is not None else None
        if old is not None and kept == section and name in old.engines:
            engines[name] = old.engines[name]
        else:
            engines[name] = build_llm(config, state, section)
    return engines


def build_clock(config: Config) -> SystemClock:
    """The system clock in the configured zone, with the configured trust in its sync."""
    return SystemClock(
        load_timezone(config.assistant.timezone),
        sync=build_sync_check(config.service.trust_clock),
    )


def build_speaker(
    config: Config, state: Path, text_out: TextIO | None, clock: Clock | None = None
) -> Speaker:
    """The speaker with the config's engine, voice, sinks, quiet hours and queue."""
    return build_worker_speaker(
        config.speech,
        state / "speech",
        voices_dir=state / VOICES_DIR,
        clock=clock or build_clock(config),
        text_out=text_out,
    )


def build_app(
    config_path: Path | None,
    *,
    text_out: TextIO | None = None,
    llm: LLM | None = None,
    speaker: Speaker | None = None,
    old: App | None = None,
) -> App:
    """Load and check the config, then build every part; raise ConfigError before anything
    starts."""
    config, registry, plan = load_checked(config_path)
    return assemble_app(
        config,
        registry,
        plan,
        load_paths(),
        config_path=config_path,
        text_out=text_out,
        llm=llm,
        speaker=speaker,
        old=old,
    )


def assemble_app(
    config: Config,
    registry: Registry,
    plan: SkillPlan,
    paths: Paths,
    *,
    config_path: Path | None = None,
    text_out: TextIO | None = None,
    llm: LLM | None = None,
    speaker: Speaker | None = None,
    old: App | None = None,
    clock: Clock | None = None,
) -> App:
    """Build every part from a checked config (the parts given are used as they are)."""
    clock = clock or build_clock(config)
    http = HttpFetcher(config.news.fetch_limits())
    default = llm or build_llm(config, paths.state)
    # Holds heavy embedding back while a briefing is under way (the daemon says which).
    heavy = EmbedGate(Limits.from_section(config.service), config.service.admission_wait_s)
    return App(
        config=config,
        config_path=config_path,
        registry=registry,
        plan=plan,
        llm=default,
        engines=build_engines(config, paths.state, default, old),
        speaker=speaker or build_speaker(config, paths.state, text_out, clock),
        clock=clock,
        http=http,
        paths=paths,
        news=NewsService(config.news, http, paths.state),
        store=LazyStore(config.retrieval, paths.state, paths.cache, heavy),
        exemplars=build_exemplars(config, paths.cache, heavy, state=paths.state),
        heavy=heavy,
    )


def build_exemplars(
    config: Config, cache: Path, gate: HeavyGate | None = None, *, state: Path | None = None
) -> ExemplarBanks:
    """The skills' exemplar banks, searched with the store's embedder when it has one, with
    what good ratings taught them (in the `state` dir, when given)."""
    from assistant.retrieval.store import build_embedder

    return ExemplarBanks(
        embedder=build_embedder(config.retrieval, cache, gate),
        cache_dir=cache,
        learned=state / LEARNED if state is not None else None,
    )


def build_feedback_hook(app: App) -> FeedbackHook:
    """What a rating teaches beyond being stored: each model-written piece of a good
    utterance joins its skill's exemplar bank, of a bad one the skill's regression file and
    rule (the learner's files: a reloaded app, with new banks, sees them too)."""
    learner = app.learner

    def learn(said: Utterance, verdict: str, note: str) -> None:
        teach(learner, said.skill, said.pieces, verdict, note)

    return learn


def rebuild_app(old: App) -> App:
    """Re-read `old`'s config file and build a new app; raise ConfigError when it is bad.

    The model and the speaker are kept when their sections did not change, so that a reload
    neither reloads the model nor cuts speech. Newly installed skill plugins are found.
    """
    importlib.invalidate_caches()
    config = load_config(old.config_path)
    same = config.llm.model_dump(exclude={"engines"}) == old.config.llm.model_dump(
        exclude={"engines"}
    )
    llm = old.llm if same else None
    speaker = old.speaker if config.speech == old.config.speech else None
    return build_app(old.config_path, llm=llm, speaker=speaker, old=old)


def build_mqtt(config: Config, handle: Handler) -> MqttBridge | None:
    """The Home Assistant bridge, started, when `[mqtt] enabled` (its password from the env)."""
    from assistant.home.bridge import start_bridge

    password = os.environ.get(config.mqtt.password_env, "") if config.mqtt.password_env else ""
    return start_bridge(config.mqtt, handle, password)


def build_web(config: Config, handle: Handler) -> WebServer | None:
    """The web page, serving, when `[web] enabled` (its login token from the env); None when
    it is off or its port cannot be bound."""
    if not config.web.enabled:
        return None
    from assistant.web.server import start_web  # bottle and waitress are loaded only for it

    return start_web(config.web, handle, config.web.token(os.environ))


def quiet_text() -> TextIO:
    """A text sink for CLI commands that print results themselves."""
    return io.StringIO()
