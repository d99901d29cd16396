"""Benchmarks: `make bench` runs every suite here and writes BENCHMARKS.md."""
