"""`ask` with the real MiniLM store and the bundled model: the right note's secret, or a decline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.quality.ask_eval import QA_DIR
from tests.integration.helpers import assistant

pytestmark = pytest.mark.slow
QA_NOTES = QA_DIR / "notes"
# Look-alike secrets in several notes: main, guest and smart-home wifi, the grandparents'
# wifi, the printer's Wi-Fi Direct, alarm and padlock codes; a trip with four dates; and the
# bikes of three people in one note.
NOTES = [
    "wifi.md",
    "grandparents.md",
    "printer.md",
    "alarm.md",
    "travel-lisbon.md",
    "car.md",
    "bikes.md",
]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notes, indexed once for the module (the ONNX export and embedding take seconds)."""
    notes = tmp_path_factory.mktemp("notes")
    for name in NOTES:
        shutil.copy(QA_NOTES / name, notes / name)
    return notes


def _ask(question: str) -> dict[str, object]:
    done = assistant("ask", question, "--no-speak", "--json", timeout=900)
    out: dict[str, object] = json.loads(done.stdout)
    return out


def test_guest_wifi_comes_from_the_guest_network_and_the_unknown_is_declined(
    indexed: Path, state_dir: Path
) -> None:
    report = json.loads(assistant("index", str(indexed), "--no-headlines", "--json").stdout)
    assert report["added"] == len(NOTES)

    guest = _ask("What is the guest wifi password?")
    assert guest["answered"] is True
    assert "sunny-Kite-2290" in str(guest["answer"])
    for other in ("maple-Otter-8812", "plug-Heron-5531", "teacup-Wren-4417", "hp-envy-7c3d"):
        assert other not in str(guest["answer"])
    sources = guest["sources"]
    assert isinstance(sources, list) and sources[0]["path"] == str(indexed / "wifi.md")
    assert sources[0]["heading"] == "Home wifi > Guest network"
    assert "[" not in str(guest["answer"]) and "your notes on" not in str(guest["answer"])

    unknown = _ask("What is the code for the garage door?")
    assert unknown["answer"] == "Your notes don't mention that."
    assert unknown["answered"] is False
    assert unknown["sources"] == []

    # The bikes note names Leo, but its tyre pressure is Tom's: not an answer for Leo.
    leo = _ask("What pressure do Leo's bike tyres need?")
    assert (leo["answered"], leo["answer"]) == (False, "Your notes don't mention that.")
    tom = _ask("What pressure do Tom's road bike tyres need?")
    assert tom["answered"] is True and "90 psi" in str(tom["answer"])


def test_eval_skills_runs_the_ask_evaluator_on_the_real_model() -> None:
    done = assistant("eval", "skills", "--skill", "ask", "--limit", "3", "--json", timeout=900)
    report = json.loads(done.stdout)["runs"][0]["skills"]["ask"]
    assert report["items"] == 3 and report["answerable"] == 3
    # The first three dev questions: guest, main and guest-network name, all in wifi.md.
    assert report["answered_right"] >= 0.66
    assert report["wrong_note"] == 0
    assert report["seconds_per_item"] > 0
    assert report["dev"]["items"] == 3 and report["heldout"]["items"] == 0
    assert report["heldout2"]["items"] == 0 and report["heldout3"]["items"] == 0
    assert report["heldout4"]["items"] == 0 and report["heldout5"]["items"] == 0
