"""The `assistant` subcommands of the speech area: `voices` and `bench speak`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from assistant.cli.table import Commands


def cmd_voices(args: argparse.Namespace) -> int:
    """List the installed voices: Piper's (bundled and in the state dir), then espeak-ng's."""
    from assistant.paths import state_dir
    from assistant.speech.speaker import list_voices
    from assistant.speech.voices import VOICES_DIR, espeak_voices, piper_voices

    voices = piper_voices(state_dir() / VOICES_DIR) + espeak_voices(list_voices())
    if args.json:
        print(json.dumps([v.as_json() for v in voices]))
        return 0
    for v in voices:
        print(f"{v.engine:<8}{v.id:<24}  {v.name:<24}  {v.language}".rstrip())
    return 0


def cmd_bench_speak(args: argparse.Namespace) -> int:
    """Time to first audio: generate-then-speak vs speak-while-generating."""
    from assistant.bench.speak import main

    return main(runs=args.runs, threads=args.threads, as_json=args.json)


def _at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least `low`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


def register(commands: Commands) -> None:
    """Add this area's subcommands."""
    p = commands.add("voices", cmd_voices, "list the installed voices")
    p.add_argument("--json", action="store_true")
    bench = commands.group("bench", "benchmarks")
    p = bench.add("speak", cmd_bench_speak, "time to first audio: batch vs streaming speech")
    p.add_argument("--json", action="store_true")
    p.add_argument("--runs", type=_at_least(1), default=5, help="runs of each (default 5)")
    # One model thread by default: the ratio measures the speech pipeline, and llama.cpp's
    # spinning threads collapse on a CPU shared with other work (numbers vary tenfold).
    p.add_argument(
        "--threads", type=_at_least(0), default=1, help="model threads (default 1; 0: every core)"
    )
