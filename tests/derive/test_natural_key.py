"""Findings are ordered by natural subject id (K-9 before K-10), one total order whatever the input's order.

The contract (report-contract.md): digit runs compare as numbers, other text by code point,
case-sensitive; ties such as ``K-9``/``K-09`` by the plain text.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ke_rules.derive.kit import natural_key
from ke_rules.derive.kit import usual_natural_ranks as _usual_natural_ranks


def general(text: str) -> tuple:
    """The definition, written plainly: split at digit runs, runs as numbers, then the text itself."""
    return tuple(int(p) if i % 2 else p for i, p in enumerate(re.split(r"(\d+)", text))), text


ids = st.one_of(
    st.from_regex(r"[A-ZÆØÅa-z-]{0,3}\d{1,6}", fullmatch=True),
    st.from_regex(r"[KSk]-0{0,3}\d{1,3}[a-b]?", fullmatch=True),  # leading zeros: ties in number
    st.text(max_size=12),
    st.text(alphabet="K-09²٣ a", max_size=8),  # digits of other scripts, a superscript (not a digit run)
)


@given(ids)
def test_natural_key_equals_the_general_definition(text):
    assert natural_key(text) == general(text)


@given(ids, ids)
def test_natural_key_is_a_total_order(a, b):
    ka, kb = natural_key(a), natural_key(b)
    assert (ka == kb) == (a == b)  # distinct ids never tie, so a sort never keeps the input's order
    assert (ka < kb) + (ka > kb) + (ka == kb) == 1  # always comparable, never a TypeError


@given(ids, ids, ids)
def test_natural_key_is_transitive(a, b, c):
    x, y, z = sorted([natural_key(a), natural_key(b), natural_key(c)])
    assert x <= y <= z and x <= z


@given(st.text(alphabet="AK-æ", max_size=3), st.integers(0, 10**20), st.integers(0, 10**20),
       st.integers(0, 3), st.integers(0, 3))
def test_digit_runs_compare_as_numbers_and_ties_by_the_plain_text(prefix, m, n, zeros_m, zeros_n):
    a, b = f"{prefix}{'0' * zeros_m}{m}", f"{prefix}{'0' * zeros_n}{n}"
    if m != n:
        assert (natural_key(a) < natural_key(b)) == (m < n)
    else:  # the same number: the plain text decides, by code point
        assert (natural_key(a) < natural_key(b)) == (a < b)


def test_natural_order():
    ids = ["K-10", "K-9", "K-1", "S-2", "K-009", "K-", "K-09", "k-1", "S-10", "S-9"]
    assert sorted(ids, key=natural_key) == ["K-", "K-1", "K-009", "K-09", "K-9", "K-10", "S-2", "S-9", "S-10",
                                            "k-1"]


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [2, 0, 5, 1, 4, 3]])
def test_the_column_wise_ranks_follow_the_key(order):
    texts = np.array(["K-9", "K-09", "K-009", "S-10", "S-9", "K-10"], dtype=object)[order]
    ranks = _usual_natural_ranks(texts)
    assert ranks is not None
    assert [texts[i] for i in np.argsort(ranks)] == sorted(texts.tolist(), key=natural_key)


@given(st.lists(st.from_regex(r"[A-Za-z-]{0,3}0{0,2}\d{1,6}", fullmatch=True), unique=True, min_size=1, max_size=12))
def test_the_column_wise_ranks_equal_sorting_by_the_key(texts):
    ranks = _usual_natural_ranks(np.array(texts, dtype=object))
    if ranks is not None:  # the usual shape (ASCII, digits at the end); else the caller sorts by the key
        assert [texts[i] for i in np.argsort(ranks)] == sorted(texts, key=natural_key)


# --- the same rows in another order give the same report


def _tie_snapshot() -> dict[str, list[dict]]:
    """Ids that tie in natural order (K-9/K-09/K-009, S-9/S-09/S-009), ids that mask alike (two
    identity numbers), one service in two spellings, and findings on all of them."""
    from ..privacy.test_privacy import D_NR, FNR

    case_ids = ["S-10", "S-9", "S-09", "S-009", "S-1", FNR, D_NR]
    cases = [{"case_id": c, "opened_on": "2024-01-10", "ip_started_on": "2024-02-01", "long_term_need": True}
             for c in case_ids]  # an active IP and no consent: KE-CONSENT on each
    coordinators = [{"coordinator_id": k, "name": f"Koordinator {k}", "agreed_max_cases": 1}
                    for k in ("K-9", "K-09", "K-009", "K-10")]
    assignments = [{"case_id": c, "coordinator_id": k, "start_date": "2024-01-15"}
                   for k in ("K-9", "K-09", "K-009") for c in case_ids]  # over the limit: KE-COORD-LOAD
    services = [{"case_id": c, "service": name, "category": "helse", "start_date": "2024-01-01"}
                for c in case_ids for name in ("Fysioterapi", "fysioterapi ", "hjemmesykepleie", "Ergoterapi")]
    return {"cases": cases, "coordinators": coordinators, "assignments": assignments, "services": services}


def _report_without_rows(path) -> dict:
    import json

    import ke_rules

    report = json.loads(ke_rules.check(path, as_of="2026-11-23").to_json())
    del report["input_problems"]  # these name rows, which the shuffle moves
    del report["input"]["sha256"]
    return report


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_rows_give_the_same_report_byte_for_byte(tmp_path, seed):
    import json
    import random

    from ..conftest import write_json

    tables = _tie_snapshot()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _report_without_rows(write_json(tmp_path / "a" / "s.json", tables))
    rng = random.Random(seed)
    shuffled = {name: rng.sample(rows, len(rows)) for name, rows in tables.items()}
    assert shuffled != tables
    again = _report_without_rows(write_json(tmp_path / "b" / "s.json", shuffled))
    assert json.dumps(again, ensure_ascii=False) == json.dumps(first, ensure_ascii=False)
    # the order is the contract's: ties by the plain text, masked ids kept apart by the id itself
    load = [f for f in first["findings"] if f["rule_id"] == "KE-COORD-LOAD"]
    assert [f["subject_id"] for f in load] == ["K-009", "K-09", "K-9"]
    # (evidence lists the cases in the natural order of their ids, the numbers first, then masked)
    assert load[0]["evidence"]["case_ids"] == ["***********", "***********", "S-1", "S-009", "S-09", "S-9", "S-10"]
    consent = [f["subject_id"] for f in first["findings"] if f["rule_id"] == "KE-CONSENT"]
    assert consent == ["***********", "***********", "S-1", "S-009", "S-09", "S-9", "S-10"]
    referral = [f for f in first["findings"] if f["rule_id"] == "KE-REFERRAL-MISSING"]
    assert referral and all(f["evidence"]["qualifying_services"] == ["Ergoterapi", "Fysioterapi", "hjemmesykepleie"]
                            for f in referral)
