"""Turning text into speech: the speaker protocol, the espeak worker and the sinks."""
