"""Benchmarks: `make bench` (or `python -m bench`) writes docs/benchmarks.md."""
