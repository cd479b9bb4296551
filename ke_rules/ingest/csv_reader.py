"""Reading a folder of .csv files (or one .csv file) as a spreadsheet program shows it.

CSV is where ordinary files lose rows without a word: a lone quote in a note swallows
the rows after it, a byte pasted from another program turns a UTF-8 file into
Windows-1252 mojibake (and a column header into an unknown column), a comma in a
header makes a ';' file unreadable, and a broken link looks like an absent table.
So this module decides each file's encoding and delimiter from evidence, reads a
quote only where it cannot swallow a row, and refuses what it cannot read
unambiguously, naming the file, row and column. What it reads but had to repair (a
stray byte) it hands back as :class:`InputProblem` warnings, so nothing is silent.

Each reader returns one sheet per file: ``(header cells, data rows, row numbers)`` or,
from the fast path, ``(header cells, one list per column, row numbers, False)`` -- the
shapes ``load.Sheet`` and ``load.ColumnSheet``. Row numbers are spreadsheet rows
(header = 1, first data row = 2), blank lines included, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ke_rules.errors import InputRefused
from ke_rules.ingest.schema import TABLES, resolve_table_name, resolve_waivers_name, table_spec
from ke_rules.ingest.values import ProblemCode
from ke_rules.ingest.vocabulary import normalise_name
from ke_rules.report.models import InputProblem, Severity

__all__ = ["read_csv_bytes", "read_csv_folder", "csv_files", "read_csv_columns", "decode_csv", "choose_delimiter",
           "check_quotes", "Stray"]

Sheet = tuple[list[object], list[list[object]], list[int]]
ColumnSheet = tuple[list[object], list[list[object]], list[int], bool]

_BOM = b"\xef\xbb\xbf"
DELIMITERS = (";", ",", "\t")
SAMPLE_RECORDS = 50  # data records, after the header, that decide the delimiter
# Files a folder holds next to its data that are not data: Office's owner file while a .csv is open
# in Excel (~$cases.csv) and macOS's resource forks on shared drives (._cases.csv); both hold NUL bytes.
_NOT_DATA_PREFIXES = ("~$", "._")

# A byte that does not decode is kept as a lone surrogate (U+DC80-U+DCFF, Python's surrogateescape):
# a decoded file can hold no other surrogate, so each one marks exactly one stray byte until it is
# located in its cell and replaced.
_STRAY = re.compile("[\udc80-\udcff]")


def _may_hold_utf8(data: bytes) -> bool:
    """Whether a lead byte is ever followed by a continuation byte, the shape of every multi-byte UTF-8
    sequence; False for the usual Windows-1252 file (its letters stand before ASCII). In numpy: a
    regex of the exact sequences takes a second over 20 MB."""
    a = np.frombuffer(data, dtype=np.uint8)
    return bool(np.any((a[:-1] >= 0xC2) & (a[:-1] <= 0xF4) & ((a[1:] & 0xC0) == 0x80)))


# --- encoding


@dataclass(frozen=True)
class Stray:
    """A cell that held bytes the file's encoding does not decode: where, which bytes, the value read."""

    row: int  # spreadsheet row
    column: int  # 0-based position in the row
    raw: bytes
    value: str

    def detail(self, utf8: bool) -> str:
        """Names each byte and what it was read as (a byte not in Windows-1252 either is read as U+FFFD)."""
        parts = []
        for b in self.raw:
            ch = _cp1252_char(b)
            if ch == "\ufffd":
                parts.append(f"byte 0x{b:02X} → '\ufffd' (ikke et tegn i Windows-1252 heller; not a character "
                             "in Windows-1252 either)" if utf8 else f"byte 0x{b:02X} → '\ufffd' (ikke et tegn i "
                             "Windows-1252; not a character in Windows-1252)")
            else:
                parts.append(f"byte 0x{b:02X} → '{ch}'" if ch.isprintable() else f"byte 0x{b:02X} → U+{ord(ch):04X}")
        return ", ".join(parts)


