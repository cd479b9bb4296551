"""Rulesets as data: loading and inheritance, the condition language, message templates, rule examples.

Nothing is imported here: each module is imported where it is used, so that
loading one part of ke-rules does not load the others (``ke-rules --help`` stays fast).
"""
