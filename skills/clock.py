"""The clock skill: the time in a rhyming couplet, never a wrong time."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant import (
    Contract,
    GenerateOptions,
    MaxWords,
    Message,
    NoRepetition,
    NotEmpty,
    Predicate,
    Reply,
    Skill,
    SkillContext,
    generate_checked,
)
from skills._lib.timecheck import time_forms, wrong_time

SYSTEM = "You write short, cheerful rhyming couplets: two lines that rhyme."
SEED_PROMPT = "Write a couplet with the time {}. Write numbers as numerals."
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


def clock_prompt(stated: str) -> list[Message]:
    """The few-shot chat that asks for a couplet with `stated` in it."""
    messages = [Message(role="system", content=SYSTEM)]
    for shown, couplet in EXAMPLES:
        messages.append(Message(role="user", content=SEED_PROMPT.format(shown)))
        messages.append(Message(role="assistant", content=couplet))
    messages.append(Message(role="user", content=SEED_PROMPT.format(stated)))
    return messages


def tidy_couplet(text: str) -> str:
    """Keep the first two non-empty lines, without wrapping quotes."""
    lines = [ln.strip().strip('"“”') for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join(lines[:2])


class ClockSkill(Skill):
    """Tell the time in a rhyming couplet."""

    name = "clock"
    default_schedule = "0 8-21 * * *"

    class Config(BaseModel):
        """[skills.clock] options."""

        model_config = ConfigDict(extra="forbid")
        use_llm: bool = True
        hour_format: Literal["24h", "12h"] = "24h"
        retries: int = Field(3, ge=0, le=10)

    config: Config

    def stated_time(self, moment: datetime) -> str:
        """The time as it should be spoken, in the configured form."""
        h24, h12 = time_forms(moment)
        return h24 if self.config.hour_format == "24h" else h12

    def run(self, ctx: SkillContext) -> Reply:
        """Ask the model for a couplet; keep it only if every time in it is right."""
        if not ctx.clock.synchronized():
            ctx.log.warning("the clock is not synchronised; not stating the time")
            return Reply(text=UNSURE, data={"attempts": 0, "fallback": True, "synchronized": False})
        moment = ctx.clock.now()
        stated = self.stated_time(moment)
        if not self.config.use_llm:
            return Reply(text=f"It is {stated}.", data={"synchronized": True})
        contract = Contract(
            rules=[
                NotEmpty(),
                MaxWords(40),
                NoRepetition(),
                Predicate("correct-time", lambda text: wrong_time(text, moment)),
            ],
            retries=self.config.retries,
        )
        fallback = FALLBACKS[moment.minute % len(FALLBACKS)].format(stated)
        prompt = clock_prompt(stated)
        # Everything but the last request is the same every run: the prompt cache keeps it.
        options = GenerateOptions(
            max_tokens=60, temperature=0.8, stop=("\n\n",), fixed_prefix=len(prompt) - 1
        )
        outcome = generate_checked(
            ctx.llm,
            prompt,
            contract,
            fallback=lambda: fallback,
            options=options,
            tidy=tidy_couplet,
        )
        return Reply(
            text=outcome.text,
            data={
                "attempts": outcome.attempts,
                "fallback": outcome.fallback,
                "synchronized": True,
            },
        )
