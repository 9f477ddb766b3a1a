"""The web app's routes (bottle): login, CSRF checks, and one daemon request per action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import bottle

from assistant.service.control import Handler, Response, answer
from assistant.web import pages
from assistant.web.html import CSP, e, page
from assistant.web.sessions import IDLE_S, Flash, Session, Sessions
from assistant.web.settings import is_loopback

COOKIE = "assistant_session"
LAST_N = 50
# Form fields are short; a larger body is refused before bottle buffers it.
MAX_BODY = 16 * 1024
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def refuse(status: int, reason: str) -> bottle.HTTPResponse:
    """A short error page (raised, it ends the request)."""
    return bottle.HTTPResponse(page("Refused", "", f"<p>{e(reason)}</p>"), status=status)


def field(name: str) -> str:
    """A form field as text ("" when absent)."""
    value = bottle.request.forms.getunicode(name)
    return value if isinstance(value, str) else ""


def which() -> dict[str, str]:
    """The utterance a button names (none: the daemon takes the last one)."""
    uid = field("id")
    return {"id": uid} if uid else {}


def limit_body() -> None:
    """Refuse a body larger than any form of these pages before it is read."""
    if bottle.request.content_length > MAX_BODY:
        raise refuse(413, "Request too large.")


def add_headers() -> None:
    """The security headers every answer carries."""
    for name, value in HEADERS.items():
        bottle.response.set_header(name, value)


def set_cookie(session: Session) -> None:
    """The session cookie: not readable by scripts, never sent by another site's page."""
    bottle.response.set_cookie(
        COOKIE, session.sid, httponly=True, samesite="strict", path="/", max_age=int(IDLE_S)
    )


class Guard:
    """Who may see the pages and which POSTs count."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    def session(self) -> Session:
        """The browser's logged-in session; a GET without one is sent to the login form."""
        if self.sessions.open:
            # No token: only pages asked for by a loopback name are served, so that a page
            # of another site whose name points at 127.0.0.1 (DNS rebinding) gets nothing.
            host = urlsplit("//" + bottle.request.get_header("Host", "")).hostname or ""
            if not is_loopback(host):
                raise refuse(403, "This page answers only to localhost and 127.0.0.1.")
        found = self.sessions.get(bottle.request.get_cookie(COOKIE))
        if found is not None and found.authed:
            return found
        if self.sessions.open:
            found = self.sessions.new(authed=True)
            set_cookie(found)
            return found
        if bottle.request.method == "GET":
            bottle.redirect("/login", 303)
        raise refuse(403, "Log in first.")

    def post(self) -> Session:
        """The session of a POST that carries its CSRF token; anything else is refused."""
        session = self.session()
        if not session.csrf_ok(field("csrf")):
            raise refuse(403, "Missing or wrong CSRF token: reload the page and try again.")
        return session


def build_web_app(handle: Handler, sessions: Sessions) -> bottle.Bottle:
    """The WSGI app: each page or button is one request to the daemon's handler."""
    app = bottle.Bottle(catchall=True)
    guard = Guard(sessions)

    def ask(command: str, **fields: Any) -> Response:
        return answer(handle, {"command": command, **fields})

    app.add_hook("before_request", limit_body)
    app.add_hook("after_request", add_headers)

    def view(path: str, render: Callable[[Session], str]) -> None:
        app.route(path, "GET", lambda: render(guard.session()))

    view("/", lambda s: pages.today_page(ask("last", n=LAST_N), s.csrf, s.take_flash()))
    view("/schedule", lambda s: pages.schedule_page(ask("status"), s.csrf, s.take_flash()))
    view("/say", lambda s: pages.say_page(s.csrf, s.take_flash()))
    view("/status", lambda s: pages.status_page(ask("status"), s.take_flash()))

    def action(path: str, back: str, act: Callable[[], Flash]) -> None:
        def run() -> None:
            session = guard.post()
            session.flash = act()
            bottle.redirect(back, 303)

        app.route(path, "POST", run)

    action("/feedback", "/", lambda: said(ask("feedback", verdict=field("verdict"), **which())))
    action("/repeat", "/", lambda: said(ask("repeat", **which())))
    action("/run", "/schedule", lambda: said(ask("trigger", skill=field("skill"), wait=False)))
    action("/say", "/say", lambda: said(ask("say", text=field("text"))))
    add_login(app, sessions)
    for status, title in ((404, "Not found"), (405, "Not allowed"), (500, "Internal error")):
        app.error_handler[status] = lambda _err, title=title: page(title, "", "")
    return app


def said(response: Response) -> Flash:
    """The message a POST leaves for the next page."""
    if not response.get("ok"):
        return Flash(f"Could not do that: {response.get('error') or 'failed'}", bad=True)
    if "verdict" in response:
        return Flash(f"Thanks: marked {response['verdict']}.")
    if response.get("queued"):
        return Flash(f"Started {response.get('skill')}.")
    return Flash(f"Said: {response.get('text', '')}")


def add_login(app: bottle.Bottle, sessions: Sessions) -> None:
    """GET and POST /login: the token form, and the session it opens."""

    def form() -> str:
        if sessions.open:
            bottle.redirect("/", 303)
        session = sessions.new(authed=False)
        set_cookie(session)
        return pages.login_page(session.csrf)

    def submit() -> None:
        session = sessions.get(bottle.request.get_cookie(COOKIE))
        if session is None or not session.csrf_ok(field("csrf")):
            raise refuse(403, "Missing or wrong CSRF token: reload the page and try again.")
        opened = sessions.login(session, field("token"))
        if opened is None:
            raise bottle.HTTPResponse(pages.login_page(session.csrf, "Wrong token."), status=403)
        set_cookie(opened)
        bottle.redirect("/", 303)

    app.route("/login", "GET", form)
    app.route("/login", "POST", submit)
