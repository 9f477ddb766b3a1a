"""The systemd unit: verified clean and scored 2.5 or lower by the real systemd-analyze."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.service.install import build_target, load_unit_template, render_unit
from tests.integration.helpers import assistant

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze"),
]
MAX_EXPOSURE = 2.5


def rendered(tmp_path: Path, *, user: bool = False) -> Path:
    """The unit with this venv's `assistant` in ExecStart=, as install-service writes it."""
    target = build_target(user, tmp_path / "root", Path("/home/pi"), None)
    path = tmp_path / "assistant.service"
    path.write_text(render_unit(load_unit_template(), target))
    return path


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_verify_is_clean(tmp_path: Path) -> None:
    done = analyze("verify", str(rendered(tmp_path)))
    assert done.returncode == 0 and done.stderr == "" and done.stdout == "", done.stderr


def test_security_exposure_is_at_most_2_5(tmp_path: Path) -> None:
    done = analyze("security", "--offline=true", "--no-pager", str(rendered(tmp_path)))
    found = re.search(r"Overall exposure level for assistant\.service: (\d+\.\d+)", done.stdout)
    assert found, done.stdout + done.stderr
    assert float(found.group(1)) <= MAX_EXPOSURE, done.stdout


def test_the_unit_still_reaches_sound_and_network(tmp_path: Path) -> None:
    unit = rendered(tmp_path).read_text()
    assert "DeviceAllow=char-alsa rw" in unit and "SupplementaryGroups=audio" in unit
    assert "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" in unit
    for key in ("Type=notify", "WatchdogSec=", "Restart=on-failure", "StartLimitBurst="):
        assert key in unit
    for key in ("StateDirectory=", "CacheDirectory=", "RuntimeDirectory="):
        assert key in unit


def test_the_user_unit_verifies_too(tmp_path: Path) -> None:
    done = analyze("verify", str(rendered(tmp_path, user=True)))
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_install_service_dry_run_from_the_command_line(tmp_path: Path) -> None:
    done = assistant("install-service", "--dry-run", "--root", str(tmp_path), timeout=120)
    assert list(tmp_path.iterdir()) == []
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        f"would create directory {tmp_path}/etc/assistant",
        f"would write the default config to {tmp_path}/etc/assistant/assistant.toml",
    ]
    assert "would check the unit with systemd-analyze verify" in lines
