"""Benchmarks: ``python -m benchmarks [name ...]`` (``make bench``).

Every figure is printed with a ratio to a floor measured in the same run, because absolute
timings on shared machines are noise. Each module exposes ``main(argv) -> None``; modules whose
name starts with ``_`` are helpers.
"""
