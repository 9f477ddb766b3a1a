"""What the skills that write about web text share: their options, their rules, a topical score."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from pydantic import BaseModel, ConfigDict, Field

from assistant import (
    Contract,
    GenerateOptions,
    MaxWords,
    Message,
    NoRepetition,
    NotEmpty,
    Outcome,
    Rule,
    Score,
    SkillContext,
    generate_checked,
    seed_for,
    words,
)
from skills._lib.untrusted import not_a_copy, not_steered, tidy_lines
from skills._lib.wordfilter import banned_words, no_tragic_words


class WritingOptions(BaseModel):
    """The options of every skill that writes about web text with the model."""

    model_config = ConfigDict(extra="forbid")
    use_llm: bool = True
    # Candidates sampled after the first; the best that passes every rule is said.
    retries: int = Field(5, ge=0, le=10)
    # Few-shot examples taken from the skill's exemplar bank.
    exemplars: int = Field(3, ge=0, le=4)
    extra_banned_words: list[str] = Field(default_factory=list)


def writing_rules(
    source: str,
    max_words: int,
    banned: Iterable[str] = (),
    repetition: NoRepetition | None = None,
) -> list[Rule]:
    """The rules any line written about `source` keeps: said, short, not looping, not a
    copy of the source nor steered by it, no tragedy and no banned word."""
    return [
        NotEmpty(),
        MaxWords(max_words),
        repetition or NoRepetition(),
        not_a_copy(source),
        not_steered(),
        no_tragic_words(),
        banned_words(banned),
    ]


def topical(source: str, min_chars: int = 4, skip: Collection[str] = ()) -> Score:
    """A soft score: the text takes up content words of `source` (two or more is best)."""
    content = {w for w in words(source) if len(w) >= min_chars and w not in skip}

    def score(text: str) -> float:
        return min(1.0, len(content & set(words(text))) / 2)

    return Score("topical", score)


def write(
    ctx: SkillContext,
    prompt: list[Message],
    contract: Contract,
    fallback: str,
    *,
    key: str,
    max_tokens: int,
    stop: tuple[str, ...],
    input: str = "",
) -> Outcome:
    """The best line the model writes for the few-shot `prompt` that keeps `contract`, else
    `fallback`. Its examples are a fixed prefix (the prompt cache keeps them); the seeds
    follow the time and `key`, so each day brings new lines. `input` (the headline, the
    topic) is journalled beside what the model wrote."""
    options = GenerateOptions(
        max_tokens=max_tokens,
        temperature=0.9,
        stop=stop,
        seed=seed_for(ctx.clock.now(), key),
        fixed_prefix=len(prompt) - 1,
    )
    return generate_checked(
        ctx.llm,
        prompt,
        contract,
        fallback=lambda: fallback,
        options=options,
        tidy=tidy_lines,
        input=input,
    )
