"""The data a report is made of, as pydantic models (the JSON report contract).

Field names and their order follow ``report-contract.md``; the JSON written by
:meth:`Report.to_json` is the contract, every other format renders it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from enum import StrEnum
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ke_rules.ingest.problems import PROBLEM_TEXT, SHOWN_CHARS, InputProblem, ProblemCode, Severity
from ke_rules.privacy.controls import escape_json_controls

__all__ = [  # the problem types are problems.py's, named here too for the modules that import them from here
    "PROBLEM_TEXT",
    "SHOWN_CHARS",
    "ProblemCode",
    "Severity",
    "SubjectType",
    "BasisKind",
    "Basis",
    "InputProblem",
    "Finding",
    "Waiver",
    "Measure",
    "MeasureByUnit",
    "TableCount",
    "RulesetInfo",
    "InputInfo",
    "Summary",
    "ToolInfo",
    "Report",
    "CoordinatorLoad",
    "SEVERITY_ORDER",
]


SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


class SubjectType(StrEnum):
    case = "case"
    coordinator = "coordinator"
    group = "group"
    meeting = "meeting"
    ke = "ke"
    routine = "routine"  # KE-SYSTEM-ROUTINES: subject_id is the task key, case_id null


class BasisKind(StrEnum):
    lov = "lov"
    forskrift = "forskrift"
    veileder = "veileder"
    lokal_rutine = "lokal_rutine"


class Basis(BaseModel):
    """One provision a rule rests on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    citation: str
    kind: BasisKind
    url: str | None = None


class Waiver(BaseModel):
    """The waiver (unntak) shown on a waived finding: the documented decision to accept it for a time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str
    decided_by: str
    decided_on: str  # ISO date
    expires_on: str  # ISO date: the waiver lapses the day after


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_id: str
    severity: Literal["high", "medium", "low"]
    subject_type: SubjectType
    subject_id: str
    case_id: str | None
    message: str
    evidence: dict[str, Any]
    basis: list[Basis]
    status: Literal["open", "waived"] = "open"
    waiver: Waiver | None = None  # the waiver that applies (null while open)


class Measure(BaseModel):
    rule_id: str
    population: int
    findings: int
    compliant: int
    rate: float | None
    waived: int = 0  # findings of the rule that a waiver applies to (counted in findings too)
    rate_after_waivers: float | None = None  # (compliant + waived) / population, rounded like rate


class MeasureByUnit(BaseModel):
    """One rule's measure over the subjects of one service unit (``measures_by_unit``)."""

    unit: str | None
    rule_id: str
    population: int
    findings: int
    compliant: int
    rate: float | None
    waived: int
    rate_after_waivers: float | None


class TableCount(BaseModel):
    rows: int
    set_aside: int


class RulesetInfo(BaseModel):
    name: str
    extends: list[str]
    sha256: str
    params: dict[str, Any]


class InputInfo(BaseModel):
    source: str
    sha256: str
    tables: dict[str, TableCount]
    pseudonymized: bool = False
    pseudonym_key_id: str | None = None  # first 12 hex digits of HMAC-SHA256(key, "ke-rules key id")
    waivers_sha256: str | None = None  # of the --waivers file's bytes


class Summary(BaseModel):
    findings: int
    waived: int
    by_severity: dict[str, int]


class ToolInfo(BaseModel):
    name: str = "ke-rules"
    version: str
    # which engine evaluated the rules (report-contract.md, "Which engine ran"): "durable-rules" or "columnar"
    engine: Literal["durable-rules", "columnar"] = "durable-rules"


class CoordinatorLoad(BaseModel):
    """One coordinator's counted active cases against their limit (for charts; not in the JSON)."""

    coordinator_id: str
    active_cases: int
    limit: int


