"""The synthetic-data generator: deterministic, valid, consistent, and it covers the
rule boundaries of rules.md on both sides."""

from __future__ import annotations

import csv
import datetime
import json
import pathlib
import re
from collections import Counter, defaultdict

import pytest

import ke_rules
from ke_rules.ingest.vocabulary import SERVICE_CATEGORIES, normalise_name
from ke_rules.tools.synth import TABLE_COLUMNS, generate, write_snapshot

D = datetime.date(2026, 11, 23)
N = 300

ENUMS = {
    ("services", "category"): {
        "helse",
        "omsorg",
        "spesialist",
        "fastlege",
        "helsesykepleier",
        "oppvekst",
        "nav",
        "barnevern",
        "annet",
        None,
    },
    ("assignments", "role"): {"koordinator", "barnekoordinator", None},
    ("meetings", "kind"): {
        "ansvarsgruppe",
        "samarbeidsmote",
        "oppstart",
        "evaluering",
        "annet",
        None,
    },
    ("meetings", "status"): {"held", "planned", "cancelled", None},
    ("consents", "scope"): {"ip", "ansvarsgruppe", "samarbeidsmote", "informasjonsdeling", "alle"},
    ("consents", "form"): {"skriftlig", "muntlig", None},
    ("relatives", "relation"): {"barn", "sosken", "forelder", "partner", "annet"},
    ("ke_routines", "task"): {
        "plan", "brukermedvirkning", "oversikt", "meldinger", "rutiner_ip", "oppnevning", "kompetanse",
        "opplaering", "samarbeid", "familieperspektiv", "informasjon", "interne_meldinger",
    },
    ("referrals", "source"): {
        "bruker",
        "parorende",
        "fastlege",
        "kommunal_tjeneste",
        "spesialisthelsetjenesten",
        "annet",
        None,
    },
}
REQUIRED = {
    "cases": ["case_id"],
    "services": ["case_id", "service", "start_date"],
    "coordinators": ["coordinator_id"],
    "assignments": ["case_id", "coordinator_id", "start_date"],
    "groups": ["group_id", "case_id", "established_on"],
    "meetings": ["meeting_id", "case_id", "meeting_date"],
    "consents": ["case_id", "scope", "given_on"],
    "relatives": ["case_id", "relation"],
    "referrals": ["case_id", "received_on"],
    "ke_meetings": ["meeting_date"],
    "ip_reviews": ["case_id", "reviewed_on"],
    "ke_routines": ["task"],
}
CHECKLIST = ["goals", "participants", "coordinator", "contributions", "measures", "implementation", "period",
             "consent", "cooperation"]
SPANS = {
    "cases": [("opened_on", "closed_on"), ("ip_started_on", "ip_ended_on")],
    "services": [("start_date", "end_date")],
    "assignments": [("start_date", "end_date")],
    "groups": [("established_on", "dissolved_on")],
    "consents": [("given_on", "withdrawn_on")],
}
BOOLS = {
    "wants_coordinator",
    "long_term_need",
    "child_coordinator_eligible",
    "invitation_has_subject",
    "invitation_has_participants",
    "invitation_has_time_place",
    "invitation_has_agenda",
    "in_quality_system",
    *CHECKLIST,
}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EXCEL_MIN = datetime.date(1900, 3, 1)


def d(s: str | None) -> datetime.date | None:
    return None if s is None else datetime.date.fromisoformat(s)


def ago(days: int) -> datetime.date:
    return D - datetime.timedelta(days=days)


def active(start, end) -> bool:
    return d(start) <= D and (end is None or d(end) >= D)


def age(birth: datetime.date) -> int:
    return D.year - birth.year - ((D.month, D.day) < (birth.month, birth.day))


def minor(birth: str | None) -> bool:
    return birth is not None and d(birth) <= D and age(d(birth)) < 18


@pytest.fixture(scope="module")
def snap():
    return generate(N, seed=7, as_of=D)


@pytest.fixture(scope="module")
def in_scope(snap):
    return {
        c["case_id"]
        for c in snap["cases"]
        if (c["opened_on"] is None or d(c["opened_on"]) <= D)
        and (c["closed_on"] is None or d(c["closed_on"]) >= D)
    }


