"""Pre-flight checks of an .ods spreadsheet (OpenDocument, LibreOffice's own format), before calamine reads it.

An .ods file is a zip of XML parts like an .xlsx, so it gets the same zip, bomb and
declaration checks (:mod:`ke_rules.ingest.zip_guard`, one code path for both). The sheets are
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

from ke_rules.ingest.filekind import sniff
from ke_rules.ingest.schema import resolve_table_name
from ke_rules.ingest.zip_guard import (
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

_SHEET_START = re.compile(rb"<table:table(?=[\s/>])")
_ROW_START = b"<table:table-row"
_ROW_END = b"</table:table-row"
_VALUE = b"office:value-type"
_COLUMNS_RUN = b"table:number-columns-repeated"
_AFTER_NAME = frozenset(b" \t\r\n/>")
_SPACES = (b" ", b"\t", b"\r", b"\n", b">", b"/")  # what may follow <table:table in a sheet's start tag
_QUOTED = rb"\s*=\s*[\"']([^\"']*)[\"']"  # XML allows either quote, and space around "="
_EQUALS = re.compile(_QUOTED)
_NAME = re.compile(rb"\stable:name" + _QUOTED)
_ROWS_REPEATED = re.compile(rb"\stable:number-rows-repeated" + _QUOTED)
_COLUMNS_REPEATED = re.compile(rb"\stable:number-columns-repeated" + _QUOTED)
_COLUMNS_SPANNED = re.compile(rb"\stable:number-columns-spanned" + _QUOTED)
_ROWS_SPANNED = re.compile(rb"\stable:number-rows-spanned" + _QUOTED)
_VALUE_TYPE = re.compile(rb"\soffice:value-type" + _QUOTED)
_CELL_TAG = re.compile(rb"<table:(covered-)?table-cell\b([^>]*?)/?>")
_CELL_START = b"<table:table-cell"
_COVERED_START = b"<table:covered-table-cell"
_ERROR = b'calcext:value-type="error"'
# the attribute holding a formula's stored result, per value type (a string result is the cell's text)
_RESULT_ATTR = {b"float": b"office:value=", b"percentage": b"office:value=", b"currency": b"office:value=",
                b"date": b"office:date-value=", b"time": b"office:time-value=", b"boolean": b"office:boolean-value="}
_STRING_CELL = re.compile(rb'<table:table-cell\b([^>]*?\soffice:value-type="string"[^>]*?)(?:/>|(?<!/)>(.*?)'
                          rb"</table:table-cell>)", re.S)
_STRING_VALUE = re.compile(rb"\soffice:string-value" + _QUOTED)
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
    bottom: int = 0  # the last row and the last column holding a value, 1-based (0: none); calamine's
    right: int = 0  # rows start at A1, so the range that costs memory is A1 to here
    merged_header: list[str] = field(default_factory=list)
    merges: list[MergedRange] = field(default_factory=list)
    uncached: list[str] = field(default_factory=list)
    uncached_count: int = 0
    errors: bool = False

    @property
    def cells(self) -> int:
        return self.bottom * self.right

    @property
    def far(self) -> bool:
        return self.bottom >= TALL_ROWS or self.right >= FAR_COLUMN

    @property
    def extent(self) -> str:
        return f"A1:{column_letters(self.right)}{self.bottom}"


class _Scan:
    """A pass over content.xml, fed in chunks and scanned in segments that end before a row or table starts.

    Chunks are only joined when one holds a row's or a table's tag, so a row of many megabytes
    (or a part with no rows) is joined once, not once per chunk.
    """

    def __init__(self) -> None:
        self.sheets: list[_Sheet] = []
        self.parts: list[bytes] = []

    def feed(self, chunk: bytes) -> None:
        probe = (self.parts[-1][-32:] if self.parts else b"") + chunk[:32]
        self.parts.append(chunk)
        if b"table:table-row" not in chunk and b"table:table-row" not in probe and not _holds_sheet_start(probe) \
                and not _holds_sheet_start(chunk):
            return
        buf = b"".join(self.parts)
        cut = max(buf.rfind(_ROW_START), *(buf.rfind(b"<table:table" + c) for c in _SPACES))
        if cut <= 0:
            self.parts = [buf]
            return
        self._segment(buf[:cut])
        self.parts = [buf[cut:]]

    def close(self) -> list[_Sheet]:
        self._segment(b"".join(self.parts))
        self.parts = []
        return self.sheets

    def _segment(self, seg: bytes) -> None:
        """The sheet starts and rows of ``seg``, found with byte searches (a regex would stop at every cell).

        A row is looked at within its bounds in ``seg`` (no copy) and for its last value only; cell by
        cell only when the segment holds a span, a formula or an error somewhere, and then only the rows
        that do. This loop runs once per row of the file, so it calls nothing it need not.
        """
        pos = 0
        sheet_at = _next_sheet(seg, 0)
        special = b"-spanned" in seg or b"table:formula" in seg or _ERROR in seg
        covered = _COVERED_START in seg
        sheet = self.sheets[-1] if self.sheets else None
        n = len(_ROW_START)
        while True:
            row_at = seg.find(_ROW_START, pos)
            if row_at >= 0 and seg[row_at + n] not in _AFTER_NAME:  # <table:table-rows>, <table:table-row-group>
                pos = row_at + n
                continue
            while 0 <= sheet_at < (row_at if row_at >= 0 else len(seg)):
                end = seg.find(b">", sheet_at)
                name = _NAME.search(seg, sheet_at, end)
                title = html.unescape(name[1].decode("utf-8", "replace")) if name else ""
                sheet = _Sheet(title, resolve_table_name(title) is not None)
                self.sheets.append(sheet)
                sheet_at = _next_sheet(seg, end)
            if row_at < 0:
                return
            end = seg.find(b">", row_at)
            if end < 0:
                return
            if seg[end - 1] == 0x2F:  # "/>": a row without cells
                start = close = pos = end + 1
            else:
                start, close = end + 1, seg.find(_ROW_END, end)
                if close < 0:
                    close = pos = len(seg)
                else:
                    pos = seg.find(b">", close) + 1 or len(seg)
            if sheet is None:  # rows before any table: counted all the same
                sheet = _Sheet("", False)
                self.sheets.append(sheet)
            repeat = _count(_ROWS_REPEATED, seg[row_at:end]) if seg.find(b"rows-repeated", row_at, end) >= 0 else 1
            first = sheet.rows + 1
            sheet.rows += repeat
            if special and (seg.find(b"-spanned", start, close) >= 0 or seg.find(b"table:formula", start, close) >= 0
                            or seg.find(_ERROR, start, close) >= 0):
                _cells(sheet, first, repeat, seg[start:close])
                continue
            last = seg.rfind(_VALUE, start, close)
            if last < 0:
                continue
            # the last value's column: the cells before its tag, plus what runs among them add
            tag = seg.rfind(_CELL_START, start, last)
            if covered:
                tag = max(tag, seg.rfind(_COVERED_START, start, last))
            col = seg.count(_CELL_START, start, tag) + 1
            if covered:
                col += seg.count(_COVERED_START, start, tag)
            tag_end = seg.find(b">", last)
            run = seg.find(_COLUMNS_RUN, start, tag_end)
            own = 1
            while run >= 0:  # rare: LibreOffice's runs are mostly of empty cells after a row's last value
                value = _EQUALS.match(seg, run + len(_COLUMNS_RUN))
                count = _number(value[1]) if value else 1
                if run < tag:
                    col += count - 1
                else:
                    own = count
                run = seg.find(_COLUMNS_RUN, run + 1, tag_end)
            sheet.bottom = first + repeat - 1
            sheet.right = max(sheet.right, col + own - 1)


def _holds_sheet_start(data: bytes) -> bool:
    return any(b"<table:table" + c in data for c in _SPACES)


def _next_sheet(seg: bytes, pos: int) -> int:
    m = _SHEET_START.search(seg, pos)
    return m.start() if m else -1


def _count(pattern: re.Pattern[bytes], attrs: bytes) -> int:
    m = pattern.search(attrs)
    return _number(m[1]) if m else 1


def _number(value: bytes) -> int:
    """A count attribute's value; a character reference (&#49;) is resolved as an XML reader resolves it."""
    text = html.unescape(value.decode("ascii", "replace")) if b"&" in value else value.decode("ascii", "replace")
    try:
        return max(1, int(text.strip()))
    except ValueError:
        return 1


def _cells(sheet: _Sheet, first: int, repeat: int, body: bytes) -> None:
    col = 1
    for m in _CELL_TAG.finditer(body):
        attrs = m[2]
        n = _count(_COLUMNS_REPEATED, attrs)
        kind = _VALUE_TYPE.search(attrs)
        error = _ERROR in attrs
        if kind or error:
            sheet.bottom = first + repeat - 1
            sheet.right = max(sheet.right, col + n - 1)
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
