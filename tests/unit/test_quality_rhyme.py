"""The rhyme judge: CMU rhymes, near vowels merged, one word twice is no rhyme."""

from __future__ import annotations

import pytest

from assistant.llm.base import GenerateOptions
from assistant.quality.rhyme import (
    couplet_rhymes,
    line_end_words,
    no_rhyme,
    number_word,
    rhyme_score,
    rhyme_strength,
    rhymes,
    rhyming_words,
    spelling_key,
)
from assistant.quality.rhymegrammar import (
    common_words,
    line_two_grammar,
    rhyme_choices,
    rhyming_sampler,
    verse_words,
    word_rank,
)
from assistant.testing import FakeLLM


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("bright", "night", True),
        ("view", "new", True),
        ("gone", "on", True),  # AO/AA merged
        ("here", "near", True),  # IY R / IH R merged
        ("day", "away", True),
        ("fine", "line", True),
        ("Time", "rhyme", True),
        ("bright", "down", False),  # from the issue
        ("set", "set", False),  # a word with itself
        ("stars", "star", False),  # and its plural
        ("day", "today", False),  # a compound that repeats it
        ("light", "daylight", False),
        ("ring", "bring", True),  # "b" is no word: a real rhyme
        ("bright", "right", True),
        ("out", "shout", True),
        ("night", "tonight", False),
        ("goodnight", "night", False),
        ("way", "away", False),
        ("write", "right", False),  # one sound twice
        ("more", "star", False),  # AO before R stays apart from AA
        ("thirty", "dirty", True),
        ("07:30", "dirty", True),  # a numeral ends the line as it is spoken
        ("12:05", "alive", True),
        ("PM", "them", True),
        ("cat", "dog", False),
        ("glimmerous", "shimmerous", True),  # unknown words: spelling decides
        ("glimmerous", "bright", False),
        ("", "night", False),
    ],
)
def test_rhymes(a: str, b: str, expected: bool) -> None:
    assert rhymes(a, b) is expected


def test_near_rhymes_score_half() -> None:
    assert rhyme_strength("time", "line") == 0.5  # same stressed vowel, different ending
    assert rhyme_strength("cat", "dog") == 0.0
    assert rhyme_strength("bright", "night") == 1.0


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ("Wake up, the sun is in view,\nit's 07:30 and the day is new.", ["view", "new"]),
        ('"The bells ring out," we say;\n\nit is noon!', ["say", "noon"]),
        ("One line, with a clause; and another.", ["line", "clause", "another"]),
        ("It is 9:15 PM", ["PM"]),
        ("", []),
        ("...\n!!!", []),
    ],
)
def test_line_end_words(text: str, ends: list[str]) -> None:
    assert line_end_words(text) == ends


@pytest.mark.parametrize(
    ("text", "score", "couplet"),
    [
        ("The stars are out, the moon is bright,\nat 9:15 we say goodnight.", 1.0, True),
        ("The moon shines bright,\nthe sun goes down.", 0.0, False),
        ("It is time,\nto walk the line.", 0.5, False),
        ("A day, a way; a cat, a hat.", 1.0, True),
        ("A day,\na way,\na dog.", 0.5, True),  # 1-2 rhyme, the odd third with the second not
        ("Just one line", 0.0, False),
    ],
)
def test_rhyme_score_and_couplet(text: str, score: float, couplet: bool) -> None:
    assert rhyme_score(text) == score
    assert couplet_rhymes(text) is couplet


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("The bells have rung, the morning's gone,\nit's 12:05, so carry on.", None),
        ("Set the table, set\nthe clock, it's set", "'set' / 'set' is one word twice"),
        ("The moon shines bright,\nthe sun goes down.", "'bright' / 'down' do not rhyme"),
        ("Hello", "fewer than two lines or clauses"),
    ],
)
def test_no_rhyme_as_a_contract_check(text: str, reason: str | None) -> None:
    assert no_rhyme(text) == reason


@pytest.mark.parametrize(
    ("token", "word"), [("07:30", "thirty"), ("12:05", "five"), ("21:00", "nine"), ("42", "two")]
)
def test_number_word(token: str, word: str) -> None:
    assert number_word(token) == word


