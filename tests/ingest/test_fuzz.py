"""Fuzzing the loaders and fact derivation: nothing lost, nothing but KeRulesError.

Hypothesis writes random snapshots as JSON, as a folder of CSV files (random encoding and
delimiter) and, with fewer examples, as xlsx (typed cells, cached formulas, error cells),
mixing good values with every kind of bad one. For every snapshot that is read:

* for every table, rows read = rows evaluated + rows set aside, where the rows read are the
  non-empty rows of the input (``snapshot.counts[t].rows``);
* each set-aside row is an error problem naming table, row and column (with its value unless
  the cell was empty) and a reason; no evaluated row has an error problem;
* deriving facts at a random date does not fail, and the JSON report is valid UTF-8 (no half
  character, no unmasked identity number can reach it).

Values include what issue 10 found lost or crashing: integers beyond 64 bits and floats like
1e30, lone surrogates (half a character), zero-width and other format characters, and Excel
error values, in every kind of column.

The only exceptions allowed anywhere are :class:`KeRulesError` subclasses (a refused input).
Each example costs about 0.2 s (ten tables validated, facts derived), so the example counts
keep the module near 30 s.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ke_rules
from ke_rules import KeRulesError
from ke_rules.ingest.schema import TABLES
from ke_rules.ingest.validate import Snapshot
from ke_rules.ingest.vocabulary import ENUM_SYNONYMS

from ..conftest import make_corpus

M = make_corpus()

RULESET = ke_rules.load_ruleset("nasjonal")


def fuzz(examples: int) -> settings:
    """Derandomized (the same examples on every run, so CI cannot flake) and without a database."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --- values

IDS = st.sampled_from(["S-1", "S-2", "S-3", "007", "7", " S-1 ", "S-1\u00a0", "K-1", "K-2", "G-1", "M-1", "M-2", ""])
DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
DATE_TEXT = st.one_of(
    DATES.map(lambda d: d.isoformat()),
    DATES.map(lambda d: f"{d.day}.{d.month}.{d.year}"),
    DATES.map(lambda d: d.strftime("%d.%m.%Y")),
    DATES.map(lambda d: d.strftime("%d.%m.%y")),  # ambiguous
    DATES.map(lambda d: d.strftime("%m/%d/%Y")),  # ambiguous
    DATES.map(lambda d: f"{d.isoformat()}T10:30:00"),
    st.sampled_from(["31.02.2026", "2026-13-01", "0.0.2000", "i går", "45000", "45000.5", "", " ", "-"]),
)
BOOL_TEXT = st.sampled_from(["ja", "nei", "J", "n", "x", "X", "true", "False", "1", "0", "yes", "kanskje", "", " "])
INT_TEXT = st.sampled_from(["0", "3", "6.0", "-1", "2,5", "1e3", "mange", "", "999999999999", "1e30",
                            "99999999999999999999", "1000001"])
HUGE = st.one_of(st.integers(min_value=-(2**80), max_value=2**80), st.sampled_from([2**64, 2**64 - 1, 10**30, 1e30,
                                                                                    -1e30, 1e300, 2.0**63]))
# what copying from other programs leaves in a cell: format characters (Cf) and half an emoji
HIDDEN = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202e", "\u2066",
                          "\U000e0041", "\ud83d", "\udc00"])
EXCEL_ERRORS = st.sampled_from(["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#I/T", " #N/A "])
JUNK = st.one_of(st.none(), st.text(max_size=12), st.integers(min_value=-(2**63), max_value=2**63 - 1),
                 st.floats(allow_nan=False, allow_infinity=False), st.booleans(), HUGE, EXCEL_ERRORS)


