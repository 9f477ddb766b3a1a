"""The HTTP fetcher protocol and a bounded httpx implementation."""

from __future__ import annotations

import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from assistant.errors import FetchError

USER_AGENT = "pi-assistant/0.1 (+local home assistant)"
# Conditional-GET bodies kept per URL; a feed list longer than this just refetches in full.
CACHE_ENTRIES = 32
# The watchdog waits this much past the deadline, so the fetch's own checks report first.
GRACE_S = 0.5


class Fetcher(Protocol):
    """Fetches a URL's body as bytes, within limits."""

    def fetch(self, url: str) -> bytes:
        """Return the body of `url`; raise FetchError on any failure or limit."""

    def close(self) -> None:
        """Close pooled connections."""


@dataclass(frozen=True)
class FetchLimits:
    """How long and how much one fetch may take, and how failing URLs are backed off."""

    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0
    deadline_s: float = 20.0
    max_bytes: int = 2 * 1024 * 1024
    max_redirects: int = 5
    backoff_base_s: float = 60.0
    backoff_max_s: float = 3600.0


@dataclass(frozen=True)
class _Cached:
    """Validators and body of the last full answer for one URL."""

    etag: str | None
    last_modified: str | None
    body: bytes


def check_http_url(url: str) -> None:
    """Raise FetchError unless `url` is an absolute http or https URL."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise FetchError(f"{url}: only http and https URLs are fetched")


class _Decoder:
    """Undoes a Content-Encoding with a cap on the output: a gzip bomb stops at the cap."""

    def __init__(self, encoding: str, url: str, max_bytes: int) -> None:
        encoding = encoding.strip().lower()
        self._max = max_bytes
        self._url = url
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
        else:
            raise FetchError(f"{url}: unsupported Content-Encoding {encoding[:40]!r}")

    def feed(self, chunk: bytes, have: int) -> bytes:
        """Decode one raw chunk, given `have` bytes already decoded."""
        if self._zlib is None:
            return chunk
        room = self._max - have + 1
        try:
            out = self._zlib.decompress(chunk, room)
        except zlib.error as exc:
            raise FetchError(f"{self._url}: corrupt compressed body: {exc}") from exc
        if self._zlib.unconsumed_tail:
            raise FetchError(f"{self._url}: body larger than {self._max} bytes once decompressed")
        return out


class HttpFetcher:
    """httpx with timeouts, a total deadline, a streamed size cap, manual redirects,
    conditional GET and a growing pause for URLs that keep failing."""

    def __init__(
        self,
        limits: FetchLimits | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits or FetchLimits()
        self._now = monotonic
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._failures: dict[str, tuple[int, float]] = {}
        self._client = httpx.Client(
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
        )

    def fetch(self, url: str) -> bytes:
        """Return the body of `url`; raise FetchError on any failure, limit or backoff."""
        check_http_url(url)
        self._check_backoff(url)
        try:
            body = self._guarded(url)
        except FetchError:
            self._record_failure(url)
            raise
        with self._lock:
            self._failures.pop(url, None)
        return body

    def _guarded(self, url: str) -> bytes:
        """Fetch in a helper thread, abandoned at the deadline.

        httpx's timeouts bound each socket read, not a whole exchange: a server that drips its
        headers a byte at a time would outlast them. The abandoned thread stops at its next
        chunk (it sees `cancelled`) or when the server gives up.
        """
        cancelled = threading.Event()
        outcome: list[bytes | BaseException] = []

        def work() -> None:
            try:
                outcome.append(self._fetch(url, self._now() + self.limits.deadline_s, cancelled))
            except BaseException as exc:  # handed to the caller below
                outcome.append(exc)

        worker = threading.Thread(target=work, name="fetch", daemon=True)
        worker.start()
        worker.join(self.limits.deadline_s + GRACE_S)
        if not outcome:
            cancelled.set()
            raise FetchError(f"{url}: no complete answer within {self.limits.deadline_s:g}s")
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _check_backoff(self, url: str) -> None:
        """Refuse a URL that failed recently, until its pause is over."""
        with self._lock:
            count, until = self._failures.get(url, (0, 0.0))
        wait = until - self._now()
        if count and wait > 0:
            raise FetchError(f"{url}: failed {count} times in a row; next try in {wait:.0f}s")

    def _record_failure(self, url: str) -> None:
        """Double the pause after each failure in a row, up to the maximum."""
        with self._lock:
            count = self._failures.get(url, (0, 0.0))[0] + 1
            pause = min(self.limits.backoff_base_s * 2 ** (count - 1), self.limits.backoff_max_s)
            self._failures[url] = (count, self._now() + pause)

    def _timeout(self, deadline: float, url: str) -> httpx.Timeout:
        """Per-request timeouts that never reach past the total deadline."""
        left = deadline - self._now()
        if left <= 0:
            raise FetchError(f"{url}: no answer within {self.limits.deadline_s:g}s")
        lim = self.limits
        return httpx.Timeout(
            min(lim.read_timeout_s, left), connect=min(lim.connect_timeout_s, left), pool=left
        )

    def _fetch(self, url: str, deadline: float, cancelled: threading.Event) -> bytes:
        """Follow at most `max_redirects` redirects, each to http or https only."""
        current = url
        for _hop in range(self.limits.max_redirects + 1):
            check_http_url(current)
            try:
                with self._client.stream(
                    "GET",
                    current,
                    headers=self._validators(current),
                    timeout=self._timeout(deadline, url),
                ) as response:
                    if response.has_redirect_location:
                        location = response.headers.get("location", "")
                        current = urljoin(current, location)
                        continue
                    return self._answer(current, response, deadline, cancelled)
            except httpx.HTTPError as exc:
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
        raise FetchError(f"{url}: more than {self.limits.max_redirects} redirects")

    def _validators(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since headers from the last full answer."""
        with self._lock:
            cached = self._cache.get(url)
        headers: dict[str, str] = {}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        return headers

    def _answer(
        self, url: str, response: httpx.Response, deadline: float, cancelled: threading.Event
    ) -> bytes:
        """The body of a final response: cached on 304, read under the caps on 2xx."""
        if response.status_code == 304:
            with self._lock:
                cached = self._cache.get(url)
            if cached is not None:
                return cached.body
        if not 200 <= response.status_code < 300:
            raise FetchError(f"{url}: HTTP {response.status_code}")
        body = self._read(url, response, deadline, cancelled)
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")
        if etag or modified:
            with self._lock:
                self._cache[url] = _Cached(etag, modified, body)
                self._cache.move_to_end(url)
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        return body

    def _read(
        self, url: str, response: httpx.Response, deadline: float, cancelled: threading.Event
    ) -> bytes:
        """Stream the body, stopping at the size cap (raw and decoded) and the deadline."""
        cap = self.limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(f"{url}: body of {declared} bytes is larger than {cap}")
        decoder = _Decoder(response.headers.get("content-encoding", ""), url, cap)
        body = bytearray()
        raw = 0
        # No chunk size: httpx would otherwise wait to fill it, past the deadline on a drip.
        for chunk in response.iter_raw():
            raw += len(chunk)
            if raw > cap:
                raise FetchError(f"{url}: body larger than {cap} bytes")
            body += decoder.feed(chunk, len(body))
            if len(body) > cap:
                raise FetchError(f"{url}: body larger than {cap} bytes")
            if self._now() > deadline or cancelled.is_set():
                raise FetchError(f"{url}: body not complete within {self.limits.deadline_s:g}s")
        return bytes(body)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
