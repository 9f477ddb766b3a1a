"""The HTTP fetcher protocol and a bounded httpx implementation."""

from __future__ import annotations

from typing import Protocol

import httpx

from assistant.errors import FetchError

USER_AGENT = "pi-assistant/0.1 (+local home assistant)"


class Fetcher(Protocol):
    """Fetches a URL's body as bytes, within limits."""

    def fetch(self, url: str) -> bytes:
        """Return the body of `url`; raise FetchError on any failure or limit."""


class HttpFetcher:
    """httpx with connect/read timeouts, a redirect cap and a streamed size cap."""

    def __init__(self, timeout_s: float = 10.0, max_bytes: int = 2 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": USER_AGENT},
        )

    def fetch(self, url: str) -> bytes:
        """Return the body of `url`, refusing anything over `max_bytes`."""
        if not url.startswith(("http://", "https://")):
            raise FetchError(f"{url}: only http and https URLs are fetched")
        try:
            with self._client.stream("GET", url) as response:
                response.raise_for_status()
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise FetchError(f"{url}: body larger than {self.max_bytes} bytes")
                return bytes(body)
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {exc}") from exc

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
