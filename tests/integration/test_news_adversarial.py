"""Hostile feed servers on 127.0.0.1: each fetch ends within its deadline and cap, and the
good feeds are still read (and spoken)."""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.http import FetchLimits, HttpFetcher
from assistant.news.clean import DROPPED_CATEGORIES
from assistant.news.collect import collect
from assistant.news.sources import FeedRef
from assistant.testing import FakeLLM, FixedClock, fake_context
from skills.seuss_news import SeussNewsSkill

pytestmark = pytest.mark.slow

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
DEADLINE = 2.0
# Time allowed beyond the deadline for thread start-up and a busy, shared CPU.
SLACK = 2.0
LIMITS = FetchLimits(connect_timeout_s=1, read_timeout_s=1, deadline_s=DEADLINE, backoff_base_s=0)
STOP = threading.Event()
Route = Callable[[BaseHTTPRequestHandler], None]


def ten_thousand_entries() -> bytes:
    items = "".join(
        f"<item><title>Headline {n}</title><link>https://many.example/{n}</link></item>"
        for n in range(10_000)
    )
    return f'<rss version="2.0"><channel><title>Many</title>{items}</channel></rss>'.encode()


def send(h: BaseHTTPRequestHandler, body: bytes, status: int = 200, **headers: str) -> None:
    h.send_response(status)
    named = {key.replace("_", "-"): value for key, value in headers.items()}
    named.setdefault("Content-Length", str(len(body)))
    for key, value in named.items():
        h.send_header(key, value)
    h.end_headers()
    h.wfile.write(body)


def hang(h: BaseHTTPRequestHandler) -> None:
    STOP.wait(30)


def drip(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    for _ in range(1000):
        h.wfile.write(b"<")
        h.wfile.flush()
        if STOP.wait(1.0):
            return


def slow_headers(h: BaseHTTPRequestHandler) -> None:
    """Headers that never end: httpx's per-read timeouts alone would wait for ever."""
    h.wfile.write(b"HTTP/1.0 200 OK\r\n")
    for n in range(10_000):
        h.wfile.write(f"X-Slow-{n}: a\r\n".encode())
        h.wfile.flush()
        if STOP.wait(0.3):
            return


def endless(h: BaseHTTPRequestHandler) -> None:
    """50 MB with no Content-Length: only the streamed cap stops it."""
    h.send_response(200)
    h.end_headers()
    block = b"<rss>" + b"x" * 65531
    for _ in range(50 * 16):
        h.wfile.write(block)


def route_table(secret: Path) -> dict[str, Route]:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))
    many = ten_thousand_entries()
    doctype = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>Doc</title><item><title>A &x; B</title></item>'
        "</channel></rss>"
    ).encode()
    return {
        "/ok": lambda h: send(h, (FEEDS / "bbc.rss").read_bytes()),
        "/hang": hang,
        "/drip": drip,
        "/huge": lambda h: send(h, b"", Content_Length=str(50 * 1024 * 1024)),
        "/endless": endless,
        "/slow-headers": slow_headers,
        "/gzip-bomb": lambda h: send(h, bomb, Content_Encoding="gzip"),
        "/loop": lambda h: send(h, b"", 302, Location="/loop2"),
        "/loop2": lambda h: send(h, b"", 302, Location="/loop"),
        "/to-file": lambda h: send(h, b"", 302, Location=f"file://{secret}"),
        "/500": lambda h: send(h, b"oops", 500),
        "/broken": lambda h: send(h, b"<rss><channel><item><title>Unclosed &bogus; <<"),
        "/entities": lambda h: send(h, (FEEDS / "billion_laughs.xml").read_bytes()),
        "/doctype": lambda h: send(h, doctype),
        "/many": lambda h: send(h, many),
        "/hostile": lambda h: send(h, (FEEDS / "hostile.rss").read_bytes()),
        "/etag": etag_route,
    }


ETAG_HITS: list[str] = []


