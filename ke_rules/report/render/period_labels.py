"""The fixed words of the diff and trend renderings, one dict per language (same keys in both).

Kept apart from labels.py (the single report's words) so the two comparisons can be worded
and checked side by side; words that mean the same in both (severity, rule, population) are
taken from labels.py so they can never disagree.
"""

from __future__ import annotations

from ke_rules.report.render.labels import labels

__all__ = ["period_labels", "note_text"]

_NB: dict[str, str] = {
    "diff_title": "Endringer mellom to perioder – koordinerende enhet",
    "trend_title": "Utvikling over tid – koordinerende enhet",
    "old": "Forrige",
    "new": "Nå",
    "period_old": "Forrige periode",
    "period_new": "Denne perioden",
    "changes": "Endringer",
    "change": "Endring",
    "rate_change": "Endring i samsvarsgrad",
    "params_changed": "Parametere med endret verdi",
    "no_params_changed": "Ingen parametere har endret verdi.",
    "list_new": "Nye funn",
    "list_resolved": "Lukkede funn",
    "list_persisting": "Vedvarende funn",
    "list_waived": "Unntatte funn",
    "what_new": "åpne nå, ikke funn forrige gang",
    "what_resolved": "funn forrige gang, ikke nå",
    "what_persisting": "åpne nå og funn også forrige gang",
    "what_waived": "unntatt nå",
    "none_in_list": "Ingen.",
    "measures": "Samsvar per regel",
    "periods": "Perioder",
    "rate_after_waivers": "Samsvarsgrad etter unntak",
    "data": "Data",
    "charts": "Diagrammer",
    "table_rate": "Samsvarsgrad per regel og periode",
    "table_rate_after": "Samsvarsgrad etter unntak per regel og periode",
    "chart_desc": "Linjediagram over samsvarsgrad for {rule} fra {first} til {last}, 0–100 %. {points}",
    "chart_point": "{date}: {rate}, etter unntak {after}",
    "no_data": "ingen data",
    "ruleset_per_period": "Regelsett per periode",
    "note_ruleset_changed": "Rapportene er laget med ulike regelsett (ulik SHA-256); endringer kan skyldes "
                            "regelsettet og ikke praksis.",
    "note_ruleset_changed_params": "Parametere med endret verdi: {names}.",
    "note_pseudonymization_unchecked": "Pseudonymisering kunne ikke kontrolleres: minst én rapport er laget før "
                                       "rapporten oppga om id-ene er pseudonymisert.",
    "note_pseudonym_key_unchecked": "Pseudonymiseringsnøkkelen kunne ikke kontrolleres: minst én pseudonymisert "
                                    "rapport oppgir ikke nøkkelens id.",
}

_EN: dict[str, str] = {
    "diff_title": "Changes between two periods – coordinating unit",
    "trend_title": "Trend over time – coordinating unit",
    "old": "Previous",
    "new": "Now",
    "period_old": "Previous period",
    "period_new": "This period",
    "changes": "Changes",
    "change": "Change",
    "rate_change": "Change in compliance rate",
    "params_changed": "Parameters whose value changed",
    "no_params_changed": "No parameter changed its value.",
    "list_new": "New findings",
    "list_resolved": "Resolved findings",
    "list_persisting": "Persisting findings",
    "list_waived": "Waived findings",
    "what_new": "open now, not a finding last time",
    "what_resolved": "a finding last time, not now",
    "what_persisting": "open now and a finding last time too",
    "what_waived": "waived now",
    "none_in_list": "None.",
    "measures": "Compliance per rule",
    "periods": "Periods",
    "rate_after_waivers": "Rate after waivers",
    "data": "Data",
    "charts": "Charts",
    "table_rate": "Compliance rate per rule and period",
    "table_rate_after": "Compliance rate after waivers per rule and period",
    "chart_desc": "Line chart of the compliance rate of {rule} from {first} to {last}, 0–100%. {points}",
    "chart_point": "{date}: {rate}, after waivers {after}",
    "no_data": "no data",
    "ruleset_per_period": "Ruleset per period",
    "note_ruleset_changed": "The reports were made with different rulesets (different SHA-256); changes may come "
                            "from the ruleset, not from practice.",
    "note_ruleset_changed_params": "Parameters whose value changed: {names}.",
    "note_pseudonymization_unchecked": "Pseudonymisation could not be checked: at least one report was written "
                                       "before reports said whether their ids are pseudonymised.",
    "note_pseudonym_key_unchecked": "The pseudonym key could not be checked: at least one pseudonymised report "
                                    "does not give its key id.",
}

assert _NB.keys() == _EN.keys()


def period_labels(lang: str) -> dict[str, str]:
    """The comparison words in ``lang`` merged over the report's own words (labels.py)."""
    return {**labels(lang), **(_EN if lang == "en" else _NB)}


def note_text(code: str, lang: str, changed_params: list[str] | None = None) -> str:
    """A note (periods.NOTE_CODES) in words; the ruleset note names the changed parameters when there are any."""
    t = period_labels(lang)
    text = t.get(f"note_{code}", code)
    if code == "ruleset_changed" and changed_params:
        text += " " + t["note_ruleset_changed_params"].format(names=", ".join(changed_params))
    return text
