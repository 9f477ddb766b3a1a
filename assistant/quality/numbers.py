"""Number words and what they count, shared by the judges and the clock's time check."""

from __future__ import annotations

_UNITS = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
_TEENS = "fifteen sixteen seventeen eighteen nineteen"
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
# "one" .. "nineteen", then the tens: each word and its value.
CARDINALS: dict[str, int] = {
    **{word: n for n, word in enumerate(f"{_UNITS} {_TEENS}".split(), start=1)},
    **{word: 10 * n for n, word in enumerate(_TENS.split(), start=2)},
}
SCALES: dict[str, int] = {"hundred": 100, "thousand": 1000, "million": 10**6}