# ----------------------------------------------------------------------------- (1) determinism


def test_same_seed_same_output_and_other_seed_differs():
    a = generate(120, seed=3, as_of=D)
    b = generate(120, seed=3, as_of=D)
    assert json.dumps(a, sort_keys=False) == json.dumps(b, sort_keys=False)
    c = generate(120, seed=4, as_of=D)
    assert json.dumps(a) != json.dumps(c)
    e = generate(120, seed=3, as_of=datetime.date(2025, 3, 1))
    assert json.dumps(a) != json.dumps(e)


def test_small_and_empty_inputs_do_not_break():
    for n in (0, 1, 2, 5, 17):
        s = generate(n, seed=1)
        assert set(s) == set(TABLE_COLUMNS)
        assert len(s["cases"]) == n


# ----------------------------------------------------------------------------- (2) integrity


def test_tables_and_columns_are_canonical(snap):
    assert set(snap) == set(TABLE_COLUMNS)
    for table, rows in snap.items():
        assert rows, table
        for r in rows:
            assert list(r) == TABLE_COLUMNS[table], table


def test_ids_unique_and_well_formed(snap):
    width = len(str(N))
    for table, col, pattern in [
        ("cases", "case_id", rf"^S-\d{{{width}}}$"),
        ("coordinators", "coordinator_id", r"^K-\d{4,}$"),
        ("groups", "group_id", r"^G-\d{4,}$"),
        ("meetings", "meeting_id", r"^M-\d{4,}$"),
    ]:
        ids = [r[col] for r in snap[table]]
        assert len(ids) == len(set(ids)), table
        assert all(re.match(pattern, i) for i in ids), table


def test_referential_integrity(snap):
    cases = {c["case_id"] for c in snap["cases"]}
    coords = {c["coordinator_id"] for c in snap["coordinators"]}
    for table, rows in snap.items():
        if "case_id" in TABLE_COLUMNS[table] and table != "cases":
            assert {r["case_id"] for r in rows} <= cases, table
    assert {a["coordinator_id"] for a in snap["assignments"]} <= coords


def test_every_value_is_valid(snap):
    for table, rows in snap.items():
        for r in rows:
            for col in REQUIRED[table]:
                assert r[col] not in (None, ""), (table, col)
            for col, v in r.items():
                if col.endswith(("_on", "_date")):
                    # and representable in Excel (its calendar starts in 1900)
                    assert v is None or (ISO.match(v) and d(v) >= EXCEL_MIN), (table, col, v)
                elif col in BOOLS:
                    assert v in (True, False, None), (table, col, v)
                elif (table, col) in ENUMS:
                    assert v in ENUMS[(table, col)], (table, col, v)
    for c in snap["cases"]:
        assert re.match(r"^\d{4}$", c["municipality"])
    for c in snap["coordinators"]:
        v = c["agreed_max_cases"]
        assert v is None or (type(v) is int and v >= 0)
    # an empty category only for names the project's vocabulary knows (and so infers)
    empty = {s["service"] for s in snap["services"] if s["category"] is None}
    assert empty and all(normalise_name(name) in SERVICE_CATEGORIES for name in empty)
    # a given category agrees with the vocabulary wherever it knows the name
    for s in snap["services"]:
        known = SERVICE_CATEGORIES.get(normalise_name(s["service"]))
        assert s["category"] in (None, known) or known is None, s


# ----------------------------------------------------------------------------- (3) spans


def test_every_end_date_on_or_after_its_start(snap):
    for table, pairs in SPANS.items():
        for r in snap[table]:
            for start, end in pairs:
                if r[start] is not None and r[end] is not None:
                    assert d(r[end]) >= d(r[start]), (table, r)


# ----------------------------------------------------------------------------- (4) boundaries


