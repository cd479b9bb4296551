"""An empty input workbook a KE can fill in: ``ke-rules template OUT.xlsx``.

Everything is generated from the input contract in ``schema.py`` and the words in
``vocabulary.py``, so the template cannot drift from what the loader accepts: one
sheet per table (canonical sheet and column names), drop-down lists with the canonical
values, date and text formats that stop Excel from mangling dates and ids (``0301``),
and a first sheet (``LES_MEG``, or ``README`` in English) that explains every column.
The loader skips the explanation sheet and the hidden list sheet silently, so a template
with cases filled in checks clean: no findings, no input problems (an untouched one has
no case rows and is refused, since an empty case list is not a clean result).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ke_rules.ingest.schema import TABLES, Column, Table
from ke_rules.ingest.vocabulary import ENUM_SYNONYMS, KE_TASK_LABELS, normalise_name
from ke_rules.runtime.atomic import atomic_path

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "write_template",
    "allowed_values",
    "HELP_SHEET",
    "LISTS_SHEET",
    "WAIVERS_SHEET",
    "TEMPLATE_ROWS",
    "EN_TABLE_TEXT",
    "EN_COLUMN_TEXT",
    "TABLE_NOTES",
]

Lang = Literal["nb", "en"]

HELP_SHEET: dict[str, str] = {"nb": "LES_MEG", "en": "README"}
"""The explanation sheet's name per language; ``read.py`` skips both silently."""

LISTS_SHEET = "LISTER"
"""Hidden sheet holding drop-down lists too long for an inline list formula."""

TEMPLATE_ROWS = 5000
"""Data rows (2..TEMPLATE_ROWS) that get drop-down lists and date checks."""

INLINE_LIST_LIMIT = 255
"""Excel refuses inline list formulas longer than this; longer lists go to LISTS_SHEET."""

# date checks accept 1900-01-01 .. 2100-12-31, written as Excel serials (read alike by Excel and LibreOffice)
_DATE_MIN, _DATE_MAX = "1", "73415"

BOOL_CHOICES: dict[str, tuple[str, str]] = {"nb": ("ja", "nei"), "en": ("yes", "no")}

# English texts for the README sheet. The bokmål texts live in schema.py (Table.nb, Column.nb);
# these follow input-contract.md. A test checks that every table and column has one.
EN_TABLE_TEXT: dict[str, str] = {
    "cases": "One row per service recipient the KE follows",
    "services": "Services the recipient receives",
    "coordinators": "Coordinators",
    "assignments": "Coordinator appointed to a case",
    "groups": "Responsibility groups (ansvarsgrupper)",
    "meetings": "Meetings (responsibility-group meetings, cross-service meetings and others)",
    "consents": "Consents",
    "relatives": "Relatives (pårørende)",
    "referrals": "Notices of need sent to the KE",
    "ke_meetings": "The KE's own meetings (system level)",
    "ip_reviews": "The KE's review of a sample of individual plans (the guideline's checklist, 13.6)",
    "ke_routines": "The KE's own routines (system level)",
}

