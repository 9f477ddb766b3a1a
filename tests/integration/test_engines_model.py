"""Engines per skill with the real model: local by default, a real llama.cpp server as `big`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.app import build_app
from assistant.llm.base import GenerateOptions
from assistant.llm.local import LocalEngine
from assistant.llm.models import DEFAULT_MODEL, resolve_model
from assistant.llm.reach import engines_report
from assistant.llm.remote import RemoteEngine
from assistant.testing import FakeSpeaker
from tests.conftest import write_config
from tests.integration.helpers import free_port, start_llama_server

pytestmark = pytest.mark.slow
SHORT = GenerateOptions(max_tokens=6, temperature=0)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    proc, url = start_llama_server(resolve_model(DEFAULT_MODEL), log)
    try:
        yield url, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def config_text(url: str, fallback: str = '""') -> str:
    return (
        "[llm]\ncontext = 512\n"
        f'[llm.engines.big]\nbackend = "remote"\nurl = "{url}"\nmodel = "smollm2"\n'
        f"local_model = {fallback}\ntimeout_s = 60\n"
        '[skills.fake-quote]\nengine = "big"\n[skills.clock]\n'
    )


def test_each_skill_talks_to_its_own_engine(tmp_path: Path, server: tuple[str, Path]) -> None:
    url, log = server
    app = build_app(write_config(tmp_path / "a.toml", config_text(url)), speaker=FakeSpeaker())
    try:
        quote, clock = app.context("fake-quote").llm, app.context("clock").llm
        assert isinstance(quote, RemoteEngine) and isinstance(clock, LocalEngine)
        before = log.read_text().count("/v1/chat/completions")
        assert quote.generate("Say yes.", SHORT).strip()
        assert log.read_text().count("/v1/chat/completions") == before + 1
        assert not clock.loaded
        assert clock.generate("Say yes.", SHORT).strip() and clock.loaded
        report = engines_report(app.config, app.plan)
        assert report["big"] | {"skills": ["fake-quote"], "reachable": True} == report["big"]
        assert report["big"]["detail"] == "server answers"
        assert report["default"]["reachable"] and "clock" in report["default"]["skills"]
    finally:
        app.close()


def test_a_remote_engine_that_is_down_falls_back_to_its_local_model(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    text = config_text(url, fallback=f'"{DEFAULT_MODEL}"').replace(
        "timeout_s", "retries = 0\ntimeout_s"
    )
    app = build_app(write_config(tmp_path / "a.toml", text), speaker=FakeSpeaker())
    try:
        assert app.context("fake-quote").llm.generate("Say yes.", SHORT).strip()
        report = engines_report(app.config, app.plan)["big"]
        assert report["reachable"] and "falls back to local" in report["detail"]
    finally:
        app.close()
