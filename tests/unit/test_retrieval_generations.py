"""Durable generations: manifest last, pointer switch, verification and fallback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.retrieval.errors import StoreError
from assistant.retrieval.generations import (
    current_name,
    load_generation,
    verify,
    write_generation,
)


def _fill(payload: bytes) -> Any:
    def fill(folder: Path) -> dict[str, Any]:
        (folder / "data.bin").write_bytes(payload)
        (folder / "sub").mkdir()
        (folder / "sub" / "more.bin").write_bytes(payload[::-1])
        return {"chunks": len(payload)}

    return fill


def test_write_then_load(tmp_path: Path) -> None:
    first = write_generation(tmp_path, _fill(b"one"))
    second = write_generation(tmp_path, _fill(b"second"))
    assert (first, second) == ("g00000001", "g00000002")
    assert current_name(tmp_path) == second
    gen = load_generation(tmp_path)
    assert gen is not None
    assert gen.name == second
    assert gen.meta == {"chunks": 6}


def test_old_generations_are_pruned(tmp_path: Path) -> None:
    for n in range(4):
        write_generation(tmp_path, _fill(bytes([n]) * 3), keep=2)
    left = sorted(p.name for p in (tmp_path / "generations").iterdir())
    assert left == ["g00000003", "g00000004"]


@pytest.mark.parametrize("damage", ["truncate", "bitflip", "zero", "delete", "manifest"])
def test_a_damaged_generation_falls_back_to_the_previous(tmp_path: Path, damage: str) -> None:
    write_generation(tmp_path, _fill(b"good" * 100))
    write_generation(tmp_path, _fill(b"newer" * 100))
    folder = tmp_path / "generations" / "g00000002"
    target = folder / "sub" / "more.bin"
    data = bytearray(target.read_bytes())
    if damage == "truncate":
        target.write_bytes(data[:10])
    elif damage == "bitflip":
        data[7] ^= 0x01
        target.write_bytes(bytes(data))
    elif damage == "zero":
        target.write_bytes(bytes(len(data)))
    elif damage == "delete":
        target.unlink()
    else:
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["meta"]["chunks"] = 1
        (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StoreError):
        verify(folder)
    gen = load_generation(tmp_path)
    assert gen is not None
    assert gen.name == "g00000001"
    assert gen.meta == {"chunks": 400}


def test_a_generation_never_pointed_to_is_ignored(tmp_path: Path) -> None:
    write_generation(tmp_path, _fill(b"a"))
    write_generation(tmp_path, _fill(b"b"))
    # As if a crash came after the new folder was renamed but before the pointer moved.
    (tmp_path / "CURRENT").write_text("g00000001\n")
    gen = load_generation(tmp_path)
    assert gen is not None
    assert gen.name == "g00000001"


def test_garbage_pointer_and_leftover_temp_folders(tmp_path: Path) -> None:
    write_generation(tmp_path, _fill(b"a"))
    (tmp_path / "CURRENT").write_bytes(b"\xff\x00garbage")
    (tmp_path / "generations" / ".tmp-g00000002").mkdir()
    gen = load_generation(tmp_path)
    assert gen is not None
    assert gen.name == "g00000001"
    assert write_generation(tmp_path, _fill(b"b")) == "g00000002"
    assert not (tmp_path / "generations" / ".tmp-g00000002").exists()


def test_nothing_to_load(tmp_path: Path) -> None:
    assert load_generation(tmp_path) is None


def test_a_read_only_folder_is_a_store_error_and_keeps_the_old(tmp_path: Path) -> None:
    write_generation(tmp_path, _fill(b"a"))

    def fail(folder: Path) -> dict[str, Any]:
        raise OSError(28, "No space left on device")

    with pytest.raises(StoreError, match="No space left"):
        write_generation(tmp_path, fail)
    gen = load_generation(tmp_path)
    assert gen is not None
    assert gen.name == "g00000001"
