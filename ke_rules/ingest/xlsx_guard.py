"""Pre-flight checks of an .xlsx workbook, before python-calamine reads it.

calamine (Rust, quick-xml) is fast and does not expand XML entities, but some files are
better refused, or trimmed, before it sees them. :func:`check_xlsx` takes the file's
bytes and either raises :class:`InputRefused` with one paragraph (bokmål, then English)
or returns the bytes calamine should read: the same bytes, or a copy in which stray blank
cells are dropped and error cells are text. It looks at, in order:

* **the signature**: an empty file, text (a CSV or JSON file renamed ``.xlsx``), HTML, PDF,
  or an OLE2 compound file, each named by what it is with what to save it as
  (:mod:`ke_rules.ingest.filekind`). An OLE2 file is an old ``.xls`` workbook, or a
  password-protected (encrypted) OOXML workbook: Excel stores those as an OLE2 container
  holding ``EncryptionInfo`` and ``EncryptedPackage`` streams, found here by their UTF-16
  names in the container's directory. A zip holding an OpenDocument ``mimetype`` and no
  ``[Content_Types].xml`` is an ``.ods`` renamed ``.xlsx``;
* **the zip** (:mod:`ke_rules.ingest.zip_guard`, shared with the .ods guard): a truncated or
  corrupt archive, zip-level encryption, an unsupported compression method, too many
  members, or members that claim to expand to an unreasonable size or ratio (a
  decompression bomb; judged on the sizes the archive declares, before anything is
  expanded). Every member is then expanded in chunks of 1 MiB: a member that expands
  beyond what it declared fails its CRC check instead of filling memory;
* **XML declarations**: a ``<!DOCTYPE`` or ``<!ENTITY`` in any XML part (OOXML has none;
  "billion laughs" lives there). calamine would not expand the entities either, but
  refusing gives a clear message. The small parts read here (relationships, the sheet
  list) are parsed with defusedxml;
* in each sheet that holds a table: **merged header cells** (a merge touching row 1; the
  message names the sheet and range, and says a title belongs off row 1; merges below
  the header are read, see ``load._fill_merged``) and **formulas without a cached result** (written
  by a program that does not calculate, such as openpyxl; calamine would read them as
  empty cells). A cell holding an **Excel error** (``#N/A``, ``#REF!`` ...) is rewritten as
  a text cell with the error's text: calamine reads error cells as empty, so a ``#N/A``
  from a lookup would pass for an empty date; as text it is an input problem with its
  value, as the user sees it in Excel;
* **the used range**: calamine allocates one cell for every row × column of the range
  spanned by the cells it keeps, and it keeps blank text cells. One blank cell at
  ``Z1048576`` costs a million rows (seconds and a gigabyte), and any value at
  ``XFD1048576`` makes it ask for 550 GB and abort the process. The recorded
  ``<dimension>`` is not trusted (calamine ignores it too); the cell references are. A
  sheet with a reference in column AAA or beyond, or in row 100,000 or beyond, whose
  row elements do not account for it (the last row number is small, or larger than the
  sheet's XML could hold as real rows) is looked at cell by cell: its blank cells are
  dropped (the loader skips blank rows and columns anyway, so nothing the user sees
  changes), and if its values still span more than :data:`MAX_CELLS` cells the workbook
  is refused, naming the sheet and the range.

The common case costs one streamed expansion of every part and a few byte searches per
megabyte (0.3 to 0.6 s for the 60 MB of sheet XML of a 20,000-case workbook, whose whole
read takes about 4 s); only a suspect sheet is parsed cell by cell, and the zip is
rewritten only when a sheet changes.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from ke_rules.ingest.filekind import OLE_SIGNATURE, sniff
from ke_rules.ingest.schema import resolve_table_name
from ke_rules.ingest.zip_guard import (
    CHUNK,
    MAX_CELLS,
    MAX_COMPRESSION_RATIO,
    MAX_UNCOMPRESSED_BYTES,
    SHOWN,
    XLSX,
    check_declarations,
    column_letters,
    declaration_refused,
    guarded,
    merged_header_refused,
    open_archive,
    spread_refused,
    stream_member,
    uncached_refused,
)
from ke_rules.ingest.zip_guard import refuse as _refuse

__all__ = ["check_xlsx", "MAX_UNCOMPRESSED_BYTES", "MAX_COMPRESSION_RATIO", "MAX_CELLS"]

TALL_ROWS = 100_000  # a cell reference with a row number this high (6 digits) is "far" ...
MIN_ROW_BYTES = 20  # ... and so is a last row number above a sheet's XML size / this

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_SHARED_STRINGS_TYPE = "/sharedStrings"
_OFFICE_DOCUMENT_TYPE = "/officeDocument"

_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
# a cell reference in column AAA (703) or beyond, or in row 100,000 or beyond
_FAR_REF = re.compile(rb' r="(?:[A-Z]{3}|[A-Z]{1,2}\d{6})')
_PREFIXED_ROOT = re.compile(rb"<[A-Za-z_][\w.-]*:worksheet\b")
_ROW_R = re.compile(rb"(?:<|:)row\b[^>]*?\sr=\"(\d+)\"")
_FORMULA_CELL = re.compile(
    rb"<" + _P + rb"c\b([^>]*)(?<!/)>\s*<" + _P + rb"f\b[^>]*?(?:/>|>[^<]*</" + _P + rb"f>)\s*"
    rb"(<" + _P + rb"v\s*/>|<" + _P + rb"v>([^<]*)</" + _P + rb"v>)?\s*</" + _P + rb"c>"
)
_MERGE = re.compile(rb"<" + _P + rb"mergeCell\b[^>]*?\sref=\"([A-Za-z]{1,3})(\d+)(?::([A-Za-z]{1,3})(\d+))?\"")
_R_ATTR = re.compile(rb"\sr=\"([A-Za-z]{0,3})(\d+)\"")
_T_ATTR = re.compile(rb"\st=\"(\w+)\"")
_SHEETDATA_OPEN = re.compile(rb"<" + _P + rb"sheetData\b[^>]*?(/?)>")
_SHEETDATA_CLOSE = re.compile(rb"</" + _P + rb"sheetData>")
_ROW = re.compile(rb"<(" + _P + rb")row\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"row>)", re.S)
_CELL = re.compile(rb"<" + _P + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"c>)", re.S)
_F_TAG = re.compile(rb"<" + _P + rb"f\b")
_V = re.compile(rb"<" + _P + rb"v>([^<]*)</" + _P + rb"v>")
_IS_TAG = re.compile(rb"<" + _P + rb"is\b")
_T_TEXT = re.compile(rb"<" + _P + rb"t\b[^>]*?(?:/>|>([^<]*)</" + _P + rb"t>)")
_ERROR_CELL = re.compile(rb"<(" + _P + rb")c\b([^>]*?)\st=\"e\"([^>]*?)(?<!/)>(.*?)</" + _P + rb"c>", re.S)
_SI = re.compile(rb"<" + _P + rb"si\b[^>]*?(?:/>|>(.*?)</" + _P + rb"si>)", re.S)


def check_xlsx(name: str, data: bytes) -> bytes:
    """Check an .xlsx file's bytes before calamine reads them; return the bytes to read.

    Raises :class:`InputRefused` for a file that is not a workbook, is encrypted, broken,
    a decompression bomb, declares XML entities, has merged header cells or uncalculated
    formulas in a table sheet, or whose values span an unreasonable range.
    """
    _check_signature(name, data)
    return guarded(name, XLSX, lambda: _check_zip(name, data))


# --- what the bytes are


def _check_signature(name: str, data: bytes) -> None:
    if not data:
        raise _refuse(name, "filen er tom", "the file is empty")
    if data.startswith(OLE_SIGNATURE):
        kind = sniff(data)
        if kind.key == "encrypted":
            raise _refuse(
                name, "arbeidsboken er passordbeskyttet (kryptert) og kan ikke leses; fjern passordet i Excel "
                "(Fil > Info > Beskytt arbeidsbok > Krypter med passord) og lagre på nytt",
                "the workbook is password-protected (encrypted) and cannot be read; remove the password in Excel "
                "and save it again")
        if kind.key == "xls":
            raise _refuse(name, "gammelt Excel-format (.xls) leses ikke; åpne filen i Excel og lagre som .xlsx",
                          "an old .xls workbook renamed .xlsx is not read; open it in Excel and save it as .xlsx")
        raise _refuse(name, "et OLE2-dokument (for eksempel Word), ikke en Excel-arbeidsbok",
                      "an OLE2 compound document, not an .xlsx workbook; not a zip archive")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return
    kind = sniff(data)
    raise _refuse(name, f"ikke en Excel-arbeidsbok: filen er {kind.nb}; {kind.todo_nb}",
                  f"not an .xlsx workbook: the file is {kind.en}, not a zip archive; {kind.todo_en}")


# --- the archive


@dataclass
class _SheetScan:
    """What one pass over a worksheet part found."""

    sheet: str
    table: bool
    size: int  # bytes of XML
    prefixed: bool = False  # elements written with a namespace prefix (<x:row>)
    last_row: int = 0  # the number of the last row element
    far: bool = False  # a cell reference in column AAA or beyond, or in row 100,000 or beyond
    merged_header: list[str] = field(default_factory=list)
    uncached: list[str] = field(default_factory=list)
    uncached_count: int = 0
    errors: bool = False  # a cell holding an Excel error (#N/A, #REF! ...)

    @property
    def suspect(self) -> bool:
        """Worth a cell-by-cell look: a far cell reference that the rows' XML does not account for.

        A real row takes well over MIN_ROW_BYTES of XML, so a sheet whose last row number is larger
        than its size allows is mostly empty; a far reference with a small last row number is one the
        row elements do not account for, or a far column.
        """
        return self.far and (self.last_row < TALL_ROWS or self.size < MIN_ROW_BYTES * self.last_row)


def _check_zip(name: str, data: bytes) -> bytes:
    zf, infos = open_archive(name, data, XLSX)
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names and "mimetype" in names:
        kind = sniff(data)  # an OpenDocument file (.ods) renamed .xlsx
        if kind.key in ("ods", "odf"):
            raise _refuse(name, f"ikke en Excel-arbeidsbok: filen er {kind.nb}; {kind.todo_nb}",
                          f"not an .xlsx workbook: the file is {kind.en}; {kind.todo_en}")
    sheets, workbook_rels = _sheet_parts(name, zf, names)
    scans: dict[str, _SheetScan] = {}
    for info in infos:
        if info.is_dir():
            continue
        sheet = sheets.get(info.filename)
        scan = _SheetScan(sheet, resolve_table_name(sheet) is not None, info.file_size) if sheet is not None else None
        _stream_member(name, zf, info, scan)
        if scan is not None:
            scans[info.filename] = scan
    for scan in scans.values():
        if scan.table and scan.merged_header:
            raise merged_header_refused(name, scan.sheet, scan.merged_header)
    for scan in scans.values():
        if scan.table and scan.uncached_count:
            raise uncached_refused(name, scan.sheet, scan.uncached, scan.uncached_count)
    replaced: dict[str, bytes] = {}
    blank_strings: set[int] | None = None
    for member, scan in scans.items():
        if scan.suspect:
            if blank_strings is None:
                blank_strings = _blank_shared_strings(zf, names, workbook_rels)
            compact = _compact_sheet(name, scan.sheet, zf.read(member), blank_strings)
            if compact is not None:
                replaced[member] = compact
        if scan.table and scan.errors:
            replaced[member] = _ERROR_CELL.sub(_error_as_text, replaced.get(member) or zf.read(member))
    if not replaced:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for info in infos:
            z.writestr(info.filename, replaced.get(info.filename) or zf.read(info))
    return out.getvalue()


def _stream_member(name: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, scan: _SheetScan | None) -> None:
    """Expand one member (see :func:`zip_guard.stream_member`), scanning a worksheet on the way.

    Worksheet chunks are split after a tag (see :func:`_cut`) so that no cell is scanned in halves.
    """
    carry = b""

    def on_chunk(chunk: bytes, first: bool) -> None:
        nonlocal carry
        if scan is None:
            return
        if first:
            scan.prefixed = _PREFIXED_ROOT.search(chunk, 0, 4096) is not None
        buf = carry + chunk
        cut = _cut(buf)
        seg, carry = buf[:cut], buf[cut:]
        if len(carry) > 16 * CHUNK:  # a huge text node: nothing in it to scan
            seg, carry = buf, b""
        _scan_segment(seg, scan)

    xml = info.filename.lower().endswith(_XML_SUFFIXES) or scan is not None
    stream_member(name, XLSX, zf, info, xml=xml, on_chunk=on_chunk)
    if scan is not None and carry:
        _scan_segment(carry, scan)


def _cut(buf: bytes) -> int:
    """Where to split a worksheet buffer: after the last row tag, else the last whole cell, else any tag.

    A cell cut in two is never taken for a formula without a result: that pattern needs the whole cell.
    """
    for end in (b"row>", b"</c>", b">"):
        i = buf.rfind(end)
        if i >= 0:
            return i + len(end)
    return 0


def _last_row_number(seg: bytes, prefixed: bool) -> int | None:
    """The number of the last row element in ``seg`` (None when it has none, or none numbered)."""
    needle = b":row" if prefixed else b"<row"
    end = len(seg)
    for _ in range(8):  # skip <rowBreaks> and the like
        i = seg.rfind(needle, 0, end)
        if i < 0:
            return None
        m = _ROW_R.match(seg, i)
        if m:
            return int(m[1])
        end = i
    return None


def _scan_segment(seg: bytes, scan: _SheetScan) -> None:
    """One worksheet segment (whole tags). Each test is one pass of a fast byte search or a regex
    with a literal prefix; the formula and merge patterns run only where their tags occur."""
    last = _last_row_number(seg, scan.prefixed)
    if last is not None:
        scan.last_row = max(scan.last_row, last)
    if not scan.far and _FAR_REF.search(seg):
        scan.far = True
    if not scan.table:
        return
    if b"</f>" in seg or (scan.prefixed and b":f>" in seg):
        for m in _FORMULA_CELL.finditer(seg):
            value_element, value = m[2], m[3]
            t = _T_ATTR.search(m[1])
            stored = value_element is not None and (bool(value) or (t is not None and t[1] in (b"str", b"inlineStr")))
            if not stored:
                scan.uncached_count += 1
                if len(scan.uncached) < SHOWN:
                    r = _R_ATTR.search(m[1])
                    scan.uncached.append((r[1] + r[2]).decode("ascii") if r else "?")
    if b't="e"' in seg:
        scan.errors = True
    if b"mergeCell" in seg:
        for m in _MERGE.finditer(seg):
            top = int(m[2]) if m[4] is None else min(int(m[2]), int(m[4]))
            if top == 1:
                ref = m[1] + m[2] + (b":" + m[3] + m[4] if m[3] else b"")
                scan.merged_header.append(ref.decode("ascii").upper())


# --- relationships and the sheet list (small parts, parsed with defusedxml)


def _xml(name: str, zf: zipfile.ZipFile, member: str) -> Element:
    data = zf.read(member)
    check_declarations(name, XLSX, member, data)
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise declaration_refused(name, XLSX, member) from None
    except ParseError as exc:
        raise _refuse(name, f"XML-delen {member} er ødelagt", f"the XML part {member} is broken: {exc}") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(base, target))


def _rels(name: str, zf: zipfile.ZipFile, names: set[str], member: str, base: str) -> list[tuple[str, str, str]]:
    """(Id, Type, resolved target) of a relationships part; empty when it is absent."""
    if member not in names:
        return []
    out = []
    for el in _xml(name, zf, member).iter():
        if _local(el.tag) == "Relationship" and el.get("Target") and el.get("TargetMode") != "External":
            out.append((el.get("Id", ""), el.get("Type", ""), _resolve(base, el.get("Target", ""))))
    return out


def _sheet_parts(name: str, zf: zipfile.ZipFile, names: set[str]) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """{worksheet part: sheet name} and the workbook's relationships."""
    workbook = "xl/workbook.xml"
    for _, kind, target in _rels(name, zf, names, "_rels/.rels", ""):
        if kind.endswith(_OFFICE_DOCUMENT_TYPE):
            workbook = target
    if workbook not in names:
        raise _refuse(name, f"zip-arkivet er ikke en Excel-arbeidsbok (mangler {workbook})",
                      f"the zip archive is not an Excel workbook: {workbook} is missing")
    base = posixpath.dirname(workbook)
    rels = _rels(name, zf, names, posixpath.join(base, "_rels", posixpath.basename(workbook) + ".rels"), base)
    targets = {rid: target for rid, _, target in rels}
    sheets: dict[str, str] = {}
    for el in _xml(name, zf, workbook).iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        if rid in targets and targets[rid] in names:
            sheets[targets[rid]] = el.get("name", "")
    return sheets, rels


