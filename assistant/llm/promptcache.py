"""The prompt cache: evaluated KV states of fixed prompt prefixes, in memory and on disk."""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import struct
from collections import OrderedDict
from pathlib import Path
from typing import Any

from assistant.files import atomic_write

log = logging.getLogger(__name__)
MAGIC = b"PIACACHE1\n"


def model_identity(path: Path, context: int) -> str:
    """What a cached state depends on besides the prefix: the model file, context and llama.cpp."""
    import llama_cpp

    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|ctx={context}|{llama_cpp.__version__}"


def snapshot(llama: Any) -> bytes:
    """Copy the context's whole state (KV cache and the last logits)."""
    import llama_cpp

    size = llama_cpp.llama_state_get_size(llama.ctx)
    buf = (ctypes.c_uint8 * size)()
    used = llama_cpp.llama_state_get_data(llama.ctx, buf, size)
    return bytes(memoryview(buf)[:used])


def restore(llama: Any, prefix: list[int], state: bytes) -> None:
    """Put a saved state back and tell llama-cpp-python which tokens it holds."""
    import llama_cpp

    llama.reset()
    buf = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
    if llama_cpp.llama_state_set_data(llama.ctx, buf, len(state)) != len(state):
        raise ValueError("llama.cpp refused the saved state")
    # llama-cpp-python then sees these tokens as evaluated and reuses them as a prefix match.
    llama.input_ids[: len(prefix)] = prefix
    llama.n_tokens = len(prefix)


class PromptCache:
    """Makes a model hold a prefix's KV state: already there, from memory, from disk, or built."""

    def __init__(self, identity: str, directory: Path | None, max_files: int = 16) -> None:
        self.identity = identity
        self.directory = directory
        self.max_files = max_files
        self._ram: OrderedDict[str, bytes] = OrderedDict()
        self._ram_slots = 4

    def key(self, prefix: list[int]) -> str:
        """The cache key: model identity plus the exact prefix tokens."""
        raw = json.dumps([self.identity, prefix]).encode()
        return hashlib.sha256(raw).hexdigest()[:32]

    def ensure(self, llama: Any, prefix: list[int]) -> str:
        """Leave `prefix` evaluated in `llama`; return where it came from."""
        held = llama.input_ids[: min(llama.n_tokens, len(prefix))].tolist()
        if held == prefix:
            return "hot"
        key = self.key(prefix)
        state = self._ram.get(key)
        source = "ram"
        if state is None:
            state, source = self._load(key, prefix), "disk"
        if state is not None:
            try:
                restore(llama, prefix, state)
                self._remember(key, state)
                return source
            except ValueError as exc:
                log.warning("prompt cache %s unusable (%s); rebuilding it", key, exc)
        llama.reset()
        llama.eval(prefix)
        state = snapshot(llama)
        self._remember(key, state)
        self._save(key, prefix, state)
        return "built"

    def _remember(self, key: str, state: bytes) -> None:
        """Keep the few most recent states in memory."""
        self._ram[key] = state
        self._ram.move_to_end(key)
        while len(self._ram) > self._ram_slots:
            self._ram.popitem(last=False)

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.kv"

    def _load(self, key: str, prefix: list[int]) -> bytes | None:
        """Read a state file; anything damaged or stale is deleted and ignored."""
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            state = decode(path.read_bytes(), key, prefix)
            os.utime(path)  # least recently used files are pruned first
            return state
        except (OSError, ValueError) as exc:
            log.warning("discarding prompt cache file %s: %s", path, exc)
            path.unlink(missing_ok=True)
            return None

    def _save(self, key: str, prefix: list[int], state: bytes) -> None:
        """Write a state file atomically; a full or read-only disk only costs speed."""
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, encode(key, prefix, state))
            self._prune()
        except OSError as exc:
            log.warning("cannot save the prompt cache to %s: %s", path, exc)

    def _prune(self) -> None:
        """Keep the newest `max_files` state files."""
        assert self.directory is not None
        files = sorted(self.directory.glob("*.kv"), key=lambda p: p.stat().st_mtime_ns)
        for old in files[: max(0, len(files) - self.max_files)]:
            old.unlink(missing_ok=True)


def encode(key: str, prefix: list[int], state: bytes) -> bytes:
    """Serialise a state: magic, header length, JSON header, state bytes."""
    header = json.dumps(
        {"key": key, "prefix": prefix, "sha256": hashlib.sha256(state).hexdigest()}
    ).encode()
    return MAGIC + struct.pack("<I", len(header)) + header + state


def decode(blob: bytes, key: str, prefix: list[int]) -> bytes:
    """Parse and verify a state file; raise ValueError on any mismatch."""
    start = len(MAGIC) + 4
    if not blob.startswith(MAGIC) or len(blob) < start:
        raise ValueError("not a prompt cache file")
    (size,) = struct.unpack("<I", blob[len(MAGIC) : start])
    header = json.loads(blob[start : start + size])
    state = blob[start + size :]
    if not isinstance(header, dict):
        raise ValueError("bad header")
    if header.get("key") != key or header.get("prefix") != prefix:
        raise ValueError("written for another prefix")
    if hashlib.sha256(state).hexdigest() != header.get("sha256"):
        raise ValueError("checksum mismatch")
    return state
