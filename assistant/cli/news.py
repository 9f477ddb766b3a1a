"""The `assistant` subcommands of this area: `headlines`."""

from __future__ import annotations

import argparse
import json
import sys

from assistant.cli.table import Commands
from assistant.config import config_path, load_config
from assistant.http import HttpFetcher
from assistant.news.archive import append_archive, archive_path
from assistant.news.collect import collect
from assistant.news.headline import Headline
from assistant.news.sources import resolve_source
from assistant.paths import load_paths

EXIT_NONE_PARSED = 2


def format_line(headline: Headline) -> str:
    """One headline as a line of text: `source: title <link>`."""
    link = f" <{headline.link}>" if headline.link else ""
    return f"{headline.source}: {headline.title}{link}"


def cmd_headlines(args: argparse.Namespace) -> int:
    """Print the cleaned headlines of each source; report bad sources on stderr."""
    news = load_config(config_path(args.config)).news
    refs = [resolve_source(source, news.feeds) for source in args.sources]
    with HttpFetcher(news.fetch_limits()) as fetcher:
        results = collect(refs, fetcher, news.parse_limits())
    parsed = 0
    for source, result in zip(args.sources, results, strict=True):
        if not result.ok:
            print(f"headlines: {source}: {result.error}", file=sys.stderr)
            continue
        parsed += 1
        for headline in result.headlines:
            line = json.dumps(headline.to_json(), ensure_ascii=False) if args.json else None
            print(line or format_line(headline))
    everything = [h for r in results for h in r.headlines]
    try:
        append_archive(everything, archive_path(load_paths().state), news.archive_max_bytes)
    except OSError as exc:
        print(f"headlines: could not archive: {exc}", file=sys.stderr)
    return 0 if parsed else EXIT_NONE_PARSED


def register(commands: Commands) -> None:
    """Add this area's subcommands."""
    p = commands.add(
        "headlines", cmd_headlines, "print the cleaned headlines of feeds (paths, URLs, names)"
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE", help="a path, a URL or a feed name")
    p.add_argument("--json", action="store_true", help="one JSON object a line")
