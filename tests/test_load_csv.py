"""The fast CSV path (pandas' C parser) reads exactly the cells the csv module reads.

``load._read_csv_columns`` takes regular CSV texts; everything else goes to the csv
module's row reader. Hypothesis writes random tables (quotes, both delimiters, line
breaks inside cells, short and blank rows, Norwegian letters) and random raw texts that
need not be valid CSV: whenever the fast path accepts a text, its header and cells
must equal the csv module's, a missing cell in a short row being empty in both.
"""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from ke_rules.csv_reader import read_csv_columns as _read_csv_columns

ALPHABET = st.sampled_from(list('ab æø1 ";,\n\r\t'))
CELL = st.text(ALPHABET, max_size=6)


def _by_csv_module(text: str, delimiter: str) -> tuple[list[object], list[list[object]]] | None:
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return None
    if not rows:
        return None
    width = max(len(r) for r in rows)
    header = list(rows[0]) + [None] * (width - len(rows[0]))
    body = [list(r) + [""] * (width - len(r)) for r in rows[1:]]  # a short row's missing cells: empty
    return header, [list(col) for col in zip(*body, strict=True)] if body else [[] for _ in range(width)]


def _same(text: str, delimiter: str) -> None:
    fast = _read_csv_columns(text, delimiter)
    if fast is None:
        return
    header, columns, rownums, flag = fast
    slow = _by_csv_module(text, delimiter)
    assert slow is not None, repr(text)
    slow_header, slow_columns = slow
    assert header == slow_header[:len(header)] and all(h is None for h in slow_header[len(header):]), repr(text)
    width = len(header)
    assert columns == slow_columns[:width], repr(text)
    assert not any(any(v != "" for v in c) for c in slow_columns[width:]), repr(text)
    assert rownums == list(range(2, 2 + len(columns[0]))), repr(text)
    assert flag is False


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.lists(CELL, min_size=0, max_size=4), min_size=1, max_size=6), st.sampled_from([",", ";"]))
def test_written_tables_read_the_same(rows, delimiter):
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator=("\r\n" if len(rows) % 2 else "\n")).writerows(rows)
    _same(buf.getvalue(), delimiter)


@settings(max_examples=600, deadline=None, derandomize=True)
@given(st.text(ALPHABET, max_size=40), st.sampled_from([",", ";"]))
def test_raw_texts_read_the_same_or_go_to_the_csv_module(text, delimiter):
    _same(text, delimiter)


def test_irregular_texts_go_to_the_csv_module():
    assert _read_csv_columns("a,b\n1,2,3\n", ",") is None  # a row wider than the header
    assert _read_csv_columns('a,b\n"1,2\n3,4\n', ",") is None  # a quote never closed
    assert _read_csv_columns("", ",") is None
    assert _read_csv_columns("a,b\n1\n\n3,4\n", ",") == (["a", "b"], [["1", "", "3"], ["", "", "4"]], [2, 3, 4], False)