def _cp1252_char(b: int) -> str:
    try:
        return bytes([b]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are not characters in Windows-1252
        return "\ufffd"


def decode_csv(data: bytes) -> tuple[str, bool]:
    """The file's text and whether it was read as UTF-8; bytes that do not decode stay as lone surrogates.

    Decided per file, from evidence: text that is valid UTF-8 is UTF-8; a BOM is UTF-8 whatever
    follows (Excel's «CSV UTF-8»), with any stray byte read as Windows-1252; otherwise each valid
    multi-byte UTF-8 sequence counts for UTF-8 and each byte that does not decode against it, since
    Windows-1252 text (Norwegian Excel's «CSV (semikolondelt)») almost never holds a valid sequence
    and a UTF-8 file with a pasted byte holds many. A tie goes to UTF-8, whose stray bytes are
    reported, where the other reading would garble the multi-byte letters silently.
    """
    if data.startswith(_BOM):
        return data[3:].decode("utf-8", "surrogateescape"), True
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        pass
    if not _may_hold_utf8(data):  # the usual Windows-1252 file: one pass decides it
        return data.decode("cp1252", "surrogateescape"), False
    text = data.decode("utf-8", "surrogateescape")
    strays = len(text.encode("utf-8", "surrogateescape")) - len(text.encode("utf-8", "ignore"))
    valid = len(text) - len(text.encode("ascii", "ignore")) - strays  # counted in C, not per match
    return (text, True) if valid >= strays else (data.decode("cp1252", "surrogateescape"), False)


def _repair_strays(sheet: Sheet) -> list[Stray]:
    """Find the cells that hold stray bytes, read each byte as Windows-1252 in place, and say where."""
    strays: list[Stray] = []

    def repaired(cell: str, row: int, column: int) -> str:
        raw = bytes(ord(m.group()) - 0xDC00 for m in _STRAY.finditer(cell))
        value = _STRAY.sub(lambda m: _cp1252_char(ord(m.group()) - 0xDC00), cell)
        strays.append(Stray(row, column, raw, value))
        return value

    header, body, rownums = sheet
    for row, cells in zip([1, *rownums], [header, *body], strict=True):
        if _STRAY.search("\0".join(cells)):  # type: ignore[arg-type]  # a NUL is never in the text
            for pos, cell in enumerate(cells):
                if isinstance(cell, str) and _STRAY.search(cell):
                    cells[pos] = repaired(cell, row, pos)
    return strays


def _stray_problems(table: str, header: list[object], strays: list[Stray], utf8: bool) -> list[InputProblem]:
    """One warning per repaired cell, in the table's canonical column names (as _map_columns names them)."""
    aliases = table_spec(table).alias_map()
    out = []
    for s in strays:
        cell = header[s.column] if s.column < len(header) else None
        column = None
        if isinstance(cell, str) and cell.strip():
            column = aliases.get(normalise_name(cell)) or cell.strip()
        out.append(InputProblem(table=table, row=s.row, column=column, value=s.value, code=ProblemCode.STRAY_BYTE,
                                severity=Severity.warning, detail=s.detail(utf8)))
    return out


def refuse_non_text(name: str, data: bytes) -> None:
    """UTF-16 text and binary files named .csv are refused before anything is decoded."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputRefused(f"{name}: filen er UTF-16-tekst; lagre den som «CSV UTF-8» eller «CSV (semikolondelt)» "
                           "(the file is UTF-16 text; save it as CSV UTF-8 or CSV semicolon-separated).")
    if b"\0" in data:
        kind = "en Excel-arbeidsbok (zip)" if data.startswith(b"PK\x03\x04") else "binært innhold"
        raise InputRefused(f"{name}: ikke en tekstfil, men {kind}; en .csv-fil må være tekst "
                           "(not a text file but binary content; a .csv file must be text).")


def _shown(text: str) -> str:
    """A header cell as a message may quote it: no control characters reach the terminal."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


def _misread_name(cell: str, names: list[str]) -> str | None:
    """The known column name ``cell`` is when it is that name read with the wrong encoding, else None.

    Mojibake (UTF-8 read as Windows-1252, e.g. 'Ã¥pnet', once or twice over) is undone; a
    replacement character (U+FFFD, where a converter gave up on a letter) matches any one or
    two non-ASCII letters.
    """
    folded = {normalise_name(n): n for n in names}
    text = cell.strip()
    for _ in range(2):
        try:
            text = text.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            break
        if normalise_name(text) in folded:
            return folded[normalise_name(text)]
    if "\ufffd" in cell:
        pattern = re.compile("[^\x00-\x7f]{1,2}".join(re.escape(p) for p in re.split("\ufffd+", cell.strip())),
                             re.IGNORECASE)
        for n in names:
            if pattern.fullmatch(n):
                return n
    return None


def _refuse_misread_header(name: str, table: str, header: list[object]) -> None:
    """A known column whose name was read with the wrong encoding would become an unknown column and its
    values would be dropped; refuse instead, naming the column and the name it likely is."""
    spec = table_spec(table)
    aliases = spec.alias_map()
    names = [n for c in spec.columns for n in (c.name, *c.aliases)]
    for cell in header:
        if not isinstance(cell, str) or normalise_name(cell) in aliases:
            continue
        if not any(ord(c) > 0x7F for c in cell):
            continue
        intended = _misread_name(cell, names)
        if intended is not None:
            raise InputRefused(
                f"{name}: kolonnen '{_shown(cell.strip())}' ser ut som '{intended}' lest med feil tegnkoding, så "
                f"verdiene ville gått tapt; lagre filen som «CSV UTF-8» og prøv igjen (the column "
                f"'{_shown(cell.strip())}' looks like '{intended}' read with the wrong character encoding, so its "
                "values would be lost; save the file as CSV UTF-8 and try again).")


def _refuse_misread_file_name(name: str) -> None:
    """A file named as a known table with the wrong encoding (``mÃ¸ter.csv``, after a zip or a copy
    between systems) would be an unknown table and its rows absent; refuse instead."""
    stem = Path(name).stem
    if any(ord(c) > 0x7F for c in stem):
        names = [n for t in TABLES.values() for n in (t.name, *t.aliases)]
        # bytes the file system could not decode as UTF-8 (a Windows-1252 name from a zip) are
        # kept as surrogates; read as Windows-1252 they may name a table
        as_cp1252 = stem.encode("utf-8", "surrogateescape").decode("cp1252", "replace")
        intended = as_cp1252 if _STRAY.search(stem) and resolve_table_name(as_cp1252) else _misread_name(stem, names)
        if intended is not None:
            raise InputRefused(
                f"{_shown(name)}: filnavnet ser ut som '{intended}' skrevet med feil tegnkoding, så tabellen ville "
                f"mangle; gi filen navnet '{intended}.csv' (the file name looks like '{intended}' written with the "
                f"wrong character encoding, so the table would be missing; rename the file to '{intended}.csv').")


# --- the delimiter


def _sample(text: str) -> tuple[str, bool]:
    """The start of the text, enough for the header and SAMPLE_RECORDS records; and whether it was cut."""
    cut = 0
    for _ in range(4 * SAMPLE_RECORDS):
        nxt = text.find("\n", cut)
        if nxt < 0:
            return text, False
        cut = nxt + 1
    return text[:cut], cut < len(text)


@dataclass(frozen=True, order=True)
class _Reading:
    """How plausibly one delimiter reads a file; compared field by field, best last."""

    names: int  # known column names the header splits into, less those it leaves glued inside a cell
    consistent: float  # share of sampled records with the header's number of fields
    splits: bool  # the header has more than one column


HEADER_SEARCH = 10  # records searched for the header: a title line or blank lines may stand above it


def _names(row: list[str], delimiter: str, aliases: dict[str, str]) -> int:
    """Known column names in ``row``, less those left glued inside one cell with another delimiter."""
    known = sum(normalise_name(c) in aliases for c in row)
    glued = sum(normalise_name(part) in aliases for c in row if normalise_name(c) not in aliases
                for d in DELIMITERS if d != delimiter and d in c for part in c.split(d))
    return known - glued


def _reading(sample: str, cut: bool, delimiter: str, aliases: dict[str, str]) -> tuple[_Reading, int]:
    """How ``delimiter`` reads the sample, and the header's width in that reading.

    The header is the record with the most known names among the first HEADER_SEARCH (the
    first record when none has any), so a file with a title line above its header still gets
    the delimiter that splits its header, and the loader can say where the header is.
    """
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter),
                                     HEADER_SEARCH + SAMPLE_RECORDS + cut))
    except csv.Error:  # a field beyond the csv module's limit: this reading swallows the sample
        return _Reading(-1, 0.0, False), 0
    if cut and len(rows) > HEADER_SEARCH + SAMPLE_RECORDS:
        rows.pop()  # may be a record the sample cut in two
    if not rows:
        return _Reading(0, 1.0, False), 0
    scores = [_names(r, delimiter, aliases) for r in rows[:HEADER_SEARCH]]
    at = scores.index(max(scores)) if max(scores) > 0 else 0
    header = rows[at]
    body = [r for r in rows[at + 1:at + 1 + SAMPLE_RECORDS] if r]  # blank lines say nothing of the delimiter
    consistent = sum(len(r) == len(header) for r in body) / len(body) if body else 1.0
    return _Reading(scores[at], consistent, len(header) > 1), len(header)