EN_COLUMN_TEXT: dict[tuple[str, str], str] = {
    ("cases", "case_id"): "Case id (unique)",
    ("cases", "municipality"): "Municipality number (4 digits)",
    ("cases", "birth_date"): "The recipient's birth date; decides child or adult at the evaluation date",
    ("cases", "opened_on"): "Case opened at the KE",
    ("cases", "closed_on"): "Case closed (planning work ended)",
    ("cases", "wants_coordinator"): "The recipient wants a coordinator",
    ("cases", "long_term_need"): "Documented need for long-term, coordinated services",
    ("cases", "ip_started_on"): "Individual plan (IP) started",
    ("cases", "ip_ended_on"): "Individual plan ended",
    ("cases", "ip_last_evaluated_on"): "Last evaluation of the IP",
    ("cases", "relatives_mapped_on"): "The coordinator mapped children as relatives / siblings",
    ("cases", "child_coordinator_eligible"): (
        "The family has or expects a child with serious illness, injury or disability needing "
        "long-term coordinated services (right to a child coordinator)"),
    ("cases", "unit"): "The service unit (enhet, district) that answers for the case",
    ("services", "case_id"): "Case id",
    ("services", "service"): "Name of the service, e.g. hjemmesykepleie, fysioterapi, avlastning, BUP",
    ("services", "category"): (
        "Category; when empty it is inferred from the service name (an unknown name counts as 'annet')"),
    ("services", "provider"): "Who provides the service",
    ("services", "start_date"): "Service started",
    ("services", "end_date"): "Service ended",
    ("coordinators", "coordinator_id"): "Coordinator id (unique)",
    ("coordinators", "name"): "Name",
    ("coordinators", "unit"): "Service unit",
    ("coordinators", "trained_on"): "Coordinator training completed",
    ("coordinators", "agreed_max_cases"): (
        "A case limit the coordinator has agreed to; it replaces the ruleset's default"),
    ("assignments", "case_id"): "Case id",
    ("assignments", "coordinator_id"): "Coordinator id; must exist in coordinators",
    ("assignments", "role"): "koordinator or barnekoordinator (child coordinator)",
    ("assignments", "start_date"): "Appointed from",
    ("assignments", "end_date"): "Appointed until",
    ("groups", "group_id"): "Responsibility group id (unique)",
    ("groups", "case_id"): "Case id",
    ("groups", "established_on"): "Group established",
    ("groups", "dissolved_on"): "Group dissolved",
    ("meetings", "meeting_id"): "Meeting id (unique)",
    ("meetings", "case_id"): "Case id",
    ("meetings", "kind"): "Kind of meeting",
    ("meetings", "meeting_date"): "Meeting date",
    ("meetings", "status"): "held, planned or cancelled; empty = held if the date has passed, else planned",
    ("meetings", "invitation_sent_on"): "Invitation (innkalling) sent",
    ("meetings", "invitation_has_subject"): "The invitation says whom the meeting concerns",
    ("meetings", "invitation_has_participants"): "The invitation names the participants (title, name, address)",
    ("meetings", "invitation_has_time_place"): "The invitation gives time and place",
    ("meetings", "invitation_has_agenda"): "The invitation has an agenda (saksliste)",
    ("meetings", "minutes_sent_on"): "Minutes (referat) sent",
    ("meetings", "next_meeting_on"): "Next meeting, agreed before parting",
    ("consents", "case_id"): "Case id",
    ("consents", "scope"): "What the consent covers; 'alle' covers every scope",
    ("consents", "given_on"): "Consent given",
    ("consents", "withdrawn_on"): "Consent withdrawn (no longer valid from that day)",
    ("consents", "form"): "Written (skriftlig) or oral (muntlig)",
    ("relatives", "case_id"): "Case id",
    ("relatives", "relation"): "Relation to the recipient",
    ("relatives", "birth_date"): "Birth date (decides whether the relative is a minor)",
    ("referrals", "case_id"): "Case id",
    ("referrals", "received_on"): "Notice received by the KE",
    ("referrals", "source"): "Who sent the notice",
    ("ke_meetings", "meeting_date"): "Meeting date",
    ("ip_reviews", "case_id"): "Case id",
    ("ip_reviews", "reviewed_on"): "Plan reviewed",
    ("ip_reviews", "reviewer"): "Who reviewed the plan",
    ("ip_reviews", "goals"): "The user's goals, resources and needs",
    ("ip_reviews", "participants"): "Who takes part in the plan work",
    ("ip_reviews", "coordinator"): "Who the coordinator is",
    ("ip_reviews", "contributions"): "What the user, providers and relatives contribute",
    ("ip_reviews", "measures"): "Measures, their scope and who answers for each",
    ("ip_reviews", "implementation"): "How the measures are carried out",
    ("ip_reviews", "period"): "The plan period and when the plan is revised",
    ("ip_reviews", "consent"): "Consent to the plan and to sharing information",
    ("ip_reviews", "cooperation"): "Cooperation with other providers",
    ("ke_routines", "task"): "The KE task (guideline 12.3) the routine serves",
    ("ke_routines", "title"): "The routine document's title",
    ("ke_routines", "owner"): "Who answers for the routine",
    ("ke_routines", "last_revised_on"): "Last revised",
    ("ke_routines", "in_quality_system"): "Filed in the municipality's quality system (e.g. Compilo)",
}

