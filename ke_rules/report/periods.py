"""Reading finished JSON reports back in, to compare periods (``ke-rules diff`` and ``trend``).

The internal-control cycle compares this quarter's report with the last one. The reports
are read as JSON (the contract, report-contract.md), not re-evaluated, so a report written
by an older ke-rules, or on another machine, can be compared with today's. What is read is
validated just enough to refuse anything that is not a ke-rules report with a clear
message, and every refusal the contract names is made here, once, for both commands:

- a file that is missing, not JSON, or JSON that is not a ke-rules report (a diff's or a
  trend's own output included);
- reports with different ``schema_version`` (or one this version cannot read);
- one report pseudonymised and the other not, or pseudonymised with different keys
  (``input.pseudonym_key_id``): their ids would not match, and every finding would look
  new and resolved at once.

Reports written before the second-wave additions are accepted: a missing
``input.pseudonymized`` gives the note ``pseudonymization_unchecked``; a missing
``waived`` counts 0 and a missing ``rate_after_waivers`` equals ``rate``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ke_rules.errors import KeRulesError

__all__ = [
    "ReportSource",
    "ComparisonRefused",
    "LoadedReport",
    "LoadedFinding",
    "LoadedMeasure",
    "load_report",
    "comparable",
    "round_rate",
    "NOTE_CODES",
]

# what diff() and trend() accept for one report: a path, a parsed JSON dict, or a Report model
ReportSource = str | os.PathLike[str] | dict[str, Any] | BaseModel

SCHEMA_VERSION = "1"

# notes the renderings show at the top (and the CLI on stderr); codes, worded at rendering
NOTE_CODES = ("ruleset_changed", "pseudonymization_unchecked", "pseudonym_key_unchecked")


class ComparisonRefused(KeRulesError):
    """The reports cannot be compared (exit 2): not a report, or not comparable with the other."""


def _msg(lang: str, nb: str, en: str) -> str:
    return en if lang == "en" else nb


class PeriodsOutput(BaseModel):
    """What diff and trend share: their JSON form, control characters escaped as in the report."""

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_json_bytes(self, indent: int | None = 2) -> bytes:
        """The JSON form, UTF-8, with a final line break; control characters escaped as in the report."""
        from ke_rules.privacy.controls import escape_json_controls

        return escape_json_controls((self.model_dump_json(indent=indent) + "\n").encode("utf-8"))

    def to_json(self, indent: int | None = 2) -> str:
        return self.to_json_bytes(indent).decode("utf-8")


class LoadedFinding(BaseModel):
    """A finding as diff needs it; the rest of a report's finding (evidence, basis) is not compared."""

    model_config = ConfigDict(extra="ignore")

    rule_id: str
    subject_type: str
    subject_id: str
    case_id: str | None = None
    severity: str
    message: str
    status: Literal["open", "waived"] = "open"


class LoadedMeasure(BaseModel):
    """A rule's measure; ``waived`` and ``rate_after_waivers`` default as for a report written before them."""

    model_config = ConfigDict(extra="ignore")

    rule_id: str
    population: int
    findings: int
    rate: float | None
    waived: int = 0
    rate_after_waivers: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _rate_after_waivers_defaults_to_rate(cls, data: Any) -> Any:
        if isinstance(data, dict) and "rate_after_waivers" not in data:
            data = {**data, "rate_after_waivers": data.get("rate")}
        return data


