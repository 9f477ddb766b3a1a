"""Does the answering sentence say, in other words, a question word that no note uses?

A business rule of `ask`, loosening the asked rule (`assistant.retrieval.asked`) for one kind
of word only. People ask with words their notes do not use ("When does Sarah fly to Berlin?"
for "flight LH947 on 7 October"; "What engine oil does the car take?" for "Oil: 5W-30"). The
near misses the asked rule must keep declining ("When is Maya's piano recital?", "What is the
wifi password at the campsite?") differ in two measurable ways:

- their missing word is often one the notes do use elsewhere ("wifi", "cake", "return",
  "next"): a thing or a detail the household records, just not here. Only a word that *no
  chunk of the store* contains may be a paraphrase;
- dropping a paraphrased word from the question leaves it no closer to the sentence (the
  sentence already accounts for it), while dropping a foreign word ("recital", "caravan")
  brings it closer: the word pulled the question away from the sentence. This is measured
  with the store's sentence embedder (MiniLM): cos(question without the word, sentence) -
  cos(question, sentence) must not be positive.

Word-to-word similarity was measured too and does not separate (MiniLM puts "next" near
"last", "wash" near "rinse", "evening" near "nights": near misses are close by construction).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

import numpy as np

from assistant.retrieval.sparse import tokenize

log = logging.getLogger(__name__)
_WORD = re.compile(r"[\w'’-]+")


def without(question: str, stem: str) -> str:
    """The question with every word whose stem is `stem` left out ("When does Sarah fly to
    Berlin?" without "fli" is "When does Sarah to Berlin?")."""
    kept = [w for w in _WORD.findall(question) if stem not in tokenize([w])[0]]
    return " ".join(kept)


def gain(question: np.ndarray, ablated: np.ndarray, sentence: np.ndarray) -> float:
    """How much closer (cosine) the question comes to the sentence without the word."""
    unit = [v / (np.linalg.norm(v) or 1.0) for v in (question, ablated, sentence)]
    return float(unit[1] @ unit[2] - unit[0] @ unit[2])


class Paraphrase:
    """Judges, for one question, whether a sentence says a word of it that no note uses."""

    def __init__(
        self, embed: Callable[[Sequence[str]], np.ndarray], unseen: frozenset[str]
    ) -> None:
        self._embed = embed
        self.unseen = unseen
        self._vectors: dict[str, np.ndarray] = {}

    def _vector(self, texts: list[str]) -> list[np.ndarray]:
        """Embed the texts not embedded yet, in one batch; cached for this question."""
        new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if new:
            self._vectors.update(zip(new, self._embed(new), strict=True))
        return [self._vectors[t] for t in texts]

    def covers(self, question: str, stem: str, sentence: str) -> bool:
        """True when no note uses `stem` and the question without it comes no closer to
        `sentence`; False (the asked rule stays strict) when the embedder fails."""
        ablated = without(question, stem)
        if stem not in self.unseen or ablated == " ".join(_WORD.findall(question)):
            return False
        try:
            full, less, said = self._vector([question, ablated, sentence])
        except Exception as exc:  # any embedder failure means: stay strict
            log.warning("paraphrase check skipped: %s", exc)
            return False
        return gain(full, less, said) <= 0.0
