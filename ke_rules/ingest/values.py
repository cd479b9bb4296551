"""Cell parsers for the value conventions of the input contract, one column at a time.

Each parser takes a column of raw cells (strings from CSV, typed cells from Excel,
JSON values) and returns the parsed column plus a per-cell failure code, so the
caller decides whether a bad cell sets the row aside (required column) or is taken
as empty (optional column). Work is vectorised over the column; only cells of an
unusual Python type are looked at one by one.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ke_rules.ingest.problems import ProblemCode
from ke_rules.ingest.vocabulary import BOOL_WORDS, ENUM_SYNONYMS, normalise_name

__all__ = ["ProblemCode", "Parsed", "parse_column", "is_empty", "cell_text", "show_hidden", "EXCEL_ERRORS",
           "INT_MAX"]


# Excel's error values as a cell or a CSV export holds them: English (what an xlsx file stores
# whatever the language of the Excel that wrote it) and the Norwegian spellings a Norwegian
# Excel writes into a CSV export (#I/T, #VERDI!, #NAVN?; the rest are spelled as in English)
EXCEL_ERRORS = frozenset({
    "#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA",
    "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#EXTERNAL!", "#PYTHON!",
    "#I/T", "#VERDI!", "#NAVN?",
})

# The largest whole number taken in an int column. The contract's only int column is a count of
# cases a coordinator has agreed to carry (int >= 0); a million is far above any caseload yet
# keeps every count well inside int64 and exact as a float, so nothing downstream can overflow.
INT_MAX = 1_000_000

# Unicode's format characters (category Cf: zero-width space and joiners, word joiner, BOM,
# soft hyphen, bidi marks and isolates, tag characters ...), as of Unicode 15; a test checks the
# ranges against the running Python's unicodedata. They are invisible, so an id holding one looks
# like another id and is not.
_FORMAT_RANGES = [
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891),
    (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F),
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
]
_SURROGATES = (0xD800, 0xDFFF)  # half of a character: only a lone one can be in a str
FORMAT_CHARACTERS = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _FORMAT_RANGES) + "]")
_HIDDEN = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in [*_FORMAT_RANGES, _SURROGATES]) + "]")
_LONE_SURROGATE = re.compile(f"[{chr(_SURROGATES[0])}-{chr(_SURROGATES[1])}]")
_HIDDEN_CODES = np.zeros(0x110000, dtype=bool)  # per code point: a format character or a surrogate
for _a, _b in [*_FORMAT_RANGES, _SURROGATES]:
    _HIDDEN_CODES[_a:_b + 1] = True


def _hidden_at(joined: str) -> np.ndarray:
    """Offsets in ``joined`` of its format characters and lone surrogates, found without a Python loop.

    Text of Latin-1 characters only (Norwegian text) can hold just the soft hyphen; other text
    is looked at as code points with numpy (a regex scan costs several times more).
    """
    try:
        joined.encode("latin-1")
    except UnicodeEncodeError:
        cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        wide = np.flatnonzero(cp >= 0xAD)
        return wide[_HIDDEN_CODES[cp[wide]]]
    if "\xad" not in joined:
        return _NO_POSITIONS
    return np.array([m.start() for m in re.finditer("\xad", joined)], dtype=np.int64)


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\u{c:04x}" if c <= 0xFFFF else f"\\U{c:08x}"


def show_hidden(text: str) -> str:
    """``text`` with its format characters and lone surrogates written as escapes (``S-1\\u200b``).

    Used for every text an input problem shows, so an invisible character can be seen and
    half a character cannot break an output. When taking them out would leave a run the
    identity-number masking masks (``0101901\\u200b2345``), they are taken out instead, so
    the escape cannot split a number and keep it from being masked.
    """
    if text.isascii() or not _HIDDEN.search(text):
        return text
    from ke_rules.privacy.identity import mask_identity_numbers

    escaped = _HIDDEN.sub(_escape, text)
    bare = _HIDDEN.sub("", text)
    if mask_identity_numbers(bare).count("*") > mask_identity_numbers(escaped).count("*"):
        return bare
    return escaped


@dataclass
class Parsed:
    """A parsed column: values (empty where empty or invalid), the failure per cell, and the
    positions of cells that had invisible characters removed (a warning each)."""

    values: pd.Series
    empty: np.ndarray  # bool: the cell was empty
    failure: pd.Series  # object: ProblemCode where the cell was present but invalid, else None
    invisible: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


# cell type codes: one small int per cell, so masks are numpy comparisons
T_EMPTY, T_STR, T_FLOAT, T_INT, T_BOOL, T_DATE, T_OTHER = range(7)
_TYPE_CODES: dict[type, int] = {
    type(None): T_EMPTY, type(pd.NA): T_EMPTY, type(pd.NaT): T_EMPTY, str: T_STR, float: T_FLOAT,
    np.float64: T_FLOAT, int: T_INT, np.int64: T_INT, bool: T_BOOL, np.bool_: T_BOOL,
    dt.date: T_DATE, dt.datetime: T_DATE, pd.Timestamp: T_DATE,
}
# a column pandas infers as all one kind (missing cells aside) is typed without a Python loop
_UNIFORM = {"string": T_STR, "integer": T_INT, "floating": T_FLOAT, "boolean": T_BOOL}


@dataclass
class _Cells:
    """One raw column, looked at once: its cells, each cell's type, its trimmed text, and emptiness."""

    cells: np.ndarray  # object
    types: np.ndarray  # int8 type code per cell
    text: np.ndarray  # object: the trimmed text of each string cell (format characters removed), None elsewhere
    empty: np.ndarray  # bool
    invisible: np.ndarray  # int: positions of string cells that held format characters (removed in text)
    flagged: dict[int, ProblemCode]  # position -> failure every kind shares: an Excel error, invalid text

    @property
    def strings(self) -> np.ndarray:
        """Positions of present (non-blank) string cells."""
        return np.flatnonzero((self.types == T_STR) & ~self.empty)

    @property
    def others(self) -> np.ndarray:
        """Positions of present cells that are not strings (numbers, dates, booleans, odd types)."""
        return np.flatnonzero((self.types != T_STR) & ~self.empty)


