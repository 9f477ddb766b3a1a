"""How likely a model finds a given reply: the log-probability of each of its tokens.

A judge of sense asks the model that wrote a line how surprised it is by that line once a
grammar no longer forces its end. Only the local engine can answer (llama.cpp logits); an
engine without a `score` method is simply not asked (see `scorer_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from assistant.llm.base import LLM, Prompt, engine_where

# Positions evaluated with logits per decode when scoring a reply (see reply_logprobs).
SCORE_ROWS = 8


@dataclass(frozen=True)
class TokenScore:
    """One token of a reply: its text and the model's natural-log probability of it (None:
    not scored, as it lies outside the spans asked for)."""

    text: str
    logprob: float | None


# Character spans (start, end) of a reply: the parts whose tokens a judge needs scored.
Spans = Sequence[tuple[int, int]]


class Scorer(Protocol):
    """An engine that can tell how likely a reply to a prompt is, token by token."""

    def score(self, prompt: Prompt, reply: str, wanted: Spans | None = None) -> list[TokenScore]:
        """The tokens of `reply` (as the assistant's answer to `prompt`) with their logprobs;
        with `wanted`, only the tokens that overlap those spans need a logprob."""


def scorer_of(llm: LLM | Any) -> Scorer | None:
    """The engine under `llm` (through wrappers' `inner`) that can score, or None."""
    return cast(Scorer | None, engine_where(llm, lambda e: callable(getattr(e, "score", None))))


def common_length(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens two sequences share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _pieces(llama: Any, tokens: Sequence[int]) -> list[str]:
    """The text of each token."""
    return [llama.detokenize([t]).decode("utf-8", errors="replace") for t in tokens]


def _needed(pieces: list[str], wanted: Spans | None) -> list[bool]:
    """Per token, whether it overlaps a wanted span (every token when none are given)."""
    out, pos = [], 0
    for piece in pieces:
        end = pos + len(piece)
        out.append(wanted is None or any(a < end and b > pos for a, b in wanted))
        pos = end
    return out


def reply_logprobs(
    llama: Any, head: list[int], full: list[int], wanted: Spans | None = None
) -> list[TokenScore]:
    """Evaluate `full` (the prompt `head` followed by the reply) in `llama`, reusing whatever
    prefix it already holds, and return each reply token with its logprob (only those that
    overlap `wanted`, when given: a judge of line ends need not pay for the whole reply)."""
    start = common_length(head, full)  # the reply's first token
    if start == 0:
        raise ValueError("the reply does not follow the prompt's tokens")
    pieces = _pieces(llama, full[start:])
    needed = _needed(pieces, wanted)
    # The logits row at position p predicts token p + 1: these are the rows to compute.
    rows = {start + i - 1 for i, need in enumerate(needed) if need}
    logprobs: dict[int, float] = {}
    if rows:
        held = llama.input_ids[: llama.n_tokens].tolist()
        n_past = min(common_length(held, full), *rows)
        llama.n_tokens = n_past
        llama._ctx.kv_cache_seq_rm(-1, n_past, -1)  # llama-cpp-python keeps no public hook
        logprobs = _decode_rows(llama, full, n_past, rows)
    return [
        TokenScore(piece, logprobs.get(start + i - 1) if need else None)
        for i, (piece, need) in enumerate(zip(pieces, needed, strict=True))
    ]


def _decode_rows(llama: Any, full: list[int], n_past: int, rows: set[int]) -> dict[int, float]:
    """Decode `full` from `n_past` up to the last of `rows`, with logits only at `rows`; the
    logprob of the token each of those rows predicts, by row."""
    # At most SCORE_ROWS rows with logits a decode: llama.cpp keeps its logits buffer as large
    # as the most rows ever asked for at once (49k floats a row), so whole replies would grow
    # it run by run; and each row is reduced to one logprob at once, never copied.
    import numpy as np

    out: dict[int, float] = {}
    pos, last = n_past, max(rows)
    while pos <= last:
        batch: list[int] = []
        flagged = 0
        while pos + len(batch) <= last and len(batch) < llama.n_batch:
            flagged += (pos + len(batch)) in rows
            batch.append(full[pos + len(batch)])
            if flagged == SCORE_ROWS:
                break
        llama._batch.set_batch(batch=batch, n_past=pos, logits_all=False)
        for k in range(len(batch)):
            llama._batch.batch.logits[k] = (pos + k) in rows
        llama._ctx.decode(llama._batch)
        for k in range(len(batch)):
            if pos + k in rows:
                row = np.ctypeslib.as_array(llama._ctx.get_logits_ith(k), shape=(llama.n_vocab(),))
                top = float(row.max())
                norm = top + float(np.log(np.exp(row - top, dtype=np.float64).sum()))
                out[pos + k] = float(row[full[pos + k + 1]]) - norm
        llama.input_ids[pos : pos + len(batch)] = batch
        llama.n_tokens = pos + len(batch)
        pos += len(batch)
    return out
