"""The pages, rendered on the server from the daemon's answers (never from its internals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from assistant.service.api import MAX_SAY_CHARS
from assistant.web.html import e, failure, page, post_form
from assistant.web.sessions import Flash

Response = dict[str, Any]


def when(stamp: str, fmt: str = "%H:%M") -> str:
    """An ISO 8601 time as the clock shows it ("" when it is not one)."""
    try:
        return datetime.fromisoformat(stamp).strftime(fmt)
    except (TypeError, ValueError):
        return ""


def is_today(stamp: str) -> bool:
    """True when `stamp` falls on today's date in its own zone."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return False
    return moment.date() == datetime.now(moment.tzinfo).date()


def source_item(source: dict[str, Any]) -> str:
    """One source: its title (a link only when it is http or https), the feed or note path."""
    title = e(source.get("title") or source.get("heading") or source.get("path") or "untitled")
    link = str(source.get("link") or "")
    if urlsplit(link).scheme in {"http", "https"}:
        title = f'<a href="{e(link)}" rel="noreferrer noopener">{title}</a>'
    where = source.get("feed") or source.get("path") or ""
    return f"<li>{title}{f' <span class=meta>({e(where)})</span>' if where else ''}</li>"


def utterance_card(u: dict[str, Any], csrf: str) -> str:
    """What was said, when and by which skill, its sources, and the three buttons."""
    uid = str(u.get("id", ""))
    sources = [s for s in u.get("sources") or [] if isinstance(s, dict)]
    listing = f'<ul class="src">{"".join(map(source_item, sources))}</ul>' if sources else ""
    buttons = " ".join(
        [
            post_form("/feedback", csrf, "✓ good", {"id": uid, "verdict": "good"}),
            post_form("/feedback", csrf, "✗ bad", {"id": uid, "verdict": "bad"}),
            post_form("/repeat", csrf, "↻ repeat", {"id": uid}),
        ]
    )
    meta = f"<div class=meta>{e(when(u.get('time', '')))} · {e(u.get('skill', ''))}</div>"
    said = f"<p class=said>{e(u.get('text', ''))}</p>"  # one line per piece, as spoken
    return f'<div class="card" id="u-{e(uid)}">{meta}{said}{listing}{buttons}</div>'


def today_page(answer: Response, csrf: str, flash: Flash | None) -> str:
    """Today's utterances, newest first, each with its sources and buttons."""
    if not answer.get("ok"):
        return page("Today", "/", failure(answer), flash=flash)
    said = [u for u in answer.get("utterances") or [] if is_today(str(u.get("time", "")))]
    cards = "".join(utterance_card(u, csrf) for u in said)
    return page("Today", "/", cards or "<p>Nothing said yet today.</p>", flash=flash)


def schedule_page(status: Response, csrf: str, flash: Flash | None) -> str:
    """The next run of each scheduled skill, its last outcome, and a "run now" button."""
    if not status.get("ok"):
        return page("Schedule", "/schedule", failure(status), flash=flash)
    last = status.get("last_runs") or {}
    rows = [(r["skill"], when(r["time"], "%a %H:%M")) for r in status.get("next_runs") or []]
    rows += [(name, "not scheduled") for name in sorted(last) if name not in dict(rows)]
    body = "".join(
        f"<tr><td>{e(name)}</td><td>{e(at)}</td>"
        f"<td>{e((last.get(name) or {}).get('outcome', '-'))}</td>"
        f"<td>{post_form('/run', csrf, 'Run now', {'skill': name}, 'go')}</td></tr>"
        for name, at in rows
    )
    table = (
        f"<table><tr><th>Skill</th><th>Next run</th><th>Last run</th><th></th></tr>{body}</table>"
    )
    return page("Schedule", "/schedule", table if rows else "<p>No skills.</p>", flash=flash)


def say_page(csrf: str, flash: Flash | None) -> str:
    """A box whose text the assistant speaks (as it is: text is never a command)."""
    form = (
        '<form method="post" action="/say" class="card">'
        f'<input type="hidden" name="csrf" value="{e(csrf)}">'
        f'<textarea name="text" rows="3" maxlength="{MAX_SAY_CHARS}" required '
        'placeholder="The bins go out tonight."></textarea>'
        '<p><button class="go">Say it</button></p></form>'
    )
    return page("Say", "/say", form, flash=flash)


def _uptime(seconds: float) -> str:
    """3 d 4 h 5 min."""
    s = int(seconds)
    days, hours, minutes = s // 86400, s % 86400 // 3600, s % 3600 // 60
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if days or hours else []
    return " ".join([*parts, f"{minutes} min"])


def _memory(status: Response) -> str:
    """Anonymous (heap) and file-backed (the mmapped model) resident memory in MiB."""
    mem = status.get("memory") or {}
    mib = {k: mem.get(f"{k}_bytes", 0) / 1048576 for k in ("rss", "anon", "file")}
    return f"{mib['rss']:.0f} MiB: {mib['anon']:.0f} anonymous, {mib['file']:.0f} file-backed"


def _errors(status: Response) -> list[tuple[str, str]]:
    """The last failed run of each skill, and a failed reload."""
    rows = [
        (f"{name} at {when(run.get('started', ''), '%a %H:%M')}", run.get("error") or "")
        for name, run in sorted((status.get("last_runs") or {}).items())
        if run.get("outcome") != "ok"
    ]
    reload = status.get("last_reload") or {}
    if reload and not reload.get("ok"):
        rows.append((f"reload at {when(reload.get('at', ''), '%a %H:%M')}", reload.get("error")))
    return rows


def status_page(status: Response, flash: Flash | None) -> str:
    """Uptime, the clock, memory, health and the last errors."""
    if not status.get("ok"):
        return page("Status", "/status", failure(status), flash=flash)
    clock = status.get("clock") or {}
    sync = "synchronised" if clock.get("synchronized") else "NOT synchronised"
    if clock.get("holding"):
        sync += f"; scheduled runs wait up to {clock.get('hold_left_s')} s for it"
    since = when(status.get("started", ""), "%a %d %b %H:%M")
    facts = [
        ("Up for", f"{_uptime(status.get('uptime_s', 0))}, since {since}"),
        ("Clock", f"{sync}, {status.get('timezone')}"),
        ("Memory", _memory(status)),
        ("Health", "healthy" if status.get("healthy") else f"unhealthy: {status.get('problem')}"),
        ("Running", ", ".join(status.get("running") or []) or "nothing"),
    ]
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts)
    errors = "".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in _errors(status))
    body = f"<table>{rows}</table><h2>Last errors</h2>"
    body += f"<table>{errors}</table>" if errors else "<p>None.</p>"
    return page("Status", "/status", body, flash=flash)


def login_page(csrf: str, error: str = "") -> str:
    """The token form."""
    form = (
        '<form method="post" action="/login" class="card">'
        f'<input type="hidden" name="csrf" value="{e(csrf)}">'
        '<label>Token <input type="password" name="token" autocomplete="current-password" '
        'required autofocus></label><p><button class="go">Log in</button></p></form>'
    )
    return page(
        "Log in", "/login", form, flash=Flash(error, bad=True) if error else None, nav=False
    )
