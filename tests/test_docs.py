"""Generated documentation stays in step with the code it documents."""

from pathlib import Path

import pandas as pd

from ke_rules.fields import FIELDS, catalogue_markdown
from ke_rules.schema import contract_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_field_catalogue_doc_is_current():
    assert (ROOT / "docs" / "fields.md").read_text(encoding="utf-8") == catalogue_markdown()


def test_input_doc_is_current():
    assert (ROOT / "docs" / "input.md").read_text(encoding="utf-8") == contract_markdown()


def test_derived_facts_have_exactly_the_catalogue_fields(tmp_path):
    import ke_rules
    from ke_rules.facts import derive_facts

    from .conftest import D, write_json

    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {"cases": [{"case_id": "S-1"}],
                                                                   "ke_meetings": [{"meeting_date": "2026-01-05"}]}))
    facts = derive_facts(snap, D, ke_rules.load_ruleset("nasjonal").params)
    for subject, frame in facts.frames.items():
        assert isinstance(frame, pd.DataFrame)
        assert set(frame.columns) - {"_id", "_case"} == set(FIELDS[subject]), subject