def test_shape_of_the_population(snap, in_scope):
    cases = snap["cases"]
    closed = [c for c in cases if c["closed_on"] and d(c["closed_on"]) < D]
    future = [c for c in cases if c["opened_on"] and d(c["opened_on"]) > D]
    assert 0.05 * N <= len(closed) <= 0.16 * N
    assert 1 <= len(future) <= 0.05 * N
    assert len(in_scope) >= 0.8 * N
    total = sum(len(v) for v in snap.values())
    assert 8 * N <= total <= 12.5 * N
    assert 0.2 * N <= len(snap["coordinators"]) <= 0.3 * N
    births = [d(c["birth_date"]) for c in cases if c["birth_date"]]
    assert any((b.month, b.day) == (2, 29) for b in births)
    ages = [age(b) for b in births]
    assert sum(a < 18 for a in ages) >= 0.1 * N and sum(a >= 18 for a in ages) >= 0.6 * N
    # turning 18 right around as_of: on both sides
    eighteen = D.replace(year=D.year - 18, day=min(D.day, 28 if D.month == 2 else 31))
    near = [b for b in births if abs((b - eighteen).days) <= 7]
    assert any(age(b) == 17 for b in near) and any(age(b) == 18 for b in near)
    assert len({c["municipality"] for c in cases}) >= 4


def test_coordinator_loads_on_both_sides_of_the_limit(snap, in_scope):
    load = defaultdict(set)
    for a in snap["assignments"]:
        if a["case_id"] in in_scope and active(a["start_date"], a["end_date"]):
            load[a["coordinator_id"]].add(a["case_id"])
    coords = snap["coordinators"]
    n = Counter(len(load[c["coordinator_id"]]) for c in coords)
    for k in range(0, 9):
        assert n[k] >= 1, k
    assert max(n) <= 8
    default = [len(load[c["coordinator_id"]]) for c in coords if c["agreed_max_cases"] is None]
    assert 5 in default and 6 in default
    agreed = {
        (len(load[c["coordinator_id"]]), c["agreed_max_cases"])
        for c in coords
        if c["agreed_max_cases"] is not None
    }
    assert any(n_ > lim for n_, lim in agreed) and any(n_ == lim for n_, lim in agreed)
    assert {c["agreed_max_cases"] for c in coords} >= {3, 4, 6, 8, None}
    trained = [c["trained_on"] is not None for c in coords]
    assert sum(trained) > len(coords) / 2 and not all(trained)
    # an open assignment on a closed case, so the in-scope filter matters
    closed = {c["case_id"] for c in snap["cases"] if c["closed_on"] and d(c["closed_on"]) < D}
    assert any(a["case_id"] in closed and a["end_date"] is None for a in snap["assignments"])


def test_assignment_starts_around_the_mapping_grace(snap, in_scope):
    starts = {
        d(a["start_date"])
        for a in snap["assignments"]
        if a["case_id"] in in_scope and active(a["start_date"], a["end_date"])
    }
    assert ago(30) in starts and ago(29) in starts
    roles = {a["role"] for a in snap["assignments"]}
    assert roles == {"koordinator", "barnekoordinator", None}


def test_invitation_lead_boundaries(snap, in_scope):
    exam = [
        m
        for m in snap["meetings"]
        if m["case_id"] in in_scope
        and m["kind"] in ("ansvarsgruppe", None)
        and m["status"] != "cancelled"
        and ago(365) < d(m["meeting_date"]) <= D + datetime.timedelta(14)
    ]
    leads = Counter(
        (d(m["meeting_date"]) - d(m["invitation_sent_on"])).days
        for m in exam
        if m["invitation_sent_on"] and d(m["meeting_date"]) <= D
    )
    assert leads[13] >= 1 and leads[14] >= 1 and leads[15] >= 1
    assert any(m["invitation_sent_on"] is None and d(m["meeting_date"]) <= D for m in exam)
    soon = [m for m in exam if D < d(m["meeting_date"]) <= D + datetime.timedelta(14)]
    assert any(m["invitation_sent_on"] is None for m in soon)
    # nothing is sent after the snapshot day
    assert all(d(m["invitation_sent_on"]) <= D for m in snap["meetings"] if m["invitation_sent_on"])
    flags = {
        m[f]
        for m in exam
        if m["invitation_sent_on"]
        for f in (
            "invitation_has_subject",
            "invitation_has_participants",
            "invitation_has_time_place",
            "invitation_has_agenda",
        )
    }
    assert flags == {True, False, None}


