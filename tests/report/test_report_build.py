"""The report's fast paths must give exactly what the plain calls give."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ke_rules
from ke_rules.derive.facts import natural_key
from ke_rules.privacy.controls import escape_json_text_controls
from ke_rules.privacy.identity import mask_identity_numbers, mask_many
from ke_rules.report.build import _coordinator_load, _finding, _template_column, _text_value
from ke_rules.report.models import SEVERITY_ORDER, Basis, CoordinatorLoad, Finding, Report, SubjectType, Waiver
from ke_rules.report.render import render

FNR = "01019912368"
pieces = st.one_of(st.text(max_size=8), st.sampled_from([FNR, "010199 12368", "1019912368", "٠١٠١٩٩١٢٣٦٨",
                                                         "010199-12368", "010199.12368", "-", ".", " ", "\ud83d",
                                                         "S-123456", "123456", "12345678901234", "\x00", "æøå"]))
texts = st.lists(st.lists(pieces, max_size=5).map("".join), max_size=20)


@given(texts)
def test_mask_many_equals_masking_each_text(batch):
    assert mask_many(batch) == [mask_identity_numbers(t) for t in batch]


def test_mask_many_masks_a_planted_number_among_many():
    batch = [f"Sak S-{i} har ingen melding." for i in range(1000)] + [f"merknad {FNR}"]
    out = mask_many(batch)
    assert out[:1000] == batch[:1000] and FNR not in out[-1]


def test_fast_finding_equals_model_construct():
    values = {"rule_id": "KE-X", "severity": "high", "subject_type": SubjectType.case, "subject_id": "S-1",
              "case_id": "S-1", "message": "m", "evidence": {"a": [1, "b"], "d": None},
              "basis": [Basis(citation="c", kind="lov", url=None)], "status": "open", "waiver": None}
    fast = _finding(dict(values))
    slow = Finding.model_construct(**values)
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_copy(update={"status": "waived"}).status == "waived"


# --- the JSON report: orjson must write exactly what pydantic writes

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo.json"
_REPORTS: dict[str, Report] = {}


def demo_report(lang: str) -> Report:
    """The demo report (lund), with a finding and params added that hold the awkward values."""
    if lang not in _REPORTS:
        _REPORTS[lang] = ke_rules.check(DEMO, ruleset="lund", as_of="2026-11-23", lang=lang)
    report = _REPORTS[lang].model_copy(deep=True)
    odd = {"text": "æøå ÆØÅ «sitat» “quote” \u2028 tab\there \x00\x1f\x7f \\ / \" 😀", "none": None,
           "rate": 0.1 + 0.2, "tiny": 1e-7, "huge": 1.5e300, "whole": 2.0, "neg": -0.0, "nan": float("nan"),
           "inf": float("inf"), "int": 2**63 - 1, "list": [None, 1, 2.5, "ø", [True, False]], "empty": [],
           "obj": {}, "nested": {"a": {"b": [{}]}}, "kind": SubjectType.group}
    extra = _finding({"rule_id": "KE-ØVRIG", "severity": "low", "subject_type": SubjectType.ke, "subject_id": "kommune",
                      "case_id": None, "message": "Melding med æøå og “sitat”.", "evidence": odd,
                      "basis": [Basis(citation="Rutine for ansvarsgrupper, punkt 3", kind="lokal_rutine", url=None),
                                Basis(citation="hol. § 7", kind="lov", url="https://lovdata.no/lov/2011-06-24-30/§7")],
                      "status": "waived",
                      "waiver": Waiver(reason="Avtalt «utsatt» – æøå", decided_by="KE-leder",
                                       decided_on="2026-11-01", expires_on="2026-12-31")})
    report.findings.append(extra)
    report.ruleset.params.update(rate=0.75, label="Lørenskog", missing=None, limits=[1.5, 2], nested={"x": []})
    report.input_problems = []  # an empty list, as a clean input gives
    return report


def pydantic_json(report: Report, indent: int | None = 2) -> str:
    """What pydantic writes, DEL and C1 controls written as \\u escapes (as to_json does: ke_rules.privacy.controls)."""
    return escape_json_text_controls(report.model_dump_json(indent=indent) + "\n")


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_orjson_report_is_byte_for_byte_pydantics(lang, monkeypatch):
    report = demo_report(lang)
    assert report.findings and report.measures and any(m.rate not in (None, 0, 1) for m in report.measures)
    want = {indent: pydantic_json(report, indent) for indent in (2, None)}
    calls: list[int] = []
    original = Report.model_dump_json
    monkeypatch.setattr(Report, "model_dump_json", lambda self, **kw: calls.append(1) or original(self, **kw))
    assert report.to_json() == want[2]
    assert report.to_json_bytes() == want[2].encode("utf-8")
    assert render(report, "json") == want[2].encode("utf-8")
    assert report.to_json(indent=None) == want[None]
    assert not calls, "the orjson path fell back to pydantic on plain JSON values"
    assert "æøå" in want[2] and "\\u00e6" not in want[2]  # raw UTF-8, as pydantic writes it
    assert '"lang"' not in want[2] and '"coordinator_load"' not in want[2]


@pytest.mark.parametrize("indent", [2, None])
@pytest.mark.parametrize("batch", [1, 2, 3, 7, 10_000])
def test_report_written_in_pieces_is_the_whole_report(indent, batch):
    # the CLI writes json_chunks() one by one; joined they are pydantic's report, at any batch size
    report = demo_report("nb")
    assert len(report.findings) > 7
    chunks = list(report.json_chunks(indent, batch=batch))
    assert len(chunks) == 2 + -(-len(report.findings) // batch)
    assert b"".join(chunks) == pydantic_json(report, indent).encode("utf-8")


@pytest.mark.parametrize("indent", [2, None])
def test_report_in_pieces_without_findings_and_with_a_batch_orjson_cannot_write(indent):
    report = demo_report("en")
    empty = report.model_copy(update={"findings": []})
    assert b"".join(empty.json_chunks(indent)) == pydantic_json(empty, indent).encode("utf-8")
    # an integer beyond 64 bits, which orjson refuses: that batch is written by pydantic, the others by orjson
    report.findings[3] = report.findings[3].model_copy(update={"evidence": {"big": 2**70, "text": "ø"}})
    chunks = list(report.json_chunks(indent, batch=2))
    assert b"1180591620717411303424" in chunks[1 + 3 // 2]
    assert b"".join(chunks) == pydantic_json(report, indent).encode("utf-8")


@pytest.mark.parametrize("odd", [dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
                                 2**64, -(2**70), decimal.Decimal("1.10"), {1, 2}, b"bytes", {1: "int key"},
                                 Basis(citation="c", kind="lov"), "\ud800"])
def test_values_orjson_would_write_differently_go_to_pydantic(odd):
    report = demo_report("nb")
    report.findings[-1].evidence["odd"] = odd
    try:
        want = pydantic_json(report)
    except Exception as exc:  # what pydantic cannot write, to_json refuses alike
        with pytest.raises(type(exc)):
            report.to_json()
        return
    assert report.to_json() == want
    assert report.to_json(indent=4) == pydantic_json(report, indent=4)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1), st.floats(), st.text(),
              st.sampled_from(list(SubjectType))),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=12)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=5), st.text(), st.sampled_from(["nb", "en"]))
def test_orjson_equals_pydantic_for_any_evidence(evidence, message, lang):
    report = demo_report(lang)
    report.findings[-1].evidence.update(evidence)
    report.findings[0].message = message
    try:
        want = pydantic_json(report)
    except Exception as exc:
        with pytest.raises(type(exc)):
            report.to_json()
        return
    assert report.to_json() == want


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_findings_keep_the_report_order(lang):
    findings = ke_rules.check(DEMO, ruleset="nasjonal", as_of="2026-11-23", lang=lang).findings
    assert len({f.rule_id for f in findings}) > 3
    key = lambda f: (SEVERITY_ORDER[f.severity], f.rule_id, natural_key(f.subject_id))  # noqa: E731
    assert findings == sorted(findings, key=key)


text_values = st.one_of(st.none(), st.text(max_size=12), st.integers(), st.booleans(), st.floats(),
                        st.lists(st.one_of(st.text(max_size=4), st.integers()), max_size=3),
                        st.sampled_from(["2025-12-31", "2025-02-30", "0999-01-01", "2025-1-031", "1.2.2025"]))


@given(st.lists(text_values, max_size=30), st.sampled_from(["nb", "en"]))
def test_template_column_equals_text_value_of_each(values, lang):
    assert _template_column(values, lang) == [_text_value(v, lang) for v in values]


def test_coordinator_load_equals_validated_models():
    frame = pd.DataFrame({"_id": ["K-10", "K-9", f"K-{FNR}", "K-1"], "active_cases": [3, 0, 2, 7],
                          "limit": [5, 5, 4, 6]})
    facts = type("F", (), {"frames": {"coordinator": frame}})()
    loads = _coordinator_load(facts)  # type: ignore[arg-type]
    want = [CoordinatorLoad(coordinator_id=mask_identity_numbers(i), active_cases=n, limit=lim)
            for i, n, lim in zip(frame["_id"], frame["active_cases"], frame["limit"], strict=True)]
    want.sort(key=lambda c: natural_key(c.coordinator_id))
    assert loads == want
    assert [c.model_fields_set for c in loads] == [c.model_fields_set for c in want]
    assert FNR not in str([c.coordinator_id for c in loads])
