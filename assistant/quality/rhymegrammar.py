"""Rhyme-constrained decoding: the model writes line one freely; a GBNF grammar then makes
line two end in a rhyme of line one's last word.

Two generations per candidate: the first stops after line one; the second repeats line one
verbatim (forced by the grammar), then writes line two, which must open with a given text
(the clock: "It's 07:30") and end, within `max_chars`, in a rhyming word the model knows.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import replace

from assistant.llm.base import LLM, GenerateOptions, Prompt
from assistant.quality.exemplars import DATA_DIR
from assistant.quality.rhyme import line_end_words, rhyming_words


@functools.cache
def common_words() -> frozenset[str]:
    """Common words: those the bundled model's tokenizer merged into one token early (id below
    12000 of 49152: BPE merges frequent words first) that the CMU lexicon knows."""
    text = (DATA_DIR / "words.txt").read_text(encoding="utf-8")
    return frozenset(text.split())


def rhyme_choices(word: str, allowed: Callable[[str], bool] = lambda _w: True) -> list[str]:
    """Common words that rhyme with `word` and that `allowed` lets through, at most 200."""
    known = common_words()
    found = [w for w in rhyming_words(word) if w in known and len(w) <= 10 and allowed(w)]
    return found[:200]


def gbnf_literal(text: str) -> str:
    """`text` as a GBNF string literal (JSON escaping is a subset GBNF accepts)."""
    return json.dumps(text, ensure_ascii=True)


def line_two_grammar(line_one: str, opening: str, rhymes: list[str], max_chars: int = 32) -> str:
    """A grammar: `line_one` verbatim, a newline, `opening`, then at most `max_chars` of plain
    text (no newline, digit or sentence end: where the model would stop, it must rhyme), then
    one of `rhymes` and a full stop or exclamation mark."""
    words = " | ".join(gbnf_literal(w) for w in rhymes)
    return (
        f"root ::= {gbnf_literal(line_one)} {gbnf_literal(chr(10))} {gbnf_literal(opening)} "
        f'[a-zA-Z ,\'-]{{0,{max_chars}}} " " ({words}) [.!]\n'
    )


def rhyming_sampler(
    llm: LLM,
    prompt: Prompt,
    opening: str,
    *,
    allowed: Callable[[str], bool] = lambda _w: True,
    tidy_line: Callable[[str], str] = str.strip,
    line_ok: Callable[[str], bool] = lambda _line: True,
    line_tries: int = 3,
) -> Callable[[GenerateOptions], str]:
    """A cascade sampler (see `generate_checked(sampler=...)`) writing rhymed couplets.

    Line one is sampled up to `line_tries` times (a few tokens each) until `line_ok` accepts it,
    so that the longer second generation is spent only on a line worth rhyming with.
    """

    def first_line(options: GenerateOptions) -> str:
        line = ""
        for attempt in range(line_tries):
            seed = None if options.seed is None else options.seed + 7919 * attempt
            opts = replace(options, stop=("\n", *options.stop), grammar=None, seed=seed)
            found = [
                x for x in (tidy_line(x) for x in llm.generate(prompt, opts).splitlines()) if x
            ]
            line = found[0] if found else ""
            if line and line_ok(line):
                break
        return line

    def sample(options: GenerateOptions) -> str:
        first = first_line(options)
        ends = line_end_words(first)
        rhymes = rhyme_choices(ends[-1], allowed) if ends and ends[-1].isalpha() else []
        if not rhymes:
            return first  # nothing to rhyme with: the judges decide on the plain line
        grammar = line_two_grammar(first, opening, rhymes)
        return llm.generate(prompt, replace(options, grammar=grammar))

    return sample
