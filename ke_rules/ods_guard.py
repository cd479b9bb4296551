"""Pre-flight checks of an .ods spreadsheet (OpenDocument, LibreOffice's own format), before calamine reads it.

An .ods file is a zip of XML parts like an .xlsx, so it gets the same zip, bomb and
declaration checks (:mod:`ke_rules.zip_guard`, one code path for both). The sheets are
all in one part, ``content.xml``, which is scanned row by row on its way out of the zip.
:func:`check_ods` raises :class:`InputRefused` with one paragraph or returns the bytes
calamine should read, and the merged ranges it found (calamine gives none for .ods):

* **encryption**: a password-protected .ods keeps its zip readable and encrypts the
  parts, listing each under ``manifest:encryption-data`` in ``META-INF/manifest.xml``;
  it is refused, saying how to save it without the password;
* **repeated rows and cells**: ODF writes runs of equal rows and cells once, with
  ``table:number-rows-repeated`` / ``table:number-columns-repeated``; LibreOffice ends
  every sheet with a run of about a million empty rows and every row with a run of
  empty cells. Empty runs cost calamine nothing. A run of values, or a value after a
  long empty run, makes calamine allocate every cell of the range from A1 to it, so the
  values' range is worked out from the counts (without expanding anything) and a sheet
  whose values span more than :data:`MAX_CELLS` cells is refused, as in an .xlsx. A
  sheet reaching row 100,000 or column AAA has its blank text cells (a space typed far
  away) dropped first, as the .xlsx guard does;
* in each sheet that holds a table: **merged header cells** (a cell on row 1 spanning
  columns or rows, ``table:number-columns-spanned`` / ``number-rows-spanned``) are
  refused with the .xlsx wording; merges below the header are returned for
  ``load._fill_merged``. **Formulas without a stored result** (``table:formula`` and no
  ``office:value``, ``office:date-value`` ... for its type; calamine would read an empty
  cell) are refused. An **error result** (LibreOffice writes ``#N/A`` as
  ``calcext:value-type="error"`` with an empty ``office:string-value``, which calamine
  reads as empty) is rewritten as a text cell holding the error's text, as in an .xlsx.

The common case costs one streamed expansion of every part and a few byte searches per
row; content.xml is rewritten only when a far blank cell or an error cell is found.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field

from .filekind import sniff
from .schema import resolve_table_name
from .zip_guard import (
    FAR_COLUMN,
    MAX_CELLS,
    ODS,
    SHOWN,
    TALL_ROWS,
    column_letters,
    guarded,
    merged_header_refused,
    open_archive,
    refuse,
    spread_refused,
    stream_member,
    uncached_refused,
)

__all__ = ["check_ods", "OdsChecked", "MergedRange"]

CONTENT = "content.xml"
MANIFEST = "META-INF/manifest.xml"

# ((top, left), (bottom, right)), 0-based and inclusive, as calamine gives an .xlsx file's merged ranges
MergedRange = tuple[tuple[int, int], tuple[int, int]]

_TOKEN = re.compile(rb"<table:table\s([^>]*?)/?>|<table:table-row\b([^>]*?)(?:/>|>(.*?)</table:table-row>)", re.S)
_NAME = re.compile(rb'\stable:name="([^"]*)"')
_ROWS_REPEATED = re.compile(rb'\stable:number-rows-repeated="(\d+)"')
_COLUMNS_REPEATED = re.compile(rb'\stable:number-columns-repeated="(\d+)"')
_COLUMNS_SPANNED = re.compile(rb'\stable:number-columns-spanned="(\d+)"')
_ROWS_SPANNED = re.compile(rb'\stable:number-rows-spanned="(\d+)"')
_VALUE_TYPE = re.compile(rb'\soffice:value-type="([\w-]+)"')
_CELL_TAG = re.compile(rb"<table:(covered-)?table-cell\b([^>]*?)/?>")
_CELL_START = b"<table:table-cell"
_COVERED_START = b"<table:covered-table-cell"
_ERROR = b'calcext:value-type="error"'
# the attribute holding a formula's stored result, per value type (a string result is the cell's text)
_RESULT_ATTR = {b"float": b"office:value=", b"percentage": b"office:value=", b"currency": b"office:value=",
                b"date": b"office:date-value=", b"time": b"office:time-value=", b"boolean": b"office:boolean-value="}
_STRING_CELL = re.compile(rb'<table:table-cell\b([^>]*?\soffice:value-type="string"[^>]*?)(?:/>|(?<!/)>(.*?)'
                          rb"</table:table-cell>)", re.S)
_STRING_VALUE = re.compile(rb'\soffice:string-value="([^"]*)"')
_TAGS = re.compile(rb"<[^>]*>")
_ERROR_CELL = re.compile(rb"<table:table-cell\b([^>]*?" + _ERROR + rb"[^>]*?)(/?)>")
_RESULT_ATTRS = re.compile(rb'\s(?:office:value-type|office:string-value|office:value|office:boolean-value|'
                           rb'office:date-value|office:time-value|calcext:value-type)="[^"]*"')


@dataclass
class OdsChecked:
    """What :func:`check_ods` returns: the bytes to read, and per sheet its merged ranges below row 1."""

    data: bytes
    merges: dict[str, list[MergedRange]]


@dataclass
class _Sheet:
    """What the pass over one sheet's rows found."""

    name: str
    table: bool
    rows: int = 0  # rows seen, repeats counted
    top: int = 0  # the range of the cells holding a value, 1-based (0: none)
    left: int = 0
    bottom: int = 0
    right: int = 0
    merged_header: list[str] = field(default_factory=list)
    merges: list[MergedRange] = field(default_factory=list)
    uncached: list[str] = field(default_factory=list)
    uncached_count: int = 0
    errors: bool = False

    def value(self, top: int, bottom: int, left: int, right: int) -> None:
        if not self.top:
            self.top, self.bottom, self.left, self.right = top, bottom, left, right
            return
        self.top, self.bottom = min(self.top, top), max(self.bottom, bottom)
        self.left, self.right = min(self.left, left), max(self.right, right)

    @property
    def cells(self) -> int:
        return (self.bottom - self.top + 1) * (self.right - self.left + 1) if self.top else 0

    @property
    def far(self) -> bool:
        return self.bottom >= TALL_ROWS or self.right >= FAR_COLUMN

    @property
    def extent(self) -> str:
        return f"{column_letters(self.left)}{self.top}:{column_letters(self.right)}{self.bottom}"


