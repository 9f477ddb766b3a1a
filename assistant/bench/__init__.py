"""Benchmarks: each reports ratios against a baseline run in the same process."""
