"""Piper, the neural voice: an ONNX model run by onnxruntime, imported only by the speech worker.

Piper 1.x is GPLv3 (it links espeak-ng for phonemes), so it is never imported by the daemon:
only the worker process (`assistant.speech.worker`) loads it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from assistant.speech.voices import PiperFiles

if TYPE_CHECKING:
    from piper import PiperVoice

# The [speech] rate at which a voice speaks at its own pace (espeak-ng's default words/minute).
NATURAL_RATE = 165
# Text spoken once at load, so that onnxruntime's first, slower run is not a user's sentence.
WARM_UP = "Ready."


def silence(sample_rate: int, seconds: float) -> bytes:
    """16-bit mono PCM of `seconds` of silence."""
    return bytes(2 * round(sample_rate * seconds))


class ShrinkingSession:
    """An onnxruntime session that hands its memory arena back after each run.

    The arena otherwise grows to fit the longest sentence so far and keeps it: measured here,
    440-550 MiB after a few 55-word sentences instead of about 180 MiB, for a real-time factor
    only about a tenth better (docs/speech.md). Piper calls nothing but `run`.
    """

    def __init__(self, session: Any) -> None:
        import onnxruntime

        self._session = session
        self._options = onnxruntime.RunOptions()
        self._options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, output_names: Any, input_feed: Any) -> Any:
        """Run the model, then shrink the CPU arena."""
        return self._session.run(output_names, input_feed, self._options)


class PiperSynthesiser:
    """One Piper voice, loaded once; `synthesise` returns 16-bit mono PCM at `sample_rate`."""

    engine = "piper"

    def __init__(
        self,
        files: PiperFiles,
        *,
        voice: str = "",
        rate: int = NATURAL_RATE,
        volume: float = 1.0,
        sentence_silence: float = 0.2,
        threads: int = 1,
    ) -> None:
        import onnxruntime
        from piper import PiperVoice, SynthesisConfig
        from piper.config import PiperConfig

        self.voice = voice or files.model.stem
        config = PiperConfig.from_dict(json.loads(files.config.read_text(encoding="utf-8")))
        options = onnxruntime.SessionOptions()
        if threads:
            # One thread by default: on a CPU shared with the model writing the next sentence,
            # more threads spin against each other (measured in docs/speech.md).
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            str(files.model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._voice: PiperVoice = PiperVoice(session=ShrinkingSession(session), config=config)
        self.sample_rate = int(config.sample_rate)
        # A faster rate is a shorter length scale, relative to the voice's own.
        self._config = SynthesisConfig(
            length_scale=config.length_scale * NATURAL_RATE / rate, volume=volume
        )
        self._gap = silence(self.sample_rate, sentence_silence)
        self.synthesise(WARM_UP)

    def synthesise(self, text: str) -> bytes:
        """Return the PCM of `text`, each of Piper's sentences followed by the sentence silence."""
        parts: list[bytes] = []
        for chunk in self._voice.synthesize(text, self._config):
            parts += (chunk.audio_int16_bytes, self._gap)
        return b"".join(parts)
