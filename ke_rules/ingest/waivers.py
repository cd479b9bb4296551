"""Waivers (unntak): read a ``--waivers`` file or the snapshot's own sheet, and check each row.

A waiver is a documented decision to accept a finding for a time (report-contract.md,
"Waivers"). It is read with the snapshot's readers and guards (xlsx, csv) and checked
with the same value parsers and row checks as a table (:func:`ke_rules.ingest.validate`),
so ``007`` stays ``007`` and dates are read as the input contract says. Whether its
rule id exists, and which finding it matches, is decided when the report is built
(:mod:`ke_rules.report.waivers`): that needs the ruleset in force and the findings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from ke_rules.errors import InputRefused
from ke_rules.ingest.problems import InputProblem
from ke_rules.ingest.read import IGNORED_SHEETS, RawTable, _as_columns, _is_ods, _map_columns, _read_ods, _read_xlsx
from ke_rules.ingest.schema import WAIVERS, resolve_waivers_name
from ke_rules.ingest.vocabulary import normalise_name

__all__ = ["WaiverSource", "WaiverRow", "read_waivers_file", "check_waivers", "WAIVER_FILE_SUFFIXES"]

WAIVER_FILE_SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx", ".xlsm", ".ods")


@dataclass
class WaiverSource:
    """The raw waivers of one source: ``file`` (``--waivers``) or ``snapshot`` (its own sheet)."""

    source: Literal["file", "snapshot"]
    table: RawTable
    problems: list[InputProblem] = field(default_factory=list)  # notices of reading (unknown columns, …)
    sha256: str | None = None  # of a file's bytes


@dataclass(frozen=True)
class WaiverRow:
    """One waiver whose values are all present and valid (it may still name an unknown rule)."""

    source: Literal["file", "snapshot"]
    row: int  # the spreadsheet row (xlsx, csv) or 1-based position (yaml, json)
    rule_id: str
    subject_id: str
    reason: str
    decided_by: str
    decided_on: dt.date
    expires_on: dt.date


def read_waivers_file(path: str | Path) -> WaiverSource:
    """Read a waivers file (.yaml/.yml, .csv, .xlsx); a file that cannot be used is :class:`InputRefused`."""
    p = Path(path)
    if not p.is_file():
        raise InputRefused(f"--waivers {p}: finner ikke filen (no such file).")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputRefused(f"--waivers {p.name}: filen kan ikke leses (the file cannot be read: "
                           f"{exc.strerror or type(exc).__name__}).") from None
    if not data.strip():
        raise InputRefused(f"--waivers {p.name}: filen er tom (the file is empty).")
    suffix = p.suffix.lower()
    problems: list[InputProblem] = []
    where = f"--waivers {p.name}"
    merges: list[Any] = []
    if suffix in (".yaml", ".yml"):
        sheet = _yaml_sheet(p.name, data)
        source_name = p.name
    elif suffix == ".csv":
        from ke_rules.ingest.csv_reader import read_csv_bytes

        sheet = _as_columns(read_csv_bytes(p.name, data, problems, table=WAIVERS.name))
        source_name = p.name
    elif suffix in (".xlsx", ".xlsm", ".ods"):
        sheets, all_merges = _read_ods(p.name, data) if _is_ods(suffix, data) else _read_xlsx(p.name, data)
        source_name = _choose_sheet(p.name, list(sheets))
        sheet = _as_columns(sheets[source_name], text_only=False)
        merges = all_merges.get(source_name, [])
        where = f"--waivers {p.name}: arket '{source_name}'"
    else:
        raise InputRefused(f"--waivers {p.name}: ukjent filtype; bruk .yaml, .csv eller .xlsx "
                           "(unknown file type; use .yaml, .csv or .xlsx).")
    table = _map_columns(WAIVERS.name, source_name, sheet, problems, merges=merges, where=where)
    return WaiverSource(source="file", table=table, problems=problems, sha256=hashlib.sha256(data).hexdigest())


def _choose_sheet(name: str, sheets: list[str]) -> str:
    """The sheet ``waivers`` or ``unntak``, else the only sheet (the template's help sheets aside)."""
    named = [s for s in sheets if resolve_waivers_name(s)]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise InputRefused(f"--waivers {name}: arkene {', '.join(named)} betyr det samme; behold ett "
                           "(the sheets mean the same; keep one).")
    data_sheets = [s for s in sheets if normalise_name(s) not in IGNORED_SHEETS]
    if len(data_sheets) == 1:
        return data_sheets[0]
    raise InputRefused(f"--waivers {name}: fant ikke arket 'unntak' (eller 'waivers') blant {', '.join(sheets)} "
                       "(no sheet named 'waivers' or 'unntak', and more than one sheet).")


class _TextLoader(yaml.SafeLoader):
    """YAML where every scalar is the text written (``007`` stays ``007``, dates stay text); only an
    empty value or ``null``/``~`` is empty."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml_sheet(name: str, data: bytes) -> tuple[list[object], list[list[object]], list[int], bool]:
    """A YAML list of mappings (or ``{waivers: [...]}``) as a sheet read by columns, rows numbered from 1."""
    try:
        doc = yaml.load(data.decode("utf-8-sig"), Loader=_TextLoader)  # noqa: S506 (a SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputRefused(f"--waivers {name}: ugyldig YAML (invalid YAML: {first}).") from None
    if isinstance(doc, dict):
        keys = [k for k in doc if isinstance(k, str) and resolve_waivers_name(k)]
        if len(keys) != 1:
            raise InputRefused(f"--waivers {name}: forventet en liste med unntak, eller nøkkelen 'waivers' med en "
                               "liste (expected a list of waivers, or the key 'waivers' holding one).")
        doc = doc[keys[0]]
    if doc is None:
        doc = []
    if not isinstance(doc, list):
        raise InputRefused(f"--waivers {name}: forventet en liste med unntak (expected a list of waivers).")
    for pos, row in enumerate(doc, start=1):
        if not isinstance(row, dict):
            raise InputRefused(f"--waivers {name}: unntak nr. {pos} er ikke en tabell med kolonner "
                               f"(waiver {pos} is not a mapping of columns to values).")
    header: list[object] = list(dict.fromkeys(k for row in doc for k in row))
    columns = [[row.get(k) for row in doc] for k in header]
    return header, columns, list(range(1, len(doc) + 1)), True


def check_waivers(src: WaiverSource) -> tuple[list[WaiverRow], list[InputProblem]]:
    """The valid waivers of ``src`` and its problems (table ``waivers``, with ``source``).

    The row checks are a table's (:func:`ke_rules.ingest.validate._check_table`): a required
    value empty (``required_empty``) or invalid (the input contract's value codes), or
    ``expires_on`` before ``decided_on`` (``end_before_start``), is an error and the waiver is
    set aside.
    """
    from ke_rules.ingest.validate import _check_table

    problems = list(src.problems)
    kept, _, _ = _check_table(src.table, problems, {}, set(), set())
    rows = [WaiverRow(
        source=src.source, row=int(r["_row"]), rule_id=str(r["rule_id"]), subject_id=str(r["subject_id"]),
        reason=str(r["reason"]), decided_by=str(r["decided_by"]),
        decided_on=_date(r["decided_on"]), expires_on=_date(r["expires_on"]),
    ) for r in kept.to_dict("records")]
    return rows, [p.model_copy(update={"source": src.source}) for p in problems]


def _date(v: Any) -> dt.date:
    if isinstance(v, pd.Timestamp | dt.datetime):
        return v.date()
    if isinstance(v, np.datetime64):
        return pd.Timestamp(v).date()
    return v  # type: ignore[no-any-return]