def _types(cells: np.ndarray) -> np.ndarray:
    if pd.api.types.infer_dtype(cells, skipna=False) == "string":  # text in every cell: nothing to test
        return np.full(len(cells), T_STR, dtype=np.int8)
    kind = pd.api.types.infer_dtype(cells, skipna=True)
    if kind == "empty":
        return np.full(len(cells), T_EMPTY, dtype=np.int8)
    if kind in _UNIFORM:
        return np.where(pd.isna(cells), T_EMPTY, _UNIFORM[kind]).astype(np.int8)
    get = _TYPE_CODES.get
    return np.fromiter((get(type(v), T_OTHER) for v in cells), dtype=np.int8, count=len(cells))


_NO_POSITIONS = np.zeros(0, dtype=np.int64)


def _look(raw: pd.Series, clean: bool = True) -> _Cells:
    """Look at a column once. With ``clean``, format characters are taken out of the texts and
    Excel errors and lone surrogates flagged; without, texts are only trimmed."""
    cells = raw.to_numpy(dtype=object)
    types = _types(cells)
    n = len(cells)
    text = np.full(n, None, dtype=object)
    empty = types == T_EMPTY
    is_str = np.flatnonzero(types == T_STR)
    invisible, flagged = _NO_POSITIONS, {}
    if len(is_str) == n and n:  # all text (CSV, most JSON columns): no positions to gather or scatter
        text, joined = _trimmed(cells)
        if clean:
            text, invisible, flagged = _odd_text(text, joined)
        return _Cells(cells=cells, types=types, text=text, empty=text == "", invisible=invisible, flagged=flagged)
    if len(is_str):
        trimmed, joined = _trimmed(cells[is_str])
        if clean:
            trimmed, invisible, flagged = _odd_text(trimmed, joined)
            invisible = is_str[invisible]
            flagged = {int(is_str[i]): code for i, code in flagged.items()}
        text[is_str] = trimmed
        empty[is_str] = trimmed == ""
    is_float = np.flatnonzero(types == T_FLOAT)
    if len(is_float):
        empty[is_float] = pd.isna(cells[is_float])
    return _Cells(cells=cells, types=types, text=text, empty=empty, invisible=invisible, flagged=flagged)


def _trimmed(strings: np.ndarray) -> tuple[np.ndarray, str | None]:
    """The texts trimmed, and their NUL-joined text when that is still theirs (none needed trimming):
    joining a column is a pass over every cell, and both the trim check and :func:`_odd_text` need it."""
    joined = "\x00".join(strings)
    if not _needs_trim(strings, joined):
        return strings, joined
    return np.fromiter(map(str.strip, strings), dtype=object, count=len(strings)), None


