"""Benchmark ke-rules end to end against two peers, at several snapshot sizes.

    python3 benchmarks/run.py [--sizes 1000,10000,100000] [--format json|csv|xlsx] [--ruleset nasjonal]
                              [--seed 1] [--as-of 2026-11-23] [--data DIR] [--no-peer] [--no-reference]
                              [--no-bare] [--json RESULTS.json] [--repeat N]

For each size the synthetic snapshot (``ke_rules.tools.synth``) is generated once and cached under
``benchmarks/data/`` (gitignored). Then, each in its own process, so that the peak RSS is
that process's alone (``os.wait4``):

- ``ke-rules check SNAPSHOT --timings``: the stage times it prints (load, derive,
  evaluate, report), the process's wall time and peak RSS;
- ``benchmarks/duckdb_peer.py``: the same rules as hand-written DuckDB SQL;
- ``benchmarks/reference_script.py``: tests/reference.py in plain Python over the json
  snapshot read with the stdlib json module (the issue's yardstick: ke-rules end to end
  within 2x of it on 100,000 cases, in 1.5 GB);
- ``benchmarks/bare_script.py``: the rules as a capable analyst would script them (standard
  library only, one pass per table, dicts keyed by case id): the fair plain-Python yardstick,
  where the reference is the test oracle, written for obvious correctness rather than speed.

``--seed`` picks the synthetic snapshot (its cache file names the seed); every program reads
that same snapshot.

With ``--repeat N`` the programs take turns N times and the table shows each one's
median run (the wall times of every run are printed under it and kept in --json): single
runs on a shared two-core machine vary by 10 % or more, the reference's as much as ke-rules'.

The findings (rule, subject, severity) and populations of the peers must equal ke-rules'.
The plain-Python programs are compared on the rules both they and ke-rules' report have (the
intersection of rule ids, printed per size): the reference and the bare script have no
KE-SYSTEM-MONTHLY, and the bare script has the eight second-wave rules of rules.md, which
ke-rules may not have yet. A difference makes the run exit with code 1. The peers read the json
snapshot when --format is xlsx.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STAGE = re.compile(r"^\s*(\w+):\s+([\d.]+) s$")
SUBJECT_TABLES = ("cases", "coordinators", "groups", "meetings")
KE_RULES = "from ke_rules.cli import run; run()"  # the ke-rules command


def snapshot_path(data: Path, size: int, seed: int, as_of: dt.date, fmt: str) -> Path:
    stem = f"synth-{size}-seed{seed}-{as_of.isoformat()}"
    return data / (f"{stem}.{fmt}" if fmt in ("json", "xlsx") else f"{stem}-csv")


def ensure_snapshot(data: Path, size: int, seed: int, as_of: dt.date, fmts: set[str]) -> dict[str, Path]:
    """The cached snapshot files of one size (generated once, written in each format needed)."""
    paths = {f: snapshot_path(data, size, seed, as_of, f) for f in fmts}
    for path in paths.values():
        if not path.exists():
            tmp = path.with_name("tmp-" + path.name)  # same suffix: same format
            subprocess.run([sys.executable, "-c", KE_RULES, "synth", "--cases", str(size), "--seed", str(seed),
                            "--as-of", as_of.isoformat(), "--output", str(tmp)], check=True, cwd=ROOT)
            tmp.rename(path)
    return paths


def ruleset_info(name: str) -> tuple[dict, list[str]]:
    """The ruleset's parameters and enabled rules, asked of ke_rules in a child process: this
    process stays small, so a child's peak RSS (which on Linux includes the RSS it had when
    forked from this one) is its own."""
    code = ("import json, sys, ke_rules; rs = ke_rules.load_ruleset(sys.argv[1]); "
            "print(json.dumps([dict(rs.params), list(rs.rules)]))")
    out = subprocess.run([sys.executable, "-c", code, name], check=True, capture_output=True, text=True, cwd=ROOT)
    params, rules = json.loads(out.stdout)
    return params, rules


# Started by a small launcher, not by this process: on Linux a child forked from a big process starts
# with that process's RSS as its peak (this one holds a 100,000-case report after the first run), and
# the launcher is forked from it while still small. The launcher prints the wall time and peak RSS
# (of the program and of any process it forks) of the one program it runs.
LAUNCH = ("import os, subprocess, sys, time; t = time.perf_counter(); p = subprocess.Popen(sys.argv[1:]); "
          "_, status, usage = os.wait4(p.pid, 0); wall = time.perf_counter() - t; "
          "sys.stderr.write(f'\\nKE_BENCH {wall} {usage.ru_maxrss}\\n'); "
          "sys.exit(os.waitstatus_to_exitcode(status))")
MEASURED = re.compile(r"^KE_BENCH (\S+) (\d+)$", re.M)


def run_measured(cmd: list[str]) -> dict:
    """Run cmd; its wall time, peak RSS (MB: the program and the processes it forks) and the stage times
    on its stderr."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        proc = subprocess.run([sys.executable, "-c", LAUNCH, *cmd], stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        err.seek(0)
        text = err.read()
    measured = MEASURED.search(text)
    if proc.returncode != 0 or measured is None:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{text}")
    stages = {m.group(1): float(m.group(2)) for line in text.splitlines() if (m := STAGE.match(line))}
    return {"wall": float(measured.group(1)), "rss_mb": int(measured.group(2)) / 1024, "stages": stages}


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (the lower middle one of an even number), with every run's wall
    time and the highest peak RSS of them all."""
    ordered = sorted(runs, key=lambda r: r["wall"])
    middle = dict(ordered[(len(ordered) - 1) // 2])
    middle["walls"] = [round(r["wall"], 3) for r in runs]
    middle["rss_mb"] = max(r["rss_mb"] for r in runs)
    return middle


def ke_rules_result(report_path: Path) -> tuple[set, dict, int, int]:
    report = json.loads(report_path.read_text(encoding="utf-8"))
    bad = [p for p in report["input_problems"] if p["severity"] == "error"]
    if bad:
        raise SystemExit(f"the snapshot has input errors, the peers would not be comparable: {bad[:3]}")
    findings = {(f["rule_id"], f["subject_type"], f["subject_id"], f["severity"]) for f in report["findings"]}
    populations = {m["rule_id"]: m["population"] for m in report["measures"]}
    tables = report["input"]["tables"]
    rows = sum(t["rows"] for t in tables.values())
    subjects = sum(tables[t]["rows"] - tables[t]["set_aside"] for t in SUBJECT_TABLES if t in tables)
    return findings, populations, rows, subjects


def peer_result(path: Path, rules: set[str] | None = None) -> tuple[set, dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    findings = {tuple(f) for f in data["findings"] if rules is None or f[0] in rules}
    populations = {k: v for k, v in data["populations"].items() if rules is None or k in rules}
    return findings, populations


def compare_shared(name: str, mine: tuple[set, dict], theirs: tuple[set, dict]) -> tuple[bool, list[str], list[str]]:
    """Compare on the rules both reports have: (agree, the shared rule ids, the rules only the peer has)."""
    shared = set(mine[1]) & set(theirs[1])
    agree = compare(name, ({f for f in mine[0] if f[0] in shared}, {k: v for k, v in mine[1].items() if k in shared}),
                    ({f for f in theirs[0] if f[0] in shared}, {k: v for k, v in theirs[1].items() if k in shared}))
    return agree, sorted(shared), sorted(set(theirs[1]) - shared)


def compare(name: str, mine: tuple[set, dict], theirs: tuple[set, dict]) -> bool:
    if mine == theirs:
        return True
    only_mine, only_theirs = sorted(mine[0] - theirs[0]), sorted(theirs[0] - mine[0])
    pops = {k: (mine[1].get(k), theirs[1].get(k)) for k in set(mine[1]) | set(theirs[1])
            if mine[1].get(k) != theirs[1].get(k)}
    print(f"  DIFFERENCE ke-rules vs {name}: only ke-rules {only_mine[:5]} ({len(only_mine)}), "
          f"only {name} {only_theirs[:5]} ({len(only_theirs)}), populations {pops}", file=sys.stderr)
    return False


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark ke-rules against a DuckDB peer and two plain-Python programs.")
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated numbers of cases")
    ap.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
    ap.add_argument("--ruleset", default="nasjonal")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 23))
    ap.add_argument("--data", type=Path, default=HERE / "data", help="cache of generated snapshots")
    ap.add_argument("--no-peer", action="store_true", help="skip the DuckDB peer")
    ap.add_argument("--no-reference", action="store_true", help="skip the plain-Python reference")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare plain-Python script")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run the programs this many times, taking turns, and report each one's median run")
    args = ap.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.data.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    params, _rules = ruleset_info(args.ruleset)
    peer_fmt = "json" if args.format == "xlsx" else args.format
    results, agree_all = [], True
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for size in sizes:
            print(f"{size:,} cases ({args.format}, {args.ruleset}):", file=sys.stderr)
            needed = {args.format} | ({peer_fmt} if not args.no_peer else set()) | (
                {"json"} if not (args.no_reference and args.no_bare) else set())
            paths = ensure_snapshot(args.data, size, args.seed, args.as_of, needed)
            report = tmp / f"report-{size}.json"
            runs: dict[str, list[dict]] = {"ke_rules": [], "duckdb": [], "reference": [], "bare": []}
            row: dict = {"cases": size, "format": args.format, "ruleset": args.ruleset}
            for _ in range(max(1, args.repeat)):  # taking turns, so a busy spell of the machine hits them all
                runs["ke_rules"].append(run_measured([py, "-c", KE_RULES, "check", str(paths[args.format]),
                                                      "--ruleset", args.ruleset, "--as-of", args.as_of.isoformat(),
                                                      "--timings", "--output", str(report)]))
                mine_f, mine_p, rows, subjects = ke_rules_result(report)
                row.update(rows=rows, subjects=subjects, findings=len(mine_f))
                if not args.no_peer:
                    out = tmp / f"peer-{size}.json"
                    runs["duckdb"].append(run_measured([py, str(HERE / "duckdb_peer.py"), str(paths[peer_fmt]),
                                                        "--as-of", args.as_of.isoformat(), "--ruleset", args.ruleset,
                                                        "--output", str(out)]))
                    row["duckdb_agrees"] = row.get("duckdb_agrees", True) and compare(
                        "duckdb", (mine_f, mine_p), peer_result(out))
                    agree_all &= row["duckdb_agrees"]
                if not args.no_reference:
                    out = tmp / f"ref-{size}.json"
                    runs["reference"].append(run_measured([py, str(HERE / "reference_script.py"), str(paths["json"]),
                                                           "--as-of", args.as_of.isoformat(),
                                                           "--params", json.dumps(params), "--output", str(out)]))
                    agrees, row["reference_rules"], _ = compare_shared(
                        "reference", (mine_f, mine_p), peer_result(out))
                    row["reference_agrees"] = row.get("reference_agrees", True) and agrees
                    agree_all &= row["reference_agrees"]
                if not args.no_bare:
                    out = tmp / f"bare-{size}.json"
                    runs["bare"].append(run_measured([py, str(HERE / "bare_script.py"), str(paths["json"]),
                                                      "--as-of", args.as_of.isoformat(),
                                                      "--params", json.dumps(params), "--output", str(out)]))
                    agrees, row["bare_rules"], row["bare_only_rules"] = compare_shared(
                        "bare", (mine_f, mine_p), peer_result(out))
                    row["bare_agrees"] = row.get("bare_agrees", True) and agrees
                    agree_all &= row["bare_agrees"]
            for name in ("reference", "bare"):
                if f"{name}_rules" in row:
                    only = row.get(f"{name}_only_rules")
                    print(f"  {name} compared with ke-rules on {len(row[name + '_rules'])} rules"
                          + (f"; not compared (not in ke-rules' report): {', '.join(only)}" if only else ""),
                          file=sys.stderr)
            for name, measured in runs.items():
                if measured:
                    row[name] = median_run(measured)
            results.append(row)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0 if agree_all else 1


def print_table(results: list[dict]) -> None:
    head = (f"{'cases':>8} {'rows':>9} {'load':>7} {'derive':>7} {'eval':>7} {'report':>7} {'wall s':>7} "
            f"{'RSS MB':>7} {'subj/s':>8} | {'duckdb s':>8} {'RSS MB':>7} {'ke/db':>6} | {'ref s':>7} "
            f"{'RSS MB':>7} {'ke/ref':>6} | {'bare s':>7} {'RSS MB':>7} {'ke/bare':>7} | same")
    print(head)
    print("-" * len(head))
    for r in results:
        ke = r["ke_rules"]
        st = ke["stages"]
        line = (f"{r['cases']:>8,} {r['rows']:>9,} " + " ".join(f"{st.get(s, float('nan')):>7.2f}" for s in
                ("load", "derive", "evaluate", "report")) +
                f" {ke['wall']:>7.2f} {ke['rss_mb']:>7.0f} {r['subjects'] / ke['wall']:>8,.0f} |")
        if "duckdb" in r:
            db = r["duckdb"]
            line += f" {db['wall']:>8.2f} {db['rss_mb']:>7.0f} {ke['wall'] / db['wall']:>6.1f} |"
        else:
            line += f" {'-':>8} {'-':>7} {'-':>6} |"
        if "reference" in r:
            rf = r["reference"]
            line += f" {rf['wall']:>7.2f} {rf['rss_mb']:>7.0f} {ke['wall'] / rf['wall']:>6.2f} |"
        else:
            line += f" {'-':>7} {'-':>7} {'-':>6} |"
        if "bare" in r:
            br = r["bare"]
            line += f" {br['wall']:>7.2f} {br['rss_mb']:>7.0f} {ke['wall'] / br['wall']:>7.2f} |"
        else:
            line += f" {'-':>7} {'-':>7} {'-':>7} |"
        same = [name for name in ("duckdb", "reference", "bare") if r.get(f"{name}_agrees")]
        differ = [name for name in ("duckdb", "reference", "bare") if r.get(f"{name}_agrees") is False]
        line += " " + (", ".join(same) or "-") + (f"; DIFFERS: {', '.join(differ)}" if differ else "")
        print(line)
        if len(ke.get("walls", [])) > 1:
            print("         wall s of each run: " + "; ".join(
                f"{name} {', '.join(f'{w:.2f}' for w in r[name]['walls'])}"
                for name in ("ke_rules", "duckdb", "reference", "bare") if name in r))


if __name__ == "__main__":
    sys.exit(main())
