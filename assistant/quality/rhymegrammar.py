"""Rhyme-constrained decoding: the model writes line one freely; line two must then end in a
rhyme of line one's last word.

Two generations per candidate: the first stops after line one; the second continues line one
and an opening (the clock: "It's 07:30") written into the start of the answer, under a
`RhymeEnding` (the local engine enforces it with a token mask). An engine that cannot continue
a written answer gets a GBNF grammar that also forces line one and the opening.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import replace

from assistant.llm.base import LLM, GenerateOptions, Prompt, continues
from assistant.llm.ending import RhymeEnding
from assistant.quality.exemplars import DATA_DIR
from assistant.quality.rhyme import line_end_words, phones_for, rhyme_keys, rhyming_words

# How many rhymes line two may end in: the commonest. With every rhyming word (up to 200) the
# grammar forced rare ones ("likelihood", "tot") and more candidates ended in nonsense.
RHYME_CHOICES = 20


@functools.cache
def word_rank() -> dict[str, int]:
    """Common words, commonest first: those the bundled model's tokenizer merged into one token
    early (id below 12000 of 49152: BPE merges frequent words first) that the CMU lexicon
    knows, in the order of their token ids."""
    text = (DATA_DIR / "words.txt").read_text(encoding="utf-8")
    return {word: rank for rank, word in enumerate(text.split())}


def common_words() -> frozenset[str]:
    """The common words (see `word_rank`)."""
    return frozenset(word_rank())


# The banks whose outputs are verse: their words are the ones a rhyme should come from.
VERSE_BANKS = ("clock", "seuss-news")
_VERSE_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


@functools.cache
def verse_words() -> frozenset[str]:
    """Every word of the shipped verse exemplars: the plain words our couplets are made of.
    A rhyme from these ("light", "town") reads as verse; the commonest words of the web that
    the token ranking also brings ("website", "intake", "designing") end lines in nonsense."""
    found: set[str] = set()
    for bank in VERSE_BANKS:
        for line in (DATA_DIR / f"{bank}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.update(_VERSE_WORD.findall(json.loads(line)["output"].lower()))
    return frozenset(found)


# Two-letter entries of the dictionary are mostly abbreviations ("ca", "re"); these are words.
TWO_LETTER = frozenset(
    ["be", "by", "do", "go", "he", "hi", "me", "my", "no", "oh", "so", "to", "up", "we"]
)


@functools.cache
def _rhyme_index() -> dict[str, list[str]]:
    """Common words by rhyming part (built once, a fraction of a second)."""
    index: dict[str, list[str]] = {}
    for word in sorted(common_words()):
        if len(word) > 2 or word in TWO_LETTER:
            for key in {k for p in phones_for(word) for k in rhyme_keys(p)}:
                index.setdefault(key, []).append(word)
    return index


@functools.lru_cache(maxsize=512)
def _common_rhymes(word: str) -> tuple[str, ...]:
    """The common words that rhyme with `word`."""
    keys = {k for p in phones_for(word) for k in rhyme_keys(p)}
    near = {w for k in keys for w in _rhyme_index().get(k, [])}
    return tuple(rhyming_words(word, near))


def rhyme_choices(
    word: str, allowed: Callable[[str], bool] = lambda _w: True, limit: int = RHYME_CHOICES
) -> list[str]:
    """The `limit` commonest words of our verse (`verse_words`) that rhyme with `word` and
    that `allowed` lets through."""
    verse = verse_words()
    found = [w for w in _common_rhymes(word.lower()) if w in verse and allowed(w)]
    return sorted(found, key=word_rank().__getitem__)[:limit]


def gbnf_literal(text: str) -> str:
    """`text` as a GBNF string literal (JSON escaping is a subset GBNF accepts)."""
    return json.dumps(text, ensure_ascii=True)


def line_two_grammar(line_one: str, opening: str, rhymes: list[str], max_chars: int = 32) -> str:
    """A grammar: `line_one` verbatim, a newline, `opening`, then the rhyming tail (for an
    engine that cannot continue a written start of its answer)."""
    head = f"{gbnf_literal(line_one)} {gbnf_literal(chr(10))} {gbnf_literal(opening)}"
    return f"root ::= {head} {RhymeEnding(tuple(rhymes), max_chars).tail_rule()}\n"


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

    Line one is sampled up to `line_tries` times (a few tokens each) until `line_ok` accepts it
    and its last word has rhymes to choose from, so that the longer second generation is spent
    only on a line worth rhyming with. Where the engine can, it continues the written line one
    and opening (evaluated in one batch) rather than have a grammar force them token by token.
    """

    def rhymes_for(line: str) -> list[str]:
        ends = line_end_words(line)
        return rhyme_choices(ends[-1], allowed) if ends and ends[-1].isalpha() else []

    def first_line(options: GenerateOptions) -> tuple[str, list[str]]:
        line, rhymes = "", []
        for attempt in range(line_tries):
            seed = None if options.seed is None else options.seed + 7919 * attempt
            opts = replace(options, stop=("\n", *options.stop), grammar=None, seed=seed)
            found = [
                x for x in (tidy_line(x) for x in llm.generate(prompt, opts).splitlines()) if x
            ]
            line = found[0] if found else ""
            rhymes = rhymes_for(line)
            if line and line_ok(line) and rhymes:
                break
        return line, rhymes

    def second_line(first: str, rhymes: list[str], options: GenerateOptions) -> str:
        if not continues(llm):
            grammar = line_two_grammar(first, opening, rhymes)
            return llm.generate(prompt, replace(options, grammar=grammar))
        start = f"{first}\n{opening}"
        ending = RhymeEnding(tuple(rhymes))
        return start + llm.generate(prompt, replace(options, ending=ending, reply_start=start))

    def sample(options: GenerateOptions) -> str:
        first, rhymes = first_line(options)
        if not rhymes:
            return first  # nothing to rhyme with: the judges decide on the plain line
        return second_line(first, rhymes, options)

    return sample
