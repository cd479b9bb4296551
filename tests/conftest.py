"""Shared test helpers: write small snapshots in each input form."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

D = dt.date(2026, 11, 23)


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