class Report(BaseModel):
    """One evaluation's report. ``to_json()`` is the contract; ``findings_frame()`` is for analysis."""

    schema_version: str = "1"
    tool: ToolInfo
    as_of: str
    lang: Literal["nb", "en"] = Field(default="nb", exclude=True)
    ruleset: RulesetInfo
    input: InputInfo
    summary: Summary
    measures: list[Measure]
    findings: list[Finding]
    input_problems: list[InputProblem]
    measures_by_unit: list[MeasureByUnit] = Field(default_factory=list)
    coordinator_load: list[CoordinatorLoad] = Field(default_factory=list, exclude=True)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text, byte-for-byte the same for the same input, ruleset and as_of."""
        return self.to_json_bytes(indent).decode("utf-8")

    def to_json_bytes(self, indent: int | None = 2) -> bytes:
        """``to_json()`` encoded as UTF-8: the bytes of ``model_dump_json(indent=indent) + "\n"``.

        Written by orjson, which writes the same JSON as pydantic (the same float and
        string forms, raw UTF-8, the same two-space layout; tested) several times
        faster. Anything orjson would write differently or not at all (a subclass of
        Report or Finding, a value other than JSON's own types, an integer beyond 64
        bits, text that is not valid Unicode) is written by pydantic instead. Either way
        DEL and the C1 controls, which both leave raw, are written as ``\\u007f``-style
        escapes (:func:`~ke_rules.privacy.controls.escape_json_controls`): the same JSON data, and
        nothing in it that a terminal would act on when the report goes to stdout.
        """
        return b"".join(self.json_chunks(indent))

    def json_chunks(self, indent: int | None = 2, batch: int = 5_000) -> Iterator[bytes]:
        """:meth:`to_json_bytes` in pieces that join to exactly its bytes, the findings ``batch`` at a time.

        A national report is 180 MB of JSON for 200,000 findings; written piece by piece it
        never exists whole, nor does a tree of all its findings (peak memory at 100,000
        cases: docs/benchmarks.md). The report without its findings is written once with a
        placeholder where the findings go; each batch of findings is written as a list and
        indented one level deeper. A batch orjson cannot write as pydantic does is
        written by pydantic.
        """
        option = _ORJSON_INDENT.get(indent)
        head = None
        if option is not None and type(self) is Report:
            token = f"ke-rules-findings-{secrets.token_hex(8)}"
            try:
                head = orjson.dumps(self._json_tree(findings=token), default=_not_plain_json, option=option)
            except (orjson.JSONEncodeError, _NotPlainJson, KeyError, AttributeError):
                head = None  # pydantic writes the report, below
        placeholder = orjson.dumps(token) if head is not None else b""
        if head is None or head.count(placeholder) != 1:
            yield escape_json_controls((self.model_dump_json(indent=indent) + "\n").encode("utf-8"))
            return
        before, after = head.split(placeholder)
        yield escape_json_controls(before + b"[")
        findings = self.findings
        for start in range(0, len(findings), batch):
            part = findings[start:start + batch]
            if indent is None:
                yield (b"," if start else b"") + _findings_json(part, None)[1:-1]
            else:  # "[\n  {...},\n  {...}\n]": the items one level deeper
                items = _findings_json(part, indent)[2:-2]
                yield (b",\n  " if start else b"\n  ") + items.replace(b"\n", b"\n  ")
        yield escape_json_controls((b"\n  ]" if findings and indent is not None else b"]") + after)

    def _json_tree(self, findings: str) -> dict[str, Any]:
        """The report as plain JSON values in the order of ``model_dump_json``, ``findings`` in the findings' place."""
        rest = self.model_dump(mode="json", exclude={"findings"})
        tree: dict[str, Any] = {}
        for name in type(self).model_fields:
            if name == "findings":
                tree[name] = findings
            elif name in rest:
                tree[name] = rest.pop(name)
        if rest:  # a key pydantic writes that is no field: leave it to pydantic
            raise _NotPlainJson
        return tree

    def findings_frame(self) -> Any:
        """The findings as a pandas DataFrame, one row per finding (basis flattened)."""
        import pandas as pd

        columns = ["rule_id", "severity", "subject_type", "subject_id", "case_id", "message",
                   "basis_citation", "basis_kind", "basis_url", "status", "evidence",
                   "waiver_reason", "waiver_decided_by", "waiver_expires_on"]
        rows = [
            {
                "rule_id": f.rule_id, "severity": f.severity, "subject_type": str(f.subject_type),
                "subject_id": f.subject_id, "case_id": f.case_id, "message": f.message,
                "basis_citation": f.basis[0].citation if f.basis else None,
                "basis_kind": str(f.basis[0].kind) if f.basis else None,
                "basis_url": f.basis[0].url if f.basis else None,
                "status": f.status, "evidence": f.evidence,
                "waiver_reason": f.waiver.reason if f.waiver else None,
                "waiver_decided_by": f.waiver.decided_by if f.waiver else None,
                "waiver_expires_on": f.waiver.expires_on if f.waiver else None,
            }
            for f in self.findings
        ]
        return pd.DataFrame(rows, columns=columns)

    @property
    def has_errors_or_warnings(self) -> bool:
        return any(p.severity in (Severity.error, Severity.warning) for p in self.input_problems)


