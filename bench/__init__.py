"""Benchmarks that print their figures (run them as scripts: ``python bench/engine.py``)."""
