"""What must not leave: identity numbers (masked), pseudonyms for ids, control characters (escaped).

Nothing is imported here: each module is imported where it is used, so that
loading one part of ke-rules does not load the others (``ke-rules --help`` stays fast).
"""
