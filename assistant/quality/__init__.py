"""Judges of what the model says, the sampling cascade's rules, and the skill evaluations."""
