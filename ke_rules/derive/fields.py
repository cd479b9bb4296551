"""The field catalogue: every derived field a rule can use, per subject.

Rules in a ruleset file speak only of these fields (and of ``params.NAME``); the
fact derivation (``facts.py``, each subject's fields in ``case.py``, ``coordinator.py``,
``group.py``, ``meeting.py``, ``ke.py``, ``routine.py``) produces exactly these columns, which a test checks.
A new derived field is its column in the subject's module plus its row here, with
``params`` naming every derivation parameter (``params.py``) its value depends on: a
standalone ruleset whose rule uses the field must set them, and ``rules show`` lists them.
Types: ``int``, ``bool`` (never empty, but ``wants_coordinator_recorded``, which keeps "not recorded"), ``str``, ``date`` and ``list`` (evidence only:
conditions compare the ``*_days``/count fields instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["FieldInfo", "FIELDS", "SUBJECT_ID", "field_names"]

FieldType = Literal["int", "bool", "str", "date", "list"]


@dataclass(frozen=True)
class FieldInfo:
    type: FieldType
    nb: str
    en: str
    params: tuple[str, ...] = ()  # every parameter the derivation of this field depends on


F = FieldInfo

SUBJECT_ID = {
    "case": "case_id",
    "coordinator": "coordinator_id",
    "group": "group_id",
    "meeting": "meeting_id",
    "ke": "month",
    "routine": "task",
}

FIELDS: dict[str, dict[str, FieldInfo]] = {
    "case": {
        "case_id": F("str", "Sakens id", "Case id"),
        "municipality": F("str", "Kommunenummer", "Municipality number"),
        "age": F("int", "Alder i hele år på vurderingsdatoen", "Age in whole years at the evaluation date"),
        "is_minor": F("bool", "Under 18 år på vurderingsdatoen", "Under 18 at the evaluation date"),
        "wants_coordinator": F("bool", "Ønsker koordinator (tom = nei)", "Wants a coordinator (empty = no)"),
        "long_term_need": F("bool", "Dokumentert langvarig behov (tom = nei)", "Documented long-term need (empty = no)"),
        "child_coordinator_eligible": F("bool", "Rett til barnekoordinator (tom = nei)", "Eligible for a child coordinator (empty = no)"),
        "ip_active": F("bool", "Individuell plan aktiv på vurderingsdatoen", "Individual plan active at the evaluation date"),
        "ip_started_on": F("date", "IP startet", "IP started"),
        "days_since_ip_evaluated": F("int", "Dager siden IP sist ble evaluert (eller startet)", "Days since the IP was last evaluated (or started)"),
        "active_groups": F("int", "Antall ansvarsgrupper aktive på vurderingsdatoen", "Responsibility groups active at the evaluation date"),
        "consent_needs": F("int", "Antall samtykkebehov (IP, ansvarsgruppe)", "Number of consent needs (IP, responsibility group)"),
        "needed_scopes": F("list", "Samtykkeomfang saken trenger", "Consent scopes the case needs"),
        "uncovered_scopes": F("list", "Samtykkeomfang uten gyldig samtykke", "Needed scopes without a valid consent"),
        "uncovered_count": F("int", "Antall behov uten samtykke", "Needs without consent"),
        "active_assignments": F("int", "Koordinatoroppnevninger aktive på vurderingsdatoen", "Coordinator assignments active at the evaluation date"),
        "has_child_coordinator": F("bool", "Har aktiv barnekoordinator", "Has an active child coordinator"),
        "qualifying_assignment": F("bool", "Har en aktiv oppnevning som startet minst fristen før vurderingsdatoen", "Has an active assignment started at least the grace period ago", params=("mapping_grace_days",)),
        "earliest_qualifying_assignment_start": F("date", "Tidligste start for en slik oppnevning", "Earliest start of such an assignment", params=("mapping_grace_days",)),
        "relatives_mapped": F("bool", "Barn som pårørende/søsken kartlagt senest på vurderingsdatoen", "Children as relatives/siblings mapped on or before the evaluation date"),
        "relatives_mapped_on": F("date", "Dato for kartlegging", "Date of the mapping"),
        "minor_children_siblings": F("int", "Mindreårige barn og søsken registrert som pårørende", "Minor children and siblings on file as relatives"),
        "qualifying_services": F("list", "Aktive tjenester i koordineringskategoriene (distinkte navn)", "Active services in the coordination categories (distinct names)", params=("coordination_categories",)),
        "qualifying_service_count": F("int", "Antall slike tjenester", "Number of such services", params=("coordination_categories",)),
        "long_running_count": F("int", "Antall av dem som har vart minst long_term_days", "How many of them have run at least long_term_days", params=("coordination_categories", "long_term_days")),
        "needs_coordination": F("bool", "Behov for koordinering etter regelen (≥ 2 langvarige, eller langvarig behov og ≥ 2)", "Needs coordination by the rule (≥ 2 long-running, or long-term need and ≥ 2)", params=("coordination_categories", "long_term_days")),
        "has_referral": F("bool", "Melding til KE mottatt senest på vurderingsdatoen", "A notice to the KE received on or before the evaluation date"),
        "first_referral_on": F("date", "Første melding mottatt", "First notice received"),
        "days_since_first_referral": F("int", "Dager siden første melding", "Days since the first notice"),
        "wants_coordinator_recorded": F("bool", "Ønsker koordinator slik det er registrert (tom = ikke registrert)", "Wants a coordinator as recorded (empty = not recorded)"),
        "wants_or_needs_coordinator": F("bool", "Ønsker koordinator, eller ikke registrert og IP aktiv (registrert «nei» er et avslått tilbud)", "Wants a coordinator, or not recorded and the IP active (a recorded no is a declined offer)"),
        "reference_date": F("date", "Referansedato R(c): første melding mottatt senest på vurderingsdatoen, ellers sak åpnet", "Reference date R(c): the first notice received by the evaluation date, else the case opened"),
        "days_waiting": F("int", "Dager siden referansedatoen", "Days since the reference date"),
        "has_coordinator": F("bool", "Har en oppnevning (alle roller) aktiv på vurderingsdatoen", "Has an assignment (any role) active at the evaluation date"),
        "has_child": F("bool", "Mottakeren, eller et barn registrert som pårørende, er mindreårig eller ufødt på vurderingsdatoen", "The recipient, or a child on file as a relative, is a minor or not yet born at the evaluation date"),
        "child_coordinator_in_force": F("bool", "Vurderingsdatoen er 1.8.2022 eller senere (retten til barnekoordinator gjelder)", "The evaluation date is 2022-08-01 or later (the right to a child coordinator applies)"),
        "days_since_ip_started": F("int", "Dager siden IP startet", "Days since the IP started"),
        "last_evaluated_on": F("date", "Siste evaluering av IP: registrert dato eller avholdt evalueringsmøte, senest på vurderingsdatoen", "The IP's last evaluation: the recorded date or a held evaluation meeting, on or before the evaluation date"),
        "ip_evaluated": F("bool", "IP-en har en evaluering senest på vurderingsdatoen", "The IP has an evaluation on or before the evaluation date"),
        "days_since_evaluated": F("int", "Dager siden siste evaluering (tom uten evaluering)", "Days since the last evaluation (empty without one)"),
        "has_plan_review": F("bool", "Har en gjennomgang av gjeldende plan (fra IP-start til vurderingsdatoen)", "Has a review of the current plan (from the IP's start to the evaluation date)"),
        "reviewed_on": F("date", "Dato for siste slike gjennomgang", "Date of the latest such review"),
        "missing_items": F("list", "Sjekkpunkter den siste gjennomgangen ikke fant i planen (kolonnenøkler)", "Checklist items the latest review did not find in the plan (column keys)"),
        "missing_item_count": F("int", "Antall slike sjekkpunkter", "Number of such items"),
        "missing_items_nb": F("str", "Sjekkpunktene som mangler, på bokmål", "The missing items in bokmål"),
        "missing_items_en": F("str", "Sjekkpunktene som mangler, på engelsk", "The missing items in English"),
    },
    "coordinator": {
        "coordinator_id": F("str", "Koordinatorens id", "Coordinator id"),
        "unit": F("str", "Tjenesteenhet", "Service unit"),
        "active_cases": F("int", "Saker koordinatoren har på vurderingsdatoen", "Cases the coordinator carries at the evaluation date", params=("count_only_cases_with_ip",)),
        "limit": F("int", "Avtalt maksimum, ellers standardgrensen", "Agreed maximum, else the default limit", params=("max_cases_per_coordinator",)),
        "agreed_max_cases": F("int", "Avtalt maksimalt antall saker", "Agreed maximum number of cases"),
        "case_ids": F("list", "Sakene som telles", "The cases counted"),
        "active_assignments": F("int", "Aktive oppnevninger (alle saker i omfang)", "Active assignments (all in-scope cases)"),
        "trained": F("bool", "Koordinatoropplæring fullført senest på vurderingsdatoen", "Coordinator training completed on or before the evaluation date"),
        "trained_on": F("date", "Koordinatoropplæring fullført", "Coordinator training completed on"),
        "earliest_assignment_start": F("date", "Tidligste start for en oppnevning aktiv på vurderingsdatoen (saker i omfang)", "Earliest start of an assignment active at the evaluation date (in-scope cases)"),
        "days_since_earliest_assignment": F("int", "Dager siden den starten", "Days since that start"),
    },
    "group": {
        "group_id": F("str", "Ansvarsgruppens id", "Group id"),
        "case_id": F("str", "Sakens id", "Case id"),
        "active": F("bool", "Aktiv på vurderingsdatoen", "Active at the evaluation date"),
        "established_on": F("date", "Opprettet", "Established"),
        "days_active": F("int", "min(365, dager siden opprettelse)", "min(365, days since established)"),
        "required_meetings": F("int", "Påkrevde møter i vinduet", "Meetings required in the window", params=("min_group_meetings_per_year",)),
        "held_meetings": F("int", "Avholdte ansvarsgruppemøter i vinduet, etter opprettelse", "Held responsibility-group meetings in the window, since established"),
        "window": F("str", "Vurderingsvinduet (D − 365, D]", "The review window (D − 365, D]"),
        "held_since_established": F("int", "Avholdte ansvarsgruppemøter fra opprettelse til vurderingsdatoen", "Held responsibility-group meetings from establishment to the evaluation date"),
        "latest_meeting_on": F("date", "Siste avholdte ansvarsgruppemøte", "Latest held responsibility-group meeting"),
        "next_meeting_agreed": F("bool", "Neste møte avtalt på siste møte", "Next meeting agreed at the latest meeting"),
        "days_since_latest_meeting": F("int", "Dager siden siste avholdte møte", "Days since the latest held meeting"),
        "last_meeting": F("date", "M: siste avholdte ansvarsgruppemøte som avtalte neste møte", "M: the latest held responsibility-group meeting that agreed a next meeting"),
        "agreed_next": F("date", "N: neste møte avtalt på dag M (det seneste)", "N: the next meeting agreed on day M (the latest)"),
        "days_overdue": F("int", "Dager siden det avtalte neste møtet", "Days since the agreed next meeting"),
        "held_after_last_meeting": F("bool", "Et ansvarsgruppemøte er avholdt etter M", "A responsibility-group meeting was held after M"),
    },
    "meeting": {
        "meeting_id": F("str", "Møtets id", "Meeting id"),
        "case_id": F("str", "Sakens id", "Case id"),
        "kind": F("str", "Møtetype", "Meeting kind"),
        "status": F("str", "Effektiv status: held, planned, cancelled", "Effective status: held, planned, cancelled"),
        "meeting_date": F("date", "Møtedato", "Meeting date"),
        "days_from_as_of": F("int", "Møtedato minus vurderingsdato (negativ = passert)", "Meeting date minus evaluation date (negative = past)"),
        "invitation_sent": F("bool", "Innkalling sendt", "Invitation sent"),
        "invitation_sent_on": F("date", "Innkalling sendt dato", "Invitation sent on"),
        "lead_days": F("int", "Dager mellom innkalling og møte", "Days between invitation and meeting"),
        "invitation_missing": F("list", "Det innkallingen mangler", "What the invitation lacks"),
        "invitation_complete": F("bool", "Innkallingen har hvem, deltakere, tid/sted og saksliste", "The invitation has subject, participants, time/place and agenda"),
        "samarbeid_consent_covered": F("bool", "Samtykke (samarbeidsmøte, informasjonsdeling, alle) gjaldt på møtedatoen", "A consent (samarbeidsmote, informasjonsdeling, alle) covered the meeting date"),
        "minutes_sent": F("bool", "Referat sendt", "Minutes sent"),
        "minutes_sent_on": F("date", "Referat sendt dato", "Minutes sent on"),
        "next_meeting_on": F("date", "Neste møte avtalt", "Next meeting agreed"),
        "days_to_minutes": F("int", "Dager fra møtet til referatet ble sendt", "Days from the meeting to the minutes being sent"),
    },
    "ke": {
        "month": F("str", "Kalendermåned (ÅÅÅÅ-MM) helt innenfor vinduet", "Calendar month (YYYY-MM) wholly inside the window"),
        "ke_meetings_in_month": F("int", "KE-møter i måneden", "KE meetings in the month"),
    },
    "routine": {
        "task": F("str", "KE-oppgaven (veilederen 12.3) rutinen gjelder", "The KE task (guideline 12.3) the routine serves"),
        "task_nb": F("str", "Oppgavens overskrift i veilederen 12.3, på bokmål", "The task's heading in guideline 12.3, in bokmål"),
        "task_en": F("str", "Oppgavens overskrift i veilederen 12.3, på engelsk", "The task's heading in guideline 12.3, in English"),
        "has_routine": F("bool", "Rutinen er registrert i ke_routines", "The routine is on file in ke_routines"),
        "title": F("str", "Rutinedokumentets tittel (siste rad)", "The routine document's title (latest row)"),
        "last_revised_on": F("date", "Sist revidert (en dato etter vurderingsdatoen regnes som tom)", "Last revised (a date after the evaluation date is taken as empty)"),
        "days_since_revised": F("int", "Dager siden siste revisjon", "Days since the last revision"),
        "revised_in_time": F("bool", "Revidert innen floor(30,4375 × routine_review_months) dager", "Revised within floor(30.4375 × routine_review_months) days", params=("routine_review_months",)),
        "in_quality_system": F("bool", "Lagt i kvalitetssystemet (tom = nei)", "Filed in the quality system (empty = no)"),
        "problems": F("list", "Mangler: mangler, ikke_revidert, utenfor_kvalitetssystemet", "Problems: mangler, ikke_revidert, utenfor_kvalitetssystemet", params=("routine_review_months",)),
        "problem_count": F("int", "Antall mangler", "Number of problems", params=("routine_review_months",)),
    },
}


def field_names(subject: str) -> list[str]:
    return list(FIELDS[subject])


def catalogue_markdown() -> str:
    """The field catalogue as Markdown (docs/fields.md is this text; a test keeps them equal)."""
    lines = [
        "# Feltkatalog / field catalogue",
        "",
        "The fields a rule's `applies_to`, `when`, `severity_when`, `evidence` and message can use, per",
        "subject. Generated from `ke_rules/derive/fields.py` by `python -m ke_rules.derive.fields > docs/fields.md`.",
        "Conditions compare `int`, `bool` and `str` fields with numbers, text, `true`/`false`, other",
        "fields or `params.NAME`; `date` and `list` fields are evidence and message text only. An empty",
        "value never satisfies a comparison; `FIELD is None` tests for it.",
        "",
    ]
    for subject, fields in FIELDS.items():
        lines += [f"## {subject} (id: `{SUBJECT_ID[subject]}`)", "",
                  "| field | type | bokmål | English | parameters |", "|---|---|---|---|---|"]
        for name, info in fields.items():
            lines.append(f"| `{name}` | {info.type} | {info.nb} | {info.en} | {', '.join(info.params)} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(catalogue_markdown(), end="")
