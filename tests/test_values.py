"""Cell parsing per the value conventions of input-contract.md."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ke_rules.values import ProblemCode, parse_column


def one(value, kind, enum=None):
    parsed = parse_column(pd.Series([value], dtype=object), kind, enum)
    failure = parsed.failure.iat[0]
    v = parsed.values.iat[0]
    if kind == "date" and not pd.isna(v):
        v = pd.Timestamp(v).date()
    return (None if pd.isna(v) else v), (None if failure is None else ProblemCode(failure)), bool(parsed.empty[0])


@pytest.mark.parametrize(("cell", "expected"), [
    ("2025-03-01", dt.date(2025, 3, 1)),
    ("2025-3-1", dt.date(2025, 3, 1)),
    ("01.03.2025", dt.date(2025, 3, 1)),
    ("1.3.2025", dt.date(2025, 3, 1)),
    (" 1.3.2025 ", dt.date(2025, 3, 1)),
    ("2025-03-01T23:30:00+01:00", dt.date(2025, 3, 1)),  # cut to its date as written
    ("2025-03-01 23:59", dt.date(2025, 3, 1)),
    (dt.datetime(2025, 3, 1, 23, 59), dt.date(2025, 3, 1)),
    (dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
])
def test_dates_accepted(cell, expected):
    assert one(cell, "date")[:2] == (expected, None)


@pytest.mark.parametrize(("cell", "code"), [
    ("01.03.25", ProblemCode.AMBIGUOUS_DATE),
    ("03/01/2025", ProblemCode.AMBIGUOUS_DATE),
    ("45678", ProblemCode.NUMBER_NOT_DATE),
    (45678, ProblemCode.NUMBER_NOT_DATE),
    (45678.0, ProblemCode.NUMBER_NOT_DATE),
    ("31.02.2025", ProblemCode.IMPOSSIBLE_DATE),
    ("2025-13-01", ProblemCode.IMPOSSIBLE_DATE),
    ("2025-02-29", ProblemCode.IMPOSSIBLE_DATE),
    ("i morgen", ProblemCode.NOT_A_DATE),
    (True, ProblemCode.NOT_A_DATE),
])
def test_dates_rejected(cell, code):
    assert one(cell, "date")[1] == code


@pytest.mark.parametrize("cell", [None, "", "   ", float("nan")])
def test_empty_cells_are_empty_not_errors(cell):
    for kind in ("date", "bool", "int", "id", "text"):
        value, failure, empty = one(cell, kind)
        assert (value, failure, empty) == (None, None, True)


@pytest.mark.parametrize(("cell", "expected"), [
    ("ja", True), ("Nei", False), ("J", True), ("n", False), ("yes", True), ("NO", False),
    ("true", True), ("False", False), ("1", True), ("0", False), ("x", True), ("X", True),
    (True, True), (False, False), (1, True), (0.0, False),
])
def test_bools(cell, expected):
    assert one(cell, "bool")[:2] == (expected, None)


@pytest.mark.parametrize("cell", ["kanskje", "2", 2, "jaa"])
def test_bools_rejected(cell):
    assert one(cell, "bool")[1] == ProblemCode.NOT_A_BOOL


@pytest.mark.parametrize(("cell", "expected", "code"), [
    ("6", 6, None), ("6.0", 6, None), (6.0, 6, None), (6, 6, None), ("0", 0, None),
    ("6.5", None, ProblemCode.NOT_AN_INT), (6.5, None, ProblemCode.NOT_AN_INT),
    ("seks", None, ProblemCode.NOT_AN_INT), ("-1", None, ProblemCode.NEGATIVE_INT),
])
def test_ints(cell, expected, code):
    assert one(cell, "int")[:2] == (expected, code)


@pytest.mark.parametrize(("cell", "expected"), [
    (1001, "1001"), (1001.0, "1001"), ("007", "007"), (" S-1 ", "S-1"), ("s-1", "s-1"),
])
def test_ids_are_text(cell, expected):
    assert one(cell, "id")[:2] == (expected, None)


@pytest.mark.parametrize(("enum", "cell", "expected"), [
    ("meeting_status", "avholdt", "held"), ("meeting_status", "Planlagt", "planned"),
    ("meeting_status", "AVLYST", "cancelled"), ("meeting_kind", "Ansvarsgruppemøte", "ansvarsgruppe"),
    ("meeting_kind", "samarbeidsmøte", "samarbeidsmote"), ("relation", "datter", "barn"),
    ("relation", "Halvsøster", "sosken"), ("relation", "samboer", "partner"), ("relation", "mor", "forelder"),
    ("consent_scope", "Alle", "alle"), ("service_category", " helse ", "helse"),
])
def test_enum_synonyms(enum, cell, expected):
    assert one(cell, "enum", enum)[:2] == (expected, None)


def test_enum_unknown_word_is_a_problem():
    assert one("tante", "enum", "relation")[1] == ProblemCode.NOT_IN_LIST


@given(st.lists(st.one_of(st.none(), st.text(max_size=6), st.sampled_from([" a", "b ", "\tc", "d\n", "", "  "])),
                max_size=30))
def test_text_cells_are_trimmed_exactly_as_str_strip_does(cells):
    from ke_rules.values import parse_column

    parsed = parse_column(pd.Series(cells, dtype=object), "text")
    expected = [None if c is None or not c.strip() else c.strip() for c in cells]
    assert parsed.values.tolist() == expected
    assert parsed.empty.tolist() == [c is None or not c.strip() for c in cells]
