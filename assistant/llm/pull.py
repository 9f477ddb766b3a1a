"""Downloading a GGUF from the Hugging Face Hub, for users who are online."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from assistant.errors import ModelError


def models_dir(state: Path) -> Path:
    """Where pulled models live."""
    return state / "models"


def pull_model(repo: str, filename: str, state: Path) -> Path:
    """Download `filename` from `repo` into the models dir; nothing is left half-written."""
    if not filename.lower().endswith(".gguf"):
        raise ModelError(f"{filename}: only .gguf files can be pulled")
    target_dir = models_dir(state)
    target = target_dir / Path(filename).name
    if target.is_file():
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    from huggingface_hub import hf_hub_download

    # Download into a private temp dir beside the target, then rename: an interrupted or
    # failed download never leaves a file that looks like a model.
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".pull-") as tmp:
        try:
            got = Path(hf_hub_download(repo_id=repo, filename=filename, local_dir=tmp))
        except Exception as exc:  # the hub client raises many unrelated types; all mean "no file"
            raise ModelError(f"cannot download {filename} from {repo}: {_reason(exc)}") from exc
        shutil.move(got, target)
    return target


def _reason(exc: Exception) -> str:
    """A one-line reason, saying plainly when we are offline."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    name = type(exc).__name__
    if "Offline" in name or "LocalEntryNotFound" in name or "connect" in text.lower():
        return f"the Hugging Face Hub cannot be reached (offline?): {name}: {text}"
    return f"{name}: {text}"
