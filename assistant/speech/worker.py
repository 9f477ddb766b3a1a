"""The speech worker process: Piper (the default) or espeak-ng, isolated from the daemon.

Both engines are GPLv3 and both can hang or crash, so only this process loads them. Piper's
voice (an ONNX model) is loaded once per worker; when Piper is missing, fails to load, or its
voice does not exist, espeak-ng speaks instead and the greeting says why.

espeak-ng is driven through pyttsx3's binding in espeak-ng's synchronous mode: pyttsx3's own
driver runs it asynchronously and sometimes returns before the audio exists (a WAV file is
silently never written); here a finished call means finished audio.

Protocol (one worker serves many utterances): after start it writes one JSON line, either
`{"ok": true, "sample_rate": R, "engine": E, "voice": V, "load_ms": T}` (plus `"fallback": why`
when espeak-ng stands in for Piper) or `{"ok": false, "error": "..."}` (and exits). Then, for
each JSON line `{"text": "..."}` on stdin it answers with a JSON line
`{"ok": true, "bytes": N, "sample_rate": R}` followed by N bytes of 16-bit mono PCM, or
`{"ok": false, "error": "..."}`. It exits when stdin closes, so it never outlives its owner.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import sys
import time
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from assistant.errors import SpeechError
from assistant.orphans import exit_with_parent
from assistant.speech.piper_engine import NATURAL_RATE, silence
from assistant.speech.voices import PIPER_DEFAULT, find_piper_voice


class Synth(Protocol):
    """An engine in the worker: PCM for a text, at a fixed sample rate."""

    sample_rate: int

    def synthesise(self, text: str) -> bytes:
        """Return 16-bit mono PCM for `text` at `sample_rate`."""


class EspeakSynthesiser:
    """espeak-ng, initialised once in synchronous mode with one voice, rate and volume."""

    engine = "espeak"

    def __init__(self, voice: str, rate: int, volume: float, sentence_silence: float = 0.0) -> None:
        from pyttsx3.drivers import _espeak

        self._espeak = _espeak
        self.voice = voice
        self.fallback = ""
        self.sample_rate = int(_espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 500))
        if self.sample_rate <= 0:
            raise RuntimeError("espeak-ng could not be initialised")
        self._chunks: list[bytes] = []
        _espeak.SetSynthCallback(self._on_audio)  # the binding keeps the ctypes wrapper alive
        if voice:
            select_voice(voice)
        _espeak.SetParameter(_espeak.RATE, rate, 0)
        _espeak.SetParameter(_espeak.VOLUME, round(volume * 100), 0)
        self._gap = silence(self.sample_rate, sentence_silence)

    def _on_audio(self, wav: Any, numsamples: int, _events: Any) -> int:
        if wav and numsamples > 0:
            self._chunks.append(ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short)))
        return 0

    def synthesise(self, text: str) -> bytes:
        """Return 16-bit mono PCM for `text` at `sample_rate`, then the sentence silence."""
        self._chunks = []
        self._espeak.Synth(text, flags=self._espeak.ENDPAUSE | self._espeak.CHARS_UTF8)
        self._espeak.Synchronize()
        return b"".join([*self._chunks, self._gap])


def load_engine(args: argparse.Namespace) -> Synth:
    """The configured engine, loaded; espeak-ng (its default voice) when Piper cannot be."""
    if args.engine == "espeak":
        return EspeakSynthesiser(args.voice, args.rate, args.volume, args.sentence_silence)
    try:
        from assistant.speech.piper_engine import PiperSynthesiser

        return PiperSynthesiser(
            find_piper_voice(args.voice, args.voices_dir),
            voice=args.voice or PIPER_DEFAULT,
            rate=args.rate,
            volume=args.volume,
            sentence_silence=args.sentence_silence,
            threads=args.threads,
        )
    # Whatever stops Piper (not installed, no such voice, a broken model onnxruntime rejects
    # with its own exception types), espeak-ng still speaks.
    except Exception as exc:
        why = str(exc) if isinstance(exc, SpeechError) else f"{type(exc).__name__}: {exc}"
        espeak = EspeakSynthesiser("", args.rate, args.volume, args.sentence_silence)
        espeak.fallback = f"Piper cannot speak ({why}); espeak-ng speaks instead"
        return espeak


def voice_language(voice: Any) -> str:
    """The language of an espeak VOICE (its field starts with a priority byte)."""
    raw: bytes = voice.languages or b""
    return raw[1:].split(b"\0")[0].decode(errors="replace")


def select_voice(wanted: str) -> None:
    """Use the voice whose identifier, name or language is `wanted` (any case)."""
    from pyttsx3.drivers import _espeak

    if _espeak.SetVoiceByName(wanted.encode()) == _espeak.EE_OK:
        return
    key = wanted.lower()
    for voice in _espeak.ListVoices():
        names = {voice.identifier.decode(), voice.name.decode(), voice_language(voice)}
        if key in {n.lower() for n in names}:
            _espeak.SetVoiceByName(voice.name)
            return
    raise RuntimeError(f"espeak-ng has no voice {wanted!r} (see `assistant voices`)")


def list_voices() -> None:
    """Print the installed voices, one `id<TAB>name<TAB>languages` line each."""
    from pyttsx3.drivers import _espeak

    _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 500)
    for voice in _espeak.ListVoices():
        print(f"{voice.identifier.decode()}\t{voice.name.decode()}\t{voice_language(voice)}")


def _send(out: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    out.write(json.dumps(header).encode() + b"\n" + payload)
    out.flush()


def greeting(synth: Synth, load_ms: float) -> dict[str, Any]:
    """The first line: the engine that speaks, its voice and rate, and any fallback."""
    hello: dict[str, Any] = {
        "ok": True,
        "sample_rate": synth.sample_rate,
        "engine": getattr(synth, "engine", ""),
        "voice": getattr(synth, "voice", ""),
        "load_ms": round(load_ms, 1),
    }
    fallback = getattr(synth, "fallback", "")
    if fallback:
        hello["fallback"] = fallback
    return hello


def serve(synth_factory: Any, inp: BinaryIO, out: BinaryIO) -> int:
    """Answer requests on `inp` until it closes; see the module docstring for the protocol."""
    start = time.monotonic()
    try:
        synth = synth_factory()
    except (RuntimeError, OSError) as exc:
        _send(out, {"ok": False, "error": str(exc)})
        return 2
    _send(out, greeting(synth, (time.monotonic() - start) * 1000))
    for line in inp:
        try:
            text = json.loads(line)["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
        except (ValueError, KeyError, TypeError) as exc:
            _send(out, {"ok": False, "error": f"bad request: {exc}"})
            continue
        try:
            pcm = synth.synthesise(text)
        except (RuntimeError, OSError) as exc:
            _send(out, {"ok": False, "error": str(exc)})
            continue
        _send(out, {"ok": True, "bytes": len(pcm), "sample_rate": synth.sample_rate}, pcm)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The worker's options (see `assistant.speech.process.WorkerOptions`)."""
    parser = argparse.ArgumentParser(prog="python -m assistant.speech.worker")
    parser.add_argument("--engine", choices=("piper", "espeak"), default="piper")
    parser.add_argument("--voice", default="")
    parser.add_argument("--voices-dir", type=Path, default=None)
    parser.add_argument("--rate", type=int, default=NATURAL_RATE)
    parser.add_argument("--volume", type=float, default=1.0)
    parser.add_argument("--sentence-silence", type=float, default=0.2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--list-voices", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve synthesis requests on stdin/stdout, or list espeak-ng's voices."""
    args = parse_args(argv)
    if args.list_voices:
        list_voices()
        return 0
    exit_with_parent()  # a daemon killed, or gone by os._exit, leaves no worker behind
    return serve(lambda: load_engine(args), sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    sys.exit(main())
