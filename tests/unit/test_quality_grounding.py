"""The news grounding judge: names and numbers in a retelling must come from the headline."""

from __future__ import annotations

import pytest

from assistant.quality.grounding import grounding_violation, is_grounded, unsupported

ADS = "Google will stop carrying election ads in the Philippines"
RATES = "Bank of England raises interest rates to 5.25%"
SEWAGE = "Water company fined £90m for illegal sewage discharges"


@pytest.mark.parametrize(
    ("written", "headline", "extra"),
    [
        # Names: a capital inside a sentence must be in the headline, in some form.
        ("The U.S. will stop carrying election ads", ADS, ["U.S."]),
        ("No more ads in the Philippine sun, Google says the fun is done!", ADS, []),
        ("The British people are making a decision", ADS, ["British"]),
        ("Ads are gone, said NASA with a yawn", ADS, ["NASA"]),
        ("Oh my, said I, the ads say goodbye!", ADS, []),
        # Sentence and line starts may be capitalised; acronyms may not hide there.
        ("Ads will stop.\nAds will drop!", ADS, []),
        ("NHS ads will stop", ADS, ["NHS"]),
        # Numbers: numerals and number words, compared as numbers.
        ("Five ads, oh my!", ADS, ["Five"]),
        ("In 2024 the ads are no more", ADS, ["2024"]),
        ("No one likes an ad, the Philippines are glad", ADS, []),
        # A line may start with a common word, but not with a name the headline lacks.
        ("Roll along, the ads are gone.\nFido barks, the ads are done!", ADS, ["Fido"]),
        ("Gravity pulls, the ads are gone.\nLondon sighs, the ads are done!", ADS, ["London"]),
        ("Up to 5.25 the rates arrive", RATES, []),
        ("Up to six the rates now fly", RATES, ["six"]),
        ("A fine of ninety million, what a bill!", SEWAGE, []),
        ("A billion in fines", SEWAGE, ["billion"]),
        ("The England bank says rates go up", RATES, []),
    ],
)
def test_unsupported(written: str, headline: str, extra: list[str]) -> None:
    assert unsupported(written, headline) == extra
    assert is_grounded(written, headline) == (not extra)
    reason = grounding_violation(written, headline)
    assert (reason is None) == (not extra)
    if reason:
        assert reason.startswith("names what the source does not: ")
        assert all(word in reason for word in extra)


def test_a_skill_may_allow_its_own_stock_of_names_and_leave_numbers_out() -> None:
    title = "Show HN: A to-do app in Go"
    comment = "Cute. I wrote this in 12 lines of Lisp in 1997, without Google."
    assert unsupported(comment, title) == ["12", "Lisp", "1997", "Google"]
    assert unsupported(comment, title, allowed=["lisp"], numbers=False) == ["Google"]
