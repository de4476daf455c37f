"""Benchmarks: our daemon against the real C slurmrestd (see bench/README.md)."""
