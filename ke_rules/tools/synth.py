"""Synthetic KE snapshots for tests, demos and benchmarks.

:func:`generate` builds a realistic, internally consistent snapshot of what a
koordinerende enhet (KE) knows about its cases on one day (``as_of``): every table
of the input contract, canonical column names, values that load without input
errors or warnings, and values on both sides of every rule boundary of ``rules.md``
relative to ``as_of`` (a coordinator with exactly 5 and exactly 6 active cases,
invitations sent exactly 13, 14 and 15 days ahead, a consent withdrawn on ``as_of``,
a recipient born 29 February, services started 89, 90 and 91 days ago, groups
established 182 and 183 days ago, ...).

The snapshot looks like a KE's register: bokmål service names with their
categories (the project's vocabulary, ``vocabulary.py``), coordinators carrying 0-8
cases each, all in their own municipality, responsibility groups meeting 0-4 times
a year, consents given and withdrawn, relatives, notices of need (referrals), and
the KE's own roughly monthly meetings.

:func:`write_snapshot` writes a snapshot as one ``.json`` file, an ``.xlsx``
workbook or a folder of ``.csv`` files; the same snapshot always gives the same
bytes (the workbook's zip entries carry a fixed timestamp).

The generator is vectorised (numpy ``default_rng(seed)``): ``generate(100_000)``
yields about a million rows in seconds. The same ``(cases, seed, as_of)`` always
gives the same output.

With ``input_warnings=True`` the data also holds the input problems of severity
warning that rules.md defines (a few meetings ``planned`` in the past or ``held``
in the future, a few cases with two groups active at ``as_of``), for exercising
the loader; by default there are none.
"""

from __future__ import annotations

import csv
import datetime
import json
import pathlib
import re
import zipfile
from xml.sax.saxutils import escape as _xml_escape

import numpy as np
import pandas as pd

from ke_rules.ingest.schema import TABLES
from ke_rules.ingest.vocabulary import ENUM_SYNONYMS, SERVICE_CATEGORIES, normalise_name
from ke_rules.ingest.zip_guard import column_letters
from ke_rules.runtime.atomic import atomic_path, write_bytes_atomic

__all__ = ["generate", "write_snapshot", "TABLE_COLUMNS"]

# Canonical tables and columns (input-contract.md), in contract order.
TABLE_COLUMNS: dict[str, list[str]] = {t.name: t.column_names for t in TABLES.values()}


def _canonical(enum: str) -> list[str]:
    """The canonical values of an enumeration, in the vocabulary's order."""
    return list(dict.fromkeys(ENUM_SYNONYMS[enum].values()))


# --------------------------------------------------------------------------- vocabularies

# kommunenummer, name, weight, the hospital trust serving it
_MUNICIPALITIES = [
    ("0301", "Oslo", 0.35, "Oslo universitetssykehus"),
    ("4601", "Bergen", 0.20, "Helse Bergen, Haukeland universitetssjukehus"),
    ("5001", "Trondheim", 0.17, "St. Olavs hospital"),
    ("1103", "Stavanger", 0.14, "Stavanger universitetssjukehus"),
    ("3403", "Hamar", 0.10, "Sykehuset Innlandet"),
    ("3421", "Trysil", 0.04, "Sykehuset Innlandet"),
]

# service name, category, provider template, weight for children, weight for adults
_SERVICES = [
    ("hjemmesykepleie", "helse", "Hjemmetjenesten {kommune}", 0.3, 14.0),
    ("praktisk bistand", "omsorg", "Hjemmetjenesten {kommune}", 0.0, 9.0),
    ("fysioterapi", "helse", "Fysio- og ergoterapitjenesten {kommune}", 8.0, 8.0),
    ("ergoterapi", "helse", "Fysio- og ergoterapitjenesten {kommune}", 6.0, 6.0),
    ("psykisk helsetjeneste", "helse", "Psykisk helse og rus {kommune}", 1.5, 8.0),
    ("rustjeneste", "helse", "Psykisk helse og rus {kommune}", 0.0, 2.0),
    ("hverdagsrehabilitering", "helse", "Hverdagsrehabiliteringsteamet {kommune}", 0.0, 3.0),
    ("korttidsopphold", "omsorg", "Helsehuset {kommune}", 0.0, 2.0),
    ("avlastning", "omsorg", "Avlastningstjenesten {kommune}", 10.0, 2.0),
    ("dagsenter", "omsorg", "Dagsenteret {kommune}", 0.0, 5.0),
    ("støttekontakt", "omsorg", "Tildelingskontoret {kommune}", 4.0, 3.0),
    ("brukerstyrt personlig assistanse", "omsorg", "Tildelingskontoret {kommune}", 2.0, 2.0),
    ("omsorgsstønad", "omsorg", "Tildelingskontoret {kommune}", 3.0, 1.0),
    ("trygghetsalarm", "omsorg", "Hjemmetjenesten {kommune}", 0.0, 4.0),
    ("BUP", "spesialist", "{sykehus}, BUP", 7.0, 0.0),
    ("habiliteringstjenesten", "spesialist", "{sykehus}, habiliteringstjenesten", 5.0, 1.0),
    ("DPS", "spesialist", "{sykehus}, DPS", 0.0, 3.0),
    ("rehabiliteringsopphold", "spesialist", "{sykehus}", 0.0, 1.5),
    ("fastlege", "fastlege", "Legesenteret {kommune}", 8.0, 10.0),
    ("helsesykepleier", "helsesykepleier", "Helsestasjon og skolehelsetjenesten {kommune}", 8.0, 0.0),
    ("spesialpedagogisk hjelp", "oppvekst", "PP-tjenesten {kommune}", 6.0, 0.0),
    ("PP-tjenesten", "oppvekst", "PP-tjenesten {kommune}", 3.0, 0.0),
    ("spesialundervisning", "oppvekst", "Skolen", 4.0, 0.0),
    ("NAV-oppfølging", "nav", "NAV {kommune}", 0.5, 6.0),
    ("arbeidsavklaringspenger", "nav", "NAV {kommune}", 0.0, 2.0),
    ("barnevern", "barnevern", "Barneverntjenesten {kommune}", 4.0, 0.0),
    ("TT-kort", "annet", "Fylkeskommunen", 0.5, 2.0),
    ("fritidsassistent", "annet", "Kultur og fritid {kommune}", 2.0, 0.5),
]
_CATEGORIES = _canonical("service_category")
for _name, _cat, *_ in _SERVICES:  # the vocabulary, where it knows a name, agrees
    assert _cat in _CATEGORIES and SERVICE_CATEGORIES.get(normalise_name(_name), _cat) == _cat, _name
# names whose category may be left empty: the vocabulary infers it
_INFERABLE = tuple(s[0] for s in _SERVICES if normalise_name(s[0]) in SERVICE_CATEGORIES)

_FIRST_NAMES = (  # noqa: SIM905
    "Anne Inger Kari Marit Ingrid Liv Eva Berit Astrid Bjørg Hilde Randi Silje Ida Nora "
    "Ingvild Marte Camilla Tone Siri Jan Per Bjørn Ole Lars Kjell Knut Arne Svein Geir "
    "Thomas Morten Espen Anders Jonas Håkon Magnus Øystein Trond Eirik Fatima Ahmed Maria "
    "Piotr Sofie Aisha"
).split()
_LAST_NAMES = (  # noqa: SIM905
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen "
    "Johnsen Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl "
    "Jørgensen Halvorsen Henriksen Lund Sørensen Jakobsen Moen Gundersen Iversen Strand "
    "Solberg Svendsen Eide Knutsen Martinsen Paulsen Bakken Kristoffersen Mathisen Lie "
    "Amundsen Nguyen Rasmussen Ali Lunde Solheim Sæther Ødegård Aas"
).split()
_UNITS = [
    "Hjemmetjenesten",
    "Tildelingskontoret",
    "Psykisk helse og rus",
    "Helsestasjon og skolehelsetjenesten",
    "Fysio- og ergoterapitjenesten",
    "Barne- og familietjenesten",
    "Avlastningstjenesten",
    "Koordinerende enhet",
    "Habiliteringstjenesten",
    "PP-tjenesten",
    "NAV",
    "Tjenester for funksjonshemmede",
]
# the service units cases belong to (cases.unit), with weights
_CASE_UNITS = [
    "Hjemmetjenesten sone nord",
    "Hjemmetjenesten sone sør",
    "Psykisk helse og rus",
    "Barne- og familietjenesten",
    "Tjenester for funksjonshemmede",
    "Helsehuset",
    "Tildelingskontoret",
]
_CASE_UNIT_WEIGHTS = [0.22, 0.2, 0.15, 0.12, 0.14, 0.1, 0.07]
_CHECKLIST = [c.name for c in TABLES["ip_reviews"].columns if c.kind == "bool"]
_REVIEWERS = ["KE-leder", "Rådgiver koordinerende enhet", "Fagutviklingssykepleier", "Kvalitetsrådgiver"]
_ROUTINE_OWNERS = ["Leder koordinerende enhet", "Kommunalsjef helse og omsorg", "Fagrådgiver"]
# the tasks of guideline 12.3 and a routine title for each
_TASK_TITLES = {
    "plan": "Plan for habilitering og rehabilitering",
    "brukermedvirkning": "Rutine for brukermedvirkning",
    "oversikt": "Oversikt over tilbud innen habilitering og rehabilitering",
    "meldinger": "Mottak og behandling av meldinger til koordinerende enhet",
    "rutiner_ip": "Rutine for arbeid med individuell plan og koordinator",
    "oppnevning": "Oppnevning av koordinator",
    "kompetanse": "Kompetanseplan individuell plan og koordinator",
    "opplaering": "Opplæring og veiledning av koordinatorer",
    "samarbeid": "Samarbeidsavtaler på tvers av tjenester",
    "familieperspektiv": "Barn som pårørende og familieperspektivet",
    "informasjon": "Informasjon om koordinerende enhet",
    "interne_meldinger": "Interne meldinger om behov for habilitering og rehabilitering",
}
_REQUIRED_TASKS = ["meldinger", "rutiner_ip", "oppnevning", "opplaering"]  # rules.md's default
assert list(_TASK_TITLES) == _canonical("ke_task")

