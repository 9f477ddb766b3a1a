"""The run journal: old lines still load, utterances get short unique ids, and are listed."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.journal import ID_ALPHABET, Journal, RunRecord, parse_record

# A line as journals wrote it before utterances had ids.
OLD = (
    '{"skill": "clock", "started": "2026-11-01T08:00:00+00:00", "outcome": "ok", '
    '"text": "It is 08:00.", "error": "", "sources": [], "timings": {"run_ms": 3.0}}'
)


def test_a_line_from_before_ids_loads_with_empty_utterance_fields() -> None:
    run = parse_record(OLD)
    assert run is not None and run.text == "It is 08:00."
    assert (run.id, run.written, run.input, run.cited, run.scores, run.attempts) == (
        "",
        "",
        "",
        [],
        {},
        0,
    )
    assert run.time == "2026-11-01T08:00:00+00:00"


def test_a_new_line_round_trips_and_bad_parts_are_dropped_not_the_line() -> None:
    row = json.loads(OLD) | {
        "id": "7k2mq9",
        "written": "a line",
        "cited": [{"title": "T", "feed": "the BBC", "x": 5}, "junk"],
        "scores": {"rhyme": 1, "bad": "x", "flag": True},
        "attempts": 3,
        "first_audio": "2026-11-01T08:00:02.500+00:00",
    }
    run = parse_record(json.dumps(row))
    assert run is not None
    assert run.cited == [{"title": "T", "feed": "the BBC"}]
    assert run.scores == {"rhyme": 1.0}
    assert run.time == "2026-11-01T08:00:02.500+00:00"  # heard, not started
    assert parse_record(json.dumps(row | {"attempts": "3"})) is None


def test_ids_are_six_typeable_characters_and_never_repeat(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.record(RunRecord("clock", "2026-11-01T08:00:00+00:00", "ok", "hi", id="aaaaaa"))
    fresh = Journal(tmp_path / "journal.jsonl")  # another process: knows ids from the file
    ids = {fresh.new_id() for _ in range(2000)}
    assert len(ids) == 2000 and "aaaaaa" not in ids
    assert all(len(i) == 6 and set(i) <= set(ID_ALPHABET) for i in ids)
    assert not set(ID_ALPHABET) & set("ilou")


def test_utterances_are_newest_first_from_both_files(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.with_suffix(".jsonl.1").write_text(
        json.dumps(json.loads(OLD) | {"id": "old001"}) + "\n", encoding="utf-8"
    )
    journal = Journal(path)
    journal.record(RunRecord("clock", "2026-11-01T09:00:00+00:00", "error", error="boom"))
    journal.record(RunRecord("say", "2026-11-01T09:01:00+00:00", "ok", "hello", id="new001"))
    with path.open("a") as f:
        f.write("{cut short by a cra")
    assert [r.id for r in journal.utterances()] == ["new001", "old001"]
    other = Journal(path)  # another process adds one: the next read sees it
    other.record(RunRecord("say", "2026-11-01T09:02:00+00:00", "ok", "again", id="new002"))
    assert [r.id for r in journal.utterances()] == ["new002", "new001", "old001"]


def test_a_journal_without_a_file_keeps_utterances_in_memory() -> None:
    journal = Journal(None)
    journal.record(RunRecord("say", "2026-11-01T09:01:00+00:00", "ok", "one", id="a1"))
    journal.record(RunRecord("clock", "2026-11-01T09:02:00+00:00", "error"))
    journal.record(RunRecord("say", "2026-11-01T09:03:00+00:00", "ok", "two", id="a2"))
    assert [r.text for r in journal.utterances()] == ["two", "one"]


def test_reads_follow_appends_rotation_and_a_last_line_without_its_newline(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.jsonl"
    row = json.loads(OLD)
    path.write_text(json.dumps(row | {"id": "a00001"}) + "\n" + json.dumps(row | {"id": "a00002"}))
    journal = Journal(path)
    assert [r.id for r in journal.utterances()] == ["a00002", "a00001"]
    journal.record(RunRecord("say", "2026-11-01T09:01:00+00:00", "ok", "hi", id="a00003"))
    assert [r.id for r in journal.utterances()] == ["a00003", "a00002", "a00001"]
    # Rotation: the file becomes .1 and a new, shorter one takes its place.
    path.replace(path.with_suffix(".jsonl.1"))
    path.write_text(json.dumps(row | {"id": "b00001"}) + "\n")
    assert [r.id for r in journal.utterances()][:2] == ["b00001", "a00003"]
    path.write_text("")  # emptied in place: nothing left of it
    assert [r.id for r in journal.utterances()] == ["a00003", "a00002", "a00001"]
