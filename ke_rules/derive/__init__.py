"""Step 2 of 4, derive: one fact per subject (case, coordinator, group, meeting, KE month) at the evaluation date.

Nothing is imported here: each module is imported where it is used, so that
loading one part of ke-rules does not load the others (``ke-rules --help`` stays fast).
"""
