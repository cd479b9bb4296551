"""The zip checks an .xlsx and an .ods file share, before python-calamine reads either.

Both formats are zip archives of XML parts, so both are refused for the same reasons
and with the same words, only naming the format (:class:`ZipFormat`): a truncated or
corrupt archive, zip-level encryption, an unsupported compression method, too many
members, members that claim to expand to an unreasonable size or ratio (a decompression
bomb, judged on the sizes the archive declares before anything is expanded), and a
``<!DOCTYPE`` or ``<!ENTITY`` in any XML part (neither format has one; "billion laughs"
lives there). Every member is expanded in chunks of 1 MiB, so a member that expands
beyond what it declared fails its CRC check instead of filling memory.

The refusals a table sheet gets in either format (merged header cells, formulas without
a stored result, values spread over an unreasonable range) are worded here too, so a
KE user reads the same sentence whichever program saved the file.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ke_rules.errors import InputRefused

__all__ = ["ZipFormat", "XLSX", "ODS", "MAX_UNCOMPRESSED_BYTES", "MAX_COMPRESSION_RATIO", "MAX_CELLS",
           "open_archive", "stream_member", "guarded", "refuse"]

# A zip whose members claim more than this many uncompressed bytes is not read (bomb guard) ...
MAX_UNCOMPRESSED_BYTES = 2_000_000_000
# ... nor one that claims more than RATIO_FLOOR_BYTES at a compression ratio above this.
MAX_COMPRESSION_RATIO = 200
RATIO_FLOOR_BYTES = 50_000_000
MAX_MEMBERS = 10_000
# A sheet whose values span more cells than this (rows × columns of their range) is refused.
MAX_CELLS = 20_000_000
TALL_ROWS = 100_000  # a value in row 100,000 or beyond is "far" ...
FAR_COLUMN = 703  # ... and so is one in column AAA or beyond
CHUNK = 1 << 20
SHOWN = 5  # cell references named in a message

_T = TypeVar("_T")


@dataclass(frozen=True)
class ZipFormat:
    """How a message names the file: ``the_nb`` + ``large_nb`` agree in gender (arbeidsboken er for stor,
    regnearket er for stort)."""

    suffix: str  # ".xlsx"
    the_nb: str  # "arbeidsboken"
    large_nb: str  # "stor"
    a_nb: str  # "en Excel-arbeidsbok"
    the_en: str  # "the workbook"
    a_en: str  # "a workbook"


XLSX = ZipFormat(".xlsx", "arbeidsboken", "stor", "en Excel-arbeidsbok", "the workbook", "a workbook")
ODS = ZipFormat(".ods", "regnearket", "stort", "et OpenDocument-regneark", "the spreadsheet", "a spreadsheet")


def refuse(name: str, nb: str, en: str) -> InputRefused:
    return InputRefused(f"{name}: {nb} ({en}).")


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def guarded(name: str, fmt: ZipFormat, check: Callable[[], _T]) -> _T:
    """Run ``check`` with the zip and zlib failures it can raise turned into one-paragraph refusals."""
    try:
        return check()
    except InputRefused:
        raise
    except MemoryError:
        raise refuse(name, f"{fmt.the_nb} er for {fmt.large_nb} til å leses i tilgjengelig minne",
                     f"{fmt.the_en} is too large to read in the memory available") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise refuse(name, "zip-arkivet er ødelagt eller avkortet",
                     f"the {fmt.suffix} file is truncated or corrupt: {first_line(exc)}") from None
    except NotImplementedError as exc:
        raise refuse(name, "zip-arkivet bruker en komprimering som ikke støttes",
                     f"the {fmt.suffix} file uses an unsupported compression method: {first_line(exc)}") from None
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required for extraction"
        raise refuse(name, "zip-arkivet er kryptert (passordbeskyttet)",
                     f"the zip archive is encrypted, password-protected: {first_line(exc)}") from None


def open_archive(name: str, data: bytes, fmt: ZipFormat) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The archive and its members, refused when it is broken, too big by its declared sizes, or encrypted."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise refuse(name, f"ikke en gyldig {fmt.suffix}-fil: zip-arkivet er ødelagt eller avkortet",
                     f"not a valid {fmt.suffix} file: the zip archive is truncated or corrupt") from None
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise refuse(name, f"zip-arkivet har {len(infos):,} deler; det leses ikke",
                     "the archive has an unreasonable number of members")
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNCOMPRESSED_BYTES or (total / packed > MAX_COMPRESSION_RATIO and total > RATIO_FLOOR_BYTES):
        raise refuse(name, f"{fmt.the_nb} pakkes ut til {total:,} byte ({total / packed:,.0f} ganger større); "
                           "den leses ikke",
                     f"{fmt.the_en} expands to an unreasonable size, a possible decompression bomb")
    for info in infos:
        if info.flag_bits & 0x1:
            raise refuse(name, "zip-arkivet er kryptert (passordbeskyttet)",
                         "the zip archive is encrypted, password-protected")
    return zf, infos


def stream_member(name: str, fmt: ZipFormat, zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, xml: bool,
                  on_chunk: Callable[[bytes, bool], None] | None = None) -> None:
    """Expand one member in chunks (checking its CRC); ``on_chunk(chunk, first)`` sees an XML part's chunks.

    A DOCTYPE can only stand in an XML part's prolog, so declarations are looked for in the first chunk.
    """
    first = True
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            if not xml:
                continue
            if first:
                check_declarations(name, fmt, info.filename, chunk)
            if on_chunk is not None:
                on_chunk(chunk, first)
            first = False


def check_declarations(name: str, fmt: ZipFormat, member: str, seg: bytes) -> None:
    if b"<!" in seg and (b"<!DOCTYPE" in seg or b"<!ENTITY" in seg):
        raise declaration_refused(name, fmt, member)


def declaration_refused(name: str, fmt: ZipFormat, member: str) -> InputRefused:
    return refuse(name, f"XML-delen {member} inneholder en DOCTYPE- eller ENTITY-deklarasjon, som "
                        f"{fmt.a_nb} aldri har; filen leses ikke",
                  f"the XML part {member} declares a DOCTYPE or entities, which {fmt.a_en} never does "
                  "(possible entity-expansion attack)")


# --- the refusals of a table sheet, in either format


def shown_refs(refs: list[str], count: int) -> str:
    return ", ".join(refs[:SHOWN]) + (" …" if count > SHOWN else "")


def merged_header_refused(name: str, sheet: str, refs: list[str]) -> InputRefused:
    shown = shown_refs(refs, len(refs))
    return refuse(
        name, f"arket '{sheet}' har sammenslåtte celler i overskriftsraden ({shown}); hver kolonne må "
              "ha sin egen overskrift i rad 1, så opphev sammenslåingen (er det en tittel over "
              "overskriftene, slett raden: overskriftene må stå på rad 1)",
        f"the sheet '{sheet}' has merged header cells {shown}; each column needs its own header in "
        "row 1, so unmerge them; if it is a title above the headers, delete that row, as the headers "
        "must be on row 1")


def uncached_refused(name: str, sheet: str, refs: list[str], count: int) -> InputRefused:
    shown = shown_refs(refs, count)
    return refuse(
        name, f"arket '{sheet}' har {count} formel(er) uten lagret resultat ({shown}); "
              "filen er trolig laget av et program som ikke regner ut formler. Åpne den i Excel eller "
              "LibreOffice og lagre på nytt",
        f"the sheet '{sheet}' has {count} formula(s) with no stored result ({shown}), "
        "which would read as empty cells; open and save the file in Excel or LibreOffice so the results "
        "are stored")


def spread_refused(name: str, sheet: str, extent: str, cells: int) -> InputRefused:
    return refuse(
        name, f"arket '{sheet}' har verdier spredt over {extent} ({cells:,} celler); slett innholdet i "
              "cellene langt unna resten av dataene",
        f"the sheet '{sheet}' has values spread over {extent} ({cells:,} cells); delete the stray cells far "
        "from the rest of the data")


def column_letters(n: int) -> str:
    """The spreadsheet letters of the 1-based column ``n`` (1 -> A, 28 -> AB)."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out
