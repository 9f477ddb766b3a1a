"""The table of subcommands; each area registers its own, cli.py only collects them."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

Handler = Callable[[argparse.Namespace], int]


class Commands:
    """Adds subcommands (and groups of them, like `bench llm`) to the `assistant` parser."""

    def __init__(self, sub: Any, common: argparse.ArgumentParser) -> None:
        self._sub = sub
        self._common = common
        self._groups: dict[str, Commands] = {}

    def add(self, name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
        """Add `assistant ... NAME`, which calls `handler(args)` and exits with its result."""
        parser: argparse.ArgumentParser = self._sub.add_parser(
            name, parents=[self._common], help=help_, description=help_
        )
        parser.set_defaults(handler=handler)
        return parser

    def group(self, name: str, help_: str) -> Commands:
        """The group `assistant NAME SUBCOMMAND`, created on first use and shared after."""
        if name not in self._groups:
            parser = self._sub.add_parser(name, help=help_, description=help_)
            sub = parser.add_subparsers(dest=f"{name}_command", required=True, metavar="SUBCOMMAND")
            self._groups[name] = Commands(sub, self._common)
        return self._groups[name]
