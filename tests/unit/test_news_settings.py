"""[news] keys: defaults, limits handed to the fetcher, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.errors import ConfigError
from tests.conftest import write_config


def test_defaults_and_limits(tmp_path: Path) -> None:
    config = load_config(
        write_config(
            tmp_path / "a.toml",
            '[news]\nfeeds = { bbc = "https://feeds.test/bbc" }\ndeadline_s = 2\n',
        )
    )
    assert config.news.feeds == {"bbc": "https://feeds.test/bbc"}
    limits = config.news.fetch_limits()
    assert limits.deadline_s == 2 and limits.max_bytes == 2 * 1024 * 1024
    assert config.news.parse_limits().max_entries == 50


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('feeds = { "bad name" = "x" }', "news.feeds: Value error, feed name"),
        ("deadline_s = 0", "news.deadline_s"),
        ("backoff_base_s = 100\nbackoff_max_s = 10", "backoff_max_s must be at least"),
        ("colour = 1", "news.colour: unknown key"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, body: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path / "b.toml", f"[news]\n{body}\n"))
    assert problem.replace("Value error, ", "") in "\n".join(caught.value.problems)
