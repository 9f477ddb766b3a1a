"""Quality: judges of generated text, exemplar banks, and the `eval skills` evaluators."""
