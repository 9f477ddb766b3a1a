"""Chunking by headings and paragraphs."""

from __future__ import annotations

from assistant.retrieval.chunking import chunk_text


def test_markdown_keeps_the_heading_path() -> None:
    text = "# A\nintro\n\n## B\nbody b\n\n### C\nbody c\n\n## D\nbody d\n"
    chunks = chunk_text(text, markdown=True)
    assert [(c.heading, c.text) for c in chunks] == [
        ("A", "intro"),
        ("A > B", "body b"),
        ("A > B > C", "body c"),
        ("A > D", "body d"),
    ]
    assert [c.ordinal for c in chunks] == [0, 1, 2, 3]


def test_headings_inside_code_fences_are_text() -> None:
    chunks = chunk_text("# Top\n```\n# comment\n```\n", markdown=True)
    assert len(chunks) == 1
    assert chunks[0].heading == "Top"
    assert "# comment" in chunks[0].text


def test_plain_text_ignores_hashes_and_groups_paragraphs() -> None:
    chunks = chunk_text("# not a heading\n\nsecond paragraph", markdown=False)
    assert [(c.heading, c.text) for c in chunks] == [("", "# not a heading\n\nsecond paragraph")]


def test_paragraphs_split_at_the_size_limit() -> None:
    para = "word " * 50
    chunks = chunk_text("\n\n".join([para] * 6), markdown=False, max_chars=600)
    assert len(chunks) == 3
    assert all(len(c.text) <= 600 for c in chunks)


def test_a_paragraph_longer_than_the_limit_is_split_by_words() -> None:
    chunks = chunk_text("x" * 10 + " " + "y " * 400, markdown=False, max_chars=200)
    assert all(len(c.text) <= 200 for c in chunks)
    assert "".join(c.text.replace(" ", "") for c in chunks) == "x" * 10 + "y" * 400


def test_empty_text_has_no_chunks() -> None:
    assert chunk_text("\n\n  \n", markdown=True) == []
