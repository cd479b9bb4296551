"""Identity numbers: detection with check digits (2032 rule included), broad masking, counting per column."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ke_rules.errors import InputRefused, KeRulesError, RulesetError
from ke_rules.ingest.values import ProblemCode
from ke_rules.privacy import identity as privacy
from ke_rules.privacy.identity import (
    identity_number_problems,
    is_identity_number,
    kind_of_identity_number,
    looks_like_identity_number,
    mask_identity_numbers,
    scan_cells,
    scan_identity_numbers,
    scan_sheets,
)
from ke_rules.report.models import InputProblem, Severity

# --- a small generator, independent of the code under test

W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def with_check_digits(nine: str, remainder: int = 0) -> str | None:
    """Append K1 so that (w1·d + K1) % 11 == remainder (0 = the classic rule), then the classic K2."""
    s1 = sum(int(c) * w for c, w in zip(nine, W1, strict=True))
    k1 = (remainder - s1) % 11
    if k1 == 10:
        return None
    ten = nine + str(k1)
    k2 = -sum(int(c) * w for c, w in zip(ten, W2, strict=True)) % 11
    return None if k2 == 10 else ten + str(k2)


def number(date6: str, remainder: int = 0, start: int = 0) -> str:
    """The first valid number for ``date6`` with individual number >= ``start`` and K1 remainder ``remainder``."""
    for indiv in range(start, 1000):
        n = with_check_digits(f"{date6}{indiv:03d}", remainder)
        if n is not None:
            return n
    raise AssertionError("no individual number fits")


def classic_k1(nine: str) -> int:
    return (11 - sum(int(c) * w for c, w in zip(nine, W1, strict=True)) % 11) % 11


FNR = number("010199")          # born 1 January 1999
D_NR = number("410199")         # D-number: first digit + 4
H_NR = number("014199")         # H-number: month + 40
TEST_NR = number("018199")      # Skatteetaten (Tenor) synthetic: month + 80
TEST_D_NR = number("418199")    # Tenor synthetic D-number: day + 40, month + 80
NEW_2032 = [number("150387", r) for r in (1, 2, 3)]  # K1 valid only under the 2032 rule


def test_the_generator_agrees_with_a_known_number():
    # 01010101006 is the well-known valid test fødselsnummer (K1 = 0, K2 = 6)
    assert with_check_digits("010101010") == "01010101006"


@pytest.mark.parametrize(("digits", "kind"), [
    (FNR, "fødselsnummer"),
    (number("311299"), "fødselsnummer"),
    (number("290200"), "fødselsnummer"),            # 29 Feb in a year divisible by 4
    (D_NR, "d-nummer"),
    (number("710199"), "d-nummer"),                 # 31st + 40
    (H_NR, "h-nummer"),
    (number("315299"), "h-nummer"),                 # December + 40
    (TEST_NR, "h-nummer"),
    (TEST_D_NR, "d-nummer"),
    *[(n, "fødselsnummer") for n in NEW_2032],
    (number("410199", 2), "d-nummer"),              # a 2032-style D-number
    (f"{FNR[:6]} {FNR[6:]}", "fødselsnummer"),      # the spaced form
    (f"{FNR[:6]}-{FNR[6:]}", "fødselsnummer"),      # DDMMYY-NNNNN
    (f"{D_NR[:6]}.{D_NR[6:]}", "d-nummer"),         # DDMMYY.NNNNN
    (f"  {FNR}\n", "fødselsnummer"),                # surrounding whitespace
])
def test_valid_numbers(digits, kind):
    assert kind_of_identity_number(digits) == kind
    assert is_identity_number(digits)


def test_2032_numbers_have_a_k1_the_classic_rule_rejects():
    for n in NEW_2032:
        assert int(n[9]) != classic_k1(n[:9])


def _bump(digits: str, pos: int) -> str:
    return digits[:pos] + str((int(digits[pos]) + 1) % 10) + digits[pos + 1:]


def _k1_remainder_4_or_more(date6: str) -> str:
    """A number whose K2 is right but whose K1 gives remainder 4..10 (invalid under both rules)."""
    for indiv in range(1000):
        for r in range(4, 11):
            n = with_check_digits(f"{date6}{indiv:03d}", r)
            if n is not None:
                return n
    raise AssertionError


@pytest.mark.parametrize("digits", [
    _bump(FNR, 10),                    # wrong K2
    _bump(FNR, 9),                     # wrong K1 (and so K2)
    _k1_remainder_4_or_more("010199"),  # K2 right, K1 invalid under both rules
    number("310499"),                  # 31 April
    number("300200"),                  # 30 February
    number("290201"),                  # 29 February 2001
    number("000199"),                  # day 0
    number("320199"),                  # day 32
    number("400199"),                  # day 40: neither a date nor a D-number
    number("720199"),                  # D-number for day 32
    number("010099"),                  # month 0
    number("011399"),                  # month 13
    number("015399"),                  # H month 53
    number("016599"),                  # month 65: no offset fits
    number("019399"),                  # synthetic month 93
    FNR[:10],                          # 10 digits
    FNR + "1",                         # 12 digits
    f"{FNR[:6]}  {FNR[6:]}",           # two spaces
    f"{FNR[:5]} {FNR[5:]}",            # space in the wrong place
    f"{FNR[:6]}--{FNR[6:]}",           # two hyphens
    f"{FNR[:5]}-{FNR[5:]}",            # hyphen in the wrong place
    f"{FNR[:6]}/{FNR[6:]}",            # a slash is not one of the forms
    f"{FNR[:6]}-{_bump(FNR, 10)[6:]}",  # hyphenated, wrong check digit
    "",
    "abcdefghijk",
])
def test_invalid_numbers(digits):
    assert kind_of_identity_number(digits) is None
    assert not is_identity_number(digits)


def test_k1_remainder_4_or_more_really_has_a_right_k2():
    n = _k1_remainder_4_or_more("010199")
    assert -sum(int(c) * w for c, w in zip(n[:10], W2, strict=True)) % 11 == int(n[10])


def test_non_text_is_not_a_number():
    assert kind_of_identity_number(int(FNR[1:])) is None  # type: ignore[arg-type]
    assert kind_of_identity_number(None) is None  # type: ignore[arg-type]


def test_digits_of_other_scripts_are_read_as_digits():
    arabic = "".join(chr(0x0660 + int(c)) for c in FNR)
    assert kind_of_identity_number(arabic) == "fødselsnummer"
    assert FNR not in mask_identity_numbers(f"nr {arabic}") and arabic not in mask_identity_numbers(f"nr {arabic}")
    assert scan_cells([f"nr {arabic}", arabic[1:]]) == 2


# --- masking: broad


@pytest.mark.parametrize(("text", "expected"), [
    (f"Pasient {FNR} er innlagt", "Pasient *********** er innlagt"),
    (f"Pasient {FNR[:6]} {FNR[6:]}.", "Pasient ***********."),
    (f"Pasient {FNR[:6]}-{FNR[6:]}.", "Pasient ***********."),
    (f"fnr.{FNR[:6]}.{FNR[6:]}.", "fnr.***********."),
    ("123456-12345", "***********"),                          # any 6-5 run with a hyphen: masked broadly
    ("123456.12345", "***********"),
    ("1234567-12345", "1234567-12345"),                       # 7 + 5: not the form
    ("123456-123456", "123456-123456"),                       # 6 + 6
    ("123456/12345", "123456/12345"),
    (f"fnr:{FNR};d-nr:{D_NR}", "fnr:***********;d-nr:***********"),
    (f"ab{FNR}cd", "ab***********cd"),
    (_bump(FNR, 10), "***********"),                          # invalid check digit: still masked
    ("12345678901", "***********"),                           # any 11-digit run
    (f"{FNR}1", f"{FNR}1"),                                   # a 12-digit run is something else
    ("konto 1234.56.78903", "konto 1234.56.78903"),
    ("tlf 4791234567", "tlf 4791234567"),                     # 10 digits, not a number when padded
    (f"fnr {FNR[1:]} (Excel)", "fnr ********** (Excel)"),     # 10 digits: the leading zero was lost
    ("S-101", "S-101"),
    ("", ""),
])
def test_mask(text, expected):
    assert mask_identity_numbers(text) == expected
    assert looks_like_identity_number(text) == (text != expected)


date6 = st.builds(
    lambda d, m, y, dn, shift: f"{d + (40 if dn else 0):02d}{m + shift:02d}{y:02d}",
    st.integers(1, 28), st.integers(1, 12), st.integers(0, 99), st.booleans(), st.sampled_from([0, 0, 40, 80]),
)
valid_numbers = st.builds(lambda d6, indiv, r: with_check_digits(f"{d6}{indiv:03d}", r),
                          date6, st.integers(0, 999), st.integers(0, 3)).filter(lambda n: n is not None)


@settings(max_examples=300, deadline=None)
@given(n=valid_numbers, prefix=st.text(max_size=30), suffix=st.text(max_size=30),
       separator=st.sampled_from(["", " ", "-", "."]))
def test_a_valid_number_in_any_text_is_masked(n, prefix, suffix, separator):
    assert is_identity_number(n)
    assume(not prefix[-1:].isdecimal() and not suffix[:1].isdecimal())  # else it is part of a longer run
    assume(n not in prefix + suffix)
    written = f"{n[:6]}{separator}{n[6:]}"
    assert is_identity_number(written)
    masked = mask_identity_numbers(prefix + written + suffix)
    assert n not in masked and written not in masked


@settings(max_examples=200, deadline=None)
@given(n=valid_numbers)
def test_valid_numbers_are_counted_in_text_and_as_whole_numbers(n):
    assert scan_cells([n, f"x {n} y", int(n), float(n), n[:9], None, True]) == 4
    assert scan_cells([f"{n[:6]}-{n[6:]}", f"nr. {n[:6]}.{n[6:]}", f"{n[:6]} {n[6:]}", f"{n[:6]}/{n[6:]}"]) == 3


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(valid_numbers, valid_numbers.map(lambda n: f"{n[:6]} {n[6:]}"),
                                valid_numbers.map(lambda n: f"{n[:6]}-{n[6:]}"),
                                valid_numbers.map(lambda n: f"{n[:6]}.{n[6:]}"),
                                valid_numbers.map(lambda n: n[1:]), st.text(alphabet="0123456789 x-.", max_size=14)),
                      max_size=6))
def test_counting_finds_exactly_the_valid_runs_masking_masks(parts):
    text = "".join(parts)
    runs = [re.sub("[ .-]", "", m.group(0)) for m in privacy._PNR.finditer(text)]
    expected = any(is_identity_number(r if len(r) == 11 else "0" + r) for r in runs)
    assert scan_cells([text]) == int(expected)
    if expected:
        assert mask_identity_numbers(text) != text


# --- counting per table and column


def test_scan_counts_cells_per_column():
    frame = pd.DataFrame({
        "case_id": ["S-1", FNR, f"{D_NR[:6]} {D_NR[6:]}", None],
        "merknad": [f"fnr {FNR} og {H_NR}", _bump(FNR, 10), "ok", ""],    # two in one cell count once
        "as_number": [int(FNR.lstrip("0")), float(D_NR), 12345678901, True],  # 10 digits after Excel
        "when": [dt.date(2020, 1, 1), dt.datetime(2021, 2, 3), None, "2020-01-01"],
        "flag": [True, False, None, True],
    }, dtype=object)
    counts = scan_identity_numbers({"cases": frame, "empty": pd.DataFrame({"x": []})})
    assert counts == {("cases", "as_number"): 2, ("cases", "case_id"): 2, ("cases", "merknad"): 1}


def test_scan_typed_columns():
    frame = pd.DataFrame({
        "n": pd.Series([int(FNR), int(D_NR), 5], dtype="int64"),
        "f": pd.Series([float(H_NR), np.nan, 1.5]),
        "d": pd.to_datetime(["2020-01-01", None, "2021-01-01"]),
        "b": pd.Series([True, False, True]),
        "s": pd.Series([FNR, None, "x"], dtype="string"),
        "_row": pd.Series([2, 3, 4], dtype="int64"),
    })
    assert scan_identity_numbers({"t": frame}) == {("t", "f"): 1, ("t", "n"): 2, ("t", "s"): 1}


def test_scan_is_the_same_across_chunk_boundaries(monkeypatch):
    rng = np.random.default_rng(5)
    pool = [FNR, D_NR, H_NR, *NEW_2032, _bump(FNR, 10), "S-12", "hjemmesykepleie", "tekst uten tall", ""]
    cells = [f"{pool[i]} {pool[j]}" if k else pool[i]
             for i, j, k in zip(rng.integers(0, len(pool), 500), rng.integers(0, len(pool), 500),
                                rng.integers(0, 2, 500), strict=True)]
    expected = sum(any(is_identity_number(part) for part in c.split(" ")) or is_identity_number(c) for c in cells)
    assert scan_cells(cells) == expected
    monkeypatch.setattr(privacy, "_CHUNK_CHARS", 37)
    assert scan_cells(cells) == expected


@pytest.mark.parametrize("by_columns", [False, True])
def test_scan_sheets_counts_every_cell_with_contract_names(by_columns):
    sheets = {
        "saker": (["sak_id", "Merknad", None], [[FNR, "x", "y"], ["S-2", D_NR, H_NR, f"ekstra {FNR}"]], [2, 3]),
        "Ark1": (["notat"], [[f"fnr {FNR}"], [None]], [2, 3]),
        "LES_MEG": ([], [], []),
    }
    if by_columns:  # the reader's column form: (header, one list per column, row numbers, flag)
        from itertools import zip_longest

        sheets = {k: (h, [list(c) for c in zip_longest(*body)] if body else [], rows, False)
                  for k, (h, body, rows) in sheets.items()}
    assert scan_sheets(sheets) == {
        ("Ark1", "notat"): 1, ("cases", None): 2, ("cases", "Merknad"): 1, ("cases", "case_id"): 1,
    }


def test_scan_sheets_reads_what_the_readers_return(tmp_path):
    from ke_rules.ingest.csv_reader import read_csv_bytes  # the sheets read_snapshot has before mapping them
    from ke_rules.ingest.read import _read_json

    doc = {"saker": [{"sak_id": "S-1", "fnr": int(FNR)}, {"sak_id": D_NR}], "ukjent": [{"a": f"nr {H_NR}"}]}
    sheets = _read_json("s.json", json.dumps(doc).encode()).sheets
    assert scan_sheets(sheets) == {("cases", "case_id"): 1, ("cases", "fnr"): 1, ("ukjent", "a"): 1}
    csv = f"sak_id;merknad\nS-1;fnr {FNR}\n{D_NR};\n".encode()
    assert scan_sheets({"cases": read_csv_bytes("cases.csv", csv, [])}) == {("cases", "case_id"): 1,
                                                                            ("cases", "merknad"): 1}


def test_identity_number_problems_are_notices_with_the_count():
    problems = identity_number_problems({("cases", "merknad"): 3, ("Ark 01019912368", None): 1, ("x", "y"): 0})
    assert len(problems) == 2
    p = problems[0]
    assert (p.table, p.row, p.column, p.value, p.code, p.severity, p.detail) == (
        "cases", None, "merknad", None, ProblemCode.IDENTITY_NUMBER, Severity.notice, "3")
    assert p.text("nb") == "fødselsnummer, D- eller H-nummer funnet (antall celler: 3); maskert i alle utdata"
    assert "(cells: 3)" in p.text("en")
    assert problems[1].table == "Ark ***********"
    assert "detail" not in p.model_dump(mode="json")


def test_input_problems_mask_table_and_column_too():
    p = InputProblem(table=f"ark {FNR}", row=1, column=FNR, value=FNR, code=ProblemCode.UNKNOWN_COLUMN,
                     severity=Severity.notice, detail=f"d {FNR}")
    assert FNR not in p.model_dump_json() and FNR not in p.text("nb")


@pytest.mark.parametrize("make", [
    lambda s: KeRulesError(s),
    lambda s: InputRefused(f"Tabell 'cases': kolonner funnet: {s}"),
    lambda s: RulesetError(f"bad {s}", file="x.yaml", line=2),
])
def test_errors_never_carry_a_number(make):
    exc = make(FNR)
    assert FNR not in str(exc) and FNR not in repr(exc) and all(FNR not in str(a) for a in exc.args)


# --- a cut never leaves a number readable


def test_a_number_at_the_cut_is_masked_before_the_value_is_cut():
    for at in range(185, 201):
        for written in (FNR, f"{FNR[:6]}-{FNR[6:]}", f"{FNR[:6]}.{FNR[6:]}", f"{FNR[:6]} {FNR[6:]}", FNR[1:]):
            value = "x" * at + written + " og mer tekst"
            shown = InputProblem(table="cases", row=2, column="merknad", value=value,
                                 code=ProblemCode.NOT_A_DATE, severity=Severity.warning).value
            assert shown is not None and len(shown) <= 201 and shown.endswith("…")
            digits = re.findall(r"\d+", shown)
            assert not digits, (at, written, shown)  # neither the number nor a part of it
            assert not re.search(r"\*+…$", shown) or shown.endswith("*" * 11 + "…") or shown.endswith(
                "*" * 10 + "…"), shown  # a mask is shown whole or not at all


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("abc", 5, "abc"),
    ("abcdefgh", 5, "abcde…"),
    (f"ab {FNR} cd", 5, "ab …"),                  # the cut falls in the mask: before it
    (f"ab {FNR} cd", 14, "ab ***********…"),      # the whole mask fits
    ("ab 123456789012345 cd", 8, "ab …"),         # no part of a long digit run
    ("1234567890123", 5, "…"),
])
def test_mask_and_clip(text, limit, expected):
    assert privacy.mask_and_clip(text, limit) == expected


def test_a_lone_surrogate_is_counted_around_and_does_not_break_the_scan():
    assert scan_cells([f"S-\ud83d {FNR}", "\ud83d"]) == 1
    assert privacy.mask_many([f"S-\ud83d {FNR}", "x"]) == ["S-\ud83d ***********", "x"]


@pytest.mark.parametrize(("text", "other_digits"), [
    ("æøå 123 «sitat»", False), ("٠١٠١٩٩١٢٣٦٨", True), ("x１y", True), ("S-\ud83d", False), ("😀 5", False),
    ("Ω ۳", True), ("€ ߀", True),
])
def test_utf8_shortcut_sees_digits_of_other_scripts(text, other_digits):
    # mask_many reads Norwegian text as UTF-8 bytes; only text with digits of other scripts needs code points
    utf8 = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    assert privacy._has_other_digits(utf8) is other_digits
    batch = [f"{text} {FNR}", text, "Melding til fastlege"]
    assert privacy.mask_many(batch) == [privacy.mask_identity_numbers(t) for t in batch]
    assert FNR not in privacy.mask_many(batch)[0]
