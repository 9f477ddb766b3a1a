"""pi-assistant: a small, private, local-LLM home assistant. The face for skill authors.

Everything a skill needs comes from here; the built-in skills import nothing else of ours.
"""

from assistant.errors import AssistantError
from assistant.llm.base import LLM, GenerateOptions, Message
from assistant.llm.contract import (
    Contract,
    MaxWords,
    MustContain,
    MustNotContain,
    NoRepetition,
    NotEmpty,
    Outcome,
    Predicate,
    Rule,
    generate_checked,
    words,
)
from assistant.news.dedup import dedupe
from assistant.news.headline import Headline
from assistant.news.service import FeedConfig, FeedSetting, News, SkillNews, stale_note
from assistant.retrieval.base import Hit, Retriever, SearchResult
from assistant.skill import Reply, Skill, SkillContext

__all__ = [
    "LLM",
    "AssistantError",
    "Contract",
    "FeedConfig",
    "FeedSetting",
    "GenerateOptions",
    "Headline",
    "Hit",
    "MaxWords",
    "Message",
    "MustContain",
    "MustNotContain",
    "News",
    "NoRepetition",
    "NotEmpty",
    "Outcome",
    "Predicate",
    "Reply",
    "Retriever",
    "Rule",
    "SearchResult",
    "Skill",
    "SkillContext",
    "SkillNews",
    "dedupe",
    "generate_checked",
    "stale_note",
    "words",
]
__version__ = "0.1.0"
