"""The data a report is made of, as pydantic models (the JSON report contract).

Field names and their order follow ``report-contract.md``; the JSON written by
:meth:`Report.to_json` is the contract, every other format renders it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .controls import escape_json_controls
from .privacy import mask_and_clip
from .values import ProblemCode, show_hidden

__all__ = [
    "Severity",
    "SubjectType",
    "BasisKind",
    "Basis",
    "InputProblem",
    "Finding",
    "Measure",
    "TableCount",
    "RulesetInfo",
    "InputInfo",
    "Summary",
    "ToolInfo",
    "Report",
    "CoordinatorLoad",
    "SEVERITY_ORDER",
]


class Severity(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"
    error = "error"
    warning = "warning"
    notice = "notice"


SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


class SubjectType(StrEnum):
    case = "case"
    coordinator = "coordinator"
    group = "group"
    meeting = "meeting"
    ke = "ke"


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


SHOWN_CHARS = 200  # an input problem shows at most this much of a value (then "…")

PROBLEM_TEXT: dict[ProblemCode, tuple[str, str]] = {
    ProblemCode.REQUIRED_EMPTY: ("påkrevd verdi mangler", "required value is empty"),
    ProblemCode.NOT_A_DATE: ("ikke en dato (skriv 31.12.2025 eller 2025-12-31)", "not a date (write 31.12.2025 or 2025-12-31)"),
    ProblemCode.AMBIGUOUS_DATE: ("tvetydig dato (tosifret år eller skråstrek); skriv 31.12.2025", "ambiguous date (two-digit year or slashes); write 31.12.2025"),
    ProblemCode.NUMBER_NOT_DATE: ("et tall, ikke en dato (Excel-serienummer som tall eller tekst godtas ikke)", "a number, not a date (Excel serial numbers as numbers or text are not accepted)"),
    ProblemCode.IMPOSSIBLE_DATE: ("datoen finnes ikke", "impossible date"),
    ProblemCode.NOT_A_BOOL: ("ikke ja/nei", "not yes/no"),
    ProblemCode.NOT_AN_INT: ("ikke et helt tall", "not a whole number"),
    ProblemCode.NEGATIVE_INT: ("negativt tall", "negative number"),
    ProblemCode.NOT_IN_LIST: ("ikke en av de tillatte verdiene", "not one of the allowed values"),
    ProblemCode.NOT_A_VALUE: ("ikke en enkeltverdi som kan brukes her (f.eks. ja/nei der en id skal stå)", "not a single value that can be used here (e.g. yes/no where an id belongs)"),
    ProblemCode.DUPLICATE_ID: ("id-en finnes på en tidligere rad; den første raden beholdes", "id repeats an earlier row's; the first row is kept"),
    ProblemCode.UNKNOWN_CASE: ("saken finnes ikke i tabellen cases", "case not found in the cases table"),
    ProblemCode.CASE_SET_ASIDE: ("saken er satt til side på grunn av feil", "the case was set aside for an error"),
    ProblemCode.UNKNOWN_COORDINATOR: ("koordinatoren finnes ikke i tabellen coordinators", "coordinator not found in the coordinators table"),
    ProblemCode.END_BEFORE_START: ("sluttdato før startdato", "end before start"),
    ProblemCode.NOT_A_ROW: ("raden kan ikke leses", "the row cannot be read"),
    ProblemCode.UNKNOWN_SERVICE: ("ukjent tjenestenavn uten kategori; regnes som 'annet'", "unknown service name without a category; counted as 'annet'"),
    ProblemCode.HELD_IN_FUTURE: ("møtet står som avholdt, men datoen er etter vurderingsdatoen; regnes som planlagt", "meeting marked held but dated after the evaluation date; taken as planned"),
    ProblemCode.PLANNED_IN_PAST: ("møtet står som planlagt, men datoen er passert; status må oppdateres (regnes ikke som avholdt)", "meeting marked planned but its date has passed; its status needs updating (not counted as held)"),
    ProblemCode.TWO_ACTIVE_GROUPS: ("saken har to aktive ansvarsgrupper; begge vurderes", "the case has two active responsibility groups; both are evaluated"),
    ProblemCode.UNKNOWN_COLUMN: ("ukjent kolonne; ignoreres", "unknown column; ignored"),
    ProblemCode.UNKNOWN_TABLE: ("ukjent ark eller tabell; ignoreres", "unknown sheet or table; ignored"),
    ProblemCode.ABSENT_TABLE: ("tabellen mangler; regnes som tom", "table absent; taken as no rows"),
    ProblemCode.EXTRA_CELLS: ("verdier utenfor siste kolonne ignoreres", "values beyond the last column are ignored"),
    ProblemCode.IDENTITY_NUMBER: ("fødselsnummer, D- eller H-nummer funnet (antall celler: {detail}); maskert i alle utdata", "personal identity number (fødselsnummer, D- or H-number) found (cells: {detail}); masked in every output"),
    ProblemCode.EXCEL_ERROR: ("en Excel-feilverdi (som #N/A eller #REF!), ikke en verdi", "an Excel error value (such as #N/A or #REF!), not a value"),
    ProblemCode.INVISIBLE_CHARACTER: ("usynlige tegn (som nullbredde-mellomrom) er fjernet fra verdien", "invisible characters (such as a zero-width space) were removed from the value"),
    ProblemCode.INVALID_TEXT: ("ugyldig tekst (et halvt tegn, ofte fra kopiering mellom programmer)", "invalid text (half a character, often from copying between programs)"),
    ProblemCode.INT_OUT_OF_RANGE: ("tallet er utenfor gyldig område", "the number is out of range"),
    ProblemCode.STRAY_BYTE: ("et tegn som ikke er UTF-8 i en UTF-8-fil; lest som Windows-1252", "a byte that is not UTF-8 in a UTF-8 file; read as Windows-1252"),
    ProblemCode.MERGED_CELLS: ("sammenslåtte celler; verdien gjelder hver rad området dekker", "merged cells; the value applies to every row the range covers"),
}


class InputProblem(BaseModel):
    """One problem with the input: where it is, what the value was, what happened."""

    model_config = ConfigDict(extra="forbid")

    table: str
    row: int | None
    column: str | None
    value: str | None
    problem: str = ""
    severity: Severity
    code: ProblemCode
    detail: str | None = Field(default=None, exclude=True)

    @field_validator("table", "column", "value", "detail", mode="before")
    @classmethod
    def _mask(cls, v: Any) -> Any:
        """Shown safely: invisible characters and half characters escaped, identity numbers masked,
        and only then cut to ``SHOWN_CHARS`` (a cut first could leave most of a number unmasked)."""
        if v is None:
            return None
        text = v if isinstance(v, str) else str(v)
        return mask_and_clip(show_hidden(text), SHOWN_CHARS)

    def text(self, lang: str = "nb") -> str:
        base = PROBLEM_TEXT[self.code][0 if lang == "nb" else 1]
        if "{detail}" in base:  # the detail belongs inside the text, e.g. a count
            return base.replace("{detail}", self.detail or "?")
        return f"{base} ({self.detail})" if self.detail else base


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


class Measure(BaseModel):
    rule_id: str
    population: int
    findings: int
    compliant: int
    rate: float | None


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
        escapes (:func:`~ke_rules.controls.escape_json_controls`): the same JSON data, and
        nothing in it that a terminal would act on when the report goes to stdout.
        """
        option = _ORJSON_INDENT.get(indent)
        if option is not None and type(self) is Report:
            try:
                return escape_json_controls(orjson.dumps(self._json_tree(), default=_not_plain_json, option=option))
            except (orjson.JSONEncodeError, _NotPlainJson, KeyError, AttributeError):
                pass  # e.g. a model_construct()ed finding without a field: pydantic says what it says
        return escape_json_controls((self.model_dump_json(indent=indent) + "\n").encode("utf-8"))

    def _json_tree(self) -> dict[str, Any]:
        """The report as plain JSON values in the order of ``model_dump_json``; findings without pydantic."""
        rest = self.model_dump(mode="json", exclude={"findings"})
        tree: dict[str, Any] = {}
        for name in type(self).model_fields:
            if name == "findings":
                tree[name] = _findings_tree(self.findings)
            elif name in rest:
                tree[name] = rest.pop(name)
        if rest:  # a key pydantic writes that is no field: leave it to pydantic
            raise _NotPlainJson
        return tree

    def findings_frame(self) -> Any:
        """The findings as a pandas DataFrame, one row per finding (basis flattened)."""
        import pandas as pd

        columns = ["rule_id", "severity", "subject_type", "subject_id", "case_id", "message",
                   "basis_citation", "basis_kind", "basis_url", "status", "evidence"]
        rows = [
            {
                "rule_id": f.rule_id, "severity": f.severity, "subject_type": str(f.subject_type),
                "subject_id": f.subject_id, "case_id": f.case_id, "message": f.message,
                "basis_citation": f.basis[0].citation if f.basis else None,
                "basis_kind": str(f.basis[0].kind) if f.basis else None,
                "basis_url": f.basis[0].url if f.basis else None,
                "status": f.status, "evidence": f.evidence,
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
                         "evidence", "basis", "status"):
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
        })
    return out
