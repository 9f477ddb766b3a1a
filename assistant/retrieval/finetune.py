"""Fine-tune MiniLM on (query, relevant passage, hard negatives) with in-batch negatives.

The loss is MultipleNegativesRanking: each query must score its own passage above every
other passage of the batch and every hard negative (scaled cosine, cross-entropy). Hard
negatives are the best BM25 hits that are not judged relevant, or, from feedback, the
passages marked bad for the same query.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.retrieval.embedder import QUIET_OFFLINE, model_path
from assistant.retrieval.errors import EmbedderError
from assistant.retrieval.evaluate import Beir
from assistant.retrieval.pairs import RelevancePair, by_query
from assistant.retrieval.sparse import SparseIndex

log = logging.getLogger(__name__)
SPLIT_SEED = 15
# BM25 hits below this rank are not hard; the first ones may be unjudged relevant passages.
MINE_DEPTH = 10


@dataclass(frozen=True)
class Triplet:
    """A query, one passage that answers it, and passages that look close but do not."""

    query: str
    positive: str
    negatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrainOptions:
    """Knobs of one fine-tuning run (defaults measured on SciFact, docs/retrieval.md)."""

    epochs: int = 1
    batch: int = 16
    lr: float = 5e-5
    max_seq: int = 128
    negatives: int = 1
    seed: int = 13
    scale: float = 20.0
    max_steps: int = 0  # 0: no cap
    threads: int = 0


def split_queries(
    qids: Iterable[str], share: float, seed: int = SPLIT_SEED
) -> tuple[list[str], list[str]]:
    """(train, held-out) query ids: the sorted ids shuffled with a fixed seed, cut at `share`."""
    ordered = sorted(qids)
    random.Random(seed).shuffle(ordered)
    cut = min(max(round(len(ordered) * share), 1), len(ordered) - 1) if len(ordered) > 1 else 1
    return sorted(ordered[:cut]), sorted(ordered[cut:])


def mine_triplets(data: Beir, qids: Sequence[str], negatives: int) -> list[Triplet]:
    """One triplet per (query, relevant passage), negatives mined by BM25 over the corpus."""
    index = SparseIndex.build(data.doc_texts)
    position = {doc: i for i, doc in enumerate(data.doc_ids)}
    triplets: list[Triplet] = []
    for qid in qids:
        query, relevant = data.queries[qid], data.qrels[qid]
        hits, _ = index.search(query, MINE_DEPTH + len(relevant))
        hard = [data.doc_texts[i] for i in hits.tolist() if data.doc_ids[i] not in relevant]
        for doc, grade in sorted(relevant.items()):
            if grade > 0 and doc in position:
                positive = data.doc_texts[position[doc]]
                triplets.append(Triplet(query, positive, tuple(hard[:negatives])))
    return triplets


def triplets_from_pairs(pairs: Sequence[RelevancePair], negatives: int) -> list[Triplet]:
    """Triplets from feedback: each good passage against the bad ones for its query, then
    BM25's best other passages of the pairs (no good passage of that query)."""
    texts = sorted({p.text for p in pairs})
    index = SparseIndex.build(texts) if texts else None
    triplets: list[Triplet] = []
    for query, group in by_query(pairs).items():
        good = [p.text for p in group if p.good]
        hard = [p.text for p in group if not p.good]
        if index is not None and len(hard) < negatives:
            hits, _ = index.search(query, min(len(texts), MINE_DEPTH + len(good)))
            hard += [
                texts[i] for i in hits.tolist() if texts[i] not in good and texts[i] not in hard
            ]
        triplets.extend(Triplet(query, text, tuple(hard[:negatives])) for text in good)
    return triplets


def _embed(model: Any, texts: list[str]) -> Any:
    """Unit vectors with gradients."""
    import torch

    features = model.preprocess(texts)
    vectors = model(features)["sentence_embedding"]
    return torch.nn.functional.normalize(vectors, dim=-1)


def _batch_loss(model: Any, batch: Sequence[Triplet], scale: float) -> Any:
    """MultipleNegativesRanking loss: row i's label is column i (its own positive)."""
    import torch

    queries = _embed(model, [t.query for t in batch])
    passages = [t.positive for t in batch] + [n for t in batch for n in t.negatives]
    scores = queries @ _embed(model, passages).T * scale
    return torch.nn.functional.cross_entropy(scores, torch.arange(len(batch)))


def _schedule(total: int) -> Callable[[int], float]:
    """Linear warm-up over the first tenth of the steps, then linear decay to zero."""
    warmup = max(1, total // 10)
    return lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))


def batches(count: int, options: TrainOptions) -> list[list[int]]:
    """The examples of each step: `epochs` seeded shuffles cut into batches, capped at
    `max_steps`."""
    rng = random.Random(options.seed)
    order = list(range(count))
    out: list[list[int]] = []
    for _ in range(options.epochs):
        rng.shuffle(order)
        out += [order[i : i + options.batch] for i in range(0, count, options.batch)]
    return out[: options.max_steps] if options.max_steps else out


def train(
    triplets: Sequence[Triplet],
    out: Path,
    options: TrainOptions,
    base: Path | None = None,
    on_step: Callable[[int, int, float], None] | None = None,
) -> dict[str, Any]:
    """Fine-tune `base` (default: the bundled MiniLM) on `triplets`; save it into `out`."""
    if not triplets:
        raise EmbedderError("no training pairs")
    os.environ.update(QUIET_OFFLINE)
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(options.seed)
    torch.set_num_threads(options.threads or os.cpu_count() or 1)
    model = SentenceTransformer(str(base or model_path()), device="cpu")
    served = model.max_seq_length
    model.max_seq_length = options.max_seq  # shorter while training: the cost is quadratic
    model.train()
    steps = batches(len(triplets), options)
    optimizer = torch.optim.AdamW(model.parameters(), lr=options.lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _schedule(len(steps)))
    losses: list[float] = []
    for batch in steps:
        loss = _batch_loss(model, [triplets[i] for i in batch], options.scale)
        loss.backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
        if on_step:
            on_step(len(losses), len(steps), losses[-1])
    model.eval()
    model.max_seq_length = served
    model.save(str(out), create_model_card=False)
    return {
        "steps": len(losses),
        "triplets": len(triplets),
        "first_loss": round(losses[0], 4),
        "last_loss": round(losses[-1], 4),
    }
