"""Step 4 of 4, report: the report models, building the report, and rendering it (json, csv, xlsx, html, md).

Nothing is imported here: each module is imported where it is used, so that
loading one part of ke-rules does not load the others (``ke-rules --help`` stays fast).
"""
