"""Rhyme planning for a tiny model: choose the two end words first, then let it write the lines.

A 135M model almost never rhymes on its own (0 of 20 headlines in four tries each), so the
skill picks a pair of rhyming end words (a word of the headline where one rhymes, else a
family of common words) and a GBNF grammar makes each line end with its word.
"""

from __future__ import annotations

import re

from assistant import rhymes

# Families of common, cheerful words that rhyme with each other (per the rhyme judge).
FAMILIES: tuple[tuple[str, ...], ...] = tuple(
    tuple(line.split())
    for line in """
    day way play say away stay today hooray display
    night light bright sight delight right flight kite
    fun sun done run begun
    cheer year near clear here dear
    town down crown gown
    street feet treat neat sweet meet
    new true blue too through view
    high sky fly why try
    ground sound found round
    go show know slow glow grow
    time rhyme climb chime
    rain again plain train
    please breeze trees cheese ease
    plan can man began
    all ball call small hall wall
    cake make take wake awake
    bell well tell spell yell
    fine line shine mine sign
    door more floor store score
    best rest test guest west
    wide ride side pride guide
    game same name fame
    home roam
    heart start part art smart
    song long along strong
    town brown clown
    dream team seem stream beam
    free see tree bee glee
    hat cat that flat chat
    book look cook hook took
    sing thing ring king wing spring
    end friend send mend lend
    chair there where air fair care
    nice twice price rice slice
    told gold old bold hold
    cool school pool rule
    dog log fog jog frog
    """.strip().splitlines()
)
VOCABULARY = frozenset(w for family in FAMILIES for w in family)
STOP = frozenset(
    re.findall(
        r"\w+",
        "a an the to of in on at for and or but with by from as is are was be it its this that "
        "says after over into up out new has have will can",
    )
)
WORD = re.compile(r"[A-Za-z]+")


def anchors(headline: str) -> list[tuple[str, str]]:
    """Pairs (a word of the headline, a common word rhyming with it), in headline order."""
    pairs: list[tuple[str, str]] = []
    for word in dict.fromkeys(WORD.findall(headline)):
        if not word.islower() or word in STOP or len(word) < 3:  # no names, no small words
            continue
        pairs.extend((word, other) for other in sorted(VOCABULARY) if rhymes(word, other))
    return pairs


def end_pairs(headline: str, count: int, seed: int) -> list[tuple[str, str]]:
    """`count` end-word pairs to try: anchored in the headline first, then common families."""
    anchored = anchors(headline)
    start = seed % max(1, len(anchored))
    chosen = anchored[start:] + anchored[:start]
    picked: list[tuple[str, str]] = []
    seen: set[str] = set()
    for first, second in chosen:  # one pair per headline word first, for variety
        if first not in seen:
            seen.add(first)
            picked.append((first, second))
    picked.extend(p for p in chosen if p not in picked)
    for i in range(count):
        family = FAMILIES[(seed + 7 * i) % len(FAMILIES)]
        j = (seed // len(FAMILIES) + i) % len(family)
        others = family[j + 1 :] + family[:j]
        second = next((w for w in others if rhymes(family[j], w)), None)
        if second is not None:
            picked.append((family[j], second))
    # Anchored pairs fill at most two thirds, so the families always get a turn.
    anchored_part = picked[: max(1, (2 * count) // 3)] if anchored else []
    rest = [p for p in picked if p not in anchored_part]
    return (anchored_part + rest)[:count]


def couplet_grammar(first: str, second: str, max_words: int = 7) -> str:
    """A GBNF grammar: two lines of 4 to `max_words` words, ending in `first` and `second`."""
    # The word before the end word takes no comma, so the end word is not tacked on.
    filler = f'(" " word){{1,{max_words - 3}}} " " bare'
    return (
        'root ::= line1 "\\n" line2\n'
        f'line1 ::= start {filler} " {first}" [,!.]\n'
        f'line2 ::= start {filler} " {second}" [!.]\n'
        "start ::= [A-Za-z] [a-z']*\n"
        "bare ::= [A-Za-z] [a-z']*\n"
        'word ::= bare ","?\n'
    )