def _delimiter_name(d: str) -> str:
    return "tabulator (tab)" if d == "\t" else f"'{d}'"


def choose_delimiter(name: str, text: str, table: str | None) -> str:
    """The delimiter a spreadsheet program would read ``text`` with (Excel's sep= line aside).

    Each candidate reads the header (see ``_reading``) and up to SAMPLE_RECORDS records after it. The best reading
    splits the header into the most known column names (of the file's table; of any table
    when the file name is not one), less the names it leaves glued inside one cell with
    another candidate (``case_id;opened_on`` read with ',' hides two names); then has the
    most records of the header's width; then splits the header at all. Two readings equal
    on all three that both split the header are refused for a known table: either could be
    what the user meant, and the wrong one would drop columns.
    """
    sample, cut = _sample(text)
    if table is not None:
        aliases = table_spec(table).alias_map()
    else:
        aliases = {k: v for t in TABLES.values() for k, v in t.alias_map().items()}
    readings = sorted(((*_reading(sample, cut, d, aliases), d) for d in DELIMITERS),
                      key=lambda r: r[0], reverse=True)  # stable: equal readings keep ';', ',', tab order
    (best, width, delimiter), (second, width2, other) = readings[0], readings[1]
    if table is not None and best == second and best.splits:
        raise InputRefused(
            f"{name}: skilletegnet er tvetydig; filen kan leses både med {_delimiter_name(delimiter)} ({width} "
            f"kolonner) og {_delimiter_name(other)} ({width2} kolonner). Skriv «sep={delimiter}» eller "
            f"«sep={other}» alene på første linje, eller lagre filen på nytt fra Excel (the delimiter is ambiguous: "
            f"the file reads both with {_delimiter_name(delimiter)} ({width} columns) and "
            f"{_delimiter_name(other)} ({width2} columns); put sep= and the delimiter alone on the first line, or "
            "save the file again from Excel).")
    return delimiter


