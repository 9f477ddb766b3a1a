"""Which skill uses which engine, and whether each engine can answer now (doctor, status)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from assistant.config import Config
from assistant.doctor import Check, Status
from assistant.llm.models import resolve_model
from assistant.llm.settings import DEFAULT_ENGINE, EngineSettings
from assistant.skillconfig import SkillPlan

# A status request must stay quick even when the big machine is off.
PROBE_TIMEOUT_S = 1.5

Probe = Callable[[str], str | None]


def probe_models(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """GET `url`/v1/models; None when it answers 200, else why not, in a few words."""
    try:
        response = httpx.get(url.rstrip("/") + "/v1/models", timeout=timeout_s)
    except httpx.HTTPError as exc:
        return f"unreachable ({type(exc).__name__})"
    return None if response.status_code == 200 else f"HTTP {response.status_code}"


def local_problem(model: str) -> str | None:
    """None when the local model file exists, else why not."""
    try:
        path = resolve_model(model)
    except ValueError as exc:
        return str(exc)
    return None if path.is_file() else f"model file does not exist: {path}"


def engine_reach(section: EngineSettings, probe: Probe = probe_models) -> dict[str, Any]:
    """Whether one engine can answer: the local file is there, or the server answers; a remote
    one that is down but has a local fallback still answers (from the fallback)."""
    if section.backend == "local":
        problem = local_problem(section.model)
        return {"backend": "local", "model": section.model, "reachable": problem is None,
                "detail": problem or "model file present"}  # fmt: skip
    down = probe(section.url)
    report: dict[str, Any] = {"backend": "remote", "model": section.model, "url": section.url}
    fallback = local_problem(section.local_model) if section.local_model else "no fallback"
    report["fallback"] = section.local_model or None
    report["reachable"] = down is None or fallback is None
    if down is None:
        report["detail"] = "server answers"
    elif fallback is None:
        report["detail"] = f"server {down}; falls back to local {section.local_model}"
    else:
        report["detail"] = f"server {down}; {fallback}"
    return report


def engines_report(config: Config, plan: SkillPlan, probe: Probe = probe_models) -> dict[str, Any]:
    """Each engine's reachability and the enabled skills that use it."""
    report: dict[str, Any] = {}
    for name in config.llm.engine_names():
        section = config.llm.engine(name)
        assert section is not None
        entry = engine_reach(section, probe)
        entry["skills"] = sorted(
            s.name for s in plan.skills if s.enabled and s.settings.engine == name
        )
        report[name] = entry
    return report


def skill_engines(plan: SkillPlan) -> dict[str, str]:
    """skill -> the name of its engine, for every enabled skill."""
    return {s.name: s.settings.engine for s in plan.skills if s.enabled}


def check_engines(config: Config, plan: SkillPlan, probe: Probe = probe_models) -> list[Check]:
    """A doctor check per engine: can it answer, and which skills use it."""
    checks = []
    for name, entry in engines_report(config, plan, probe).items():
        users = ", ".join(entry["skills"]) or "no enabled skill"
        detail = f"{entry['backend']} {entry['model']}: {entry['detail']} (used by: {users})"
        if entry["reachable"]:
            fell_back = entry["backend"] == "remote" and entry["detail"] != "server answers"
            remedy = "start the server; until then the local fallback answers"
            checks.append(Check(f"engine {name}", "warn" if fell_back else "ok", detail, remedy))
            continue
        status: Status = "fail" if entry["skills"] else "warn"
        remedy = f"fix [llm{'' if name == DEFAULT_ENGINE else '.engines.' + name}]"
        checks.append(Check(f"engine {name}", status, detail, remedy))
    return checks
