#!/usr/bin/env python
"""Print how long the loader takes on the hostile and phantom workbooks (not a test: a measurement).

    python tests/corpus/time_hostile.py            # the corpus cases and a 1 GB zeros bomb
    python tests/corpus/time_hostile.py --big      # also the guard's cost on a 20,000-case workbook

Each case is read in a child process with a 3 GB memory limit and a 120 s timeout, so a
regression shows as a time, "killed" or "timeout" rather than taking this process down.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

import make_corpus as M  # noqa: E402

CHILD = """
import json, sys, time
from ke_rules.ingest.read import read_snapshot
from ke_rules.ingest.xlsx_guard import check_xlsx
from ke_rules.errors import InputRefused
path = sys.argv[1]
data = open(path, "rb").read()
t0 = time.perf_counter()
try:
    out = check_xlsx(path, data)
    guard, what = time.perf_counter() - t0, "rewritten" if out is not data else "passed"
except InputRefused as exc:
    guard, what = time.perf_counter() - t0, "refused: " + str(exc)[:90]
t1 = time.perf_counter()
try:
    raw = read_snapshot(path)
    outcome = "read " + ", ".join(f"{k} {len(v.frame)}" for k, v in raw.tables.items())
except InputRefused as exc:
    outcome = "refused"
print(json.dumps({"guard": guard, "guard_outcome": what, "load": time.perf_counter() - t1, "outcome": outcome}))
"""


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def measure(label: str, path: Path) -> None:
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                              timeout=120, preexec_fn=_limit, cwd=ROOT)
    except subprocess.TimeoutExpired:
        print(f"{label:38} TIMEOUT (> 120 s)")
        return
    if done.returncode:
        print(f"{label:38} exit {done.returncode}: {done.stderr.strip().splitlines()[-1:]}")
        return
    r = json.loads(done.stdout)
    print(f"{label:38} guard {r['guard']:7.3f} s ({r['guard_outcome'][:60]}); "
          f"read_snapshot {r['load']:7.3f} s ({r['outcome'][:60]})")


def main(argv: list[str]) -> int:
    for name in ["xlsx_base.xlsx", "xlsx_phantom_dimension.xlsx", "xlsx_phantom_blank_cell.xlsx",
                 "xlsx_far_value.xlsx", "xlsx_bomb.xlsx", "xlsx_lying_size.xlsx", "xlsx_billion_laughs_sst.xlsx"]:
        measure(name, HERE / name)
    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / "zeros_1gb.xlsx"
        M.zeros_bomb(bomb)
        measure(f"1 GB of zeros ({bomb.stat().st_size:,} bytes)", bomb)
        if "--big" in argv:
            sys.path.insert(0, str(ROOT))
            from ke_rules.tools import synth

            big = Path(tmp) / "synth_20000.xlsx"
            synth.write_snapshot(synth.generate(20_000), big)
            measure(f"synthetic 20,000 cases ({big.stat().st_size:,} bytes)", big)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
