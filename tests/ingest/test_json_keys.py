"""count_keys counts every key written in a JSON text, a repeated key twice, whatever the layout."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ke_rules.ingest.json_keys as json_keys
from ke_rules.ingest.json_keys import count_keys


@pytest.mark.parametrize(("text", "keys"), [
    ('{}', 0),
    ('{"a": 1}', 1),
    ('{"a": 1, "a": 2}', 2),
    ('{"a":{"b":{"c":[]}}}', 3),
    ('{"a" \n\t :1}', 1),  # whitespace before the colon
    ('{"t": ":"}', 1),  # a value that is a colon
    ('{"t": "x", "u": ":y"}', 2),  # a value that starts with a colon
    ('{"t": "\\":"}', 1),  # an escaped quote before a colon, in a value
    ('{"t\\\\": "x"}', 1),  # a key that ends in an escaped backslash
    ('{"t": "\\\\\\"", "u": 1}', 2),  # a backslash, then an escaped quote, in a value
    ('{"t": ["a", "b"], "u": [{"v": "w"}]}', 3),
    ('\ufeff{"a": "æøå \u2028", "b": null}', 2),
    ('{"cases": [\n  {\n    "case_id": "S-1"\n  }\n]\n}', 2),  # a line break and indent after a value
])
def test_count_keys(text, keys):
    assert count_keys(text.encode("utf-8")) == keys


def test_a_long_run_of_whitespace_after_a_string():
    text = '{"a": "x"' + " " * 100 + ', "b"' + "\n" * 100 + ': 1}'
    assert count_keys(text.encode()) == 2


def test_strings_across_the_windows(monkeypatch):
    monkeypatch.setattr(json_keys, "_WINDOW", 7)  # every string and escape is cut somewhere
    text = json.dumps({"a\\": ['x"y', "\\\\", ": :"], "bb": {"c": "\\\""}}, indent=1)
    assert count_keys(text.encode()) == 3


class Pairs(list):
    """An object as the (key, value) pairs written, so a key may be given twice."""


def dump(value, indent: int | None, ensure_ascii: bool) -> str:
    sep = "\n" + " " * (indent or 0) if indent is not None else ""
    if isinstance(value, Pairs):
        items = [f"{json.dumps(k, ensure_ascii=ensure_ascii)}: {dump(v, indent, ensure_ascii)}" for k, v in value]
        return "{" + sep + ("," + sep).join(items) + sep + "}"
    if isinstance(value, list):
        return "[" + sep + ("," + sep).join(dump(v, indent, ensure_ascii) for v in value) + sep + "]"
    return json.dumps(value, ensure_ascii=ensure_ascii)


text_values = st.text(alphabet=st.sampled_from(['"', "\\", ":", " ", "\n", "a", "ø", "{", "}", "[", "]", ","]),
                      max_size=6)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text_values)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.lists(st.tuples(text_values, inner), max_size=4).map(Pairs)),
    max_leaves=20,
)


def keys_in(value) -> int:
    if isinstance(value, Pairs):
        return len(value) + sum(keys_in(v) for _, v in value)
    if isinstance(value, list):
        return sum(keys_in(v) for v in value)
    return 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(text_values, values), max_size=4).map(Pairs), st.sampled_from([None, 0, 2]),
       st.booleans(), st.sampled_from([3, 64, 1 << 24]))
def test_count_keys_equals_the_pairs_written(doc, indent, ensure_ascii, window):
    text = dump(doc, indent, ensure_ascii)
    json.loads(text)  # valid JSON, as count_keys requires
    saved = json_keys._WINDOW
    json_keys._WINDOW = window
    try:
        assert count_keys(text.encode("utf-8")) == keys_in(doc)
    finally:
        json_keys._WINDOW = saved
