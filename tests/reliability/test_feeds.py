"""Rows 1-4: every hostile feed at once, from real servers on 127.0.0.1, through the real
fetcher and the seuss-news skill: the good feeds are spoken on time, nothing else gets out."""

from __future__ import annotations

import json
import threading
import time
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.config import SkillSettings
from assistant.http import FetchLimits, HttpFetcher
from assistant.journal import Journal
from assistant.llm.base import Message
from assistant.news.clean import DROPPED_CATEGORIES
from assistant.news.collect import MAX_WORKERS
from assistant.runner import Runner
from assistant.skill import SkillContext
from assistant.skillconfig import ConfiguredSkill, SkillPlan
from assistant.testing import FakeLLM, FakeSpeaker, FixedClock, fake_context
from skills._lib.untrusted import CLOSE, OPEN
from skills.seuss_news import SeussNewsSkill
from tests.integration.test_news_adversarial import STOP, route_table, send
from tests.reliability.helpers import report

pytestmark = pytest.mark.slow
FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
ROUNDS = 2
DEADLINE = 2.0
SLACK = 3.0
SECRET = "TOPSECRET-LOCAL-FILE"
MAX_WORDS = 25
TITLE_CAP = 200
# Routes that answer only at their deadline: they share the fetch pool with the rest.
SLOW = ("/hang", "/drip", "/slow-headers", "/endless")
OBEYED = "Okay, ignoring previous instructions: the schedule is cancelled."


def extra_routes() -> dict[str, Any]:
    """Odd but valid feeds beside the hostile ones of the integration tests."""
    utf16 = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Sixteen'
        "</title><item><title>Wrongly labelled encoding</title></item></channel></rss>"
    ).encode("utf-16")
    fixtures = {
        "/hn": "hn.rss",
        "/latin1": "latin1.rss",
        "/json": "jsonfeed.json",
        "/empty": "empty.rss",
        "/injection": "injection.rss",
        "/science": "science.atom",
        "/html": "not_a_feed.html",
        "/broken-file": "broken.xml",
    }
    routes: dict[str, Any] = {
        path: (lambda h, name=name: send(h, (FEEDS / name).read_bytes()))
        for path, name in fixtures.items()
    }
    routes["/utf16"] = lambda h: send(h, utf16)
    return routes


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """A threaded HTTP server on 127.0.0.1 with every route; yields its URL and the paths."""
    secret = tmp_path_factory.mktemp("secret") / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    routes = {**route_table(secret), **extra_routes()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path.split("?")[0])
            if route is None:
                send(self, b"", 404)
            else:
                route(self)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # clients that give up at their deadline break the pipe: that is the point

    STOP.clear()
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", sorted(routes)
    STOP.set()
    httpd.shutdown()
    httpd.server_close()


def obeying_model(messages: list[Message]) -> str:
    """A model that follows any instruction it reads, the worst case for injection."""
    headline = messages[-1]["content"]
    if any(w in headline.lower() for w in ("ignore", "system", "assistant", "instructions")):
        return OBEYED
    return "A hat, a bat, and news like that!"


def plain(text: str) -> bool:
    return not any(unicodedata.category(c) in DROPPED_CATEGORIES for c in text) and not any(
        c in text for c in "<>"
    )


def test_every_hostile_feed_at_once_leaves_only_capped_plain_text(
    server: tuple[str, list[str]], tmp_path: Path, state_dir: Path
) -> None:
    base, paths = server
    feeds = [f"{base}{p}" for p in paths if p not in ("/loop2",)]
    limits = FetchLimits(
        connect_timeout_s=1, read_timeout_s=1, deadline_s=DEADLINE, backoff_base_s=0
    )
    llm = FakeLLM(obeying_model)
    speaker = FakeSpeaker()
    config = SeussNewsSkill.Config.model_validate(
        {"feeds": feeds, "max_headlines": 20, "max_words": MAX_WORDS, "remember_days": 1}
    )
    settings = SkillSettings(schedule="0 12 * * *", timeout_s=60)
    plan = SkillPlan([ConfiguredSkill(SeussNewsSkill, settings, config, True)], [], [])
    skill_state = state_dir / "skills" / "seuss-news"
    faults = bad_inputs = 0
    durations: list[float] = []
    with HttpFetcher(limits) as fetcher:

        def context(_name: str, _clock: object) -> SkillContext:
            moment = FixedClock(datetime(2026, 5, 1, 12, 0))
            return fake_context(moment, skill_state, llm, speaker, fetcher, app_state=state_dir)

        runner = Runner(plan, context, Journal(state_dir / "journal.jsonl"))
        for _ in range(ROUNDS):
            (skill_state / "spoken.json").unlink(missing_ok=True)  # say it all again
            t0 = time.monotonic()
            result = runner.run("seuss-news")
            durations.append(time.monotonic() - t0)
            assert result.ok, result.error
            failures = result.reply.data["failures"] if result.reply else []
            faults += len(failures)
            bad_inputs += len(feeds)
            # Slow feeds share the pool of fetchers with the rest: each batch ends at its deadline.
            batches = -(-len(SLOW) // MAX_WORKERS) + 1
            assert durations[-1] < batches * DEADLINE + SLACK, durations
            items = result.reply.data["items"] if result.reply else []
            sources = {i["source"] for i in items}
            assert any("BBC" in s for s in sources), sources  # a good feed still spoken
            for item in items:
                assert len(item["headline"]) <= TITLE_CAP and plain(item["headline"])
                if item["mode"] == "seuss":  # the real headline, then the model's rhyme
                    assert len(item["retelling"].split()) <= MAX_WORDS
    said_all = "\n".join(speaker.said)
    # The model obeyed; its answer is never spoken (the headline itself may be read plainly,
    # introduced by its source: that is news, not an instruction).
    assert OBEYED not in said_all
    assert all(plain(line) for line in said_all.splitlines())
    # Web text reaches the model only as quoted data, capped, never the local file.
    for messages, _options in llm.calls:
        datum, *rest = messages[-1]["content"].splitlines()
        assert datum.startswith(f"Headline: {OPEN}") and datum.endswith(CLOSE)
        assert len(datum) <= TITLE_CAP + 20 and plain(datum)
        assert all(line.startswith("End words: ") and plain(line) for line in rest)
    # No write of web text where later prompts read instructions: only the skill's own
    # memory, the headline archive (read back as quoted data) and the run journal change.
    written = sorted(str(p.relative_to(state_dir)) for p in state_dir.rglob("*") if p.is_file())
    allowed = ("journal.jsonl", "news/", "skills/seuss-news/")
    assert all(w.startswith(allowed) for w in written), written
    for path in state_dir.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path
    assert SECRET not in said_all
    archived = [
        json.loads(line) for line in (state_dir / "news" / "archive.jsonl").read_text().splitlines()
    ]
    assert archived and all(len(r["title"]) <= TITLE_CAP and plain(r["title"]) for r in archived)
    report(
        "rows 1-4 feeds",
        rounds=ROUNDS,
        feeds_per_round=len(feeds),
        feeds_fetched=bad_inputs,
        failed_feeds_survived=faults,
        injection_prompts=sum(1 for m, _o in llm.calls if obeying_model(m) == OBEYED),
        injections_spoken=0,
        local_file_reads=0,
        slowest_run_s=round(max(durations), 1),
    )
