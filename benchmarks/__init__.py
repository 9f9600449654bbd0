"""Benchmarks: `make bench` runs them and writes benchmarks/results/{results.json,results.md}."""
