"""A rhyming ending the model must write: plain text, then one of a few words, then a stop.

`RhymeEnding` says what the rest of an answer may be: at most `max_chars` of plain lower-case
text (letters, spaces, commas, apostrophes, hyphens: no digit, capital, newline or sentence end,
so where the model would stop it must rhyme), a space, one of `words`, and one of `marks`.
An engine may enforce it as a GBNF grammar (`grammar()`) or, cheaper, with a token mask
(`assistant.llm.endingmask`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz ,'-")


@dataclass(frozen=True)
class RhymeEnding:
    """The rest of an answer: plain text of at most `max_chars`, " ", a word, a mark."""

    words: tuple[str, ...]
    max_chars: int = 32
    marks: str = ".!"

    def grammar(self) -> str:
        """The same language as a GBNF grammar (for engines that take one)."""
        return f"root ::= {self.tail_rule()}\n"

    def tail_rule(self) -> str:
        """The grammar's right-hand side, to put after other parts of a rule."""
        words = " | ".join(json.dumps(w, ensure_ascii=True) for w in self.words)
        return f'[a-z ,\'-]{{0,{self.max_chars}}} " " ({words}) [{self.marks}]'

    def matches(self, text: str) -> bool:
        """True when `text` is a whole ending of this kind."""
        head, space, rest = text.rpartition(" ")
        return (
            space == " "
            and len(head) <= self.max_chars
            and set(head) <= PLAIN
            and len(rest) >= 2
            and rest[-1] in self.marks
            and rest[:-1] in self.words
        )
