"""Rules tested like code: each ruleset carries examples, and ``ke-rules rules test`` runs them.

As ``opa test`` and ``conftest verify`` do for policies, a ruleset file ``NAME.yaml``
may have a file ``NAME.examples.yaml`` beside it: for each rule a few rows of input
and the exact subjects the rule must find (every other subject it examines must pass)::

    KE-COORD-LOAD:
      - name: seks saker er én for mye
        params: {count_only_cases_with_ip: false}   # the parameters the example assumes
        input:
          cases: [{case_id: S-1}, ...]
          coordinators: [{coordinator_id: K-1}]
          assignments: [...]
        findings: [K-1]          # exactly these subject ids (an empty list: none)
        population: 1            # optional: the number of subjects examined
        severity: {K-1: medium}  # optional: the severity of some findings

Testing a ruleset runs its own examples and those of every ruleset it extends. An
inherited example runs with the tested ruleset's parameters overridden by the
example's ``params``, so it checks the rule's logic, not another municipality's
numbers; it is skipped (and said so) when the tested ruleset rewrote the rule's
conditions, since the example was written for the other ones. The input is read by the
same loader as a snapshot (a json document), so an example is also a small, valid
snapshot a KE can open.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ke_rules.errors import KeRulesError, RulesetError, did_you_mean
from ke_rules.rules.ruleset import Ruleset, load_ruleset

__all__ = ["Example", "ExampleResult", "examples_path", "load_examples", "run_examples"]

DEFAULT_AS_OF = dt.date(2026, 11, 23)


class Example(BaseModel):
    """One example of one rule: input rows and the exact findings they give."""

    model_config = ConfigDict(extra="forbid")

    name: str
    as_of: dt.date = DEFAULT_AS_OF
    params: dict[str, Any] = Field(default_factory=dict)
    input: dict[str, list[dict[str, Any]]]
    findings: list[str]
    population: int | None = None
    severity: dict[str, str] = Field(default_factory=dict)


@dataclass
class ExampleResult:
    """The outcome of one example: ``status`` is ``pass``, ``fail`` or ``skip``; ``why`` says what differed."""

    source: str  # the examples file's name
    rule_id: str
    name: str
    status: str
    why: str = ""


def examples_path(ruleset_file: str | Path) -> Path:
    """The examples file beside a ruleset file: ``lund.yaml`` -> ``lund.examples.yaml``."""
    p = Path(ruleset_file)
    return p.with_name(p.stem + ".examples.yaml")


def load_examples(path: Path) -> dict[str, list[Example]]:
    """The examples of one file, by rule id; a mistake is a :class:`RulesetError` naming the file."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(f"cannot read the examples file: {exc}", file=str(path)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise RulesetError(f"not valid YAML: {exc.problem}", file=str(path),
                           line=mark.line + 1 if mark else None) from None
    if not isinstance(doc, dict):
        raise RulesetError("expected a mapping from rule id to a list of examples", file=str(path), line=1)
    out: dict[str, list[Example]] = {}
    for rule_id, items in doc.items():
        if not isinstance(items, list):
            raise RulesetError(f"{rule_id}: expected a list of examples", file=str(path))
        try:
            out[str(rule_id)] = [Example.model_validate(item) for item in items]
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(x) for x in err["loc"])
            raise RulesetError(f"{rule_id}: example {where}: {err['msg']}", file=str(path)) from None
    return out


def _chain(ruleset: Ruleset) -> list[Path]:
    """The ruleset files of the tested ruleset, base first (``Ruleset.sources`` order)."""
    return [Path(s) for s in ruleset.sources]