def test_spelling_key_keeps_the_silent_e_with_its_vowel() -> None:
    assert spelling_key("stone") == spelling_key("glone") == "one"
    assert spelling_key("night") == "ight"


def test_rhyming_words_exclude_the_word_itself() -> None:
    pool = ["bright", "light", "sight", "night", "tonight", "nights", "day", "knight", "it's"]
    assert rhyming_words("night", pool) == ["bright", "light", "sight"]


def test_rhyme_choices_are_common_words_that_pass_the_filter() -> None:
    found = rhyme_choices("bright", allowed=lambda w: w != "night")
    assert {"light", "white", "right"} <= set(found)
    assert "night" not in found and "bright" not in found
    assert all(w in common_words() for w in found)
    assert rhyme_choices("zzzq") == []


def test_rhyme_choices_come_from_our_verse() -> None:
    found = rhyme_choices("bright")
    assert found and all(w in verse_words() for w in found)
    assert not {"website", "insight", "satellite", "copyright"} & set(found)
    assert rhyme_choices("shining") == []  # "mining", "designing": no verse of ours


def test_rhyming_sampler_draws_a_new_line_one_when_it_has_nothing_to_rhyme_with() -> None:
    llm = ContinuingLLM(["The sky is shining,", "The sky is bright,", ", all is right."])
    text = rhyming_sampler(llm, "p", "It's 07:30")(GenerateOptions(seed=1))
    assert text == "The sky is bright,\nIt's 07:30, all is right."


def test_line_two_grammar_forces_line_one_the_opening_and_a_rhyme() -> None:
    grammar = line_two_grammar('A "quoted" line,', "It's 07:30", ["day", "way"])
    assert grammar.startswith('root ::= "A \\"quoted\\" line," "\\n" "It\'s 07:30" ')
    assert grammar.rstrip().endswith('" " ("day" | "way") [.!]')


class ContinuingLLM(FakeLLM):
    """A fake engine that continues a written start of its answer (as the local one does)."""

    continues_replies = True


def test_rhyming_sampler_continues_line_one_and_the_opening_where_the_engine_can() -> None:
    llm = ContinuingLLM(["The sky is bright,", ", all is right.", "The sun is high,", ", oh my."])
    sample = rhyming_sampler(llm, "p", "It's 07:30")
    texts = [sample(GenerateOptions(seed=s)) for s in range(2)]
    assert texts == [
        "The sky is bright,\nIt's 07:30, all is right.",
        "The sun is high,\nIt's 07:30, oh my.",
    ]
    rhymed = [o for _m, o in llm.calls if o.ending is not None]
    assert [o.reply_start for o in rhymed] == [
        "The sky is bright,\nIt's 07:30",
        "The sun is high,\nIt's 07:30",
    ]
    assert rhymed[0].ending is not None and "light" in rhymed[0].ending.words
    assert rhymed[0].grammar is None  # line one is written, not forced


def test_rhyme_choices_are_the_commonest_rhymes() -> None:
    found = rhyme_choices("day", limit=5)
    assert len(found) == 5
    ranks = [word_rank()[w] for w in found]
    assert ranks == sorted(ranks)
    assert all(word_rank()[w] <= ranks[-1] for w in rhyme_choices("day", limit=50)[:5])
    assert "way" in found


def test_rhyming_sampler_forces_line_one_by_grammar_where_the_engine_cannot_continue() -> None:
    llm = FakeLLM(["The sky is bright,", "The sky is bright,\nIt's 07:30, all is right."])
    text = rhyming_sampler(llm, "p", "It's 07:30")(GenerateOptions(seed=1))
    assert text == "The sky is bright,\nIt's 07:30, all is right."
    _messages, rhymed = llm.calls[-1]
    assert rhymed.reply_start == ""
    assert rhymed.grammar == line_two_grammar("The sky is bright,", "It's 07:30",
                                              rhyme_choices("bright"))  # fmt: skip


def test_rhyming_sampler_draws_a_new_line_one_when_none_was_accepted() -> None:
    llm = ContinuingLLM(["It's 7 now,"])
    sample = rhyming_sampler(llm, "p", "It's 07:30", line_ok=lambda line: "7" not in line)
    sample(GenerateOptions(seed=1))
    sample(GenerateOptions(seed=2))
    assert sum(o.ending is None for _m, o in llm.calls) == 6  # three tries, twice