class _Scan:
    """A pass over content.xml, fed in segments that each end before a row or table starts."""

    def __init__(self) -> None:
        self.sheets: list[_Sheet] = []
        self.carry = b""

    def feed(self, chunk: bytes) -> None:
        buf = self.carry + chunk
        cut = max(buf.rfind(b"<table:table-row"), buf.rfind(b"<table:table "))
        if cut <= 0:
            self.carry = buf
            return
        self._segment(buf[:cut])
        self.carry = buf[cut:]

    def close(self) -> list[_Sheet]:
        self._segment(self.carry)
        self.carry = b""
        return self.sheets

    def _segment(self, seg: bytes) -> None:
        for m in _TOKEN.finditer(seg):
            if m[1] is not None:
                name = _NAME.search(b" " + m[1])
                sheet = html.unescape(name[1].decode("utf-8", "replace")) if name else ""
                self.sheets.append(_Sheet(sheet, resolve_table_name(sheet) is not None))
            elif self.sheets:
                _row(self.sheets[-1], m[2], m[3])


def _count(pattern: re.Pattern[bytes], attrs: bytes) -> int:
    m = pattern.search(attrs)
    return int(m[1]) if m else 1


def _row(sheet: _Sheet, attrs: bytes, body: bytes | None) -> None:
    """One row element: its rows (repeats counted) and the range of its values; cell by cell only when a
    cell spans, holds a formula or an error."""
    repeat = _count(_ROWS_REPEATED, attrs)
    first = sheet.rows + 1
    sheet.rows += repeat
    if not body:
        return
    if b"-spanned" in body or b"table:formula" in body or _ERROR in body:
        _cells(sheet, first, repeat, body)
        return
    i = body.find(b"office:value-type")
    if i < 0:
        return
    runs = [(m.start(), int(m[1])) for m in _COLUMNS_REPEATED.finditer(body)] if b"-repeated" in body else []
    left = _columns(body, i, runs)[0]
    right = _columns(body, body.rfind(b"office:value-type"), runs)[1]
    sheet.value(first, first + repeat - 1, left, right)


def _columns(body: bytes, at: int, runs: list[tuple[int, int]]) -> tuple[int, int]:
    """The first and last column (1-based) of the cell whose start tag holds position ``at``: the cells
    before it, counted by their tags, plus what their repeats add."""
    tag = max(body.rfind(_CELL_START, 0, at), body.rfind(_COVERED_START, 0, at))
    end = body.find(b">", at)
    before = body.count(_CELL_START, 0, tag) + body.count(_COVERED_START, 0, tag)
    extra, own = 0, 1
    for pos, n in runs:
        if pos < tag:
            extra += n - 1
        elif pos < end:
            own = n
    col = before + extra + 1
    return col, col + own - 1


def _cells(sheet: _Sheet, first: int, repeat: int, body: bytes) -> None:
    col = 1
    for m in _CELL_TAG.finditer(body):
        attrs = m[2]
        n = _count(_COLUMNS_REPEATED, attrs)
        kind = _VALUE_TYPE.search(attrs)
        error = _ERROR in attrs
        if kind or error:
            sheet.value(first, first + repeat - 1, col, col + n - 1)
        sheet.errors |= error
        wide, tall = _count(_COLUMNS_SPANNED, attrs), _count(_ROWS_SPANNED, attrs)
        if m[1] is None and (wide > 1 or tall > 1):  # a merge's top-left cell (a covered cell spans nothing)
            ref = f"{column_letters(col)}{first}:{column_letters(col + wide - 1)}{first + tall - 1}"
            if first == 1:
                sheet.merged_header.append(ref)
            else:
                sheet.merges.append(((first - 1, col - 1), (first + tall - 2, col + wide - 2)))
        if b"table:formula" in attrs and not error and not _stored(kind[1] if kind else None, attrs):
            sheet.uncached_count += 1
            if len(sheet.uncached) < SHOWN:
                sheet.uncached.append(f"{column_letters(col)}{first}")
        col += n


