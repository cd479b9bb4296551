"""Findings are ordered by natural subject id (K-9 before K-10); the fast path must not change the order."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ke_rules.facts import natural_key


def general(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


@given(st.one_of(st.from_regex(r"[A-ZÆØÅa-z-]{0,3}\d{1,6}", fullmatch=True), st.text(max_size=12)))
def test_natural_key_equals_the_general_definition(text):
    assert natural_key(text) == general(text)


def test_natural_order():
    ids = ["K-10", "K-9", "K-1", "S-2", "K-009", "K-"]
    assert sorted(ids, key=natural_key) == ["K-", "K-1", "K-9", "K-009", "K-10", "S-2"]
