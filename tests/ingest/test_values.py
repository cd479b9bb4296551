"""Cell parsing per the value conventions of input-contract.md."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ke_rules.ingest.values import ProblemCode, parse_column


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
    from ke_rules.ingest.values import EXCEL_ERRORS, FORMAT_CHARACTERS, parse_column

    parsed = parse_column(pd.Series(cells, dtype=object), "text")
    bare = [None if c is None else FORMAT_CHARACTERS.sub("", c.strip()).strip() for c in cells]
    assert parsed.values.tolist() == [None if c in EXCEL_ERRORS else c or None for c in bare]
    assert parsed.empty.tolist() == [not c for c in bare]
    assert parsed.invisible.tolist() == [i for i, c in enumerate(cells) if c and FORMAT_CHARACTERS.search(c)]


# --- issue 10: values that were lost or crashed

ALL_KINDS = [("id", None), ("text", None), ("date", None), ("bool", None), ("int", None), ("enum", "meeting_status")]
EXCEL_ERRORS = ["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#I/T", "#VERDI!", " #N/A "]


@pytest.mark.parametrize(("kind", "enum"), ALL_KINDS)
@pytest.mark.parametrize("cell", EXCEL_ERRORS)
def test_excel_error_values_are_excel_error_in_every_kind(kind, enum, cell):
    assert one(cell, kind, enum) == (None, ProblemCode.EXCEL_ERROR, False)


@pytest.mark.parametrize("cell", ["#n/a", "#N/A tekst", "N/A", "#1", "#"])
def test_text_like_an_error_is_not_an_excel_error(cell):
    assert one(cell, "text")[:2] == (cell, None)


def test_excel_errors_are_found_in_a_column_of_many_cells():
    cells = ["S-1", "#N/A", None, 7, "#REF!", "S-2", True]
    parsed = parse_column(pd.Series(cells, dtype=object), "id")
    assert [None if f is None else f.value for f in parsed.failure] == [
        None, "excel_error", None, None, "excel_error", None, "not_a_value"]
    assert parsed.values.tolist() == ["S-1", None, None, "7", None, "S-2", None]


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f",
                                  "\u202a", "\u202c", "\u2066", "\u2069", "\U000e0041"])
@pytest.mark.parametrize("where", ["{c}S-1", "S-1{c}", "S-{c}1", " S-1{c} ", "{c}S-1{c}{c}"])
def test_format_characters_are_taken_out_of_an_id(char, where):
    parsed = parse_column(pd.Series([where.format(c=char), "S-2"], dtype=object), "id")
    assert parsed.values.tolist() == ["S-1", "S-2"]
    assert parsed.invisible.tolist() == [0]
    assert parsed.failure.isna().all()


@pytest.mark.parametrize(("kind", "enum", "cell", "expected"), [
    ("date", None, "2025-03-01\u200b", dt.date(2025, 3, 1)),
    ("bool", None, "\ufeffja", True),
    ("int", None, "3\u2060", 3),
    ("enum", "meeting_status", "avholdt\u200d", "held"),
    ("text", None, "Hjemme\u00adsykepleie", "Hjemmesykepleie"),
])
def test_format_characters_are_taken_out_of_every_kind(kind, enum, cell, expected):
    parsed = parse_column(pd.Series([cell], dtype=object), kind, enum)
    assert one(cell, kind, enum)[:2] == (expected, None)
    assert parsed.invisible.tolist() == [0]


def test_a_cell_of_format_characters_only_is_empty():
    assert one("\u200b\ufeff", "id") == (None, None, True)


def test_the_format_class_is_unicodes_category_cf():
    import sys
    import unicodedata

    from ke_rules.ingest.values import FORMAT_CHARACTERS

    cf = {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    matched = {c for c in range(sys.maxunicode + 1)
               if (c < 0xD800 or c > 0xDFFF) and FORMAT_CHARACTERS.match(chr(c))}
    assert cf <= matched  # every format character of this Python's Unicode (a newer one may add some)
    assert all(unicodedata.category(chr(c)) in ("Cf", "Cn") for c in matched)  # and nothing else


@pytest.mark.parametrize(("kind", "enum"), ALL_KINDS)
@pytest.mark.parametrize("cell", ["S-\ud83d", "\udc00", "a\ud83d\u200bb"])
def test_a_lone_surrogate_is_invalid_text_in_every_kind(kind, enum, cell):
    assert one(cell, kind, enum) == (None, ProblemCode.INVALID_TEXT, False)


@pytest.mark.parametrize(("cell", "expected", "code"), [
    (1_000_000, 1_000_000, None), ("1000000", 1_000_000, None), (1e6, 1_000_000, None),
    (1_000_001, None, ProblemCode.INT_OUT_OF_RANGE),
    (10**20, None, ProblemCode.INT_OUT_OF_RANGE), (99999999999999999999, None, ProblemCode.INT_OUT_OF_RANGE),
    (10**30, None, ProblemCode.INT_OUT_OF_RANGE), (1e30, None, ProblemCode.INT_OUT_OF_RANGE),
    ("1e30", None, ProblemCode.INT_OUT_OF_RANGE), ("99999999999999999999", None, ProblemCode.INT_OUT_OF_RANGE),
    (float("inf"), None, ProblemCode.INT_OUT_OF_RANGE), ("1e400", None, ProblemCode.INT_OUT_OF_RANGE),
    (-(10**30), None, ProblemCode.NEGATIVE_INT), (-1e30, None, ProblemCode.NEGATIVE_INT),
    ("2,5", None, ProblemCode.NOT_AN_INT), (1e30 + 0.5, None, ProblemCode.INT_OUT_OF_RANGE),
    ("nan", None, ProblemCode.NOT_AN_INT), (True, None, ProblemCode.NOT_AN_INT),
])
def test_ints_out_of_range(cell, expected, code):
    assert one(cell, "int")[:2] == (expected, code)


def test_a_column_of_whole_numbers_with_one_beyond_64_bits():
    parsed = parse_column(pd.Series([3, 10**30, -2, 2**63, 4], dtype=object), "int")
    assert [None if f is None else f.value for f in parsed.failure] == [
        None, "int_out_of_range", "negative_int", "int_out_of_range", None]
    assert parsed.values.tolist()[::4] == [3, 4]


@pytest.mark.parametrize(("cell", "code"), [(True, ProblemCode.NOT_A_VALUE), (False, ProblemCode.NOT_A_VALUE)])
def test_a_boolean_is_no_id(cell, code):
    assert one(cell, "id") == (None, code, False)
    assert one(cell, "text")[:2] == ("true" if cell else "false", None)  # in a text column it is the word


@pytest.mark.parametrize(("cell", "expected"), [
    (1e30, "1e+30"), (2.0**53, "9007199254740992"), (2.0**53 * 4, "3.602879701896397e+16"), (1001.0, "1001"),
    (10**30, "1" + "0" * 30),
])
def test_big_numbers_as_ids_keep_what_was_stored(cell, expected):
    assert one(cell, "id")[:2] == (expected, None)


@pytest.mark.parametrize(("text", "shown"), [
    ("S-1\u200b", "S-1\\u200b"),
    ("S-\ud83d", "S-\\ud83d"),
    ("\ufeffS-1", "\\ufeffS-1"),
    ("tag\U000e0041", "tag\\U000e0041"),
    ("æøå", "æøå"),
    ("S-1", "S-1"),
])
def test_show_hidden(text, shown):
    from ke_rules.ingest.values import show_hidden

    assert show_hidden(text) == shown
    assert show_hidden(text).encode("utf-8")  # always encodable


def test_show_hidden_never_splits_an_identity_number_from_its_mask():
    from ke_rules.ingest.values import show_hidden
    from ke_rules.privacy.identity import mask_identity_numbers

    fnr = "01019912368"
    for at in range(12):
        for char in ("\u200b", "\ud83d", "\u2060"):
            shown = mask_identity_numbers(show_hidden(fnr[:at] + char + fnr[at:]))
            assert fnr not in shown.replace("\\u200b", "").replace("\\ud83d", "").replace("\\u2060", "")
            assert not any(fnr[i:i + 6] in shown for i in range(6)), shown


@given(st.lists(st.one_of(st.text(max_size=8), st.sampled_from(["\u00ad", "\u200b", "\ud83d", "ø", "–", "\U000e0041",
                                                                 "\uffff", "\U0010ffff"])), max_size=12).map("".join))
def test_the_numpy_search_finds_what_the_regex_finds(text):
    from ke_rules.ingest.values import _HIDDEN, _hidden_at

    assert _hidden_at(text).tolist() == [m.start() for m in _HIDDEN.finditer(text)]