def _odd_text(texts: np.ndarray, joined: str | None = None) -> tuple[np.ndarray, np.ndarray, dict[int, ProblemCode]]:
    """Trimmed texts with format characters taken out; where that happened; and the cells that are
    an Excel error value or hold a lone surrogate.

    Only the rare path costs: format characters and surrogates are non-ASCII, so one
    ``isascii`` over the joined column clears most columns, and one numpy pass over the
    joined text the rest; only cells with a hit are looked at one by one. Excel errors start with
    '#', so the set lookup runs only when one is there.
    """
    flagged: dict[int, ProblemCode] = {}
    invisible = _NO_POSITIONS
    if joined is None:
        joined = "\x00".join(texts)
    hits = _NO_POSITIONS if joined.isascii() else _hidden_at(joined)
    if len(hits):
        ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)  # past each NUL
        odd = np.unique(np.searchsorted(ends, hits, side="right")).tolist()
        if odd:
            texts = texts.copy()
            found = []
            for i in odd:
                if _LONE_SURROGATE.search(texts[i]):
                    flagged[i] = ProblemCode.INVALID_TEXT
                else:
                    texts[i] = FORMAT_CHARACTERS.sub("", texts[i]).strip()
                    found.append(i)
            invisible = np.array(found, dtype=np.int64)
    if "#" in joined:
        errors = np.flatnonzero(pd.Series(texts, dtype=object).isin(EXCEL_ERRORS).to_numpy())
        for i in errors.tolist():
            flagged[i] = ProblemCode.EXCEL_ERROR
    return texts, invisible, flagged


_ASCII_SPACE = np.array([ord(c) for c in " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"], dtype=np.uint8)
_IS_ASCII_SPACE = np.zeros(256, dtype=bool)  # by byte: a lookup, not np.isin's sort per column
_IS_ASCII_SPACE[_ASCII_SPACE] = True


def _needs_trim(strings: np.ndarray, joined: str | None = None) -> bool:
    """Whether any text has whitespace at either end, judged on the NUL-joined column with numpy.

    Trimming every cell one by one is most of the cost of looking at a column, and
    most columns need none. A column with non-ASCII text, or a NUL inside a cell, is
    simply trimmed cell by cell (no shortcut for Unicode spaces).
    """
    if joined is None:
        joined = "\x00".join(strings)  # ``joined``: the caller's, when it has joined them already
    if not joined.isascii():
        return True
    codes = np.frombuffer(("\x00" + joined + "\x00").encode("ascii"), dtype=np.uint8)
    separators = np.flatnonzero(codes == 0)
    if len(separators) != len(strings) + 1:
        return True
    after = codes[separators[:-1] + 1]  # first character of each text (a NUL when it is empty)
    before = codes[separators[1:] - 1]  # last character of each text
    return bool(_IS_ASCII_SPACE[after].any() or _IS_ASCII_SPACE[before].any())


def is_empty(raw: pd.Series) -> np.ndarray:
    """Empty = None, NaN float, or a text that is blank after trimming.

    A text of invisible characters only is not empty here: the row is read, and the cell is
    reported (taken as empty, with a warning) rather than the row skipped unseen.
    """
    return _look(raw, clean=False).empty


def _nan_like(v: object) -> bool:
    return isinstance(v, float) and (math.isnan(v) or math.isinf(v))


_ISO = r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
_NO = r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?: \d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$"
_AMBIGUOUS = r"^\d{1,2}[./-]\d{1,2}[./-]\d{2}$|^\d{1,2}/\d{1,2}/\d{2,4}$|^\d{4}/\d{1,2}/\d{1,2}$"


