"""What a file's bytes are, whatever its name says.

KE staff rename files (``saker.json`` that is really a workbook, a LibreOffice ``.ods``
renamed ``.xlsx``, a CSV export named ``.xlsx``), and a reader chosen by the suffix then
fails with a message about the wrong format ("invalid JSON", "not a zip archive"). The
first bytes tell what the file is, so a refusal can name it and say what to save it as:

* ``PK\\x03\\x04``: a zip. An OpenDocument file starts with an uncompressed ``mimetype``
  member (``application/vnd.oasis.opendocument.spreadsheet`` for ``.ods``); an Office
  Open XML file holds ``[Content_Types].xml``, a workbook also ``xl/...`` parts;
* ``D0 CF 11 E0 A1 B1 1A E1``: an OLE2 compound file: an old ``.xls`` workbook (a
  ``Workbook``/``Book`` stream), a password-protected OOXML workbook (``EncryptionInfo``
  and ``EncryptedPackage`` streams) or another Office document;
* text: JSON when the first character after an optional BOM and white space is ``{`` or
  ``[``; UTF-16 by its BOM; HTML, PDF and Excel 2003 XML by their markers; text whose
  first line holds a ``;``, ``,`` or tab and that does not start like a JSON value is
  CSV; any other text (one value per line, or a JSON scalar) is just text.

Only the head of the file is looked at, except for a zip whose central directory is read
(cheap: a list of names) when its first member does not say.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

__all__ = ["FileKind", "sniff", "OLE_SIGNATURE"]

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_NAMES = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
_XLS_NAMES = ("Workbook".encode("utf-16-le"), "Book\0".encode("utf-16-le"))
_ODF = b"application/vnd.oasis.opendocument."
_ODS = _ODF + b"spreadsheet"
_HEAD = 4096
_DELIMITERS = (b";", b",", b"\t")
_JSON_VALUE_START = frozenset(b'"-0123456789tfn'[i:i + 1] for i in range(15))


@dataclass(frozen=True)
class FileKind:
    """One kind of file: a key, what it is and what to do with it (bokmål, English)."""

    key: str  # xlsx ods odf office zip xls encrypted ole2 json csv text utf16 html pdf xml2003 binary
    nb: str
    en: str
    todo_nb: str
    todo_en: str


_SAVE_XLSX = ("åpne den i Excel og lagre som Excel-arbeidsbok (.xlsx)", "open it in Excel and save it as .xlsx")
KINDS: dict[str, FileKind] = {k.key: k for k in (
    FileKind("xlsx", "en Excel-arbeidsbok (.xlsx)", "an Excel workbook (.xlsx)",
             "gi filen endelsen .xlsx", "rename it to .xlsx"),
    FileKind("ods", "et OpenDocument-regneark (.ods, fra LibreOffice eller OpenOffice)",
             "an OpenDocument spreadsheet (.ods, from LibreOffice or OpenOffice)",
             "gi filen endelsen .ods", "rename it to .ods"),
    FileKind("odf", "et OpenDocument-dokument, ikke et regneark", "an OpenDocument file, not a spreadsheet",
             "lagre dataene som Excel-arbeidsbok (.xlsx)", "save the data as an Excel workbook (.xlsx)"),
    FileKind("office", "et Office-dokument som ikke er en Excel-arbeidsbok (for eksempel Word)",
             "an Office document that is not an Excel workbook (such as Word)",
             "lagre dataene som Excel-arbeidsbok (.xlsx)", "save the data as an Excel workbook (.xlsx)"),
    FileKind("zip", "et zip-arkiv, ikke et regneark", "a zip archive, not a spreadsheet",
             "pakk ut filen og bruk regnearket (.xlsx) i den", "unpack it and use the workbook (.xlsx) inside"),
    FileKind("xls", "en gammel Excel-arbeidsbok (.xls)", "an old Excel workbook (.xls)", *_SAVE_XLSX),
    FileKind("encrypted", "en passordbeskyttet (kryptert) Excel-arbeidsbok",
             "a password-protected (encrypted) Excel workbook",
             "fjern passordet i Excel (Fil > Info > Beskytt arbeidsbok) og lagre på nytt som .xlsx",
             "remove the password in Excel and save it again as .xlsx"),
    FileKind("ole2", "et OLE2-dokument (for eksempel Word), ikke en Excel-arbeidsbok",
             "an OLE2 compound document (such as Word), not an Excel workbook",
             "lagre dataene som Excel-arbeidsbok (.xlsx)", "save the data as an Excel workbook (.xlsx)"),
    FileKind("json", "JSON-tekst", "JSON text", "gi filen endelsen .json", "rename it to .json"),
    *(FileKind(key, "tekst, kanskje CSV", "text, perhaps CSV",
               "gi filen endelsen .csv, eller åpne den i Excel og lagre som .xlsx",
               "rename it to .csv, or open it in Excel and save it as .xlsx") for key in ("csv", "text")),
    FileKind("utf16", "UTF-16-tekst", "UTF-16 text",
             "lagre den som «CSV UTF-8» eller som Excel-arbeidsbok (.xlsx)",
             "save it as CSV UTF-8 or as an Excel workbook (.xlsx)"),
    FileKind("html", "en HTML-side", "an HTML page", *_SAVE_XLSX),
    FileKind("pdf", "en PDF", "a PDF", "hent dataene ut som .xlsx eller .csv fra fagsystemet",
             "export the data as .xlsx or .csv from the case system"),
    FileKind("xml2003", "et XML-regneark fra Excel 2003", "an Excel 2003 XML spreadsheet", *_SAVE_XLSX),
    FileKind("binary", "ukjent binært innhold", "unknown binary content",
             "bruk .xlsx, .json eller en mappe med .csv", "use .xlsx, .json or a folder of .csv files"),
)}


def sniff(data: bytes) -> FileKind:
    """The kind of file ``data`` is, judged by its bytes (``data`` is not empty)."""
    if data.startswith(OLE_SIGNATURE):
        if any(n in data for n in _ENCRYPTED_NAMES):
            return KINDS["encrypted"]
        return KINDS["xls" if any(n in data for n in _XLS_NAMES) else "ole2"]
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return KINDS[_zip_kind(data)]
    head = data[:_HEAD]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return KINDS["utf16"]
    text = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    stripped = text.lstrip(b" \t\r\n")
    low = stripped.lower()
    if stripped.startswith(b"%PDF"):
        return KINDS["pdf"]
    if b"<html" in low or b"<table" in low or b"<!doctype html" in low:
        return KINDS["html"]
    if b"urn:schemas-microsoft-com:office:spreadsheet" in low:
        return KINDS["xml2003"]
    if b"\0" in head:
        return KINDS["binary"]
    if stripped[:1] in (b"{", b"["):
        return KINDS["json"]
    first_line = stripped.split(b"\n", 1)[0]
    first = stripped[:1]
    if any(d in first_line for d in _DELIMITERS) and (
            first not in _JSON_VALUE_START or first == b'"' and any(b'"' + d in first_line for d in _DELIMITERS)):
        return KINDS["csv"]
    return KINDS["text"]  # one value: a JSON scalar (null, 1, "x") or a one-column CSV


def _zip_kind(data: bytes) -> str:
    # OpenDocument: the first member is "mimetype", stored, its content the media type (ODF 1.2, 3.3)
    if data[30:38] == b"mimetype":
        start = 30 + int.from_bytes(data[26:28], "little") + int.from_bytes(data[28:30], "little")
        if data[start:start + len(_ODS)] == _ODS:
            return "ods"
        if data[start:start + len(_ODF)] == _ODF:
            return "odf"
    try:  # any other zip (or a mimetype member compressed): the names in the central directory tell
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, KeyError, RuntimeError, NotImplementedError,
            EOFError):
        return "xlsx"  # a broken zip: the xlsx reader names what is broken
    if mimetype.startswith(_ODS):
        return "ods"
    if mimetype.startswith(_ODF):
        return "odf"
    if "[Content_Types].xml" in names:
        return "xlsx" if any(n.startswith("xl/") for n in names) else "office"
    return "zip"
