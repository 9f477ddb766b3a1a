"""The page frame: escaping, the inline style sheet (allowed by its hash), forms, navigation."""

from __future__ import annotations

import base64
import hashlib
import html
from typing import Any

from assistant.web.sessions import Flash

STYLE = """
body{font:16px/1.45 system-ui,sans-serif;margin:0;background:#f6f5f2;color:#222}
header{background:#2d4a3e;color:#fff;padding:.6em 1em;display:flex;flex-wrap:wrap;gap:1em;
align-items:baseline}
header b{font-size:1.15em;margin-right:.5em}
nav a{color:#dfe9e3;margin-right:1em;text-decoration:none}
nav a.on{color:#fff;border-bottom:2px solid #fff}
main{max-width:46em;margin:0 auto;padding:1em}
.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:.8em 1em;margin:.8em 0}
.meta{color:#666;font-size:.85em}
.said,.flash{white-space:pre-line}
.flash{background:#e7f3ea;border:1px solid #9cc7a8;border-radius:6px;padding:.5em .8em}
.error{background:#fbeaea;border-color:#d9a0a0}
ul.src{margin:.4em 0 .2em 1.2em;padding:0;font-size:.9em}
form.inline{display:inline}
button{font:inherit;border:1px solid #aaa;border-radius:6px;background:#fafafa;
padding:.25em .7em;cursor:pointer}
button.go{background:#2d4a3e;color:#fff;border-color:#2d4a3e}
textarea,input[type=password]{font:inherit;width:100%;box-sizing:border-box;padding:.4em}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.35em .4em;border-bottom:1px solid #eee;vertical-align:top}
"""
_DIGEST = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# No scripts, no images, no other origin: the page works offline and a headline that slips
# markup past the escaping still cannot run or load anything.
CSP = (
    f"default-src 'none'; style-src 'sha256-{_DIGEST}'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PAGES = (("/", "Today"), ("/schedule", "Schedule"), ("/say", "Say"), ("/status", "Status"))


def e(value: Any) -> str:
    """Text made safe for HTML, in element content and in quoted attributes."""
    return html.escape(str(value), quote=True)


def post_form(action: str, csrf: str, button: str, fields: dict[str, str], css: str = "") -> str:
    """A one-button form that POSTs hidden fields with the session's CSRF token."""
    hidden = "".join(
        f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in fields.items()
    )
    klass = f' class="{e(css)}"' if css else ""
    return (
        f'<form class="inline" method="post" action="{e(action)}">'
        f'<input type="hidden" name="csrf" value="{e(csrf)}">{hidden}'
        f"<button{klass}>{button}</button></form>"
    )


def page(title: str, path: str, body: str, *, flash: Flash | None = None, nav: bool = True) -> str:
    """A whole page: the header with the navigation, a message if any, then `body`."""
    links = "".join(
        f'<a href="{href}"{" class=on" if href == path else ""}>{name}</a>' for href, name in PAGES
    )
    message = ""
    if flash is not None:
        message = f'<p class="flash{" error" if flash.bad else ""}">{e(flash.text)}</p>'

    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{e(title)} · assistant</title><style>{STYLE}</style></head><body>"
        f"<header><b>assistant</b>{f'<nav>{links}</nav>' if nav else ''}</header>"
        f"<main><h1>{e(title)}</h1>{message}{body}</main></body></html>"
    )


def failure(response: dict[str, Any]) -> str:
    """A card saying what the daemon answered instead of what was asked."""
    return f'<p class="flash error">{e(response.get("error") or "failed")}</p>'
