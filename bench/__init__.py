"""Benchmarks of the real server (see bench/run.py)."""
