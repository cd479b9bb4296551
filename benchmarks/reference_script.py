"""A plain-Python run of the rules: the yardstick of the issue's acceptance criterion.

Loads a .json snapshot with the standard library's json module and evaluates it with
tests/reference.py (rules.md written row by row in plain Python, no pandas, no engine).
The one step it borrows is the documented service vocabulary (ke_rules/ingest/vocabulary.py,
loaded as a single file, without the package) to fill an empty service category, as the
loader does.

    python3 benchmarks/reference_script.py SNAPSHOT.json --as-of 2026-11-23 [--params JSON] [--output F.json]

prints ``load:`` and ``evaluate:`` times on stderr and writes {"findings": [[rule_id,
subject_type, subject_id, severity], ...], "populations": {rule_id: n}}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reference import reference_evaluate  # noqa: E402  (plain Python, no ke_rules import)


def _vocabulary():
    spec = importlib.util.spec_from_file_location("_ke_vocabulary", ROOT / "ke_rules" / "ingest" / "vocabulary.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SERVICE_CATEGORIES, module.normalise_name


def load(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        snapshot = json.load(fh)
    categories, normalise = _vocabulary()
    for row in snapshot.get("services") or []:
        if not row.get("category"):
            row["category"] = categories.get(normalise(row["service"]), "annet")
    return snapshot


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("snapshot")
    ap.add_argument("--as-of", required=True, type=dt.date.fromisoformat)
    ap.add_argument("--params", default="{}", help="ruleset parameters as JSON (default: nasjonal's)")
    ap.add_argument("--output", type=Path)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    snapshot = load(args.snapshot)
    t1 = time.perf_counter()
    out = reference_evaluate(snapshot, args.as_of, json.loads(args.params))
    t2 = time.perf_counter()
    print(f"{'load':>9}: {t1 - t0:8.3f} s\n{'evaluate':>9}: {t2 - t1:8.3f} s", file=sys.stderr)
    if args.output:
        args.output.write_text(json.dumps({"findings": sorted(out["findings"]),
                                           "populations": out["populations"]}), encoding="utf-8")
    print(f"reference: {len(out['findings'])} findings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
