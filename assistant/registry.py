"""Finds skills through the `assistant.skills` entry points; reports bad plugins by name."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from assistant.cron import check_cron
from assistant.skill import Skill

log = logging.getLogger(__name__)
GROUP = "assistant.skills"


@dataclass(frozen=True)
class PluginProblem:
    """An entry point that could not be used as a skill."""

    name: str
    problem: str

    def __str__(self) -> str:
        return f"skill plugin {self.name!r}: {self.problem}"


@dataclass
class Registry:
    """The skills that loaded, and the plugins that did not."""

    skills: dict[str, type[Skill]] = field(default_factory=dict)
    problems: list[PluginProblem] = field(default_factory=list)


def check_skill_class(name: str, obj: object) -> str | None:
    """Return why `obj` cannot be the skill `name`, or None when it can."""
    if not (isinstance(obj, type) and issubclass(obj, Skill)):
        return f"{obj!r} is not a subclass of assistant.Skill"
    if obj.name != name:
        return f"its Skill.name is {obj.name!r}; it must equal the entry-point name"
    if getattr(obj, "__abstractmethods__", None):
        return "it does not implement run()"
    if obj.default_schedule is not None:
        try:
            check_cron(obj.default_schedule)
        except ValueError as exc:
            return f"default_schedule: {exc}"
    return None


def load_registry(group: str = GROUP) -> Registry:
    """Load every skill entry point; a broken one is reported and skipped, the rest load."""
    registry = Registry()
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        if ep.name in registry.skills:
            registry.problems.append(PluginProblem(ep.name, f"duplicate name (from {ep.value})"))
            continue
        try:
            obj = ep.load()
        except Exception as exc:  # a plugin may fail in any way; none may stop the others
            problem = PluginProblem(ep.name, f"failed to import {ep.value}: {exc!r}")
        else:
            reason = check_skill_class(ep.name, obj)
            if reason is None:
                registry.skills[ep.name] = obj
                continue
            problem = PluginProblem(ep.name, reason)
        log.error("%s; skipped", problem)
        registry.problems.append(problem)
    return registry
