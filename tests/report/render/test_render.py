"""Every rendering of the demo report carries every finding of the JSON, in bokmål or English."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections import Counter
from importlib import resources

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from ke_rules.report.models import CoordinatorLoad, Measure
from ke_rules.report.render import FORMATS, render, xlsx_render
from ke_rules.report.render.avvik_render import avvik_id
from ke_rules.report.render.labels import TEXT

from .conftest import csv_pairs, csv_rows, html_finding_rows, html_pairs, json_pairs, md_cells, md_pairs, xlsx_pairs

SHEETS = {"nb": ["Sammendrag", "Funn", "Inndataproblemer", "Regler", "Per enhet"],
          "en": ["Summary", "Findings", "Input problems", "Rules", "By unit"]}


def test_labels_have_the_same_keys_in_both_languages():
    assert TEXT["nb"].keys() == TEXT["en"].keys()
    assert all(TEXT["nb"].values()) and all(TEXT["en"].values())


def test_json_is_the_contract(demo_nb):
    assert render(demo_nb, "json") == demo_nb.to_json().encode("utf-8")


def test_unknown_format_is_refused(demo_nb):
    with pytest.raises(ValueError, match="json, csv, xlsx, html, md, pdf, avvik"):
        render(demo_nb, "docx")


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("with_ruleset", [True, False])
def test_every_format_carries_every_finding(request, ruleset, lang, with_ruleset):
    report = request.getfixturevalue(f"demo_{lang}")
    rs = ruleset if with_ruleset else None
    expected = json_pairs(report)
    assert len(expected) == len(report.findings) == 39
    ids = {(f.rule_id, avvik_id(f.rule_id, f.subject_id)): (f.rule_id, f.subject_id) for f in report.findings}
    got = {
        "json": [(f["rule_id"], f["subject_id"]) for f in json.loads(render(report, "json"))["findings"]],
        "csv": csv_pairs(render(report, "csv", ruleset=rs)),
        "xlsx": xlsx_pairs(render(report, "xlsx", ruleset=rs), SHEETS[lang][1]),
        "md": md_pairs(render(report, "md", ruleset=rs).decode("utf-8")),
        "html": html_pairs(render(report, "html", ruleset=rs).decode("utf-8")),
        # avvik: open findings only (all of the demo's), keyed by avvik_id = sha256("rule_id|subject_id")[:16]
        "avvik": [ids[(r[3], r[0])] for r in csv_rows(render(report, "avvik", ruleset=rs), ";")[1:]],
    }
    assert set(got) | {"pdf"} == set(FORMATS)  # pdf needs a browser: tests/report/render/test_pdf.py
    for fmt, pairs in got.items():
        assert len(pairs) == len(report.findings), fmt
        assert set(pairs) == expected, fmt


def test_xlsx_reads_back_with_calamine(demo_nb, ruleset):
    wb = CalamineWorkbook.from_filelike(io.BytesIO(render(demo_nb, "xlsx", ruleset=ruleset)))
    assert wb.sheet_names == SHEETS["nb"]
    rows = wb.get_sheet_by_name("Funn").to_python()
    assert {(r[1], r[4]) for r in rows[1:]} == json_pairs(demo_nb)
    summary = wb.get_sheet_by_name("Sammendrag").to_python()
    assert ["Vurderingsdato", dt.date(2026, 11, 23)] == summary[2][:2]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "html", "md"])
def test_nb_and_en_differ(demo_nb, demo_en, ruleset, fmt):
    nb, en = render(demo_nb, fmt, ruleset=ruleset), render(demo_en, fmt, ruleset=ruleset)
    assert nb != en
    if fmt == "xlsx":
        assert openpyxl.load_workbook(io.BytesIO(nb)).sheetnames == SHEETS["nb"]
        assert openpyxl.load_workbook(io.BytesIO(en)).sheetnames == SHEETS["en"]
        return
    nb_text, en_text = nb.decode("utf-8-sig"), en.decode("utf-8-sig")
    assert "Alvorlighetsgrad" in nb_text and "Severity" not in nb_text
    assert "Severity" in en_text and "Alvorlighetsgrad" not in en_text
    if fmt != "csv":
        assert "Barn som pårørende kartlagt" in nb_text and "Children as relatives mapped" in en_text


def test_html_declares_its_language(demo_nb, demo_en):
    assert render(demo_nb, "html").startswith(b'<!DOCTYPE html>\n<html lang="nb">')
    assert render(demo_en, "html").startswith(b'<!DOCTYPE html>\n<html lang="en">')


def test_renderings_are_deterministic(demo_nb, ruleset):
    for fmt in ("json", "csv", "xlsx", "html", "md"):
        assert render(demo_nb, fmt, ruleset=ruleset) == render(demo_nb, fmt, ruleset=ruleset), fmt


# --- CSV


def test_csv_shape(demo_nb):
    data = render(demo_nb, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    body = data[3:]
    assert body.count(b"\r\n") == len(demo_nb.findings) + 1 + sum(f.message.count("\n") for f in demo_nb.findings)
    assert b"\n" not in body.replace(b"\r\n", b"")
    rows = csv_rows(data)
    assert rows[0] == ["Alvorlighetsgrad", "Regel", "Gjelder (type)", "Gjelder (id)", "Sak", "Beskrivelse",
                       "Grunnlag", "Lenke til grunnlag", "Status", "Vurderte data", "Begrunnelse for unntak",
                       "Unntak besluttet av", "Unntak gyldig til"]
    for row, f in zip(rows[1:], demo_nb.findings, strict=True):
        assert len(row) == 13 and row[10:] == ["", "", ""]  # open findings: no waiver
        assert json.loads(row[9]) == f.evidence
        assert row[6] == "; ".join(b.citation for b in f.basis)
        assert row[7] == next((b.url for b in f.basis if b.url), "")
        assert row[4] == (f.case_id or "")


def test_csv_semicolon_for_norwegian_excel(demo_nb):
    data = render(demo_nb, "csv", delimiter=";")
    assert csv_pairs(data, ";") == [(f.rule_id, f.subject_id) for f in demo_nb.findings]
    assert data.splitlines()[0].count(b";") == 12


@pytest.mark.parametrize("bad", ["", ";;", '"', "\n"])
def test_csv_refuses_a_bad_delimiter(demo_nb, bad):
    with pytest.raises(ValueError):
        render(demo_nb, "csv", delimiter=bad)


# --- XLSX


def test_xlsx_structure(demo_nb, ruleset):
    wb = openpyxl.load_workbook(io.BytesIO(render(demo_nb, "xlsx", ruleset=ruleset)))
    n = len(demo_nb.findings)
    ws = wb["Funn"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:O{n + 1}"  # the hidden evidence JSON too: a sort keeps rows whole
    assert [c.value for c in ws[1]][:3] == ["Alvorlighetsgrad", "Regel", "Regeltittel"]
    assert all(c.font.bold for c in ws[1])
    # the first basis URL is a working hyperlink with the Hyperlink style
    link = ws["I2"]
    assert link.hyperlink is not None and link.hyperlink.target.startswith("https://lovdata.no/")
    assert "%C2%A7" in link.hyperlink.target and link.value == demo_nb.findings[0].basis[0].url
    assert link.style == "Hyperlink"
    assert ws["G2"].alignment.wrap_text
    # severity fills: high red-ish, medium orange, low light
    fills = {c.value: c.fill.fgColor.rgb[-6:] for c in ws["A"][1:]}  # ARGB; the alpha byte is not shown
    assert fills == {"Høy": "F4B6B0", "Middels": "FCD9A0", "Lav": "E3EEF9"}
    assert ws.column_dimensions["G"].width <= 81  # 80 characters, stored with Excel's cell padding (80.71)
    # titles come from the ruleset
    assert ws["C2"].value == "Barnekoordinator"

    summary = wb["Sammendrag"]
    as_of = summary["B3"]
    assert summary["A3"].value == "Vurderingsdato"
    assert as_of.is_date and as_of.value.date() == dt.date(2026, 11, 23)
    values = {r[0]: r[1] for r in summary.iter_rows(values_only=True) if r[0]}
    assert values["max_cases_per_coordinator"] == 5
    assert values["Regelsett"] == "lund" and values["Bygger på"] == "nasjonal"
    assert values["Regelsettets SHA-256"] == demo_nb.ruleset.sha256
    for key in demo_nb.ruleset.params:
        assert key in values
    for sev, label in (("high", "Høy"), ("medium", "Middels"), ("low", "Lav")):
        assert values[label] == demo_nb.summary.by_severity[sev]

    rules = wb["Regler"]
    assert rules.freeze_panes == "A2" and rules.auto_filter.ref == f"A1:I{len(demo_nb.measures) + 1}"
    rates = {r[0].value: r[6] for r in rules.iter_rows(min_row=2)}
    for m in demo_nb.measures:
        assert rates[m.rule_id].value == m.rate
        if m.rate is not None:  # a rule that examined no subject has no rate: the cell stays empty
            assert rates[m.rule_id].number_format == "0.0%"

    problems = wb["Inndataproblemer"]
    assert problems.freeze_panes == "A2"
    rows = list(problems.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2]) for r in rows] == [(p.table, p.row, p.column) for p in demo_nb.input_problems]


def test_xlsx_is_byte_identical_whenever_it_is_made(demo_nb, ruleset):
    first = render(demo_nb, "xlsx", ruleset=ruleset)
    assert render(demo_nb, "xlsx", ruleset=ruleset) == first
    # the clock is not in the file: created and modified are the evaluation date at midnight, and every
    # zip entry carries the same fixed date
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        core = z.read("docProps/core.xml").decode("utf-8")
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    for tag in ("created", "modified"):
        assert f'<dcterms:{tag} xsi:type="dcterms:W3CDTF">2026-11-23T00:00:00Z</dcterms:{tag}>' in core


def test_xlsx_evidence_is_readable_text_and_json_is_kept_hidden(demo_nb, demo_en, ruleset):
    for report, first in ((demo_nb, "Mindreårige barn og søsken registrert som pårørende: 2"),
                          (demo_en, "Minor children and siblings on file as relatives: 2")):
        ws = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx", ruleset=ruleset)))[SHEETS[report.lang][1]]
        assert ws["K1"].value == ("Vurderte data" if report.lang == "nb" else "Evidence")
        assert ws["O1"].value.endswith("(JSON)")
        assert ws.column_dimensions["O"].hidden and not ws.column_dimensions["K"].hidden
        at, f0 = next((i, f) for i, f in enumerate(report.findings, start=2) if f.rule_id == "KE-CHILD-RELATIVE")
        assert f0.evidence["minor_children_siblings"] == 2
        assert ws[f"K{at}"].value.startswith(first)
        for row, f in enumerate(report.findings, start=2):
            assert json.loads(ws.cell(row, 15).value) == f.evidence  # the machine-readable data, intact
            text = ws.cell(row, 11).value
            assert "{" not in text and " · " in text or len(f.evidence) == 1
        assert ws["K2"].alignment.wrap_text


@pytest.mark.parametrize(("evidence", "subject", "lang", "expected"), [
    ({"active_cases": 7, "limit": 5, "case_ids": ["S-1", "S-2"]}, "coordinator", "nb",
     "Saker koordinatoren har på vurderingsdatoen: 7 · Avtalt maksimum, ellers standardgrensen: 5"
     " · Sakene som telles: S-1, S-2"),
    ({"active_cases": 7, "limit": 5}, "coordinator", "en",
     "Cases the coordinator carries at the evaluation date: 7 · Agreed maximum, else the default limit: 5"),
    ({"meeting_date": "2026-12-03", "invitation_sent_on": None, "invitation_complete": False}, "meeting", "nb",
     "Møtedato: 03.12.2026 · Innkalling sendt dato: – · Innkallingen har hvem, deltakere, tid/sted og saksliste: nei"),
    ({"meeting_date": "2026-12-03", "uncatalogued": []}, "meeting", "en", "Meeting date: 2026-12-03 · uncatalogued: none"),
    ({"task": "x\x1by"}, "routine", "nb", "KE-oppgaven (veilederen 12.3) rutinen gjelder: x\\x1by"),
])
def test_evidence_text(evidence, subject, lang, expected):
    from ke_rules.report.render.common import evidence_text

    assert evidence_text(evidence, subject, lang) == expected


def test_xlsx_print_setup(demo_nb, ruleset):
    data = render(demo_nb, "xlsx", ruleset=ruleset)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for name in SHEETS["nb"][1:]:
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
        assert ws.print_title_rows.replace("$", "") == "1:1"  # the header row repeats on every printed page
        assert ws.freeze_panes == "A2"
        widths = [ws.column_dimensions[c].width for c in map(get_column_letter, range(1, ws.max_column + 1))
                  if not ws.column_dimensions[c].hidden]
        if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
            assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight in (0, "0")
        else:  # too wide to fit one page wide and stay readable: a fixed, readable scale
            assert int(ws.page_setup.scale) >= 65
            assert sum(widths) * 0.65 > 150
    findings = wb[SHEETS["nb"][1]]
    assert findings.page_setup.scale is not None and int(findings.page_setup.scale) == 65
    problems = wb[SHEETS["nb"][2]]  # narrow enough: one page wide, as many long as needed
    assert problems.sheet_properties.pageSetUpPr.fitToPage and problems.page_setup.fitToHeight in (0, "0")


def test_xlsx_row_height_fits_wrapped_text(demo_nb, ruleset):
    ws = openpyxl.load_workbook(io.BytesIO(render(demo_nb, "xlsx", ruleset=ruleset)))["Funn"]
    width = ws.column_dimensions["K"].width
    for row in range(2, len(demo_nb.findings) + 2):
        evidence = ws.cell(row, 11).value
        if len(evidence) > width:  # wraps, so the row is taller than one line
            assert ws.row_dimensions[row].height >= 2 * 15, (row, evidence)


def test_xlsx_links_stop_at_excels_limit_and_the_rest_is_text(demo_nb, ruleset, monkeypatch):
    monkeypatch.setattr(xlsx_render, "MAX_LINKS_PER_SHEET", 5)
    wb = openpyxl.load_workbook(io.BytesIO(render(demo_nb, "xlsx", ruleset=ruleset)))
    cells = [c for c in wb["Funn"]["I"][1:] if c.value]
    assert len(cells) > 5
    assert all(c.hyperlink is not None and c.style == "Hyperlink" for c in cells[:5])
    assert all(c.hyperlink is None and c.value.startswith("https://lovdata.no/") for c in cells[5:])
    assert [c.value for c in cells] == [next(b.url for b in f.basis if b.url) for f in demo_nb.findings
                                        if any(b.url for b in f.basis)]
    assert wb["Regler"]["I2"].hyperlink is not None  # the limit is per sheet


def test_xlsx_streamed_large_workbook_has_the_same_cells(demo_nb, ruleset, monkeypatch):
    """Past IN_MEMORY_MAX_FINDINGS rows stream to a temporary file; what a reader sees does not change."""
    in_memory = render(demo_nb, "xlsx", ruleset=ruleset)
    monkeypatch.setattr(xlsx_render, "IN_MEMORY_MAX_FINDINGS", 0)
    streamed = render(demo_nb, "xlsx", ruleset=ruleset)
    assert streamed != in_memory and streamed == render(demo_nb, "xlsx", ruleset=ruleset)

    def cells(data):
        wb = openpyxl.load_workbook(io.BytesIO(data))
        return {ws.title: [[(c.value, c.number_format, c.hyperlink.target if c.hyperlink else None) for c in row]
                           for row in ws.iter_rows()] for ws in wb.worksheets}

    assert cells(streamed) == cells(in_memory)
    wb = CalamineWorkbook.from_filelike(io.BytesIO(streamed))
    assert {(r[1], r[4]) for r in wb.get_sheet_by_name("Funn").to_python()[1:]} == json_pairs(demo_nb)


def test_xlsx_without_ruleset_leaves_titles_empty_and_null_rate_empty(demo_nb):
    report = demo_nb.model_copy(update={"measures": [
        *demo_nb.measures, Measure(rule_id="KE-EMPTY", population=0, findings=0, compliant=0, rate=None)]})
    wb = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")))
    assert all(r[2] is None for r in wb["Funn"].iter_rows(min_row=2, values_only=True))
    rules = {r[0]: r for r in wb["Regler"].iter_rows(min_row=2, values_only=True)}
    assert rules["KE-EMPTY"][6] is None and rules["KE-EMPTY"][3] == 0
    assert rules["KE-CONSENT"][6] == pytest.approx(0.85)
    # without a ruleset the basis is taken from the findings
    assert rules["KE-CONSENT"][7].startswith("Pasient- og brukerrettighetsloven")


def test_xlsx_english(demo_en, ruleset):
    wb = openpyxl.load_workbook(io.BytesIO(render(demo_en, "xlsx", ruleset=ruleset)))
    ws = wb["Findings"]
    assert [c.value for c in ws[1]] == ["Severity", "Rule", "Rule title", "Subject type", "Subject id", "Case",
                                        "Message", "Basis", "Basis link", "Status", "Evidence",
                                        "Waiver reason", "Waiver decided by", "Waiver expires on", "Evidence (JSON)"]
    assert ws["C2"].value == "Child coordinator"
    assert wb["Summary"]["B3"].number_format == "yyyy-mm-dd"


# --- HTML


def test_html_content(demo_nb, ruleset):
    html = render(demo_nb, "html", ruleset=ruleset).decode("utf-8")
    assert html.count("<svg") == 2  # compliance and coordinator load
    assert html.count('class="rule-bar"') == len(demo_nb.measures)
    assert html.count('class="coord-bar"') == len(demo_nb.coordinator_load) == 10
    assert "<script" not in html.lower()
    assert "@media print" in html and "break-before: page" in html
    assert 'href="https://lovdata.no/' in html
    # nothing is loaded from elsewhere: the only http(s) URLs are the basis links
    for attr in ("src=", "url(", "@import", "<link rel=\"stylesheet"):
        assert attr not in html
    rows = html_finding_rows(html)
    assert len(rows) == len(demo_nb.findings)
    messages = {cells[3] for _, cells in rows}
    assert messages == {f.message for f in demo_nb.findings}
    assert "Barn som pårørende kartlagt" in html and "23.11.2026" in html


def test_html_load_chart_becomes_a_histogram_for_many_coordinators(demo_en):
    loads = [CoordinatorLoad(coordinator_id=f"K-{i}", active_cases=i % 9, limit=5) for i in range(25_000)]
    html = render(demo_en.model_copy(update={"coordinator_load": loads}), "html").decode("utf-8")
    assert 'class="coord-bar"' not in html
    assert 0 < html.count('class="hist-bar"') <= 50
    assert 'class="limit"' in html and "Limit 5" in html
    over = sum(1 for c in loads if c.active_cases > 5)
    assert f"25,000 coordinators, {over:,} above their limit." in html
    assert len(html) < 200_000  # stays readable: one bar per count, not per coordinator


def test_html_without_coordinators_or_findings(demo_nb):
    empty = demo_nb.model_copy(update={"coordinator_load": [], "findings": [], "input_problems": []})
    html = render(empty, "html").decode("utf-8")
    assert "Ingen koordinatorer i inndata." in html and "Ingen funn." in html and "Ingen inndataproblemer." in html


# --- Markdown


def test_md_tables_are_well_formed(demo_nb, ruleset):
    text = render(demo_nb, "md", ruleset=ruleset).decode("utf-8")
    assert text.startswith("# Funnrapport – koordinerende enhet\n")
    width = None
    for line in text.splitlines():
        if line.startswith("|"):
            n = len(md_cells(line))
            width = n if width is None else width
            assert n == width, line
        else:
            width = None
    assert "## Samsvar per regel" in text and "## Inndataproblemer" in text
    assert "[Helsepersonelloven § 10 a](https://lovdata.no/lov/1999-07-02-64/%C2%A710a)" in text
    for m in demo_nb.measures:
        assert f"| {m.rule_id} |" in text
    assert Counter(r for r, _ in md_pairs(text)) == Counter(f.rule_id for f in demo_nb.findings)


# --- packaging


def test_template_is_package_data():
    template = resources.files("ke_rules.report.render") / "templates" / "report.html.j2"
    assert template.is_file()


def test_html_template_autoescapes():
    from ke_rules.report.render.html_render import _template

    env = _template().environment
    assert env.autoescape("report.html.j2") is True
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
