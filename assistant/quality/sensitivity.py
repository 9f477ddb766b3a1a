"""Sensitivity judge: is a headline tragic, serious or light? Biased to call it tragic.

A tragedy retold as a joke is the costly error, so the judge errs towards "tragic": a headline
is light only when nothing in it speaks of harm to people, and serious when it speaks of
politics, money, law, health or weather without victims. Figures of speech ("killer app",
"war on plastic", "Arsenal massacre Spurs 5-0") are removed before the tragic words are sought.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.quality.lexicon import (
    COUNT,
    FIGURATIVE,
    FINANCIAL_VICTIM,
    SERIOUS,
    SPORT,
    SPORT_METAPHOR,
    STRONG,
    WEAK,
)

Label = Literal["tragic", "serious", "light"]
LABELS: tuple[Label, ...] = ("tragic", "serious", "light")


@dataclass(frozen=True)
class Verdict:
    """A label and the words that decided it (for logs and eval reports)."""

    label: Label
    reason: str


def _plain(text: str) -> str:
    """Lower case, typographic quotes straightened, figures of speech removed."""
    lowered = text.lower().replace("’", "'").replace("‘", "'")
    lowered = FIGURATIVE.sub(" ", lowered)
    if SPORT.search(lowered):
        lowered = SPORT_METAPHOR.sub(" ", lowered)
    return FINANCIAL_VICTIM.sub(" fraud ", lowered)


def classify(text: str) -> Verdict:
    """The label of a headline (or any short text), with the cue that decided it."""
    plain = _plain(text)
    strong = STRONG.search(plain)
    if strong:
        return Verdict("tragic", f"says {strong.group(0)!r}")
    weak = sorted({m.group(0) for m in WEAK.finditer(plain)})
    count = COUNT.search(plain)
    if weak and count:
        return Verdict("tragic", f"says {weak[0]!r} with a count ({count.group(0)!r})")
    if len(weak) >= 2:
        return Verdict("tragic", f"says {' and '.join(repr(w) for w in weak[:2])}")
    if count:
        return Verdict("tragic", f"counts people ({count.group(0)!r})")
    serious = SERIOUS.search(plain) or SERIOUS.search(text)
    if weak or serious:
        cue = weak[0] if weak else serious.group(0) if serious else ""
        return Verdict("serious", f"says {cue!r}")
    return Verdict("light", "no sign of harm or of a serious matter")


def label(text: str) -> Label:
    """The label alone."""
    return classify(text).label


def is_tragic(text: str) -> bool:
    """True when the text speaks of death, violence, war, abuse, disaster or a deadly outbreak."""
    return classify(text).label == "tragic"
