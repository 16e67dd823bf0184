"""Benchmarks: each ``bench_*.py`` module prints its figures beside a baseline."""