def _stored(kind: bytes | None, attrs: bytes) -> bool:
    """A formula cell carries its result: a text result is the cell's text, any other its type's attribute."""
    if kind == b"string":
        return True
    attr = _RESULT_ATTR.get(kind or b"")
    return attr is not None and attr in attrs


def _blank_as_empty(m: re.Match[bytes]) -> bytes:
    """A text cell holding only white space as an empty cell (its repeat kept); any other cell as it is."""
    attrs, inner = m[1], m[2] or b""
    value = _STRING_VALUE.search(attrs)
    if b"table:formula" in attrs or (value and value[1].strip()) or _TAGS.sub(b"", inner).strip():
        return m[0]
    repeat = _COLUMNS_REPEATED.search(attrs)
    return b"<table:table-cell" + (repeat[0] if repeat else b"") + b"/>"


def _error_as_text(m: re.Match[bytes]) -> bytes:
    """An error result as a text cell: calamine then reads the cell's text (#N/A) instead of nothing."""
    attrs = _RESULT_ATTRS.sub(b"", m[1])
    return b'<table:table-cell office:value-type="string"' + attrs + m[2] + b">"


def check_ods(name: str, data: bytes) -> OdsChecked:
    """Check an .ods file's bytes before calamine reads them: the bytes to read and the merged ranges.

    Raises :class:`InputRefused` for a file that is not a zip, is encrypted, broken, a
    decompression bomb, declares XML entities, has merged header cells or formulas without
    a stored result in a table sheet, or whose values span an unreasonable range.
    """
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        kind = sniff(data)
        raise refuse(name, f"ikke et OpenDocument-regneark: filen er {kind.nb}; {kind.todo_nb}",
                     f"not an .ods spreadsheet: the file is {kind.en}, not a zip archive; {kind.todo_en}")
    return guarded(name, ODS, lambda: _check_zip(name, data))


def _check_zip(name: str, data: bytes) -> OdsChecked:
    zf, infos = open_archive(name, data, ODS)
    names = {i.filename for i in infos}
    if CONTENT not in names:
        raise refuse(name, f"zip-arkivet er ikke et OpenDocument-regneark (mangler {CONTENT})",
                     f"the zip archive is not an OpenDocument spreadsheet: {CONTENT} is missing")
    scan = _Scan()
    manifest = bytearray()
    for info in infos:
        if info.is_dir():
            continue
        if info.filename == CONTENT:
            stream_member(name, ODS, zf, info, xml=True, on_chunk=lambda chunk, _first: scan.feed(chunk))
        elif info.filename == MANIFEST:
            stream_member(name, ODS, zf, info, xml=True, on_chunk=lambda chunk, _first: manifest.extend(
                chunk if len(manifest) < 1 << 20 else b""))
        else:
            stream_member(name, ODS, zf, info, xml=info.filename.lower().endswith((".xml", ".rdf")))
    if b"encryption-data" in manifest:
        raise refuse(name, "regnearket er passordbeskyttet (kryptert) og kan ikke leses; åpne det i LibreOffice, "
                           "velg Fil > Lagre som, fjern krysset for «Lagre med passord» og lagre på nytt",
                     "the spreadsheet is password-protected (encrypted) and cannot be read; open it in LibreOffice, "
                     "choose File > Save As, untick 'Save with password' and save it again")
    sheets = scan.close()
    for sheet in sheets:
        if sheet.table and sheet.merged_header:
            raise merged_header_refused(name, sheet.name, sheet.merged_header)
    for sheet in sheets:
        if sheet.table and sheet.uncached_count:
            raise uncached_refused(name, sheet.name, sheet.uncached, sheet.uncached_count)
    content: bytes | None = None
    if any(sheet.far for sheet in sheets):  # a space typed far away: drop blank text cells, then measure again
        content = _STRING_CELL.sub(_blank_as_empty, zf.read(CONTENT))
        rescan = _Scan()
        rescan.feed(content)
        sheets = rescan.close()
    for sheet in sheets:
        if sheet.cells > MAX_CELLS:
            raise spread_refused(name, sheet.name, sheet.extent, sheet.cells)
    if any(sheet.table and sheet.errors for sheet in sheets):
        content = _ERROR_CELL.sub(_error_as_text, content if content is not None else zf.read(CONTENT))
    merges = {sheet.name: sheet.merges for sheet in sheets if sheet.merges}
    if content is None:
        return OdsChecked(data, merges)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in infos:
            z.writestr(info, content if info.filename == CONTENT else zf.read(info))
    return OdsChecked(out.getvalue(), merges)
