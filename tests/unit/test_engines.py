"""Named engines: config checks, one shared engine per name, each skill's engine, reachability."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import build_app, load_checked, rebuild_app
from assistant.errors import ConfigError
from assistant.llm.local import LocalEngine
from assistant.llm.reach import check_engines, engines_report
from assistant.llm.remote import CascadeEngine, RemoteEngine
from assistant.service.text import status_text
from tests.conftest import write_config

# Port 9 (discard) on localhost: nothing answers, so nothing is reached by accident.
BIG = '[llm.engines.big]\nbackend = "remote"\nurl = "http://127.0.0.1:9"\nmodel = "qwen"\n'


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_checked(path)
    return [line.removeprefix(f"{path}: ") for line in info.value.problems]


def test_an_unknown_engine_name_is_an_error_naming_the_key(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "a.toml", '[skills.clock]\nengine = "big"\n')
    found = problems(cfg)
    assert len(found) == 1 and found[0].startswith("skills.clock.engine: no engine named 'big'")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[llm.engines.default]\nmodel = "smollm2-135m"\n', "llm.engines"),
        ("[llm.engines.big]\nthread = 2\n", "llm.engines.big.thread"),
        ('[llm.engines.big]\nbackend = "remote"\n', "llm.engines.big.url"),
        ('[llm.engines.Big]\nmodel = "smollm2-135m"\n', "llm.engines"),
    ],
)
def test_bad_engine_sections_name_their_key(tmp_path: Path, text: str, key: str) -> None:
    found = problems(write_config(tmp_path / "a.toml", text))
    assert any(line.split(":")[0] == key for line in found), found


def test_each_skill_gets_its_engine_and_engines_are_shared(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path / "a.toml",
        BIG + '[skills.clock]\nengine = "big"\n[skills.fake-quote]\nengine = "big"\n'
        "[skills.seuss-news]\n",
    )
    app = build_app(cfg)
    try:
        big = app.engines["big"]
        assert isinstance(big, CascadeEngine)  # remote, with the local model as fallback
        assert isinstance(big.engines[0], RemoteEngine) and big.engines[0].url.endswith(":9")
        assert app.context("clock").llm is big and app.context("fake-quote").llm is big
        assert app.context("seuss-news").llm is app.llm is app.engines["default"]
        assert isinstance(app.llm, LocalEngine)
        again = rebuild_app(app)  # an unchanged section keeps its engine (no model reload)
        assert again.engines["big"] is big and again.llm is app.llm
    finally:
        app.close()


def test_a_changed_engine_is_built_again_on_reload(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "a.toml", BIG)
    app = build_app(cfg)
    try:
        cfg.write_text(BIG.replace("qwen", "llama"))
        again = rebuild_app(app)
        assert again.engines["big"] is not app.engines["big"]
        assert again.engines["big"].name == "llama" and again.llm is app.llm
    finally:
        app.close()


def test_reports_say_which_skill_uses_which_engine_and_whether_it_answers(
    tmp_path: Path,
) -> None:
    text = BIG + 'local_model = ""\n' + '[skills.clock]\nengine = "big"\n'
    cfg = write_config(tmp_path / "a.toml", text + "[skills.fake-quote]\n")
    config, _registry, plan = load_checked(cfg)
    down = engines_report(config, plan, probe=lambda _url: "unreachable (ConnectError)")
    assert down["big"]["skills"] == ["clock"] and down["big"]["reachable"] is False
    assert down["default"]["skills"] == ["fake-quote"] and down["default"]["reachable"] is True
    checks = {c.name: c for c in check_engines(config, plan, probe=lambda _url: "HTTP 503")}
    assert checks["engine big"].status == "fail" and "used by: clock" in checks["engine big"].detail
    assert checks["engine default"].status == "ok"
    up = engines_report(config, plan, probe=lambda _url: None)
    assert up["big"]["reachable"] is True and up["big"]["detail"] == "server answers"
    lines = status_text({"pid": 1, "uptime_s": 5, "clock": {}, "engines": down}).splitlines()
    assert any(line.split()[:2] == ["big", "DOWN"] and "skills: clock" in line for line in lines)


def test_a_remote_down_with_a_fallback_still_answers(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "a.toml", BIG + '[skills.clock]\nengine = "big"\n')
    config, _registry, plan = load_checked(cfg)
    report = engines_report(config, plan, probe=lambda _url: "unreachable (ConnectError)")
    assert report["big"]["reachable"] is True and "falls back" in report["big"]["detail"]
    checks = {c.name: c for c in check_engines(config, plan, probe=lambda _url: "HTTP 502")}
    assert checks["engine big"].status == "warn"
