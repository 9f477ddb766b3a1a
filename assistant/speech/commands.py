"""The `assistant` subcommands of the speech area."""

from __future__ import annotations

import argparse
import json

from assistant.commands import Commands


def cmd_voices(args: argparse.Namespace) -> int:
    """List the installed espeak-ng voices."""
    from assistant.speech.espeak import list_voices

    rows = [line.split("\t") for line in list_voices()]
    if args.json:
        print(json.dumps([dict(zip(("id", "name", "language"), r, strict=False)) for r in rows]))
        return 0
    for row in rows:
        print("  ".join(f"{cell:<24}" for cell in row).rstrip())
    return 0


def register(commands: Commands) -> None:
    """Add this area's subcommands."""
    p = commands.add("voices", cmd_voices, "list the installed voices")
    p.add_argument("--json", action="store_true")
