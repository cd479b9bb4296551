"""Step 1 of 4, load: read a snapshot (xlsx, csv, json) into checked tables, and the problems found.

Nothing is imported here: each module is imported where it is used, so that
loading one part of ke-rules does not load the others (``ke-rules --help`` stays fast).
"""
