"""Step 1 of 4: read a snapshot file into raw tables, with the rows the user sees.

Reading is kept apart from checking (``validate``): this module only turns an xlsx
workbook, an ods spreadsheet, a folder of csv files or a json file into one frame of raw
cells per table, keyed by canonical column names, with each row's spreadsheet row number.
Whatever cannot be read at all is an :class:`InputRefused`.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import operator
import re
import threading
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import orjson
import pandas as pd

from ke_rules.errors import InputRefused, KeRulesError, did_you_mean
from ke_rules.ingest.csv_reader import csv_files, read_csv_bytes, read_csv_folder
from ke_rules.ingest.filekind import sniff
from ke_rules.ingest.json_keys import count_keys
from ke_rules.ingest.ods_guard import check_ods
from ke_rules.ingest.schema import TABLES, resolve_table_name, resolve_waivers_name, table_spec
from ke_rules.ingest.values import ProblemCode, is_empty
from ke_rules.ingest.vocabulary import normalise_name
from ke_rules.ingest.xlsx_guard import check_xlsx
from ke_rules.ingest.zip_guard import column_letters
from ke_rules.privacy.identity import identity_number_problems, scan_sheets, scan_tables
from ke_rules.report.models import InputProblem, Severity
from ke_rules.runtime import background, split_read

__all__ = ["RawTable", "RawSnapshot", "read_snapshot"]

BACKGROUND_SCAN_FROM = 300_000  # cells: below this, counting identity numbers inline costs less than a fork
BACKGROUND_PARSE_FROM = 20_000_000  # bytes: a JSON file this big has a share of its tables parsed in a forked process
THREADED_WORKBOOK_FROM = 2_000_000  # bytes: a workbook this big has its sheets read by two threads
BACKGROUND_JSON_FROM = 4_000_000  # bytes: below this, the duplicate-key checks inline cost less than a fork

# Sheets skipped silently (folded names): the template's help sheet (LES_MEG / README) and its
# hidden drop-down lists (LISTER); see template.py.
IGNORED_SHEETS = frozenset({"les_meg", "readme", "lister"})


@dataclass
class RawTable:
    """One table's raw cells. ``frame`` has canonical column names; ``rows`` the user's row numbers."""

    name: str
    frame: pd.DataFrame
    rows: np.ndarray
    source: str  # sheet, file or key it came from


@dataclass
class RawSnapshot:
    source: str
    sha256: str
    tables: dict[str, RawTable]
    problems: list[InputProblem] = field(default_factory=list)
    # identity numbers per (table, column), and a JSON file's duplicate-key refusal; each may still
    # be computing in a forked process while the rows are checked
    identity_scan: background.Pending[dict[tuple[str, str | None], int]] | None = None
    duplicate_keys: background.Pending[str | None] | None = None
    # the snapshot's own waivers sheet, csv file or json key (``waivers``/``unntak``; not a table), and the
    # notices of reading it (unknown columns, merged cells): those belong to the waivers, not the snapshot
    waivers: RawTable | None = None
    waiver_problems: list[InputProblem] = field(default_factory=list)

    def identity_number_problems(self) -> list[InputProblem]:
        """The identity-number notices (waits for the raw checks; raises a duplicate-key refusal first)."""
        refusal = self.duplicate_keys.result() if self.duplicate_keys is not None else None
        if refusal:
            raise InputRefused(refusal)
        if self.identity_scan is None:
            return []
        return identity_number_problems(self.identity_scan.result())


def read_snapshot(path: str | Path) -> RawSnapshot:
    """Read ``path`` (.xlsx, .ods, .json, .csv or a folder of .csv) into raw tables."""
    p = Path(path)
    duplicates: background.Pending[str | None] | None = None
    scan: background.Pending[dict[tuple[str, str | None], int]] | None = None  # JSON: counted as it is read
    merges: dict[str, list[Merge]] = {}
    problems: list[InputProblem] = []  # the readers' repairs first (a CSV file's stray bytes)
    if not p.exists():
        raise InputRefused(f"Finner ikke inndata: {p} (no such file or folder).")
    if p.is_dir():
        shared = _csv_in_two(p, problems) if background.can_fork() else None
        if shared is None:
            sheets, digest = read_csv_folder(p, problems)
        else:
            sheets, digest, scan = shared
    else:
        suffix = p.suffix.lower()
        data = p.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if not data:
            raise InputRefused(f"{p.name}: filen er tom (the file is empty).")
        if suffix == ".json":
            _refuse_misnamed(p.name, suffix, data, allowed=("json", "text"))
            # orjson keeps the last value of a key given twice in one object, silently: the keys written
            # in the text are counted (a big file's in a forked process while this one parses) and
            # compared with the keys read
            counting = background.start(count_keys, data, fork=True) if len(data) >= BACKGROUND_JSON_FROM else None
            try:
                sheets, keys_read, scan = _read_json(p.name, data)
            except BaseException:
                if counting is not None:
                    counting.cancel()
                raise
            try:
                duplicates = _duplicate_keys(p.name, data, keys_read, counting)
            except BaseException:
                if scan is not None:
                    scan.cancel()
                raise
        elif suffix in (".xlsx", ".xlsm", ".ods"):
            # the bytes choose the reader: an .ods renamed .xlsx, or an .xlsx named .ods, is read
            # as what it is, without a word (both are spreadsheets the user meant us to read)
            if _is_ods(suffix, data):
                sheets, merges = _read_ods(p.name, data)
            else:
                if suffix == ".ods":
                    _refuse_misnamed(p.name, suffix, data, allowed=("xlsx",))
                sheets, merges = _read_xlsx(p.name, data)
        elif suffix == ".csv":
            sheets = {p.stem: read_csv_bytes(p.name, data, problems)}
        elif suffix == ".xls":
            _refuse_misnamed(p.name, suffix, data, allowed=("xls", "ole2"))
            raise InputRefused(
                f"{p.name}: gammelt Excel-format (.xls) leses ikke; åpne filen i Excel og lagre som .xlsx "
                "(old .xls workbooks are not read; open it in Excel and save it as .xlsx)."
            )
        else:
            kind = sniff(data)
            raise InputRefused(
                f"{p.name}: ukjent filtype '{_shown(p.suffix)}' (innholdet er {kind.nb}); bruk .xlsx, .ods, .json, "
                f".csv eller en mappe med .csv (unknown file type; the content is {kind.en}; use .xlsx, .ods, .json, "
                ".csv or a folder of .csv files)."
            )
    sheets = _names_as_text(sheets)
    # identity numbers are counted per table and column in the raw cells, so a number in a column
    # we ignore or in a row set aside is still reported (the count only; outputs mask the number).
    # A big snapshot is counted in a forked process while its rows are checked.
    if scan is None:
        cells = sum(len(sheet[2]) * max(1, len(sheet[0])) for sheet in sheets.values())
        scan = background.start(scan_sheets, sheets, fork=cells >= BACKGROUND_SCAN_FROM)
    data = None  # type: ignore[assignment]  # the bytes are not needed past this point
    extra: dict[str, RawTable] = {}
    waiver_problems: list[InputProblem] = []
    try:
        tables = _map_tables(sheets, problems,
                             text_only=p.is_dir() or p.suffix.lower() not in (".xlsx", ".xlsm", ".ods"),
                             merges=merges, file_name=p.name, waivers=extra, waiver_problems=waiver_problems)
        _refuse_no_cases(p.name, tables, duplicates)
    except BaseException:
        scan.cancel()
        if duplicates is not None:
            duplicates.cancel()
        raise
    return RawSnapshot(source=p.name, sha256=digest, tables=tables, problems=problems, identity_scan=scan,
                       duplicate_keys=duplicates, waivers=extra.get("waivers"), waiver_problems=waiver_problems)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _names_as_text(sheets: dict[str, _AnySheet]) -> dict[str, _AnySheet]:
    """Sheet names and header cells with each lone surrogate (half a character, from a JSON
    escape such as ``"\\ud83d"``) replaced by U+FFFD: a name is quoted in notices and messages,
    and a report cannot be written as UTF-8 around half a character. Cells stay as they are
    (the value layer reports them)."""
    def clean(v: object) -> object:
        return _SURROGATE.sub("\ufffd", v) if isinstance(v, str) and not v.isascii() else v

    if all(str(name).isascii() and all(not isinstance(h, str) or h.isascii() for h in sheet[0])
           for name, sheet in sheets.items()):
        return sheets
    return {clean(name): (list(map(clean, sheet[0])), *sheet[1:])  # type: ignore[misc]
            for name, sheet in sheets.items()}


def _refuse_misnamed(name: str, suffix: str, data: bytes, allowed: tuple[str, ...]) -> None:
    """Refuse a file whose bytes are another format than its name says, naming what it is and what to do."""
    kind = sniff(data)
    if kind.key not in allowed:
        raise InputRefused(f"{name}: filen heter {suffix}, men innholdet er {kind.nb}; {kind.todo_nb} "
                           f"(the file is named {suffix} but holds {kind.en}; {kind.todo_en}).")


def _refuse_no_cases(name: str, tables: dict[str, RawTable], duplicates: background.Pending[str | None] | None) -> None:
    """Refuse a snapshot without case rows: an empty case list is not a clean bill of health.

    Checked on the mapped table, after empty rows are dropped: rows that are set aside later
    for bad values are case rows. A JSON file's duplicate key (two "cases" lists, the last one
    empty) is the better explanation, so it is raised first.
    """
    if "cases" not in tables:
        raise InputRefused(
            f"{name}: tabellen 'cases' (saker) mangler; den er påkrevd "
            "(the table 'cases' is missing; it is required)."
        )
    cases = tables["cases"]
    if len(cases.frame):
        return
    refusal = duplicates.result() if duplicates is not None else None
    if refusal:
        raise InputRefused(refusal)
    raise InputRefused(
        f"{name}: tabellen 'cases' (saker) har ingen rader ('{_shown(cases.source)}'); en tom saksliste er ikke et "
        "rent resultat, så ingenting er sjekket. Fyll inn sakene, eller sjekk at du valgte riktig fil "
        "(the table 'cases' has no rows; an empty case list is not a clean bill of health, so nothing was "
        "checked; fill in the cases, or check that this is the right file)."
    )


def _shown(text: object, limit: int = 40) -> str:
    """Text from the input as a message may quote it: control and other invisible characters
    escaped (nothing reaches the terminal as a control sequence), cut to ``limit`` characters."""
    s = str(text)
    cut = s[:limit]
    out = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in cut)
    return out + ("…" if len(s) > limit else "")


# --- readers: each returns {sheet name: (header cells, data rows, each row's number)}

Sheet = tuple[list[object], list[list[object]], list[int]]
# JSON is read straight into columns: (header, one list of cells per header column, row numbers)
ColumnSheet = tuple[list[object], list[list[object]], list[int], bool]
_AnySheet = Sheet | ColumnSheet


# a merged range below the header: (its first spreadsheet row, its first column's 0-based position, "A2:A3")
Merge = tuple[int, int, str]


def _read_xlsx(name: str, data: bytes) -> tuple[dict[str, _AnySheet], dict[str, list[Merge]]]:
    """The workbook's sheets, and per sheet the merged ranges below the header whose cells were filled."""
    data = check_xlsx(name, data)  # signature, zip, bomb, DOCTYPE, merged header, formulas, used range
    return _read_calamine(name, data, "Excel-arbeidsbok", ".xlsx workbook", merged=None)


