"""Benchmarks: each module documents its command; results are in BENCHMARKS.md."""
