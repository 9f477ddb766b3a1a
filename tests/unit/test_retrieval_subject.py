"""The subject rule of `ask` and its cascade, with fake hits and the fake LLM: whose fact is it."""

from __future__ import annotations

import pytest

from assistant.retrieval.ask import DECLINE, AskOptions, answer_from, choose
from assistant.retrieval.base import Hit, SearchResult
from assistant.retrieval.settings import RetrievalSection
from assistant.retrieval.subject import attach, subjects
from assistant.testing import FakeLLM

BIKES = (
    "Tom's road bike: tyres at 90 psi, chain oiled every 200 miles.\n"
    "Leo's bike lock combination: 4471. Maya's lock key hangs on the hook by the back door.\n"
    "The bike shop is Spokes on Mill Road."
)
DENTIST = (
    "Smile Dental, 14 Castle Street. Reception 01632 960 771.\n"
    "Maya: check-up on Tuesday 18 March at 15:40.\n"
    "Tom: hygienist cleaning on Wednesday 2 April at 09:10."
)
PASSPORTS = (
    "Sarah's passport expires on 3 March 2027. Tom's expires on 19 October 2030.\n"
    "Passports are in the fire safe in the study."
)
FLIGHTS = "Outbound: Saturday 12 April, flight TP1357 from Manchester, departs 06:40."
TRIP = "The coach leaves school at 05:30 on the 20th."
OPTIONS = AskOptions(RetrievalSection(ask_min_relevance=0.5))


def _hit(path: str, heading: str, text: str, similarity: float = 0.7) -> Hit:
    return Hit(path, heading, text, 0.3, "note", similarity, 1.0)


def _choose(question: str, *hits: Hit) -> str | None:
    choice = choose(SearchResult(list(hits), "hybrid"), question, OPTIONS, None)
    return None if choice is None else choice.key


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("What's the lock combination for Maya's bike?", [{"maya"}]),
        ("What is the Wi-Fi Direct password?", [{"wi", "fi"}, {"direct"}]),
        ("What does error E24 mean?", [{"e24"}]),
        ("How long does the oven's self-clean take?", []),
    ],
)
def test_the_subjects_are_the_names_and_codes_a_question_names(
    question: str, names: list[set[str]]
) -> None:
    assert [set(n) for n in subjects(question)] == names


@pytest.mark.parametrize(
    ("question", "key"),
    [
        # The note names Maya, but the combination is Leo's: declined, not Leo's code.
        ("What's the lock combination for Maya's bike?", None),
        ("What is the combination of Leo's bike lock?", "Leo's bike lock combination: 4471."),
        # Tom's tyres are not Leo's.
        ("What pressure do Leo's bike tyres need?", None),
        ("What pressure do Tom's bike tyres need?", BIKES.splitlines()[0]),
        # No name asked: every sentence may answer.
        ("Where is the bike shop?", "The bike shop is Spokes on Mill Road."),
    ],
)
def test_a_sentence_about_somebody_else_never_answers(question: str, key: str | None) -> None:
    assert _choose(question, _hit("bikes.md", "Bikes", BIKES)) == key


def test_labels_side_by_side_are_names_like_the_one_asked() -> None:
    dentist = _hit("dentist.md", "Dentist", DENTIST)
    assert _choose("When is Maya's hygienist appointment?", dentist) is None
    assert _choose("When is Tom's hygienist appointment?", dentist) == DENTIST.splitlines()[2]
    assert _choose("When is Maya's dentist appointment?", dentist) == DENTIST.splitlines()[1]


def test_a_sentence_that_leaves_out_what_the_one_before_says_is_still_the_subjects() -> None:
    # "Tom's expires ..." holds less of the question than Sarah's sentence, but the heading
    # says passports: the two match as well, so Tom's is answered.
    passports = _hit("passports.md", "Passports", PASSPORTS)
    assert (
        _choose("When does Tom's passport expire?", passports)
        == "Tom's expires on 19 October 2030."
    )