def _read_ods(name: str, data: bytes) -> tuple[dict[str, _AnySheet], dict[str, list[Merge]]]:
    """An OpenDocument spreadsheet's sheets, read as an .xlsx workbook's are (same cells, rows and merges).

    calamine gives no merged ranges for .ods, so the guard's, found in content.xml, are used.
    """
    checked = check_ods(name, data)  # zip, bomb, DOCTYPE, encryption, merged header, formulas, repeated ranges
    return _read_calamine(name, checked.data, "OpenDocument-regneark", ".ods spreadsheet", merged=checked.merges)


def _is_ods(suffix: str, data: bytes) -> bool:
    """Whether an .xlsx/.xlsm/.ods file is read as OpenDocument: its bytes say so, or it is named .ods and
    is no readable Office Open XML zip (a broken .ods is then refused as a broken .ods, not as an .xlsx)."""
    kind = sniff(data).key
    if kind == "ods":
        return True
    if suffix != ".ods" or kind != "xlsx":
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "[Content_Types].xml" not in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return True


def _read_calamine(name: str, data: bytes, kind_nb: str, kind_en: str,
                   merged: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] | None
                   ) -> tuple[dict[str, _AnySheet], dict[str, list[Merge]]]:
    """Every sheet from A1 as columns (row i of a column is spreadsheet row i + 2), with merged ranges filled.

    ``merged``: the ranges per sheet when calamine does not give them (.ods); None: calamine's (.xlsx).

    A big workbook's sheets are read by two threads, each with its own workbook: calamine
    parses a sheet's XML without holding the GIL (most of reading a sheet), so one thread
    parses while the other makes Python cells and columns of the sheet before. This needs
    no fork and works the same on every platform; the sheets and any refusal are what one
    thread gives (the first failing sheet in the workbook's order is the one named).
    """
    wb = _open_workbook(name, data, kind_nb, kind_en)
    names = list(wb.sheet_names)
    read: list[tuple[_AnySheet, list[Merge] | None] | BaseException | None] = [None] * len(names)
    queue = iter(range(len(names)))
    taking = threading.Lock()

    def read_sheets(book: Any) -> None:
        while True:
            with taking:
                i = next(queue, None)
            if i is None:
                return
            try:
                read[i] = _read_sheet(name, book, names[i], merged)
            except BaseException as exc:  # raised below, in the workbook's order
                read[i] = exc

    def helper() -> None:
        try:
            book = _open_workbook(name, data, kind_nb, kind_en)
        except InputRefused:
            return  # this thread reads them all
        read_sheets(book)

    if len(data) >= THREADED_WORKBOOK_FROM and len(names) > 1:
        second = threading.Thread(target=helper, name="ke-rules-sheets", daemon=True)
        second.start()
        read_sheets(wb)
        second.join()
    else:
        read_sheets(wb)
    out: dict[str, _AnySheet] = {}
    merges: dict[str, list[Merge]] = {}
    for sheet_name, result in zip(names, read, strict=True):
        if isinstance(result, BaseException):
            raise result
        assert result is not None
        out[sheet_name], filled = result
        if filled:
            merges[sheet_name] = filled
    return out, merges


