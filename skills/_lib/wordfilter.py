"""Word lists the skills keep to: words nobody is made to say, and no joke about tragedy."""

from __future__ import annotations

from collections.abc import Iterable

from assistant import MustNotContain, Predicate, is_tragic

__all__ = ["HATEFUL", "banned_words", "is_tragic", "no_tragic_words"]


def _wordset(text: str) -> frozenset[str]:
    """A set of the space-separated words in `text`."""
    return frozenset(text.split())


# Insults, profanity and the vocabulary of hate and violence: a made-up quote or a parody
# containing one of these is thrown away, whoever it is attributed to.
HATEFUL = _wordset(
    "hate hates hated hating hateful hatred racist racism sexist bigot bigots "
    "nazi nazis hitler genocide supremacy supremacist slur slurs "
    "kill kills killed killing murder murdered die dies died death dead "
    "stupid idiot idiots moron morons dumb loser losers ugly fat disgusting "
    "worthless pathetic scum trash vermin subhuman retard retarded "
    "fuck fucking fucked shit shitty bitch bastard cunt dick asshole damn "
    "whore slut faggot fag nigger nigga kike spic chink tranny "
    "terrorist terrorists bomb bombs shoot shooting gun guns rape raped"
)


def banned_words(extra: Iterable[str] = ()) -> MustNotContain:
    """The word-filter rule: the hateful list plus a skill's own extra words."""
    return MustNotContain(HATEFUL | {w.lower() for w in extra})


def no_tragic_words() -> Predicate:
    """A rule: a light-hearted text must not bring up death, violence or disaster (the
    sensitivity judge, the same one that keeps tragic headlines from the model)."""
    return Predicate("no-tragic-words", lambda t: "mentions tragedy" if is_tragic(t) else None)
