"""The remote engine: an OpenAI-compatible chat-completions server (llama.cpp, Ollama, vLLM)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx

from assistant.errors import ModelError
from assistant.llm.base import GenerateOptions, Prompt, as_messages

log = logging.getLogger(__name__)
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class RemoteEngine:
    """Streams chat completions over HTTP, with timeouts and retries before the first token."""

    def __init__(
        self,
        url: str,
        model: str,
        *,
        api_key: str = "",
        timeout_s: float = 60.0,
        connect_timeout_s: float = 3.0,
        retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.model = model
        self.retries = retries
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            transport=transport,
        )

    @property
    def name(self) -> str:
        """The model name the server was asked for."""
        return self.model

    def generate(self, prompt: Prompt, options: GenerateOptions | None = None) -> str:
        """Return the whole answer."""
        return "".join(self.stream(prompt, options))

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        """Yield the answer as the server streams it; raise ModelError when it cannot answer."""
        body = self._body(prompt, options or GenerateOptions())
        for attempt in range(self.retries + 1):
            started = False
            try:
                for piece in self._post(body):
                    started = True
                    yield piece
                return
            except (httpx.TransportError, _RetryableError) as exc:
                # Once text has been yielded a retry would repeat it: give up instead.
                if started or attempt == self.retries:
                    raise ModelError(f"remote LLM at {self.url} failed: {exc}") from exc
                log.warning("remote LLM attempt %d failed (%s); retrying", attempt + 1, exc)
                time.sleep(min(2.0, 0.25 * 2**attempt))
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                raise ModelError(f"remote LLM at {self.url} failed: {exc}") from exc

    def _body(self, prompt: Prompt, opts: GenerateOptions) -> dict[str, Any]:
        """The chat-completions request body."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": as_messages(prompt),
            "max_tokens": opts.max_tokens,
            "temperature": opts.temperature,
            "stream": True,
        }
        if opts.stop:
            body["stop"] = list(opts.stop)
        if opts.seed is not None:
            body["seed"] = opts.seed
        grammar = opts.grammar or (opts.ending.grammar() if opts.ending else None)
        if grammar:
            body["grammar"] = grammar  # llama.cpp's server extension; others ignore it
        return body

    def _post(self, body: dict[str, Any]) -> Iterator[str]:
        """One streamed request; server-sent events in, content pieces out."""
        with self._client.stream("POST", "/v1/chat/completions", json=body) as response:
            if response.status_code in RETRYABLE_STATUS:
                raise _RetryableError(f"HTTP {response.status_code}")
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                choices = json.loads(data).get("choices") or [{}]
                piece = (choices[0].get("delta") or {}).get("content")
                if piece:
                    yield piece

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


class _RetryableError(Exception):
    """A server answer worth retrying (overload, gateway trouble)."""


class CascadeEngine:
    """Tries each engine in turn: the remote first, the local one when the remote is down."""

    def __init__(self, engines: list[Any]) -> None:
        self.engines = engines
        self.last_engine = ""

    @property
    def name(self) -> str:
        """The name of the engine that answered last (before any answer: the first one)."""
        return self.last_engine or str(self.engines[0].name)

    def generate(self, prompt: Prompt, options: GenerateOptions | None = None) -> str:
        """Return the whole answer from the first engine that gives one."""
        return "".join(self.stream(prompt, options))

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        """Stream from the first engine that answers; switch only before any text is out."""
        errors: list[str] = []
        self.last_engine = ""
        for engine in self.engines:
            started = False
            try:
                for piece in engine.stream(prompt, options):
                    started = True
                    yield piece
                self.last_engine = engine.name
                return
            except ModelError as exc:
                if started:
                    raise
                errors.append(str(exc))
                log.warning("LLM %s unavailable (%s); falling back", engine.name, exc)
        raise ModelError("no LLM could answer: " + "; ".join(errors))

    def close(self) -> None:
        """Close every engine."""
        for engine in self.engines:
            engine.close()