def _open_workbook(name: str, data: bytes, kind_nb: str, kind_en: str) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several types for broken files
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "password" in msg.lower() or "encrypt" in msg.lower() or type(exc).__name__ == "PasswordError":
            raise InputRefused(f"{name}: arbeidsboken er passordbeskyttet "
                               "(the workbook is password-protected).") from None
        raise InputRefused(f"{name}: kan ikke leses som {kind_nb} "
                           f"(not a readable {kind_en}: {msg}).") from None


def _read_sheet(name: str, wb: Any, sheet_name: str,
                merged: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] | None
                ) -> tuple[_AnySheet, list[Merge] | None]:
    """One sheet's columns (each column's cells copied together, see :func:`_as_columns`) and the merged
    ranges it filled."""
    try:
        sheet = wb.get_sheet_by_name(sheet_name)
        rows = sheet.to_python(skip_empty_area=False)  # from A1: rows[i] is spreadsheet row i + 1
        ranges = (sheet.merged_cell_ranges if merged is None else merged.get(sheet_name)) if rows else None
    except Exception as exc:
        raise InputRefused(f"{name}: arket '{sheet_name}' kan ikke leses (sheet cannot be read: {exc}).") from None
    if not rows:
        return ([], [], []), None
    filled = _fill_merged(rows, ranges) if ranges else None
    header, body = rows[0], rows[1:]  # calamine's rows are lists already
    del rows
    return _as_columns((list(header), body, list(range(2, len(body) + 2))), text_only=False), filled


def _fill_merged(rows: list[list[object]], ranges: Sequence[tuple[tuple[int, int], tuple[int, int]]]) -> list[Merge]:
    """Give every empty cell a merged range covers its top-left value, as Excel shows it; the ranges filled
    (a range whose top-left cell is empty fills nothing and is not listed).

    A case id merged down over a case's service rows belongs to each of them; read as it
    is stored, every row but the first would have no id. Ranges in the header row are
    the guard's (refused in table sheets); a range is clipped to the cells calamine read,
    so a merge reaching far below the data adds no rows. A covered cell that holds a value
    of its own (a file not written by Excel) keeps it: nothing the file holds is dropped.
    """
    height, width = len(rows), len(rows[0])
    filled: list[Merge] = []
    for (top, left), (bottom, right) in ranges:
        if top == 0 or top >= height or left >= width:
            continue
        value = rows[top][left]
        if _blank(value):
            continue  # an empty merged block (layout): nothing applies to the rows
        filled.append((top + 1, left, f"{column_letters(left + 1)}{top + 1}:{column_letters(right + 1)}{bottom + 1}"))
        for r in range(top, min(bottom, height - 1) + 1):
            row = rows[r]
            for c in range(left, min(right, width - 1) + 1):
                if _blank(row[c]):
                    row[c] = value
    return sorted(filled)


def _refuse_constant(name: str) -> object:
    raise InputRefused(f"JSON-filen inneholder {name}, som ikke er en gyldig verdi "
                       f"(the JSON file contains {name}, which is not a valid value).")


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise InputRefused(f"nøkkelen '{key}' står to ganger i samme objekt, så én verdi ville gått tapt "
                           f"(the key '{key}' appears twice in one object, so one of its values would be lost).")
    return obj


_BOM = b"\xef\xbb\xbf"


def _exact_int(digits: str) -> int | str:
    """A JSON integer literal as an int; one too long for Python's int conversion (over 4,300
    digits) stays its text, every digit kept, and the value layer judges it."""
    try:
        return int(digits)
    except ValueError:
        return digits


def _duplicate_keys(name: str, data: bytes, keys_read: int | None,
                    counting: background.Pending[int] | None) -> background.Pending[str | None] | None:
    """The duplicate-key check still to be waited for, or None when no object of the file repeats a key.

    ``keys_read``: the keys of the objects the file was read into, None when ``json`` read it
    (its hook refuses a repeated key itself). The keys written in the text are counted
    (:func:`~ke_rules.ingest.json_keys.count_keys`; ``counting`` when that was started
    already): equal counts prove no key repeats. Otherwise (a repeated key, or an object
    nested in a cell, which is refused anyway) the file is parsed again to name the key.
    """
    if keys_read is None:
        if counting is not None:
            counting.cancel()
        return None
    written = counting.result() if counting is not None else count_keys(data)
    if written == keys_read:
        return None
    return background.start(duplicate_key_problem, name, data, fork=len(data) >= BACKGROUND_JSON_FROM)


