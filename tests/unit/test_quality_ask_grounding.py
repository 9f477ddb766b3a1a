"""The ask grounding judge: every number, name and code of an answer is in the cited chunk."""

from __future__ import annotations

import pytest

from assistant.quality.ask_grounding import ask_facts, ask_grounded, ask_ungrounded

GUEST = "Guest network\nNetwork name: Hartley-Guest\nPassword: sunny-Kite-2290"
LISBON = "Outbound: Saturday 12 April, departs 06:40.\nDay trip to Sintra on Tuesday 15 April."


@pytest.mark.parametrize(
    ("answer", "chunk", "missing"),
    [
        ("The guest password is sunny-Kite-2290.", GUEST, []),
        ("The password is maple-Otter-8812.", GUEST, ["maple-Otter-8812"]),  # main network's
        ("Join Hartley-Guest.", GUEST, []),
        ("The password is Sunny-Kite-2290.", GUEST, ["Sunny-Kite-2290"]),  # a code keeps its case
        ("Join HARTLEY-GUEST.", GUEST, []),  # a name does not
        ("Join Hartley-Home.", GUEST, ["Hartley-Home"]),
        ("The day trip is on Tuesday 15 April.", LISBON, []),
        ("The day trip is on 12 April.", LISBON, []),  # in the chunk: the judge checks source
        ("The day trip is on 19 April.", LISBON, ["19"]),
        ("It leaves at 6:40.", LISBON, []),  # a dropped leading zero is the same time
        ("It leaves at 16:40.", LISBON, ["16:40"]),
        ("The flight is on Friday.", LISBON, ["Friday"]),  # a name: capitalised mid-sentence
        ("It takes four hours.", LISBON, ["four"]),  # number words are numbers
        ("It costs £12 an hour.", "She charges £12 an hour.", []),
        ("It costs £15.", "She charges £12 an hour.", ["£15"]),
        ("Set it to -18 °C.", "Freezer at -18 °C.", []),
        ("Ask Dave Pollard.", "Serviced by Dave Pollard.", []),
        ("Gareth fixed it.", "Serviced by Dave Pollard.", []),  # opens a sentence: not checked
        ("Ask Mike Dunn.", "Serviced by Dave Pollard.", ["Mike", "Dunn"]),
        ("Yes, it is in the drawer.", "The EpiPen is in the drawer.", []),
        ("Both EpiPens are in the drawer.", "The EpiPen is in the drawer.", []),  # a plural
        ("Both EpiPens are in the drawer.", "The Epi is in the drawer.", ["EpiPens"]),
        ("Ask the Okoyes.", "Number 10: Femi and Grace Okoye.", []),
        ("Use the K9s key.", "The K9 key.", ["K9s"]),  # a code is not pluralised
        ("Maya's check-up is at 15:40.", "Maya: check-up at 15:40.", []),
        ("The code is QX7P2L.", "Booking reference: QX7P2L.", []),
        ("The code is QX7P2.", "Booking reference: QX7P2L.", ["QX7P2"]),  # a prefix is not it
    ],
)
def test_ask_ungrounded(answer: str, chunk: str, missing: list[str]) -> None:
    assert ask_ungrounded(answer, chunk) == missing
    assert ask_grounded(answer, chunk) is (not missing)


def test_facts_are_numbers_codes_number_words_and_names() -> None:
    text = (
        "Password: sunny-Kite-2290 for Hartley-Guest. Wait four seconds with Mrs Okafor at 06:40."
    )
    assert ask_facts(text) == [
        "sunny-Kite-2290", "Hartley-Guest", "four", "Okafor", "06:40"
    ]  # fmt: skip
