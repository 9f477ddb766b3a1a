"""The asked rule of `ask`: does the chosen note record what the question asks (table tests)."""

from __future__ import annotations

import pytest

from assistant.retrieval.ask import AskOptions, choose
from assistant.retrieval.asked import (
    asked_words,
    bounded,
    context,
    holds_kind,
    unrecorded,
    wanted_kind,
)
from assistant.retrieval.base import Hit, SearchResult
from assistant.retrieval.extract import best_of
from assistant.retrieval.settings import RetrievalSection
from assistant.retrieval.subject import naming, subjects

PIANO = "Piano on Thursdays at 16:15 with Mrs Okafor, 22 Elm Road. Lessons are £18 each."
FLIGHTS = (
    "Outbound: Saturday 12 April, flight TP1357, departs 06:40, lands 09:35 local time.\n"
    "Return: Saturday 19 April, TP1360 from Lisbon, departs 18:05.\n"
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When is Maya's piano lesson?", "when"),
        ("What time does the coach leave?", "when"),
        ("How much does the babysitter charge per hour?", "money"),
        ("How much milk goes into the pancake batter?", "amount"),
        ("How many pancakes does it make?", "number"),
        ("How long do I bake the lasagne?", "duration"),
        ("How often is the filter changed?", "frequency"),
        ("How cold should the fridge be?", "degrees"),
        ("What temperature should the freezer be set to?", "degrees"),
        ("What pressure do the tyres need?", "pressure"),
        ("What is the school office's phone number?", "phone"),
        ("What's Grandpa Jim's mobile number?", "phone"),
        ("What is the shed padlock code?", "code"),
        ("What is the part number of the water filter?", "code"),
        ("Who services the boiler?", "name"),
        ("Where is the stopcock?", "place"),
        ("What is the guest network called?", "name"),
        ("What toppings does Leo like?", None),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: str | None) -> None:
    assert wanted_kind(question) == kind


@pytest.mark.parametrize(
    ("kind", "text", "holds"),
    [
        ("when", "Piano on Thursdays at 16:15.", True),
        ("when", "The pole lives behind the bathroom door.", False),
        ("when", "Door open for 4 hours, 2 towels down.", False),
        ("when", "Bins out on the 3rd; renews 1/11; built 1998; at 7pm.", True),
        ("duration", "Every 2 weeks, or once a month, at £3 a month.", False),
        ("money", "Lessons are £18 each.", True),
        ("money", "Subs are paid termly.", False),
        ("amount", "300 ml semi-skimmed milk, a pinch of salt.", True),
        ("amount", "Let the batter rest for 30 minutes.", False),
        ("duration", "Bake at 190 °C for 45 minutes.", True),
        ("degrees", "Fridge at 3 °C, freezer at -18 °C.", True),
        ("degrees", "Defrost it over a weekend.", False),
        ("pressure", "Tyres at 90 psi.", True),
        ("phone", "Office: 01632 960 512.", True),
        ("phone", "Mobile 07700 900123.", True),
        ("phone", "London office +44 20 7946 0958.", True),
        ("phone", "Aunt Sue (Boston): (555) 123-4567.", True),
        ("phone", "Call 555-123-4567 after six.", True),
        ("phone", "Uncle Bob on +1 555 123 4567.", True),
        ("phone", "Paris flat: +33 1 23 45 67 89.", True),
        ("phone", "Berlin: 030 1234567.", True),
        ("phone", "Oma: +4930123456.", True),
        ("phone", "Sydney office +61 2 9876 5432.", True),
        ("phone", "Membership number 55023871.", False),
        ("phone", "Paid £1,234.56 on 2024-10-19.", False),
        ("phone", "Open 09:30 to 17:00, 01/10/2030.", False),
        ("phone", "ISBN 978-0-14-044913-6.", False),
        ("code", "Its PIN is 2580.", True),
        ("code", "The part is HAF-CIN.", True),
        ("code", "Tom's expires on 19 October 2030.", False),  # a date is no code
        ("code", "The robot mower (Automower 305) runs from 10:00 to 16:00.", False),
        ("name", "The coach is Darren.", True),
        (None, "anything", True),
    ],
)
def test_a_sentence_holds_the_kind_or_not(kind: str | None, text: str, holds: bool) -> None:
    assert holds_kind(kind, text) is holds


def _missing(question: str, key: str, note: str) -> list[str]:
    names = frozenset(t for n in subjects(question) for t in n)
    return unrecorded(question, key, note, names)


