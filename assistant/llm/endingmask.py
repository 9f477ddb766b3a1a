"""Enforce a `RhymeEnding` with a token mask: the local engine's cheap form of its grammar.

llama.cpp's grammar sampler checks all 49k tokens of the vocabulary against the grammar at
every step, which doubled the cost of a token with the bundled model. `EndingMask` enforces the
same language with token tables built once per model (`Vocabulary`) and a few numpy operations
a step (`allowed`), as a logits processor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.llm.ending import PLAIN, RhymeEnding


@dataclass
class Vocabulary:
    """Per-token facts about a model's vocabulary that the mask needs (built once per model)."""

    texts: list[str | None]
    eog: frozenset[int]
    plain: np.ndarray = field(init=False)
    length: np.ndarray = field(init=False)
    # Position of the last space in the token's text (-1: none), and the text after it.
    last_space: np.ndarray = field(init=False)
    by_tail: dict[str, np.ndarray] = field(init=False)
    by_text: dict[str, list[int]] = field(init=False)
    # Tokens that end in a mark after plain text: (id, text) of each.
    marked: list[tuple[int, str]] = field(init=False)
    # Buffers a mask's steps fill in place (generations take turns: the engine is locked), so
    # that no step nor generation allocates anything the size of the vocabulary: each runs on
    # a new thread, and the garbage of llama-cpp-python's samplers waits for the collector.
    mask: np.ndarray = field(init=False)
    scratch: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.texts)
        self.plain = np.zeros(n, dtype=bool)
        self.length = np.zeros(n, dtype=np.int32)
        self.last_space = np.full(n, -1, dtype=np.int32)
        tails: dict[str, list[int]] = {}
        self.by_text = {}
        self.marked = []
        for i, text in enumerate(self.texts):
            if not text or i in self.eog:
                continue
            if set(text) <= PLAIN:
                self.plain[i] = True
                self.length[i] = len(text)
                self.by_text.setdefault(text, []).append(i)
                if " " in text:
                    self.last_space[i] = text.rindex(" ")
                    tails.setdefault(text[text.rindex(" ") + 1 :], []).append(i)
            elif text[-1] in ".!?" and set(text[:-1]) <= PLAIN:
                self.marked.append((i, text))
        self.by_tail = {tail: np.array(ids, dtype=np.int64) for tail, ids in tails.items()}
        self.mask = np.zeros(n, dtype=bool)
        self.scratch = np.zeros(n, dtype=bool)

    @classmethod
    def of_llama(cls, llama: Any) -> Vocabulary:
        """The vocabulary of a llama-cpp-python model."""
        texts: list[str | None] = []
        for token in range(llama.n_vocab()):
            try:
                texts.append(llama.detokenize([token]).decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(None)  # a piece of a character: never plain
        from llama_cpp import llama_cpp as lib

        vocab = llama._model.vocab  # llama-cpp-python keeps no public hook
        eog = {t for t in range(llama.n_vocab()) if lib.llama_vocab_is_eog(vocab, t)}
        return cls(texts, frozenset(eog))


class EndingMask:
    """Which tokens may come next so that the text stays the start of a `RhymeEnding`."""

    def __init__(self, ending: RhymeEnding, vocab: Vocabulary) -> None:
        self.ending = ending
        self.vocab = vocab
        self.prefixes = {w[:k] for w in ending.words for k in range(len(w) + 1)}
        # Tokens with a space whose text after the last one starts one of the words.
        found = [vocab.by_tail[p] for p in self.prefixes if p in vocab.by_tail]
        self.opening = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
        self.opening_space = vocab.last_space[self.opening]

    def allowed(self, done: str) -> np.ndarray:
        """A boolean mask over the vocabulary: the tokens that may follow `done`."""
        return self._fill(done).copy()

    def _fill(self, done: str) -> np.ndarray:
        """`allowed`, written into the mask buffer (valid until the next call)."""
        vocab, mask, tmp = self.vocab, self.vocab.mask, self.vocab.scratch
        mask.fill(False)
        if self.ending.matches(done):
            mask[list(vocab.eog)] = True
            return mask
        room = self.ending.max_chars - len(done)
        # Still within the plain text: any plain token that fits.
        np.less_equal(vocab.length, room, out=tmp)
        np.logical_and(tmp, vocab.plain, out=tmp)
        np.logical_or(mask, tmp, out=mask)
        # A space in the token opens the word: what follows must start one, the space in reach.
        mask[self.opening[self.opening_space <= room]] = True
        # No space in the token: it goes on with the word `done` has opened.
        space = done.rfind(" ")
        if 0 <= space <= self.ending.max_chars:
            tail = done[space + 1 :]
            for prefix in self.prefixes:
                if len(prefix) > len(tail) and prefix.startswith(tail):
                    mask[vocab.by_text.get(prefix[len(tail) :], [])] = True
        for token, text in vocab.marked:  # a mark closes a whole word
            mask[token] = self.ending.matches(done + text)
        return mask

    def processor(self) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """A llama-cpp-python logits processor: every token the mask forbids gets -inf."""
        start: list[int] = []
        texts = self.vocab.texts

        def apply(input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
            if not start:
                start.append(len(input_ids))  # the first call: everything so far is prompt
            done = "".join(texts[t] or "" for t in input_ids[start[0] :].tolist())
            np.logical_not(self._fill(done), out=self.vocab.scratch)
            np.copyto(scores, -np.inf, where=self.vocab.scratch)
            return scores

        return apply
