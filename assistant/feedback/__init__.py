"""Feedback: utterances with ids, what `last`, `repeat` and `source` tell, and the ratings."""
