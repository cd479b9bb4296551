"""Personal identity numbers never reach an output.

A Norwegian fødselsnummer, D-number or H-number is 11 digits, optionally written
with a space, a hyphen or a dot after the sixth (``DDMMYY NNNNN``, ``DDMMYY-NNNNN``,
``DDMMYY.NNNNN``). Two jobs are kept apart here:

**Masking is broad.** :func:`mask_identity_numbers` masks every run of 11 digits
(or 6 + space, hyphen or dot + 5), whether or not its check digits are valid: a mistyped number is
still someone's number, and a masked harmless value costs less than a leaked
identity. It also masks a run of exactly 10 digits whose zero-padded form *is* a valid
number: Excel drops the leading zero of a number typed into a General cell, so
``01019912345`` arrives as ``1019912345`` (everyone born on the 1st to the 9th of a
month). A 10-digit run that is not a valid number when padded is left alone.

**Detection is exact.** :func:`is_identity_number` and :func:`kind_of_identity_number`
check the date and both check digits; :func:`scan_identity_numbers` and
:func:`scan_sheets` count, per table and column, the cells that hold a valid number
(in the runs masking masks, or as a whole-number cell), and
:func:`identity_number_problems` turns the counts into input-problem notices. The
counting is vectorised: the text cells of a column are joined and their digit runs
found with numpy over the code points, then check digits are computed for the runs
of the right length only (about 0.2 s of CPU per million cells).

The rules checked (Skatteetaten; the 2032 change is Folkeregisteret's "nytt
fødselsnummer fra 2032"):

- digits 1–6 are a date ``DDMMYY``. A **D-number** adds 4 to the first digit (day
  41–71); an **H-number** (hjelpenummer) adds 4 to the third (month 41–52).
  Synthetic test numbers also shift the month: Skatteetaten's Tenor test data adds
  80 (month 81–92), NAV's adds 40, on fødselsnumre and D-numbers alike. They are
  accepted (a test number in a KE file is worth reporting too); one with a shifted
  month and an unshifted day is reported as an ``h-nummer``, one with a shifted day
  as a ``d-nummer``. The century cannot be read from numbers issued from 2032, so
  the individual number is not checked against the year and 29 February is valid in
  every year ``YY`` divisible by 4.
- ``K1`` (digit 10): with weights 3, 7, 6, 1, 8, 9, 4, 5, 2 over digits 1–9,
  ``(weighted sum + K1) mod 11`` must be 0 for numbers issued before 2032 and may be
  0, 1, 2 or 3 for numbers issued from 2032. Both kinds are in use from 2032 on, so
  a number is valid when the remainder is 0–3 (the classic rule is the case 0).
- ``K2`` (digit 11) keeps the classic rule: with weights 5, 4, 3, 2, 7, 6, 5, 4, 3, 2
  over digits 1–10 (``K1`` included), ``(weighted sum + K2) mod 11 == 0``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ke_rules.report.models import InputProblem

__all__ = [
    "mask_identity_numbers",
    "looks_like_identity_number",
    "mask_many",
    "is_identity_number",
    "kind_of_identity_number",
    "IdentityKind",
    "scan_identity_numbers",
    "scan_cells",
    "scan_sheets",
    "scan_tables",
    "identity_number_problems",
    "mask_and_clip",
]

IdentityKind = Literal["fødselsnummer", "d-nummer", "h-nummer"]

# an 11-digit run (6 + an optional space, hyphen or dot + 5), or a 10-digit run that may have lost its leading zero
_PNR = re.compile(r"(?<!\d)(?:(\d{6})[ .-]?(\d{5})|(\d{10}))(?!\d)")
_SEPARATORS = np.array([ord(" "), ord("-"), ord(".")], dtype=np.uint32)  # what may stand between 6 and 5 digits
_MASK = "***********"

_W1 = np.array([3, 7, 6, 1, 8, 9, 4, 5, 2], dtype=np.int64)
_W2 = np.array([5, 4, 3, 2, 7, 6, 5, 4, 3, 2], dtype=np.int64)
_MAX_DAY = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_KINDS: tuple[IdentityKind | None, ...] = (None, "fødselsnummer", "d-nummer", "h-nummer")


def _kinds(numbers: Sequence[str]) -> np.ndarray:
    """Kind code per 11-digit ASCII string (0 invalid, 1 fødselsnummer, 2 D-number, 3 H-number)."""
    if not numbers:
        return np.zeros(0, dtype=np.int8)
    raw = np.frombuffer("".join(numbers).encode("ascii"), dtype=np.uint8)
    return _kinds_of_digits(raw.reshape(len(numbers), 11).astype(np.int64) - 48)


def _kinds_of_digits(d: np.ndarray) -> np.ndarray:
    """Kind code per row of an (n, 11) array of digit values, vectorised: date, K1 (2032 rule) and K2."""
    day = d[:, 0] * 10 + d[:, 1]
    month = d[:, 2] * 10 + d[:, 3]
    year = d[:, 4] * 10 + d[:, 5]
    d_number = day > 40
    day = np.where(d_number, day - 40, day)
    shift = np.where(month > 80, 80, np.where(month > 40, 40, 0))
    month = month - shift
    month_ok = (month >= 1) & (month <= 12)
    max_day = _MAX_DAY[np.where(month_ok, month, 0)]
    date_ok = month_ok & (day >= 1) & (day <= max_day) & ~((month == 2) & (day == 29) & (year % 4 != 0))
    k1_ok = (d[:, :9] @ _W1 + d[:, 9]) % 11 <= 3
    k2_ok = (d[:, :10] @ _W2 + d[:, 10]) % 11 == 0
    kind = np.where(d_number, 2, np.where(shift > 0, 3, 1))
    return np.where(date_ok & k1_ok & k2_ok, kind, 0).astype(np.int8)


def _ascii(digits: str) -> str:
    """Decimal digits of any script (``\\d`` matches them all) as ASCII digits, same length."""
    return digits if digits.isascii() else f"{int(digits):0{len(digits)}d}"


def _digits(text: str) -> str | None:
    """The 11 digits of ``text`` (11 digits, or 6 + one space, hyphen or dot + 5), else None."""
    if len(text) == 12 and text[6] in " -.":
        text = text[:6] + text[7:]
    if len(text) != 11 or not text.isdecimal():
        return None
    return _ascii(text)


def kind_of_identity_number(digits: str) -> IdentityKind | None:
    """``"fødselsnummer"``, ``"d-nummer"`` or ``"h-nummer"`` when ``digits`` is a valid number, else None.

    ``digits`` is 11 digits, optionally with one space, hyphen or dot after the sixth (surrounding
    whitespace is ignored). Date and both check digits are checked, including the
    check-digit rule for numbers issued from 2032 (see the module docstring).
    """
    if not isinstance(digits, str):
        return None
    clean = _digits(digits.strip())
    if clean is None:
        return None
    return _KINDS[int(_kinds([clean])[0])]


def is_identity_number(digits: str) -> bool:
    """True when ``digits`` is a valid fødselsnummer, D-number or H-number (see :func:`kind_of_identity_number`)."""
    return kind_of_identity_number(digits) is not None


def _mask_match(m: re.Match[str]) -> str:
    ten = m.group(3)
    if ten is None:
        return _MASK
    return _MASK[:10] if _kinds(["0" + _ascii(ten)])[0] else ten


def mask_identity_numbers(text: str) -> str:
    """Replace every 11-digit run (optionally 6 + space, hyphen or dot + 5) with asterisks.

    A 10-digit run is masked too when it is a valid number once its lost leading
    zero is put back; any other 10- or 12-digit run is left as it is.
    """
    if len(text) < 10:
        return text
    return _PNR.sub(_mask_match, text)


def mask_many(texts: Sequence[str]) -> list[str]:
    """:func:`mask_identity_numbers` over many texts, with the regex run only where it can match.

    One numpy pass over the joined texts finds the runs the regex masks (exactly 10 or
    11 digits, or 6 digits, a space, hyphen or dot, and 5), and only texts with such a run go through
    the regex; the rest are returned as they are. Same result as masking each text, at
    a fraction of the cost for the hundreds of thousands of messages of a national run.
    """
    if not texts:
        return []
    cp, _, starts, stops = _digit_runs("\x00".join(texts), as_utf8=True)
    separators = np.flatnonzero(cp == 0)
    if len(separators) != len(texts) - 1:  # a NUL inside a text: mask each one
        return [mask_identity_numbers(t) for t in texts]
    lengths = stops - starts
    # the regex's runs: exactly 10 or 11 digits, or exactly 6, one space, hyphen or dot, exactly 5
    hits = starts[(lengths == 10) | (lengths == 11)]
    if len(starts) > 1:
        pair = (lengths[:-1] == 6) & (lengths[1:] == 5) & (starts[1:] == stops[:-1] + 1)
        pair[pair] = np.isin(cp[stops[:-1][pair]], _SEPARATORS)
        hits = np.concatenate([hits, starts[:-1][pair]])
    out = list(texts)
    for i in np.unique(np.searchsorted(separators, hits)).tolist():
        out[i] = mask_identity_numbers(out[i])
    return out


_RUN_CHARACTER = re.compile(r"[\d*]")  # a digit, or an asterisk of a mask


def mask_and_clip(text: str, limit: int) -> str:
    """``text`` masked, then cut to at most ``limit`` characters and "…" when longer.

    Masking comes first: a cut first could end inside a number and leave too few of its
    digits for the masking to see (ten of eleven stay readable). The cut then never falls
    inside a run of digits or asterisks, but before it, so it neither leaves part of a long
    number nor shows a mask that looks shorter than the number it hides.
    """
    text = mask_identity_numbers(text)
    if len(text) <= limit:
        return text
    cut = limit
    is_run = _RUN_CHARACTER.match
    if is_run(text, cut):
        while cut > 0 and is_run(text, cut - 1):
            cut -= 1
    return text[:cut] + "…"


def looks_like_identity_number(text: str) -> bool:
    """True when :func:`mask_identity_numbers` would change ``text``."""
    return mask_identity_numbers(text) != text


# --- counting cells that hold a valid number

# cell type -> 1 text, 2 number (bool is not a number here); anything else is skipped
_CELL_KIND: dict[type, int] = {str: 1, np.str_: 1, int: 2, float: 2, **{
    t: 2 for t in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
                   np.float16, np.float32, np.float64)}}
_CHUNK_CHARS = 4_000_000
_TEXT = frozenset({str, np.str_})
_NUMBER = frozenset(t for t, kind in _CELL_KIND.items() if kind == 2)


def _valid_runs(texts: Sequence[str], ends: np.ndarray) -> np.ndarray:
    """Index (into ``texts``) of each valid identity number found in ``texts``; one entry per number.

    The same runs as the masking regex: a run of exactly 11 digits, 6 digits + one
    space, hyphen or dot + 5 digits, or exactly 10 digits (zero-padded), each bounded by non-digits.
    Found with numpy over the code points of the newline-joined text (``ends``: the
    offset just past each text in it), so no Python code runs per cell or per match.
    """
    starts, _ = _valid_starts("\n".join(texts))
    return np.searchsorted(ends, starts, side="right")


def _digit_runs(joined: str, *, as_utf8: bool = False) -> tuple[np.ndarray, dict[int, int], np.ndarray, np.ndarray]:
    """The code array of ``joined``, its non-ASCII digits (code -> value), and each digit run's start and stop.

    ASCII text is read as bytes (a quarter of the memory of code points); other text as
    UTF-32 code points, so digits of other scripts count as the regex's \\d counts them (a
    lone surrogate, half a character from another program, is passed through as its code).
    With ``as_utf8``, for callers that only relate offsets to each other (the NULs between
    texts), text with no digits of other scripts is read as its UTF-8 bytes: Norwegian
    messages, a quarter of the memory and time of UTF-32.
    """
    if joined.isascii():
        cp = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    elif as_utf8 and not _has_other_digits(utf8 := np.frombuffer(joined.encode("utf-8", "surrogatepass"),
                                                                 dtype=np.uint8)):
        cp = utf8  # ASCII digits, NULs and separators are single bytes in UTF-8; offsets are byte offsets
    else:
        # surrogatepass: a lone surrogate (half a character, read from a JSON escape) is a code point
        # like any other here, not a digit; the value layer reports it
        cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    is_digit = (cp >= 48) & (cp <= 57)
    other: dict[int, int] = {}
    if cp.dtype == np.uint32:
        other = {c: int(chr(c)) for c in np.unique(cp[cp > 127]).tolist() if chr(c).isdecimal()}
        if other:
            is_digit |= np.isin(cp, list(other))
    # int8 throughout: padding with Python ints would make the copy and the diff int64, eight times the
    # memory (1.5 s for the 39 MB of a national run's messages, measured, against 0.1 s)
    pad = np.zeros(1, dtype=np.int8)
    edges = np.diff(np.concatenate((pad, is_digit.view(np.int8), pad)))
    return cp, other, np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # first digit, one past the last


def _has_other_digits(utf8: np.ndarray) -> bool:
    """Whether UTF-8 bytes hold a decimal digit other than 0-9 (Arabic-Indic, fullwidth ...): the
    multi-byte characters are decoded in numpy and each distinct one is asked."""
    lead = np.flatnonzero(utf8 >= 0xC0)
    if not len(lead):
        return False
    last = len(utf8) - 1

    def tail(k: int) -> np.ndarray:  # the k-th continuation byte's six bits
        return utf8[np.minimum(lead + k, last)].astype(np.uint32) & 0x3F

    b0 = utf8[lead].astype(np.uint32)
    codes = np.where(b0 < 0xE0, ((b0 & 0x1F) << 6) | tail(1),
                     np.where(b0 < 0xF0, ((b0 & 0x0F) << 12) | (tail(1) << 6) | tail(2),
                              ((b0 & 0x07) << 18) | (tail(1) << 12) | (tail(2) << 6) | tail(3)))
    return any(chr(c).isdecimal() for c in np.unique(codes).tolist())


def _valid_starts(joined: str) -> tuple[np.ndarray, np.ndarray]:
    """Start offsets in ``joined`` of each valid identity number, and the code array searched."""
    cp, other, starts, stops = _digit_runs(joined)

    def value(at: np.ndarray) -> np.ndarray:  # digit values at the positions ``at``
        out = cp[at].astype(np.int64) - 48
        for c, v in other.items():
            out[cp[at] == c] = v
        return out

    lengths = stops - starts
    rows: list[np.ndarray] = []
    where: list[np.ndarray] = []
    eleven = starts[lengths == 11]
    if len(eleven):
        rows.append(value(eleven[:, None] + np.arange(11)))
        where.append(eleven)
    ten = starts[lengths == 10]
    if len(ten):
        rows.append(np.concatenate([np.zeros((len(ten), 1), dtype=np.int64), value(ten[:, None] + np.arange(10))],
                                   axis=1))
        where.append(ten)
    if len(starts) > 1:
        six = np.flatnonzero((lengths[:-1] == 6) & (lengths[1:] == 5) & (starts[1:] == stops[:-1] + 1))
        six = six[np.isin(cp[stops[six]], _SEPARATORS)]  # the one character between: space, hyphen or dot
        if len(six):
            rows.append(np.concatenate([value(starts[six][:, None] + np.arange(6)),
                                        value(starts[six + 1][:, None] + np.arange(5))], axis=1))
            where.append(starts[six])
    if not rows:
        return np.zeros(0, dtype=np.int64), cp
    valid = _kinds_of_digits(np.concatenate(rows)) > 0
    return np.concatenate(where)[valid], cp


def scan_cells(cells: Iterable[object]) -> int:
    """How many of ``cells`` hold a valid identity number.

    Text cells are searched for the runs :func:`mask_identity_numbers` masks (11
    digits, 6 + space, hyphen or dot + 5, and 10 digits that are valid once the lost leading zero is
    put back); whole-number cells of 10 or 11 digits (Excel, JSON) are read
    zero-padded to 11 digits. Dates, booleans and empty cells are skipped. Everything
    after the split by cell type is vectorised.
    """
    seq = cells if isinstance(cells, list) else list(cells)
    # every cell as str(), joined by NUL in one C-speed pass: a whole-number cell of 10 or
    # 11 digits (also a float, "1234567890.0") is a run like any other; dates, words, None
    # and yes/no hold no long digit run; each valid run is mapped back to its cell by the NULs
    joined = "\x00".join(map(str, seq))
    if joined.isascii() or len(joined) <= _CHUNK_CHARS:
        starts, cp = _valid_starts(joined)
        if not len(starts):
            return 0
        separators = np.flatnonzero(cp == 0)
        return len(np.unique(np.searchsorted(separators, starts)))
    # long text with other scripts: search it in chunks of cells, to bound the UTF-32 copy
    texts = [str(v).replace("\x00", " ") for v in seq]
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1) - 1
    bounds = np.searchsorted(ends, np.arange(_CHUNK_CHARS, int(ends[-1]) + 1, _CHUNK_CHARS)).tolist()
    found: list[np.ndarray] = []
    for lo, hi in zip([0, *bounds], [*bounds, len(texts)], strict=True):
        if hi > lo:
            offset = ends[lo - 1] + 1 if lo else 0
            found.append(_valid_runs(texts[lo:hi], ends[lo:hi] - offset) + lo)
    return len(np.unique(np.concatenate(found))) if found else 0


def scan_identity_numbers(tables: Mapping[str, pd.DataFrame]) -> dict[tuple[str, str], int]:
    """Cells holding a valid identity number, per (table, column); only columns with at least one.

    Works on raw frames (object columns of mixed cells) and typed frames alike; date,
    boolean and other non-text, non-numeric columns are skipped without a look.
    """
    import pandas as pd

    out: dict[tuple[str, str], int] = {}
    for table, frame in tables.items():
        for column in frame.columns:
            s = frame[column]
            if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
                continue
            if pd.api.types.is_numeric_dtype(s.dtype):
                values = s.to_numpy(dtype=float, na_value=np.nan)
                if not ((values >= 1e9) & (values < 1e11)).any():
                    continue
            n = scan_cells(s.tolist())
            if n:
                out[(str(table), str(column))] = n
    return dict(sorted(out.items()))


# the reader's sheets: (header, rows, row numbers) or, read by columns, (header, columns, row numbers, from_json)
Sheet = tuple[Sequence[object], Sequence[Sequence[object]], Sequence[int]] | tuple[
    Sequence[object], Sequence[Sequence[object]], Sequence[int], bool]


def scan_sheets(sheets: Mapping[str, Sheet]) -> dict[tuple[str, str | None], int]:
    """Count valid identity numbers in the reader's raw sheets, before any column is dropped.

    ``sheets`` is what ``load``'s readers return: sheet name -> (header cells, data
    rows, row numbers), or a 4-tuple (header cells, one list of cells per column, row
    numbers, flag) for a sheet read by columns. Every cell counts: unknown sheets and
    columns, cells beyond the header, rows that will be set aside, and the header
    cells themselves. Keys use the canonical table and column name where the sheet or
    header is known, the sheet name or header text where it is not, and None for a
    column without a header.
    """
    return scan_tables(sheets.items())


def scan_tables(sheets: Iterable[tuple[str, Sheet]]) -> dict[tuple[str, str | None], int]:
    """:func:`scan_sheets` of (sheet name, sheet) pairs, which may be made one at a time and dropped."""
    from itertools import zip_longest

    from ke_rules.ingest.schema import TABLES, resolve_table_name
    from ke_rules.ingest.vocabulary import normalise_name

    out: dict[tuple[str, str | None], int] = {}
    for sheet_name, sheet in sheets:
        header, data = sheet[0], sheet[1]
        columns = data if len(sheet) == 4 else (list(zip_longest(*data)) if data else [])
        table = resolve_table_name(str(sheet_name))
        aliases = TABLES[table].alias_map() if table else {}
        for pos in range(max(len(header), len(columns))):
            label = header[pos] if pos < len(header) else None
            cells = list(columns[pos]) if pos < len(columns) else []
            cells.append(label)
            n = scan_cells(cells)
            if not n:
                continue
            if label is None or (isinstance(label, str) and not label.strip()):
                column: str | None = None
            else:
                column = aliases.get(normalise_name(label), str(label).strip())
            key = (table or str(sheet_name), column)
            out[key] = out.get(key, 0) + n
    return dict(sorted(out.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")))


def identity_number_problems(counts: Mapping[tuple[str, Any], int]) -> list[InputProblem]:
    """One ``notice`` per (table, column) with identity numbers: row and value empty, the count in ``detail``.

    The problem text (``ProblemCode.IDENTITY_NUMBER``) says the numbers were found and
    are masked in every output; table and column names are masked as well.
    """
    from ke_rules.ingest.values import ProblemCode
    from ke_rules.report.models import InputProblem, Severity

    return [
        InputProblem(table=str(table), row=None, column=None if column is None else str(column), value=None,
                     code=ProblemCode.IDENTITY_NUMBER, severity=Severity.notice, detail=str(int(n)))
        for (table, column), n in counts.items() if n
    ]
