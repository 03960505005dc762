"""Benchmarks: `python -m bench` runs them and prints figures side by side (not timed tests)."""
