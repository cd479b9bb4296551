"""The column-wise helpers every subject's derivation uses: no rule in them, only numpy and pandas.

Dates and ages at a day, inner joins and per-key counts on integer keys, object arrays of
lists, and the natural order of ids (``natural_key`` and its column-wise ranks). The
subject modules (``case.py``, ``coordinator.py``, ``group.py``, ``meeting.py``, ``ke.py``)
say what is computed; this module says how.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["WINDOW_DAYS", "NAT", "CaseKeys", "active", "age", "copies", "days", "join", "natural_key",
           "natural_ranks", "objects", "usual_natural_ranks"]

WINDOW_DAYS = 365  # the length of the window W = (D - 365, D] that looks back from the evaluation date
NAT = np.datetime64("NaT", "s").view(np.int64)  # NaT as int64, to fill arrays of dates viewed as integers


def active(start: pd.Series, end: pd.Series, d: pd.Timestamp) -> pd.Series:
    """Per row: ``start <= d`` and ``end`` empty or ``>= d`` (an unknown start is not active)."""
    return (start <= d).fillna(False) & (end.isna() | (end >= d)).fillna(False)


def days(later: Any, earlier: Any) -> pd.Series:
    """Whole days from ``earlier`` to ``later`` (nullable integers)."""
    delta = later - earlier
    return (delta.dt.days if hasattr(delta, "dt") else delta.days).astype("Int64")


def age(birth: pd.Series, d: pd.Timestamp) -> pd.Series:
    """Whole years at d; a birthday is reached when (month, day) >= the birth's (29 Feb -> 1 Mar)."""
    before = (d.month < birth.dt.month) | ((d.month == birth.dt.month) & (d.day < birth.dt.day))
    years = d.year - birth.dt.year - before.astype("Int64")
    return years.where(birth.notna() & (birth <= d)).astype("Int64")


def join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The row pairs (i, j) with ``left[i] == right[j]`` (integer keys): an inner join."""
    order = np.argsort(right, kind="stable")
    ordered = right[order]
    lo = np.searchsorted(ordered, left, "left")
    n = np.searchsorted(ordered, left, "right") - lo
    li = np.repeat(np.arange(len(left)), n)
    ri = order[np.arange(int(n.sum())) + np.repeat(lo - (np.cumsum(n) - n), n)]
    return li, ri


def objects(items: list[Any]) -> np.ndarray:
    """A 1-d object array of ``items`` (lists stay elements, not a second dimension)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def copies(table: np.ndarray, which: np.ndarray) -> list[list[str]]:
    """A fresh copy of the list ``table[k]`` for each ``k`` of ``which``."""
    return list(map(list.copy, table[which].tolist()))