class _NotPlainJson(TypeError):
    """A report part orjson would not write as pydantic does."""


def _not_plain_json(value: Any) -> Any:
    """orjson's ``default``: refuse every type orjson does not write itself, so pydantic writes the report."""
    raise _NotPlainJson(type(value).__name__)


# orjson writes datetimes and dataclasses itself, not always as pydantic does: pass them to the default
_ORJSON_PLAIN = orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_ORJSON_INDENT: dict[int | None, int] = {2: _ORJSON_PLAIN | orjson.OPT_INDENT_2, None: _ORJSON_PLAIN}
_FINDING_KEYS = tuple(Finding.model_fields)


def _findings_tree(findings: list[Finding]) -> list[dict[str, Any]]:
    """The findings as ``model_dump(mode="json")`` would give them, each rule's basis dumped once.

    The evidence goes as it is (orjson refuses any value that is not plain JSON); enum
    members are written as their values by orjson as by pydantic.
    """
    if _FINDING_KEYS != ("rule_id", "severity", "subject_type", "subject_id", "case_id", "message",
                         "evidence", "basis", "status", "waiver"):
        raise _NotPlainJson("Finding's fields changed")
    dumped: dict[int, tuple[list[Basis], list[dict[str, Any]]]] = {}  # id(basis list) -> (the list, its dump)
    out: list[dict[str, Any]] = []
    append = out.append
    for f in findings:
        if f.__class__ is not Finding:
            raise _NotPlainJson(type(f).__name__)
        d = f.__dict__
        basis = d["basis"]
        entry = dumped.get(id(basis))
        if entry is None or entry[0] is not basis:
            if basis.__class__ is not list or any(b.__class__ is not Basis for b in basis):
                raise _NotPlainJson("basis")
            entry = dumped[id(basis)] = (basis, [b.model_dump(mode="json") for b in basis])
        evidence = d["evidence"]
        if evidence.__class__ is not dict:
            raise _NotPlainJson("evidence")
        append({
            "rule_id": d["rule_id"],
            "severity": d["severity"],
            "subject_type": d["subject_type"],
            "subject_id": d["subject_id"],
            "case_id": d["case_id"],
            "message": d["message"],
            "evidence": evidence,
            "basis": entry[1],
            "status": d["status"],
            "waiver": _waiver_tree(d["waiver"]),
        })
    return out


def _findings_json(findings: list[Finding], indent: int | None) -> bytes:
    """A list of findings as JSON (no final newline), controls escaped; by pydantic when orjson would differ."""
    try:
        data = orjson.dumps(_findings_tree(findings), default=_not_plain_json,
                            option=_ORJSON_INDENT[indent] & ~orjson.OPT_APPEND_NEWLINE)
    except (orjson.JSONEncodeError, _NotPlainJson, KeyError, AttributeError):
        data = _FINDINGS_LIST.dump_json(findings, indent=indent)
    return escape_json_controls(data)


_FINDINGS_LIST: TypeAdapter[list[Finding]] = TypeAdapter(list[Finding])


def _waiver_tree(waiver: Waiver | None) -> dict[str, str] | None:
    if waiver is None:
        return None
    if waiver.__class__ is not Waiver:
        raise _NotPlainJson("waiver")
    return {"reason": waiver.reason, "decided_by": waiver.decided_by, "decided_on": waiver.decided_on,
            "expires_on": waiver.expires_on}
