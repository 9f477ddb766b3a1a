"""The remote engine's HTTP handling and the cascade, against an in-process transport."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from assistant.errors import ModelError
from assistant.llm.base import GenerateOptions, Prompt
from assistant.llm.remote import CascadeEngine, RemoteEngine
from assistant.testing import FakeLLM


def sse(*pieces: str) -> bytes:
    events = [
        "data: " + json.dumps({"choices": [{"delta": {"content": p}}]}) + "\n\n" for p in pieces
    ]
    return ("".join(events) + "data: [DONE]\n\n").encode()


def engine(handler: object, retries: int = 2) -> RemoteEngine:
    transport = httpx.MockTransport(handler)  # type: ignore[arg-type]
    return RemoteEngine(
        "http://llm.test", "tiny", api_key="k", retries=retries, transport=transport
    )


def test_streams_pieces_and_sends_an_openai_request() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        assert request.url.path == "/v1/chat/completions"
        assert request.headers["Authorization"] == "Bearer k"
        return httpx.Response(200, content=sse("Hel", "lo"))

    llm = engine(handler)
    assert list(llm.stream("hi", GenerateOptions(max_tokens=5, stop=("\n",), seed=3))) == [
        "Hel",
        "lo",
    ]
    body = seen[0]
    assert body["model"] == "tiny" and body["stream"] is True
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert (body["max_tokens"], body["stop"], body["seed"]) == (5, ["\n"], 3)


def test_retries_an_overloaded_server_then_answers() -> None:
    answers = iter([httpx.Response(503), httpx.Response(200, content=sse("ok"))])
    llm = engine(lambda _r: next(answers))
    assert llm.generate("hi") == "ok"


def test_gives_up_with_a_clear_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ModelError, match=r"remote LLM at http://llm\.test failed"):
        engine(refuse, retries=1).generate("hi")


def test_a_client_error_is_not_retried() -> None:
    calls = []

    def bad(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(400, content=b"no such model")

    with pytest.raises(ModelError, match="400"):
        engine(bad).generate("hi")
    assert len(calls) == 1


class Broken:
    """An engine that fails after `after` pieces."""

    name = "broken"

    def __init__(self, after: int) -> None:
        self.after = after

    def stream(self, prompt: Prompt, options: GenerateOptions | None = None) -> Iterator[str]:
        yield from ["piece"] * self.after
        raise ModelError("down")

    def close(self) -> None:
        pass


def test_cascade_falls_back_before_any_text() -> None:
    local = FakeLLM(["from the Pi"])
    cascade = CascadeEngine([Broken(0), local])
    assert cascade.generate("hi") == "from the Pi"
    assert cascade.name == "fake"


def test_cascade_never_mixes_two_answers() -> None:
    cascade = CascadeEngine([Broken(1), FakeLLM(["other"])])
    with pytest.raises(ModelError, match="down"):
        cascade.generate("hi")


def test_cascade_says_when_nothing_answers() -> None:
    with pytest.raises(ModelError, match="no LLM could answer: down; down"):
        CascadeEngine([Broken(0), Broken(0)]).generate("hi")