def test_meeting_statuses_and_next_meeting(snap):
    ms = snap["meetings"]
    past = [m for m in ms if d(m["meeting_date"]) <= D]
    fut = [m for m in ms if d(m["meeting_date"]) > D]
    # no input warnings: nothing 'planned' in the past, nothing 'held' in the future
    assert {m["status"] for m in past} == {None, "held", "cancelled"}
    assert {m["status"] for m in fut} == {None, "planned", "cancelled"}
    assert {m["kind"] for m in ms} == ENUMS[("meetings", "kind")]
    held = [m for m in past if m["status"] in (None, "held")]
    assert any(m["next_meeting_on"] for m in held) and any(not m["next_meeting_on"] for m in held)
    assert all(d(m["minutes_sent_on"]) >= d(m["meeting_date"]) for m in ms if m["minutes_sent_on"])
    # window edges of the review window
    dates = {d(m["meeting_date"]) for m in ms if m["kind"] in ("ansvarsgruppe", None)}
    assert ago(365) in dates and ago(364) in dates


def test_groups_age_and_meeting_frequency(snap):
    groups = snap["groups"]
    act = [g for g in groups if active(g["established_on"], g["dissolved_on"])]
    young = [g for g in act if (D - d(g["established_on"])).days < 365]
    old = [g for g in act if (D - d(g["established_on"])).days >= 365]
    assert young and old
    assert any(g["dissolved_on"] and d(g["dissolved_on"]) < D for g in groups)
    held = Counter()
    for m in snap["meetings"]:
        if (
            m["kind"] in ("ansvarsgruppe", None)
            and m["status"] in ("held", None)
            and ago(365) < d(m["meeting_date"]) <= D
        ):
            held[m["case_id"]] += 1
    per_group = Counter(min(held[g["case_id"]], 4) for g in old)
    assert all(per_group[k] >= 1 for k in range(0, 4)), per_group


def test_consents(snap):
    cs = snap["consents"]
    assert {c["scope"] for c in cs} == ENUMS[("consents", "scope")]
    withdrawn = [d(c["withdrawn_on"]) for c in cs if c["withdrawn_on"]]
    assert D in withdrawn and any(w < D for w in withdrawn) and any(w > D for w in withdrawn)
    assert any(c["withdrawn_on"] is None for c in cs)


def test_relatives_and_mapping(snap):
    rel = snap["relatives"]
    assert {r["relation"] for r in rel} == {"barn", "sosken", "forelder", "partner", "annet"}
    for kind in ("barn", "sosken"):
        rows = [r for r in rel if r["relation"] == kind]
        assert any(minor(r["birth_date"]) for r in rows), kind
        assert any(r["birth_date"] and not minor(r["birth_date"]) for r in rows), kind
    mapped = [c["relatives_mapped_on"] for c in snap["cases"]]
    assert None in mapped
    assert any(m and d(m) < D for m in mapped) and any(m and d(m) > D for m in mapped)


def test_services_and_referrals(snap, in_scope):
    sv = snap["services"]
    names = {s["service"].lower() for s in sv}
    for name in (
        "hjemmesykepleie",
        "praktisk bistand",
        "fysioterapi",
        "ergoterapi",
        "avlastning",
        "bup",
        "psykisk helsetjeneste",
        "dagsenter",
        "helsesykepleier",
        "fastlege",
        "nav-oppfølging",
        "barnevern",
        "spesialpedagogisk hjelp",
    ):
        assert name in names, name
    assert {s["category"] for s in sv} == ENUMS[("services", "category")]
    starts = {d(s["start_date"]) for s in sv if active(s["start_date"], s["end_date"])}
    assert {ago(89), ago(90), ago(91)} <= starts
    assert any(s["end_date"] for s in sv) and any(s["end_date"] is None for s in sv)

    # need for coordination (KE-REFERRAL-MISSING): most, not all, have a referral
    ltn = {c["case_id"]: c["long_term_need"] for c in snap["cases"]}
    qual = defaultdict(dict)
    for s in sv:
        if s["category"] in ("helse", "omsorg", "spesialist") and active(
            s["start_date"], s["end_date"]
        ):
            key = s["service"].strip().lower()
            long = d(s["start_date"]) <= ago(90)
            qual[s["case_id"]][key] = qual[s["case_id"]].get(key, False) or long
    need = {
        c for c in in_scope if sum(qual[c].values()) >= 2 or (ltn[c] is True and len(qual[c]) >= 2)
    }
    referred = {r["case_id"] for r in snap["referrals"] if d(r["received_on"]) <= D}
    with_ref = len(need & referred)
    assert need and 0.6 * len(need) <= with_ref < len(need)
    assert any(d(r["received_on"]) > D for r in snap["referrals"])


