"""A JSON snapshot read a table at a time gives exactly what the whole file parsed at once gives."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ke_rules.ingest.read as read_module
from ke_rules.errors import InputRefused
from ke_rules.ingest.read import _json_sheets, _sheets_of, _tables_one_by_one
from ke_rules.privacy.identity import scan_sheets
from ke_rules.runtime import background, split_read


def whole(data: bytes):
    """The tables, or the refusal, as the whole-file parse gives them (orjson, then the same column pass)."""
    try:
        return _sheets_of("s.json", iter(orjson.loads(data.removeprefix(b"\xef\xbb\xbf")).items()), True)
    except InputRefused as exc:
        return str(exc)


def read(data: bytes):
    try:
        return _json_sheets("s.json", data, exact=False)[:2]
    except InputRefused as exc:
        return str(exc)


CASES = [{"case_id": "S-1", "birth_date": "2020-01-01"}, {"case_id": "S-2", "birth_date": None}]
SERVICES = [{"case_id": "S-1", "service": "fysioterapi"}]


@pytest.mark.parametrize(("label", "data", "by_table"), [
    ("compact", json.dumps({"cases": CASES, "services": SERVICES}, separators=(",", ":")).encode(), True),
    ("indented", json.dumps({"cases": CASES, "services": SERVICES}, indent=4).encode(), True),
    ("bom and crlf", b"\xef\xbb\xbf" + json.dumps({"cases": CASES, "services": SERVICES}, indent="\t")
     .replace("\n", "\r\n").encode() + b"\r\n", True),
    ("escaped key", b'{"ca\\u0073es": [{"case_id": "S-1"}], "services": []}', True),
    ("brackets in text", json.dumps({"cases": [{"case_id": 'S-1", "x": ['}, {"case_id": "], \"y\": ["}],
                                     "services": SERVICES}).encode(), True),
    ("one table", json.dumps({"cases": CASES}).encode(), True),
    ("empty tables", b'{"cases": [], "services": [], "groups": []}', True),
    ("key twice", b'{"cases": [{"case_id": "S-1"}], "cases": [{"case_id": "S-2"}]}', False),
    ("not an object", json.dumps([CASES]).encode(), False),
    ("a scalar at the end", b'{"cases": [{"case_id": "S-1"}], "version": 2}', False),
])
def test_table_at_a_time_equals_whole_file(label, data, by_table):
    assert (_tables_one_by_one(data) is not None) == by_table, label
    if data.lstrip(b"\xef\xbb\xbf \n").startswith(b"{"):
        assert read(data) == whole(data)


def test_a_seam_inside_a_row_is_not_taken_for_one_between_tables():
    # two list cells side by side look like the seam between two tables: `], "b": [`
    data = json.dumps({"cases": [{"case_id": "S-1", "a": [1], "b": [2]}], "services": SERVICES}).encode()
    assert _tables_one_by_one(data) is not None
    with pytest.raises(InputRefused, match="'cases' rad 1, kolonne 'a': nøstet list"):
        _json_sheets("s.json", data, exact=False)


@pytest.mark.parametrize(("data", "fragment"), [
    (b'{"cases": [{"case_id": "S-1"}], "services": [{"case_id": "S-1"}', "invalid or truncated JSON"),
    (b'{"cases": [{"case_id": "S-1"}] "services": []}', "invalid or truncated JSON"),
    (b'{"cases": [{"case_id": "S-1"}], "services": [1]} x', "invalid or truncated JSON"),
    (b'{"cases": [{"case_id": "S-1"}], "services": 3, "groups": []}', "'services' skal være en liste"),
    (b'{"cases": [{"case_id": "S-1"}], "services": [7]}', "'services' rad 1 er ikke et objekt"),
])
def test_a_broken_file_gets_the_whole_file_message(data, fragment):
    with pytest.raises(InputRefused, match=fragment):
        _json_sheets("s.json", data, exact=False)


cells = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.text(max_size=8),
                  st.sampled_from(['], "x": [', "]", "[", '"', "\\", "}", "{"]))
tables = st.dictionaries(st.sampled_from(["cases", "services", "groups", "x y", "ä"]),
                         st.lists(st.fixed_dictionaries({"case_id": cells, "v": cells}), max_size=4),
                         min_size=1)


@settings(max_examples=200, deadline=None)
@given(doc=tables, indent=st.sampled_from([None, 1, 2, "\t"]), ascii_only=st.booleans())
def test_any_layout_reads_the_same(doc, indent, ascii_only):
    data = json.dumps(doc, indent=indent, ensure_ascii=ascii_only).encode()
    assert _tables_one_by_one(data) is not None
    assert read(data) == whole(data)


# --- a big file's tables shared between two processes (Linux): exactly what one process reads

two_processes = pytest.mark.skipif(not background.can_fork(), reason="the second process is forked (Linux)")


@pytest.fixture
def in_two(monkeypatch):
    """read() with every file big enough to share its tables with a forked process."""
    monkeypatch.setattr(read_module, "BACKGROUND_PARSE_FROM", 0)
    calls = []
    real = read_module._sheets_in_two

    def spy(*args):
        calls.append(args[0])
        return real(*args)

    monkeypatch.setattr(read_module, "_sheets_in_two", spy)
    return calls


def read_json(data: bytes):
    """The tables in their order, the count of keys read and of identity numbers, or the refusal."""
    try:
        sheets, keys, scan = read_module._read_json("s.json", data)
    except InputRefused as exc:
        return str(exc)
    return list(sheets.items()), keys, scan.result() if scan is not None else scan_sheets(sheets)


TWO_TABLES = {"cases": CASES * 3, "services": SERVICES, "groups": [{"group_id": "G-1", "case_id": "S-1"}],
              "notater": [{"tekst": "fnr 01019912368"}, {"tekst": 1019912368}]}  # identity numbers, counted


@two_processes
@pytest.mark.parametrize(("label", "data"), [
    ("three tables", json.dumps(TWO_TABLES, indent=2).encode()),
    ("a number written longer", b'{"cases": [{"case_id": "S-1", "n": 1e5}], "services": [{"case_id": "S-1"}]}'),
    ("big integer", b'{"cases": [{"case_id": 123456789012345678901234567890}], "services": [{"case_id": "S-1"}]}'),
    ("a seam inside a row", json.dumps({"cases": [{"case_id": "S-1", "a": [1], "b": [2]}],
                                        "services": SERVICES}).encode()),
    ("a row that is no object", b'{"cases": [{"case_id": "S-1"}, 3], "services": [{"case_id": "S-1"}]}'),
    ("nested in the second table", b'{"cases": [{"case_id": "S-1"}], "services": [{"case_id": {"x": 1}}]}'),
    ("refusals in both", b'{"cases": [{"case_id": [1]}, 2], "services": [{"case_id": {"x": 1}}, 4]}'),
])
def test_tables_read_in_two_processes_are_what_one_reads(label, data, in_two, monkeypatch):
    shared = read_json(data)
    assert in_two, label
    monkeypatch.setattr(read_module, "BACKGROUND_PARSE_FROM", 10**15)
    assert shared == read_json(data), label


@two_processes
def test_columns_that_do_not_fit_the_shared_memory_are_read_here(in_two, monkeypatch):
    monkeypatch.setattr(split_read, "SLACK", 0)
    data = b'{"cases": [{"case_id": "S-1", "n": 1e5}, {"case_id": "S-2", "n": 2e5}], "services": []}'
    assert read_json(data) == ([("cases", (["case_id", "n"], [["S-1", "S-2"], [100000.0, 200000.0]], [1, 2], True)),
                                ("services", ([], [], [], True))], 6, {})


@two_processes
def test_a_forked_process_that_dies_leaves_the_reading_to_this_one(in_two, monkeypatch):
    monkeypatch.setattr(read_module, "_share_and_scan", _dies)
    data = json.dumps(TWO_TABLES).encode()
    monkeypatch.setattr(read_module, "BACKGROUND_PARSE_FROM", 10**15)
    alone = read_json(data)
    monkeypatch.setattr(read_module, "BACKGROUND_PARSE_FROM", 0)
    assert read_json(data) == alone
    assert in_two


def _dies(*args):
    import os

    os._exit(3)


@two_processes
@settings(max_examples=40, deadline=None)
@given(doc=tables, indent=st.sampled_from([None, 2]))
def test_any_file_reads_the_same_in_two_processes(doc, indent):
    data = json.dumps(doc, indent=indent).encode()
    saved = read_module.BACKGROUND_PARSE_FROM
    read_module.BACKGROUND_PARSE_FROM = 0
    try:
        shared = read_json(data)
    finally:
        read_module.BACKGROUND_PARSE_FROM = saved
    assert shared == read_json(data)
