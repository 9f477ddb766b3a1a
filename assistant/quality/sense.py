"""The sense judge: does each line end in words the model itself would say there?

A grammar that forces a rhyme makes a tiny model drop the rhyme word wherever its budget
runs out: "it's time sound.", "but it's mark.", "the rate is held start". The model that
wrote the line knows better once nothing forces it: scored without the grammar, such an end
word is one it finds very unlikely after what comes before. The judge asks the engine (llama.cpp
logits, the prompt's evaluated prefix reused) for the log-probability of every token of the
text as the answer to the skill's own prompt, and takes, per line, the log-probability of the
line's last word together with the punctuation after it. The lowest over the lines is the
text's *sense score*; below `SENSE_FLOOR` (tuned on a labelled dev set) the text is nonsense.

An engine that cannot score (a remote server) is not asked: the judge then passes everything.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from assistant.errors import ModelError
from assistant.llm.base import LLM, Prompt
from assistant.llm.logprob import TokenScore, scorer_of

# Tuned on the dev half of data/eval/sense.jsonl (`python -m assistant.quality.sensetune`).
SENSE_FLOOR = -7.0
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_PUNCT = re.compile(r"\s*[,;:.!?]+")


class LineEnd(NamedTuple):
    """A line's last word and how likely the model finds it there (with what follows it)."""

    line: int
    word: str
    logprob: float


def end_spans(text: str) -> list[tuple[int, str, int, int]]:
    """(line number, word, start, stop) of each non-empty line's last word and the
    punctuation right after it."""
    ends, offset = [], 0
    for number, line in enumerate(text.split("\n"), 1):
        found = list(_WORD.finditer(line))
        if found:
            start, stop = offset + found[-1].start(), offset + found[-1].end()
            punct = _PUNCT.match(line, found[-1].end())
            if punct:
                stop = offset + punct.end()
            ends.append((number, found[-1].group(), start, stop))
        offset += len(line) + 1
    return ends


def line_ends(tokens: list[TokenScore]) -> list[LineEnd]:
    """The last word of every non-empty line of the scored text, with the summed logprob of
    the tokens that overlap it and of the punctuation right after it (an end with a token
    left unscored is left out)."""
    spans, pos = [], 0
    for t in tokens:
        spans.append((pos, pos + len(t.text), t.logprob))
        pos += len(t.text)
    ends = []
    for number, word, start, stop in end_spans("".join(t.text for t in tokens)):
        over = [lp for a, b, lp in spans if a < stop and b > start]
        if over and all(lp is not None for lp in over):
            ends.append(LineEnd(number, word, round(sum(lp for lp in over if lp is not None), 3)))
    return ends


def sense_score(llm: LLM, prompt: Prompt, text: str) -> float | None:
    """The text's sense score: the lowest line-end logprob (None when the engine cannot score
    or the text has no words)."""
    ends = scored_ends(llm, prompt, text)
    return min(e.logprob for e in ends) if ends else None


def scored_ends(llm: LLM, prompt: Prompt, text: str) -> list[LineEnd]:
    """Every line end of `text`, scored as the answer to `prompt`; [] when it cannot be."""
    scorer = scorer_of(llm)
    if scorer is None or not text.strip():
        return []
    try:
        wanted = [(start, stop) for _n, _w, start, stop in end_spans(text)]
        return line_ends(scorer.score(prompt, text, wanted))
    except ModelError:
        return []  # a judge that cannot hear does not veto; the other rules still hold


def nonsense(llm: LLM, prompt: Prompt, text: str, floor: float = SENSE_FLOOR) -> str | None:
    """A contract check: why `text` makes no sense (a line end the model finds too unlikely),
    or None when every line end is above `floor`."""
    odd = [e for e in scored_ends(llm, prompt, text) if e.logprob < floor]
    if not odd:
        return None
    return ", ".join(f"{e.word!r} ending line {e.line} ({e.logprob:.1f})" for e in odd)