def test_ke_meetings_roughly_monthly(snap):
    dates = sorted(d(r["meeting_date"]) for r in snap["ke_meetings"])
    months = {(x.year, x.month) for x in dates}
    assert 15 <= len(dates) <= 32
    span = {
        (y, m)
        for y in range(dates[0].year, dates[-1].year + 1)
        for m in range(1, 13)
        if (dates[0].year, dates[0].month) <= (y, m) <= (dates[-1].year, dates[-1].month)
    }
    assert span - months  # some months skipped


# ----------------------------------------------------------------------------- (5) writing


@pytest.fixture(scope="module")
def small():
    return generate(60, seed=11, as_of=D)


def test_write_json_round_trip(small, tmp_path):
    p = tmp_path / "snap.json"
    write_snapshot(small, p)
    raw = p.read_bytes()
    assert "ø".encode() in raw or "å".encode() in raw  # ensure_ascii=False, UTF-8
    assert json.loads(raw.decode("utf-8")) == small


def _csv_text(v):
    return "" if v is None else "ja" if v is True else "nei" if v is False else str(v)


def test_write_csv_round_trip(small, tmp_path):
    folder = tmp_path / "snap"
    write_snapshot(small, folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in small)
    for table, rows in small.items():
        with open(folder / f"{table}.csv", encoding="utf-8", newline="") as fh:
            back = list(csv.reader(fh))
        assert back[0] == TABLE_COLUMNS[table]
        assert back[1:] == [[_csv_text(r[c]) for c in TABLE_COLUMNS[table]] for r in rows]