# A note under a table's columns on the help sheet, where filling the sheet needs more than the
# column texts: what one row is, and how empty cells count.
TABLE_NOTES: dict[str, dict[str, str]] = {
    "nb": {
        "ip_reviews": (
            "Én rad per plan KE har gjennomgått mot sjekklisten i veilederen (13.6). Skriv ja når planen "
            "har punktet, nei når den mangler det; et tomt punkt regnes som manglende. Bare gjennomganger "
            "fra og med datoen planen startet (ip_started_on i cases) teller, og den siste gjennomgangen av "
            "planen gjelder."),
        "ke_routines": (
            "Én rad per rutinedokument. «task» er KE-oppgaven rutinen gjelder; overskriften i veilederen "
            "godtas også. Har en oppgave flere rader, gjelder den sist reviderte. Tom dato for siste "
            "revisjon regnes som ikke revidert, og in_quality_system (i kvalitetssystemet) må være ja. "
            "Står arket tomt, vurderes ikke rutinene."),
    },
    "en": {
        "ip_reviews": (
            "One row per plan the KE reviewed against the guideline's checklist (13.6). Write yes when the "
            "plan holds the item, no when it lacks it; an empty item counts as missing. Only reviews made "
            "on or after the day the plan started (ip_started_on in cases) count, and the plan's latest "
            "review applies."),
        "ke_routines": (
            "One row per routine document. 'task' is the KE task the routine serves; the guideline's "
            "heading is accepted too. When a task has several rows, the latest revised applies. An empty "
            "last revision counts as not revised, and in_quality_system must be yes. When the sheet is "
            "empty, the routines are not assessed."),
    },
}

_KIND_TEXT: dict[str, dict[str, str]] = {
    "nb": {"id": "id (tekst)", "text": "tekst", "date": "dato", "bool": "ja/nei", "int": "heltall",
           "enum": "valgliste"},
    "en": {"id": "id (text)", "text": "text", "date": "date", "bool": "yes/no", "int": "whole number",
           "enum": "choice"},
}

_TEXT: dict[str, dict[str, str]] = {
    "nb": {
        "title": "ke-rules — mal for saksuttrekk fra koordinerende enhet (KE)",
        "yes": "ja", "no": "nei",
        "required_sheet": "påkrevd ark", "optional_sheet": "valgfritt ark",
        "head": "Kolonne|Påkrevd|Type|Tillatte verdier|Betydning|Også godtatt som kolonnenavn",
        "unique": "unik i tabellen",
        "date": "Excel-dato, DD.MM.ÅÅÅÅ (1.3.2025) eller ÅÅÅÅ-MM-DD; ikke tosifret år eller 03/01/2025",
        "bool": "ja / nei (også j/n, x = ja, true/false, 1/0); tom = ukjent",
        "int": "helt tall, 0 eller mer",
        "id": "all tekst; tall leses som tekst (007 forblir 007)",
        "text": "fritekst",
        "also": "også godtatt: {}",
        "empty_is": "tom = {}",
        "case_ref": "må finnes i cases",
        "coord_ref": "må finnes i coordinators",
        "task_also": "Også godtatt: overskriften fra veilederen (store/små bokstaver og æ/ø/å spiller ingen "
                     "rolle) og kortformene {}",
        "choose": "Velg fra listen",
        "choose_msg": "Velg en verdi fra listen. Synonymer i LES_MEG godtas også av ke-rules.",
        "date_title": "Dato",
        "date_msg": "Skriv datoen som DD.MM.ÅÅÅÅ (f.eks. 01.03.2025).",
        "int_title": "Heltall",
        "int_msg": "Skriv et helt tall, 0 eller mer.",
    },
    "en": {
        "title": "ke-rules — template for a case snapshot from a coordinating unit (KE)",
        "yes": "yes", "no": "no",
        "required_sheet": "required sheet", "optional_sheet": "optional sheet",
        "head": "Column|Required|Kind|Allowed values|Meaning|Also accepted as column name",
        "unique": "unique in the table",
        "date": "Excel date, DD.MM.YYYY (1.3.2025) or YYYY-MM-DD; not two-digit years or 03/01/2025",
        "bool": "yes / no (also ja/nei, j/n, x = yes, true/false, 1/0); empty = unknown",
        "int": "whole number, 0 or more",
        "id": "any text; numbers are read as text (007 stays 007)",
        "text": "free text",
        "also": "also accepted: {}",
        "empty_is": "empty = {}",
        "case_ref": "must exist in cases",
        "coord_ref": "must exist in coordinators",
        "task_also": "Also accepted: the guideline's bokmål heading (case and æ/ø/å do not matter) and the "
                     "short forms {}",
        "choose": "Choose from the list",
        "choose_msg": "Choose a value from the list. The synonyms in README are accepted by ke-rules too.",
        "date_title": "Date",
        "date_msg": "Write the date as DD.MM.YYYY (e.g. 01.03.2025).",
        "int_title": "Whole number",
        "int_msg": "Write a whole number, 0 or more.",
    },
}