def duplicate_key_problem(name: str, data: bytes) -> str | None:
    """The refusal for a key given twice in one JSON object, or None (orjson keeps the last silently)."""
    try:  # each object is checked and dropped at once, so this parse holds next to nothing in memory
        json.loads(data.decode("utf-8-sig"), object_pairs_hook=_check_keys_only)
    except InputRefused as exc:
        return f"{name}: {exc}"
    except (ValueError, RecursionError):  # also a decoding error
        return None  # not a duplicate: the main parse has judged this text already
    return None


def _check_keys_only(pairs: list[tuple[str, object]]) -> None:
    if len({k for k, _ in pairs}) != len(pairs):
        _no_duplicate_keys(pairs)  # raises, naming the key


class _InexactInteger(Exception):
    """orjson read an integer literal beyond 64 bits as a float: the file is parsed again exactly."""


# orjson reads integers in [-2**63, 2**64) exactly and any other integer literal as a float; a float
# this large (in either direction) may be such an integer, and the file is then parsed with json
_INEXACT_FROM = 2.0**63


class _JsonTables(NamedTuple):
    """A JSON file read: its tables as columns; the number of keys in its objects (None when ``json``
    read it, which refuses a repeated key itself); the identity-number count, when it is being made
    in the process that read a share of the tables (else None: it is still to be made)."""

    sheets: dict[str, Sheet | ColumnSheet]
    keys: int | None
    scan: background.Pending[dict[tuple[str, str | None], int]] | None = None


def _read_json(name: str, data: bytes) -> _JsonTables:
    """The JSON file's tables as columns (see :class:`_JsonTables`); orjson parses, the standard
    library when exactness needs it.

    orjson is several times faster; a file it refuses is parsed again by ``json`` (the exact
    message, and the texts orjson rejects but ``json`` reads, such as a lone surrogate, which
    the value layer reports), and so is a file in which orjson met an integer beyond 64 bits
    (``10000000000000000000001`` would become ``1e+22``, and two such ids one): ``json``
    keeps every digit. Such integers are found in the columns (a float that large) rather
    than by a scan of the bytes, which would cost a second per 100 MB on every file.
    """
    try:
        return _json_sheets(name, data, exact=False)
    except _InexactInteger:
        return _json_sheets(name, data, exact=True)


