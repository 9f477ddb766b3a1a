"""The local engine against the real bundled model: prompt cache, grammar, errors, unloading."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.errors import ModelError
from assistant.llm.base import GenerateOptions
from assistant.llm.ending import RhymeEnding
from assistant.llm.local import LocalEngine, avoided_tokens, default_threads
from assistant.llm.models import DEFAULT_MODEL, resolve_model
from skills.clock import clock_prompt

pytestmark = pytest.mark.slow
MODEL = resolve_model(DEFAULT_MODEL)
GREEDY = GenerateOptions(max_tokens=24, temperature=0.0, fixed_prefix=7)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[LocalEngine]:
    llm = LocalEngine(MODEL, context=1024, cache_dir=tmp_path / "cache")
    yield llm
    llm.close()


def test_cached_prefix_gives_the_same_answer_as_no_cache(
    engine: LocalEngine, tmp_path: Path
) -> None:
    plain = LocalEngine(MODEL, context=1024, prompt_cache=False)
    try:
        expected = plain.generate(clock_prompt("13:45"), GREEDY)
    finally:
        plain.close()
    assert engine.generate(clock_prompt("13:45"), GREEDY) == expected
    assert engine.last["prompt_cache"] == "built"
    assert 0 < engine.last["prefix_tokens"] < engine.last["prompt_tokens"]
    engine.generate(clock_prompt("09:10"), GREEDY)
    assert engine.last["prompt_cache"] == "hot"
    engine.reset_context()
    assert engine.generate(clock_prompt("13:45"), GREEDY) == expected
    assert engine.last["prompt_cache"] == "ram"


def test_the_cache_survives_a_restart_and_damage_is_rebuilt(tmp_path: Path) -> None:
    first = LocalEngine(MODEL, context=1024, cache_dir=tmp_path / "cache")
    expected = first.generate(clock_prompt("13:45"), GREEDY)
    first.close()
    files = list((tmp_path / "cache").glob("*.kv"))
    assert len(files) == 1
    second = LocalEngine(MODEL, context=1024, cache_dir=tmp_path / "cache")
    assert second.generate(clock_prompt("13:45"), GREEDY) == expected
    assert second.last["prompt_cache"] == "disk"
    second.close()
    blob = bytearray(files[0].read_bytes())
    blob[-100] ^= 0xFF
    files[0].write_bytes(bytes(blob))
    third = LocalEngine(MODEL, context=1024, cache_dir=tmp_path / "cache")
    assert third.generate(clock_prompt("13:45"), GREEDY) == expected
    assert third.last["prompt_cache"] == "built"
    third.close()


def test_a_changed_model_file_invalidates_the_cache(tmp_path: Path) -> None:
    copy = tmp_path / "model.gguf"
    copy.write_bytes(MODEL.read_bytes())
    llm = LocalEngine(copy, context=1024, cache_dir=tmp_path / "cache")
    llm.generate(clock_prompt("13:45"), GREEDY)
    llm.close()
    time.sleep(0.01)
    copy.touch()  # a new file (or a new mtime) must not reuse the old states
    llm = LocalEngine(copy, context=1024, cache_dir=tmp_path / "cache")
    llm.generate(clock_prompt("13:45"), GREEDY)
    assert llm.last["prompt_cache"] == "built"
    llm.close()
    assert len(list((tmp_path / "cache").glob("*.kv"))) == 2


def test_streams_piece_by_piece_with_stop_strings(engine: LocalEngine) -> None:
    pieces = list(engine.stream("Count from one to ten in words.", GenerateOptions(max_tokens=30)))
    assert len(pieces) > 3
    text = engine.generate(
        "List three fruits, one per line.", GenerateOptions(max_tokens=40, stop=("\n",))
    )
    assert "\n" not in text


def test_a_grammar_constrains_the_answer(engine: LocalEngine) -> None:
    grammar = 'root ::= "yes" | "no"'
    for seed in range(3):
        answer = engine.generate("Is the sky green?", GenerateOptions(grammar=grammar, seed=seed))
        assert answer in {"yes", "no"}


def test_a_written_start_of_the_answer_is_continued_not_repeated(engine: LocalEngine) -> None:
    start = "The sun is high and the sky is blue,\nIt's 12:30"
    grammar = 'root ::= [a-z ,]{0,20} " " ("new" | "true" | "you") "."'
    options = GenerateOptions(max_tokens=20, seed=1, grammar=grammar, reply_start=start)
    rest = engine.generate(clock_prompt("12:30"), options)
    assert rest.endswith((" new.", " true.", " you.")) and "12:30" not in rest
    with_start = engine.last["prompt_tokens"]
    engine.generate(clock_prompt("12:30"), GenerateOptions(max_tokens=2, seed=1))
    assert with_start > engine.last["prompt_tokens"] + 10  # evaluated as part of the prompt


def test_a_rhyming_ending_is_kept_by_the_token_mask(engine: LocalEngine) -> None:
    start = "The sun is high and the sky is bright,\nIt's 12:30"
    ending = RhymeEnding(("light", "white", "right", "sight"), max_chars=24)
    for seed in range(4):
        options = GenerateOptions(max_tokens=30, seed=seed, ending=ending, reply_start=start)
        text = engine.generate(clock_prompt("12:30"), options)
        assert ending.matches(text), text


def test_avoided_words_and_an_ending_hold_together(engine: LocalEngine) -> None:
    # llama-cpp-python drops its own processors when given a logit bias as well.
    start = "The moon is up, the stars are bright,\nIt's 23:30"
    ending = RhymeEnding(("light", "night", "sight"), max_chars=24)
    for seed in range(4):
        options = GenerateOptions(
            max_tokens=30, seed=seed, ending=ending, reply_start=start, avoid=("moon", "stars")
        )
        text = engine.generate(clock_prompt("23:30"), options)
        assert ending.matches(text), text
        assert not {"moon", "stars", "moon,", "stars,"} & set(text.split()), text


def test_avoided_words_are_not_written(engine: LocalEngine) -> None:
    prompt = clock_prompt("21:30")
    night = ("night", "moon", "stars", "star")
    free = [engine.generate(prompt, GenerateOptions(max_tokens=40, seed=s)) for s in range(6)]
    assert any(w in text.lower().split() for text in free for w in night)  # it would write them
    for seed in range(6):
        text = engine.generate(prompt, GenerateOptions(max_tokens=40, seed=seed, avoid=night))
        spoken = set(text.lower().replace(",", " ").replace(".", " ").split())
        assert not spoken & set(night), text


def test_only_one_token_spellings_of_avoided_words_are_banned(engine: LocalEngine) -> None:
    llama = engine._model()
    ids = avoided_tokens(llama, ("moon", "twilightish"))
    pieces = {llama.detokenize([i]).decode() for i in ids}
    assert {" moon", " Moon"} <= pieces
    assert all(p.strip().lower() == "moon" for p in pieces)  # no piece of "twilightish"


def test_missing_and_corrupt_model_files_name_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(ModelError, match=f"model file does not exist: {missing}"):
        LocalEngine(missing).generate("hi")
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(MODEL.read_bytes()[: 1024 * 1024])
    with pytest.raises(ModelError, match=f"cannot load model {corrupt}"):
        LocalEngine(corrupt).generate("hi")
    garbage = tmp_path / "garbage.gguf"
    garbage.write_bytes(b"not a model at all" * 100)
    with pytest.raises(ModelError, match=f"cannot load model {garbage}"):
        LocalEngine(garbage).generate("hi")


def test_idle_unload_and_cheap_reload() -> None:
    llm = LocalEngine(MODEL, context=512, idle_unload_s=0.3)
    llm.generate("hi", GenerateOptions(max_tokens=2))
    assert llm.loaded
    deadline = time.monotonic() + 5
    while llm.loaded and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not llm.loaded
    assert llm.generate("hi", GenerateOptions(max_tokens=2))
    llm.close()


def test_uses_every_core_by_default() -> None:
    assert LocalEngine(MODEL).threads == default_threads() >= 1
