"""Is there a sound card to play on? Checked once at start."""

from __future__ import annotations

from pathlib import Path


def playback_device_present(snd_dir: Path = Path("/dev/snd")) -> bool:
    """True when ALSA exposes at least one playback PCM device (pcmC*D*p)."""
    try:
        return any(p.name.startswith("pcmC") and p.name.endswith("p") for p in snd_dir.iterdir())
    except OSError:
        return False
