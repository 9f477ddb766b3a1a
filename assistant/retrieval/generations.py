"""Durable generations of index files: build aside, fsync, manifest last, switch a pointer."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.files import fsync_path
from assistant.retrieval.errors import StoreError

log = logging.getLogger(__name__)
POINTER = "CURRENT"
MANIFEST = "manifest.json"
NAME = re.compile(r"^g(\d{8})$")


@dataclass(frozen=True)
class Generation:
    """A verified generation: its folder and its manifest's `meta` (counts and settings)."""

    name: str
    path: Path
    meta: dict[str, Any]


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _seal(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _names(root: Path) -> list[str]:
    folder = root / "generations"
    if not folder.is_dir():
        return []
    return sorted((p.name for p in folder.iterdir() if NAME.match(p.name)), reverse=True)


def write_generation(root: Path, fill: Callable[[Path], dict[str, Any]], keep: int = 2) -> str:
    """Build a new generation with `fill(folder) -> meta`, make it durable, then switch to it.

    A crash at any moment leaves the pointer at the previous generation or the new complete one.
    Raise StoreError when the disk refuses (full, read-only); the previous generation stays.
    """
    gens = root / "generations"
    try:
        gens.mkdir(parents=True, exist_ok=True)
        for stale in gens.glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        names = _names(root)
        name = f"g{(int(names[0][1:]) + 1) if names else 1:08d}"
        tmp = gens / f".tmp-{name}"
        tmp.mkdir()
        meta = fill(tmp)
        _write_manifest(tmp, meta)
        os.rename(tmp, gens / name)
        fsync_path(gens)
        _switch_pointer(root, name)
    except OSError as exc:
        raise StoreError(f"{root}: cannot write a new index generation: {exc}") from exc
    prune(root, keep)
    return name


def _write_manifest(folder: Path, meta: dict[str, Any]) -> None:
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        fsync_path(path)
        rel = path.relative_to(folder).as_posix()
        files[rel] = {"size": path.stat().st_size, "sha256": sha256_file(path)}
    for sub in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        fsync_path(sub)
    body = {"version": 1, "meta": meta, "files": files}
    manifest = {**body, "seal": _seal(body)}
    part = folder / (MANIFEST + ".part")
    with part.open("w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.rename(part, folder / MANIFEST)
    fsync_path(folder)


def _switch_pointer(root: Path, name: str) -> None:
    part = root / (POINTER + ".part")
    with part.open("w", encoding="utf-8") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, root / POINTER)
    fsync_path(root)


def verify(folder: Path) -> dict[str, Any]:
    """Return the manifest's meta if every file matches it; raise StoreError naming the fault."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        seal = manifest.pop("seal")
        if seal != _seal(manifest):
            raise StoreError(f"{folder}: the manifest does not match its seal")
        for rel, expect in manifest["files"].items():
            path = folder / rel
            if path.stat().st_size != expect["size"] or sha256_file(path) != expect["sha256"]:
                raise StoreError(f"{folder}: {rel} does not match the manifest")
        meta: dict[str, Any] = manifest["meta"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(f"{folder}: unreadable generation: {exc}") from exc
    return meta


def current_name(root: Path) -> str | None:
    """The generation the pointer names, or None."""
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if NAME.match(name) else None


def load_generation(root: Path) -> Generation | None:
    """The pointed-to generation if it verifies, else the newest older one that does, else None."""
    pointed = current_name(root)
    order = _names(root)
    if pointed in order:
        order.remove(pointed)
        # A newer generation than the pointer is one whose switch never happened: skip it.
        order = [pointed, *(n for n in order if n < pointed)]
    for name in order:
        folder = root / "generations" / name
        try:
            meta = verify(folder)
        except StoreError as exc:
            log.error("skipping index generation %s: %s", name, exc)
            continue
        if name != pointed:
            log.warning("index generation %s is damaged or missing; using %s", pointed, name)
        return Generation(name=name, path=folder, meta=meta)
    return None


def prune(root: Path, keep: int) -> None:
    """Delete all but the `keep` newest generations (never the pointed-to one)."""
    pointed = current_name(root)
    for name in _names(root)[keep:]:
        if name != pointed:
            with contextlib.suppress(OSError):
                shutil.rmtree(root / "generations" / name)
