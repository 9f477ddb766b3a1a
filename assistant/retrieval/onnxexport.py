"""Export the bundled MiniLM to ONNX (fp32, fused) and int8; run as a child, since it needs torch.

`python -m assistant.retrieval.onnxexport FOLDER` writes `minilm-fp32.onnx` and
`minilm-int8.onnx` into FOLDER, each checked against sentence-transformers before it is kept.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.embedder import model_path
from assistant.retrieval.onnxembed import FILES, OnnxSession

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


def _export_fp32(path: str, raw: Path, fused: Path) -> None:
    import torch
    from onnxruntime.transformers import optimizer
    from transformers import AutoConfig

    model = _torch_model(path)
    ids = torch.ones(2, 8, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "seq"} for n in [*names, "last_hidden_state"]}
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(raw),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    config = AutoConfig.from_pretrained(path)
    fused_model = optimizer.optimize_model(
        str(raw),
        model_type="bert",
        num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size,
        opt_level=1,
    )
    fused_model.save_model_to_file(str(fused))


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


def _check(path: str, folder: Path) -> None:
    """Compare each file's vectors with sentence-transformers'; raise ValueError when off."""
    from sentence_transformers import SentenceTransformer

    want = SentenceTransformer(path, device="cpu").encode(PROBES, normalize_embeddings=True)
    for precision, name in FILES.items():
        got = OnnxSession(folder / name, threads=1).encode(PROBES)
        cosine = float(np.min(np.sum(got * want, axis=1)))
        if cosine < MIN_COSINE[precision]:
            raise ValueError(f"{name}: cosine {cosine:.4f} to torch, below {MIN_COSINE[precision]}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def export(folder: Path) -> None:
    """Write both ONNX files into `folder`, whole or not at all."""
    path = model_path()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".tmp-export-") as tmp:
        work = Path(tmp)
        _export_fp32(path, work / "raw.onnx", work / FILES["fp32"])
        _quantize(work / FILES["fp32"], work / FILES["int8"])
        _check(path, work)
        # int8 first: the fp32 file is the one loaders look for, so it lands last.
        for name in (FILES["int8"], FILES["fp32"]):
            _fsync(work / name)
            os.replace(work / name, folder / name)
        _fsync(folder)


def main(argv: list[str]) -> int:
    """Export into argv[0]; one line on stderr and exit 1 on failure."""
    warnings.simplefilter("ignore")  # the tracer's warnings mean nothing to a user
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        export(Path(argv[0]))
    except Exception as exc:  # any failure: the parent reports this one line
        print(f"ONNX export failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
