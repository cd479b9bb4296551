"""Step 3 of 4, evaluate: the rule engines (durable-rules and the columnar evaluator) and their cross-check.

Nothing is imported here: each module is imported where it is used, so that
loading one part of ke-rules does not load the others (``ke-rules --help`` stays fast).
"""