def _with_hidden(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A plausible value with an invisible character or half a character put in, where it is text."""
    def put(value: Any, char: str, at: int) -> Any:
        if not isinstance(value, str):
            return value
        at %= len(value) + 1
        return value[:at] + char + value[at:]
    return st.builds(put, good, HIDDEN, st.integers(0, 20))


def _enum_text(enum: str) -> st.SearchStrategy[str]:
    return st.sampled_from([*ENUM_SYNONYMS[enum], "feil", "", "  Avholdt "])


def _value(kind: str, enum: str | None, name: str) -> st.SearchStrategy[Any]:
    if name.endswith("_id"):
        good: st.SearchStrategy[Any] = IDS
    elif kind == "date":
        good = st.one_of(DATE_TEXT, DATES)  # a date object becomes a date cell in xlsx, ISO text elsewhere
    elif kind == "bool":
        good = st.one_of(BOOL_TEXT, st.booleans())
    elif kind == "int":
        good = st.one_of(INT_TEXT, st.integers(min_value=-3, max_value=9))
    elif kind == "enum" and enum:
        good = _enum_text(enum)
    else:
        good = st.text(max_size=15)
    return st.one_of(good, good, good, JUNK, _with_hidden(good))  # mostly plausible, sometimes anything


@st.composite
def snapshots(draw: st.DrawFn) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Tables as (header, rows): random columns (canonical or bokmål names, some unknown), random rows."""
    names = draw(st.lists(st.sampled_from(list(TABLES)), unique=True, max_size=6))
    if not draw(st.sampled_from([False] * 9 + [True])):  # usually there is a cases table
        names = ["cases", *[n for n in names if n != "cases"]]
    out: dict[str, tuple[list[str], list[list[Any]]]] = {}
    for name in names:
        spec = TABLES[name]
        drop = st.sampled_from([False] * 19 + [True])  # a required column is left out now and then
        columns = [c for c in spec.columns if c.required and not draw(drop)]
        columns += draw(st.lists(st.sampled_from([c for c in spec.columns if not c.required] or list(spec.columns)),
                                 unique_by=lambda c: c.name, max_size=5))
        columns = list({c.name: c for c in columns}.values())
        header = [draw(st.sampled_from([c.name, *c.aliases, f" {c.name.upper()} "])) for c in columns]
        strategies = [_value(c.kind, c.enum, c.name) for c in columns]
        if draw(st.booleans()):  # an unknown column
            header.append(draw(st.sampled_from(["merknad", "Kommentar", "x"])))
            strategies.append(JUNK)
        rows = draw(st.lists(st.tuples(*strategies).map(list), max_size=8))
        out[draw(st.sampled_from([name, *spec.aliases]))] = (header, rows)
    return out


# --- writing


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def write_json(folder: Path, tables: dict[str, tuple[list[str], list[list[Any]]]]) -> Path:
    doc = {name: [dict(zip(header, map(_json_value, row), strict=True)) for row in rows]
           for name, (header, rows) in tables.items()}
    path = folder / "s.json"
    try:
        path.write_bytes(json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: JSON carries it only as an escape
        path.write_bytes(json.dumps(doc, ensure_ascii=True).encode("ascii"))
    return path


def write_csv(folder: Path, tables: dict[str, tuple[list[str], list[list[Any]]]], delimiter: str,
              encoding: str) -> Path:
    out = folder / "s"
    out.mkdir()
    for name, (header, rows) in tables.items():
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows([header, *[map(_text, r) for r in rows]])
        (out / f"{name}.csv").write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, str):  # XML cannot hold half a character: a writer would put U+FFFD
        value = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
    if isinstance(value, str) and value.startswith("#"):
        return M.F("NA()", value, "e")  # an error cell
    if isinstance(value, str) and value.startswith("="):
        return M.F(value[1:] or "0", None)  # a formula with no stored result: refused
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    if isinstance(value, float) and abs(value) > 1e300:
        return str(value)
    return value


def write_xlsx(folder: Path, tables: dict[str, tuple[list[str], list[list[Any]]]]) -> Path:
    sheets = [M.Sheet(name, [header, *[[_cell(v) for v in row] for row in rows]])
              for name, (header, rows) in tables.items()]
    path = folder / "s.xlsx"
    path.write_bytes(M.xlsx_bytes(sheets))
    return path


# --- the invariant


def check_nothing_lost(snapshot: Snapshot) -> None:
    for table, count in snapshot.counts.items():
        kept = snapshot.tables[table]
        errors = [p for p in snapshot.problems if p.table == table and p.severity.value == "error"]
        error_rows = {p.row for p in errors}
        assert count.rows == len(kept) + count.set_aside, table
        assert count.set_aside == len(error_rows), table
        assert not error_rows & set(kept["_row"].tolist()), table  # an evaluated row has no error
        for p in errors:
            assert isinstance(p.row, int) and p.column and p.code, p
            assert p.value is not None or p.code.value in ("required_empty", "not_a_value"), p


def load_and_derive(path: Path, as_of: dt.date, never: tuple[str, ...] = ()) -> None:
    """Load and derive; a refusal is fine unless its message has one of ``never`` in it."""
    try:
        snapshot = ke_rules.load_snapshot(path)
    except KeRulesError as exc:
        assert not any(text in str(exc) for text in never), exc
        return
    check_nothing_lost(snapshot)
    for p in snapshot.problems:  # every problem can be written: no half character in it
        p.model_dump_json().encode("utf-8")
    try:
        report = ke_rules.evaluate(snapshot, RULESET, as_of=as_of)  # derives the facts, runs the rules
    except KeRulesError:
        return
    report.to_json().encode("utf-8")


AS_OF = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


@fuzz(60)
@given(tables=snapshots(), as_of=AS_OF)
def test_json_snapshots(tables, as_of):
    with tempfile.TemporaryDirectory() as tmp:
        load_and_derive(write_json(Path(tmp), tables), as_of)


@fuzz(60)
@given(tables=snapshots(), as_of=AS_OF, delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_csv_snapshots(tables, as_of, delimiter, encoding):
    with tempfile.TemporaryDirectory() as tmp:
        # csv.writer quotes correctly: a refusal for an unclosed quote, or for a closing quote followed by
        # text, would be a false alarm. A quoted cell whose lines read as rows of their own ("S-1\nS-2") is
        # refused by design: a reader cannot tell it from rows a stray quote swallowed.
        load_and_derive(write_csv(Path(tmp), tables, delimiter, encoding), as_of,
                        never=("aldri lukkes", "følges av tekst"))


@fuzz(25)
@given(tables=snapshots(), as_of=AS_OF)
def test_xlsx_snapshots(tables, as_of):
    with tempfile.TemporaryDirectory() as tmp:
        load_and_derive(write_xlsx(Path(tmp), tables), as_of)


@fuzz(60)
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".json", ".xlsx", ".ods", ".csv"]))
def test_arbitrary_bytes_are_read_or_refused(data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        if suffix == ".csv":
            folder = Path(tmp) / "s"
            folder.mkdir()
            (folder / "cases.csv").write_bytes(data)
            path = folder
        else:
            path = Path(tmp) / f"s{suffix}"
            path.write_bytes(data)
        load_and_derive(path, dt.date(2026, 11, 23))


@fuzz(40)
@given(cut=st.floats(min_value=0.0, max_value=1.0), flip=st.integers(min_value=0, max_value=10_000),
       byte=st.integers(min_value=0, max_value=255))
def test_damaged_workbooks_are_read_or_refused(cut, flip, byte):
    data = bytearray(M.xlsx_bytes(M.base_sheets()))
    data[flip % len(data)] = byte
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.xlsx"
        path.write_bytes(bytes(data[: max(1, int(len(data) * cut))]) if cut < 0.95 else bytes(data))
        load_and_derive(path, dt.date(2026, 11, 23))


@fuzz(40)
@given(cut=st.floats(min_value=0.0, max_value=1.0), flip=st.integers(min_value=0, max_value=10_000),
       byte=st.integers(min_value=0, max_value=255))
def test_damaged_ods_spreadsheets_are_read_or_refused(cut, flip, byte):
    data = bytearray(M.ods_bytes_of(M.base_sheets()))
    data[flip % len(data)] = byte
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.ods"
        path.write_bytes(bytes(data[: max(1, int(len(data) * cut))]) if cut < 0.95 else bytes(data))
        load_and_derive(path, dt.date(2026, 11, 23))
