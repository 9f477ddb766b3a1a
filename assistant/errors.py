"""The daemon's own small error hierarchy; third-party errors are wrapped at the boundary."""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the daemon raises on purpose."""


class ConfigError(AssistantError):
    """The configuration is invalid; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class ModelError(AssistantError):
    """The LLM could not be loaded or could not answer."""


class SpeechError(AssistantError):
    """Text could not be turned into sound."""


class FetchError(AssistantError):
    """A URL or file could not be fetched within its limits."""


class SkillError(AssistantError):
    """A skill could not be found, built or run."""
