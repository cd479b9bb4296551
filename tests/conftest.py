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