_INTRO: dict[str, list[str]] = {
    "nb": [
        "Fyll inn ett ark per tabell. Rad 1 er kolonnenavnene: ikke endre dem (bokmålsnavnene i siste "
        "kolonne nedenfor godtas også).",
        "Oransje overskrift = påkrevd kolonne, blå = valgfri kolonne.",
        "Bare arket «cases» (saker) er påkrevd; de andre arkene kan stå tomme eller slettes. "
        "Tomme rader hoppes over.",
        "Datoer skrives som DD.MM.ÅÅÅÅ (01.03.2025) eller ÅÅÅÅ-MM-DD; ja/nei-kolonner tar ja eller nei; "
        "tomme celler betyr «ukjent» eller «ikke registrert».",
        "Valglistene viser de kanoniske verdiene; synonymene under «Tillatte verdier» godtas også. "
        "Store/små bokstaver og æ/ø/å spiller ingen rolle (søster = soster).",
        "Sjekk uttrekket med: ke-rules check uttrekk.xlsx --ruleset nasjonal --as-of ÅÅÅÅ-MM-DD",
        "Dette arket (LES_MEG) leses ikke av ke-rules. Rader med feil settes til side og vises i rapporten "
        "med ark, rad, kolonne og verdi.",
        "Uttrekket inneholder personopplysninger: lagre og del det bare slik kommunens rutiner tillater.",
    ],
    "en": [
        "Fill in one sheet per table. Row 1 holds the column names: do not change them (the bokmål "
        "names in the last column below are accepted too).",
        "Orange header = required column, blue = optional column.",
        "Only the sheet 'cases' is required; the other sheets may stay empty or be deleted. "
        "Empty rows are skipped.",
        "Write dates as DD.MM.YYYY (01.03.2025) or YYYY-MM-DD; yes/no columns take yes or no (or ja/nei); "
        "an empty cell means 'unknown' or 'not on record'.",
        "The drop-down lists show the canonical values; the synonyms under 'Allowed values' are accepted "
        "too. Case and æ/ø/å do not matter (søster = soster).",
        "Check the snapshot with: ke-rules check snapshot.xlsx --ruleset nasjonal --as-of YYYY-MM-DD --lang en",
        "This sheet (README) is not read by ke-rules. Rows with errors are set aside and listed in the "
        "report with sheet, row, column and value.",
        "The snapshot holds personal data: store and share it only as the municipality's routines allow.",
    ],
}


def allowed_values(column: Column, lang: str = "nb") -> list[str] | None:
    """The drop-down values of a column: canonical enumeration values or yes/no; None for free columns."""
    if column.kind == "bool":
        return list(BOOL_CHOICES[lang])
    if column.kind == "enum" and column.enum:
        return list(dict.fromkeys(ENUM_SYNONYMS[column.enum].values()))
    return None


def _synonyms(enum: str) -> list[str]:
    return [word for word, value in ENUM_SYNONYMS[enum].items() if word != value]