def test_write_xlsx(small, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    p = tmp_path / "snap.xlsx"
    write_snapshot(small, p)
    wb = openpyxl.load_workbook(p, read_only=True)
    assert sorted(wb.sheetnames) == sorted(small)
    for table, rows in small.items():
        got = list(wb[table].iter_rows(values_only=True))
        assert list(got[0]) == TABLE_COLUMNS[table]
        assert len(got) == len(rows) + 1
    cases = list(wb["cases"].iter_rows(values_only=True))
    header = cases[0]
    row = dict(zip(header, cases[1], strict=False))  # read-only rows drop trailing blanks
    first = small["cases"][0]
    opened = row["opened_on"]
    if first["opened_on"] is not None:
        assert isinstance(opened, datetime.datetime) and opened.date() == d(first["opened_on"])
    assert row["case_id"] == first["case_id"] and row["municipality"] == first["municipality"]
    col = header.index("wants_coordinator")
    bools = {r[col] if col < len(r) else None for r in cases[1:]}
    assert bools <= {"ja", "nei", None} and {"ja", "nei"} <= bools
    wb.close()


# ----------------------------------------------------------------------------- (6) through ke-rules


def _problems(report, severities=("error", "warning")):
    return [(p.severity.value, p.table, p.column, p.problem) for p in report.input_problems
            if p.severity.value in severities]


@pytest.mark.parametrize("seed", [1, 5])
def test_loads_clean_and_every_rule_has_findings_and_compliant_subjects(seed, tmp_path):
    """No input errors or warnings; every rule of nasjonal and stor-elvdal (KE-SYSTEM-MONTHLY)
    has findings, and, apart from KE-SYSTEM-MONTHLY, compliant subjects too: both sides."""
    path = tmp_path / "s.json"
    write_snapshot(generate(N, seed=seed, as_of=D), path)
    snapshot = ke_rules.load_snapshot(path)
    for name in ("nasjonal", "stor-elvdal"):
        ruleset = ke_rules.load_ruleset(name)
        report = ke_rules.evaluate(snapshot, ruleset, as_of=D)
        assert not _problems(report), _problems(report)[:5]
        fired = {f.rule_id for f in report.findings}
        assert fired == set(ruleset.rules), (name, set(ruleset.rules) - fired)
        for m in report.measures:
            assert m.findings >= 1, (name, m.rule_id)
            if m.rule_id != "KE-SYSTEM-MONTHLY":  # most months have a KE meeting
                assert m.compliant >= 1, (name, m.rule_id)
    assert "KE-SYSTEM-MONTHLY" in ke_rules.load_ruleset("stor-elvdal").rules


def test_lund_counts_only_ip_cases_and_still_has_loads_on_both_sides(tmp_path):
    path = tmp_path / "s.json"
    write_snapshot(generate(N, seed=3, as_of=D), path)
    report = ke_rules.evaluate(ke_rules.load_snapshot(path), "lund", as_of=D)
    load = next(m for m in report.measures if m.rule_id == "KE-COORD-LOAD")
    assert load.findings >= 1 and load.compliant >= 1


def test_input_warnings_only_on_request(tmp_path):
    path = tmp_path / "w.json"
    write_snapshot(generate(N, seed=1, as_of=D, input_warnings=True), path)
    report = ke_rules.evaluate(ke_rules.load_snapshot(path), "nasjonal", as_of=D)
    problems = _problems(report)
    assert problems and {p[0] for p in problems} == {"warning"}
    # meetings and groups: the first wave's warnings; cases and ke_routines: the second wave's
    # data-quality warnings (an evaluation or a revision after as_of), once its rules check them
    assert {"meetings", "groups"} <= {p[1] for p in problems} <= {"meetings", "groups", "cases", "ke_routines"}


def test_second_wave_warnings_only_on_request():
    """The dates the second wave's rules warn about (rules.md) appear only with input_warnings."""
    for warnings in (False, True):
        snap = generate(N, seed=1, as_of=D, input_warnings=warnings)
        late_eval = [c for c in snap["cases"] if c["ip_last_evaluated_on"] and d(c["ip_last_evaluated_on"]) > D]
        early_minutes = [m for m in snap["meetings"] if m["minutes_sent_on"]
                         and d(m["minutes_sent_on"]) < d(m["meeting_date"])]
        late_revision = [r for r in snap["ke_routines"] if r["last_revised_on"] and d(r["last_revised_on"]) > D]
        assert bool(late_eval) == bool(early_minutes) == bool(late_revision) == warnings


def test_coordinators_work_in_one_municipality(snap):
    municipality = {c["case_id"]: c["municipality"] for c in snap["cases"]}
    seen = defaultdict(set)
    for a in snap["assignments"]:
        seen[a["coordinator_id"]].add(municipality[a["case_id"]])
    assert seen and all(len(v) == 1 for v in seen.values())


def test_required_meeting_floor_boundary(snap):
    """Groups active for 182 and 183 days: floor(2 * days / 365) is 0, then 1."""
    ages = {(D - d(g["established_on"])).days for g in snap["groups"]
            if active(g["established_on"], g["dissolved_on"])}
    assert {182, 183, 364, 365, 366} <= ages


@pytest.mark.parametrize("target", ["s.json", "csvdir", "s.xlsx"])
def test_same_seed_same_bytes(target, tmp_path):
    def files(root: pathlib.Path) -> dict[str, bytes]:
        if root.is_dir():
            return {p.name: p.read_bytes() for p in sorted(root.iterdir())}
        return {root.name: root.read_bytes()}

    outs = []
    for run in ("a", "b"):
        path = tmp_path / run / target
        write_snapshot(generate(200, seed=9, as_of=D), path)
        outs.append(files(path))
    assert outs[0] == outs[1]
    other = tmp_path / "c" / target
    write_snapshot(generate(200, seed=10, as_of=D), other)
    assert files(other) != outs[0]


def test_xlsx_loads_like_json(small, tmp_path):
    """The directly written workbook reads back (calamine, via ke-rules) as the json does."""
    write_snapshot(small, tmp_path / "s.xlsx")
    write_snapshot(small, tmp_path / "s.json")
    a = ke_rules.load_snapshot(tmp_path / "s.xlsx")
    b = ke_rules.load_snapshot(tmp_path / "s.json")
    ra, rb = (ke_rules.evaluate(x, "nasjonal", as_of=D) for x in (a, b))
    assert not _problems(ra, ("error", "warning", "notice"))
    key = [(f.rule_id, f.subject_id, f.severity, f.evidence) for f in ra.findings]
    assert key == [(f.rule_id, f.subject_id, f.severity, f.evidence) for f in rb.findings]
    assert [m.model_dump() for m in ra.measures] == [m.model_dump() for m in rb.measures]


def test_xlsx_cell_text_is_escaped(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    rows = [{"case_id": "A&B <1>", "municipality": " 0301", "birth_date": "2000-02-29"},
            {"case_id": "tab\there\x01", "municipality": None, "birth_date": None}]
    write_snapshot({"cases": rows}, tmp_path / "e.xlsx")
    got = list(openpyxl.load_workbook(tmp_path / "e.xlsx")["cases"].iter_rows(values_only=True))
    assert got[1][:3] == ("A&B <1>", " 0301", datetime.datetime(2000, 2, 29))
    assert got[2][0] == "tab\there_x0001_"  # a control character as OOXML writes it


# ----------------------------------------------------------------------------- (6) the second wave


def _assignments_by_case(snap) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for a in snap["assignments"]:
        out.setdefault(a["case_id"], []).append(a)
    return out


def _reference_date(snap, case) -> datetime.date | None:
    received = [d(r["received_on"]) for r in snap["referrals"]
                if r["case_id"] == case["case_id"] and d(r["received_on"]) <= D]
    if received:
        return min(received)
    opened = d(case["opened_on"])
    return opened if opened and opened <= D else None


def test_case_units_a_handful_and_some_empty(snap):
    units = [c["unit"] for c in snap["cases"]]
    named = {u for u in units if u}
    assert 4 <= len(named) <= 8 and all(u == u.strip() for u in named)
    assert 0 < units.count(None) < 0.1 * N


def test_coordinator_wanted_on_both_sides(snap, in_scope):
    """KE-COORD-MISSING: wanted (or an active plan and nothing recorded) with and without an appointment,
    and «nei» (a declined offer) and empty on record."""
    by_case = _assignments_by_case(snap)
    seen = set()
    for c in snap["cases"]:
        if c["case_id"] not in in_scope:
            continue
        ip = c["ip_started_on"] and active(c["ip_started_on"], c["ip_ended_on"])
        if not (c["wants_coordinator"] is True or (c["wants_coordinator"] is None and ip)):
            continue
        ref = _reference_date(snap, c)
        if ref is None or ref > ago(30):
            continue
        appointed = any(active(a["start_date"], a["end_date"]) for a in by_case.get(c["case_id"], []))
        seen.add((c["wants_coordinator"], appointed))
    assert {(True, True), (True, False), (None, True)} <= seen
    assert {c["wants_coordinator"] for c in snap["cases"]} == {True, False, None}


def test_barnekoordinator_for_children_and_expected_children(snap, in_scope):
    by_case = _assignments_by_case(snap)
    sides = set()
    unborn = 0
    for c in snap["cases"]:
        if c["case_id"] not in in_scope or not (c["child_coordinator_eligible"] and c["wants_coordinator"]):
            continue
        born = d(c["birth_date"]) if c["birth_date"] else None
        unborn += born is not None and born > D
        if not (minor(c["birth_date"]) or (born and born > D)):
            continue
        child = any(a["role"] == "barnekoordinator" and active(a["start_date"], a["end_date"])
                    for a in by_case.get(c["case_id"], []))
        sides.add(child)
    assert sides == {True, False} and unborn >= 1


@pytest.mark.parametrize("cases, seed", [(N, 7), (3_000, 2)])
def test_plan_evaluation_on_both_sides_and_at_the_boundary(cases, seed):
    snap = generate(cases, seed=seed, as_of=D)
    held_eval = {m["case_id"] for m in snap["meetings"] if m["kind"] == "evaluering"}
    started = [c for c in snap["cases"] if c["ip_started_on"] and active(c["ip_started_on"], c["ip_ended_on"])]
    assert {(D - d(c["ip_started_on"])).days for c in started} >= {365, 366}
    examined = [c for c in started if (D - d(c["ip_started_on"])).days > 365]
    late = [c for c in examined if c["ip_last_evaluated_on"] is None or d(c["ip_last_evaluated_on"]) < ago(365)]
    assert late and len(late) < len(examined) and held_eval


def test_minutes_on_both_sides_of_fourteen_days(snap):
    days = [(d(m["minutes_sent_on"]) - d(m["meeting_date"])).days for m in snap["meetings"]
            if m["kind"] in ("ansvarsgruppe", None) and m["minutes_sent_on"] and ago(364) <= d(m["meeting_date"]) <= ago(14)]
    assert {14, 15} <= set(days) and min(days) >= 0
    assert any(m["minutes_sent_on"] is None and m["status"] in ("held", None) and d(m["meeting_date"]) <= ago(14)
               for m in snap["meetings"])


def test_agreed_next_meetings_overdue_around_the_grace(snap):
    agreed = {(D - d(m["next_meeting_on"])).days for m in snap["meetings"] if m["next_meeting_on"]}
    assert {14, 15, 16} <= agreed


def test_coordinators_trained_untrained_and_booked(snap, in_scope):
    trained = [c["trained_on"] for c in snap["coordinators"]]
    assert None in trained and any(t and d(t) > D for t in trained) and any(t and d(t) <= D for t in trained)
    # the training grace: a coordinator whose earliest active assignment started 89, 90 and 91 days ago
    earliest: dict[str, datetime.date] = {}
    for a in snap["assignments"]:
        if a["case_id"] in in_scope and active(a["start_date"], a["end_date"]):
            k = a["coordinator_id"]
            earliest[k] = min(earliest.get(k, d(a["start_date"])), d(a["start_date"]))
    assert {89, 90, 91} <= {(D - v).days for v in earliest.values()}


def test_plan_reviews(snap):
    cases = {c["case_id"]: c for c in snap["cases"]}
    reviews = snap["ip_reviews"]
    assert 0.05 * N <= len(reviews) <= 0.4 * N
    for r in reviews:
        assert list(r) == TABLE_COLUMNS["ip_reviews"]
    complete = [r for r in reviews if all(r[k] is True for k in CHECKLIST)]
    lacking = [r for r in reviews if any(r[k] is not True for k in CHECKLIST)]
    assert complete and lacking
    assert any(r[k] is False for r in reviews for k in CHECKLIST) and any(r[k] is None for r in reviews for k in CHECKLIST)
    offsets = [(d(r["reviewed_on"]) - d(cases[r["case_id"]]["ip_started_on"])).days for r in reviews
               if cases[r["case_id"]]["ip_started_on"]]
    assert {0, -1} <= set(offsets) and min(offsets) < -1  # on the plan's first day, the day before, an earlier plan
    assert any(d(r["reviewed_on"]) == D for r in reviews) and any(d(r["reviewed_on"]) > D for r in reviews)
    pairs = [(r["case_id"], r["reviewed_on"]) for r in reviews]
    assert len(pairs) > len(set(pairs))  # two reviews of one plan on one day


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_ke_routines_give_every_required_situation(seed):
    """The four default required tasks: one in time at exactly 730 days, one at 731, one outside the
    quality system and one missing, whichever task gets which (the seed decides)."""
    routines = generate(60, seed=seed, as_of=D)["ke_routines"]
    latest: dict[str, dict] = {}
    for r in routines:  # the greatest last_revised_on, empty first, ties: the later row
        old = latest.get(r["task"])
        if old is None or (r["last_revised_on"] or "") >= (old["last_revised_on"] or ""):
            latest[r["task"]] = r
    required = ["meldinger", "rutiner_ip", "oppnevning", "opplaering"]
    situations = set()
    for task in required:
        r = latest.get(task)
        if r is None:
            situations.add("mangler")
        elif not r["in_quality_system"]:
            situations.add("utenfor")
        else:
            situations.add((D - d(r["last_revised_on"])).days)
    assert situations == {"mangler", "utenfor", 730, 731}
    assert len({r["task"] for r in routines}) == 11 and len(routines) >= 11
    assert generate(0, seed=seed, as_of=D)["ke_routines"] == []
