"""Property-based fuzzing of the four parsers of outside input: only typed errors, bounded cost."""

from __future__ import annotations

import json
import tracemalloc
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.config import load_config
from assistant.errors import ConfigError
from assistant.feedback.recall import Recall
from assistant.feedback.store import FeedbackStore
from assistant.journal import Journal, RunRecord
from assistant.news.clean import DROPPED_CATEGORIES, clean_link, clean_text
from assistant.service.api import COMMANDS, MAX_SAY_CHARS, build_handler
from assistant.service.control import parse_request
from assistant.service.errors import ControlError
from assistant.speech.sentences import split_sentences, stream_sentences
from tests.reliability.helpers import report

# Derandomized so that CI tries the same inputs every time; bounded so the suite stays short.
FUZZ = settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MIB = 1024 * 1024

# Pieces that hostile feeds, models and clients really send, mixed into arbitrary text.
HOSTILE = [
    "<script>alert(1)</script>",
    "<!-- hidden",
    "&amp;lt;b&amp;gt;",
    "&#x202e;",
    "\u202e",
    "\u200b",
    "\ufeff",
    "＜script＞",
    "javascript:alert(1)",
    "<a href='x'>",
    "&#0;",
    "&#xd800;",
    "\x00",
    "\r\n",
    "Dr. ",
    "e.g. ",
    "No. 5",
    "...",
    "…",
    "!?",
    '." ',
    "\n\n",
    "1. ",
    "]]>",
    "&",
    "é",
    "\U0001f600",
]
hostile_text = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE)), max_size=30).map(
    "".join
)


def run_counted(fuzz: Callable[..., None]) -> int:
    """Run a Hypothesis test and return how many inputs it tried."""
    tried = [0]
    inner = fuzz.hypothesis.inner_test  # type: ignore[attr-defined]

    def counting(*args: Any, **kwargs: Any) -> None:
        tried[0] += 1
        inner(*args, **kwargs)

    fuzz.hypothesis.inner_test = counting  # type: ignore[attr-defined]
    fuzz()
    return tried[0]