def run_examples(ruleset_name: str | Path = "nasjonal") -> list[ExampleResult]:
    """Run the examples of a ruleset and of every ruleset it extends; one result per example."""
    from ke_rules import evaluate, load_snapshot  # the whole pipeline, as a user runs it

    ruleset = load_ruleset(ruleset_name)
    own = Path(ruleset.sources[-1])
    changed = _rewritten_rules(ruleset)
    results: list[ExampleResult] = []
    variants: dict[bytes, Ruleset] = {}  # the tested ruleset with an example's params, by params
    with tempfile.TemporaryDirectory(prefix="ke-rules-examples-") as tmp:
        for source in _chain(ruleset):
            path = examples_path(source)
            if not path.is_file():
                continue
            inherited = source != own
            for rule_id, examples in load_examples(path).items():
                known = set(ruleset.rules) | set(ruleset.disabled)
                if rule_id not in known:
                    raise RulesetError(f"examples for '{rule_id}', which is not a rule of '{ruleset.name}'."
                                       + did_you_mean(rule_id, sorted(known)), file=str(path))
                for example in examples:
                    if rule_id in ruleset.disabled:
                        results.append(ExampleResult(path.name, rule_id, example.name, "skip",
                                                     f"the rule is switched off in '{ruleset.name}'"))
                        continue
                    if inherited and rule_id in changed:
                        results.append(ExampleResult(path.name, rule_id, example.name, "skip",
                                                     f"'{ruleset.name}' rewrites the rule's conditions"))
                        continue
                    results.append(_run_one(path, rule_id, example, ruleset_name, ruleset, Path(tmp),
                                            evaluate, load_snapshot, variants))
    return results


def _rewritten_rules(ruleset: Ruleset) -> set[str]:
    """Rules whose conditions the last file of the chain sets itself (not only severity, basis or texts)."""
    if len(ruleset.sources) < 2:
        return set()
    doc = yaml.safe_load(Path(ruleset.sources[-1]).read_text(encoding="utf-8")) or {}
    logic = {"applies_to", "when", "subject", "severity_when"}
    return {rule_id for rule_id, body in (doc.get("rules") or {}).items()
            if isinstance(body, dict) and logic & set(body)}


def _run_one(path: Path, rule_id: str, example: Example, ruleset_name: str | Path, base: Ruleset,
             tmp: Path, evaluate: Any, load_snapshot: Any, _cache: dict[bytes, Ruleset]) -> ExampleResult:
    def result(status: str, why: str = "") -> ExampleResult:
        return ExampleResult(path.name, rule_id, example.name, status, why)

    unknown = sorted(set(example.params) - set(base.params))
    if unknown:
        return result("fail", f"unknown parameter '{unknown[0]}'." + did_you_mean(unknown[0], base.params))
    ruleset = base
    if example.params:
        key = orjson.dumps(example.params, option=orjson.OPT_SORT_KEYS)
        if key not in _cache:
            _cache[key] = _with_params(ruleset_name, base, example.params, tmp)
        ruleset = _cache[key]
    snapshot_file = tmp / "example.json"
    snapshot_file.write_bytes(orjson.dumps(example.input, default=str))
    try:
        report = evaluate(load_snapshot(snapshot_file), ruleset, as_of=example.as_of)
    except KeRulesError as exc:
        return result("fail", f"the example's input could not be used: {exc}")
    errors = [p for p in report.input_problems if p.severity == "error"]
    if errors:
        p = errors[0]
        return result("fail", f"the example's input has an error: {p.table} row {p.row} {p.column}: {p.problem}")
    got = sorted((f.subject_id for f in report.findings if f.rule_id == rule_id), key=str)
    want = sorted(example.findings, key=str)
    if got != want:
        return result("fail", f"expected findings {want}, got {got}")
    if example.population is not None:
        measure = next(m for m in report.measures if m.rule_id == rule_id)
        if measure.population != example.population:
            return result("fail", f"expected population {example.population}, got {measure.population}")
    severities = {f.subject_id: f.severity for f in report.findings if f.rule_id == rule_id}
    for subject, level in example.severity.items():
        if severities.get(subject) != level:
            return result("fail", f"expected {subject} at severity {level}, got {severities.get(subject)}")
    return result("pass")


def _with_params(ruleset_name: str | Path, base: Ruleset, params: dict[str, Any], tmp: Path) -> Ruleset:
    """The tested ruleset with some parameters set, as a municipal file extending it would set them."""
    target = Path(base.sources[-1])
    doc = {"name": base.name, "extends": str(target), "params": params}
    path = tmp / "example-params.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return load_ruleset(path)