def etag_route(h: BaseHTTPRequestHandler) -> None:
    ETAG_HITS.append(h.headers.get("If-None-Match") or "")
    if h.headers.get("If-None-Match") == '"v1"':
        send(h, b"", 304)
    else:
        send(h, (FEEDS / "science.atom").read_bytes(), ETag='"v1"')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    secret = tmp_path_factory.mktemp("secret") / "secret.txt"
    secret.write_text("TOPSECRET-LOCAL-FILE", encoding="utf-8")
    routes = route_table(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            # The client hanging up at its cap is what should happen.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                routes[self.path](self)

        def log_message(self, *args: object) -> None:
            pass

    STOP.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    STOP.set()
    httpd.shutdown()
    httpd.server_close()


def plain(text: str) -> bool:
    import unicodedata

    bad = any(unicodedata.category(c) in DROPPED_CATEGORIES for c in text)
    return not bad and "<" not in text and ">" not in text and len(text) <= 200


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/hang", "ReadTimeout|no answer"),
        ("/drip", "ReadTimeout|not complete within"),
        ("/slow-headers", "no complete answer"),
        ("/huge", "larger than"),
        ("/endless", "larger than"),
        ("/gzip-bomb", "decompressed"),
        ("/loop", "redirects"),
        ("/to-file", "only http"),
        ("/500", "HTTP 500"),
    ],
)
def test_hostile_server_ends_at_its_limit_and_others_are_read(
    server: str, path: str, error: str
) -> None:
    import re

    with HttpFetcher(LIMITS) as fetcher:
        started = time.monotonic()
        bad, good = collect([FeedRef(server + path), FeedRef(server + "/ok")], fetcher)
        elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + SLACK, f"{path} took {elapsed:.1f}s"
    assert bad.error is not None and re.search(error, bad.error), bad.error
    assert good.ok and len(good.headlines) == 5


@pytest.mark.parametrize("path", ["/broken", "/entities", "/doctype", "/many", "/hostile"])
def test_hostile_content_becomes_plain_capped_text(server: str, path: str) -> None:
    with HttpFetcher(LIMITS) as fetcher:
        started = time.monotonic()
        result, good = collect([FeedRef(server + path), FeedRef(server + "/ok")], fetcher)
        elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + SLACK + 3  # parsing 10,000 entries is real work on a Pi
    assert good.ok and len(good.headlines) == 5
    assert len(result.headlines) <= 50
    for headline in result.headlines:
        assert plain(headline.title), headline.title
        assert "TOPSECRET" not in headline.title and "lollol" not in headline.title
        assert headline.link is None or headline.link.startswith(("http://", "https://"))
    if path == "/many":
        assert len(result.headlines) == 50 and result.headlines[0].title == "Headline 0"
    if path == "/hostile":
        assert [h.title for h in result.headlines][:2] == ["Markets rise & fall", "Cats love boxes"]


def test_conditional_get_against_a_real_server(server: str) -> None:
    ETAG_HITS.clear()
    with HttpFetcher(LIMITS) as fetcher:
        first = fetcher.fetch(server + "/etag")
        second = fetcher.fetch(server + "/etag")
    assert first == second and b"Science Daily" in first
    assert ETAG_HITS == ["", '"v1"']


def test_seuss_news_speaks_the_good_feed_while_the_others_misbehave(
    server: str, tmp_path: Path
) -> None:
    feeds = [server + p for p in ("/hang", "/drip", "/gzip-bomb", "/loop", "/ok", "/500")]
    skill = SeussNewsSkill(SeussNewsSkill.Config(feeds=feeds, max_headlines=2))  # type: ignore[arg-type]
    rhyme = "Oh my, oh me, what fun to see, a happy thing for you and me!"
    with HttpFetcher(LIMITS) as fetcher:
        ctx = fake_context(FixedClock(time_now()), tmp_path, llm=FakeLLM([rhyme]), http=fetcher)
        started = time.monotonic()
        reply = skill.run(ctx)
        elapsed = time.monotonic() - started
    # Four feeds at a time in parallel: the bad ones cost one or two deadlines, not six.
    assert elapsed < 2 * DEADLINE + SLACK, f"took {elapsed:.1f}s"
    assert [i["source"] for i in reply.data["items"]] == ["BBC News", "BBC News"]
    assert reply.text.splitlines()[0].startswith("From BBC News: ")
    assert len(reply.data["failures"]) == 5


def time_now():  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime(2026, 11, 27, 7, 30)
