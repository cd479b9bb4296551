"""The report's fast paths must give exactly what the plain calls give."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ke_rules.models import Basis, Finding, SubjectType
from ke_rules.privacy import mask_identity_numbers, mask_many
from ke_rules.report import _finding

FNR = "01019912368"
pieces = st.one_of(st.text(max_size=8), st.sampled_from([FNR, "010199 12368", "1019912368", "٠١٠١٩٩١٢٣٦٨",
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
              "basis": [Basis(citation="c", kind="lov", url=None)], "status": "open"}
    fast = _finding(dict(values))
    slow = Finding.model_construct(**values)
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_copy(update={"status": "waived"}).status == "waived"
