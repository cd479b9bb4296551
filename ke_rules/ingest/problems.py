"""Input problems: their codes, their texts in bokmål and English, and the model every one is made as.

One table of problem types (as frictionless-py keeps one): every message about the
input comes from :data:`PROBLEM_TEXT`, every problem is an :class:`InputProblem` with a
:class:`ProblemCode`, and docs/input.md lists them (generated). Whether a problem sets a
row aside (``error``), keeps it with the value taken as empty (``warning``) or only
informs (``notice``) depends on where it occurs (input-contract.md), so the severity is
given where the problem is found. Kept apart from the report models so that reading a
ruleset or printing ``--help`` does not load the table machinery.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["Severity", "ProblemCode", "PROBLEM_TEXT", "SHOWN_CHARS", "InputProblem"]


class Severity(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"
    error = "error"
    warning = "warning"
    notice = "notice"


class ProblemCode(StrEnum):
    """Why an input cell, row or file was not taken as it stood."""

    REQUIRED_EMPTY = "required_empty"
    NOT_A_DATE = "not_a_date"
    AMBIGUOUS_DATE = "ambiguous_date"
    NUMBER_NOT_DATE = "number_not_date"
    IMPOSSIBLE_DATE = "impossible_date"
    NOT_A_BOOL = "not_a_bool"
    NOT_AN_INT = "not_an_int"
    NEGATIVE_INT = "negative_int"
    NOT_IN_LIST = "not_in_list"
    NOT_A_VALUE = "not_a_value"  # nested object, list or NaN where a value belongs
    DUPLICATE_ID = "duplicate_id"
    UNKNOWN_CASE = "unknown_case"
    CASE_SET_ASIDE = "case_set_aside"
    UNKNOWN_COORDINATOR = "unknown_coordinator"
    END_BEFORE_START = "end_before_start"
    NOT_A_ROW = "not_a_row"
    UNKNOWN_SERVICE = "unknown_service"
    HELD_IN_FUTURE = "held_in_future"
    PLANNED_IN_PAST = "planned_in_past"
    TWO_ACTIVE_GROUPS = "two_active_groups"
    UNKNOWN_COLUMN = "unknown_column"
    UNKNOWN_TABLE = "unknown_table"
    ABSENT_TABLE = "absent_table"
    EXTRA_CELLS = "extra_cells"
    IDENTITY_NUMBER = "identity_number"  # cells holding a fødselsnummer, D- or H-number (count in detail)
    # round 2 of "nothing lost" (issue 10)
    EXCEL_ERROR = "excel_error"  # #N/A, #REF!, #VALUE! ... where a value belongs
    INVISIBLE_CHARACTER = "invisible_character"  # zero-width or other format characters, removed
    INVALID_TEXT = "invalid_text"  # a lone surrogate (half a character) or another unencodable text
    INT_OUT_OF_RANGE = "int_out_of_range"  # a whole number far beyond any plausible count
    STRAY_BYTE = "stray_byte"  # a byte that is not UTF-8 in a UTF-8 file, read as Windows-1252
    MERGED_CELLS = "merged_cells"  # merged cells in a sheet's rows; the value applies to each row covered
    # waivers (unntak), report-contract.md "Waivers"
    UNKNOWN_RULE = "unknown_rule"  # a waiver's rule_id that no rule of the ruleset in force has
    WAIVER_EXPIRED = "waiver_expired"
    WAIVER_NOT_YET_VALID = "waiver_not_yet_valid"
    WAIVER_UNMATCHED = "waiver_unmatched"
    # the KE's further duties (rules.md, second wave): dates that contradict D or each other
    EVALUATED_AFTER_AS_OF = "evaluated_after_as_of"  # ip_last_evaluated_on after D: ignored
    MINUTES_BEFORE_MEETING = "minutes_before_meeting"  # minutes_sent_on before meeting_date: kept as written
    REVISED_AFTER_AS_OF = "revised_after_as_of"  # last_revised_on after D: taken as empty


SHOWN_CHARS = 200  # an input problem shows at most this much of a value (then "…")

PROBLEM_TEXT: dict[ProblemCode, tuple[str, str]] = {
    ProblemCode.REQUIRED_EMPTY: ("påkrevd verdi mangler", "required value is empty"),
    ProblemCode.NOT_A_DATE: ("ikke en dato (skriv 31.12.2025 eller 2025-12-31)", "not a date (write 31.12.2025 or 2025-12-31)"),
    ProblemCode.AMBIGUOUS_DATE: ("tvetydig dato (tosifret år eller skråstrek); skriv 31.12.2025", "ambiguous date (two-digit year or slashes); write 31.12.2025"),
    ProblemCode.NUMBER_NOT_DATE: ("et tall, ikke en dato (Excel-serienummer som tall eller tekst godtas ikke)", "a number, not a date (Excel serial numbers as numbers or text are not accepted)"),
    ProblemCode.IMPOSSIBLE_DATE: ("datoen finnes ikke", "impossible date"),
    ProblemCode.NOT_A_BOOL: ("ikke ja/nei", "not yes/no"),
    ProblemCode.NOT_AN_INT: ("ikke et helt tall", "not a whole number"),
    ProblemCode.NEGATIVE_INT: ("negativt tall", "negative number"),
    ProblemCode.NOT_IN_LIST: ("ikke en av de tillatte verdiene", "not one of the allowed values"),
    ProblemCode.NOT_A_VALUE: ("ikke en enkeltverdi som kan brukes her (f.eks. ja/nei der en id skal stå)", "not a single value that can be used here (e.g. yes/no where an id belongs)"),
    ProblemCode.DUPLICATE_ID: ("id-en finnes på en tidligere rad; den første raden beholdes", "id repeats an earlier row's; the first row is kept"),
    ProblemCode.UNKNOWN_CASE: ("saken finnes ikke i tabellen cases", "case not found in the cases table"),
    ProblemCode.CASE_SET_ASIDE: ("saken er satt til side på grunn av feil", "the case was set aside for an error"),
    ProblemCode.UNKNOWN_COORDINATOR: ("koordinatoren finnes ikke i tabellen coordinators", "coordinator not found in the coordinators table"),
    ProblemCode.END_BEFORE_START: ("sluttdato før startdato", "end before start"),
    ProblemCode.NOT_A_ROW: ("raden kan ikke leses", "the row cannot be read"),
    ProblemCode.UNKNOWN_SERVICE: ("ukjent tjenestenavn uten kategori; regnes som 'annet'", "unknown service name without a category; counted as 'annet'"),
    ProblemCode.HELD_IN_FUTURE: ("møtet står som avholdt, men datoen er etter vurderingsdatoen; regnes som planlagt", "meeting marked held but dated after the evaluation date; taken as planned"),
    ProblemCode.PLANNED_IN_PAST: ("møtet står som planlagt, men datoen er passert; status må oppdateres (regnes ikke som avholdt)", "meeting marked planned but its date has passed; its status needs updating (not counted as held)"),
    ProblemCode.TWO_ACTIVE_GROUPS: ("saken har to aktive ansvarsgrupper; begge vurderes", "the case has two active responsibility groups; both are evaluated"),
    ProblemCode.UNKNOWN_COLUMN: ("ukjent kolonne; ignoreres", "unknown column; ignored"),
    ProblemCode.UNKNOWN_TABLE: ("ukjent ark eller tabell; ignoreres", "unknown sheet or table; ignored"),
    ProblemCode.ABSENT_TABLE: ("tabellen mangler; regnes som tom", "table absent; taken as no rows"),
    ProblemCode.EXTRA_CELLS: ("verdier utenfor siste kolonne ignoreres", "values beyond the last column are ignored"),
    ProblemCode.IDENTITY_NUMBER: ("fødselsnummer, D- eller H-nummer funnet (antall celler: {detail}); maskert i alle utdata", "personal identity number (fødselsnummer, D- or H-number) found (cells: {detail}); masked in every output"),
    ProblemCode.EXCEL_ERROR: ("en Excel-feilverdi (som #N/A eller #REF!), ikke en verdi", "an Excel error value (such as #N/A or #REF!), not a value"),
    ProblemCode.INVISIBLE_CHARACTER: ("usynlige tegn (som nullbredde-mellomrom) er fjernet fra verdien", "invisible characters (such as a zero-width space) were removed from the value"),
    ProblemCode.INVALID_TEXT: ("ugyldig tekst (et halvt tegn, ofte fra kopiering mellom programmer)", "invalid text (half a character, often from copying between programs)"),
    ProblemCode.INT_OUT_OF_RANGE: ("tallet er utenfor gyldig område", "the number is out of range"),
    ProblemCode.STRAY_BYTE: ("et tegn som ikke er UTF-8 i en UTF-8-fil; lest som Windows-1252", "a byte that is not UTF-8 in a UTF-8 file; read as Windows-1252"),
    ProblemCode.MERGED_CELLS: ("sammenslåtte celler; verdien gjelder hver rad området dekker", "merged cells; the value applies to every row the range covers"),
    ProblemCode.UNKNOWN_RULE: ("regelen finnes ikke i regelsettet; unntaket er satt til side", "no rule of the ruleset has this id; the waiver was set aside"),
    ProblemCode.WAIVER_EXPIRED: ("unntaket er utløpt og brukes ikke (det gjaldt til og med {detail})", "the waiver has expired and is not applied (it applied up to and including {detail})"),
    ProblemCode.WAIVER_NOT_YET_VALID: ("unntaket er besluttet etter vurderingsdatoen og brukes ikke ennå (besluttet {detail})", "the waiver was decided after the evaluation date and does not apply yet (decided on {detail})"),
    ProblemCode.WAIVER_UNMATCHED: ("unntaket treffer ikke noe funn (avviket er lukket, eller id-en er endret)", "the waiver matches no finding (the deviation is closed, or the id changed)"),
    ProblemCode.EVALUATED_AFTER_AS_OF: ("IP-en står som evaluert etter vurderingsdatoen; datoen brukes ikke", "the IP is recorded as evaluated after the evaluation date; the date is not used"),
    ProblemCode.MINUTES_BEFORE_MEETING: ("referatet står som sendt før møtedatoen; datoen beholdes som skrevet", "minutes recorded as sent before the meeting date; the date is kept as written"),
    ProblemCode.REVISED_AFTER_AS_OF: ("rutinen står som revidert etter vurderingsdatoen; regnes som ikke revidert", "the routine is recorded as revised after the evaluation date; taken as not revised"),
}


class InputProblem(BaseModel):
    """One problem with the input: where it is, what the value was, what happened."""

    model_config = ConfigDict(extra="forbid")

    table: str
    row: int | None
    column: str | None
    value: str | None
    problem: str = ""
    severity: Severity
    code: ProblemCode
    # where a waiver came from ("file": --waivers, "snapshot": the snapshot's own sheet); null for snapshot tables
    source: Literal["file", "snapshot"] | None = None
    detail: str | None = Field(default=None, exclude=True)

    @field_validator("table", "column", "value", "detail", mode="before")
    @classmethod
    def _mask(cls, v: Any) -> Any:
        """Shown safely: invisible characters and half characters escaped, identity numbers masked,
        and only then cut to ``SHOWN_CHARS`` (a cut first could leave most of a number unmasked)."""
        if v is None:
            return None
        from ke_rules.ingest.values import show_hidden
        from ke_rules.privacy.identity import mask_and_clip  # numpy and pandas: imported when the first problem is made

        text = v if isinstance(v, str) else str(v)
        return mask_and_clip(show_hidden(text), SHOWN_CHARS)

    def text(self, lang: str = "nb") -> str:
        base = PROBLEM_TEXT[self.code][0 if lang == "nb" else 1]
        if self.code == ProblemCode.UNKNOWN_RULE and self.detail:  # the detail is the closest known rule id
            return f"{base}; mente du «{self.detail}»?" if lang == "nb" else f"{base}; did you mean '{self.detail}'?"
        if "{detail}" in base:  # the detail belongs inside the text, e.g. a count
            return base.replace("{detail}", self.detail or "?")
        return f"{base} ({self.detail})" if self.detail else base
