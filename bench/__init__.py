"""Benchmarks of the comment service: ``python -m bench.run`` (not part of the tests)."""
