"""``--format avvik``: the open findings as a CSV import for a quality system's deviation register.

report-contract.md, "More output formats": one row per open finding in report order,
UTF-8 with a byte-order mark, ``;``-separated, CRLF, a header row, fields quoted only
where Python's csv module quotes them, and every cell passed through the same formula
neutralisation as the csv report (:func:`safe.neutralise`). The codes
(``alvorlighetsgrad``, ``status``, ``kategori``) stay fixed whatever ``--lang`` says,
so a vendor's import can map them; ``tittel`` and ``beskrivelse`` follow ``--lang``.

``avvik_id`` is the first 16 lower-case hex digits of SHA-256 of ``"rule_id|subject_id"``:
the same deviation gets the same id next month, so an import can update instead of
duplicate. ``frist`` is ``as_of`` plus the ruleset parameter ``deadline_days_<severity>``
(default 14, 30 and 90 days).

A vendor's column names and order come from ``--avvik-columns FILE.yaml``
(:func:`load_avvik_columns`); see docs/avvik.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ke_rules.errors import KeRulesError, did_you_mean
from ke_rules.privacy.controls import escape_controls, has_controls
from ke_rules.report.models import Report
from ke_rules.report.render.common import basis_text, rule_title
from ke_rules.report.render.safe import neutralise

if TYPE_CHECKING:
    from ke_rules.report.units import SubjectUnits
    from ke_rules.rules.ruleset import Ruleset

__all__ = ["AVVIK_COLUMNS", "DEADLINE_DEFAULTS", "avvik_id", "deadlines", "load_avvik_columns", "render_avvik"]

AVVIK_COLUMNS: tuple[str, ...] = ("avvik_id", "tittel", "beskrivelse", "kategori", "alvorlighetsgrad", "grunnlag",
                                  "enhet", "registrert", "frist", "status")
DEADLINE_DEFAULTS: dict[str, int] = {"high": 14, "medium": 30, "low": 90}


def avvik_id(rule_id: str, subject_id: str) -> str:
    """The stable deviation id: the first 16 lower-case hex digits of SHA-256 of ``"rule_id|subject_id"``."""
    return hashlib.sha256(f"{rule_id}|{subject_id}".encode()).hexdigest()[:16]


def deadlines(params: dict[str, Any]) -> dict[str, int]:
    """Days to the deadline per severity: ruleset parameters ``deadline_days_high``/``_medium``/``_low``."""
    out: dict[str, int] = {}
    for severity, default in DEADLINE_DEFAULTS.items():
        name = f"deadline_days_{severity}"
        value = params.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise KeRulesError(f"ruleset parameter '{name}' must be a whole number of days (0 or more), "
                               f"found {value!r}.")
        out[severity] = value
    return out


def load_avvik_columns(path: str | Path) -> tuple[tuple[str, str], ...]:
    """A vendor's column layout from YAML: ``(our name, vendor's name)`` pairs in the vendor's order.

    The file is a mapping from our column names (:data:`AVVIK_COLUMNS`) to the vendor's,
    either at the top level or under the key ``columns``; a column left out is not
    written, and an empty value keeps our name. Every mistake (an unknown name, a name
    twice, a vendor name twice, a value that is not text) is a :class:`KeRulesError`
    naming the file, so the CLI exits 2 with one clear paragraph.
    """
    import yaml

    path = Path(path)
    where = f"--avvik-columns {path}"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise KeRulesError(f"{where}: filen finnes ikke (the file does not exist).") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeRulesError(f"{where}: kan ikke leses (cannot be read as UTF-8 text): {exc}.") from None

    pairs: list[tuple[Any, Any, int]] = []

    class _Loader(yaml.SafeLoader):
        """Keeps the mapping's keys in order with their lines, so a repeated key is not silently lost."""

    def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            value = loader.construct_object(value_node, deep=True)
            if isinstance(key, str) and key in result:
                raise KeRulesError(f"{where}, line {key_node.start_mark.line + 1}: '{key}' is given twice.")
            result[key] = value
            pairs.append((key, value, key_node.start_mark.line + 1))
        return result

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise KeRulesError(f"{where}{line}: not valid YAML ({getattr(exc, 'problem', None) or exc}).") from None
    if isinstance(doc, dict) and set(doc) == {"columns"}:
        doc = doc["columns"]
    if not isinstance(doc, dict) or not doc:
        raise KeRulesError(f"{where}: expected a mapping from ke-rules' column names ({', '.join(AVVIK_COLUMNS)}) "
                           "to the quality system's column names, e.g. 'tittel: Tittel'.")
    lines = {k: line for k, _, line in pairs if isinstance(k, str)}
    layout: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for ours, theirs in doc.items():
        at = f"{where}, line {lines[ours]}" if ours in lines else where
        if not isinstance(ours, str) or ours not in AVVIK_COLUMNS:
            raise KeRulesError(f"{at}: unknown column '{ours}'.{did_you_mean(str(ours), AVVIK_COLUMNS)} "
                               f"The columns are: {', '.join(AVVIK_COLUMNS)}.")
        if theirs is None:
            theirs = ours
        if not isinstance(theirs, str) or not theirs.strip():
            raise KeRulesError(f"{at}: the name for '{ours}' must be text, found {theirs!r}.")
        theirs = theirs.strip()
        if theirs in seen:
            raise KeRulesError(f"{at}: the column name '{theirs}' is used for both '{seen[theirs]}' and '{ours}'.")
        seen[theirs] = ours
        layout.append((ours, theirs))
    return tuple(layout)