# enumerations: codes index these lists (the vocabulary's canonical values)
_RELATIONS = _canonical("relation")
_SCOPES = _canonical("consent_scope")
_SOURCES = _canonical("referral_source")
_KINDS = _canonical("meeting_kind")
_STATUSES = [None, *_canonical("meeting_status")]  # code 0 = empty, then held, planned, cancelled
_ROLES = _canonical("assignment_role")
_FORMS = _canonical("consent_form")
assert _STATUSES == [None, "held", "planned", "cancelled"] and _KINDS[0] == "ansvarsgruppe"
assert _SCOPES[:2] == ["ip", "ansvarsgruppe"] and _SCOPES[-1] == "alle" and _RELATIONS[:2] == ["barn", "sosken"]

_NA = np.int64(-(2**40))  # "no date" sentinel for day offsets
_OBJ_BOOL = np.array([None, False, True], dtype=object)  # index with code + 1


# --------------------------------------------------------------------------- helpers


def _years_before(d: datetime.date, years: int) -> datetime.date:
    """The date `years` calendar years before d (29 February -> 28 February)."""
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


class _Gen:
    def __init__(self, cases: int, seed: int, as_of: datetime.date, input_warnings: bool = False):
        self.input_warnings = bool(input_warnings)
        if isinstance(as_of, datetime.datetime):
            as_of = as_of.date()
        if cases < 0:
            raise ValueError("cases must be >= 0")
        self.n = int(cases)
        self.rng = np.random.default_rng(seed)
        # the second wave's values come from their own stream, so the first wave's columns stay
        # what they were for a seed (reports and benchmarks of the first rules do not move)
        self.rng2 = np.random.default_rng([int(seed), 2])
        self.d = as_of
        self.d_ord = as_of.toordinal()

    # ------------------------------------------------------------------ small tools
    def off(self, day: datetime.date) -> int:
        return day.toordinal() - self.d_ord

    def uniform_int(self, lo, hi, size: int | None = None, rng=None):
        """Vectorised integer uniform on [lo, hi] (inclusive); lo/hi arrays or scalars, hi >= lo.
        The result has the broadcast shape of lo, hi and (size,)."""
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.asarray(hi, dtype=np.int64)
        shapes = [lo.shape, hi.shape] + ([(size,)] if size is not None else [])
        shape = np.broadcast_shapes(*shapes)
        u = (rng or self.rng).random(shape)
        return lo + np.floor(u * (hi - lo + 1)).astype(np.int64)

    def pick(self, n: int, p, rng=None) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        return np.searchsorted(np.cumsum(p / p.sum()), (rng or self.rng).random(n), side="right").clip(
            0, len(p) - 1
        )

    def tri(self, n: int, p_true: float, p_false: float, rng=None) -> np.ndarray:
        """Tri-state codes: 1 true, 0 false, -1 unknown."""
        c = self.pick(n, [p_true, p_false, max(0.0, 1 - p_true - p_false)], rng=rng)
        return np.array([1, 0, -1], dtype=np.int8)[c]

    def sprinkle(self, pool, values, frac: float, min_each: int = 1, rng=None):
        """Rows drawn from `pool` (without replacement) and the special values they get:
        each value at least `min_each` times when the pool allows, about `frac` of the pool."""
        pool = np.asarray(pool, dtype=np.int64)
        values = np.asarray(values)
        if len(pool) == 0 or len(values) == 0:
            return np.empty(0, dtype=np.int64), values[:0]
        k = max(min_each * len(values), int(round(frac * len(pool))))
        k = min(k, len(pool))
        rows = (rng or self.rng).choice(pool, size=k, replace=False)
        return rows, np.resize(values, k)

    # ------------------------------------------------------------------ output tools
    def dates(self, off) -> np.ndarray:
        off = np.asarray(off, dtype=np.int64)
        out = np.full(len(off), None, dtype=object)
        valid = off != _NA
        if valid.any():
            v = off[valid]
            lo, hi = int(v.min()), int(v.max())
            base = self.d_ord + lo
            lut = np.array(
                [datetime.date.fromordinal(base + k).isoformat() for k in range(hi - lo + 1)],
                dtype=object,
            )
            out[valid] = lut[v - lo]
        return out

    @staticmethod
    def bools(codes) -> np.ndarray:
        return _OBJ_BOOL[np.asarray(codes, dtype=np.int64) + 1]

    @staticmethod
    def lookup(values, idx, missing=None) -> np.ndarray:
        """values[idx] as an object array; idx < 0 -> None."""
        lut = np.array(list(values) + [None], dtype=object)
        idx = np.asarray(idx, dtype=np.int64)
        if missing is not None:
            idx = np.where(missing, -1, idx)
        return lut[np.where(idx < 0, len(lut) - 1, idx)]

    @staticmethod
    def ids(prefix: str, n: int, width: int) -> np.ndarray:
        return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)

    @staticmethod
    def rows(columns: list[str], arrays: list) -> list[dict]:
        lists = [a.tolist() if isinstance(a, np.ndarray) else list(a) for a in arrays]
        return [dict(zip(columns, t, strict=True)) for t in zip(*lists, strict=True)]

    # ------------------------------------------------------------------ the snapshot
    def run(self) -> dict[str, list[dict]]:
        self.make_cases()
        self.make_coordinators_and_assignments()
        self.make_services()
        self.make_referrals()
        self.make_groups_and_meetings()
        self.make_consents()
        self.make_relatives()
        self.make_ke_meetings()
        self.make_ip_reviews()
        self.make_ke_routines()
        return self.out

    # ------------------------------------------------------------------ cases
    def make_cases(self):
        n, rng = self.n, self.rng
        self.out: dict[str, list[dict]] = {}
        width = len(str(n)) if n else 1
        self.case_ids = self.ids("S-", n, width)

        # 0 in scope, 1 closed before as_of, 2 opened after as_of
        n_closed = int(round(0.10 * n))
        n_future = max(1, int(round(0.02 * n))) if n >= 20 else int(round(0.02 * n))
        status = np.zeros(n, dtype=np.int8)
        perm = rng.permutation(n)
        status[perm[:n_closed]] = 1
        status[perm[n_closed : n_closed + n_future]] = 2
        self.status = status
        ins, closed, future = status == 0, status == 1, status == 2

        muni = self.pick(n, [m[2] for m in _MUNICIPALITIES])
        self.muni = muni

        # birth date: ~22 % children, adults skewed old
        child = rng.random(n) < 0.22
        age_days = np.where(
            child,
            self.uniform_int(60, 18 * 365 - 10, n),
            np.where(
                rng.random(n) < 0.4,
                self.uniform_int(18 * 365 + 10, 50 * 365, n),
                self.uniform_int(50 * 365, 96 * 365, n),
            ),
        )
        birth = -age_days
        # turning 18 right around as_of, and 29 February births (minors and adults)
        b18 = self.off(_years_before(self.d, 18))
        specials = [b18 + k for k in range(-7, 8)]
        y = self.d.year - 18
        leaps = [
            yy for yy in range(y - 70, y + 8) if yy % 4 == 0 and (yy % 100 != 0 or yy % 400 == 0)
        ]
        feb29 = [self.off(datetime.date(yy, 2, 29)) for yy in leaps]
        feb29 = [o for o in feb29 if o <= -60]
        near = sorted(feb29, key=lambda o: abs(o - b18))[:3] + feb29[:2]
        rows, vals = self.sprinkle(np.arange(n), specials + near, 0.012)
        birth[rows] = vals
        no_birth = rng.random(n) < 0.01  # birth_date unknown (never a boundary row)
        no_birth[rows] = False
        self.birth = birth
        self.minor = (birth > b18) & (birth <= 0)  # approximate (exact at the boundary rows)

        # opened_on / closed_on
        opened = np.where(
            ins,
            self.uniform_int(-3650, 0, n),
            np.where(closed, self.uniform_int(-4000, -60, n), self.uniform_int(1, 90, n)),
        )
        opened = np.maximum(opened, np.minimum(birth, 0))  # not before the child was born
        rows, vals = self.sprinkle(np.flatnonzero(ins), [0, -1], 0.003)
        opened[rows] = vals
        closed_on = np.full(n, _NA)
        cl = np.flatnonzero(closed)
        closed_on[cl] = self.uniform_int(opened[cl], np.maximum(opened[cl], -1))
        # in scope but closing: exactly on as_of, or later
        rows, vals = self.sprinkle(np.flatnonzero(ins), [0], 0.004)
        closed_on[rows] = vals
        rows, _ = self.sprinkle(np.flatnonzero(ins & (closed_on == _NA)), [1], 0.01)
        closed_on[rows] = self.uniform_int(1, 120, len(rows))
        self.anchor = opened  # every child row is dated from here
        self.opened = opened.copy()
        rows, _ = self.sprinkle(np.flatnonzero(ins), [1], 0.005)
        self.opened[rows] = _NA  # opened_on unknown (still in scope)
        self.closed_on = closed_on
        self.ins, self.closed, self.future = ins, closed, future
        # "end" of the case life inside the snapshot: as_of or its closing day
        self.life_end = np.where(closed, closed_on, 0)

        wants = self.tri(n, 0.75, 0.15)
        ltn = self.tri(n, 0.60, 0.25)
        self.ltn = ltn

        # individual plan
        has_ip = np.where(ins, rng.random(n) < 0.5, np.where(closed, rng.random(n) < 0.4, False))
        ip_start = np.full(n, _NA)
        ii = np.flatnonzero(has_ip)
        ip_start[ii] = self.uniform_int(self.anchor[ii], self.life_end[ii])
        fut = ii[(rng.random(len(ii)) < 0.04) & ins[ii]]
        ip_start[fut] = self.uniform_int(1, 60, len(fut))
        rows, vals = self.sprinkle(ii[ins[ii] & (self.anchor[ii] <= 0)], [0], 0.003)
        ip_start[rows] = vals
        ip_end = np.full(n, _NA)
        # closed cases: the IP ended when the case closed (mostly)
        ci = ii[closed[ii] & (rng.random(len(ii)) < 0.75)]
        ip_end[ci] = np.maximum(closed_on[ci], ip_start[ci])
        # in scope: some ended before, on or after as_of
        si = ii[ins[ii] & (rng.random(len(ii)) < 0.12)]
        kind = self.pick(len(si), [0.6, 0.15, 0.25])
        e = np.where(
            kind == 0,
            self.uniform_int(ip_start[si], np.maximum(ip_start[si], -1)),
            np.where(kind == 1, 0, self.uniform_int(1, 365, len(si))),
        )
        ip_end[si] = np.maximum(e, ip_start[si])
        # last evaluation, between start and min(as_of, end)
        started = ii[ip_start[ii] <= 0]
        ev = started[rng.random(len(started)) < 0.7]
        hi = np.where(ip_end[ev] != _NA, np.minimum(ip_end[ev], 0), 0)
        ip_eval = np.full(n, _NA)
        ip_eval[ev] = self.uniform_int(ip_start[ev], np.maximum(ip_start[ev], hi))
        pool = started[(ip_start[started] <= -366) & (ip_end[started] == _NA)]
        rows, vals = self.sprinkle(pool, [-364, -365, -366], 0.02)
        ip_eval[rows] = vals
        self.ip_start, self.ip_end = ip_start, ip_end
        self.ip_active = (ip_start != _NA) & (ip_start <= 0) & ((ip_end == _NA) | (ip_end >= 0))

        # relatives mapped: empty, past, on as_of, after as_of
        mapped = np.full(n, _NA)
        k = self.pick(n, [0.60, 0.35, 0.05])
        past = np.flatnonzero((k == 0) & ~future)
        mapped[past] = self.uniform_int(np.minimum(self.anchor[past], 0), self.life_end[past])
        after = np.flatnonzero((k == 2) & ins)
        mapped[after] = self.uniform_int(1, 60, len(after))
        rows, vals = self.sprinkle(np.flatnonzero(ins), [0, 1], 0.004)
        mapped[rows] = vals

        eligible = np.where(self.minor, self.tri(n, 0.55, 0.30), self.tri(n, 0.02, 0.40))
        self.eligible = eligible

        # ---- second wave (own stream, so the columns above stay as they were for the seed)
        r2 = self.rng2
        # the service unit answering for the case; children mostly under the family services
        unit_code = np.where(self.minor & (r2.random(n) < 0.7), _CASE_UNITS.index("Barne- og familietjenesten"),
                             self.pick(n, _CASE_UNIT_WEIGHTS, rng=r2))
        unit = self.lookup(_CASE_UNITS, unit_code, missing=r2.random(n) < 0.04)
        # families expecting a child with a right to a barnekoordinator (birth_date after as_of).
        # Only the written cells change: the rest of the generator still sees a young child, so
        # the first stream (services, relatives, roles) is drawn exactly as before.
        pool = np.flatnonzero(ins & child & (self.anchor <= -31) & ~no_birth & (birth > b18 + 400) & (birth < -400))
        unborn, _ = self.sprinkle(pool, [1], 0.004, min_each=3, rng=r2)
        birth_out = np.where(no_birth, _NA, birth)
        birth_out[unborn] = self.uniform_int(1, 150, len(unborn), rng=r2)
        eligible_out = eligible.copy()
        eligible_out[unborn] = 1
        wants[unborn] = np.where(r2.random(len(unborn)) < 0.85, 1, 0)
        self.unborn = np.zeros(n, dtype=bool)
        self.unborn[unborn] = True
        # a child's family wanting a barnekoordinator: often enough for both sides of KE-CHILD-COORD
        kids = np.flatnonzero(ins & self.minor & (eligible == 1))
        rows, _ = self.sprinkle(kids, [1], 0.3, rng=r2)
        wants[rows] = 1
        # plans started exactly 365 (not examined by KE-IP-EVAL) and 366 days ago (examined)
        pool = np.flatnonzero(self.ip_active & (ip_start <= -367) & (ip_end == _NA) & (ip_eval == _NA))
        rows, vals = self.sprinkle(pool, [-365, -366], 0.02, min_each=2, rng=r2)
        ip_start[rows] = vals
        if self.input_warnings:  # an evaluation dated after as_of (warning evaluated_after_as_of)
            pool = np.flatnonzero(self.ip_active & (ip_eval != _NA))
            rows, _ = self.sprinkle(pool, [1], 0.01, min_each=2, rng=r2)
            ip_eval[rows] = self.uniform_int(1, 30, len(rows), rng=r2)

        self.out["cases"] = self.rows(
            TABLE_COLUMNS["cases"],
            [
                self.case_ids,
                self.lookup([m[0] for m in _MUNICIPALITIES], muni),
                self.dates(birth_out),
                self.dates(self.opened),
                self.dates(closed_on),
                self.bools(wants),
                self.bools(ltn),
                self.dates(ip_start),
                self.dates(ip_end),
                self.dates(ip_eval),
                self.dates(mapped),
                self.bools(eligible_out),
                unit,
            ],
        )

    # ------------------------------------------------------------------ coordinators
    def make_coordinators_and_assignments(self):
        n, rng = self.n, self.rng
        c = max(1, int(round(n / 4))) if n else 0
        width = max(4, len(str(c)))
        coord_ids = self.ids("K-", c, width)
        self.coord_ids = coord_ids

        # how many in-scope cases each coordinator carries at as_of (0-8)
        load = self.pick(c, [0.14, 0.16, 0.17, 0.15, 0.12, 0.10, 0.07, 0.05, 0.04]).astype(np.int64)
        agreed = np.where(
            rng.random(c) < 0.12, np.array([3, 4, 6, 8])[self.pick(c, [1, 1, 2, 1])], -1
        ).astype(np.int64)
        # (load, agreed limit) pairs guaranteed to be present: both sides of the limits
        forced = [
            (5, -1),
            (6, -1),
            (5, -1),
            (6, -1),
            (0, -1),
            (8, -1),
            (4, -1),
            (5, 4),
            (6, 6),
            (7, 6),
            (8, 8),
            (3, 3),
            (4, 3),
            (1, 0),
            (2, -1),
            (7, -1),
        ]
        forced = forced[:c]
        order = rng.permutation(c)
        fidx = order[: len(forced)]
        for i, (ld, ag) in zip(fidx, forced, strict=True):
            load[i], agreed[i] = ld, ag
        rest = order[len(forced) :]

        # every coordinator works in one municipality and coordinates only its cases
        nm = len(_MUNICIPALITIES)
        c_muni = self.pick(c, [m[2] for m in _MUNICIPALITIES])
        ins_idx = np.flatnonzero(self.ins & (self.anchor <= 0))
        room = np.bincount(self.muni[ins_idx], minlength=nm).astype(np.int64)
        for i in fidx:  # the forced loads go where there is room, so they survive small sizes
            c_muni[i] = int(np.argmax(room))
            room[c_muni[i]] -= load[i]
        counts = np.bincount(c_muni, minlength=nm)
        for m_ in np.flatnonzero((np.bincount(self.muni, minlength=nm) > 0) & (counts == 0)):
            donors = [i for i in rest if counts[c_muni[i]] > 1]  # rest is in random order
            if donors:
                counts[c_muni[donors[0]]] -= 1
                c_muni[donors[0]] = m_
                counts[m_] += 1

        # active assignments: each municipality's coordinators' slots filled with its cases
        # (about 90 % of them get one); the forced loads first, on cases with an active IP
        # first, so that counting only IP cases (lund) also has loads of 5 and 6
        perm = rng.permutation(ins_idx)
        slot_parts, case_parts = [], []
        for m_ in range(nm):
            f_m = fidx[c_muni[fidx] == m_]
            r_m = rest[c_muni[rest] == m_]
            fs = np.repeat(f_m, load[f_m])
            rs = rng.permutation(np.repeat(r_m, load[r_m]))
            cm = perm[self.muni[perm] == m_]
            ipc = cm[self.ip_active[cm]][: len(fs)]
            cm = np.concatenate([ipc, cm[~np.isin(cm, ipc)]])
            k = min(len(fs) + len(rs), len(cm), max(int(round(0.9 * len(cm))), len(fs)))
            slot_parts.append(np.concatenate([fs, rs])[:k].astype(np.int64))
            case_parts.append(cm[:k].astype(np.int64))
        slots = np.concatenate(slot_parts)
        act_cases = np.concatenate(case_parts)

        by_muni = np.argsort(c_muni, kind="stable")
        first_of = np.cumsum(counts) - counts

        def local_coordinator(cases: np.ndarray) -> np.ndarray:
            """A random coordinator of each case's municipality (any one when it has none)."""
            k = counts[self.muni[cases]]
            u = rng.random(len(cases))
            local = by_muni[np.clip(first_of[self.muni[cases]] + np.floor(u * k).astype(np.int64), 0, c - 1)]
            return np.where(k > 0, local, np.floor(u * c).astype(np.int64))

        trained = np.where(rng.random(c) < 0.82, self.uniform_int(-3650, -1, c), _NA)
        rows, vals = self.sprinkle(np.arange(c), [0], 0.005)
        trained[rows] = vals
        rows, _ = self.sprinkle(np.arange(c), [1], 0.02, min_each=2, rng=self.rng2)
        trained[rows] = self.uniform_int(1, 90, len(rows), rng=self.rng2)  # a course booked after as_of
        first = self.lookup(_FIRST_NAMES, rng.integers(0, len(_FIRST_NAMES), c))
        last = self.lookup(_LAST_NAMES, rng.integers(0, len(_LAST_NAMES), c))
        names = np.array(
            [f"{a} {b}" for a, b in zip(first.tolist(), last.tolist(), strict=True)], dtype=object
        )
        names[rng.random(c) < 0.02] = None
        unit = self.lookup(_UNITS, rng.integers(0, len(_UNITS), c), missing=rng.random(c) < 0.05)
        agreed_obj = np.array([int(v) if v >= 0 else None for v in agreed.tolist()], dtype=object)
        self.out["coordinators"] = self.rows(
            TABLE_COLUMNS["coordinators"],
            [
                coord_ids,
                names,
                unit,
                self.dates(trained),
                agreed_obj,
            ],
        )

        # ---- assignments
        # (case idx, coord idx, role code, start, end); role 0 empty, 1 koord., 2 barnekoord.
        parts = []

        # active at as_of
        a_case = act_cases
        m = len(a_case)
        a_start = self.uniform_int(np.minimum(self.anchor[a_case], 0), 0)
        pool = np.flatnonzero(self.anchor[a_case] <= -31)
        rows, vals = self.sprinkle(pool, [-30, -29, -31], 0.06, min_each=2)
        a_start[rows] = vals
        rows, vals = self.sprinkle(np.arange(m), [0], 0.003)
        a_start[rows] = vals
        ek = self.pick(m, [0.85, 0.03, 0.12])
        a_end = np.where(ek == 0, _NA, np.where(ek == 1, 0, self.uniform_int(1, 365, len(a_case))))
        cl = self.closed_on[a_case]
        take = (cl != _NA) & (rng.random(m) < 0.6)
        a_end = np.where(take, cl, a_end)
        child_elig = self.minor[a_case] & (self.eligible[a_case] == 1)
        role = np.where(child_elig & (rng.random(m) < 0.6), 2, 1)
        role = np.where(rng.random(m) < 0.05, 0, role)
        parts.append((a_case, slots, role, a_start, a_end))

        # the same coordinator as koordinator and barnekoordinator of one case (counts once)
        dup_pool = np.flatnonzero(role == 2)
        rows, _ = self.sprinkle(dup_pool, [1], 0.05)
        parts.append(
            (
                a_case[rows],
                slots[rows],
                np.ones(len(rows), dtype=np.int64),
                a_start[rows],
                a_end[rows],
            )
        )

        # earlier coordinators (skifte av koordinator), all ended before as_of
        has_act = np.zeros(n, dtype=bool)
        has_act[a_case] = True
        cur_start = np.zeros(n, dtype=np.int64)
        cur_start[a_case] = a_start
        hist = np.flatnonzero((self.ins | self.closed) & (rng.random(n) < 0.3))
        h_hi = np.where(has_act[hist], cur_start[hist], self.life_end[hist])
        h_hi = np.minimum(h_hi, -1)
        h_lo = self.anchor[hist]
        ok = h_lo <= h_hi
        hist, h_hi, h_lo = hist[ok], h_hi[ok], h_lo[ok]
        h_end = self.uniform_int(np.maximum(h_lo, h_hi - 400), h_hi)
        h_start = self.uniform_int(np.maximum(h_lo, h_end - 900), h_end)
        h_coord = local_coordinator(hist) if c else np.zeros(0, dtype=np.int64)
        parts.append((hist, h_coord, np.where(rng.random(len(hist)) < 0.05, 0, 1), h_start, h_end))

        # closed cases: appointed while open; end mostly the closing day, sometimes left open
        cc = np.flatnonzero(self.closed & (rng.random(n) < 0.85))
        c_start = self.uniform_int(self.anchor[cc], self.closed_on[cc])
        kk = self.pick(len(cc), [0.7, 0.2, 0.1])
        c_end = np.where(
            kk == 0,
            self.closed_on[cc],
            np.where(kk == 1, _NA, self.uniform_int(c_start, self.closed_on[cc])),
        )
        parts.append(
            (
                cc,
                local_coordinator(cc) if c else cc * 0,
                np.ones(len(cc), dtype=np.int64),
                c_start,
                c_end,
            )
        )

        # future: cases opened after as_of, and appointments starting after as_of
        fc = np.flatnonzero(self.future & (rng.random(n) < 0.3))
        parts.append(
            (
                fc,
                local_coordinator(fc) if c else fc * 0,
                np.ones(len(fc), dtype=np.int64),
                self.anchor[fc],
                np.full(len(fc), _NA),
            )
        )
        pc = np.flatnonzero(self.ins & ~has_act & (rng.random(n) < 0.1))
        parts.append(
            (
                pc,
                local_coordinator(pc) if c else pc * 0,
                np.ones(len(pc), dtype=np.int64),
                self.uniform_int(1, 30, len(pc)),
                np.full(len(pc), _NA),
            )
        )

        if c == 0:
            parts = []
        cat = [
            np.concatenate([p[i] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
            for i in range(5)
        ]
        a_case, a_coord, a_role, a_start, a_end = cat
        srt = np.lexsort((a_start, a_case))
        a_case, a_coord, a_role, a_start, a_end = (
            x[srt] for x in (a_case, a_coord, a_role, a_start, a_end)
        )
        if len(a_case):
            r2 = self.rng2
            now = (a_start <= 0) & ((a_end == _NA) | (a_end >= 0)) & self.ins[a_case]
            # a coordinator whose only active assignment started 89, 90 or 91 days ago
            # (KE-COORD-TRAINING examines from 90), on a case with that one assignment row
            per_coord = np.bincount(a_coord[now], minlength=c)
            per_case = np.bincount(a_case, minlength=n)
            pool = np.flatnonzero(now & (per_coord[a_coord] == 1) & (per_case[a_case] == 1)
                                  & (self.anchor[a_case] <= -91))
            rows, vals = self.sprinkle(pool, [-89, -90, -91], 0.05, min_each=2, rng=r2)
            a_start[rows] = vals
            # an expected child: half the families already have their barnekoordinator
            rows = np.flatnonzero(now & self.unborn[a_case] & (r2.random(len(a_case)) < 0.5))
            a_role[rows] = 2
        self.has_active_assignment = has_act
        self.out["assignments"] = self.rows(
            TABLE_COLUMNS["assignments"],
            [
                self.case_ids[a_case] if len(a_case) else [],
                self.coord_ids[a_coord] if len(a_coord) else [],
                self.lookup(_ROLES, a_role - 1),
                self.dates(a_start),
                self.dates(a_end),
            ],
        )

    # ------------------------------------------------------------------ services
    def make_services(self):
        n, rng = self.n, self.rng
        count = self.pick(n, [0.05, 0.12, 0.2, 0.22, 0.18, 0.12, 0.07, 0.04])
        case = np.repeat(np.arange(n), count)
        m = len(case)
        minor = self.minor[case]
        w_child = np.array([s[3] for s in _SERVICES])
        w_adult = np.array([s[4] for s in _SERVICES])
        svc = np.where(minor, self.pick(m, w_child), self.pick(m, w_adult))

        start = self.uniform_int(-2500, -92, len(case))
        k = self.pick(m, [0.02, 0.02, 0.02, 0.07, 0.03, 0.84])
        start = np.where(k == 0, -89, np.where(k == 1, -90, np.where(k == 2, -91, start)))
        start = np.where(k == 3, self.uniform_int(-88, 0, len(case)), start)
        start = np.where(k == 4, self.uniform_int(1, 60, len(case)), start)
        # a service starts no earlier than the recipient was born
        start = np.maximum(start, np.minimum(self.birth[case], 0))
        # closed cases: their services mostly started before closing
        cl = self.closed[case]
        start = np.where(cl, np.minimum(start, self.closed_on[case]), start)

        # open, ended before as_of, ended on as_of, ends later
        ek = self.pick(m, [0.76, 0.14, 0.02, 0.08])
        end = np.where(
            ek == 1,
            self.uniform_int(start, np.maximum(start, -1)),
            np.where(ek == 2, 0, np.where(ek == 3, self.uniform_int(1, 365, len(case)), _NA)),
        )
        end = np.where(cl & (rng.random(m) < 0.8), self.closed_on[case], end)
        end = np.where(end != _NA, np.maximum(end, start), _NA)

        names = np.array([s[0] for s in _SERVICES], dtype=object)
        cats = np.array([s[1] for s in _SERVICES], dtype=object)
        # spelling variants: the same name capitalised (names compare case-insensitively)
        cap = np.array([s[0][:1].upper() + s[0][1:] for s in _SERVICES], dtype=object)
        name_col = np.where(rng.random(m) < 0.03, cap[svc], names[svc])
        cat_col = cats[svc].copy()
        inferable = np.isin(name_col, np.array(_INFERABLE, dtype=object))
        cat_col[inferable & (rng.random(m) < 0.05)] = None

        # provider per (service, municipality)
        prov = np.empty((len(_SERVICES), len(_MUNICIPALITIES)), dtype=object)
        for i, s in enumerate(_SERVICES):
            for j, mu in enumerate(_MUNICIPALITIES):
                prov[i, j] = s[2].format(kommune=mu[1], sykehus=mu[3])
        prov_col = prov[svc, self.muni[case]]
        prov_col[rng.random(m) < 0.05] = None

        self.svc = dict(case=case, svc=svc, start=start, end=end, cat=cats[svc])
        self.out["services"] = self.rows(
            TABLE_COLUMNS["services"],
            [
                self.case_ids[case],
                name_col,
                cat_col,
                prov_col,
                self.dates(start),
                self.dates(end),
            ],
        )

    # ------------------------------------------------------------------ referrals
    def need_coordination(self) -> np.ndarray:
        s = self.svc
        active = (s["start"] <= 0) & ((s["end"] == _NA) | (s["end"] >= 0))
        qual = active & np.isin(s["cat"], np.array(["helse", "omsorg", "spesialist"], dtype=object))
        df = pd.DataFrame(
            {"case": s["case"][qual], "svc": s["svc"][qual], "long": s["start"][qual] <= -90}
        )
        per_name = df.groupby(["case", "svc"], sort=False)["long"].max().reset_index()
        agg = per_name.groupby("case").agg(names=("svc", "size"), long=("long", "sum"))
        names = np.zeros(self.n, dtype=np.int64)
        long = np.zeros(self.n, dtype=np.int64)
        names[agg.index.to_numpy()] = agg["names"].to_numpy()
        long[agg.index.to_numpy()] = agg["long"].to_numpy()
        return (long >= 2) | ((self.ltn == 1) & (names >= 2))

    def make_referrals(self):
        n, rng = self.n, self.rng
        need = self.need_coordination() if n else np.zeros(0, dtype=bool)
        p = np.where(self.future, 1.0, np.where(self.closed, 0.9, np.where(need, 0.88, 0.55)))
        has = rng.random(n) < p
        # make sure both sides exist: in-scope cases needing coordination with and without
        pool = np.flatnonzero(self.ins & need)
        rows, vals = self.sprinkle(pool, [True, False], 0.0, min_each=2)
        has[rows] = vals
        case = np.flatnonzero(has)
        second = case[rng.random(len(case)) < 0.1]
        case = np.sort(np.concatenate([case, second]))
        m = len(case)
        base = self.anchor[case]
        recv = base - self.uniform_int(0, 90, len(case))
        # a referral that came in after the case was opened (a new need)
        later = rng.random(m) < 0.15
        recv = np.where(
            later,
            self.uniform_int(
                np.minimum(base, 0), np.maximum(np.minimum(base, 0), self.life_end[case])
            ),
            recv,
        )
        ins = self.ins[case]
        rows, vals = self.sprinkle(np.flatnonzero(ins), [0, 1, -30, -31, -29], 0.01)
        recv[rows] = vals
        rows, _ = self.sprinkle(np.flatnonzero(ins), [1], 0.01)
        recv[rows] = self.uniform_int(1, 30, len(rows))
        src = self.pick(m, [0.15, 0.15, 0.25, 0.3, 0.12, 0.03])
        src_col = self.lookup(_SOURCES, src, missing=rng.random(m) < 0.04)
        self.out["referrals"] = self.rows(
            TABLE_COLUMNS["referrals"],
            [
                self.case_ids[case],
                self.dates(recv),
                src_col,
            ],
        )

    # ------------------------------------------------------------------ groups & meetings
    def make_groups_and_meetings(self):
        n, rng = self.n, self.rng
        ins, closed = self.ins, self.closed
        gcase = np.flatnonzero((ins & (rng.random(n) < 0.42)) | (closed & (rng.random(n) < 0.25)))
        g = len(gcase)
        anchor = np.minimum(self.anchor[gcase], 0)
        recent = rng.random(g) < 0.35
        est = np.where(
            recent,
            self.uniform_int(np.maximum(anchor, -364), 0),
            self.uniform_int(anchor, np.maximum(anchor, -366)),
        )
        est = np.maximum(est, anchor)
        ig = np.flatnonzero(ins[gcase])
        # days_active 364/365/366 (the 365 cap) and 182/183 (floor(2 * days / 365) turns 1), 0, 1
        boundary = [-365, -364, -366, -182, -183, 0, -1]
        b_rows, vals = self.sprinkle(ig[anchor[ig] <= -366], boundary, 0.02)
        est[b_rows] = vals
        diss = np.full(g, _NA)
        cg = np.flatnonzero(closed[gcase])
        cl = self.closed_on[gcase[cg]]
        est[cg] = np.minimum(est[cg], cl)
        diss[cg] = np.where(rng.random(len(cg)) < 0.8, cl, _NA)
        dk = self.pick(len(ig), [0.88, 0.07, 0.02, 0.03])  # open, dissolved before, on, after as_of
        d_val = np.where(
            dk == 1,
            self.uniform_int(est[ig], np.maximum(est[ig], -1)),
            np.where(dk == 2, 0, self.uniform_int(1, 200, len(ig))),
        )
        diss[ig] = np.where(dk == 0, _NA, np.maximum(d_val, est[ig]))
        diss[b_rows] = _NA  # the boundary groups are active at as_of
        # groups established after as_of (not active yet)
        rows, _ = self.sprinkle(np.setdiff1d(ig, b_rows), [1], 0.004)
        est[rows] = self.uniform_int(1, 30, len(rows))
        diss[rows] = _NA

        # replaced groups: an older dissolved group before the current one
        old_pool = ig[
            (est[ig] >= -3000) & (anchor[ig] <= est[ig] - 30) & (est[ig] <= 0) & (diss[ig] == _NA)
        ]
        rows, _ = self.sprinkle(old_pool, [1], 0.03)
        o_case = gcase[rows]
        o_diss = est[rows] - self.uniform_int(0, 30, len(rows))
        o_diss = np.maximum(o_diss, anchor[rows])
        if not self.input_warnings:  # not dissolved on as_of itself: one active group per case
            o_diss = np.where(o_diss >= 0, -1, o_diss)
        o_est = self.uniform_int(anchor[rows], o_diss)
        # two groups active at as_of (warning by design): a group replaced on as_of
        two_pool = ig[
            (est[ig] <= 0) & (est[ig] >= -700) & (diss[ig] == _NA) & (anchor[ig] <= est[ig] - 10)
        ]
        two_pool = np.setdiff1d(two_pool, rows)
        r2, _ = self.sprinkle(two_pool, [1], 0.002)
        t_case = gcase[r2]
        t_est = self.uniform_int(anchor[r2], est[r2] - 1)
        t_diss = np.zeros(len(r2), dtype=np.int64)
        if not self.input_warnings:  # the old group was dissolved the day before instead
            t_diss = est[r2] - 1
        gcase = np.concatenate([gcase, o_case, t_case])
        est = np.concatenate([est, o_est, t_est])
        diss = np.concatenate([diss, o_diss, t_diss])
        srt = np.lexsort((est, gcase))
        gcase, est, diss = gcase[srt], est[srt], diss[srt]
        g = len(gcase)
        gwidth = max(4, len(str(g)))
        self.out["groups"] = self.rows(
            TABLE_COLUMNS["groups"],
            [
                self.ids("G-", g, gwidth),
                self.case_ids[gcase],
                self.dates(est),
                self.dates(diss),
            ],
        )
        active = (est <= 0) & ((diss == _NA) | (diss >= 0))
        self.group_active_case = np.zeros(n, dtype=bool)
        self.group_active_case[gcase[active]] = True

        # ---- ansvarsgruppe meetings of each group
        rate = self.pick(g, [0.12, 0.2, 0.35, 0.2, 0.13]).astype(float)  # meetings a year, 0-4
        end_eff = np.where(diss != _NA, np.minimum(diss, 0), 0)
        end_eff = np.minimum(end_eff, self.life_end[gcase])  # no meetings after the case closed
        span_start = np.maximum(est, end_eff - 364)
        span_len = np.maximum(end_eff - span_start + 1, 0)
        k = np.floor(rate * span_len / 365 + rng.random(g)).astype(np.int64)
        k = np.where(span_len > 0, k, 0)
        gi = np.repeat(np.arange(g), k)
        j = np.arange(len(gi)) - np.repeat(np.cumsum(k) - k, k)
        u = 0.15 + 0.7 * rng.random(len(gi))
        mdate = span_start[gi] + np.floor((j + u) / k[gi] * span_len[gi]).astype(np.int64)
        mdate = np.minimum(mdate, end_eff[gi])
        # the first meeting on the day the group was established
        first = (j == 0) & (est[gi] >= -364) & (rng.random(len(gi)) < 0.3)
        mdate = np.where(first, est[gi], mdate)
        parts_g = [gi]
        parts_d = [mdate]
        # older meetings before the review window (and exactly on its edge)
        old = np.flatnonzero((est <= -400) & ins[gcase] & (rng.random(g) < 0.3))
        od = self.uniform_int(np.maximum(est[old], -730), -365)
        parts_g.append(old)
        parts_d.append(od)
        pool = np.flatnonzero((est <= -400) & ins[gcase])
        rows, vals = self.sprinkle(pool, [-365, -364, -366], 0.01, min_each=2)
        parts_g.append(rows)
        parts_d.append(vals.astype(np.int64))
        # next meeting planned after as_of
        fut = np.flatnonzero(active & ins[gcase] & (rng.random(g) < 0.65))
        fd = self.uniform_int(1, 120, len(fut))
        rows, vals = self.sprinkle(np.arange(len(fut)), [13, 14, 15, 1, 7], 0.06, min_each=3)
        fd[rows] = vals
        parts_g.append(fut)
        parts_d.append(fd)
        gi = np.concatenate(parts_g)
        mdate = np.concatenate(parts_d)
        srt = np.lexsort((mdate, gi))
        gi, mdate = gi[srt], mdate[srt]
        mcase = gcase[gi]
        mg = len(gi)
        # the next meeting of the same group, for next_meeting_on
        same_next = np.zeros(mg, dtype=bool)
        same_next[:-1] = gi[1:] == gi[:-1]
        nxt = np.full(mg, _NA)
        nxt[:-1] = mdate[1:]
        nxt = np.where(same_next, nxt, _NA)

        # ---- other meetings of cases
        sm_case = np.flatnonzero((ins | closed) & (rng.random(n) < 0.25))
        sm_cnt = self.pick(len(sm_case), [0.55, 0.3, 0.15]) + 1
        sm_case = np.repeat(sm_case, sm_cnt)
        sm_hi = np.where(closed[sm_case], self.closed_on[sm_case], 60)
        sm_lo = np.minimum(np.maximum(np.minimum(self.anchor[sm_case], 0), -420), sm_hi)
        sm_date = self.uniform_int(sm_lo, sm_hi)
        op_case = np.flatnonzero((ins | closed) & (rng.random(n) < 0.08))
        op_date = self.anchor[op_case] + self.uniform_int(0, 30, len(op_case))
        ev_case = np.flatnonzero(
            ins & (self.ip_start <= 0) & (self.ip_start != _NA) & (rng.random(n) < 0.12)
        )
        ev_date = self.uniform_int(self.ip_start[ev_case], 30, len(ev_case))
        an_case = np.flatnonzero((ins | closed) & (rng.random(n) < 0.03))
        an_date = self.uniform_int(np.minimum(self.anchor[an_case], 0), 30)

        case = np.concatenate([mcase, sm_case, op_case, ev_case, an_case])
        date = np.concatenate([mdate, sm_date, op_date, ev_date, an_date])
        kind = np.concatenate(
            [
                np.zeros(mg, dtype=np.int64),
                np.full(len(sm_case), 1),
                np.full(len(op_case), 2),
                np.full(len(ev_case), 3),
                np.full(len(an_case), 4),
            ]
        )
        nxt_all = np.concatenate([nxt, np.full(len(case) - mg, _NA)])
        m = len(case)
        past = date <= 0

        # status: empty, held, planned, cancelled (planned-in-the-past / held-in-the-future rare)
        st = np.where(
            past, self.pick(m, [0.40, 0.52, 0.015, 0.065]), self.pick(m, [0.40, 0.015, 0.535, 0.05])
        )
        # every status on both sides of as_of, whatever the size
        rows, vals = self.sprinkle(np.flatnonzero(past & (kind == 0)), [2, 2, 3, 0, 1], 0.0)
        st[rows] = vals
        rows, vals = self.sprinkle(np.flatnonzero(~past & (kind == 0)), [1, 1, 3, 0, 2], 0.0)
        st[rows] = vals
        if not self.input_warnings:
            # planned in the past / held in the future are input warnings: record them as
            # cancelled (a past meeting that never took place) and planned instead
            st = np.where(past & (st == 2), 3, np.where(~past & (st == 1), 2, st))
        held = past & ((st == 0) | (st == 1))

        # invitations: lead time in days (13/14/15 on purpose), sometimes none
        lk = self.pick(m, [0.12, 0.05, 0.06, 0.05, 0.10, 0.62])
        lead = np.where(lk == 1, 13, np.where(lk == 2, 14, np.where(lk == 3, 15, 0)))
        lead = np.where(lk == 4, self.uniform_int(0, 12, len(case)), lead)
        lead = np.where(lk == 5, self.uniform_int(16, 35, len(case)), lead)
        no_inv = lk == 0
        examined = (kind == 0) & (date >= -364) & past & (st != 3) & (st != 2)
        rows, vals = self.sprinkle(np.flatnonzero(examined), [13, 14, 15, -1], 0.0, min_each=3)
        lead[rows] = np.maximum(vals, 0)
        no_inv[rows] = vals < 0
        fut_exam = (kind == 0) & (date > 0) & (date <= 20) & (st != 3)
        rows, _ = self.sprinkle(np.flatnonzero(fut_exam & (date <= 14)), [1], 0.1, min_each=2)
        no_inv[rows] = True
        inv = date - lead
        no_inv = no_inv | (inv > 0)  # not sent yet on as_of
        inv = np.where(no_inv, _NA, inv)
        flags = []
        for p_true in (0.9, 0.86, 0.92, 0.8):
            f = self.tri(m, p_true, (1 - p_true) * 0.6)
            f = np.where(no_inv, np.where(rng.random(m) < 0.9, -1, f), f)
            flags.append(f)

        # minutes for held meetings, up to as_of
        has_min = held & (rng.random(m) < 0.75)
        mins = np.where(has_min, np.minimum(date + self.uniform_int(0, 21, len(case)), 0), _NA)
        mins = np.where(has_min, np.maximum(mins, date), _NA)
        # next meeting agreed: mostly the group's actual next meeting
        nk = rng.random(m)
        with_next = nxt_all != _NA
        next_on = np.where(
            with_next & (nk < 0.75),
            nxt_all,
            np.where(~with_next & (nk < 0.45), date + self.uniform_int(60, 180, len(case)), _NA),
        )
        next_on = np.where(
            held, next_on, np.where((~past) & (rng.random(m) < 0.05), date + 120, _NA)
        )

        # a second ansvarsgruppe meeting on the same (latest) day, next_meeting_on flipped
        last_held = np.flatnonzero((kind == 0) & held)
        if len(last_held):
            lh_case = case[last_held]
            is_last = np.ones(len(last_held), dtype=bool)
            is_last[:-1] = lh_case[1:] != lh_case[:-1]
            lh = last_held[is_last]
            rows, _ = self.sprinkle(lh, [1], 0.005, min_each=2)
        else:
            rows = np.empty(0, dtype=np.int64)
        dup_next = np.where(next_on[rows] == _NA, date[rows] + 90, _NA)

        def cat(a, b):
            return np.concatenate([a, b])

        case = cat(case, case[rows])
        date = cat(date, date[rows])
        kind = cat(kind, kind[rows])
        st = cat(st, st[rows])
        inv = cat(inv, inv[rows])
        flags = [cat(f, f[rows]) for f in flags]
        mins = cat(mins, mins[rows])
        next_on = cat(next_on, dup_next)

        srt = np.lexsort((date, case))
        case, date, kind, st, inv, mins, next_on = (
            x[srt] for x in (case, date, kind, st, inv, mins, next_on)
        )
        flags = [f[srt] for f in flags]
        m = len(case)
        self._second_wave_meetings(case, date, kind, st, mins, next_on)
        mwidth = max(4, len(str(m)))
        self.meetings = dict(case=case, date=date, kind=kind)
        self.out["meetings"] = self.rows(
            TABLE_COLUMNS["meetings"],
            [
                self.ids("M-", m, mwidth),
                self.case_ids[case] if m else [],
                self.lookup(_KINDS, kind, missing=(kind == 0) & (rng.random(m) < 0.05)),
                self.dates(date),
                self.lookup(_STATUSES, st),
                self.dates(inv),
                *[self.bools(f) for f in flags],
                self.dates(mins),
                self.dates(next_on),
            ],
        )

    def _second_wave_meetings(self, case, date, kind, st, mins, next_on) -> None:
        """Minutes and agreed next meetings on both sides of KE-MINUTES and KE-MEET-OVERDUE (in place)."""
        if not len(case):
            return
        r2 = self.rng2
        held = (kind == 0) & (date <= 0) & ((st == 0) | (st == 1))
        # minutes sent exactly 14 (in time) and 15 days (late) after a meeting KE-MINUTES examines
        pool = np.flatnonzero(held & (date >= -364) & (date <= -15))
        rows, vals = self.sprinkle(pool, [14, 15], 0.02, min_each=3, rng=r2)
        mins[rows] = date[rows] + vals
        if self.input_warnings:  # minutes dated before the meeting (warning minutes_before_meeting)
            rows, _ = self.sprinkle(np.flatnonzero(held & (mins != _NA)), [1], 0.005, min_each=2, rng=r2)
            mins[rows] = date[rows] - self.uniform_int(1, 5, len(rows), rng=r2)
        # the case's last held group meeting agreed a next meeting 14, 15 or 16 days before as_of
        # that never came (KE-MEET-OVERDUE examines from 15); on a date no other meeting shares
        hi = np.flatnonzero(held)
        last = np.ones(len(hi), dtype=bool)
        last[:-1] = case[hi][1:] != case[hi][:-1]
        alone = np.ones(len(hi), dtype=bool)
        alone[1:] = (case[hi][1:] != case[hi][:-1]) | (date[hi][1:] != date[hi][:-1])
        pool = hi[last & alone & (date[hi] <= -30) & self.group_active_case[case[hi]]]
        rows, vals = self.sprinkle(pool, [-14, -15, -16], 0.03, min_each=2, rng=r2)
        next_on[rows] = vals

    # ------------------------------------------------------------------ consents
    def make_consents(self):
        n, rng = self.n, self.rng
        ip_active = self.ip_active
        has_sm = np.zeros(n, dtype=bool)
        mm = self.meetings
        has_sm[mm["case"][mm["kind"] == 1]] = True
        needs = ip_active | self.group_active_case | has_sm
        p = np.where(needs, 0.88, np.where(self.future, 0.2, 0.35))
        cnt = np.where(rng.random(n) < p, self.pick(n, [0.7, 0.22, 0.08]) + 1, 0)
        case = np.repeat(np.arange(n), cnt)
        m = len(case)
        scope = self.pick(m, [0.25, 0.2, 0.1, 0.15, 0.3])
        # the first consent of a case mostly matches what the case needs
        first = np.ones(m, dtype=bool)
        first[1:] = case[1:] != case[:-1]
        fc_ = case[first]
        want = np.where(
            ip_active[fc_],
            0,
            np.where(
                self.group_active_case[fc_],
                1,
                np.where(has_sm[fc_], 2 + self.pick(len(fc_), [0.5, 0.5]), -1),
            ),
        )
        fit = (want >= 0) & (rng.random(len(fc_)) < 0.85)
        sc = np.where(rng.random(len(fc_)) < 0.45, 4, want)
        scope[np.flatnonzero(first)[fit]] = sc[fit]
        lo = np.minimum(self.anchor[case], 0) - 30
        given = self.uniform_int(
            lo, np.maximum(lo, np.where(self.closed[case], self.closed_on[case], 0))
        )
        fc = self.future[case]
        given = np.where(fc, self.uniform_int(-30, 0, len(case)), given)
        ins_rows = np.flatnonzero(self.ins[case])
        rows, vals = self.sprinkle(ins_rows, [0], 0.005)
        given[rows] = vals
        wk = self.pick(m, [0.9, 0.06, 0.02, 0.02])  # kept, withdrawn before, on, after as_of
        w = np.where(
            wk == 1,
            self.uniform_int(given, np.maximum(given, -1)),
            np.where(wk == 2, 0, self.uniform_int(1, 120, len(case))),
        )
        rows, vals = self.sprinkle(ins_rows, [0], 0.0, min_each=3)
        wk[rows] = 2
        w[rows] = vals
        withdrawn = np.where(wk == 0, _NA, np.maximum(w, given))
        form = self.pick(m, [0.7, 0.25, 0.05])
        self.out["consents"] = self.rows(
            TABLE_COLUMNS["consents"],
            [
                self.case_ids[case] if m else [],
                self.lookup(_SCOPES, scope),
                self.dates(given),
                self.dates(withdrawn),
                self.lookup(_FORMS, np.where(form == 2, -1, form)),
            ],
        )

    # ------------------------------------------------------------------ relatives
    def make_relatives(self):
        n, rng = self.n, self.rng
        cnt = self.pick(n, [0.35, 0.35, 0.2, 0.07, 0.03])
        case = np.repeat(np.arange(n), cnt)
        m = len(case)
        minor = self.minor[case]
        rel = np.where(
            minor,
            np.array([1, 2, 4])[self.pick(m, [0.55, 0.4, 0.05])],
            self.pick(m, [0.35, 0.15, 0.15, 0.3, 0.05]),
        )
        rb = self.birth[case]
        y = 365
        delta = np.select(
            [rel == 0, rel == 1, rel == 2, rel == 3],
            [
                self.uniform_int(20 * y, 42 * y, len(case)),  # barn: born after the recipient
                self.uniform_int(-8 * y, 8 * y, len(case)),  # sosken
                -self.uniform_int(20 * y, 42 * y, len(case)),  # forelder
                self.uniform_int(-8 * y, 3 * y, len(case)),
            ],  # partner
            default=self.uniform_int(-30 * y, 30 * y, len(case)),
        )
        birth = rb + delta
        # nobody over 100 on file: the very old recipient's relative is a child instead
        too_old = birth < -100 * y
        rel = np.where(too_old, 0, rel)
        birth = np.where(too_old, rb + self.uniform_int(20 * y, 42 * y, len(case)), birth)
        # nobody on file is born after as_of, except a few expected children
        birth = np.where(birth > 0, -self.uniform_int(30, 3 * y, len(case)), birth)
        b18 = self.off(_years_before(self.d, 18))
        birth = np.where(rel == 3, np.minimum(birth, b18 - 365), birth)  # partners are adults
        bs = np.flatnonzero((rel == 0) | (rel == 1))
        feb = [
            self.off(datetime.date(yy, 2, 29))
            for yy in range(self.d.year - 20, self.d.year)
            if yy % 4 == 0 and (yy % 100 != 0 or yy % 400 == 0)
        ]
        rows, vals = self.sprinkle(bs, [b18 - 1, b18, b18 + 1, 0] + feb[:2], 0.01)
        birth[rows] = vals
        exp = np.flatnonzero(rel == 0)
        rows, _ = self.sprinkle(exp, [1], 0.002)
        birth[rows] = self.uniform_int(1, 120, len(rows))
        birth = np.where(rng.random(m) < 0.08, _NA, birth)
        self.out["relatives"] = self.rows(
            TABLE_COLUMNS["relatives"],
            [
                self.case_ids[case] if m else [],
                self.lookup(_RELATIONS, rel),
                self.dates(birth),
            ],
        )

    # ------------------------------------------------------------------ KE's own meetings
    def make_ke_meetings(self):
        rng = self.rng
        y, mo = self.d.year, self.d.month
        dates = []
        for back in range(-2, 30):  # two months ahead, 30 back
            yy, mm = divmod((y * 12 + mo - 1) - back, 12)
            mm += 1
            if mm == 7:  # summer: no meeting in July
                continue
            if rng.random() < 0.12:
                continue
            day = 1 + int(rng.integers(0, 28))
            dates.append(datetime.date(yy, mm, day).toordinal() - self.d_ord)
        if not self.n:
            dates = []
        dates = np.array(sorted(dates), dtype=np.int64)
        self.out["ke_meetings"] = self.rows(TABLE_COLUMNS["ke_meetings"], [self.dates(dates)])


    # ------------------------------------------------------------------ second wave: plan reviews
    def make_ip_reviews(self):
        """The KE's sample review of plans (guideline 13.6): about a third of the active plans,
        some reviewed twice (on one day, too), a few before the plan started (an earlier plan)
        or after as_of, items mostly held and sometimes no or empty."""
        n, r2 = self.n, self.rng2
        sample = np.flatnonzero(self.ip_active & (r2.random(n) < 0.33))
        other = np.flatnonzero((self.ins | self.closed) & ~self.ip_active & (r2.random(n) < 0.03))
        cnt = np.concatenate([self.pick(len(sample), [0.8, 0.15, 0.05], rng=r2) + 1,
                              np.ones(len(other), dtype=np.int64)])
        base = np.concatenate([sample, other])
        case = np.repeat(base, cnt)
        m = len(case)
        start = np.where(self.ip_start[case] != _NA, self.ip_start[case], np.minimum(self.anchor[case], 0))
        hi = np.where(self.closed[case], self.closed_on[case], 0)
        on = self.uniform_int(np.minimum(start, hi), hi, rng=r2)
        # boundaries: on the plan's first day and on as_of count, the day before the plan does not
        act = np.flatnonzero(self.ip_active[case])
        rows, vals = self.sprinkle(act, [0, 1, 2], 0.03, min_each=2, rng=r2)
        on[rows] = np.select([vals == 0, vals == 1], [start[rows], 0], start[rows] - 1)
        rows, _ = self.sprinkle(act, [1], 0.02, min_each=2, rng=r2)
        on[rows] = start[rows] - self.uniform_int(30, 400, len(rows), rng=r2)  # a review of an earlier plan
        rows, _ = self.sprinkle(act, [1], 0.01, min_each=1, rng=r2)
        on[rows] = self.uniform_int(1, 20, len(rows), rng=r2)  # dated after as_of: not counted yet
        # two reviews of one plan on one day: the later row counts
        twice = np.flatnonzero((cnt >= 2) & self.ip_active[base])
        first_row = np.cumsum(cnt) - cnt
        rows, _ = self.sprinkle(twice, [1], 0.2, min_each=2, rng=r2)
        on[first_row[rows] + 1] = on[first_row[rows]]
        srt = np.lexsort((on, case))
        case, on = case[srt], on[srt]
        # a complete plan about half the time; otherwise each item held 80 %, no 12 %, empty 8 %
        complete = r2.random(m) < 0.5
        items = [np.where(complete, 1, self.tri(m, 0.80, 0.12, rng=r2)) for _ in _CHECKLIST]
        reviewer = self.lookup(_REVIEWERS, self.pick(m, [0.45, 0.3, 0.15, 0.1], rng=r2),
                               missing=r2.random(m) < 0.1)
        self.out["ip_reviews"] = self.rows(
            TABLE_COLUMNS["ip_reviews"],
            [self.case_ids[case] if m else [], self.dates(on), reviewer, *[self.bools(f) for f in items]],
        )

    # ------------------------------------------------------------------ second wave: KE routines
    def make_ke_routines(self):
        """The KE's routine register: every task of guideline 12.3, some with an older revision
        too. The four tasks KE-SYSTEM-ROUTINES requires by default get one situation each, in
        an order the seed decides: revised exactly 730 days ago (floor(30.4375 x 24), in time),
        731 days ago (too old), not in the quality system, and no routine at all."""
        r2 = self.rng2
        if not self.n:
            self.out["ke_routines"] = []
            return
        situation = dict(zip(_REQUIRED_TASKS, r2.permutation(4).tolist(), strict=True))
        tasks, revised, filed = [], [], []
        for task in _TASK_TITLES:
            s = situation.get(task, -1)
            if s == 3:
                continue  # no routine for this task
            if r2.random() < 0.3:  # an older revision kept in the register
                tasks.append(task)
                revised.append(int(self.uniform_int(-3000, -800, rng=r2)))
                filed.append(0 if r2.random() < 0.5 else 1)
            day = {0: -730, 1: -731}.get(s, int(self.uniform_int(-1400, -20, rng=r2)))
            tasks.append(task)
            revised.append(day if r2.random() > 0.06 or s >= 0 else _NA)
            filed.append(0 if s == 2 else (1 if s >= 0 or r2.random() < 0.85 else int(r2.choice([0, -1]))))
        if self.input_warnings:  # a revision dated after as_of (warning revised_after_as_of)
            tasks.append("informasjon")
            revised.append(int(self.uniform_int(1, 60, rng=r2)))
            filed.append(1)
        owner = self.lookup(_ROUTINE_OWNERS, self.pick(len(tasks), [0.6, 0.25, 0.15], rng=r2))
        self.out["ke_routines"] = self.rows(
            TABLE_COLUMNS["ke_routines"],
            [np.array(tasks, dtype=object), self.lookup(list(_TASK_TITLES.values()),
                                                        [list(_TASK_TITLES).index(t) for t in tasks]),
             owner, self.dates(np.array(revised, dtype=np.int64)), self.bools(filed)],
        )


# --------------------------------------------------------------------------- public API


def generate(
    cases: int, seed: int = 1, as_of: datetime.date = datetime.date(2026, 11, 23), *,
    input_warnings: bool = False,
) -> dict[str, list[dict]]:
    """A realistic synthetic KE snapshot: canonical table name -> list of row dicts
    (canonical column names), dates as ISO strings 'YYYY-MM-DD' or None, bools
    True/False/None, ints or None. Same (cases, seed, as_of) -> identical output.

    The data loads without input errors or warnings; ``input_warnings=True`` adds the
    warnings rules.md defines (meetings planned in the past or held in the future, a
    case with two active groups)."""
    return _Gen(cases, seed, as_of, input_warnings).run()


def _cell_text(v) -> str:
    if v is None:
        return ""
    if v is True:
        return "ja"
    if v is False:
        return "nei"
    return str(v)


def write_snapshot(snapshot: dict[str, list[dict]], path: pathlib.Path) -> None:
    """Write a snapshot to `path`.

    - ending .json: one JSON object of lists (ensure_ascii=False, UTF-8);
    - ending .xlsx: a workbook with one sheet per table, a header row of canonical
      column names, dates as real Excel date cells (shown yyyy-mm-dd), bools as
      'ja'/'nei' text, ids and other text as text (``0301`` keeps its zero);
    - otherwise: a folder of <table>.csv files (UTF-8, comma separated, header row,
      dates ISO, bools 'ja'/'nei', empty for None).
    """
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.parent.mkdir(parents=True, exist_ok=True)
        # dumps (C encoder in one shot) is much faster than dump's chunked encoder
        text = json.dumps(snapshot, ensure_ascii=False)
        write_bytes_atomic(path, text.encode("utf-8"))
        return
    if suffix == ".xlsx":
        _write_xlsx(snapshot, path)
        return
    path.mkdir(parents=True, exist_ok=True)
    for table, rows in snapshot.items():
        cols = _columns(table, rows)
        with atomic_path(path / f"{table}.csv") as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            w.writerows([[_cell_text(r.get(c)) for c in cols] for r in rows])


def _columns(table: str, rows: list[dict]) -> list[str]:
    cols = list(TABLE_COLUMNS.get(table, []))
    seen = set(cols)
    for r in rows[:1000]:
        for c in r:
            if c not in seen:
                seen.add(c)
                cols.append(c)
    if not cols and rows:
        cols = list(rows[0])
    return cols


def _is_date_col(name: str) -> bool:
    return name.endswith(("_on", "_date")) or name == "birth_date"


# ------------------------------------------------------------------ xlsx, written directly
# A minimal SpreadsheetML package (the parts XlsxWriter's constant_memory mode writes, less
# theme and document properties), streamed sheet by sheet: about ten times faster than
# openpyxl's write-only mode or XlsxWriter, and the same snapshot gives the same bytes.

_XLSX_EPOCH = datetime.date(1899, 12, 30).toordinal()  # Excel serial 0 (1900 date system)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry timestamps: reproducible bytes
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]|^\s|\s$")
_XML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_NS_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _xml_text(v: str) -> str:
    """A string as the inside of an inline-string cell (escaped, spaces kept)."""
    if not _XML_SPECIAL.search(v):
        return f"<t>{v}</t>"
    v = _XML_CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", _xml_escape(v))
    return f'<t xml:space="preserve">{v}</t>'


def _sheet_chunks(rows: list[dict], cols: list[str], chunk: int = 20_000):
    """The worksheet XML of one table, in pieces of `chunk` rows, built column by column."""
    letters = [column_letters(i + 1) for i in range(len(cols))]
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{max(11, len(c) + 2)}" customWidth="1"/>'
        for i, c in enumerate(cols, 1)
    )
    last = f"{letters[-1]}{len(rows) + 1}" if cols else "A1"
    yield (
        f'{_XML_HEAD}<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
        ' state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{widths}</cols>" if cols else "")
        + '<sheetData><row r="1">'
        + "".join(f'<c r="{x}1" s="2" t="inlineStr"><is>{_xml_text(c)}</is></c>'
                  for x, c in zip(letters, cols, strict=True))
        + "</row>"
    )
    serial: dict[object, str] = {}

    def date_serial(v) -> str:
        s = serial.get(v)
        if s is None:
            d = datetime.date.fromisoformat(v) if isinstance(v, str) else v
            if isinstance(d, datetime.datetime):
                d = d.date()
            s = serial[v] = str(d.toordinal() - _XLSX_EPOCH)
        return s

    for lo in range(0, len(rows), chunk):
        part = rows[lo : lo + chunk]
        columns = []
        for col, x in zip(cols, letters, strict=True):
            cells = []
            date_col = _is_date_col(col)
            for i, v in enumerate((r.get(col) for r in part), lo + 2):
                if v is None or v == "":
                    cells.append("")
                elif date_col or isinstance(v, datetime.date):
                    cells.append(f'<c r="{x}{i}" s="1"><v>{date_serial(v)}</v></c>')
                elif v is True:
                    cells.append(f'<c r="{x}{i}" t="inlineStr"><is><t>ja</t></is></c>')
                elif v is False:
                    cells.append(f'<c r="{x}{i}" t="inlineStr"><is><t>nei</t></is></c>')
                elif isinstance(v, int | float):
                    cells.append(f'<c r="{x}{i}"><v>{v!r}</v></c>')
                else:
                    cells.append(f'<c r="{x}{i}" t="inlineStr"><is>{_xml_text(str(v))}</is></c>')
            columns.append(cells)
        yield "".join(f'<row r="{i}">{"".join(cs)}</row>' for i, cs in enumerate(zip(*columns, strict=True), lo + 2))
    yield ('</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
           "</worksheet>")


