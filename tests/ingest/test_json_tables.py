"""A JSON snapshot read a table at a time gives exactly what the whole file parsed at once gives."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ke_rules.errors import InputRefused
from ke_rules.ingest.read import _json_sheets, _sheets_of, _tables_one_by_one


def whole(data: bytes):
    """The tables, or the refusal, as the whole-file parse gives them (orjson, then the same column pass)."""
    try:
        return _sheets_of("s.json", iter(orjson.loads(data.removeprefix(b"\xef\xbb\xbf")).items()), True)
    except InputRefused as exc:
        return str(exc)


def read(data: bytes):
    try:
        return _json_sheets("s.json", data, exact=False)
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
