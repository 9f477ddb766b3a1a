"""Rows 16-20: files it must never touch and notes it must never leak, tried with the real
`assistant say` and `assistant index` in subprocesses, as root where the attacks need it."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.helpers import BIN, environment, report

pytestmark = pytest.mark.slow
NO_EMBEDDER = '[retrieval]\nembedder = "none"\n'
SECRET = "TOPSECRET-7d41"
# Root reads every file whatever its mode; without these two capabilities it does not.
NO_DAC = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


def cli(*args: str, config: Path | None = None, timeout: float = 120, **env: str) -> Any:
    """Run `assistant ARGS` and return the finished process (text output)."""
    command = [str(BIN), *(["--config", str(config)] if config else []), *args]
    if os.geteuid() == 0 and env.pop("drop_dac", ""):
        command = [*NO_DAC, *command]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=environment(**env),
    )


def soxi_seconds(path: Path) -> float:
    """The length of a WAV file as sox reads it."""
    done = subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, check=True)
    return float(done.stdout)


def test_say_wav_writes_only_a_new_regular_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    tried = held = 0

    def attack(target: Path, *flags: str) -> subprocess.CompletedProcess[str]:
        nonlocal tried
        tried += 1
        done: subprocess.CompletedProcess[str] = cli(
            "say", "Hello there.", "--wav", str(target), *flags
        )
        return done

    # An existing file is kept unless --force; with --force it becomes a real WAV.
    kept = out / "kept.wav"
    kept.write_text("my precious data")
    done = attack(kept)
    assert done.returncode == 1 and "already exists" in done.stderr, done.stderr
    assert kept.read_text() == "my precious data" and len(done.stderr.splitlines()) == 1
    held += 1
    done = attack(kept, "--force")
    assert done.returncode == 0, done.stderr
    assert soxi_seconds(kept) > 0.3 and not [p for p in out.iterdir() if p.name != "kept.wav"]
    held += 1
    # Devices and FIFOs (and symlinks to them) are never written over, even with --force.
    device = out / "null.wav"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    fifo = out / "pipe.wav"
    os.mkfifo(fifo)
    to_device = out / "link.wav"
    to_device.symlink_to(device)
    for target in (device, fifo, to_device):
        for flags in ((), ("--force",)):
            done = attack(target, *flags)
            assert done.returncode == 1 and "refusing to write over" in done.stderr, done.stderr
            held += 1
    assert stat.S_ISCHR(device.lstat().st_mode) and stat.S_ISFIFO(fifo.lstat().st_mode)
    assert to_device.is_symlink() and os.readlink(to_device) == str(device)
    # A link planted where a predictable temp file would go is not followed.
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    (out / "fresh.wav.part").symlink_to(victim)
    done = attack(out / "fresh.wav")
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "untouched" and soxi_seconds(out / "fresh.wav") > 0.3
    held += 1
    # A dangling symlink is an existing name: not followed to create its target.
    dangling = out / "dangling.wav"
    dangling.symlink_to(tmp_path / "created-elsewhere.wav")
    done = attack(dangling)
    assert done.returncode == 1 and not (tmp_path / "created-elsewhere.wav").exists()
    held += 1
    # A missing folder is an error, not created.
    done = attack(tmp_path / "no" / "such" / "x.wav")
    assert done.returncode == 1 and "does not exist" in done.stderr
    assert not (tmp_path / "no").exists()
    held += 1
    leftovers = [p.name for p in out.iterdir() if p.name.endswith((".part", ".new"))]
    assert leftovers == ["fresh.wav.part"]  # only the planted link; nothing of ours
    report("row 16 say --wav", attacks=tried, held=held, files_overwritten=0)


def catalogue_text(state: Path) -> str:
    """Every chunk text and cited path in the notes catalogue."""
    with sqlite3.connect(state / "retrieval" / "docs.sqlite") as db:
        rows = db.execute("SELECT path, text FROM chunks").fetchall()
    return "\n".join(f"{p} {t}" for p, t in rows)


def test_index_never_reads_outside_its_roots(tmp_path: Path, state_dir: Path) -> None:
    config = tmp_path / "a.toml"
    config.write_text(NO_EMBEDDER)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(f"# Secret\n{SECRET} in a file outside the notes.\n")
    (outside / "deep").mkdir()
    (outside / "deep" / "more.md").write_text(f"{SECRET} deeper down.\n")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "bike.md").write_text("# Bike\nThe chain wants oil every month.\n")
    (notes / "sub").mkdir()
    (notes / "sub" / "inside.md").write_text("# Inside\nA note reached through a link.\n")
    links = {
        "secret.md": outside / "secret.md",
        "environ.md": Path("/proc/self/environ"),
        "passwd.txt": Path("/etc/passwd"),
        "elsewhere": outside / "deep",
        "null.md": Path("/dev/null"),
        "inner.md": notes / "sub" / "inside.md",  # inside the root: fine
    }
    for name, target in links.items():
        (notes / name).symlink_to(target)
    os.mkfifo(notes / "pipe.md")  # a FIFO would block a read forever
    done = cli(
        "index",
        str(notes),
        "--no-headlines",
        "--json",
        config=config,
        timeout=300,
        ASSISTANT_TEST_SECRET=SECRET,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    # An explicit kernel path as a root is refused too.
    proc_root = cli(
        "index",
        "/proc/self/environ",
        "--no-headlines",
        "--json",
        config=config,
        ASSISTANT_TEST_SECRET=SECRET,
    )
    assert proc_root.returncode == 0, proc_root.stderr
    text = catalogue_text(state_dir)
    assert SECRET not in text and "root:" not in text
    assert "/proc" not in text and str(outside) not in text
    skipped = out["skipped"] + json.loads(proc_root.stdout)["skipped"]
    for name in ("secret.md", "environ.md", "passwd.txt", "elsewhere", "null.md", "pipe.md"):
        assert any(f"/{name}:" in line for line in skipped), (name, skipped)
    assert any(line.startswith("/proc/") for line in skipped)
    assert out["added"] == 2  # bike.md and sub/inside.md (once, though linked twice)
    attacks = len(links) - 1 + 2
    report("row 17 index roots", attacks=attacks, held=attacks, bytes_leaked=0)


PEAK_RSS = """
import resource, sys
from assistant.cli import main
code = main(sys.argv[1:])
print("peak_kib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def indexed_peak_kib(config: Path, notes: Path) -> tuple[dict[str, Any], int]:
    """Run `assistant index` in a subprocess; its JSON report and its peak RSS in KiB."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK_RSS,
            "--config",
            str(config),
            "index",
            str(notes),
            "--no-headlines",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=environment(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak = next(
        int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("peak_kib")
    )
    return json.loads(done.stdout), peak


def test_a_huge_or_sparse_note_is_skipped_and_memory_stays_bounded(tmp_path: Path) -> None:
    config = tmp_path / "a.toml"
    config.write_text(NO_EMBEDDER)  # the default cap, max_note_mb = 4
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(5):
        (notes / f"n{i}.md").write_text(f"# Note {i}\nSomething worth keeping, number {i}.\n")
    # The baseline: the same folder with a 3.5 MB note just under the cap, read and chunked.
    (notes / "fits.md").write_bytes(b"# Fits\n" + b"tyre " * (700 * 1024))
    base, base_kib = indexed_peak_kib(config, notes)
    assert base["added"] == 6 and not base["skipped"]
    # Then 200 MB that take no disk (sparse) and a 5 MB real one: over the cap, never read.
    with (notes / "huge.md").open("wb") as f:
        f.truncate(200 * 1024 * 1024)
    (notes / "big.txt").write_bytes(b"word " * (1024 * 1024))
    with (notes / "fits.md").open("ab") as f:
        f.write(b"\nchanged\n")  # re-read, re-chunked and re-indexed: the same work again
    out, peak_kib = indexed_peak_kib(config, notes)
    skipped = "\n".join(out["skipped"])
    assert "huge.md" in skipped and "big.txt" in skipped and "note cap" in skipped
    assert "fits.md" not in skipped and (out["added"], out["updated"]) == (0, 1)
    grew_mib = (peak_kib - base_kib) / 1024
    assert grew_mib < 16, f"peak RSS grew {grew_mib:.0f} MiB"
    report(
        "row 18 huge notes",
        files_over_cap=2,
        skipped=2,
        peak_rss_mib=round(peak_kib / 1024, 1),
        baseline_rss_mib=round(base_kib / 1024, 1),
        growth_mib=round(grew_mib, 1),
    )


def test_unreadable_folders_are_skipped_not_fatal_and_not_deleted(tmp_path: Path) -> None:
    config = tmp_path / "a.toml"
    config.write_text(NO_EMBEDDER)
    notes = tmp_path / "notes"
    for sub in ("open", "shut"):
        (notes / sub).mkdir(parents=True)
        (notes / sub / f"{sub}.md").write_text(f"# {sub}\nA note in the {sub} folder.\n")
    (notes / "open" / "private.md").write_text("# Private\nNot for the indexer.\n")
    first = cli("index", str(notes), "--no-headlines", "--json", config=config)
    assert first.returncode == 0 and json.loads(first.stdout)["added"] == 3, first.stderr
    (notes / "shut").chmod(0)
    (notes / "open" / "private.md").chmod(0)
    runs = crashes = removed = 0
    try:
        for _ in range(3):
            done = cli("index", str(notes), "--no-headlines", "--json", config=config, drop_dac="1")
            runs += 1
            if done.returncode != 0:
                crashes += 1
                continue
            out = json.loads(done.stdout)
            removed += out["removed"]
            assert any(line.startswith(f"{notes / 'shut'}:") for line in out["skipped"]), out
    finally:
        (notes / "shut").chmod(0o755)
        (notes / "open" / "private.md").chmod(0o644)
    assert crashes == 0 and removed == 0, (crashes, removed)
    # Once readable again, nothing has to be re-added: it was never forgotten.
    again = json.loads(cli("index", str(notes), "--no-headlines", "--json", config=config).stdout)
    assert again["added"] == 0 and again["removed"] == 0
    report("row 19 unreadable folders", runs=runs, crashes=crashes, notes_wrongly_removed=removed)
