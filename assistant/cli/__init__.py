"""The `assistant` command: a small, private, local-LLM home assistant for a Raspberry Pi."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from assistant.cli import core, feedback, llm, news, quality, retrieval, service, speech, tune
from assistant.cli.table import Commands, Handler
from assistant.errors import AssistantError, ConfigError

# What a shell reports for a process ended by SIGPIPE (128 + 13).
EXIT_BROKEN_PIPE = 141
REGISTRARS = (
    core.register,
    llm.register,
    speech.register,
    news.register,
    retrieval.register,
    tune.register,
    quality.register,
    service.register,
    feedback.register,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help="config file (TOML)")
    parser = argparse.ArgumentParser(prog="assistant", parents=[common], description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = Commands(sub, common)
    for registrar in REGISTRARS:
        registrar(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `assistant` command."""
    args = build_parser().parse_args(argv)
    if not hasattr(args, "config"):
        args.config = None
    # The daemon logs what it does; one-shot commands only what went wrong.
    quiet = logging.INFO if args.handler is core.cmd_run else logging.WARNING
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else quiet,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        # APScheduler narrates its own bookkeeping at INFO ("Adding job tentatively");
        # the daemon logs each job's next run itself.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    handler: Handler = args.handler
    try:
        code = handler(args)
        sys.stdout.flush()  # inside the try: a closed pipe is found here, not at exit
        return code
    except BrokenPipeError:
        # The reader went away (`assistant headlines bbc | head`): stop quietly, as Unix
        # tools do, and keep Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except ConfigError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return 1
    except AssistantError as exc:
        print(f"assistant: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
