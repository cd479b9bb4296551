"""Generated documentation stays in step with the code it documents."""

from pathlib import Path

import pandas as pd

from ke_rules.derive.fields import FIELDS, catalogue_markdown
from ke_rules.ingest.schema import contract_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_field_catalogue_doc_is_current():
    assert (ROOT / "docs" / "fields.md").read_text(encoding="utf-8") == catalogue_markdown()


def test_input_doc_is_current():
    assert (ROOT / "docs" / "input.md").read_text(encoding="utf-8") == contract_markdown()


def test_derived_facts_have_exactly_the_catalogue_fields(tmp_path):
    import ke_rules
    from ke_rules.derive.facts import derive_facts

    from .conftest import D, write_json

    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {"cases": [{"case_id": "S-1"}],
                                                                   "ke_meetings": [{"meeting_date": "2026-01-05"}]}))
    facts = derive_facts(snap, D, ke_rules.load_ruleset("nasjonal").params)
    for subject, frame in facts.frames.items():
        assert isinstance(frame, pd.DataFrame)
        assert set(frame.columns) - {"_id", "_case"} == set(FIELDS[subject]), subject


def test_no_file_names_a_path_outside_the_repository():
    """The contract and the engine notes live in docs/; nothing may point at a machine's folders."""
    import re
    import subprocess

    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    shared = "shared" + "/"  # spelt in two pieces so that this line does not name the paths it looks for
    pattern = re.compile("/" + "work/|" + re.escape("../" + shared) + "|" + shared + "(spec|notes|seeds)/")
    offenders = []
    for name in files:
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".yaml", ".toml", ".txt", ""} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{name}:{n}" for n, line in enumerate(text.splitlines(), 1) if pattern.search(line)]
    assert not offenders, offenders


def test_the_contract_is_in_the_repository():
    for name in ("input-contract.md", "rules.md", "report-contract.md"):
        assert (ROOT / "docs" / "spec" / name).stat().st_size > 1000
