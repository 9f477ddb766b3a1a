"""Tune and check the sense judge on its labelled couplets: `python -m assistant.quality.sensetune`.

`data/eval/sense.jsonl` holds couplets the clock really wrote (candidates of its cascade at
random times, and outputs from a run journal), each labelled "good" or "nonsense" by hand
before any tuning, and split by a hash of the text into "dev" and "heldout". Each is scored
by the bundled model as the answer to the clock's own prompt at its time; the floor that
best tells nonsense from good on dev (`balanced`) is reported with precision and recall of
"nonsense" on held-out.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.clock import FixedClock
from assistant.llm.base import LLM
from assistant.quality.clockeval import clock_skill
from assistant.quality.evaluate import load_eval_set
from assistant.quality.exemplars import ExemplarBanks
from assistant.quality.hoursense import hour_band
from assistant.quality.sense import SENSE_FLOOR, sense_score
from assistant.testing import FakeLLM, fake_context

Scored = list[tuple[float, str]]  # (sense score, label)


def score_set(llm: LLM, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each item with its sense score against the clock's prompt at its time."""
    skill, banks, out = clock_skill({}), ExemplarBanks(), []
    # By part of the day: the same examples in a row keep the evaluated prompt for the next.
    ordered = sorted(items, key=lambda i: (hour_band(int(i["at"][11:13])), i["at"]))
    with tempfile.TemporaryDirectory(prefix="sensetune-") as tmp:
        for item in ordered:
            moment = datetime.fromisoformat(item["at"])
            ctx = fake_context(FixedClock(moment), Path(tmp), llm=FakeLLM(), exemplars=banks)
            prompt = skill.prompt(ctx, moment, skill.stated_time(moment))  # type: ignore[attr-defined]
            out.append(item | {"sense": sense_score(llm, prompt, item["text"])})
    return out


def precision_recall(scored: Scored, floor: float) -> tuple[float, float, float]:
    """Precision, recall and F1 of "nonsense" (a score below `floor`)."""
    flagged = [label for score, label in scored if score < floor]
    hits = flagged.count("nonsense")
    total = sum(label == "nonsense" for _, label in scored)
    p = hits / len(flagged) if flagged else 0.0
    r = hits / total if total else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def balanced(scored: Scored, floor: float) -> float:
    """Recall of "nonsense" plus the share of good couplets kept, minus one (Youden's J):
    unlike F1 it does not favour flagging when, as here, most candidates are nonsense, and a
    good couplet wrongly flagged costs a resample or a fallback."""
    nonsense = [score < floor for score, label in scored if label == "nonsense"]
    good = [score >= floor for score, label in scored if label == "good"]
    if not nonsense or not good:
        return 0.0
    return sum(nonsense) / len(nonsense) + sum(good) / len(good) - 1.0


def best_floor(scored: Scored) -> float:
    """The floor (in steps of 0.5) with the best `balanced` score on `scored`; the middle of
    the best run of equal floors (a plateau's edge sits on one couplet)."""
    floors = [x / 2 for x in range(-60, 1)]
    values = [round(balanced(scored, f), 9) for f in floors]
    best = [f for f, v in zip(floors, values, strict=True) if v == max(values)]
    run = [best[0]]
    for f in best[1:]:
        if f - run[-1] > 0.5:
            break
        run.append(f)
    return run[len(run) // 2]


def report(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The dev-tuned floor and its precision, recall and F1 on dev and held-out."""
    by_split = {
        split: [(i["sense"], i["label"]) for i in items if i["split"] == split]
        for split in ("dev", "heldout")
    }
    floor = best_floor(by_split["dev"])
    out: dict[str, Any] = {"floor": floor, "shipped_floor": SENSE_FLOOR}
    for split, scored in by_split.items():
        p, r, f1 = precision_recall(scored, floor)
        nonsense = sum(label == "nonsense" for _, label in scored)
        out[split] = {"items": len(scored), "nonsense": nonsense, "precision": round(p, 3),
                      "recall": round(r, 3), "f1": round(f1, 3),
                      "good_kept": round(balanced(scored, floor) + 1 - r, 3)}  # fmt: skip
    return out


def main() -> int:
    """Score the labelled set with the bundled model; print the report as JSON."""
    from assistant.llm.local import LocalEngine
    from assistant.llm.models import DEFAULT_MODEL, resolve_model

    # One thread: on a busy CPU, spinning llama.cpp threads are many times slower.
    llm = LocalEngine(resolve_model(DEFAULT_MODEL), threads=1)
    try:
        items = score_set(llm, load_eval_set("sense"))
    finally:
        llm.close()
    print(json.dumps(report([i for i in items if i["sense"] is not None]), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
