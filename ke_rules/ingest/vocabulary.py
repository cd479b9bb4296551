"""The words ke-rules understands: bokmål aliases, enumeration synonyms, service names.

This is the one documented alias table the input contract asks for. Every lookup
goes through :func:`normalise_name`, so ``Møtedato``, `` motedato `` and
``MØTEDATO`` are the same word: case-insensitive, trimmed, æ/ø/å folded to ae/o/a,
spaces and hyphens read as underscores.
"""

from __future__ import annotations

import re

__all__ = [
    "normalise_name",
    "ENUM_SYNONYMS",
    "SERVICE_CATEGORIES",
    "BOOL_WORDS",
    "KE_TASK_LABELS",
]

_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", " ": "_", "-": "_"})
_MULTI_UNDERSCORE = re.compile(r"_+")


def normalise_name(value: object) -> str:
    """Fold a table name, column name or enumeration value to its lookup form."""
    text = str(value).strip().casefold().translate(_FOLD)
    return _MULTI_UNDERSCORE.sub("_", text).strip("_")


# Synonyms per enumeration, keyed by the folded form; canonical values map to themselves.
ENUM_SYNONYMS: dict[str, dict[str, str]] = {
    "meeting_kind": {
        "ansvarsgruppe": "ansvarsgruppe",
        "ansvarsgruppemote": "ansvarsgruppe",
        "samarbeidsmote": "samarbeidsmote",
        "oppstart": "oppstart",
        "oppstartsmote": "oppstart",
        "oppstartmote": "oppstart",
        "evaluering": "evaluering",
        "evalueringsmote": "evaluering",
        "annet": "annet",
    },
    "meeting_status": {
        "held": "held",
        "avholdt": "held",
        "gjennomfort": "held",
        "planned": "planned",
        "planlagt": "planned",
        "cancelled": "cancelled",
        "canceled": "cancelled",
        "avlyst": "cancelled",
    },
    "service_category": {
        "helse": "helse",
        "omsorg": "omsorg",
        "spesialist": "spesialist",
        "spesialisthelsetjenesten": "spesialist",
        "fastlege": "fastlege",
        "helsesykepleier": "helsesykepleier",
        "oppvekst": "oppvekst",
        "nav": "nav",
        "barnevern": "barnevern",
        "annet": "annet",
    },
    "assignment_role": {
        "koordinator": "koordinator",
        "barnekoordinator": "barnekoordinator",
    },
    "consent_scope": {
        "ip": "ip",
        "individuell_plan": "ip",
        "ansvarsgruppe": "ansvarsgruppe",
        "samarbeidsmote": "samarbeidsmote",
        "informasjonsdeling": "informasjonsdeling",
        "alle": "alle",
    },
    "consent_form": {
        "skriftlig": "skriftlig",
        "muntlig": "muntlig",
    },
    "relation": {
        "barn": "barn",
        "sonn": "barn",
        "datter": "barn",
        "stebarn": "barn",
        "fosterbarn": "barn",
        "child": "barn",
        "sosken": "sosken",
        "bror": "sosken",
        "soster": "sosken",
        "halvbror": "sosken",
        "halvsoster": "sosken",
        "sibling": "sosken",
        "forelder": "forelder",
        "mor": "forelder",
        "far": "forelder",
        "parent": "forelder",
        "partner": "partner",
        "ektefelle": "partner",
        "samboer": "partner",
        "annet": "annet",
    },
    "referral_source": {
        "bruker": "bruker",
        "parorende": "parorende",
        "fastlege": "fastlege",
        "kommunal_tjeneste": "kommunal_tjeneste",
        "spesialisthelsetjenesten": "spesialisthelsetjenesten",
        "annet": "annet",
    },
    # The KE's tasks in Helsedirektoratet's guideline 12.3, with their headings as synonyms.
    "ke_task": {
        "plan": "plan",
        "kommunens_plan_for_habilitering_og_rehabilitering": "plan",
        "brukermedvirkning": "brukermedvirkning",
        "legge_til_rette_for_brukermedvirkning": "brukermedvirkning",
        "oversikt": "oversikt",
        "ha_oversikt_over_tilbud_innen_habilitering_og_rehabilitering": "oversikt",
        "meldinger": "meldinger",
        "motta_meldinger": "meldinger",
        "motta_meldinger_om_behov_for_individuell_plan_og_koordinator": "meldinger",
        "rutiner_ip": "rutiner_ip",
        "rutiner_for_individuell_plan": "rutiner_ip",
        "utarbeide_rutiner_for_arbeidet_med_individuell_plan_og_koordinator": "rutiner_ip",
        "oppnevning": "oppnevning",
        "oppnevning_av_koordinator": "oppnevning",
        "kompetanse": "kompetanse",
        "kompetanseheving": "kompetanse",
        "kompetanseheving_om_individuell_plan_og_koordinator": "kompetanse",
        "opplaering": "opplaering",
        "opplaering_og_veiledning_av_koordinatorer": "opplaering",
        "samarbeid": "samarbeid",
        "bidra_til_samarbeid_pa_tvers_av_fagomrader,_nivaer_og_sektorer": "samarbeid",
        "familieperspektiv": "familieperspektiv",
        "familieperspektivet": "familieperspektiv",
        "ivareta_familieperspektivet": "familieperspektiv",
        "informasjon": "informasjon",
        "sikre_informasjon_til_befolkningen_og_samarbeidspartnere": "informasjon",
        "interne_meldinger": "interne_meldinger",
        "motta_interne_meldinger": "interne_meldinger",
        "motta_interne_meldinger_om_mulig_behov_for_habilitering_og_rehabilitering": "interne_meldinger",
    },
}