def _json_sheets(name: str, data: bytes, exact: bool) -> _JsonTables:
    if not exact:
        layout = _table_layout(data)
        if layout is not None:
            if len(data) >= BACKGROUND_PARSE_FROM and background.can_fork():
                try:
                    return _sheets_in_two(name, data, layout)
                except (split_read.NotShared, orjson.JSONDecodeError, InputRefused, _InexactInteger, KeRulesError):
                    pass  # an odd or broken file: read by one process, below, which says what is wrong
            try:
                return _JsonTables(*_sheets_of(name, _parse_tables(memoryview(data), *layout), parsed_by_orjson=True))
            except orjson.JSONDecodeError:
                pass  # broken somewhere: parsed whole below, for the exact message
    parsed_by_orjson = not exact
    try:
        try:
            if exact:
                raise _InexactInteger
            doc = orjson.loads(memoryview(data)[3:] if data.startswith(_BOM) else data)
        except (orjson.JSONDecodeError, _InexactInteger):
            parsed_by_orjson = False
            text = data.decode("utf-8-sig")
            doc = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicate_keys,
                             parse_int=_exact_int)
    except InputRefused as exc:
        raise InputRefused(f"{name}: {exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputRefused(f"{name}: ugyldig eller avkortet JSON (invalid or truncated JSON: {exc}).") from None
    except RecursionError:
        raise InputRefused(f"{name}: JSON-filen er for dypt nøstet (nested too deeply).") from None
    if not isinstance(doc, dict):
        raise InputRefused(
            f"{name}: forventet et JSON-objekt med én liste per tabell, fikk {type(doc).__name__} "
            "(expected a JSON object whose keys are table names and whose values are lists of rows)."
        )
    sheets, keys = _sheets_of(name, iter(doc.items()), parsed_by_orjson)
    return _JsonTables(sheets, keys if parsed_by_orjson else None)


_WS = rb"[ \t\n\r]*"  # JSON's whitespace
_KEY = rb'("(?:[^"\\]|\\.)*")'
_FIRST_TABLE = re.compile(rb"(?:\xef\xbb\xbf)?" + _WS + rb"\{" + _WS + _KEY + _WS + rb":" + _WS + rb"(?=\[)")
_NEXT_TABLE = re.compile(rb"\]" + _WS + rb"," + _WS + _KEY + _WS + rb":" + _WS + rb"\[")
_MAX_SPLITS = 256  # more candidate seams than this: lists inside the rows; the file is parsed whole
_MAX_MISSES = 8


def _tables_one_by_one(data: bytes) -> Iterator[tuple[str, object]] | None:
    """The top-level tables of ``{"cases": [...], "coordinators": [...], ...}``, each parsed on its own.

    Parsing the whole file at once holds every table's rows, and orjson's own copy of the
    document while it builds them: 1.35 GB at the peak for a 190 MB national snapshot.
    Parsed a table at a time, each table's rows are turned into columns and dropped before
    the next is read. The seams between tables (``], "key": [``) are found by one regex
    scan (0.13 s per 190 MB); a seam that lies inside a value (two lists in a row) leaves
    a piece that is no JSON, and is then not a seam. Every byte lies in a piece that was
    parsed or matched the object's grammar, so the tables are exactly the file's. None
    when the file is not laid out this way (or a key repeats); it is then parsed whole.
    """
    layout = _table_layout(data)
    return None if layout is None else _parse_tables(memoryview(data), *layout)


_Layout = tuple[bytes, int, list[tuple[int, bytes, int]], int]  # first key, its list's start, seams, last end


def _table_layout(data: bytes) -> _Layout | None:
    """Where the tables of :func:`_tables_one_by_one` lie: the first key and the start of its
    list, the candidate seams (end of a list, next key, start of its list), the end of the last."""
    first = _FIRST_TABLE.match(data)
    tail = len(data.rstrip(b" \t\n\r"))
    if first is None or data[tail - 1:tail] != b"}":
        return None
    last_end = len(data[:tail - 1].rstrip(b" \t\n\r"))  # just past the last table's "]"
    if data[last_end - 1:last_end] != b"]" or last_end <= first.end():
        return None
    seams = []
    for m in _NEXT_TABLE.finditer(data, first.end(), last_end):
        seams.append((m.start() + 1, m.group(1), m.end() - 1))
        if len(seams) > _MAX_SPLITS:
            return None
    keys = [first.group(1), *(key for _, key, _ in seams)]
    if len(set(keys)) < len(keys):
        return None  # a key twice: the duplicate-key check names it; orjson's last-wins is kept
    return first.group(1), first.end(), seams, last_end


def _parse_tables(view: memoryview, key: bytes, start: int, seams: list[tuple[int, bytes, int]],
                  last_end: int) -> Iterator[tuple[str, object]]:
    misses = 0
    for end, next_key, next_start in seams:
        try:
            value = orjson.loads(view[start:end])
            name = orjson.loads(key)
        except orjson.JSONDecodeError:  # not a seam: a list closed inside a row; the table runs on
            misses += 1
            if misses > _MAX_MISSES:
                raise
            continue
        yield name, value
        del value  # the caller has made columns of it
        key, start = next_key, next_start
    yield orjson.loads(key), orjson.loads(view[start:last_end])


def _sheets_in_two(name: str, data: bytes, layout: _Layout) -> _JsonTables:
    """:func:`_sheets_of` the tables of :func:`_tables_one_by_one`, a share of them read in a forked process
    (:mod:`~ke_rules.runtime.split_read`), which then counts the identity numbers in every table.

    Anything out of the ordinary (a seam that was none, a table that is not a list of
    objects, a refusal) is left to one process reading the whole file (``NotShared`` and
    the parse errors), so the tables and any message are exactly what one process gives.
    """
    key, start, seams, last_end = layout
    pieces = []
    for end, next_key, next_start in seams:
        pieces.append((key, start, end))
        key, start = next_key, next_start
    pieces.append((key, start, last_end))
    theirs = split_read.share([end - start for _, start, end in pieces])
    if not theirs or len(theirs) == len(pieces):
        raise split_read.NotShared
    view = memoryview(data)
    receiver, pending = split_read.start(sum(pieces[i][2] - pieces[i][1] for i in theirs), _share_and_scan,
                                         name, data, pieces, theirs)
    read: dict[int, tuple[str, ColumnSheet, int]] = {}
    try:
        for i, (key, start, end) in enumerate(pieces):
            if i not in theirs:
                table, keys = _sheets_of(name, iter([(orjson.loads(key), orjson.loads(view[start:end]))]), True)
                ((table_name, sheet),) = table.items()
                read[i] = (table_name, sheet, keys)  # type: ignore[assignment]
        with receiver.received() as blobs:
            for i, blob in zip(theirs, blobs, strict=True):
                if blob is None:
                    raise split_read.NotShared
                table_name, header, n, row_keys, columns = orjson.loads(blob)
                _check_cells(name, table_name, header, columns, parsed_by_orjson=True)
                read[i] = (table_name, (header, columns, list(range(1, n + 1)), True), 1 + row_keys)
    except BaseException:
        pending.cancel()
        raise
    finally:
        receiver.close()
    out: dict[str, Sheet | ColumnSheet] = {}
    keys = 0
    for i in range(len(pieces)):
        table_name, sheet, table_keys = read.pop(i)
        out[table_name] = sheet
        keys += table_keys
    return _JsonTables(out, keys, pending)


def _share_and_scan(sender: split_read.Sender, name: str, data: bytes, pieces: list[tuple[bytes, int, int]],
                    theirs: list[int]) -> dict[tuple[str, str | None], int]:
    """The forked process's work: its share of the tables, each as [name, header, rows, keys in the
    rows, columns] in JSON (None for a piece that is no table of row objects: the other process
    reads the file itself then), then the identity numbers counted in every table, one at a time."""
    view = memoryview(data)

    def written(key: bytes, start: int, end: int) -> bytes | None:
        try:
            table_name = orjson.loads(key)
            header, transposed, n, row_keys = _table_columns(name, table_name, orjson.loads(view[start:end]))
            return orjson.dumps([table_name, header, n, row_keys, transposed])
        except (orjson.JSONDecodeError, orjson.JSONEncodeError, InputRefused, TypeError):
            return None

    if not sender.send(written(*pieces[i]) for i in theirs):
        return {}  # the other process reads the file by itself, and counts there
    mine = dict(zip(theirs, range(len(theirs)), strict=True))

    def tables(blobs: list[memoryview | None]) -> Iterator[tuple[str, ColumnSheet]]:
        for i, (key, start, end) in enumerate(pieces):
            if i in mine:
                table_name, header, _, _, columns = orjson.loads(blobs[mine[i]])  # type: ignore[arg-type]
            else:
                table_name = orjson.loads(key)
                header, columns, _, _ = _table_columns(name, table_name, orjson.loads(view[start:end]))
            yield table_name, (header, columns, [], True)  # type: ignore[misc]

    with sender.sent() as blobs:
        return scan_tables(tables(blobs))


def _csv_in_two(folder: Path, problems: list[InputProblem]
                ) -> tuple[dict[str, _AnySheet], str, background.Pending[dict[tuple[str, str | None], int]]] | None:
    """:func:`read_csv_folder` with a share of the files read in a forked process
    (:mod:`~ke_rules.runtime.split_read`), which then counts the identity numbers in every file;
    None for a small folder, or when anything is out of the ordinary (a refusal, a forked process
    that stopped): :func:`read_csv_folder` then reads it, and says what is wrong.

    A file the forked process could not write as plain columns (stray bytes repaired, read by
    the csv module) is read here. Each file's warnings are kept apart and put in file order.
    """
    try:  # a small folder is not read twice
        if sum(f.stat().st_size for f in folder.iterdir() if f.suffix.lower() == ".csv") < BACKGROUND_PARSE_FROM:
            return None
        files, digest = csv_files(folder)
    except (OSError, InputRefused):
        return None
    sizes = [len(data) for _, _, data in files]
    if len(_names_as_text({stem: ([], [], []) for stem, _, _ in files})) < len(files):
        return None  # two names made one by the replacement character: left to one process
    theirs = split_read.share(sizes)
    if not theirs or len(theirs) == len(files):
        return None
    # as JSON a cell costs two quotes and a comma where CSV has one delimiter: twice the bytes is room
    receiver, pending = split_read.start(2 * sum(sizes[i] for i in theirs), _csv_share_and_scan, files, theirs)
    read: dict[int, tuple[_AnySheet, list[InputProblem]]] = {}
    try:
        for i, (_, name, data) in enumerate(files):
            if i not in theirs:
                read[i] = (read_csv_bytes(name, data, found := []), found)
        with receiver.received() as blobs:
            for i, blob in zip(theirs, blobs, strict=True):
                if blob is None:
                    read[i] = (read_csv_bytes(files[i][1], files[i][2], found := []), found)
                else:
                    header, columns, rownums = orjson.loads(blob)
                    read[i] = ((header, columns, rownums, False), [])
    except (InputRefused, split_read.NotShared):
        pending.cancel()
        return None
    except BaseException:
        pending.cancel()
        raise
    finally:
        receiver.close()
    sheets: dict[str, _AnySheet] = {}
    for i, (stem, _, _) in enumerate(files):
        sheets[stem], found = read.pop(i)
        problems.extend(found)
    return sheets, digest, pending


def _csv_share_and_scan(sender: split_read.Sender, files: list[tuple[str, str, bytes]],
                        theirs: list[int]) -> dict[tuple[str, str | None], int]:
    """The forked process's work: its share of the files as [header, columns, row numbers] in JSON
    (None for a file read otherwise than into plain columns, or refused), then the identity
    numbers counted in every file, one at a time."""
    def written(name: str, data: bytes) -> bytes | None:
        try:
            sheet = read_csv_bytes(name, data, found := [])
            return orjson.dumps(list(sheet[:3])) if len(sheet) == 4 and not found else None
        except (InputRefused, orjson.JSONEncodeError, TypeError):
            return None

    sender.send(written(name, data) for _, name, data in (files[i] for i in theirs))
    mine = dict(zip(theirs, range(len(theirs)), strict=True))

    def tables(blobs: list[memoryview | None]) -> Iterator[tuple[str, _AnySheet]]:
        for i, (stem, name, data) in enumerate(files):
            blob = blobs[mine[i]] if i in mine else None
            sheet: _AnySheet = (*orjson.loads(blob), False) if blob is not None else read_csv_bytes(name, data, [])
            yield from _names_as_text({stem: sheet}).items()

    with sender.sent() as blobs:
        return scan_tables(tables(blobs))  # type: ignore[arg-type]


def _sheets_of(name: str, tables: Iterator[tuple[str, object]],
               parsed_by_orjson: bool) -> tuple[dict[str, Sheet | ColumnSheet], int]:
    """Each table's rows as columns, and the number of keys read (the tables' and their rows');
    the rows are dropped as soon as a table's columns are copied."""
    out: dict[str, Sheet | ColumnSheet] = {}
    keys = 0
    for key, rows in tables:
        header, transposed, n, row_keys = _table_columns(name, key, rows)
        del rows  # the columns hold the cells now
        columns = _compacted(transposed) if parsed_by_orjson else [list(col) for col in transposed]
        del transposed
        _check_cells(name, key, header, columns, parsed_by_orjson)
        out[key] = (header, columns, list(range(1, n + 1)), True)
        keys += 1 + row_keys
    return out, keys


def _table_columns(name: str, key: str, rows: object) -> tuple[list[object], Sequence[Sequence[object]], int, int]:
    """A table's rows as (header, columns, number of rows, number of keys in the rows)."""
    if not isinstance(rows, list):
        raise InputRefused(
            f"{name}: '{key}' skal være en liste med rader, men er {type(rows).__name__} "
            f"(the value of '{key}' must be a list of row objects)."
        )
    row_types = dict.fromkeys(map(type, rows))  # in C; the loop below only runs to name a bad row
    for pos, row in enumerate(rows if row_types.keys() - {dict} else (), start=1):
        if type(row) is not dict:
            raise InputRefused(
                f"{name}: '{key}' rad {pos} er ikke et objekt ({type(row).__name__}) "
                f"(row {pos} of '{key}' is not an object of column values)."
            )
    same = _same_keys(rows)
    transposed: Sequence[Sequence[object]]
    if same is not None:  # every row has the first row's keys: transpose in C
        header, transposed = same
    else:  # the distinct key layouts are few; their union in first-seen order is the header
        layouts = dict.fromkeys(map(tuple, rows))
        header = list(dict.fromkeys(k for layout in layouts for k in layout))
        transposed = [[row.get(c) for row in rows] for c in header]
    return header, transposed, len(rows), sum(map(len, rows))


def _check_cells(name: str, key: str, header: Sequence[object], columns: Sequence[Sequence[object]],
                 parsed_by_orjson: bool) -> None:
    """Refuse a nested object or list where a cell belongs; raise _InexactInteger where orjson made one a float."""
    for col, cells in zip(header, columns, strict=True):
        inferred = pd.api.types.infer_dtype(cells, skipna=True)
        if parsed_by_orjson and inferred in _MAY_HOLD_FLOATS and any(
                type(v) is float and abs(v) >= _INEXACT_FROM for v in cells):
            raise _InexactInteger
        if inferred in ("mixed", "unknown-array"):
            for pos, value in enumerate(cells, start=1):
                if isinstance(value, dict | list):
                    raise InputRefused(
                        f"{name}: '{key}' rad {pos}, kolonne '{col}': nøstet {type(value).__name__} der en "
                        f"verdi skal stå (row {pos}, column '{col}': a nested object or list where a single "
                        "value belongs)."
                    )


_MAY_HOLD_FLOATS = frozenset({"floating", "mixed-integer-float", "mixed-integer", "mixed", "unknown-array"})


def _same_keys(rows: list[dict[str, object]]) -> tuple[list[object], list[list[object]]] | None:
    """(header, columns) when every row has exactly the first row's keys, in any order; else None.

    Rows of equal length that all have the first row's keys have the same keys, so one
    pass of lengths and one of key lookups (in C) replace comparing each row's layout.
    One pass per column (``map(itemgetter(key))``) rather than ``zip(*rows' tuples)``: the
    zip builds a tuple per row and unpacks a million of them as arguments, measured at
    0.84 s against 0.11 s for the 320,000 service rows of a national snapshot.
    """
    if not rows or not rows[0] or len(set(map(len, rows))) != 1:
        return None
    header: list[object] = list(rows[0])
    try:
        return header, [list(map(operator.itemgetter(key), rows)) for key in header]
    except KeyError:
        return None


def _compacted(columns: Sequence[Sequence[object]], exact_json: bool = True) -> list[list[object]]:
    """The columns' cells copied into fresh memory, one column after another.

    A parsed file lays its cells out row by row, so the cells of one column are a row's
    width apart and every later pass over a column (typing, trimming, hashing, the
    rules' joins) waits on main memory for each cell: measured at 100,000 cases, four
    to five times slower per pass than over cells stored together. Writing the columns
    out with orjson and reading them back allocates each column's cells together, at
    about a second for a national snapshot, while the parsed file is still held (its
    freed memory would scatter the copies again). The copy is exact for JSON values
    (``exact_json``: a JSON file or CSV text); otherwise (Excel's cells) a column holding
    anything but text, whole numbers, booleans and empty cells keeps its cells as they
    are, and so does a table orjson cannot write (an integer beyond 64 bits).
    """
    if exact_json:
        try:
            return orjson.loads(orjson.dumps(columns))
        except (TypeError, orjson.JSONEncodeError, orjson.JSONDecodeError):
            return [list(col) for col in columns]
    kinds = [pd.api.types.infer_dtype(col, skipna=True) for col in columns]
    plain = [k in _JSON_EXACT for k in kinds]
    copied = iter(orjson.loads(orjson.dumps([col for col, ok in zip(columns, plain, strict=True) if ok])))
    return [next(copied) if ok else list(col) for col, ok in zip(columns, plain, strict=True)]


# pandas' inferred kinds (empty cells aside) whose cells orjson writes and reads back as they were:
# not floats, dates, times or mixtures that could hold them. An empty cell comes back as None (a
# NaN too, which Excel files do not hold; both are empty cells to the parsers).
_JSON_EXACT = frozenset({"string", "empty", "integer", "boolean"})


# --- mapping sheets and headers to the contract


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


def _map_tables(sheets: dict[str, Sheet] | dict[str, Sheet | ColumnSheet], problems: list[InputProblem],
                text_only: bool = True, merges: dict[str, list[Merge]] | None = None,
                file_name: str = "", waivers: dict[str, RawTable] | None = None,
                waiver_problems: list[InputProblem] | None = None) -> dict[str, RawTable]:
    """Sheets to the contract's tables (``merges``: an xlsx file's merged ranges below each sheet's header).

    A waivers sheet (``waivers``/``unntak``) is mapped into ``waivers`` (its notices into
    ``waiver_problems``), not into the tables; without ``waivers`` it is not read.
    """
    tables: dict[str, RawTable] = {}
    for sheet_name, sheet in sheets.items():
        if normalise_name(sheet_name) in IGNORED_SHEETS:
            continue
        if resolve_waivers_name(sheet_name) is not None and waivers is not None:
            if "waivers" in waivers:
                raise InputRefused(
                    f"Unntakene finnes to ganger ('{waivers['waivers'].source}' og '{sheet_name}') "
                    "(the waivers are given twice; keep one sheet)."
                )
            where = f"arket '{_shown(sheet_name)}'" if not text_only else f"filen '{_shown(sheet_name)}.csv'"
            waivers["waivers"] = _map_columns("waivers", str(sheet_name), _as_columns(sheet, text_only),
                                              waiver_problems if waiver_problems is not None else problems,
                                              merges=(merges or {}).get(sheet_name, []),
                                              where=f"{file_name}: {where}" if file_name else where)
            continue
        table_name = resolve_table_name(sheet_name)
        if table_name is None:
            hint = did_you_mean(normalise_name(sheet_name), list(TABLES))
            problems.append(InputProblem(
                table=str(sheet_name), row=None, column=None, value=None,
                code=ProblemCode.UNKNOWN_TABLE, severity=Severity.notice,
                detail=hint.strip() or None,
            ))
            continue
        if table_name in tables:
            raise InputRefused(
                f"Tabellen '{table_name}' finnes to ganger ('{tables[table_name].source}' og '{sheet_name}') "
                f"(the table '{table_name}' is given twice)."
            )
        where = f"arket '{_shown(sheet_name)}'" if not text_only else f"filen '{_shown(sheet_name)}.csv'"
        tables[table_name] = _map_columns(table_name, str(sheet_name), _as_columns(sheet, text_only), problems,
                                          merges=(merges or {}).get(sheet_name, []),
                                          where=f"{file_name}: {where}" if file_name else where)
    for name in TABLES:
        if name not in tables and name != "cases":
            problems.append(InputProblem(
                table=name, row=None, column=None, value=None,
                code=ProblemCode.ABSENT_TABLE, severity=Severity.notice,
            ))
    return tables


def _as_columns(sheet: Sheet | ColumnSheet, text_only: bool = True) -> ColumnSheet:
    """Rows to columns (in C, via zip), each column's cells stored together; a short row gets empty cells.

    ``text_only``: every cell is text or None (CSV), so the cells can be copied through JSON.
    """
    if len(sheet) == 4:
        return sheet  # type: ignore[return-value]
    header, body, rownums = sheet  # type: ignore[misc]
    columns = _compacted(list(itertools.zip_longest(*body)), exact_json=text_only) if body else []
    return (header, columns, rownums, False)


def _object_array(cells: Sequence[object]) -> np.ndarray:
    """Cells as an object array, taken as they are: ``np.array`` would look into each cell for
    nested sequences (a pass over every cell), and the cells are single values here."""
    return np.fromiter(cells, dtype=object, count=len(cells))


def _map_columns(table_name: str, source: str, sheet: ColumnSheet, problems: list[InputProblem],
                 merges: Sequence[Merge] = (), where: str = "") -> RawTable:
    """One sheet's columns under their canonical names, its empty rows dropped, its odd cells reported.

    ``where`` names the sheet or file in a refusal ("s.xlsx: arket 'saker'").
    """
    spec = table_spec(table_name)
    header, columns, rownums, from_json = sheet
    header_row = None if from_json else 1
    aliases = spec.alias_map()
    keep: dict[int, str] = {}
    seen: dict[str, object] = {}
    width = len(header)
    n = len(rownums)
    known_header = from_json or any(aliases.get(normalise_name(c)) for c in header if not _blank(c))
    if not known_header and _refuse_header_not_on_row_1(where or source, header, columns, rownums, aliases):
        return _empty_table(table_name, source)  # every cell blank
    for pos, cell in enumerate(header):
        if _blank(cell):
            if pos < len(columns) and any(v not in (None, "") for v in columns[pos][:1000]):
                problems.append(InputProblem(
                    table=table_name, row=header_row, column=None, value=None,
                    code=ProblemCode.UNKNOWN_COLUMN, severity=Severity.notice,
                    detail=f"kolonne {pos + 1} har verdier, men ingen overskrift",
                ))
            continue
        canon = aliases.get(normalise_name(cell))
        if canon is None:
            problems.append(InputProblem(
                table=table_name, row=header_row, column=str(cell).strip(), value=None,
                code=ProblemCode.UNKNOWN_COLUMN, severity=Severity.notice,
                detail=did_you_mean(normalise_name(cell), spec.column_names).strip() or None,
            ))
            continue
        if canon in seen:
            raise InputRefused(
                f"Tabell '{table_name}' ({source}): kolonnene '{seen[canon]}' og '{cell}' betyr det samme "
                f"('{canon}'); behold én (two columns mean the same; keep one)."
            )
        seen[canon] = str(cell).strip()
        keep[pos] = canon
    missing = [c.name for c in spec.columns if c.required and c.name not in seen]
    if missing and (header or n):  # a table with no header and no rows is just empty
        raise InputRefused(
            f"Tabell '{table_name}' ({source}): påkrevd kolonne mangler: {', '.join(missing)} "
            f"(required column missing: {', '.join(missing)}). "
            f"Kolonner funnet: {', '.join(str(h) for h in header if h not in (None, '')) or 'ingen'}."
        )
    frame = pd.DataFrame({canon: pd.Series(_object_array(columns[pos]) if pos < len(columns) else [None] * n,
                                           dtype=object, copy=False)
                          for pos, canon in keep.items()})
    rows = np.asarray(rownums, dtype=np.int64)
    # rows wider than the header: cells without a column are reported, not silently dropped
    if len(columns) > width:
        extra = np.zeros(n, dtype=bool)
        for col in columns[width:]:
            extra |= ~is_empty(pd.Series(col, dtype=object))
        for i in np.flatnonzero(extra):
            problems.append(InputProblem(
                table=table_name, row=int(rows[i]), column=None, value=None,
                code=ProblemCode.EXTRA_CELLS, severity=Severity.notice,
            ))
    # empty rows are skipped and not counted; a row is empty only if every cell, in known columns or not,
    # is empty. Candidates shrink column by column, so a table with ids costs one column's look.
    if n:
        candidates = np.arange(n)
        order = sorted(range(len(columns)), key=lambda pos: (keep.get(pos) != spec.unique, pos not in keep))
        for pos in order:
            if not len(candidates):
                break
            col = columns[pos]
            cells = pd.Series([col[i] for i in candidates] if len(candidates) < n else col, dtype=object)
            candidates = candidates[is_empty(cells)]
        if len(candidates):
            keep_mask = np.ones(n, dtype=bool)
            keep_mask[candidates] = False
            frame = frame[keep_mask].reset_index(drop=True)
            rows = rows[keep_mask]
    for row, pos, ref in merges:
        label = header[pos] if pos < width else None
        problems.append(InputProblem(
            table=table_name, row=row, column=keep.get(pos) or (None if _blank(label) else str(label).strip()),
            value=ref, code=ProblemCode.MERGED_CELLS, severity=Severity.notice,
        ))
    for c in spec.column_names:
        if c not in frame.columns:
            frame[c] = pd.Series([None] * len(frame), dtype=object)
    return RawTable(name=table_name, frame=frame[spec.column_names], rows=rows, source=source)


def _empty_table(table_name: str, source: str) -> RawTable:
    """A table without rows (a sheet whose every cell is blank)."""
    names = table_spec(table_name).column_names
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in names})
    return RawTable(name=table_name, frame=frame, rows=np.zeros(0, dtype=np.int64), source=source)