# --- quotes


@dataclass(frozen=True)
class _QuoteScanner:
    """Finds, in C, the quotes that open a value that does not close on its own line.

    Plain text, a quote inside an unquoted field (``24" skjerm``: text, as the csv module and
    Excel read it) and a quoted value closed on its own line cannot swallow a row; the
    ``skip`` pattern runs over them and stops at the first quote that opens a value at a
    field's start and runs over a line end or to the end of the file.
    """

    skip: re.Pattern[str]
    value: re.Pattern[str]  # a quoted value from its opening quote; group 1 is its closing quote
    after: re.Pattern[str]  # what may follow a closing quote: spaces, then a delimiter or a line end

    @classmethod
    def for_delimiter(cls, delimiter: str) -> _QuoteScanner:
        d = re.escape(delimiter)
        one_line = r'"[^"\r\n]*+(?:""[^"\r\n]*+)*+"(?!")'
        skip = rf'(?:[^"]++|(?<![{d}\r\n])"|(?<=[{d}\r\n]){one_line})*+'
        return cls(re.compile(skip), re.compile(r'"[^"]*+(?:""[^"]*+)*+("?)'),
                   re.compile(rf"[ ]*+(?:{d}|\r|\n|\Z)"))


_SCANNERS = {d: _QuoteScanner.for_delimiter(d) for d in DELIMITERS}
_LINE_END = re.compile(r"\r\n|\r|\n")