# The guideline's heading of each KE task (12.3), in bokmål and English: what the template's help
# sheet shows next to the key. Each bokmål heading, folded, is a synonym of its key (a test checks).
KE_TASK_LABELS: dict[str, tuple[str, str]] = {
    "plan": ("Kommunens plan for habilitering og rehabilitering",
             "The municipality's plan for habilitation and rehabilitation"),
    "brukermedvirkning": ("Legge til rette for brukermedvirkning", "Facilitate user involvement"),
    "oversikt": ("Ha oversikt over tilbud innen habilitering og rehabilitering",
                 "Keep an overview of habilitation and rehabilitation services"),
    "meldinger": ("Motta meldinger om behov for individuell plan og koordinator",
                  "Receive notices of need for an individual plan and a coordinator"),
    "rutiner_ip": ("Utarbeide rutiner for arbeidet med individuell plan og koordinator",
                   "Draw up routines for the work with individual plans and coordinators"),
    "oppnevning": ("Oppnevning av koordinator", "Appoint coordinators"),
    "kompetanse": ("Kompetanseheving om individuell plan og koordinator",
                   "Raise competence on individual plans and coordinators"),
    "opplaering": ("Opplæring og veiledning av koordinatorer", "Train and guide coordinators"),
    "samarbeid": ("Bidra til samarbeid på tvers av fagområder, nivåer og sektorer",
                  "Foster cooperation across disciplines, levels and sectors"),
    "familieperspektiv": ("Ivareta familieperspektivet", "Look after the family perspective"),
    "informasjon": ("Sikre informasjon til befolkningen og samarbeidspartnere",
                    "Inform the public and partners"),
    "interne_meldinger": ("Motta interne meldinger om mulig behov for habilitering og rehabilitering",
                          "Receive internal notices of a possible need for habilitation and rehabilitation"),
}

# Bokmål service names -> category, used only when a service row has no category.
SERVICE_CATEGORIES: dict[str, str] = {
    normalise_name(name): category
    for category, names in {
        "helse": [
            "hjemmesykepleie", "fysioterapi", "ergoterapi", "psykisk helsetjeneste",
            "psykisk helse", "rustjeneste", "rus og psykisk helse", "legevakt",
            "hverdagsrehabilitering", "rehabilitering", "kreftkoordinator",
            "hukommelsesteam", "logoped", "ernæringsfysiolog",
        ],
        "omsorg": [
            "praktisk bistand", "hjemmehjelp", "avlastning", "brukerstyrt personlig assistanse",
            "bpa", "omsorgsstønad", "dagsenter", "dagaktivitetstilbud", "støttekontakt",
            "korttidsopphold", "langtidsopphold", "sykehjem", "trygghetsalarm",
            "matombringing", "omsorgsbolig", "bolig med bemanning", "miljøarbeidertjeneste",
        ],
        "spesialist": [
            "bup", "dps", "habiliteringstjenesten", "habu", "hav",
            "spesialisthelsetjenesten", "sykehus", "rehabiliteringsopphold",
            "poliklinikk", "tsb",
        ],
        "fastlege": ["fastlege"],
        "helsesykepleier": [
            "helsesykepleier", "helsestasjon", "skolehelsetjenesten",
            "helsestasjon for ungdom",
        ],
        "oppvekst": [
            "barnehage", "skole", "ppt", "spesialpedagogisk hjelp", "spesialundervisning",
            "sfo",
        ],
        "nav": ["nav", "nav-oppfølging", "arbeidsavklaringspenger", "kvalifiseringsprogram"],
        "barnevern": ["barnevern", "barneverntjenesten"],
    }.items()
    for name in names
}

BOOL_WORDS: dict[str, bool] = {
    "true": True, "false": False,
    "ja": True, "nei": False,
    "j": True, "n": False,
    "yes": True, "no": False,
    "1": True, "0": False,
    "x": True,
}
