"""The remote engine against a real llama.cpp server on 127.0.0.1, and the cascade to local."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.app import build_app
from assistant.llm.base import GenerateOptions
from assistant.llm.local import LocalEngine
from assistant.llm.models import DEFAULT_MODEL, resolve_model
from assistant.llm.remote import CascadeEngine, RemoteEngine
from assistant.testing import FakeSpeaker
from tests.integration.helpers import assistant

pytestmark = pytest.mark.slow
MODEL = resolve_model(DEFAULT_MODEL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    # A file, not a pipe: llama.cpp logs enough at load to fill a pipe and block the server.
    log = (tmp_path_factory.mktemp("server") / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(MODEL), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "1024", "--model_alias", "smollm2"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/v1/models", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server did not start; see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_generates_and_streams_through_the_server(server: str) -> None:
    llm = RemoteEngine(server, "smollm2", timeout_s=60)
    try:
        pieces = list(llm.stream("Name a colour.", GenerateOptions(max_tokens=12, temperature=0)))
        assert len(pieces) >= 2 and "".join(pieces).strip()
        assert llm.generate("Say yes.", GenerateOptions(max_tokens=4, temperature=0)).strip()
    finally:
        llm.close()


def test_cascade_uses_the_local_model_when_the_remote_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = RemoteEngine(f"http://127.0.0.1:{free_port()}", "smollm2", retries=1)
    local = LocalEngine(MODEL, context=512)
    cascade = CascadeEngine([down, local])
    try:
        assert cascade.generate("Say hi.", GenerateOptions(max_tokens=6, temperature=0)).strip()
        assert cascade.name == local.name
        assert "unavailable" in caplog.text and "falling back" in caplog.text
    finally:
        cascade.close()


def test_run_skill_through_a_remote_backend(server: str, tmp_path: Path) -> None:
    cfg = tmp_path / "remote.toml"
    cfg.write_text(
        f'[llm]\nbackend = "remote"\nurl = "{server}"\nmodel = "smollm2"\n[skills.clock]\n'
    )
    done = assistant(
        "--config",
        str(cfg),
        "run-skill",
        "clock",
        "--at",
        "2026-03-14T13:45:00",
        "--no-speak",
        "--json",
    )
    out = json.loads(done.stdout)
    assert out["model"] == "smollm2"
    assert "13:45" in out["text"] or "1:45" in out["text"]


def test_api_key_comes_from_the_environment(server: str, tmp_path: Path) -> None:
    # llama.cpp's server accepts any key when none is set; the point is that ours is sent.
    os.environ["ASSISTANT_TEST_KEY"] = "sekrit"
    try:
        cfg = tmp_path / "remote.toml"
        cfg.write_text(
            f'[llm]\nbackend = "remote"\nurl = "{server}"\nmodel = "smollm2"\n'
            'api_key_env = "ASSISTANT_TEST_KEY"\n[skills.clock]\nuse_llm = false\n'
        )
        app = build_app(cfg, speaker=FakeSpeaker())
        remote = app.llm.engines[0]  # type: ignore[attr-defined]
        assert remote._client.headers["Authorization"] == "Bearer sekrit"
        app.close()
    finally:
        del os.environ["ASSISTANT_TEST_KEY"]
