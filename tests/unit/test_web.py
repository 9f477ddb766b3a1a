"""The web page's logic: who gets in, CSRF, escaping, and the requests it sends the daemon."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest

from assistant.service.errors import ControlError
from assistant.web.html import CSP
from assistant.web.pages import status_page, today_page
from assistant.web.routes import COOKIE, build_web_app
from assistant.web.sessions import Sessions
from assistant.web.settings import WebSection, is_loopback, web_problems

NOW = datetime.now(UTC).isoformat()


class FakeDaemon:
    """A request handler that records what it was asked."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        if request["command"] == "last":
            return {"ok": True, "utterances": [utterance("<script>alert(1)</script>")]}
        if request["command"] == "feedback":
            return {"ok": True, "id": request.get("id"), "verdict": request["verdict"]}
        if request["command"] == "trigger":
            raise ControlError(f"no skill named {request['skill']!r} is installed")
        return {"ok": True, "text": request.get("text", "")}


def utterance(text: str, time: str = NOW, **extra: Any) -> dict[str, Any]:
    source = {"title": "Library <b>opens</b>", "link": "https://example.org/a", "feed": "BBC"}
    return {"id": "u1", "skill": "briefing", "time": time, "text": text, "sources": [source]}


class Browser:
    """Calls the WSGI app as a browser would: keeps its cookie, sends forms."""

    def __init__(self, app: Any, host: str = "127.0.0.1:8470") -> None:
        self.app = app
        self.host = host
        self.cookie = ""

    def go(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        body = urlencode(form or {}).encode()
        environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path}
        setup_testing_defaults(environ)
        environ |= {"HTTP_HOST": self.host, "wsgi.input": io.BytesIO(body)}
        environ["wsgi.errors"] = io.StringIO()
        environ |= {"CONTENT_LENGTH": str(len(body)), "HTTP_COOKIE": self.cookie}
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        answer: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], _exc: Any = None) -> None:
            answer["status"], answer["headers"] = int(status.split(maxsplit=1)[0]), headers

        text = b"".join(self.app(environ, start)).decode()
        assert answer["status"] != 500, environ["wsgi.errors"].getvalue()
        assert ("Content-Security-Policy", CSP) in answer["headers"]  # on every answer
        for name, value in answer["headers"]:
            if name == "Set-Cookie":
                self.cookie = f"{COOKIE}={SimpleCookie(value)[COOKIE].value}"
        return answer["status"], text

    def csrf(self, path: str = "/say") -> str:
        _status, text = self.go("GET", path)
        return text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_only_loopback_may_go_without_a_token() -> None:
    for host in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "192.168.1.20", "::", "pi.local", "localhost.evil.example"):
        assert not is_loopback(host), host
    wide = WebSection(listen="0.0.0.0", token_env="PAGE_TOKEN")
    assert web_problems(wide, {}) == [
        "web.listen: '0.0.0.0' is reachable from other machines, so a login token is "
        "required: set the environment variable PAGE_TOKEN (web.token_env)"
    ]
    assert web_problems(wide, {"PAGE_TOKEN": "  "}) != []
    assert web_problems(wide, {"PAGE_TOKEN": "s3cret"}) == [
        "web.token_env: the token in PAGE_TOKEN is too short for a page on the network "
        "(6 characters; at least 16)"
    ]
    assert web_problems(wide, {"PAGE_TOKEN": "x" * 16}) == []
    assert web_problems(WebSection(), {}) == []
    assert web_problems(WebSection(listen="0.0.0.0", enabled=False), {}) == []


def test_a_login_opens_a_new_session_and_a_flood_evicts_anonymous_ones_first() -> None:
    clock = [0.0]
    sessions = Sessions("s3cret", limit=3, idle_s=60, monotonic=lambda: clock[0])
    planted = sessions.new(authed=False)
    assert sessions.login(planted, "wrong") is None
    opened = sessions.login(planted, "s3cret")
    assert opened is not None and opened.authed and opened.sid != planted.sid
    assert sessions.get(planted.sid) is None  # the id known before the login is worthless
    for _ in range(10):
        sessions.new(authed=False)
    assert sessions.get(opened.sid) is opened
    clock[0] = 61.0
    assert sessions.get(opened.sid) is None


