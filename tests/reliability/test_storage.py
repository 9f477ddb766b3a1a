"""Rows 5-7: kill -9 during index writes, damaged index files, a full disk or read-only state."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.errors import AssistantError
from assistant.retrieval.generations import (
    MANIFEST,
    POINTER,
    current_name,
    load_generation,
    verify,
    write_generation,
)
from assistant.retrieval.settings import RetrievalSection
from assistant.retrieval.store import build_store, store_dir
from assistant.service.client import send_request
from tests.conftest import wait_for
from tests.reliability.helpers import environment, report, start_daemon, stop_daemon

pytestmark = pytest.mark.slow
SEED = 5
KILLS = 40
KILL_BUDGET_S = 30.0
NONE = RetrievalSection(embedder="none")

# Writes generations back to back, each a few files of seeded random size, and says which
# ones it committed: those must never be lost, whenever the kill comes.
WRITER = """
import random, sys
from pathlib import Path
from assistant.retrieval.generations import write_generation
root, seed = Path(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
def fill(folder):
    for n in range(3):
        (folder / f"part{n}.bin").write_bytes(rng.randbytes(rng.randint(1, 300_000)))
    return {"seed": seed}
print("ready", flush=True)
while True:
    name = write_generation(root, fill, keep=2)
    # One write: with PYTHONUNBUFFERED each piece of a print() is a write of its own, and the
    # kill can land between "committed" and the name.
    sys.stdout.write(f"committed {name}\\n")
    sys.stdout.flush()
"""


def test_kill_9_at_random_moments_never_loses_a_committed_generation(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    root = tmp_path / "store"
    kills = mid_write = 0
    committed_total = 0
    deadline = time.monotonic() + KILL_BUDGET_S
    while kills < KILLS and time.monotonic() < deadline:
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(root), str(rng.randrange(2**32))],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        kills += 1
        # Only whole lines: the kill may cut the last one short.
        lines = [line.split() for line in out.split("\n")[:-1]]
        names = [words[1] for words in lines if words[:1] == ["committed"] and len(words) == 2]
        committed_total += len(names)
        gens = root / "generations"
        if gens.is_dir() and any(p.name.startswith(".tmp-") for p in gens.iterdir()):
            mid_write += 1
        loaded = load_generation(root)
        before = current_name(root)
        if names:
            # The newest committed generation, or one the killed run finished after it.
            assert loaded is not None and loaded.name >= names[-1], (names[-1], loaded)
        if loaded is not None:
            assert loaded.name == before, "the pointer names a generation that does not verify"
            assert verify(loaded.path)["seed"] >= 0
    assert kills >= 10 and mid_write >= 3, (kills, mid_write)
    report(
        "row 5 kill-9",
        kills=kills,
        killed_mid_write=mid_write,
        generations_committed=committed_total,
        committed_lost=0,
    )


def _index(config: Path, notes: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "--config", str(config), "index", str(notes)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def two_generations(tmp_path: Path, state_dir: Path) -> Path:
    """A store with two generations of notes, built by the real `assistant index`."""
    config = tmp_path / "a.toml"
    config.write_text('[retrieval]\nembedder = "none"\nkeep_generations = 2\n')
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "garden.md").write_text("# Garden\n\nThe tomatoes need water every evening.\n")
    _index(config, notes)
    (notes / "bike.md").write_text("# Bike\n\nThe bicycle chain needs oil in winter.\n")
    _index(config, notes)
    return store_dir(state_dir)


def damage(path: Path, how: str, rng: random.Random) -> None:
    """Truncate, zero, flip one bit of, or delete `path`."""
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "zero":
        path.write_bytes(b"\0" * len(data))
    elif how == "bitflip" and data:
        at = rng.randrange(len(data))
        path.write_bytes(data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :])
    else:
        path.unlink()


def test_damaged_index_files_fall_back_to_the_previous_generation(
    two_generations: Path, tmp_path: Path, state_dir: Path
) -> None:
    rng = random.Random(SEED)
    root = two_generations
    pristine = tmp_path / "pristine"
    shutil.copytree(root, pristine)
    newest, older = sorted(p.name for p in (root / "generations").iterdir())[::-1][:2]
    files = sorted(p.relative_to(root) for p in (root / "generations" / newest).rglob("*"))
    tried = 0
    for rel in [p for p in files if (root / p).is_file()]:
        for how in ("truncate", "zero", "bitflip", "delete"):
            shutil.rmtree(root)
            shutil.copytree(pristine, root)
            damage(root / rel, how, rng)
            with build_store(NONE, state_dir) as store:
                assert store.generation == older, (rel, how, store.generation)
                assert store.search("tomatoes water", 3).hits, (rel, how)
            tried += 1
    # A damaged pointer or catalogue: the newest good generation, or a rebuild, still answers.
    for target in (POINTER, "docs.sqlite"):
        for how in ("truncate", "zero", "bitflip", "delete"):
            shutil.rmtree(root)
            shutil.copytree(pristine, root)
            damage(root / target, how, rng)
            with build_store(NONE, state_dir) as store:
                store.search("tomatoes water", 3)
            tried += 1
    # Every generation and the catalogue damaged at once: the store opens empty, and the daemon
    # (which does not need the store to run its schedule) still starts and answers.
    for gen in (root / "generations").iterdir():
        damage(gen / MANIFEST, "zero", rng)
    damage(root / "docs.sqlite", "zero", rng)
    with build_store(NONE, state_dir) as store:
        assert store.generation is None
        assert store.search("tomatoes", 3).hits == []
    config = tmp_path / "d.toml"
    config.write_text('[assistant]\ngreeting = ""\n[retrieval]\nembedder = "none"\n')
    proc = start_daemon(config, environment())
    sock = Path(os.environ["ASSISTANT_RUNTIME_DIR"]) / "control.sock"
    try:
        assert wait_for(sock.exists, 60)
        assert wait_for(lambda: send_request(sock, {"command": "status"})["ok"], 10)
    finally:
        code, err = stop_daemon(proc)
    assert code == 0, err
    report("row 6 damaged files", damaged_cases=tried + 1, fell_back_or_rebuilt=tried + 1)


# Fills a generation past RLIMIT_FSIZE: the kernel refuses the write as on a full disk.
DISK_FULL = """
import resource, signal, sys
from pathlib import Path
from assistant.errors import AssistantError
from assistant.retrieval.generations import write_generation
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
def fill(folder):
    (folder / "big.bin").write_bytes(b"x" * 1024 * 1024)
    return {}
try:
    write_generation(Path(sys.argv[1]), fill)
except AssistantError as exc:
    print(type(exc).__name__, exc)
    sys.exit(3)
"""


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make `path` read-only for root too, with a read-only bind mount."""
    try:
        subprocess.run(["mount", "--bind", str(path), str(path)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("no permission to bind-mount here")
    try:
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(path), str(path)],
            check=True,
            capture_output=True,
        )
        yield
    finally:
        # Lazy: a file handle still open below it must not leave the mount behind.
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def test_a_full_disk_or_read_only_state_keeps_the_previous_generation(
    two_generations: Path, tmp_path: Path, state_dir: Path
) -> None:
    root = two_generations
    before = current_name(root)
    assert before is not None
    # Disk full, in a real subprocess: a clear, typed error; the pointer and data unchanged.
    done = subprocess.run(
        [sys.executable, "-c", DISK_FULL, str(root)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout.startswith("StoreError ") and "File too large" in done.stdout
    assert current_name(root) == before and verify(root / "generations" / before)
    faults = 1
    # A state path below a regular file cannot be created at all.
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(AssistantError, match="cannot"):
        write_generation(blocker / "store", lambda _f: {})
    faults += 1
    # Read-only state dir: the write fails clearly, the old generation still loads, and the
    # daemon started on it stays up, runs skills and answers.
    with read_only(state_dir):
        # (The message may name the leftover .tmp folder of the failed write above: a
        # read-only disk cannot clear it. Either way it says the generation was not written.)
        with pytest.raises(AssistantError, match="cannot write a new index generation"):
            write_generation(root, lambda f: (f / "x").write_text("x") and {})
        faults += 1
        loaded = load_generation(root)
        assert loaded is not None and loaded.name == before
        # The catalogue opens read-only and answers; nothing is moved or lost (row 20).
        with build_store(NONE, state_dir) as store:
            assert store.docs.read_only and store.search("bicycle chain", 3).hits
        config = tmp_path / "ro.toml"
        config.write_text(
            '[assistant]\ngreeting = "clock"\ntimezone = "UTC"\n[speech]\nsink = "wav"\n'
            "[skills.clock]\nuse_llm = false\n"
        )
        proc = start_daemon(config, environment())
        sock = Path(os.environ["ASSISTANT_RUNTIME_DIR"]) / "control.sock"
        try:
            assert wait_for(sock.exists, 60), proc.stderr
            ran = send_request(sock, {"command": "trigger", "skill": "clock", "wait": True})
            assert ran["outcome"] == "ok" and ran["text"], ran
            assert send_request(sock, {"command": "status"})["ok"]
            faults += 1
        finally:
            code, err = stop_daemon(proc)
    assert code == 0, err
    assert "Read-only file system" in err  # said, not swallowed
    with build_store(NONE, state_dir) as store:
        assert store.generation == before
        assert store.search("bicycle chain", 3).hits
    report("row 7 disk full/read-only", faults_survived=faults, previous_generation_intact=1)