def test_a_label_that_is_no_name_owns_nothing_and_other_notes_take_no_side() -> None:
    flights = _hit("lisbon.md", "Lisbon > Flights", FLIGHTS, 0.6)
    trip = _hit("paris.md", "Leo's school trip to Paris", TRIP, 0.55)
    assert _choose("When does our flight to Lisbon leave?", flights, trip) == FLIGHTS


def test_a_sub_heading_names_whose_chunk_it_is() -> None:
    maya = _hit("kids.md", "Kids > Maya", "Piano on Thursdays at 16:15 with Mrs Okafor.")
    leo = _hit("kids.md", "Kids > Leo", "Football on Saturdays at 09:00 at Kings Park.")
    attached = attach("When is Leo's piano lesson?", [maya, leo], None)
    assert attached.someone_elses
    assert attached.sentences == [[], ["Football on Saturdays at 09:00 at Kings Park."]]
    assert _choose("When is Leo's football?", maya, leo) == leo.text


ALLERGIES = (
    "Leo is allergic to peanuts. His EpiPen is in the kitchen drawer; it expires in June 2025.\n"
    "Maya is allergic to penicillin: tell every doctor.\n"
    "Children's paracetamol: Leo 10 ml, Maya 7.5 ml."
)


def test_a_pronoun_speaks_of_the_last_person_named() -> None:
    allergies = _hit("allergies.md", "Allergies", ALLERGIES)
    epipen = "His EpiPen is in the kitchen drawer; it expires in June 2025."
    assert _choose("When does Leo's EpiPen expire?", allergies) == epipen
    # Leo's EpiPen is not Maya's, although the sentence names no one but the EpiPen.
    assert _choose("When does Maya's EpiPen expire?", allergies) is None
    mine = attach("When does Maya's EpiPen expire?", [allergies], None).sentences[0]
    assert epipen not in mine and "Maya is allergic to penicillin: tell every doctor." in mine


def test_a_pronoun_after_a_heading_that_is_somebodys_is_theirs() -> None:
    work = _hit("work.md", "Sarah's work", "Flight LH947 from Berlin.\nHer manager is Helen Ward.")
    assert _choose("Who is Sarah's manager?", work) == "Her manager is Helen Ward."
    assert _choose("Who is Tom's manager?", work) is None


def test_the_most_relevant_eligible_hit_answers_even_when_ranked_lower() -> None:
    # The fused rank put the eye test first; the flu jab chunk is more relevant and names it.
    eyes = _hit("optician.md", "Optician", "Sarah's eye test: Thursday 22 May at 11:00.", 0.35)
    gp = _hit("gp.md", "GP surgery", "Sarah's flu jab: Saturday 11 October clinic.", 0.7)
    assert _choose("When is Sarah's flu jab?", eyes, gp) == gp.text


def test_another_note_that_answers_as_well_within_the_margin_is_ambiguous() -> None:
    home = _hit("home.md", "Home", "The spare key is under the blue pot.", 0.70)
    cottage = _hit("cottage.md", "Cottage", "The spare key is in the key safe, code 3390.", 0.68)
    question = "Where is the spare key?"
    assert _choose(question, home, cottage) is None
    far = _hit("cottage.md", "Cottage", cottage.text, 0.55)
    assert _choose(question, home, far) == home.text


def test_a_declined_subject_never_reaches_the_model() -> None:
    llm = FakeLLM(["The combination is 4471."])
    result = SearchResult([_hit("bikes.md", "Bikes", BIKES, 0.9)], "hybrid")
    answer = answer_from(result, "What's the lock combination for Maya's bike?", llm, OPTIONS)
    assert (answer.answer, answer.answered, llm.calls) == (DECLINE, False, [])
    assert answer.relevance is not None and answer.relevance > OPTIONS.section.ask_min_relevance