class CaseKeys:
    """Every table's ``case_id`` as an integer key, from one factorization of all of them.

    Hashing the string ids is most of the cost at scale, so it happens once, here; the scope
    filters, per-case counts and joins then work on the integer keys. Equal ids have equal keys
    in every table; key 0 means no id. Arrays indexed by key have ``size`` entries.
    """

    def __init__(self, tables: dict[str, pd.DataFrame], in_scope: np.ndarray) -> None:
        names = ["cases"] + [n for n, df in tables.items() if n != "cases" and "case_id" in df.columns]
        columns = [tables[n]["case_id"].to_numpy(dtype=object) for n in names]
        codes, uniques = pd.factorize(np.concatenate(columns))
        codes = codes.astype(np.int64) + 1
        self.uniques = np.asarray(uniques, dtype=object)
        self.size = len(uniques) + 1
        self.of: dict[str, np.ndarray] = {}
        at = 0
        for name, column in zip(names, columns, strict=True):
            self.of[name] = codes[at:at + len(column)]
            at += len(column)
        self.cases = self.of["cases"][in_scope]  # the in-scope cases' keys, in their order
        self.scoped = np.zeros(self.size, dtype=bool)
        self.scoped[self.cases] = True
        self.scoped[0] = False

    def in_scope(self, table: str) -> np.ndarray:
        """Per row of ``table``: it belongs to an in-scope case."""
        return self.scoped[self.of[table]]

    def any_of(self, keys: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Per key: one of ``keys`` under ``mask`` is it."""
        hit = np.zeros(self.size, dtype=bool)
        hit[keys[mask]] = True
        return hit

    def any(self, table: str, mask: np.ndarray) -> np.ndarray:
        """Per in-scope case: one of the rows of ``table`` under ``mask`` is its."""
        return self.any_of(self.of[table], mask)[self.cases]

    def count(self, table: str, mask: np.ndarray) -> np.ndarray:
        """Per in-scope case: how many of the rows of ``table`` under ``mask`` are its."""
        return np.bincount(self.of[table][mask], minlength=self.size)[self.cases]

    def earliest(self, table: str, mask: np.ndarray, dates: np.ndarray) -> np.ndarray:
        """Per in-scope case: the earliest of its rows' ``dates`` under ``mask`` (NaT: none)."""
        mask = mask & ~np.isnat(dates)
        least = np.full(self.size, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(least, self.of[table][mask], dates[mask].view(np.int64))
        least[least == np.iinfo(np.int64).max] = NAT
        return least[self.cases].view(dates.dtype)

    def latest(self, table: str, mask: np.ndarray, dates: np.ndarray) -> np.ndarray:
        """Per in-scope case: the latest of its rows' ``dates`` under ``mask`` (NaT: none)."""
        mask = mask & ~np.isnat(dates)
        most = np.full(self.size, NAT, dtype=np.int64)  # NaT is int64's least value
        np.maximum.at(most, self.of[table][mask], dates[mask].view(np.int64))
        return most[self.cases].view(dates.dtype)

    def by_case(self, values: np.ndarray, fill: Any) -> np.ndarray:
        """``values`` (one per in-scope case, in ``cases`` order) as an array indexed by case key."""
        out = np.full(self.size, fill, dtype=values.dtype)
        out[self.cases] = values
        return out


def natural_key(text: str) -> tuple[tuple[Any, ...], str]:
    """Sort key of the report's natural order: K-9 before K-10, and one order whatever the input's.

    The contract's order: digit runs compare as numbers, other text by code point
    (case-sensitive), and ids that compare equal so (``K-9``, ``K-09``, ``K-009``) by their
    plain text. The key is (the parts, the text): the parts alternate text and number
    (``('K-', 9, '')``), and the text makes it a total order, so a sort never falls back on
    the order the rows came in.
    """
    text = str(text)
    simple = _PREFIX_NUMBER.fullmatch(text)  # the usual id shape, 'K-17': the same key, faster
    if simple:
        return (simple[1], int(simple[2]), ""), text
    # split() puts the digit runs at the odd places (int() reads any script's decimal digits)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(_DIGIT_RUNS.split(text))), text


_DIGIT_RUNS = re.compile(r"(\d+)")
_PREFIX_NUMBER = re.compile(r"(\D*)(\d+)")


def natural_ranks(keys: CaseKeys, case: np.ndarray) -> np.ndarray:
    """Per entry of ``case`` (keys): its id's rank in ``natural_key`` order (distinct ids, distinct ranks)."""
    distinct, where = np.unique(case, return_inverse=True)
    texts = keys.uniques[distinct - 1]
    rank = usual_natural_ranks(texts)
    if rank is None:
        natural = [natural_key(v) for v in texts]
        rank = np.empty(len(natural), dtype=np.int64)
        r, previous = -1, None
        for i in sorted(range(len(natural)), key=natural.__getitem__):
            if natural[i] != previous:
                r, previous = r + 1, natural[i]
            rank[i] = r
    return rank[where.reshape(-1)]


def usual_natural_ranks(texts: np.ndarray) -> np.ndarray | None:
    """``natural_key`` ranks (equal keys equal rank) computed column-wise, when every text has the
    usual shape: ASCII, some non-digits then 1 to 18 digits ('K-17', key (('K-', 17, ''), 'K-17')); else None.
    Ties in prefix and number ('K-9', 'K-09') go by the text, as in the key."""
    if not len(texts) or pd.api.types.infer_dtype(texts, skipna=False) != "string":
        return None
    fixed = texts.astype(str)  # fixed-width code points; trailing NULs would be lost, hence the length check
    length = np.char.str_len(fixed)
    if int(length.sum()) != sum(map(len, texts)):
        return None
    points = fixed.view(np.uint32).reshape(len(fixed), -1).astype(np.int64)
    inside = np.arange(points.shape[1]) < length[:, None]
    digit = (points >= 48) & (points <= 57)
    n_digits = digit.sum(axis=1)
    usual = ((n_digits >= 1) & (n_digits <= 18) & (np.argmax(digit, axis=1) + n_digits == length)
             & ((points > 0) & (points < 128) | ~inside).all(axis=1))
    if not usual.all():
        return None
    number = np.zeros(len(fixed), dtype=np.int64)
    for j in range(points.shape[1]):
        number = np.where(digit[:, j], number * 10 + (points[:, j] - 48), number)
    _, prefix = np.unique(np.char.rstrip(fixed, "0123456789"), return_inverse=True)
    prefix = prefix.reshape(-1)
    order = np.lexsort((fixed, number, prefix))
    step = np.ones(len(order), dtype=np.int64)
    step[0] = 0
    step[1:] = fixed[order][1:] != fixed[order][:-1]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.cumsum(step)
    return rank