class _Ruleset(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    sha256: str
    params: dict[str, Any] = {}


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore")

    pseudonymized: bool | None = None
    pseudonym_key_id: str | None = None


class _Tool(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str


class _Report(BaseModel):
    """The keys of a ke-rules report that diff and trend read; the rest is ignored."""

    model_config = ConfigDict(extra="ignore")

    schema_version: str
    tool: _Tool | None = None
    as_of: str
    ruleset: _Ruleset
    input: _Input | None = None
    measures: list[LoadedMeasure]
    findings: list[LoadedFinding]

    @field_validator("as_of")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        try:
            if len(value) != 10:
                raise ValueError
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("as_of is not a date as YYYY-MM-DD") from None
        return value


class LoadedReport(BaseModel):
    """One report, read and checked: what diff and trend compare."""

    label: str  # the file name, or what the caller called it, for messages
    schema_version: str
    as_of: str
    ruleset_name: str
    ruleset_sha256: str
    params: dict[str, Any]
    pseudonymized: bool | None  # None: written before the key existed, cannot be checked
    pseudonym_key_id: str | None
    measures: list[LoadedMeasure]
    findings: list[LoadedFinding]


def _label(source: ReportSource, fallback: str) -> str:
    if isinstance(source, str | os.PathLike):
        return str(source)
    return fallback


def _read(source: ReportSource, label: str, lang: str) -> Any:
    """The source as parsed JSON data; a missing, unreadable or non-JSON file refused."""
    if isinstance(source, BaseModel):
        return source.model_dump(mode="json")
    if isinstance(source, dict):
        return source
    if not isinstance(source, str | os.PathLike):
        raise ComparisonRefused(_msg(
            lang, f"{label}: ventet en filsti eller en rapport, fikk {type(source).__name__}.",
            f"{label}: expected a file path or a report, got {type(source).__name__}."))
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ComparisonRefused(_msg(lang, f"{label} finnes ikke. Gi stien til en JSON-rapport fra «ke-rules check».",
                                     f"{label} does not exist. Give the path of a JSON report from "
                                     "'ke-rules check'.")) from None
    except IsADirectoryError:
        raise ComparisonRefused(_msg(lang, f"{label} er en mappe, ikke en JSON-rapport fra «ke-rules check».",
                                     f"{label} is a folder, not a JSON report from 'ke-rules check'.")) from None
    except OSError as exc:
        raise ComparisonRefused(_msg(lang, f"kan ikke lese {label}: {exc.strerror or exc}.",
                                     f"cannot read {label}: {exc.strerror or exc}.")) from None
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ComparisonRefused(_msg(
            lang, f"{label} er ikke en ke-rules-rapport: filen er ikke JSON. Sammenlign JSON-rapporter "
                  "(«ke-rules check … --format json»), ikke xlsx-, html- eller csv-rapporter eller inndata.",
            f"{label} is not a ke-rules report: the file is not JSON. Compare JSON reports "
            "('ke-rules check … --format json'), not xlsx, html or csv reports or input files.")) from None


def _where(exc: ValidationError, lang: str) -> str:
    """The first thing wrong, as "mangler measures" / "findings.3.rule_id: Input should be a valid string"."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(top)"
    if err["type"] == "missing":
        return _msg(lang, f"mangler {loc}", f"{loc} is missing")
    return f"{loc}: {err['msg']}"


def load_report(source: ReportSource, *, label: str = "report", lang: str = "nb") -> LoadedReport:
    """Read one report (path, dict or Report) and check it is a ke-rules report; else :class:`ComparisonRefused`."""
    label = _label(source, label)
    data = _read(source, label, lang)
    not_report = _msg(lang, f"{label} er ikke en ke-rules-rapport", f"{label} is not a ke-rules report")
    if not isinstance(data, dict):
        raise ComparisonRefused(_msg(lang, f"{not_report}: JSON-innholdet er ikke et objekt.",
                                     f"{not_report}: the JSON is not an object."))
    if "kind" in data and "schema_version" in data:
        kind = data.get("kind")
        raise ComparisonRefused(_msg(
            lang, f"{not_report}, men en sammenligning (kind «{kind}»); gi rapportene fra «ke-rules check».",
            f"{not_report} but a comparison (kind '{kind}'); give the reports from 'ke-rules check'."))
    try:
        parsed = _Report.model_validate(data)
    except ValidationError as exc:
        raise ComparisonRefused(f"{not_report} ({_where(exc, lang)}).") from None
    if parsed.tool is not None and parsed.tool.name != "ke-rules":
        raise ComparisonRefused(_msg(lang, f"{not_report}: den er laget av «{parsed.tool.name}».",
                                     f"{not_report}: it was made by '{parsed.tool.name}'."))
    pseudo = parsed.input.pseudonymized if parsed.input is not None else None
    return LoadedReport(
        label=label, schema_version=parsed.schema_version, as_of=parsed.as_of, ruleset_name=parsed.ruleset.name,
        ruleset_sha256=parsed.ruleset.sha256, params=parsed.ruleset.params, pseudonymized=pseudo,
        pseudonym_key_id=parsed.input.pseudonym_key_id if parsed.input is not None else None,
        measures=parsed.measures, findings=parsed.findings)


def comparable(reports: Sequence[LoadedReport], lang: str = "nb") -> list[str]:
    """Refuse reports that cannot be compared; return the notes (codes) the comparison must show at the top.

    Checked pairwise against the first report, in the contract's order: schema_version,
    pseudonymised or not, the pseudonym key. A report that does not say whether it was
    pseudonymised (written before the key existed) is accepted, with a note.
    """
    first = reports[0]
    for other in reports[1:]:
        if other.schema_version != first.schema_version:
            raise ComparisonRefused(_msg(
                lang, f"rapportene har ulik schema_version ({first.label}: «{first.schema_version}», "
                      f"{other.label}: «{other.schema_version}») og kan ikke sammenlignes. Lag dem på nytt med "
                      "samme versjon av ke-rules.",
                f"the reports have different schema_version ({first.label}: '{first.schema_version}', "
                f"{other.label}: '{other.schema_version}') and cannot be compared. Make them again with the same "
                "version of ke-rules."))
    if first.schema_version != SCHEMA_VERSION:
        raise ComparisonRefused(_msg(
            lang, f"{first.label} har schema_version «{first.schema_version}»; denne versjonen av ke-rules "
                  f"leser «{SCHEMA_VERSION}». Oppdater ke-rules.",
            f"{first.label} has schema_version '{first.schema_version}'; this version of ke-rules reads "
            f"'{SCHEMA_VERSION}'. Update ke-rules."))
    known = [r for r in reports if r.pseudonymized is not None]
    notes: list[str] = []
    if len(known) < len(reports):
        notes.append("pseudonymization_unchecked")
    for r in known[1:]:
        if r.pseudonymized != known[0].pseudonymized:
            yes, no = (known[0], r) if known[0].pseudonymized else (r, known[0])
            raise ComparisonRefused(_msg(
                lang, f"{yes.label} er pseudonymisert og {no.label} er ikke det; id-ene kan ikke sammenlignes. "
                      "Kjør begge med samme --pseudonymize-nøkkel, eller begge uten.",
                f"{yes.label} is pseudonymised and {no.label} is not; their ids cannot be compared. Run both "
                "with the same --pseudonymize key, or both without."))
    keyed = [r for r in known if r.pseudonymized]
    with_id = [r for r in keyed if r.pseudonym_key_id is not None]
    for r in with_id[1:]:
        if r.pseudonym_key_id != with_id[0].pseudonym_key_id:
            a = with_id[0]
            raise ComparisonRefused(_msg(
                lang, f"{a.label} og {r.label} er pseudonymisert med ulike nøkler (pseudonym_key_id "
                      f"{a.pseudonym_key_id} og {r.pseudonym_key_id}); de samme personene har ulike pseudonymer. "
                      "Kjør begge med samme nøkkel.",
                f"{a.label} and {r.label} were pseudonymised with different keys (pseudonym_key_id "
                f"{a.pseudonym_key_id} and {r.pseudonym_key_id}); the same people have different pseudonyms. "
                "Run both with the same key."))
    if len(with_id) < len(keyed) and len(keyed) > 1:
        notes.append("pseudonym_key_unchecked")
    if len({r.ruleset_sha256 for r in reports}) > 1:
        notes.insert(0, "ruleset_changed")
    return notes


def round_rate(value: Decimal) -> float:
    """``value`` rounded half away from zero to 4 decimals (as Excel's ROUND), as a float; never ``-0.0``."""
    rounded = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return float(rounded) if rounded != 0 else 0.0


def rate_decimal(rate: float) -> Decimal:
    """A reported rate as the decimal its JSON text says (``0.85`` is 0.85, not the float nearest to it)."""
    return Decimal(repr(float(rate)))