def _write_xlsx(snapshot: dict[str, list[dict]], path: pathlib.Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = list(snapshot.items())
    names = [table[:31] for table, _ in tables]
    sheets = "".join(f'<sheet name="{_xml_escape(n)}" sheetId="{k}" r:id="rId{k}"/>' for k, n in enumerate(names, 1))
    n = len(tables)
    parts = {
        "[Content_Types].xml": (
            f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{_CT}.worksheet+xml"/>'
                      for k in range(1, n + 1))
            + "</Types>"
        ),
        "_rels/.rels": (
            f'{_XML_HEAD}<Relationships xmlns="{_NS_PKG}"><Relationship Id="rId1" '
            f'Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{_XML_HEAD}<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{sheets}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML_HEAD}<Relationships xmlns="{_NS_PKG}">'
            + "".join(f'<Relationship Id="rId{k}" Type="{_NS_REL}/worksheet" Target="worksheets/sheet{k}.xml"/>'
                      for k in range(1, n + 1))
            + f'<Relationship Id="rId{n + 1}" Type="{_NS_REL}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": _STYLES,
    }

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, _ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(entry(name), text.encode("utf-8"))
        for k, (table, rows) in enumerate(tables, 1):
            with z.open(entry(f"xl/worksheets/sheet{k}.xml"), "w", force_zip64=True) as fh:
                for piece in _sheet_chunks(rows, _columns(table, rows)):
                    fh.write(piece.encode("utf-8"))
