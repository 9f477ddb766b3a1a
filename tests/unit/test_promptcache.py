"""The prompt cache's file format: verified on read, written atomically, pruned."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.files import atomic_write
from assistant.llm.promptcache import PromptCache, decode, encode


def test_round_trip() -> None:
    blob = encode("k1", [1, 2, 3], b"state bytes")
    assert decode(blob, "k1", [1, 2, 3]) == b"state bytes"


@pytest.mark.parametrize(
    ("mangle", "why"),
    [
        (lambda b: b[:-1] + bytes([b[-1] ^ 1]), "checksum"),
        (lambda b: b[:5], "not a prompt cache file"),
        (lambda b: b"\0" * len(b), "not a prompt cache file"),
    ],
)
def test_damage_is_detected(mangle: object, why: str) -> None:
    blob = mangle(encode("k1", [1, 2, 3], b"state bytes"))  # type: ignore[operator]
    with pytest.raises(ValueError, match=why):
        decode(blob, "k1", [1, 2, 3])


def test_a_file_for_another_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="another prefix"):
        decode(encode("k1", [1, 2, 3], b"s"), "k1", [1, 2, 4])


def test_keys_depend_on_the_model_and_the_prefix(tmp_path: Path) -> None:
    a, b = PromptCache("model-a", tmp_path), PromptCache("model-b", tmp_path)
    assert a.key([1, 2]) != b.key([1, 2])
    assert a.key([1, 2]) != a.key([1, 3])
    assert a.key([1, 2]) == PromptCache("model-a", None).key([1, 2])


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "x.kv"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["x.kv"]