@pytest.mark.parametrize(
    ("question", "key", "note", "missing"),
    [
        # The subject's note is there; the asked thing is not.
        ("When is Maya's piano recital?", PIANO, f"Maya\n{PIANO}", ["recit"]),
        ("When is Maya's piano lesson?", PIANO, f"Maya\n{PIANO}", []),
        (
            "What is the wifi password at the Cornwall cottage?",
            "The key safe by the back door has code 3390.",
            "Cornwall cottage\nThe key safe by the back door has code 3390.",
            ["wifi"],
        ),
        # The answer's kind stands for the word naming it, and must be in the sentence.
        (
            "What temperature should the freezer be set to?",
            "Freezer at -18 °C.",
            "Fridge freezer\nFreezer at -18 °C.",
            [],
        ),
        (
            "What is the school office's phone number?",
            "Office: 01632 960 512.",
            "School\nOffice: 01632 960 512.",
            [],
        ),
        (
            "How much milk goes into the batter?",
            "Whisk the milk and let the batter rest.",
            "Whisk the milk and let the batter rest.",
            ["kind:amount"],
        ),
        # Irregular forms, synonyms and the verb of "who ...".
        ("When should the tomatoes be sown?", "Sow in March.", "Tomatoes\nSow in March.", []),
        (
            "When does our flight to Lisbon leave?",
            "Outbound: flight TP1357, departs 06:40.",
            "Lisbon\nOutbound: flight TP1357, departs 06:40.",
            [],
        ),
        ("Who teaches Maya the piano?", PIANO, f"Maya\n{PIANO}", []),
        ("What's the PIN for the key safe?", "The key safe code is 3390.", "key safe code", []),
        ("Who's Sarah's boss?", "Her manager is Helen Ward.", "Sarah's work\nHer manager", []),
        (
            "What fuel does the car take?",
            "Petrol, unleaded 95.",
            "Car\nPetrol, unleaded 95.",
            [],
        ),
        ("What fuel does the van take?", "Petrol.", "Car\nPetrol.", ["van"]),  # not the van
        (
            "What's the dentist's number?",
            "GP: 01632 960 245.",
            "Surgery\nGP: 01632 960 245.",
            ["dentist"],
        ),  # a GP is a doctor, not a dentist
        # A weekday the question names must be the answering sentence's, not the note's.
        (
            "What time is Maya's swimming on Thursdays?",
            "Swimming on Tuesdays at 17:30.",
            "Maya\nSwimming on Tuesdays at 17:30.\nPiano on Thursdays at 16:15.",
            ["thursday"],
        ),
        ("What time is Maya's piano on Thursdays?", PIANO, f"Maya\n{PIANO}", []),
        # Light verbs frame the question; the thing asked about must still be there.
        (
            "When does the shopping delivery come?",
            "The shopping delivery arrives on Sunday between 09:00 and 10:00.",
            "Meal plan\nThe shopping delivery arrives on Sunday between 09:00 and 10:00.",
            [],
        ),
        (
            "When do we pick up the turkey?",
            "Turkey: collect on 23 December.",
            "Christmas\nTurkey: collect on 23 December.",
            [],
        ),
        (
            "When do we pick up the goose?",
            "Turkey: collect on 23 December.",
            "Christmas\nTurkey: collect on 23 December.",
            ["goos"],
        ),
        # "When" wants a date, a day or a time, not any number; "how long" not how often.
        (
            "When was the freezer defrosted?",
            "Defrost it over a weekend, door open for 4 hours.",
            "Freezer\nDefrost it over a weekend, door open for 4 hours.",
            ["kind:when"],
        ),
        (
            "How long does the maintenance wash take?",
            "Run a maintenance wash at 90 °C once a month.",
            "Washing machine\nRun a maintenance wash at 90 °C once a month.",
            ["kind:duration"],
        ),
    ],
)
def test_the_note_records_what_is_asked_or_not(
    question: str, key: str, note: str, missing: list[str]
) -> None:
    assert _missing(question, key, note) == missing


def test_the_asked_words_leave_out_subjects_question_and_framing_words() -> None:
    assert asked_words("What does fault F53 mean on the washing machine?", frozenset({"f53"})) == {
        "fault",
        "wash",
        "machin",
    }


def test_another_labelled_line_does_not_record_what_the_answering_one_lacks() -> None:
    # The return flight departs; only the outbound one lands.
    key = "Return: Saturday 19 April, TP1360 from Lisbon, departs 18:05."
    assert "lands" not in context(FLIGHTS, key) and "Return" in context(FLIGHTS, key)
    question = "What time does the Lisbon return flight land?"
    assert _missing(question, key, f"Lisbon > Flights\n{context(FLIGHTS, key)}") == ["land"]
    leave = "When does the Lisbon return flight leave?"
    assert _missing(leave, key, f"Lisbon > Flights\n{context(FLIGHTS, key)}") == []