_LOOK_DOWN = 20  # data rows searched for a header row that is not row 1


def _refuse_header_not_on_row_1(where: str, header: Sequence[object], columns: Sequence[Sequence[object]],
                                rownums: Sequence[int], aliases: dict[str, str]) -> bool:
    """Refuse a sheet whose column headers are not on row 1; True when the sheet is entirely blank.

    Runs only for a sheet whose row 1 holds no known column name. Two shapes are refused:
    row 1 is empty and a later row holds text (empty rows above the header, or a header
    that was deleted), and row 1 holds other text (a title) while one of the next rows
    holds known column names. Read as it is, such a sheet's headers would be unknown or
    empty and its rows lost or misread; the message says where the text was found.
    """
    texts = [(pos, c) for pos, c in enumerate(header) if not _blank(c)]
    if not texts:
        first: tuple[int, int, object] | None = None  # (row index, column, cell) of the first text
        for pos, col in enumerate(columns):
            limit = len(col) if first is None else first[0]
            i = next((i for i in range(limit) if not _blank(col[i])), None)
            if i is not None and (first is None or i < first[0]):
                first = (i, pos, col[i])
        if first is None:
            return True
        i, pos, cell = first
        row, ref = rownums[i], f"{column_letters(pos + 1)}{rownums[i]}"
        raise InputRefused(
            f"{where}: overskriftene (kolonnenavnene) må stå på rad 1, men rad 1 er tom; fant tekst først på rad "
            f"{row} ({ref}: '{_shown(cell)}'). Slett de tomme radene over overskriftene (the column headers must be "
            f"on row 1, but row 1 is empty; the first text is on row {row}, {ref}; delete the empty rows above the "
            "headers)."
        )
    for i in range(min(_LOOK_DOWN, len(rownums))):
        cells = [(pos, col[i]) for pos, col in enumerate(columns) if i < len(col) and not _blank(col[i])]
        known = [(pos, c) for pos, c in cells if isinstance(c, str) and aliases.get(normalise_name(c))]
        if known and 2 * len(known) >= len(cells):
            pos0, title = texts[0]
            pos, name = known[0]
            row, ref = rownums[i], f"{column_letters(pos + 1)}{rownums[i]}"
            title_ref = f"{column_letters(pos0 + 1)}1"
            raise InputRefused(
                f"{where}: overskriftene (kolonnenavnene) må stå på rad 1, men rad 1 har ingen kjente kolonnenavn "
                f"({title_ref}: '{_shown(title)}'); kolonnenavnene står på rad {row} ({ref}: '{_shown(name)}'). "
                f"Slett radene over overskriftene (the column headers must be on row 1, but row 1 holds no known "
                f"column name; the column names are on row {row}, {ref}; delete the rows above the headers)."
            )
    return False