def test_text_from_the_web_is_escaped_and_only_http_links_are_links() -> None:
    evil = utterance("<script>alert(1)</script>")
    evil["sources"].append({"title": "x", "link": "javascript:alert(1)", "feed": ""})
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    old = utterance("Said yesterday.", time=yesterday)
    html = today_page({"ok": True, "utterances": [evil, old]}, "tok", None)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Library &lt;b&gt;opens&lt;/b&gt;" in html
    assert 'href="https://example.org/a"' in html and "javascript:" not in html
    assert "Said yesterday." not in html
    down = today_page({"ok": False, "error": "unknown command 'last'"}, "tok", None)
    assert "unknown command &#x27;last&#x27;" in down


def test_status_shows_memory_split_and_failed_runs() -> None:
    status = {
        "ok": True,
        "uptime_s": 93784.0,
        "started": "2026-11-30T07:00:00+00:00",
        "timezone": "UTC",
        "clock": {"synchronized": False, "holding": True, "hold_left_s": 120.0},
        "memory": {"rss_bytes": 300 << 20, "anon_bytes": 60 << 20, "file_bytes": 240 << 20},
        "healthy": True,
        "last_runs": {"news": {"outcome": "error", "started": "", "error": "feed <down>"}},
    }
    html = status_page(status, None)
    assert "1 d 2 h 3 min" in html and "NOT synchronised" in html
    assert "300 MiB: 60 anonymous, 240 file-backed" in html
    assert "feed &lt;down&gt;" in html


def test_posts_need_the_session_csrf_token() -> None:
    daemon = FakeDaemon()
    browser = Browser(build_web_app(daemon, Sessions("")))
    assert browser.go("POST", "/say", {"text": "hi"})[0] == 403
    token = browser.csrf()
    assert browser.go("POST", "/say", {"text": "hi", "csrf": "x" + token})[0] == 403
    assert daemon.requests == []
    status, _ = browser.go("POST", "/feedback", {"csrf": token, "id": "u1", "verdict": "good"})
    assert status == 303
    assert daemon.requests == [{"command": "feedback", "verdict": "good", "id": "u1"}]
    assert "Thanks: marked good." in browser.go("GET", "/")[1]
    browser.go("POST", "/run", {"csrf": token, "skill": "nope"})
    page = browser.go("GET", "/schedule")[1]
    assert "Could not do that: no skill named &#x27;nope&#x27; is installed" in page


@pytest.mark.parametrize("host", ["evil.example:8470", "192.168.1.20:8470"])
def test_without_a_token_only_loopback_names_are_served(host: str) -> None:
    browser = Browser(build_web_app(FakeDaemon(), Sessions("")), host=host)
    assert browser.go("GET", "/")[0] == 403
    status, page = Browser(browser.app).go("GET", "/nope")
    assert status == 404 and "<h1>Not found</h1>" in page


def test_with_a_token_every_page_wants_the_login() -> None:
    daemon = FakeDaemon()
    browser = Browser(build_web_app(daemon, Sessions("s3cret")), host="pi.local:8470")
    assert browser.go("GET", "/status")[0] == 303
    assert browser.go("POST", "/say", {"text": "hi"})[0] == 403
    token = browser.csrf("/login")
    status, page = browser.go("POST", "/login", {"csrf": token, "token": "nope"})
    assert status == 403 and "Wrong token." in page
    assert browser.go("POST", "/login", {"csrf": token, "token": "s3cret"})[0] == 303
    assert browser.go("GET", "/status")[0] == 200
    assert [r["command"] for r in daemon.requests] == ["status"]
