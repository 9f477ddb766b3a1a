"""The web page's server: waitress (bounded threads and connections) in its own thread."""

from __future__ import annotations

import logging
import threading
from typing import Any

from waitress.server import create_server
from waitress.trigger import trigger

from assistant.service.control import Handler
from assistant.web.routes import MAX_BODY, build_web_app
from assistant.web.sessions import Sessions
from assistant.web.settings import WebSection

log = logging.getLogger(__name__)
# A phone or two and a test: four workers, each busy at most while the speaker says a line.
THREADS = 4
MAX_CONNECTIONS = 32
IDLE_CONNECTION_S = 30
STOP_WAIT_S = 1.0  # within the daemon's 5 s to stop, beside the runs' 3 s


class WebServer:
    """Serves the pages on [web] listen:port from threads of its own, never the scheduler's."""

    def __init__(self, settings: WebSection, handle: Handler, token: str) -> None:
        self.settings = settings
        self.sessions = Sessions(token)
        self.app = build_web_app(handle, self.sessions)
        self._server: Any = None
        # waitress's socket map, ours so that close() can find the loop's wake-up trigger.
        self._sockets: dict[int, Any] = {}
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind the port and serve; raise OSError when the address cannot be bound."""
        self._server = create_server(
            self.app,
            map=self._sockets,
            host=self.settings.listen,
            port=self.settings.port,
            threads=THREADS,
            connection_limit=MAX_CONNECTIONS,
            channel_timeout=IDLE_CONNECTION_S,
            max_request_body_size=MAX_BODY,
            asyncore_loop_timeout=0.5,  # how soon the loop sees close()
            ident="assistant",
            expose_tracebacks=False,
        )
        self._thread = threading.Thread(target=self._server.run, name="web", daemon=True)
        self._thread.start()
        login = "open (loopback only)" if self.sessions.open else "token required"
        log.info("web page at http://%s:%d/ (%s)", self.settings.listen, self.port, login)

    def changed(self) -> None:
        """Nothing to do: each page view asks the daemon afresh."""

    @property
    def port(self) -> int:
        """The port bound (the configured one, or the one the kernel chose for 0)."""
        return int(getattr(self._server, "effective_port", self.settings.port))

    def close(self) -> None:
        """Stop listening and let the worker threads finish their request, briefly."""
        if self._server is None:
            return
        # asyncore is not thread-safe: closing its sockets from here could pull a descriptor
        # from under its select(). The trigger runs the close in the loop's own thread.
        wake = next(d for d in self._sockets.values() if isinstance(d, trigger))
        wake.pull_trigger(self._server.close)
        if self._thread is not None:
            self._thread.join(STOP_WAIT_S)
        self._server = None


def start_web(settings: WebSection, handle: Handler, token: str) -> WebServer | None:
    """The running web server, or None when its port cannot be bound (the schedule matters
    more than the page: the daemon goes on without it)."""
    server = WebServer(settings, handle, token)
    try:
        server.start()
    except OSError as exc:
        log.error(
            "no web page: cannot listen on %s:%d: %s",
            settings.listen,
            settings.port,
            exc.strerror or exc,
        )
        return None
    return server
