"""Benchmarks: each hot path against a plain baseline, in the same run, with the ratio."""