def _line_ends(text: str, start: int = 0, end: int | None = None) -> int:
    end = len(text) if end is None else end
    return text.count("\n", start, end) + text.count("\r", start, end) - text.count("\r\n", start, end)


def _row_like(line: str, delimiter: str, width: int) -> bool:
    """A line inside a quoted value that reads as a row of its own (one the value would swallow).

    It holds at least the header's width less one delimiters; in a table of four columns or
    fewer a note line can hold that many too, so there its first field must also look like a
    cell of its own (one short word, as an id is) rather than a sentence.
    """
    n = line.count(delimiter)
    if n < width - 1 or (width > 1 and n == 0):
        return False
    if width >= 5:
        return True
    first = line.split(delimiter, 1)[0].strip()
    return 0 < len(first) <= 40 and not any(c.isspace() for c in first)


def _rows(first: int, last: int) -> tuple[str, str]:
    return (f"rad {first}", f"row {first}") if first == last else (f"radene {first}–{last}", f"rows {first}–{last}")


def check_quotes(name: str, text: str, delimiter: str, header: list[str]) -> None:
    """Refuse a text whose quotes cannot be read unambiguously, naming where the reading goes wrong.

    Only quoted values that run over a line end are looked at (a legitimate one is a note
    Excel wrote over several lines). Such a value is refused when it never closes; when the
    line it closes on reads as a whole row of its own and so does a line inside it (a lone
    quote has swallowed rows, up to a stray quote in a later row: a legitimate note's closing
    line holds only the rest of its record); or when its closing quote is followed by text
    (the closing quote was text too). Both parsers read the text only after it passes here,
    so they read the same rows.
    """
    if '"' not in text:
        return
    scanner = _SCANNERS.get(delimiter) or _QuoteScanner.for_delimiter(delimiter)
    t = "\n" + text  # the text's start is a field's start, as a line start is
    width = max(len(header), 1)
    pos = counted = 0
    row = 0  # spreadsheet row at ``counted``: line ends outside quoted values (the prepended one is row 1)
    last_value = (0, 0, 1)  # the last multi-line value read: start, end, its record's start
    while True:
        pos = scanner.skip.match(t, pos).end()  # type: ignore[union-attr]  # matches at least ''
        if pos >= len(t):
            return
        m = scanner.value.match(t, pos)
        assert m is not None  # the skip pattern stops only at a quote
        end = m.end()
        row += _line_ends(t, counted, pos)
        counted = end
        line_start = max(t.rfind("\n", 0, pos), t.rfind("\r", 0, pos)) + 1
        record_start = last_value[2] if last_value[0] <= line_start < last_value[1] else line_start
        try:
            fields = next(csv.reader(io.StringIO(t[record_start:pos], newline=""), delimiter=delimiter), [])
        except csv.Error:
            fields = []
        at = max(len(fields) - 1, 0)
        named = row > 1 and at < len(header) and header[at].strip()  # row 1: the header is what is wrong
        column = f"'{_shown(header[at].strip()[:40])}'" if named else f"{at + 1}"
        where_nb, where_en = f"rad {row}, kolonne {column}", f"row {row}, column {column}"
        if not m.group(1):  # never closed
            nb, en = _rows(row, row + _line_ends(t.rstrip("\r\n"), pos))
            raise InputRefused(
                f"{name}: {where_nb}: et anførselstegn (\") åpner en verdi som aldri lukkes, så {nb} ville blitt "
                f"lest som én verdi; fjern anførselstegnet eller lukk verdien ({where_en}: a quote opens a value "
                f"that is never closed, so {en} would be read as one value; remove the quote or close the value).")
        lines = _LINE_END.split(t[pos + 1:end - 1])
        last = row + len(lines) - 1
        nb, en = _rows(row, last)
        # the line the value closes on, whole (less the quote): a legitimate note's holds only the rest
        # of its record; a row whose stray quote closed the value holds a whole row
        eol = _LINE_END.search(t, end)
        closing_line = lines[-1] + t[end:eol.start() if eol else len(t)]
        swallowed = None
        if _row_like(closing_line, delimiter, width):
            swallowed = next(row + i for i, line in enumerate([*lines[:-1], closing_line])
                             if i and _row_like(line, delimiter, width))
        if swallowed is not None:
            raise InputRefused(
                f"{name}: {where_nb}: et anførselstegn (\") åpner en verdi som går over {nb}, og rad {swallowed} ser "
                f"ut som en egen rad som ville blitt slukt; fjern anførselstegnet eller lukk verdien der den slutter "
                f"({where_en}: a quote opens a value that runs over {en}, and row {swallowed} looks like a row of "
                "its own that would be swallowed; remove the quote or close the value where it ends).")
        if scanner.after.match(t, end) is None:
            raise InputRefused(
                f"{name}: {where_nb}: et anførselstegn (\") åpner en verdi som går over {nb}, men anførselstegnet "
                f"som lukker den i rad {last} følges av tekst, så det var trolig tekst og ikke et avsluttende "
                f"anførselstegn; fjern anførselstegnet i rad {row} eller lukk verdien ({where_en}: a quote opens a "
                f"value that runs over {en}, but the quote that closes it in row {last} is followed by text, so it "
                f"was likely text, not a closing quote; remove the quote in row {row} or close the value).")
        last_value = (pos, end, record_start)
        pos = end