def _parse_date(c: _Cells) -> tuple[np.ndarray, np.ndarray]:
    n = len(c.cells)
    values = np.full(n, np.datetime64("NaT", "s"), dtype="datetime64[s]")
    years = np.full(n, np.nan)
    months = np.full(n, np.nan)
    days = np.full(n, np.nan)
    failure = np.full(n, None, dtype=object)
    idx = c.strings
    if len(idx):
        text = pd.Series(c.text[idx], dtype=object)
        # fast paths in C for the two common spellings; the regexes take the rest
        fast = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        rest = fast.isna().to_numpy()
        if rest.any():
            fast[rest] = pd.to_datetime(text[rest], format="%d.%m.%Y", errors="coerce")
        lengths = np.fromiter(map(len, c.text[idx]), dtype=np.int64, count=len(idx))
        done = fast.notna().to_numpy() & (lengths <= 10)
        if done.any():  # a date the formats accept is a real date: taken as it is
            values[idx[done]] = fast[done].to_numpy(dtype="datetime64[s]")
        text = text[~done]
        idx = idx[~done]
        if len(idx):
            iso = text.str.extract(_ISO)
            no = text.str.extract(_NO)
            y = iso[0].fillna(no[2])
            m = iso[1].fillna(no[1])
            d = iso[2].fillna(no[0])
            years[idx] = pd.to_numeric(y).to_numpy(dtype=float, na_value=np.nan)
            months[idx] = pd.to_numeric(m).to_numpy(dtype=float, na_value=np.nan)
            days[idx] = pd.to_numeric(d).to_numpy(dtype=float, na_value=np.nan)
            unmatched = y.isna().to_numpy()
            if unmatched.any():
                amb = text[unmatched].str.match(_AMBIGUOUS).to_numpy()
                num = text[unmatched].str.match(r"^\d+([.,]\d+)?$").to_numpy()
                failure[idx[unmatched]] = np.where(
                    amb, ProblemCode.AMBIGUOUS_DATE,
                    np.where(num, ProblemCode.NUMBER_NOT_DATE, ProblemCode.NOT_A_DATE),
                )
    for i in c.others:
        v = c.cells[i]
        if isinstance(v, dt.date):  # also datetime: cut to its date as written
            years[i], months[i], days[i] = v.year, v.month, v.day
        elif isinstance(v, bool):
            failure[i] = ProblemCode.NOT_A_DATE
        elif isinstance(v, int | float):
            failure[i] = ProblemCode.NUMBER_NOT_DATE
        else:
            failure[i] = ProblemCode.NOT_A_DATE
    have = ~np.isnan(years)
    if have.any():
        parts = pd.DataFrame({"year": years[have], "month": months[have], "day": days[have]})
        bad_range = (parts["month"] < 1) | (parts["month"] > 12) | (parts["day"] < 1) | (parts["day"] > 31)
        parts.loc[bad_range, ["year", "month", "day"]] = np.nan
        stamps = pd.to_datetime(parts, errors="coerce")
        hv = np.flatnonzero(have)
        values[hv] = stamps.to_numpy(dtype="datetime64[s]")
        failure[hv[stamps.isna().to_numpy()]] = ProblemCode.IMPOSSIBLE_DATE
    return values, failure


def _lookup(text: np.ndarray, table: dict[str, object], key: object) -> np.ndarray:
    """Map each text through ``table`` after ``key`` folding, looking each distinct spelling up once."""
    codes, uniques = pd.factorize(text)
    found = np.array([table.get(key(u)) for u in uniques] + [None], dtype=object)  # type: ignore[operator]
    return found[codes]


def _parse_bool(c: _Cells) -> tuple[np.ndarray, np.ndarray]:
    n = len(c.cells)
    values = np.full(n, None, dtype=object)
    failure = np.full(n, None, dtype=object)
    idx = c.strings
    if len(idx):
        mapped = _lookup(c.text[idx], BOOL_WORDS, str.casefold)
        ok = pd.notna(mapped)
        values[idx[ok]] = mapped[ok]
        failure[idx[~ok]] = ProblemCode.NOT_A_BOOL
    others = c.others
    if len(others) and (c.types[others] == T_BOOL).all():  # JSON true/false: already booleans
        values[others] = c.cells[others].astype(bool)
        return values, failure
    for i in others:
        v = c.cells[i]
        if isinstance(v, bool | np.bool_) or isinstance(v, int | float) and v in (0, 1):
            values[i] = bool(v)
        else:
            failure[i] = ProblemCode.NOT_A_BOOL
    return values, failure


