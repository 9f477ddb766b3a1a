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
    """One token of a reply: its text and the model's natural-log probability of it."""

    text: str
    logprob: float


class Scorer(Protocol):
    """An engine that can tell how likely a reply to a prompt is, token by token."""

    def score(self, prompt: Prompt, reply: str) -> list[TokenScore]:
        """The tokens of `reply` (as the assistant's answer to `prompt`) with their logprobs."""


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


def reply_logprobs(llama: Any, head: list[int], full: list[int]) -> list[TokenScore]:
    """Evaluate `full` (the prompt `head` followed by the reply) in `llama`, reusing whatever
    prefix it already holds, and return each reply token with its logprob."""
    import numpy as np

    start = common_length(head, full)  # the reply's first token
    if start == 0:
        raise ValueError("the reply does not follow the prompt's tokens")
    held = llama.input_ids[: llama.n_tokens].tolist()
    n_past = min(common_length(held, full), start - 1)
    llama.n_tokens = n_past
    llama._ctx.kv_cache_seq_rm(-1, n_past, -1)  # llama-cpp-python keeps no public hook
    if n_past < start - 1:
        llama.eval(full[n_past : start - 1])  # the prompt: no logits needed but the last
    # Logits for the reply's first token come from the position before it; only the reply's
    # positions need them (the vocabulary is 49k wide).
    n_past = start - 1
    rest = full[n_past:]
    # A few positions a decode: llama.cpp keeps its logits buffer as large as the most rows
    # ever asked for at once (49k floats a row), so whole replies would grow it run by run;
    # and each row is reduced to one logprob at once, never copied (no heap high-water mark).
    step = min(llama.n_batch, SCORE_ROWS)
    out = []
    for i in range(0, len(rest), step):
        batch = rest[i : i + step]
        llama._batch.set_batch(batch=batch, n_past=llama.n_tokens, logits_all=True)
        llama._ctx.decode(llama._batch)
        logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(len(batch), llama.n_vocab()))
        for k in range(len(batch)):
            nxt = n_past + i + k + 1  # the token this row predicts
            if nxt < len(full):
                row = logits[k]
                top = float(row.max())
                norm = top + float(np.log(np.exp(row - top, dtype=np.float64).sum()))
                piece = llama.detokenize([full[nxt]]).decode("utf-8", errors="replace")
                out.append(TokenScore(piece, float(row[full[nxt]]) - norm))
        llama.input_ids[llama.n_tokens : llama.n_tokens + len(batch)] = batch
        llama.n_tokens += len(batch)
    return out
