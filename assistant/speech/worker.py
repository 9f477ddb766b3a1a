"""The speech worker process: espeak-ng through pyttsx3's binding, isolated from the daemon.

pyttsx3's own espeak driver runs espeak-ng asynchronously and sometimes returns before the
audio exists (a WAV file is silently never written); here we drive the same binding in
espeak-ng's synchronous mode, so that a finished call means finished audio.
"""

from __future__ import annotations

import argparse
import ctypes
import subprocess
import sys
import tempfile
import wave
from pathlib import Path
from typing import Any


def synthesise(text: str, voice: str, rate: int, volume: float) -> tuple[bytes, int]:
    """Return 16-bit mono PCM for `text` and its sample rate."""
    from pyttsx3.drivers import _espeak

    sample_rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 500)
    if sample_rate <= 0:
        raise RuntimeError("espeak-ng could not be initialised")
    chunks: list[bytes] = []

    def on_audio(wav: Any, numsamples: int, _events: Any) -> int:
        if wav and numsamples > 0:
            chunks.append(ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short)))
        return 0

    _espeak.SetSynthCallback(on_audio)
    if voice:
        select_voice(voice)
    _espeak.SetParameter(_espeak.RATE, rate, 0)
    _espeak.SetParameter(_espeak.VOLUME, round(volume * 100), 0)
    _espeak.Synth(text, flags=_espeak.ENDPAUSE | _espeak.CHARS_UTF8)
    _espeak.Synchronize()
    return b"".join(chunks), sample_rate


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


def write_wav(path: Path, pcm: bytes, sample_rate: int) -> None:
    """Write PCM as a WAV file, atomically: a reader never sees half a file."""
    tmp = path.with_name(path.name + ".part")
    with wave.open(str(tmp), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(sample_rate)
        f.writeframes(pcm)
    tmp.replace(path)


def list_voices() -> None:
    """Print the installed voices, one `id<TAB>name<TAB>languages` line each."""
    from pyttsx3.drivers import _espeak

    _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 500)
    for voice in _espeak.ListVoices():
        print(f"{voice.identifier.decode()}\t{voice.name.decode()}\t{voice_language(voice)}")


def main(argv: list[str] | None = None) -> int:
    """Read text on stdin and speak it to the device, or to --out as a WAV file."""
    parser = argparse.ArgumentParser(prog="python -m assistant.speech.worker")
    parser.add_argument("--out", type=Path, help="write a WAV file here instead of playing")
    parser.add_argument("--voice", default="")
    parser.add_argument("--rate", type=int, default=165)
    parser.add_argument("--volume", type=float, default=1.0)
    parser.add_argument("--list-voices", action="store_true")
    args = parser.parse_args(argv)
    if args.list_voices:
        list_voices()
        return 0
    pcm, sample_rate = synthesise(sys.stdin.read(), args.voice, args.rate, args.volume)
    if args.out:
        write_wav(args.out, pcm, sample_rate)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        write_wav(wav, pcm, sample_rate)
        return subprocess.run(["aplay", "-q", str(wav)], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