# --- reading


def _excel_sep_line(text: str) -> tuple[str | None, str]:
    """Excel's ``sep=;`` first line: the delimiter, and the text after it (Excel does not show the line)."""
    if not text.startswith("sep="):
        return None, text
    m = re.match(r"sep=(.)(\r\n|\r|\n|\Z)", text)
    if m is None:
        return None, text
    return m.group(1), text[m.end():]


def _first_record(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(_sample(text)[0], newline=""), delimiter=delimiter), [])
    except csv.Error:  # a header cell beyond the csv module's limit: a runaway quote, which is found anyway
        return []


def read_csv_columns(text: str, delimiter: str) -> ColumnSheet | None:
    """A regular CSV text read by pandas' C parser straight into columns; None for anything irregular.

    The csv module reads a row at a time, and the rows must then be turned into
    columns and copied together (see ``load._compacted``): at 100,000 cases that is about
    four seconds, against under one here. Only a text every row of which has at most
    the header's number of fields and whose quotes all close is read here (a quote inside
    an unquoted field, ``24" skjerm``, is text to both parsers); a wider row, an unclosed
    quote or an empty text goes to the csv module's path. The two paths read the same cells
    (tested against each other); a row shorter than the header gets empty text where the
    csv module gives None, both an empty cell.
    """
    if not text:
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str, na_filter=False,
                            keep_default_na=False, skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL,
                            doublequote=True, skipinitialspace=False, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    columns = [frame[c].to_numpy(dtype=object) for c in frame.columns]
    header = [col[0] for col in columns]
    body = [col[1:].tolist() for col in columns]
    return (header, body, list(range(2, len(frame) + 1)), False)


