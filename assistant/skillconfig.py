"""Matches `[skills.<name>]` sections to installed skills and validates each one."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from assistant.config import Config, SkillSettings, format_errors, split_skill_section
from assistant.registry import Registry
from assistant.skill import Skill


@dataclass(frozen=True)
class ConfiguredSkill:
    """An installed skill with its settings; enabled when its config section says so."""

    cls: type[Skill]
    settings: SkillSettings
    options: BaseModel
    enabled: bool

    @property
    def name(self) -> str:
        """The skill's name, entry point, config section and job id."""
        return self.cls.name

    @property
    def precompute(self) -> bool:
        """True when scheduled runs are prepared ahead: the config's say, else the skill's."""
        if self.settings.precompute is not None:
            return self.settings.precompute
        return self.cls.precompute

    @property
    def schedule(self) -> str | None:
        """The cron string in force: the config's, else the skill's default."""
        return self.settings.schedule or self.cls.default_schedule

    def build(self) -> Skill:
        """Instantiate the skill with its validated options."""
        return self.cls(self.options)


@dataclass
class SkillPlan:
    """The outcome of matching config to installed skills."""

    skills: list[ConfiguredSkill]
    # Bad keys or values: nothing may start until they are fixed.
    problems: list[str]
    # Sections naming skills that are not installed or broke at import: reported loudly,
    # but the other skills still run.
    missing: list[str]

    def get(self, name: str) -> ConfiguredSkill | None:
        """Return the configured skill called `name`, if installed."""
        return next((s for s in self.skills if s.name == name), None)


def configure_skills(config: Config, registry: Registry) -> SkillPlan:
    """Validate every skills section against its skill's own config model."""
    problems: list[str] = []
    missing: list[str] = []
    configured: list[ConfiguredSkill] = []
    for name, cls in sorted(registry.skills.items()):
        section = config.skills.get(name)
        common, raw = split_skill_section(section or {})
        settings, options = None, None
        try:
            settings = SkillSettings.model_validate(common)
        except ValidationError as exc:
            problems += format_errors(exc, prefix=f"skills.{name}")
        try:
            options = cls.Config.model_validate(raw)
        except ValidationError as exc:
            problems += format_errors(exc, prefix=f"skills.{name}")
        if settings is None or options is None:
            continue
        if config.llm.engine(settings.engine) is None:
            problems.append(
                f"skills.{name}.engine: no engine named {settings.engine!r} "
                f"(define [llm.engines.{settings.engine}], or use 'default')"
            )
            continue
        enabled = section is not None and settings.enabled
        configured.append(ConfiguredSkill(cls, settings, options, enabled))
    broken = {p.name for p in registry.problems}
    for name in sorted(set(config.skills) - set(registry.skills)):
        why = "its plugin is broken" if name in broken else "no such skill is installed"
        missing.append(f"skills.{name}: {why}")
    return SkillPlan(configured, problems, missing)
