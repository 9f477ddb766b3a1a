"""The clock skill: the time in a rhyming couplet that fits the hour, never a wrong time."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant import (
    Contract,
    Exemplar,
    GenerateOptions,
    MaxWords,
    Message,
    NoRepetition,
    NotEmpty,
    Predicate,
    Reply,
    Rule,
    Score,
    Skill,
    SkillContext,
    few_shot,
    generate_checked,
    hour_band,
    no_rhyme,
    nonsense,
    odd_for_hour,
    odd_vocabulary,
    rhyme_score,
    rhyming_sampler,
    seed_for,
)
from skills._lib.timecheck import TIME_WORDS, time_forms, wrong_time

SYSTEM = "You write short, cheerful rhyming couplets: two lines that rhyme."
SEED_PROMPT = "Write a couplet with the time {}. Write numbers as numerals."
# The few-shot examples before the exemplar bank (`examples = "fixed"`), kept for the A/B.
EXAMPLES = [
    ("07:30", "Wake up, sleepyhead, the sun is in view,\nit's 07:30 and the day is new."),
    ("9:15 PM", "The stars are out and the moon shines bright,\nat 9:15 PM we say goodnight."),
    ("12:05", "The bells have rung, the morning's gone,\nit's 12:05, so carry on."),
]
# Said instead of the time while the clock is not synchronised: a Pi without a real-time
# clock may believe it is still yesterday evening.
UNSURE = "I am not sure what time it is: my clock has not been set from the network yet."
FALLBACKS = [
    "Here is the time, no need to guess:\nit is {}, no more, no less.",
    "Listen now, the clock would say:\nit is {}, so seize the day.",
    "No need to look, no need to climb:\nit is {}, right on time.",
]


def clock_prompt(stated: str, examples: list[tuple[str, str]] | None = None) -> list[Message]:
    """The few-shot chat that asks for a couplet with `stated` in it (nearest example last)."""
    shown = EXAMPLES if examples is None else examples
    shots = [(SEED_PROMPT.format(time), couplet) for time, couplet in shown]
    return few_shot(SYSTEM, shots, SEED_PROMPT.format(stated))


def tidy_line(line: str) -> str:
    """One line without surrounding quotes, its spaces single ("bright,  night" is what a
    grammar-forced ending may leave)."""
    return " ".join(line.split()).strip('"“”').strip()


def tidy_couplet(text: str) -> str:
    """Keep the first two non-empty lines, without wrapping quotes."""
    lines = [tidy_line(ln) for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join(lines[:2])


def in_form(exemplar: Exemplar, hour_format: str) -> tuple[str, str]:
    """An exemplar (written with 24-hour times) with its time in the configured form."""
    if hour_format == "24h":
        return exemplar.input, exemplar.output
    hour, minute = (int(x) for x in exemplar.input.split(":"))
    h12 = time_forms(datetime(2000, 1, 1, hour, minute))[1]
    return h12, exemplar.output.replace(exemplar.input, h12)


def fits(line: str, moment: datetime) -> bool:
    """A first line worth rhyming with: fits the hour, states no time in digits or words."""
    spoken = set(line.lower().replace(",", " ").replace(".", " ").split())
    return (
        odd_for_hour(line, moment) is None
        and not any(ch.isdigit() for ch in line)
        and not spoken & TIME_WORDS
    )


class ClockSkill(Skill):
    """Tell the time in a rhyming couplet."""

    name = "clock"
    default_schedule = "0 8-21 * * *"

    class Config(BaseModel):
        """[skills.clock] options."""

        model_config = ConfigDict(extra="forbid")
        use_llm: bool = True
        hour_format: Literal["24h", "12h"] = "24h"
        retries: int = Field(10, ge=0, le=10)
        # "bank": the nearest couplets of the exemplar bank; "fixed": three set examples.
        examples: Literal["bank", "fixed"] = "bank"
        shots: int = Field(3, ge=1, le=8)
        # "rhyme": a grammar makes line two end in a rhyme of line one; "free": plain sampling.
        decoding: Literal["rhyme", "free"] = "rhyme"
        # true: a couplet whose line ends the model finds nonsense is sampled again.
        sense: bool = True

    config: Config

    def stated_time(self, moment: datetime) -> str:
        """The time as it should be spoken, in the configured form."""
        h24, h12 = time_forms(moment)
        return h24 if self.config.hour_format == "24h" else h12

    def contract(self, moment: datetime, sense: Rule | None = None) -> Contract:
        """Hard rules: the right time, a rhyme, scenery that fits the hour; then, if given,
        `sense` (it asks the model, so only of couplets that keep every other rule)."""
        return Contract(
            rules=[
                NotEmpty(),
                MaxWords(40),
                NoRepetition(),
                Predicate("correct-time", lambda text: wrong_time(text, moment)),
                Predicate("rhyme", no_rhyme),
                Predicate("hour-sense", lambda text: odd_for_hour(text, moment)),
            ],
            retries=self.config.retries,
            scores=[Score("rhyme", rhyme_score)],
            then=[sense] if sense is not None else [],
        )

    def prompt(self, ctx: SkillContext, moment: datetime, stated: str) -> list[Message]:
        """The few-shot prompt: the bank's nearest couplets to this part of the day, or the
        fixed ones. The part of the day, not the minute, picks them: the scenery is what the
        model should copy, and the same examples all afternoon keep the prompt cache warm."""
        if self.config.examples == "fixed":
            return clock_prompt(stated)
        query = hour_band(moment.hour)
        found = ctx.exemplars.nearest(self.name, query, k=self.config.shots, lexical=True)
        examples = [in_form(e, self.config.hour_format) for e in reversed(found)]
        return clock_prompt(stated, examples or None)

    def run(self, ctx: SkillContext) -> Reply:
        """Ask the model for couplets until one passes every rule; else a fixed couplet."""
        if not ctx.clock.synchronized():
            ctx.log.warning("the clock is not synchronised; not stating the time")
            return Reply(text=UNSURE, data={"attempts": 0, "fallback": True, "synchronized": False})
        moment = ctx.clock.now()
        stated = self.stated_time(moment)
        if not self.config.use_llm:
            return Reply(text=f"It is {stated}.", data={"synchronized": True})
        prompt = self.prompt(ctx, moment, stated)
        # The system prompt and examples stay the same for hours: the prompt cache keeps
        # them. The seed follows the date and time: each day gets new lines.
        options = GenerateOptions(
            max_tokens=60,
            temperature=0.8,
            stop=("\n\n",),
            fixed_prefix=len(prompt) - 1,
            seed=seed_for(moment, self.name),
            # Scenery that does not fit the hour is not written in the first place.
            avoid=tuple(sorted(odd_vocabulary(moment.hour))),
        )
        sampler = None
        if self.config.decoding == "rhyme":
            sampler = rhyming_sampler(
                ctx.llm,
                prompt,
                f"It's {stated}",
                allowed=lambda word: fits(word, moment),
                tidy_line=tidy_line,
                line_ok=lambda line: fits(line, moment),
            )
        fallback = FALLBACKS[moment.minute % len(FALLBACKS)].format(stated)
        sense = Predicate("sense", lambda text: nonsense(ctx.llm, prompt, text))
        outcome = generate_checked(
            ctx.llm,
            prompt,
            self.contract(moment, sense if self.config.sense else None),
            fallback=lambda: fallback,
            options=options,
            tidy=tidy_couplet,
            sampler=sampler,
            input=time_forms(moment)[0],
        )
        return Reply(
            text=outcome.text,
            data={
                "attempts": outcome.attempts,
                "fallback": outcome.fallback,
                "synchronized": True,
                "rule_failures": outcome.rule_failures,
            },
        )
