"""pi-assistant: a small, private, local-LLM home assistant. The face for skill authors.

Everything a skill needs comes from here; the built-in skills import nothing else of ours.
"""

from assistant.errors import AssistantError
from assistant.files import read_json, write_json_atomic
from assistant.llm.base import LLM, GenerateOptions, Message, few_shot
from assistant.llm.contract import (
    Attempt,
    Contract,
    MaxWords,
    MustContain,
    MustNotContain,
    NoRepetition,
    NotEmpty,
    Outcome,
    Predicate,
    Rule,
    Sampler,
    Score,
    generate_checked,
    seed_for,
    words,
)
from assistant.news.dedup import dedupe
from assistant.news.headline import Headline
from assistant.news.service import FeedConfig, FeedSetting, News, SkillNews, stale_note
from assistant.quality.exemplars import Exemplar, ExemplarBanks, Exemplars
from assistant.quality.grounding import grounding_violation, is_grounded, unknown_words
from assistant.quality.hoursense import (
    hour_band,
    hour_sense,
    odd_for_hour,
    odd_vocabulary,
    odd_words,
)
from assistant.quality.numbers import CARDINALS
from assistant.quality.rhyme import (
    couplet_rhymes,
    line_end_words,
    no_rhyme,
    rhyme_score,
    rhymes,
)
from assistant.quality.rhymegrammar import rhyme_choices, rhyming_sampler
from assistant.quality.sense import nonsense, sense_score
from assistant.quality.sensitivity import Verdict, classify, is_tragic
from assistant.retrieval.base import Hit, Retriever, SearchResult
from assistant.skill import Reply, Skill, SkillContext, Source

__all__ = [
    "CARDINALS",
    "LLM",
    "AssistantError",
    "Attempt",
    "Contract",
    "Exemplar",
    "ExemplarBanks",
    "Exemplars",
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
    "Sampler",
    "Score",
    "SearchResult",
    "Skill",
    "SkillContext",
    "SkillNews",
    "Source",
    "Verdict",
    "classify",
    "couplet_rhymes",
    "dedupe",
    "few_shot",
    "generate_checked",
    "grounding_violation",
    "hour_band",
    "hour_sense",
    "is_grounded",
    "is_tragic",
    "line_end_words",
    "no_rhyme",
    "nonsense",
    "odd_for_hour",
    "odd_vocabulary",
    "odd_words",
    "read_json",
    "rhyme_choices",
    "rhyme_score",
    "rhymes",
    "rhyming_sampler",
    "seed_for",
    "sense_score",
    "stale_note",
    "unknown_words",
    "words",
    "write_json_atomic",
]
__version__ = "0.1.0"