def peak_bytes(fn: Callable[[], object]) -> int:
    """Peak memory Python allocates while running `fn`."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- the text cleaner -------------------------------------------------------------------------


@FUZZ
@given(
    raw=hostile_text,
    # Caps of 1 and 2 characters are test_a_cap_below_the_ellipsis_is_kept (a known bug).
    limit=st.one_of(
        st.integers(min_value=-5, max_value=0), st.integers(min_value=3, max_value=400)
    ),
)
def fuzz_clean_text(raw: str, limit: int) -> None:
    text = clean_text(raw, limit)
    assert isinstance(text, str)
    assert len(text) <= max(limit, 0)
    assert "<" not in text and ">" not in text
    assert not any(unicodedata.category(c) in DROPPED_CATEGORIES for c in text)
    assert text == text.strip() and "  " not in text
    assert not any(c in text for c in "\t\n\r")


@FUZZ
@given(raw=st.one_of(hostile_text, st.sampled_from(["http://x.y/a", "https://ex.com/?q=1"])))
def fuzz_clean_link(raw: str) -> None:
    link = clean_link(raw)
    if link is not None:
        assert link.lower().startswith(("http://", "https://"))
        assert not any(c.isspace() for c in link)


def test_text_cleaner_fuzz() -> None:
    tried = run_counted(fuzz_clean_text) + run_counted(fuzz_clean_link)
    # Non-strings are data too: they become nothing, not an exception.
    odd: list[object] = [None, 5, b"<b>x</b>", ["a"], {"a": 1}]
    assert all(clean_text(value, 50) == "" and clean_link(value) is None for value in odd)
    # A 4 MB title costs no more than a short one: it is cut before any work on it.
    huge = "<b>&amp;\u200bword</b> " * 200_000
    peak = peak_bytes(lambda: clean_text(huge, 200))
    assert len(clean_text(huge, 200)) <= 200
    assert peak < 1 * MIB, f"cleaning a 4 MB title peaked at {peak / MIB:.1f} MiB"
    report(
        "fuzz-cleaner",
        inputs=tried + len(odd) + 1,
        exceptions=0,
        huge_input_mib=round(len(huge) / MIB, 1),
        peak_kib=peak // 1024,
    )


@pytest.mark.parametrize("limit", [1, 2])
def test_a_cap_below_the_ellipsis_is_kept(limit: int) -> None:
    assert len(clean_text("a longer summary", limit)) <= limit


# --- the sentence splitter --------------------------------------------------------------------


@FUZZ
@given(
    text=hostile_text,
    limit=st.integers(min_value=2, max_value=400),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=12),
)
def fuzz_sentences(text: str, limit: int, cuts: list[int]) -> None:
    whole = split_sentences(text, limit)
    for sentence in whole:
        assert sentence and sentence == sentence.strip()
        assert len(sentence) <= limit
    # Nothing is lost or added: the same non-space characters in the same order.
    assert "".join("".join(whole).split()) == "".join(text.split())
    # Any chunking of the stream gives the sentences of the whole text (short ones only: a
    # sentence cut for length may be cut elsewhere when it arrives in pieces).
    points = sorted({min(c, len(text)) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    streamed = list(stream_sentences(pieces, limit))
    assert "".join("".join(streamed).split()) == "".join(text.split())
    if all(len(s) < limit // 2 for s in whole):
        assert streamed == whole


def test_sentence_splitter_fuzz() -> None:
    tried = run_counted(fuzz_sentences)
    with pytest.raises(ValueError, match="max_chars"):
        split_sentences("Hi.", 1)
    # The longest text that can reach speech in one piece (a `say` request), without any
    # sentence end: every sentence stays within the cap, memory stays small.
    text = ("word" * 30 + " ") * (MAX_SAY_CHARS // 121 + 1)
    peak = peak_bytes(lambda: split_sentences(text))
    assert all(len(s) <= 300 for s in split_sentences(text))
    assert peak < 1 * MIB, f"splitting {len(text)} characters peaked at {peak / MIB:.1f} MiB"
    report("fuzz-sentences", inputs=tried + 2, exceptions=0, peak_kib=peak // 1024)


# --- the config loader ------------------------------------------------------------------------

KEYS = [
    "assistant",
    "llm",
    "speech",
    "news",
    "service",
    "skills",
    "retrieval",
    "timezone",
    "greeting",
    "log_level",
    "model",
    "threads",
    "sink",
    "rate",
    "quiet_hours",
    "feeds",
    "deadline_s",
    "max_request_bytes",
    "clock",
    "schedule",
    "timeout_s",
    "enabled",
    "bogus",
    "x.y",
    "",
    "ü",
]
SCALARS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=30),
    st.sampled_from(["* * * * *", "0 8 * * *", "at eight", "99 * * * *", "Europe/London"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)
TABLES = st.dictionaries(
    st.sampled_from(KEYS), st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5), max_size=5
)


def toml_value(value: Any) -> str:
    """A TOML literal for `value` (JSON's syntax is close enough for strings and numbers)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def toml_document(tables: dict[str, dict[str, Any]]) -> str:
    """A TOML file of these tables (invalid where the fuzzer makes it so)."""
    out = []
    for table, keys in tables.items():
        out.append(f"[{json.dumps(table)}]")
        out.extend(f"{json.dumps(k)} = {toml_value(v)}" for k, v in keys.items())
    return "\n".join(out) + "\n"


def check_load(path: Path, text: str) -> bool:
    """Load `text` as a config; True when it is valid, else its problems are one line each."""
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_config(path)
    except ConfigError as exc:
        assert exc.problems, "a ConfigError must name at least one problem"
        for line in exc.problems:
            assert line.startswith(f"{path}: "), line
            assert "\n" not in line and "\r" not in line, f"problem spans lines: {line!r}"
            assert len(line) < 2000, f"problem line of {len(line)} characters"
        return False
    return True


def test_config_loader_fuzz(tmp_path: Path) -> None:
    path = tmp_path / "fuzz.toml"
    counts = {"valid": 0, "refused": 0}

    @FUZZ
    @given(tables=TABLES, noise=st.one_of(st.just(""), hostile_text))
    def structured(tables: dict[str, dict[str, Any]], noise: str) -> None:
        text = toml_document(tables)
        counts["valid" if check_load(path, text) else "refused"] += 1
        # The same file with arbitrary text spliced in somewhere.
        cut = len(noise) % (len(text) + 1)
        counts["valid" if check_load(path, text[:cut] + noise + text[cut:]) else "refused"] += 1

    structured()
    for raw in (b"\xff\xfe[assistant]", b"\x00", b"[llm]\nmodel = '/no/such.gguf'\n"):
        path.write_bytes(raw)
        with pytest.raises(ConfigError):
            load_config(path)
        counts["refused"] += 1
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    counts["refused"] += 1
    tried = counts["valid"] + counts["refused"]
    report("fuzz-config", inputs=tried, refused=counts["refused"], other_exceptions=0)


@pytest.mark.parametrize("key", ['"a\\nb"', '"x\\ry"'])
def test_a_key_with_a_line_break_is_reported_on_one_line(tmp_path: Path, key: str) -> None:
    assert not check_load(tmp_path / "k.toml", f"[assistant]\n{key} = 1\n")


# --- the control-socket request parser --------------------------------------------------------


class Daemon:
    """A daemon that answers every well-formed request at once (utterances: one, in memory)."""

    def __init__(self, state: Path) -> None:
        journal = Journal(None)
        journal.record(RunRecord("clock", "2026-11-01T08:00:00+00:00", "ok", "Hi.", id="abc123"))
        self.recall = Recall(journal, FeedbackStore(state / "feedback.sqlite"), self._say)

    def _say(self, text: str, skill: str) -> None:
        assert text and skill

    def status(self) -> dict[str, Any]:
        return {"ok": True}

    def trigger(self, skill: str, wait: bool) -> dict[str, Any]:
        assert isinstance(skill, str) and isinstance(wait, bool)
        return {"ok": True}

    def say(self, text: str) -> dict[str, Any]:
        assert isinstance(text, str) and 0 < len(text) <= MAX_SAY_CHARS
        return {"ok": True}

    def reload(self) -> dict[str, Any]:
        return {"ok": True}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
REQUESTS = st.fixed_dictionaries(
    {"command": st.one_of(st.sampled_from([*COMMANDS]), JSON)},
    optional={
        "skill": JSON,
        "text": st.one_of(JSON, st.text(min_size=3990, max_size=4010)),
        "wait": JSON,
        "n": JSON,
        "id": st.one_of(JSON, st.just("abc123"), st.just("ABC123")),
        "verdict": st.one_of(JSON, st.sampled_from(["good", "bad"])),
        "note": JSON,
    },
)
# Nesting deeper than this makes json.loads raise RecursionError: see test_control.py.
MAX_NESTING = 100


def test_request_parser_fuzz(tmp_path: Path) -> None:
    handle = build_handler(Daemon(tmp_path))  # type: ignore[arg-type]
    counts = {"answered": 0, "refused": 0}

    def serve(raw: bytes) -> None:
        try:
            handle(parse_request(raw))
        except ControlError as exc:
            message = str(exc)
            assert message and "\n" not in message and len(message) < 500, message
            counts["refused"] += 1
        else:
            counts["answered"] += 1

    @FUZZ
    @given(raw=st.binary(max_size=200))
    def raw_bytes(raw: bytes) -> None:
        serve(raw)

    @FUZZ
    @given(request=st.one_of(REQUESTS, JSON), tail=st.sampled_from([b"", b"\n", b" x"]))
    def json_requests(request: Any, tail: bytes) -> None:
        serve(json.dumps(request).encode() + tail)

    raw_bytes()
    json_requests()
    serve(b"[" * MAX_NESTING + b"]" * MAX_NESTING)
    # A request at the socket's size limit costs a bounded amount of memory to refuse.
    big = json.dumps({"command": "say", "text": "x" * 65_000}).encode()
    peak = peak_bytes(lambda: serve(big))
    assert peak < 2 * MIB, f"refusing a 64 KiB request peaked at {peak / MIB:.1f} MiB"
    tried = counts["answered"] + counts["refused"]
    report("fuzz-control", inputs=tried, refused=counts["refused"], other_exceptions=0)
