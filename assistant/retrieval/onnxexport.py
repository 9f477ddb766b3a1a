"""Export the bundled MiniLM to ONNX (fp32, fused) and int8, in two child processes.

`python -m assistant.retrieval.onnxexport trace WORK [MODEL]` (needs torch) writes the raw graph
and sentence-transformers' vectors of a few probes; `... finish WORK FOLDER [MODEL]` (no torch)
fuses, quantizes, checks both files against those vectors and moves them into FOLDER. MODEL is a
sentence-transformers folder (a tuned embedder); without it, the bundled MiniLM. Two processes
because torch's memory is never given back: one process peaked at 1.3 GB, each of two at 1.0.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from assistant.files import fsync_path
from assistant.retrieval.embedder import QUIET_OFFLINE, model_path
from assistant.retrieval.onnxembed import FILES, SUMS, OnnxSession, file_sha256

PROBES = [
    "What time is it?",
    "A longer sentence to check that padding, masks and a second length all export correctly.",
]
# fp32 must match torch; int8 is an approximation, held to a looser bound.
MIN_COSINE = {"fp32": 0.9999, "int8": 0.98}


def _torch_model(path: str) -> Any:
    """MiniLM as a module taking (ids, mask, types) and returning the last hidden state."""
    import torch
    from transformers import AutoModel

    # Eager attention exports as plain MatMul/Softmax, which onnxruntime fuses into one
    # Attention op; the SDPA path exports in a shape it cannot fuse.
    base = AutoModel.from_pretrained(path, attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.base = base

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.base(input_ids=ids, attention_mask=mask, token_type_ids=types)[0]

    return Encoder()


def trace(work: Path, path: str) -> None:
    """The raw ONNX graph and the reference vectors of the model in `path`, from torch."""
    import torch
    from sentence_transformers import SentenceTransformer

    want = SentenceTransformer(path, device="cpu").encode(PROBES, normalize_embeddings=True)
    np.save(work / "reference.npy", np.asarray(want, np.float32))
    model = _torch_model(path)
    ids = torch.ones(2, 8, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "seq"} for n in [*names, "last_hidden_state"]}
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(work / "raw.onnx"),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _fuse(raw: Path, fused: Path, path: str) -> None:
    from onnxruntime.transformers import optimizer

    config = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    # opt_level 0: the same fusions as 1 (one Attention op per layer), for less memory.
    model = optimizer.optimize_model(
        str(raw),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
        opt_level=0,
    )
    model.save_model_to_file(str(fused))


def _quantize(fp32: Path, int8: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel weights keep the cosine to fp32 near 0.99; per-tensor drops it to 0.90.
    quantize_dynamic(
        str(fp32),
        str(int8),
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _check(work: Path, path: str) -> None:
    """Compare each file's vectors with sentence-transformers'; raise ValueError when off."""
    want = np.load(work / "reference.npy")
    for precision, name in FILES.items():
        got = OnnxSession(work / name, threads=1, model=Path(path)).encode(PROBES)
        cosine = float(np.min(np.sum(got * want, axis=1)))
        if cosine < MIN_COSINE[precision]:
            raise ValueError(f"{name}: cosine {cosine:.4f} to torch, below {MIN_COSINE[precision]}")


def finish(work: Path, folder: Path, path: str) -> None:
    """Fuse, quantize and check in `work`, then move both files into `folder`."""
    _fuse(work / "raw.onnx", work / FILES["fp32"], path)
    _quantize(work / FILES["fp32"], work / FILES["int8"])
    _check(work, path)
    sums = {name: file_sha256(work / name) for name in FILES.values()}
    (work / SUMS).write_text(json.dumps(sums), encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    # The fp32 file is the one loaders look for, so it lands last.
    for name in (FILES["int8"], SUMS, FILES["fp32"]):
        fsync_path(work / name)
        os.replace(work / name, folder / name)
    fsync_path(folder)
    fsync_path(folder.parent)


def main(argv: list[str]) -> int:
    """`trace WORK [MODEL]` or `finish WORK FOLDER [MODEL]`; one line on stderr and exit 1 on
    failure."""
    warnings.simplefilter("ignore")  # the tracer's warnings mean nothing to a user
    os.environ.update(QUIET_OFFLINE)
    try:
        if argv[:1] == ["trace"] and len(argv) in (2, 3):
            trace(Path(argv[1]), argv[2] if len(argv) == 3 else model_path())
        elif argv[:1] == ["finish"] and len(argv) in (3, 4):
            finish(Path(argv[1]), Path(argv[2]), argv[3] if len(argv) == 4 else model_path())
        else:
            raise ValueError("usage: onnxexport trace WORK [MODEL] | finish WORK FOLDER [MODEL]")
    except Exception as exc:  # any failure: the parent reports this one line
        print(f"ONNX export failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
