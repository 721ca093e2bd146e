"""Benchmarks of Jingwu (run as modules: `python -m bench.bench_intake`); not part of the application."""