# --- sheets whose cells reach far


def _blank_shared_strings(zf: zipfile.ZipFile, names: set[str], rels: list[tuple[str, str, str]]) -> set[int]:
    """Indexes of shared strings that are empty or whitespace."""
    member = next((t for _, kind, t in rels if kind.endswith(_SHARED_STRINGS_TYPE)), "xl/sharedStrings.xml")
    if member not in names:
        return set()
    blank = set()
    for i, m in enumerate(_SI.finditer(zf.read(member))):
        if not any(t.strip() for t in _T_TEXT.findall(m[1] or b"")):
            blank.add(i)
    return blank


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _is_blank(attrs: bytes, inner: bytes | None, blank_strings: set[int]) -> bool:
    """A cell that provably holds nothing: no formula, and no value or a blank one."""
    if not inner or not inner.strip():
        return True
    if _F_TAG.search(inner):
        return False
    t = _T_ATTR.search(attrs)
    kind = t[1] if t else b"n"
    if _IS_TAG.search(inner):
        return not any(x.strip() for x in _T_TEXT.findall(inner))
    v = _V.search(inner)
    if v is None:
        return b"<" not in inner.replace(b"<v/>", b"").replace(b"<v />", b"")
    if kind == b"s":
        try:
            return int(v[1]) in blank_strings
        except ValueError:
            return False
    return not v[1].strip()


