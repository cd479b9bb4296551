"""ke-rules on a Dask cluster: split a snapshot by municipality, evaluate the parts, merge.

    pip install -e ".[scale]"
    python3 benchmarks/dask_example.py [--cases 3000] [--seed 1] [--as-of 2026-11-23]
                                       [--ruleset nasjonal] [--workers 2] [--scheduler tcp://HOST:8786]

Without --scheduler it starts a LocalCluster (processes, one thread each: durable-rules keeps
its rules in process-wide state, so one evaluation per process at a time). With --scheduler it
uses an existing cluster; the partition files must then be on a filesystem every worker sees.

The split (see docs/scaling.md): every case goes with its municipality (``cases.municipality``),
every other row with its case; a coordinator goes with the municipality of its cases, and
municipalities that share a coordinator are kept together (connected components), so each
coordinator's whole load is in one part. The KE's own meetings (``ke_meetings``) and
coordinators without any assignment go to the first part. Each part is an ordinary snapshot
file, evaluated with ``ke_rules.load_snapshot`` / ``ke_rules.evaluate``; the merged findings
are the union of the parts' findings, a rule's population the sum of the parts'. The script
checks that this equals one run over the whole snapshot.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

CASE_TABLES = ("services", "assignments", "groups", "meetings", "consents", "relatives", "referrals",
               "ip_reviews")
KE_TABLES = ("ke_meetings", "ke_routines")  # the KE's own (system level): evaluated once, in the first part


# --------------------------------------------------------------------------- splitting


def split_by_municipality(snapshot: dict[str, list[dict]]) -> dict[str, dict[str, list[dict]]]:
    """Canonical snapshot -> {part name: snapshot}; parts are municipalities, or groups of
    municipalities that share a coordinator."""
    municipality = {c["case_id"]: str(c.get("municipality") or "ukjent") for c in snapshot.get("cases", [])}
    parent = {m: m for m in set(municipality.values())}

    def find(m: str) -> str:
        while parent[m] != m:
            parent[m] = parent[parent[m]]
            m = parent[m]
        return m

    coordinator_home: dict[str, str] = {}
    for a in snapshot.get("assignments", []):
        m = municipality.get(a["case_id"])
        if m is None:
            continue
        seen = coordinator_home.setdefault(a["coordinator_id"], m)
        ra, rb = find(seen), find(m)
        if ra != rb:  # a coordinator working in two municipalities joins them
            parent[max(ra, rb)] = min(ra, rb)
    names = {m: "+".join(sorted(x for x in parent if find(x) == find(m))) for m in parent}
    first = min(names.values(), default="alle")
    parts: dict[str, dict[str, list[dict]]] = {}

    def part(name: str) -> dict[str, list[dict]]:
        return parts.setdefault(name, {t: [] for t in snapshot})

    for c in snapshot.get("cases", []):
        part(names[municipality[c["case_id"]]])["cases"].append(c)
    for table in CASE_TABLES:
        for row in snapshot.get(table, []):
            m = municipality.get(row.get("case_id"))
            part(names[m] if m is not None else first)[table].append(row)  # unknown case: an input error, kept
    for c in snapshot.get("coordinators", []):
        m = coordinator_home.get(c["coordinator_id"])
        part(names[m] if m is not None else first)["coordinators"].append(c)
    for table in KE_TABLES:
        for row in snapshot.get(table, []):
            part(first)[table].append(row)
    return dict(sorted(parts.items()))


def write_parts(parts: dict[str, dict[str, list[dict]]], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, snap in parts.items():
        path = folder / f"kommune-{name}.json"
        path.write_text(json.dumps(snap, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- evaluating


def evaluate_file(path: str, ruleset: str, as_of: str) -> dict:
    """One part, on a worker: the findings (as JSON-ready dicts), populations and row counts."""
    import ke_rules

    report = ke_rules.evaluate(ke_rules.load_snapshot(path), ruleset, as_of=as_of)
    data = json.loads(report.to_json())
    return {"findings": data["findings"],
            "populations": {m["rule_id"]: m["population"] for m in data["measures"]},
            "tables": data["input"]["tables"],
            "problems": [p for p in data["input_problems"] if p["severity"] in ("error", "warning")]}


def merge(results: list[dict]) -> dict:
    populations: dict[str, int] = {}
    tables: dict[str, dict[str, int]] = {}
    for r in results:
        for rule, n in r["populations"].items():
            populations[rule] = populations.get(rule, 0) + n
        for table, counts in r["tables"].items():
            acc = tables.setdefault(table, {"rows": 0, "set_aside": 0})
            acc["rows"] += counts["rows"]
            acc["set_aside"] += counts["set_aside"]
    findings = [f for r in results for f in r["findings"]]
    return {"findings": findings, "populations": populations, "tables": tables,
            "problems": [p for r in results for p in r["problems"]]}


def finding_keys(findings: list[dict]) -> list[str]:
    """Whole findings (rule, subject, case, severity, message, evidence, basis) as sortable keys."""
    return sorted(json.dumps(f, sort_keys=True, ensure_ascii=False) for f in findings)


def run_distributed(paths: list[Path], ruleset: str, as_of: str, client) -> dict:
    futures = [client.submit(evaluate_file, str(p), ruleset, as_of, pure=False) for p in paths]
    return merge(client.gather(futures))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", default="2026-11-23")
    ap.add_argument("--ruleset", default="nasjonal")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scheduler", help="address of an existing Dask scheduler (default: a LocalCluster)")
    ap.add_argument("--snapshot", type=Path, help="a canonical .json snapshot (default: ke_rules.tools.synth data)")
    args = ap.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    from ke_rules.tools.synth import generate

    as_of = dt.date.fromisoformat(args.as_of)
    if args.snapshot:
        snapshot = json.loads(args.snapshot.read_text(encoding="utf-8"))
    else:
        snapshot = generate(args.cases, seed=args.seed, as_of=as_of)
    with tempfile.TemporaryDirectory() as tmp:
        whole = Path(tmp) / "whole.json"
        whole.write_text(json.dumps(snapshot, ensure_ascii=False), encoding="utf-8")
        parts = split_by_municipality(snapshot)
        paths = write_parts(parts, Path(tmp) / "parts")
        print(f"{len(snapshot['cases'])} cases in {len(paths)} parts: "
              + ", ".join(f"{name} ({len(p['cases'])})" for name, p in parts.items()), file=sys.stderr)
        t0 = time.perf_counter()
        single = evaluate_file(str(whole), args.ruleset, args.as_of)
        t1 = time.perf_counter()
        if args.scheduler:
            client = Client(args.scheduler)
            cluster = None
        else:
            cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        try:
            t2 = time.perf_counter()
            merged = run_distributed(paths, args.ruleset, args.as_of, client)
            t3 = time.perf_counter()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    same = (finding_keys(merged["findings"]) == finding_keys(single["findings"])
            and merged["populations"] == single["populations"] and merged["tables"] == single["tables"])
    print(f"single run: {len(single['findings'])} findings in {t1 - t0:.1f} s; "
          f"{len(paths)} parts on Dask: {len(merged['findings'])} findings in {t3 - t2:.1f} s; "
          f"{'the same findings and populations' if same else 'DIFFERENT'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
