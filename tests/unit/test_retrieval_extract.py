"""The extractive side of `ask`: the best sentence of a chunk, and scaffolding removal."""

from __future__ import annotations

import pytest

from assistant.retrieval.extract import (
    best_sentence,
    has_scaffolding,
    sentences,
    strip_scaffolding,
)

GUEST = "Network name: Hartley-Guest\nPassword: sunny-Kite-2290\n\nFor visitors and the babysitter."
UTILITIES = (
    "Water: Severn Trent, customer number 4002 118 3365. The stopcock is under the kitchen "
    "sink, turn clockwise to close."
)
TOMATOES = (
    "Variety: Gardener's Delight. Sow indoors in mid March, plant out at the end of May.\n"
    "Water every second morning."
)


def test_sentences_split_lines_and_sentences_and_drop_list_marks() -> None:
    text = "- **Alarm code:** 6142. Press Part Set.\n* Shed: 0917"
    assert sentences(text) == ["Alarm code: 6142.", "Press Part Set.", "Shed: 0917"]


@pytest.mark.parametrize(
    ("question", "heading", "text", "weights", "best"),
    [
        # The heading already says "guest": the password line answers.
        ("What is the guest wifi password?", "Home wifi > Guest network", GUEST, None,
         "Password: sunny-Kite-2290"),
        ("What is the guest network called?", "Home wifi > Guest network", GUEST, None,
         "Network name: Hartley-Guest"),
        # "stopcock" is rarer than "water": the weights decide.
        ("Where is the water stopcock?", "Utilities", UTILITIES, {"water": 1.9, "stopcock": 3.7},
         "The stopcock is under the kitchen sink, turn clockwise to close."),
        # No word matches ("sown" is not "sow"): a "when" question wants a date or month.
        ("When should the tomatoes be sown?", "Garden > Tomatoes", TOMATOES, None,
         "Sow indoors in mid March, plant out at the end of May."),
    ],
)  # fmt: skip
def test_best_sentence(
    question: str, heading: str, text: str, weights: dict[str, float] | None, best: str
) -> None:
    assert best_sentence(question, heading, text, weights) == best


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("[4] (your notes on Wifi) The password is sunny-Kite-2290.",
         "The password is sunny-Kite-2290."),
        ("From your notes on Guest network: it is sunny-Kite-2290.", "it is sunny-Kite-2290."),
        ("Answer: Tuesday 15 April [2].", "Tuesday 15 April."),
        ("(headline, BBC) Rain is coming.", "Rain is coming."),
        ("Water them every second morning.", "Water them every second morning."),
    ],
)  # fmt: skip
def test_scaffolding_is_stripped(raw: str, clean: str) -> None:
    assert has_scaffolding(raw) is (raw != clean)
    assert strip_scaffolding(raw) == clean
    assert not has_scaffolding(strip_scaffolding(raw))
