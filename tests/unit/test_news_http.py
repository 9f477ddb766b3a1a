"""The bounded fetcher's logic against httpx.MockTransport: redirects, caps, 304, backoff."""

from __future__ import annotations

import gzip

import httpx
import pytest

from assistant.errors import FetchError
from assistant.http import FetchLimits, HttpFetcher

FEED = b"<rss version='2.0'><channel><title>T</title></channel></rss>"


def stream(data: bytes) -> httpx.Response:
    """A 200 response whose body arrives as a stream, as from a real server."""
    return httpx.Response(200, content=iter([data]))


class Clock:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fetcher(handler: object, clock: Clock | None = None, **limits: float) -> HttpFetcher:
    transport = httpx.MockTransport(handler)  # type: ignore[arg-type]
    return HttpFetcher(FetchLimits(**limits), transport=transport, monotonic=clock or Clock())  # type: ignore[arg-type]


def test_plain_body() -> None:
    with fetcher(lambda r: stream(FEED)) as f:
        assert f.fetch("http://feed.test/rss") == FEED


@pytest.mark.parametrize("url", ["file:///etc/hostname", "ftp://x.test/a", "javascript:1", "x"])
def test_only_http_and_https(url: str) -> None:
    with fetcher(lambda r: httpx.Response(200)) as f, pytest.raises(FetchError, match="only http"):
        f.fetch(url)


def test_redirects_are_followed_then_capped() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        hop = int(request.url.path.strip("/") or 0)
        if hop < 3:
            return httpx.Response(302, headers={"location": f"/{hop + 1}"})
        return stream(FEED)

    with fetcher(handler, max_redirects=3) as f:
        assert f.fetch("http://feed.test/0") == FEED
    with fetcher(handler, max_redirects=2) as f, pytest.raises(FetchError, match="redirects"):
        f.fetch("http://feed.test/0")


def test_a_redirect_to_a_file_is_refused() -> None:
    handler = lambda r: httpx.Response(301, headers={"location": "file:///etc/passwd"})  # noqa: E731
    with fetcher(handler) as f, pytest.raises(FetchError, match="only http"):
        f.fetch("http://feed.test/")


def test_size_cap_declared_and_streamed() -> None:
    big = b"x" * 5000
    declared = fetcher(lambda r: httpx.Response(200, content=big), max_bytes=4096)
    with declared as f, pytest.raises(FetchError, match="larger"):
        f.fetch("http://feed.test/")

    def streamed(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b"x" * 3000, b"x" * 3000]))

    with fetcher(streamed, max_bytes=4096) as f, pytest.raises(FetchError, match="larger"):
        f.fetch("http://feed.test/")


def test_gzip_is_decoded_and_a_bomb_stops_at_the_cap() -> None:
    small = gzip.compress(FEED)
    bomb = gzip.compress(b"\0" * 10_000_000)
    assert len(bomb) < 4096 * 4

    def handler(request: httpx.Request) -> httpx.Response:
        body = bomb if request.url.path == "/bomb" else small
        return httpx.Response(200, content=iter([body]), headers={"content-encoding": "gzip"})

    with fetcher(handler, max_bytes=64 * 1024) as f:
        assert f.fetch("http://feed.test/ok") == FEED
        with pytest.raises(FetchError, match="decompressed"):
            f.fetch("http://feed.test/bomb")


def test_unknown_encoding_is_refused() -> None:
    handler = lambda r: httpx.Response(200, content=b"x", headers={"content-encoding": "br"})  # noqa: E731
    with fetcher(handler) as f, pytest.raises(FetchError, match="Content-Encoding"):
        f.fetch("http://feed.test/")


def test_conditional_get_reuses_the_body_on_304() -> None:
    seen: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.headers))
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        headers = {"etag": '"v1"', "last-modified": "Fri, 27 Nov 2026 06:00:00 GMT"}
        return httpx.Response(200, content=iter([FEED]), headers=headers)

    with fetcher(handler) as f:
        assert f.fetch("http://feed.test/") == FEED
        assert f.fetch("http://feed.test/") == FEED
    assert "if-none-match" not in seen[0]
    assert seen[1]["if-none-match"] == '"v1"'
    assert seen[1]["if-modified-since"] == "Fri, 27 Nov 2026 06:00:00 GMT"


def test_http_errors_and_backoff() -> None:
    calls: list[str] = []
    status = [500]

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(status[0], content=iter([FEED]))

    clock = Clock()
    with fetcher(handler, clock, backoff_base_s=60, backoff_max_s=100) as f:
        with pytest.raises(FetchError, match="HTTP 500"):
            f.fetch("http://feed.test/")
        with pytest.raises(FetchError, match="next try in 60s"):
            f.fetch("http://feed.test/")
        assert len(calls) == 1
        clock.now += 61
        with pytest.raises(FetchError, match="HTTP 500"):
            f.fetch("http://feed.test/")
        clock.now += 61  # the pause doubled to 100 (capped), so still waiting
        with pytest.raises(FetchError, match="next try"):
            f.fetch("http://feed.test/")
        clock.now += 40
        status[0] = 200
        assert f.fetch("http://feed.test/") == FEED
        assert f.fetch("http://feed.test/") == FEED  # success cleared the failures
        assert f.fetch("http://other.test/") == FEED


def test_transport_errors_are_wrapped() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with fetcher(handler) as f, pytest.raises(FetchError, match="ConnectError"):
        f.fetch("http://feed.test/")