def _task_text(lang: str) -> str:
    """The KE tasks, one a line: the key, the guideline's heading, and the short forms accepted too.

    The folded synonyms (``opplaering_og_veiledning_av_koordinatorer``) are lookup keys, not text a
    user would write; the heading as the guideline spells it is, and it is read as the same word."""
    t = _TEXT[lang]
    headings = {normalise_name(nb) for nb, _ in KE_TASK_LABELS.values()}
    lines = [f"{key} — {KE_TASK_LABELS[key][0 if lang == 'nb' else 1]}" for key in KE_TASK_LABELS]
    short = [w.replace("_", " ") for w in _synonyms("ke_task") if w not in headings]
    lines.append(t["task_also"].format(", ".join(short)))
    return "\n".join(lines)


def _allowed_text(table: Table, column: Column, lang: str) -> str:
    """What the LES_MEG sheet says a column accepts."""
    t = _TEXT[lang]
    if column.enum == "ke_task":
        return _task_text(lang)
    if column.kind == "enum" and column.enum:
        parts = [", ".join(allowed_values(column, lang) or [])]
        if syn := _synonyms(column.enum):
            parts.append(t["also"].format(", ".join(syn)))
        if column.default:
            parts.append(t["empty_is"].format(column.default))
        return "; ".join(parts)
    text = t[column.kind]
    extra = []
    if table.unique == column.name:
        extra.append(t["unique"])
    if column.name == "case_id" and table.name != "cases":
        extra.append(t["case_ref"])
    if column.name == "coordinator_id" and table.name == "assignments":
        extra.append(t["coord_ref"])
    return "; ".join([text, *extra])


def _meaning(table: Table, column: Column, lang: str) -> str:
    if lang == "en":
        return EN_COLUMN_TEXT.get((table.name, column.name), "")
    return column.nb


def write_template(path: str | Path, lang: str = "nb") -> Path:
    """Write the empty input workbook to ``path`` (.xlsx) and return the path.

    ``lang`` decides the explanation sheet (``LES_MEG`` in bokmål, ``README`` in English) and
    the yes/no words of the drop-down lists (ja/nei or yes/no; the loader accepts both).
    """
    from openpyxl import Workbook

    if lang not in HELP_SHEET:
        raise ValueError(f"lang must be 'nb' or 'en', got {lang!r}")
    out = Path(path)
    wb = Workbook()
    help_ws = wb.active
    help_ws.title = HELP_SHEET[lang]
    lists: _Lists = _Lists(wb)
    _write_help(help_ws, lang)
    for table in TABLES.values():
        _write_table(wb.create_sheet(table.name), table, lang, lists)
    _write_waivers(wb, lang, lists)
    if lists.ws is not None:  # the hidden lists go last, after the tables they serve
        wb.move_sheet(lists.ws, offset=len(wb.sheetnames) - 1 - wb.index(lists.ws))
    wb.active = 0
    with atomic_path(out) as tmp:  # an interrupted save leaves no half workbook, and an old one intact
        wb.save(tmp)
    return out


class _Lists:
    """Drop-down sources: inline when short, else a column of the hidden LISTER sheet."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.ws: Worksheet | None = None
        self.cache: dict[tuple[str, ...], str] = {}

    def formula(self, values: Iterable[str]) -> str:
        vals = tuple(values)
        inline = ",".join(vals)
        if len(inline) <= INLINE_LIST_LIMIT and not any("," in v or '"' in v for v in vals):
            return f'"{inline}"'
        if vals in self.cache:
            return self.cache[vals]
        from openpyxl.utils import get_column_letter

        if self.ws is None:
            self.ws = self.wb.create_sheet(LISTS_SHEET)
            self.ws.sheet_state = "hidden"
        col = len(self.cache) + 1
        for row, v in enumerate(vals, start=1):
            self.ws.cell(row=row, column=col, value=v)
        letter = get_column_letter(col)
        ref = f"{LISTS_SHEET}!${letter}$1:${letter}${len(vals)}"
        self.cache[vals] = ref
        return ref


def _write_table(ws: Worksheet, table: Table, lang: str, lists: _Lists) -> None:
    """Header row, formats and validations of one table's sheet."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    t = _TEXT[lang]
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    required_fill = PatternFill("solid", fgColor="F8CBAD")
    for idx, column in enumerate(table.columns, start=1):
        cell = ws.cell(row=1, column=idx, value=column.name)
        cell.font = bold
        cell.fill = required_fill if column.required else fill
        cell.alignment = Alignment(vertical="center")
        letter = get_column_letter(idx)
        dim = ws.column_dimensions[letter]
        dim.width = max(len(column.name) + 4, 14 if column.kind == "date" else 12)
        rng = f"{letter}2:{letter}{TEMPLATE_ROWS}"
        if column.kind == "date":
            dim.number_format = "DD.MM.YYYY"
            dv = DataValidation(type="date", operator="between", formula1=_DATE_MIN,
                                formula2=_DATE_MAX, allow_blank=True, errorStyle="warning",
                                showErrorMessage=True, error=t["date_msg"], errorTitle=t["date_title"])
        elif column.kind in ("id", "text"):
            dim.number_format = "@"  # ids and municipality numbers keep leading zeros (0301, 007)
            continue
        elif column.kind == "int":
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                errorStyle="warning", showErrorMessage=True, error=t["int_msg"],
                                errorTitle=t["int_title"])
        else:
            values = allowed_values(column, lang) or []
            # a warning, not a stop: the synonyms (avholdt, planlagt ...) are valid input too
            dv = DataValidation(type="list", formula1=lists.formula(values), allow_blank=True,
                                errorStyle="warning", showErrorMessage=True, showDropDown=False,
                                error=t["choose_msg"], errorTitle=t["choose"])
        dv.add(rng)
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"