def _error_as_text(m: re.Match[bytes]) -> bytes:
    """An error cell (t="e", its formula with it) as an inline text cell holding the error's text.

    calamine reads an error cell as an empty cell, so a #N/A from a lookup would pass for an empty
    date or yes/no. As text ("#N/A", as Excel shows it) it is an input problem the user can see.
    """
    p, attrs, v = m[1], m[2] + m[3], _V.search(m[4])
    text = v[1] if v else b""
    return b"<%sc%s t=\"inlineStr\"><%sis><%st>%s</%st></%sis></%sc>" % (p, attrs, p, p, text, p, p, p)


def _compact_sheet(name: str, sheet: str, xml: bytes, blank_strings: set[int]) -> bytes | None:
    """The sheet without its blank cells (None when nothing changes); refused when its values span too far."""
    start = _SHEETDATA_OPEN.search(xml)
    if start is None or start[1] == b"/":
        return None
    end = _SHEETDATA_CLOSE.search(xml, start.end())
    if end is None:
        return None
    kept_rows: list[bytes] = []
    dropped = 0
    row_no = 0
    top = left = 10**9
    bottom = right = 0
    for rm in _ROW.finditer(xml, start.end(), end.start()):
        r = _R_ATTR.search(b" " + rm[2])
        row_no = int(r[2]) if r else row_no + 1
        col_no = 0
        cells: list[bytes] = []
        for cm in _CELL.finditer(rm[3] or b""):
            ref = _R_ATTR.search(cm[1])
            if ref and ref[1]:
                col_no, cell_row = _column_number(ref[1]), int(ref[2])
            else:
                col_no, cell_row = col_no + 1, row_no
            if _is_blank(cm[1], cm[2], blank_strings):
                dropped += 1
                continue
            cells.append(cm[0])
            top, bottom = min(top, cell_row), max(bottom, cell_row)
            left, right = min(left, col_no), max(right, col_no)
        if cells:
            kept_rows.append(b"<" + rm[1] + b"row" + rm[2] + b">" + b"".join(cells) + b"</" + rm[1] + b"row>")
    if bottom and (bottom - top + 1) * (right - left + 1) > MAX_CELLS:
        extent = f"{column_letters(left)}{top}:{column_letters(right)}{bottom}"
        raise spread_refused(name, sheet, extent, (bottom - top + 1) * (right - left + 1))
    if not dropped:
        return None
    return xml[:start.end()] + b"".join(kept_rows) + xml[end.start():]
