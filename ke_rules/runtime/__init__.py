"""How a run uses the machine: the second core, the garbage collector, progress, atomic writes.

Nothing is imported here: each module is imported where it is used, so that
loading one part of ke-rules does not load the others (``ke-rules --help`` stays fast).
"""
