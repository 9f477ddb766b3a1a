"""Quality: judges of generated text and the evaluators that run them over eval sets."""
