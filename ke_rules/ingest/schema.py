"""The input contract as data: tables, columns, kinds, aliases and row checks.

Declaring the contract here (and nothing else) keeps the loader generic: the same
code validates every table, and the README and the input template are generated
from the same declarations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ke_rules.ingest.vocabulary import normalise_name

__all__ = ["Column", "Table", "TABLES", "WAIVERS", "resolve_table_name", "resolve_waivers_name", "table_spec",
           "ColumnKind"]

ColumnKind = Literal["id", "text", "date", "bool", "int", "enum"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    required: bool = False
    aliases: tuple[str, ...] = ()
    enum: str | None = None  # key into vocabulary.ENUM_SYNONYMS
    default: str | None = None  # enumeration default when empty
    nb: str = ""  # what the column means, in bokmål (template, README)


@dataclass(frozen=True)
class Table:
    name: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]
    unique: str | None = None  # the column whose values must not repeat
    date_pairs: tuple[tuple[str, str], ...] = ()  # (start, end): end before start sets the row aside
    nb: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def alias_map(self) -> dict[str, str]:
        """Folded alias or canonical name -> canonical column name."""
        out: dict[str, str] = {}
        for c in self.columns:
            out[normalise_name(c.name)] = c.name
            for a in c.aliases:
                out[normalise_name(a)] = c.name
        return out


C = Column

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "cases",
            ("saker",),
            (
                C("case_id", "id", True, ("sak_id", "saksnummer"), nb="Sakens id (unik)"),
                C("municipality", "text", aliases=("kommune", "kommunenummer"), nb="Kommunenummer"),
                C("birth_date", "date", aliases=("fødselsdato", "fodselsdato"), nb="Mottakers fødselsdato"),
                C("opened_on", "date", aliases=("åpnet", "åpnet_dato", "opprettet"), nb="Saken åpnet i KE"),
                C("closed_on", "date", aliases=("avsluttet", "avsluttet_dato"), nb="Saken avsluttet"),
                C("wants_coordinator", "bool", aliases=("ønsker_koordinator",), nb="Mottaker ønsker koordinator"),
                C("long_term_need", "bool", aliases=("langvarig_behov",), nb="Dokumentert behov for langvarige, koordinerte tjenester"),
                C("ip_started_on", "date", aliases=("ip_startet", "ip_startdato"), nb="Individuell plan startet"),
                C("ip_ended_on", "date", aliases=("ip_avsluttet", "ip_sluttdato"), nb="Individuell plan avsluttet"),
                C("ip_last_evaluated_on", "date", aliases=("ip_sist_evaluert",), nb="IP sist evaluert"),
                C("relatives_mapped_on", "date", aliases=("pårørende_kartlagt", "barn_som_pårørende_kartlagt"), nb="Barn som pårørende/søsken kartlagt"),
                C("child_coordinator_eligible", "bool", aliases=("rett_til_barnekoordinator",), nb="Familien har rett til barnekoordinator"),
                C("unit", "text", aliases=("enhet", "tjenesteenhet", "distrikt"), nb="Tjenesteenheten (enhet, distrikt) som har ansvaret for saken"),
            ),
            unique="case_id",
            date_pairs=(("opened_on", "closed_on"), ("ip_started_on", "ip_ended_on")),
            nb="Én rad per tjenestemottaker KE følger opp",
        ),
        Table(
            "services",
            ("tjenester",),
            (
                C("case_id", "id", True, ("sak_id",), nb="Sakens id"),
                C("service", "text", True, ("tjeneste",), nb="Tjenestens navn, f.eks. hjemmesykepleie"),
                C("category", "enum", aliases=("kategori",), enum="service_category", nb="Kategori; tom = utledes av tjenestenavnet"),
                C("provider", "text", aliases=("leverandør", "tjenesteyter"), nb="Tjenesteyter"),
                C("start_date", "date", True, ("startdato", "fra_dato"), nb="Tjenesten startet"),
                C("end_date", "date", aliases=("sluttdato", "til_dato"), nb="Tjenesten avsluttet"),
            ),
            date_pairs=(("start_date", "end_date"),),
            nb="Tjenester mottakeren får",
        ),
        Table(
            "coordinators",
            ("koordinatorer",),
            (
                C("coordinator_id", "id", True, ("koordinator_id",), nb="Koordinatorens id (unik)"),
                C("name", "text", aliases=("navn",), nb="Navn"),
                C("unit", "text", aliases=("enhet", "tjenesteenhet"), nb="Tjenesteenhet"),
                C("trained_on", "date", aliases=("opplært", "opplæring_fullført"), nb="Koordinatoropplæring fullført"),
                C("agreed_max_cases", "int", aliases=("avtalt_maks_saker", "avtalt_maksimum"), nb="Avtalt maksimalt antall saker"),
            ),
            unique="coordinator_id",
            nb="Koordinatorer",
        ),
        Table(
            "assignments",
            ("oppnevninger",),
            (
                C("case_id", "id", True, ("sak_id",), nb="Sakens id"),
                C("coordinator_id", "id", True, ("koordinator_id",), nb="Koordinatorens id"),
                C("role", "enum", aliases=("rolle",), enum="assignment_role", default="koordinator", nb="koordinator eller barnekoordinator"),
                C("start_date", "date", True, ("startdato", "oppnevnt"), nb="Oppnevnt fra"),
                C("end_date", "date", aliases=("sluttdato",), nb="Oppnevnt til"),
            ),
            date_pairs=(("start_date", "end_date"),),
            nb="Oppnevning av koordinator til sak",
        ),
        Table(
            "groups",
            ("ansvarsgrupper",),
            (
                C("group_id", "id", True, ("gruppe_id", "ansvarsgruppe_id"), nb="Ansvarsgruppens id (unik)"),
                C("case_id", "id", True, ("sak_id",), nb="Sakens id"),
                C("established_on", "date", True, ("opprettet", "etablert"), nb="Gruppen opprettet"),
                C("dissolved_on", "date", aliases=("oppløst",), nb="Gruppen oppløst"),
            ),
            unique="group_id",
            date_pairs=(("established_on", "dissolved_on"),),
            nb="Ansvarsgrupper",
        ),
        Table(
            "meetings",
            ("møter",),
            (
                C("meeting_id", "id", True, ("møte_id",), nb="Møtets id (unik)"),
                C("case_id", "id", True, ("sak_id",), nb="Sakens id"),
                C("kind", "enum", aliases=("type", "møtetype"), enum="meeting_kind", default="ansvarsgruppe", nb="ansvarsgruppe, samarbeidsmøte, oppstart, evaluering, annet"),
                C("meeting_date", "date", True, ("møtedato", "dato"), nb="Møtedato"),
                C("status", "enum", aliases=("møtestatus",), enum="meeting_status", nb="avholdt, planlagt, avlyst; tom = avholdt hvis datoen er passert"),
                C("invitation_sent_on", "date", aliases=("innkalling_sendt",), nb="Innkalling sendt"),
                C("invitation_has_subject", "bool", aliases=("innkalling_hvem_gjelder",), nb="Innkallingen sier hvem møtet gjelder"),
                C("invitation_has_participants", "bool", aliases=("innkalling_deltakere",), nb="Innkallingen navngir deltakere"),
                C("invitation_has_time_place", "bool", aliases=("innkalling_tid_sted",), nb="Innkallingen har tid og sted"),
                C("invitation_has_agenda", "bool", aliases=("innkalling_saksliste",), nb="Innkallingen har saksliste"),
                C("minutes_sent_on", "date", aliases=("referat_sendt",), nb="Referat sendt"),
                C("next_meeting_on", "date", aliases=("neste_møte",), nb="Neste møte avtalt til"),
            ),
            unique="meeting_id",
            nb="Møter (ansvarsgruppemøter, samarbeidsmøter m.m.)",
        ),
        Table(
            "consents",
            ("samtykker",),
            (
                C("case_id", "id", True, ("sak_id",), nb="Sakens id"),
                C("scope", "enum", True, ("omfang", "gjelder"), enum="consent_scope", nb="ip, ansvarsgruppe, samarbeidsmøte, informasjonsdeling, alle"),
                C("given_on", "date", True, ("gitt", "gitt_dato"), nb="Samtykke gitt"),
                C("withdrawn_on", "date", aliases=("trukket", "trukket_tilbake"), nb="Samtykke trukket tilbake (gjelder fra den dagen)"),
                C("form", "enum", aliases=("samtykkeform",), enum="consent_form", nb="skriftlig eller muntlig"),
            ),
            date_pairs=(("given_on", "withdrawn_on"),),
            nb="Samtykker",
        ),
        Table(
            "relatives",
            ("pårørende",),
            (
                C("case_id", "id", True, ("sak_id",), nb="Sakens id"),
                C("relation", "enum", True, ("relasjon",), enum="relation", nb="barn, søsken, forelder, partner, annet"),
                C("birth_date", "date", aliases=("fødselsdato",), nb="Fødselsdato (avgjør om pårørende er mindreårig)"),
            ),
            nb="Pårørende",
        ),
        Table(
            "referrals",
            ("meldinger",),
            (
                C("case_id", "id", True, ("sak_id",), nb="Sakens id"),
                C("received_on", "date", True, ("mottatt",), nb="Melding mottatt i KE"),
                C("source", "enum", aliases=("kilde", "avsender"), enum="referral_source", nb="bruker, pårørende, fastlege, kommunal_tjeneste, spesialisthelsetjenesten, annet"),
            ),
            nb="Meldinger om behov til KE",
        ),
        Table(
            "ke_meetings",
            ("ke_møter",),
            (C("meeting_date", "date", True, ("møtedato", "dato"), nb="Møtedato"),),
            nb="Koordinerende enhets egne møter",
        ),
        Table(
            "ip_reviews",
            ("ip_gjennomganger", "ip_gjennomgang"),
            (
                C("case_id", "id", True, ("sak_id",), nb="Sakens id"),
                C("reviewed_on", "date", True, ("gjennomgått", "gjennomgått_dato", "dato"), nb="Planen gjennomgått"),
                C("reviewer", "text", aliases=("gjennomgått_av",), nb="Hvem som gjennomgikk planen"),
                C("goals", "bool", aliases=("mål", "mål_ressurser_behov"), nb="Mål, ressurser og behov"),
                C("participants", "bool", aliases=("deltakere", "hvem_deltar"), nb="Hvem som deltar i planarbeidet"),
                C("coordinator", "bool", aliases=("koordinator", "hvem_er_koordinator"), nb="Hvem som er koordinator"),
                C("contributions", "bool", aliases=("bidrag",), nb="Hva bruker, tjenesteytere og pårørende bidrar med"),
                C("measures", "bool", aliases=("tiltak", "tiltak_omfang_ansvar"), nb="Tiltak, omfang og hvem som har ansvaret"),
                C("implementation", "bool", aliases=("gjennomføring",), nb="Hvordan tiltakene gjennomføres"),
                C("period", "bool", aliases=("planperiode", "revisjon"), nb="Planperiode og når planen revideres"),
                C("consent", "bool", aliases=("samtykke",), nb="Samtykke til planen og til informasjonsdeling"),
                C("cooperation", "bool", aliases=("samarbeid",), nb="Samarbeid med andre tjenesteytere"),
            ),
            nb="KEs gjennomgang av et utvalg individuelle planer (veilederen 13.6)",
        ),
        Table(
            "ke_routines",
            ("ke_rutiner", "rutiner"),
            (
                C("task", "enum", True, ("oppgave",), enum="ke_task", nb="KE-oppgaven rutinen gjelder (veilederen 12.3)"),
                C("title", "text", aliases=("tittel",), nb="Rutinedokumentets tittel"),
                C("owner", "text", aliases=("eier", "ansvarlig"), nb="Hvem som har ansvaret for rutinen"),
                C("last_revised_on", "date", aliases=("sist_revidert", "revidert"), nb="Sist revidert"),
                C("in_quality_system", "bool", aliases=("i_kvalitetssystemet", "i_kvalitetssystem"), nb="Lagt i kommunens kvalitetssystem (f.eks. Compilo)"),
            ),
            nb="Koordinerende enhets egne rutiner",
        ),
    ]
}

_TABLE_ALIASES: dict[str, str] = {}
for _t in TABLES.values():
    _TABLE_ALIASES[normalise_name(_t.name)] = _t.name
    for _a in _t.aliases:
        _TABLE_ALIASES[normalise_name(_a)] = _t.name


def resolve_table_name(name: str) -> str | None:
    """Canonical table name for a sheet, file stem or JSON key; None when unknown."""
    return _TABLE_ALIASES.get(normalise_name(name))


# Waivers (unntak, report-contract.md "Waivers"): read with the same readers and value parsers as a
# table, but not a snapshot table (no absent-table notice, no entry in input.tables), so not in TABLES.
WAIVERS = Table(
    "waivers",
    ("unntak",),
    (
        C("rule_id", "id", True, ("regel_id", "regel"), nb="Id-en til regelen funnet gjelder (f.eks. KE-MEET-FREQ)"),
        C("subject_id", "id", True, ("gjelder_id", "subjekt_id", "id"), nb="Funnets subject_id (sak, koordinator, gruppe, møte, måned)"),
        C("reason", "text", True, ("begrunnelse", "årsak"), nb="Hvorfor funnet godtas"),
        C("decided_by", "text", True, ("besluttet_av", "vedtatt_av"), nb="Hvem som besluttet (en rolle, ikke et fødselsnummer)"),
        C("decided_on", "date", True, ("besluttet", "besluttet_dato", "vedtatt_dato"), nb="Dato for beslutningen"),
        C("expires_on", "date", True, ("utløper", "gyldig_til", "utløpsdato"), nb="Siste dag unntaket gjelder"),
    ),
    date_pairs=(("decided_on", "expires_on"),),
    nb="Unntak: dokumenterte beslutninger om å godta et funn for en tid (ikke en tabell i uttrekket)",
)
_WAIVER_NAMES = frozenset(normalise_name(n) for n in (WAIVERS.name, *WAIVERS.aliases))


def resolve_waivers_name(name: str) -> str | None:
    """``"waivers"`` for a sheet, file stem or JSON key that names the waivers (``waivers``, ``unntak``)."""
    return WAIVERS.name if normalise_name(name) in _WAIVER_NAMES else None


def table_spec(name: str) -> Table:
    """The declaration of a snapshot table, or of the waivers."""
    return WAIVERS if name == WAIVERS.name else TABLES[name]


# Tables whose rows need an existing, kept case (every table but cases, coordinators, ke_meetings).
CASE_TABLES = tuple(
    t.name for t in TABLES.values() if "case_id" in t.column_names and t.name != "cases"
)


def contract_markdown() -> str:
    """Tables, columns, kinds and accepted bokmål aliases (docs/input.md; a test keeps it equal)."""
    from ke_rules.ingest.vocabulary import ENUM_SYNONYMS, SERVICE_CATEGORIES

    lines = ["# Inndata / input tables", "",
             "Generated from `ke_rules/ingest/schema.py` and `ke_rules/ingest/vocabulary.py` "
             "(`python -m ke_rules.ingest.schema > docs/input.md`). Names match case-insensitively, with "
             "surrounding spaces ignored and æ/ø/å equal to ae/o/a; `*` = required.", ""]
    for t in [*TABLES.values(), WAIVERS]:
        lines += [f"## {t.name} ({', '.join(t.aliases)}) — {t.nb}", "",
                  "| column | kind | aliases | meaning |", "|---|---|---|---|"]
        for c in t.columns:
            kind = c.kind + (f" ({c.enum})" if c.enum else "")
            lines.append(f"| {c.name}{'*' if c.required else ''} | {kind} | {', '.join(c.aliases)} | {c.nb} |")
        lines.append("")
    lines += ["## Enumerations and synonyms", ""]
    for enum, words in ENUM_SYNONYMS.items():
        by_value: dict[str, list[str]] = {}
        for word, value in words.items():
            if word != value:
                by_value.setdefault(value, []).append(word)
        shown = "; ".join(f"`{v}`" + (f" ← {', '.join(by_value[v])}" if v in by_value else "")
                          for v in dict.fromkeys(words.values()))
        lines.append(f"- **{enum}**: {shown}")
    lines += ["", "## Service vocabulary (category inferred when empty)", ""]
    by_cat: dict[str, list[str]] = {}
    for name, cat in SERVICE_CATEGORIES.items():
        by_cat.setdefault(cat, []).append(name)
    for cat, names in by_cat.items():
        lines.append(f"- **{cat}**: {', '.join(sorted(names))}")
    lines += ["", "## Input problems (`input_problems[].code`)", "",
              "Every problem the loader reports has one of these codes; `problem` in the report is its text "
              "(bokmål, or English with `--lang en`). Whether it sets the row aside (`error`), keeps the row "
              "with the value taken as empty (`warning`) or only informs (`notice`) depends on where it occurs "
              "(input-contract.md).", "",
              "| code | bokmål | English |", "|---|---|---|"]
    from ke_rules.report.models import PROBLEM_TEXT

    for code, (nb, en) in PROBLEM_TEXT.items():
        lines.append(f"| `{code.value}` | {nb.replace('{detail}', 'n')} | {en.replace('{detail}', 'n')} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(contract_markdown(), end="")