def render_avvik(report: Report, *, ruleset: Ruleset | None = None, units: SubjectUnits | None = None,
                 columns: Sequence[tuple[str, str]] | None = None) -> bytes:
    """The open findings as deviation-register CSV bytes (UTF-8 with BOM, ``;``, CRLF).

    ``ruleset`` gives the titles (empty without it), ``units`` the ``enhet`` column (empty
    without it), ``columns`` the vendor's layout from :func:`load_avvik_columns`
    (default: every column under its own name).
    """
    layout = tuple(columns) if columns is not None else tuple((c, c) for c in AVVIK_COLUMNS)
    for ours, _ in layout:
        if ours not in AVVIK_COLUMNS:
            raise KeRulesError(f"unknown avvik column '{ours}'.{did_you_mean(ours, AVVIK_COLUMNS)}")
    lang = report.lang
    as_of = dt.date.fromisoformat(report.as_of)
    due = {sev: (as_of + dt.timedelta(days=days)).isoformat() for sev, days in deadlines(report.ruleset.params).items()}
    titles: dict[str, str] = {}
    bases: dict[int, str] = {}
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(escape_controls(theirs)) for _, theirs in layout])
    for f in report.findings:
        if f.status != "open":
            continue
        if f.rule_id not in titles:
            titles[f.rule_id] = rule_title(ruleset, f.rule_id, lang)
        key = id(f.basis)
        if key not in bases:
            bases[key] = basis_text(f.basis)
        unit = units.of(str(f.subject_type), f.subject_id, f.case_id) if units is not None else None
        cells = {
            "avvik_id": avvik_id(f.rule_id, f.subject_id),
            "tittel": titles[f.rule_id],
            "beskrivelse": f.message,
            "kategori": f.rule_id,
            "alvorlighetsgrad": f.severity,
            "grunnlag": bases[key],
            "enhet": unit or "",
            "registrert": report.as_of,
            "frist": due[f.severity],
            "status": f.status,
        }
        row = [cells[ours] for ours, _ in layout]
        if has_controls("".join(row), keep="\n"):  # as the csv report: shown escaped, a line break kept
            row = [escape_controls(v, keep="\n") for v in row]
        writer.writerow([neutralise(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")
