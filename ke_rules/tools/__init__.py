"""Tools around the checker: synthetic snapshots for tests and benchmarks.

Nothing is imported here: each module is imported where it is used, so that
loading one part of ke-rules does not load the others (``ke-rules --help`` stays fast).
"""
