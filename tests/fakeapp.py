"""An App made of fakes, for tests of the daemon and the runner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.clock import Clock
from assistant.config import Config
from assistant.news.service import NewsService
from assistant.paths import Paths
from assistant.registry import Registry
from assistant.retrieval.lazy import LazyStore
from assistant.runtime import App
from assistant.skillconfig import SkillPlan
from assistant.speech.base import Speaker
from assistant.testing import FakeFetcher, FakeLLM


def fake_app(
    tmp_path: Path, config: Config, plan: SkillPlan, speaker: Speaker, clock: Clock, **kw: Any
) -> App:
    """An app over `plan` whose model and network are fakes and whose dirs are under tmp_path."""
    runtime = kw.get("runtime") or tmp_path / "run"
    paths = Paths(state=tmp_path, cache=tmp_path / "cache", runtime=runtime)
    http = kw.get("http") or FakeFetcher()
    return App(
        config=config,
        config_path=None,
        registry=Registry(),
        plan=plan,
        llm=kw.get("llm") or FakeLLM(),
        speaker=speaker,
        clock=clock,
        http=http,
        paths=paths,
        news=NewsService(config.news, http, tmp_path),
        store=LazyStore(config.retrieval, paths.state, paths.cache),
    )
