"""`assistant install-service`: render the unit with this machine's paths and install it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.config import REPO_CONFIG
from assistant.service.errors import ServiceError

UNIT_NAME = "assistant.service"
UNIT_TEMPLATE = Path(__file__).resolve().parents[2] / "systemd" / UNIT_NAME
SYSTEM_CONFIG = Path("/etc/assistant/assistant.toml")
SYSTEM_UNIT_DIR = Path("/etc/systemd/system")
# A user manager cannot switch users or attach BPF device/IP filters: drop those keys.
USER_UNIT_DROPS = (
    "DynamicUser=",
    "User=",
    "Group=",
    "SupplementaryGroups=",
    "DevicePolicy=",
    "DeviceAllow=",
    "IPAddressDeny=",
)
HOME_DIRS = (Path("/home"), Path("/root"))


@dataclass(frozen=True)
class Step:
    """One thing install-service does, said before it is done."""

    says: str
    action: Callable[[], None]


@dataclass(frozen=True)
class Target:
    """Where the unit and config go, for the system manager or a user's."""

    user: bool
    unit_path: Path
    config_path: Path
    executable: Path


def load_unit_template(path: Path = UNIT_TEMPLATE) -> str:
    """Read systemd/assistant.service from the source tree."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ServiceError(f"cannot read the unit template {path}: {exc.strerror}") from None


def find_executable() -> Path:
    """The `assistant` command of the venv this process runs in."""
    beside = Path(sys.executable).parent / "assistant"
    if beside.is_file():
        return beside.absolute()
    found = shutil.which("assistant")
    if found is None:
        raise ServiceError("cannot find the `assistant` command to put in ExecStart=")
    return Path(found).absolute()


def build_target(user: bool, root: Path, home: Path, config: Path | None) -> Target:
    """The paths of a system install (or a `--user` one), all below `root`."""
    exe = find_executable()
    if user:
        base = _under(root, home)
        unit = base / ".config" / "systemd" / "user" / UNIT_NAME
        cfg = config or base / ".config" / "assistant" / "assistant.toml"
    else:
        unit = _under(root, SYSTEM_UNIT_DIR) / UNIT_NAME
        cfg = config or _under(root, SYSTEM_CONFIG)
    return Target(user=user, unit_path=unit, config_path=cfg.absolute(), executable=exe)


def render_unit(template: str, target: Target) -> str:
    """The unit with the real ExecStart=; trimmed for a user manager when `target.user`."""
    out: list[str] = []
    for line in template.splitlines():
        if target.user and line.startswith(USER_UNIT_DROPS):
            continue
        out.append(_render_line(line, target))
    return "\n".join(out) + "\n"


def _render_line(line: str, target: Target) -> str:
    """One line of the unit as this machine needs it."""
    if line.startswith("ExecStart="):
        return f"ExecStart={target.executable} --config {target.config_path} run"
    if target.user and line.startswith("WantedBy="):
        return "WantedBy=default.target"
    if line.startswith("ProtectHome=") and (target.user or _in_home(target)):
        # The venv or the config lives in a home directory: let the service read it.
        return "ProtectHome=read-only"
    return line


def plan_install(target: Target, unit_text: str, *, systemd_running: bool) -> list[Step]:
    """The steps, in order; nothing happens until each step's action is called."""
    steps: list[Step] = []
    cfg = target.config_path
    if not cfg.exists():
        steps.append(
            Step(f"create directory {cfg.parent}", lambda: cfg.parent.mkdir(0o755, True, True))
        )
        steps.append(Step(f"write the default config to {cfg}", lambda: _copy_config(cfg)))
    else:
        steps.append(Step(f"keep the existing config {cfg}", lambda: None))
    unit = target.unit_path
    steps.append(Step("check the unit with systemd-analyze verify", lambda: verify_unit(unit_text)))
    steps.append(
        Step(f"create directory {unit.parent}", lambda: unit.parent.mkdir(0o755, True, True))
    )
    steps.append(Step(f"write {unit}", lambda: _write(unit, unit_text)))
    manager = ["systemctl", "--user"] if target.user else ["systemctl"]
    if systemd_running:
        reload_cmd = [*manager, "daemon-reload"]
        steps.append(Step(f"run {' '.join(reload_cmd)}", lambda: _run(reload_cmd)))
    return steps


def next_steps(target: Target, *, systemd_running: bool) -> list[str]:
    """What the user runs afterwards to start the service."""
    manager = "systemctl --user" if target.user else "systemctl"
    lines = [] if systemd_running else [f"{manager} daemon-reload"]
    lines.append(f"{manager} enable --now {UNIT_NAME}")
    if target.user:
        lines.append("loginctl enable-linger $USER   # keep it running after you log out")
    return lines


def verify_unit(unit_text: str) -> None:
    """Run `systemd-analyze verify` on the rendered unit; raise ServiceError on a problem."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / UNIT_NAME
        path.write_text(unit_text, encoding="utf-8")
        done = subprocess.run(
            [analyze, "verify", str(path)], capture_output=True, text=True, timeout=60, check=False
        )
    if done.returncode != 0 or done.stderr.strip():
        raise ServiceError(f"systemd-analyze verify: {done.stderr.strip() or done.returncode}")


def _copy_config(dest: Path) -> None:
    """Copy the commented default config; readable by the service's dynamic user."""
    if not REPO_CONFIG.is_file():
        raise ServiceError(f"no default config to copy ({REPO_CONFIG} is missing)")
    shutil.copyfile(REPO_CONFIG, dest)
    dest.chmod(0o644)


def _write(path: Path, text: str) -> None:
    """Write a file atomically, mode 0644."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o644)
    tmp.replace(path)


def _run(cmd: list[str]) -> None:
    """Run a systemctl command; raise ServiceError when it fails."""
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ServiceError(f"{' '.join(cmd)} failed: {exc}") from None


def _under(root: Path, path: Path) -> Path:
    """`path` moved below `root` (root "/" leaves it as it is)."""
    return root / path.relative_to(path.anchor)


def _in_home(target: Target) -> bool:
    """True when the executable or the config lies in a home directory."""
    paths = (target.executable, target.config_path)
    return any(p.is_relative_to(h) for p in paths for h in HOME_DIRS)
