"""Shared test helpers: write small snapshots in each input form."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ke_rules.engines.evaluation import durable_available

D = dt.date(2026, 11, 23)

# a test of durable-rules itself; skipped where it is not installed (the columnar engine runs there).
# .ci/run's main run sets KE_RULES_REQUIRE_DURABLE=1, so there a missing durable-rules fails instead.
requires_durable = pytest.mark.skipif(not durable_available(), reason="durable-rules is not installed")


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("KE_RULES_REQUIRE_DURABLE") and not durable_available():
        raise pytest.UsageError("KE_RULES_REQUIRE_DURABLE is set, but durable-rules cannot be imported")


def write_json(path: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    path.write_text(json.dumps(tables, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def write_xlsx(path: Path, tables: dict[str, list[list[Any]]]) -> Path:
    """tables: sheet name -> rows (first row = header)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def write_csv_folder(folder: Path, tables: dict[str, list[list[Any]]], *, delimiter: str = ",",
                     encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with open(folder / f"{name}.csv", "w", newline="", encoding=encoding) as fh:
            csv.writer(fh, delimiter=delimiter).writerows(rows)
    return folder


@pytest.fixture
def as_of() -> dt.date:
    return D


CORPUS = Path(__file__).parent / "corpus"
# the five findings BASE (tests/corpus/make_corpus.py) gives in every spelling and format
BASE_FINDINGS = ["KE-CHILD-RELATIVE:S-1", "KE-CONSENT:S-1", "KE-COORD-TRAINING:K-2", "KE-INVITE-LEAD:M-1",
                 "KE-IP-EVAL:S-1", "KE-IP-EVAL:S-2", "KE-MEET-FREQ:G-1", "KE-REFERRAL-MISSING:S-1"]


def make_corpus() -> Any:
    """tests/corpus/make_corpus.py as a module (it is a script, not a package module), loaded once."""
    import importlib.util
    import sys

    if "make_corpus" not in sys.modules:
        spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["make_corpus"] = module
        spec.loader.exec_module(module)
    return sys.modules["make_corpus"]
