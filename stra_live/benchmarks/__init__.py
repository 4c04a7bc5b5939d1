"""Benchmarks behind `stra-bench`: each module prints figures and returns a JSON-able dict.

A benchmark module exposes ``add_arguments(parser)`` and ``run(args) -> dict``;
it prints human-readable lines as it goes, and the CLI prints the returned
dict as the last line, as one JSON object.
"""
