"""The [retrieval] section, memory figures and the worker's framing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.errors import ConfigError
from assistant.procmem import available_mb, rss_split
from assistant.retrieval.worker import read_frame, write_frame
from tests.conftest import write_config


def test_defaults_are_the_tuned_fusion() -> None:
    section = load_config(None).retrieval
    assert (section.rrf_k, section.weight_bm25, section.weight_dense) == (5, 1.2, 1.0)
    assert section.embed_in == "worker"
    assert (section.embed_backend, section.embed_precision) == ("onnx", "fp32")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("weight_bm25 = 0\nweight_dense = 0", "cannot both be 0"),
        ('embedder = "bert"', "retrieval.embedder"),
        ("rrf_k = 0", "retrieval.rrf_k"),
        ("colour = 1", "retrieval.colour: unknown key"),
        ('embed_backend = "torch"\nembed_precision = "int8"', 'needs embed_backend "onnx"'),
        ('embed_precision = "int4"', "retrieval.embed_precision"),
    ],
)
def test_bad_keys_name_the_problem(tmp_path: Path, body: str, problem: str) -> None:
    path = write_config(tmp_path / "a.toml", f"[retrieval]\n{body}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert problem in str(caught.value)


def test_rss_is_split_into_anonymous_and_file_backed() -> None:
    split = rss_split()
    assert split["anon_mb"] > 0 and split["file_mb"] > 0
    assert split["anon_mb"] + split["file_mb"] <= split["rss_mb"] + 0.1
    assert available_mb() > 0


def test_frames_round_trip_through_a_pipe() -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb") as reader, os.fdopen(write_fd, "wb") as writer:
        write_frame(writer, b"hello")
        write_frame(writer, b"")
        assert read_frame(reader, deadline=None) == b"hello"
        assert read_frame(reader, deadline=None) == b""
        with pytest.raises(TimeoutError):
            read_frame(reader, deadline=0.0)
        writer.close()
        with pytest.raises(EOFError):
            read_frame(reader)