def test_the_subjects_own_sentence_answers_before_one_about_nobody() -> None:
    units = ["Tom's expires on 19 October 2030.", "Passports are in the safe; its code is 271828."]
    assert naming("What is Tom's passport number?", "Passports", units) == units[:1]
    assert naming("Where are the passports?", "Passports", units) == units
    assert naming("When is Tom's passport due?", "Tom's passport", units) == units


def test_a_note_that_is_somebody_elses_yields_to_the_households_own() -> None:
    options = AskOptions(RetrievalSection(ask_min_relevance=0.5))
    ours = Hit("car.md", "Car (Skoda Octavia)", "MOT due 14 September.", 0.3, "note", 0.66, 1.0)
    hers = Hit("sarah-car.md", "Sarah's car (Yaris)", "MOT due 30 June.", 0.3, "note", 0.7, 1.0)
    question = "When is the car's MOT due?"
    choice = choose(SearchResult([hers, ours], "hybrid"), question, options, None)
    assert choice is not None and choice.hit.path == "car.md"
    sarahs = choose(SearchResult([hers, ours], "hybrid"), "When is Sarah's MOT due?", options, None)
    assert sarahs is not None and sarahs.hit.path == "sarah-car.md"


PARTY = "Saturday 30 August, 14:00 to 16:00, at Jump Zone."
# Each asked end of a span, a sentence recording it, and one that does not.
SPANS = [
    ("start", PARTY, "Swimming on Tuesdays at 17:30 at Westfield Leisure Centre."),
    ("finish", PARTY, "Check-in from 13:00."),
    (
        "earliest",
        "Check-in from 13:00; quiet time after 22:30.",
        "Leave by 10:00 on Christmas Eve.",
    ),
    ("latest", "Text her before 09:00 to cancel.", "Eden Project: tickets for 10:00 entry."),
    ("close", "The bar closes at 23:00.", "Eden Project on 6 August, tickets for 10:00 entry."),
]


@pytest.mark.parametrize(("stem", "recorded", "not_recorded"), SPANS)
def test_an_end_of_a_span_is_recorded_by_a_range_or_a_bound(
    stem: str, recorded: str, not_recorded: str
) -> None:
    assert bounded(stem, recorded)
    assert not bounded(stem, not_recorded)
    assert not bounded("land", recorded)  # not a word asking for an end of a span


def test_the_answering_sentence_is_the_one_holding_the_asked_end_of_a_span() -> None:
    units = ["Saturday 30 August, 14:00 to 16:00, at Jump Zone.", "Party bags (12) are bought."]
    assert best_of("What time does Maya's party start?", "# Maya's party", units) == units[0]


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        # Function words ("up", "each") never name the asked thing; money verbs name its kind.
        ("What should the front tyres be pumped up to?", {"front", "tyre", "pump"}),
        ("How much do we pay the walker for each walk?", {"walker", "walk"}),
        ("How much do we owe the campsite?", {"campsit"}),
    ],
)
def test_function_words_and_money_verbs_need_not_be_in_the_note(
    question: str, asked: set[str]
) -> None:
    assert asked_words(question) == asked
    assert wanted_kind(question) == ("money" if "much" in question else None)


def test_a_word_said_in_other_words_is_not_missing() -> None:
    question, key = "When does Sarah fly to Berlin?", "Berlin: flight LH947 on 7 October."
    names = frozenset({"sarah"})
    assert unrecorded(question, key, key, names) == ["fli"]
    assert unrecorded(question, key, key, names, said=lambda stem: stem == "fli") == []


LISBON_HOTEL = "Check-in from 15:00.\nBreakfast is included; the rooftop bar closes at 23:00."


@pytest.mark.parametrize(
    ("question", "key", "note", "missing"),
    [
        # The span and the paraphrase vouch only for a sentence about the asked thing.
        ("When does breakfast start?", "Check-in from 15:00.", LISBON_HOTEL, ["start"]),
        ("When does check-in start?", "Check-in from 15:00.", LISBON_HOTEL, []),
        # A line labelled with a day is that day's, whatever days it mentions.
        (
            "What's for tea on Sunday?",
            "Saturday: Sunday roast.",
            "Saturday: Sunday roast.",
            ["sunday"],
        ),
        ("What's for tea on Saturday?", "Saturday: Sunday roast.", "Saturday: Sunday roast.", []),
    ],
)
def test_other_words_vouch_only_for_a_sentence_about_the_asked_thing(
    question: str, key: str, note: str, missing: list[str]
) -> None:
    vouch = lambda stem: stem == "tea"  # noqa: E731 - the paraphrase judge's stand-in
    assert unrecorded(question, key, note, frozenset(), said=vouch) == missing
