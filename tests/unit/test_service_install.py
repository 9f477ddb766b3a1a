"""install-service: the unit rendered with this machine's paths, installed below a temp root."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import REPO_CONFIG
from assistant.service.install import (
    Target,
    build_target,
    find_executable,
    load_unit_template,
    render_unit,
)


def keys(unit: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            out.setdefault(key, []).append(value)
    return out


def test_the_system_unit_gets_the_real_paths(tmp_path: Path) -> None:
    target = build_target(False, tmp_path, Path("/home/pi"), None)
    unit = keys(render_unit(load_unit_template(), target))
    assert unit["ExecStart"] == [f"{find_executable()} --config {target.config_path} run"]
    assert target.config_path == tmp_path / "etc/assistant/assistant.toml"
    assert target.unit_path == tmp_path / "etc/systemd/system/assistant.service"
    assert unit["Type"] == ["notify"] and unit["DynamicUser"] == ["yes"]
    assert unit["SupplementaryGroups"] == ["audio"]
    assert unit["WantedBy"] == ["multi-user.target"]


def test_a_user_unit_drops_what_a_user_manager_cannot_do(tmp_path: Path) -> None:
    home = Path("/home/pi")
    target = build_target(True, tmp_path, home, None)
    assert target.unit_path == tmp_path / "home/pi/.config/systemd/user/assistant.service"
    unit = keys(render_unit(load_unit_template(), target))
    for key in ("DynamicUser", "SupplementaryGroups", "DeviceAllow", "IPAddressDeny"):
        assert key not in unit
    assert unit["WantedBy"] == ["default.target"]
    assert unit["ProtectHome"] == ["read-only"]
    assert unit["WatchdogSec"] == ["30s"] and unit["Type"] == ["notify"]


def test_a_venv_in_a_home_dir_stays_readable() -> None:
    target = Target(
        user=False,
        unit_path=Path("/etc/systemd/system/assistant.service"),
        config_path=Path("/etc/assistant/assistant.toml"),
        executable=Path("/home/pi/pi-assistant/.venv/bin/assistant"),
    )
    assert keys(render_unit(load_unit_template(), target))["ProtectHome"] == ["read-only"]


def test_dry_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["install-service", "--dry-run", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
    assert f"would write the default config to {tmp_path}/etc/assistant/assistant.toml" in out
    assert f"would write {tmp_path}/etc/systemd/system/assistant.service" in out
    assert "ExecStart=" in out and "systemctl enable --now assistant.service" in out


def test_install_writes_the_unit_and_a_config_and_keeps_an_existing_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["install-service", "--root", str(tmp_path)]) == 0
    unit = tmp_path / "etc/systemd/system/assistant.service"
    config = tmp_path / "etc/assistant/assistant.toml"
    assert "Type=notify" in unit.read_text()
    assert config.read_text() == REPO_CONFIG.read_text()
    assert stat.S_IMODE(config.stat().st_mode) == 0o644  # the dynamic user must read it
    out = capsys.readouterr().out
    assert "check the unit with systemd-analyze verify" in out and "would" not in out
    config.write_text("[assistant]\ngreeting = ''\n")
    assert main(["install-service", "--root", str(tmp_path)]) == 0
    assert config.read_text() == "[assistant]\ngreeting = ''\n"
    assert f"keep the existing config {config}" in capsys.readouterr().out


def test_an_explicit_config_is_used_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text("")
    args = ["--config", str(mine), "install-service", "--user", "--root", str(tmp_path / "r")]
    assert main(args) == 0
    units = list((tmp_path / "r").rglob("assistant.service"))
    assert len(units) == 1 and f"--config {mine} run" in units[0].read_text()
    assert "loginctl enable-linger" in capsys.readouterr().out