WAIVERS_SHEET = "unntak"
"""The template's waivers sheet (report-contract.md, "Waivers"); the loader reads it as the snapshot's waivers."""


def _write_waivers(wb: Workbook, lang: str, lists: _Lists) -> None:
    """The ``unntak`` sheet: the waiver columns, with a drop-down of the built-in nasjonal ruleset's rule ids."""
    from openpyxl.worksheet.datavalidation import DataValidation

    from ke_rules.ingest.schema import WAIVERS
    from ke_rules.rules.ruleset import load_ruleset

    ws = wb.create_sheet(WAIVERS_SHEET)
    _write_table(ws, WAIVERS, lang, lists)
    nasjonal = load_ruleset("nasjonal")
    rule_ids = sorted([*nasjonal.rules, *nasjonal.disabled])
    t = _TEXT[lang]
    # a warning, not a stop: a municipality's own ruleset may add rules of its own
    dv = DataValidation(type="list", formula1=lists.formula(rule_ids), allow_blank=True, errorStyle="warning",
                        showErrorMessage=True, showDropDown=False, error=t["choose_msg"], errorTitle=t["choose"])
    dv.add(f"A2:A{TEMPLATE_ROWS}")
    ws.add_data_validation(dv)


def _write_help(ws: Worksheet, lang: str) -> None:
    """The explanation sheet: general advice, then every table and column."""
    from openpyxl.styles import Alignment, Font, PatternFill

    t = _TEXT[lang]
    put = ws.append
    put([t["title"]])
    ws["A1"].font = Font(bold=True, size=14)
    for line in _INTRO[lang]:
        put([line])
    head = t["head"].split("|")
    wrap = Alignment(wrap_text=True, vertical="top")
    for table in TABLES.values():
        put([])
        text = table.nb if lang == "nb" else EN_TABLE_TEXT.get(table.name, "")
        status = t["required_sheet"] if table.name == "cases" else t["optional_sheet"]
        put([f"{table.name} ({', '.join(table.aliases)}) — {text} — {status}"])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
        put(head)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        for column in table.columns:
            put([column.name, t["yes"] if column.required else t["no"], _KIND_TEXT[lang][column.kind],
                 _allowed_text(table, column, lang), _meaning(table, column, lang), ", ".join(column.aliases)])
            for cell in ws[ws.max_row]:
                cell.alignment = wrap
        if note := TABLE_NOTES[lang].get(table.name):
            put([note])  # across the six columns, wrapped: too long for one cell's width
            row = ws.max_row
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
            ws.cell(row=row, column=1).font = Font(italic=True)
            ws.cell(row=row, column=1).alignment = wrap
            ws.row_dimensions[row].height = 15 * (len(note) // 160 + 1)
    for letter, width in zip("ABCDEF", (30, 9, 13, 55, 60, 40), strict=True):
        ws.column_dimensions[letter].width = width
