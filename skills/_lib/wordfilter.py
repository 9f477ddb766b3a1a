"""Word lists the skills keep to: words nobody is made to say, and news too sad to joke about."""

from __future__ import annotations

from collections.abc import Iterable

from assistant import MustNotContain, Predicate, words


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

# Headlines with these words are read plainly, never turned into a joke.
TRAGIC_WORDS = _wordset(
    "dead death deaths die dies died dying kill kills killed killing killer "
    "war wars bomb bombs bombing shot shooting gun gunman guns stabbed stabbing "
    "attack attacks attacked crash crashed flood floods fire fires wildfire "
    "earthquake quake tsunami hurricane tornado storm famine drought disaster "
    "abuse abused assault assaulted rape raped victim victims injured hurt "
    "hostage hostages suicide funeral tragedy tragic fatal overdose drowned "
    "missing mourn mourns mourning grief cancer epidemic pandemic outbreak "
    "riot riots violence violent kidnap kidnapped torture executed execution"
)
TRAGIC_PREFIXES = (
    "murder",
    "massacre",
    "terror",
    "genocide",
    "explosi",
    "casualt",
    "fatalit",
    "evacuat",
    "refugee",
    "traffick",
    "molest",
    "paedophil",
    "pedophil",
    "homicid",
    "manslaughter",
    "catastroph",
    "devastat",
)


def banned_words(extra: Iterable[str] = ()) -> MustNotContain:
    """The word-filter rule: the hateful list plus a skill's own extra words."""
    return MustNotContain(HATEFUL | {w.lower() for w in extra})


def is_tragic(text: str) -> bool:
    """True when a headline speaks of death, violence, disaster or abuse."""
    return any(w in TRAGIC_WORDS or w.startswith(TRAGIC_PREFIXES) for w in words(text))


def no_tragic_words() -> Predicate:
    """A rule: a light-hearted text must not bring up death, violence or disaster."""
    return Predicate("no-tragic-words", lambda t: "mentions tragedy" if is_tragic(t) else None)
