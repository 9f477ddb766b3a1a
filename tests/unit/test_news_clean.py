"""Cleaning untrusted feed text: plain, visible, capped."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from assistant.news.clean import DROPPED_CATEGORIES, cap, clean_link, clean_text


def test_html_is_stripped_and_entities_decoded() -> None:
    raw = "<script>alert(1)</script><b>Markets</b> rise &amp; fall &lt;i&gt;again&lt;/i&gt;"
    assert clean_text(raw, 200) == "Markets rise & fall again"


def test_double_escaped_markup_is_not_left_as_tags() -> None:
    assert clean_text("&amp;lt;img src=x onerror=alert(1)&amp;gt;Cats", 200) == "Cats"


def test_hidden_characters_are_removed() -> None:
    raw = "Bi\u202edi\u202c zero\u200bwidth\ufeff soft\u00adhyphen nul\x00 bell\x07"
    assert clean_text(raw, 200) == "Bidi zerowidth softhyphen nul bell"


def test_fullwidth_markup_is_markup() -> None:
    assert (
        clean_text("\uff1cscript\uff1ealert(1)\uff1c/script\uff1eHi &#xff1c;b&#xff1e;", 200)
        == "Hi b"
    )


def test_accents_compose_once_hidden_characters_are_gone() -> None:
    assert clean_text("Cafe\u200d\u0301", 200) == "Caf\u00e9"


def test_nfkc_and_whitespace() -> None:
    assert clean_text("\uff37ide\u00a0\u2003 and\t\n\u2028lines  ", 200) == "Wide and lines"


def test_cap_at_a_word_boundary() -> None:
    text = clean_text("word " * 100, 30)
    assert len(text) <= 30 and text.endswith("...") and "wor..." not in text
    assert cap("short", 30) == "short"


def test_non_strings_become_empty() -> None:
    assert clean_text(None, 10) == "" and clean_text(42, 10) == ""


def test_links_are_http_or_nothing() -> None:
    assert clean_link(" https://ok.example/a ") == "https://ok.example/a"
    assert clean_link("javascript:alert(1)") is None
    assert clean_link("data:text/html,hi") is None
    assert clean_link("file:///etc/passwd") is None
    assert clean_link("https://ok.example/a b") is None
    assert clean_link("https://ok.example/\u202e") is None
    assert clean_link("https://" + "a" * 3000) is None
    assert clean_link(["https://ok.example"]) is None


@given(st.text(max_size=400), st.integers(min_value=5, max_value=120))
def test_any_text_comes_out_plain_and_capped(raw: str, limit: int) -> None:
    text = clean_text(raw, limit)
    assert len(text) <= limit
    assert "<" not in text and ">" not in text
    assert text == text.strip() and "  " not in text
    assert not any(unicodedata.category(c) in DROPPED_CATEGORIES for c in text)
    assert unicodedata.normalize("NFKC", text) == text or "..." in text