def _parse_int(c: _Cells) -> tuple[np.ndarray, np.ndarray]:
    n = len(c.cells)
    values = np.full(n, None, dtype=object)
    failure = np.full(n, None, dtype=object)
    present = np.flatnonzero(~c.empty)
    if len(present) and (c.types[present] == T_INT).all():  # the usual JSON case: whole numbers already
        try:
            nums = c.cells[present].astype(np.int64)
        except OverflowError:  # a JSON integer beyond 64 bits: looked at one by one below
            pass
        else:
            neg = nums < 0
            big = nums > INT_MAX
            ok = ~neg & ~big
            values[present[ok]] = nums[ok]
            failure[present[neg]] = ProblemCode.NEGATIVE_INT
            failure[present[big]] = ProblemCode.INT_OUT_OF_RANGE
            return values, failure
    for i in present:
        v = c.cells[i]
        num: float | int | None = None
        if isinstance(v, bool | np.bool_):
            num = None
        elif isinstance(v, int | np.integer):
            num = int(v)
        elif isinstance(v, float) and not math.isnan(v):
            num = v
        elif isinstance(v, str):
            try:
                num = float(c.text[i].replace(",", "."))
            except ValueError:
                num = None
        if num is None or isinstance(num, float) and (math.isnan(num) or math.isfinite(num) and not num.is_integer()):
            failure[i] = ProblemCode.NOT_AN_INT  # text, or a fraction
        elif num < 0:
            failure[i] = ProblemCode.NEGATIVE_INT
        elif num > INT_MAX:  # also 1e30 and 1e400 (infinite as a float): whole, but no count
            failure[i] = ProblemCode.INT_OUT_OF_RANGE
        else:
            values[i] = int(num)
    return values, failure


def cell_text(v: object) -> str | None:
    """A cell as text: whole numbers without '.0', dates in ISO form; None for non-values."""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if _nan_like(v):
            return None
        # beyond 2**53 a float's integer digits are not what was written: keep its own short form (1e+30)
        return str(int(v)) if v.is_integer() and abs(v) <= 2**53 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return None


def _parse_text(c: _Cells) -> tuple[np.ndarray, np.ndarray]:
    n = len(c.cells)
    failure = np.full(n, None, dtype=object)
    values = np.where(c.empty, None, c.text)  # text is None in every cell that is not a string
    for i in c.others:
        t = cell_text(c.cells[i])
        if t is None:
            failure[i] = ProblemCode.NOT_A_VALUE
        else:
            values[i] = t
    return values, failure


def _parse_enum(c: _Cells, enum: str) -> tuple[np.ndarray, np.ndarray]:
    text, failure = _parse_text(c)
    present = np.flatnonzero(pd.notna(text))
    values = np.full(len(text), None, dtype=object)
    if len(present):
        values[present] = _lookup(text[present], ENUM_SYNONYMS[enum], normalise_name)
    bad = np.zeros(len(text), dtype=bool)
    bad[present] = pd.isna(values[present])
    bad &= pd.isna(failure)
    failure[bad] = ProblemCode.NOT_IN_LIST
    return values, failure


_DTYPES = {"date": "datetime64[s]", "bool": "boolean", "int": "Int64"}


def parse_column(raw: pd.Series, kind: str, enum: str | None = None) -> Parsed:
    """Parse one raw column by the kind of the input contract.

    Whatever the kind, an Excel error value (``#N/A``) is ``excel_error`` and a text holding
    half a character (a lone surrogate) is ``invalid_text``; format characters are taken out of
    every text before it is parsed (``Parsed.invisible`` says where). In an id column a
    boolean (JSON ``true``) is ``not_a_value``: it is not an id anyone wrote.
    """
    c = _look(raw)
    if kind == "date":
        values, failure = _parse_date(c)
    elif kind == "bool":
        values, failure = _parse_bool(c)
    elif kind == "int":
        values, failure = _parse_int(c)
    elif kind == "enum":
        assert enum is not None
        values, failure = _parse_enum(c, enum)
    else:  # id, text
        values, failure = _parse_text(c)
        if kind == "id":
            booleans = np.flatnonzero(c.types == T_BOOL)
            failure[booleans] = ProblemCode.NOT_A_VALUE
            values[booleans] = None
    if c.flagged:
        at = np.fromiter(c.flagged, dtype=np.int64, count=len(c.flagged))
        failure[at] = np.array(list(c.flagged.values()), dtype=object)
        values[at] = np.datetime64("NaT", "s") if values.dtype.kind == "M" else None
    return Parsed(values=pd.Series(values, index=raw.index, dtype=_DTYPES.get(kind, object)), empty=c.empty,
                  failure=pd.Series(failure, index=raw.index, dtype=object), invisible=c.invisible)
