"""Reports for the diff and trend tests: real ones from ``ke_rules.check`` on the demo, and small hand-made ones."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import ke_rules

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo.json"


@cache
def _real(ruleset: str, as_of: str) -> dict[str, Any]:
    return ke_rules.check(DEMO, ruleset, as_of).to_dict()


def real(ruleset: str, as_of: str) -> dict[str, Any]:
    """The demo snapshot checked at ``as_of`` as a report dict (a fresh copy: tests may edit it)."""
    return copy.deepcopy(_real(ruleset, as_of))


def finding(rule_id: str, subject_id: str, status: str = "open", *, message: str = "m",
            severity: str = "high") -> dict[str, Any]:
    return {"rule_id": rule_id, "severity": severity, "subject_type": "case", "subject_id": subject_id,
            "case_id": subject_id, "message": message, "evidence": {}, "basis": [], "status": status}


def made(as_of: str, findings: list[dict[str, Any]] | None = None, measures: list[dict[str, Any]] | None = None,
         *, params: dict[str, Any] | None = None, sha: str = "a" * 64, pseudonymized: bool | None = False,
         key_id: str | None = None) -> dict[str, Any]:
    """A report dict in the contract's shape; ``pseudonymized=None`` leaves the key out (an older report)."""
    inp: dict[str, Any] = {"source": "s.json", "sha256": "b" * 64, "tables": {}}
    if pseudonymized is not None:
        inp["pseudonymized"] = pseudonymized
        inp["pseudonym_key_id"] = key_id
    return {
        "schema_version": "1", "tool": {"name": "ke-rules", "version": "0.1.0", "engine": "columnar"},
        "as_of": as_of, "ruleset": {"name": "nasjonal", "extends": [], "sha256": sha, "params": params or {}},
        "input": inp, "summary": {"findings": 0, "waived": 0, "by_severity": {"high": 0, "medium": 0, "low": 0}},
        "measures": measures or [], "findings": findings or [], "input_problems": [],
    }


def measure(rule_id: str, population: int, findings: int, rate: float | None, **extra: Any) -> dict[str, Any]:
    return {"rule_id": rule_id, "population": population, "findings": findings,
            "compliant": population - findings, "rate": rate, **extra}