def read_csv_bytes(name: str, data: bytes, problems: list[InputProblem],
                   table: str | None = None) -> Sheet | ColumnSheet:
    """One .csv file's cells; the stray bytes it repaired are appended to ``problems`` as warnings.

    ``name`` is the file name: its stem names the table (unless ``table`` does, as for a
    ``--waivers`` file of any name), whose column names help decide the delimiter and name
    the columns of the warnings.
    """
    refuse_non_text(name, data)
    text, utf8 = decode_csv(data)
    text = text.lstrip("\ufeff")  # a second BOM (a file saved twice as UTF-8) is not part of the header
    if table is None:
        stem = Path(name).stem
        table = resolve_table_name(stem) or resolve_waivers_name(stem)
    if table is None:
        _refuse_misread_file_name(name)
    excel_sep, text = _excel_sep_line(text)  # Excel's hint line; the header is still row 1
    delimiter = excel_sep or choose_delimiter(name, text, table)
    has_strays = _STRAY.search(text) is not None
    if '"' in text:
        check_quotes(name, text, delimiter, _first_record(text, delimiter))
    fast = None if has_strays else read_csv_columns(text, delimiter)  # pandas cannot take the surrogates
    if fast is not None:
        sheet: Sheet | ColumnSheet = fast
    else:
        try:
            rows: list[list[object]] = [*csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
        except csv.Error as exc:
            raise InputRefused(f"{name}: CSV-filen kan ikke leses (cannot be read as CSV: {exc}).") from None
        slow: Sheet = (rows[0], rows[1:], list(range(2, len(rows) + 1))) if rows else ([], [], [])
        if has_strays:
            strays = _repair_strays(slow)
            if table is not None:
                problems.extend(_stray_problems(table, slow[0], strays, utf8))
        sheet = slow
    if table is not None:
        _refuse_misread_header(name, table, sheet[0])
    return sheet


def read_csv_folder(folder: Path, problems: list[InputProblem]) -> tuple[dict[str, Sheet | ColumnSheet], str]:
    """Every .csv file of ``folder`` by stem, and the input hash over names and bytes.

    A .csv entry that cannot be read (a broken link, not a regular file, no permission) is
    refused, naming it: skipping it would make its table look absent, which means no rows.
    """
    out: dict[str, Sheet | ColumnSheet] = {}
    digest = hashlib.sha256()
    for stem, name, data in _csv_files(folder, digest):
        out[stem] = read_csv_bytes(name, data, problems)
    return out, digest.hexdigest()


def csv_files(folder: Path) -> tuple[list[tuple[str, str, bytes]], str]:
    """The folder's .csv files as (stem, name, bytes), in the order they are read, and the input hash;
    refused as :func:`read_csv_folder` refuses them (which reads and parses each file in turn)."""
    digest = hashlib.sha256()
    return list(_csv_files(folder, digest)), digest.hexdigest()


def _csv_files(folder: Path, digest: Any) -> Iterator[tuple[str, str, bytes]]:
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise InputRefused(f"{folder.name}: mappen kan ikke leses (the folder cannot be read: "
                           f"{exc.strerror or type(exc).__name__}).") from None
    files = [p for p in entries if p.suffix.lower() == ".csv" and not p.name.startswith(_NOT_DATA_PREFIXES)]
    if not files:
        raise InputRefused(f"{folder}: mappen har ingen .csv-filer (the folder holds no .csv files).")
    stems: set[str] = set()
    for f in files:
        if f.is_symlink() and not f.exists():
            raise InputRefused(f"{f.name}: lenken peker på en fil som ikke finnes, så tabellen kan ikke leses "
                               "(the link points to a file that does not exist, so the table cannot be read).")
        if not f.is_file():
            raise InputRefused(f"{f.name}: ikke en vanlig fil, så tabellen kan ikke leses "
                               "(not a regular file, so the table cannot be read).")
        try:
            data = f.read_bytes()
        except OSError as exc:
            nb, en = ("ingen tilgang", "permission denied") if isinstance(exc, PermissionError) else \
                ("lesefeil", f"read error: {exc.strerror or type(exc).__name__}")
            raise InputRefused(f"{f.name}: filen kan ikke leses: {nb} (the file cannot be read: {en}).") from None
        if f.stem in stems:
            other = next(p.name for p in files if p.stem == f.stem and p != f)
            raise InputRefused(f"'{other}' og '{f.name}' er samme tabell; behold én "
                               f"('{other}' and '{f.name}' are the same table; keep one).")
        stems.add(f.stem)
        digest.update(f.name.encode("utf-8", "surrogateescape"))
        digest.update(data)
        yield f.stem, f.name, data
