"""The KE rules written by hand as DuckDB SQL: a peer for speed and a second, independent check.

Written from docs/spec/rules.md (and the derived-field definitions of docs/fields.md),
not from ke_rules' code. It reads a *clean* snapshot with canonical table and column names,
as ``ke-rules synth`` writes it (one .json file or a folder of .csv files): no bokmål aliases,
no enumeration synonyms, no input-problem handling. Two things come from ke_rules, as data:
the ruleset's parameters and enabled rules (``ke_rules.load_ruleset``) and the documented
service vocabulary that infers an empty service category (``ke_rules.ingest.vocabulary``).

    python3 benchmarks/duckdb_peer.py SNAPSHOT --as-of 2026-11-23 [--ruleset nasjonal] [--output F.json]

prints the stage times on stderr (``load:`` and ``evaluate:``, like ``ke-rules check --timings``)
and writes {"findings": [[rule_id, subject_type, subject_id, severity], ...],
"populations": {rule_id: n}}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import time
from fractions import Fraction
from pathlib import Path

import duckdb
import pandas as pd

# canonical columns per table (input-contract.md); every one is read as text and typed in SQL
COLUMNS: dict[str, list[str]] = {
    "cases": ["case_id", "municipality", "birth_date", "opened_on", "closed_on", "wants_coordinator",
              "long_term_need", "ip_started_on", "ip_ended_on", "ip_last_evaluated_on",
              "relatives_mapped_on", "child_coordinator_eligible", "unit"],
    "services": ["case_id", "service", "category", "provider", "start_date", "end_date"],
    "coordinators": ["coordinator_id", "name", "unit", "trained_on", "agreed_max_cases"],
    "assignments": ["case_id", "coordinator_id", "role", "start_date", "end_date"],
    "groups": ["group_id", "case_id", "established_on", "dissolved_on"],
    "meetings": ["meeting_id", "case_id", "kind", "meeting_date", "status", "invitation_sent_on",
                 "invitation_has_subject", "invitation_has_participants", "invitation_has_time_place",
                 "invitation_has_agenda", "minutes_sent_on", "next_meeting_on"],
    "consents": ["case_id", "scope", "given_on", "withdrawn_on", "form"],
    "relatives": ["case_id", "relation", "birth_date"],
    "referrals": ["case_id", "received_on", "source"],
    "ke_meetings": ["meeting_date"],
    "ip_reviews": ["case_id", "reviewed_on", "reviewer", "goals", "participants", "coordinator",
                   "contributions", "measures", "implementation", "period", "consent", "cooperation"],
    "ke_routines": ["task", "title", "owner", "last_revised_on", "in_quality_system"],
}

# the nine checklist items of ip_reviews, in the table's column order
IP_REVIEW_ITEMS = COLUMNS["ip_reviews"][3:]

# rules.md's defaults of the second-wave parameters, for a ruleset that does not list them
SECOND_WAVE_DEFAULTS = {
    "appointment_grace_days": 30,
    "ip_evaluation_days": 365,
    "minutes_days": 14,
    "overdue_grace_days": 14,
    "training_grace_days": 90,
    "required_routines": ["meldinger", "rutiner_ip", "oppnevning", "opplaering"],
    "routine_review_months": 24,
}

MACROS = """
CREATE OR REPLACE MACRO txt(x) AS NULLIF(trim(CAST(x AS VARCHAR)), '');
CREATE OR REPLACE MACRO enm(x) AS lower(txt(x));
CREATE OR REPLACE MACRO dte(x) AS TRY_CAST(txt(x) AS DATE);
CREATE OR REPLACE MACRO bln(x) AS CASE
    WHEN enm(x) IN ('true', 'ja', 'j', 'yes', '1', 'x') THEN TRUE
    WHEN enm(x) IN ('false', 'nei', 'n', 'no', '0') THEN FALSE END;
CREATE OR REPLACE MACRO norm(x) AS regexp_replace(regexp_replace(
    replace(replace(replace(replace(lower(trim(x)), 'æ', 'ae'), 'ø', 'o'), 'å', 'a'), 'é', 'e'),
    '[ _-]+', '_', 'g'), '^_|_$', '', 'g');
"""


# --------------------------------------------------------------------------- loading


def load(con: duckdb.DuckDBPyConnection, path: str | Path) -> None:
    """Create raw_<table> (all VARCHAR) from a .json snapshot or a folder of .csv files."""
    path = Path(path)
    con.execute(MACROS)
    if path.is_dir():
        for table, cols in COLUMNS.items():
            f = path / f"{table}.csv"
            if f.exists():
                con.execute(f"CREATE OR REPLACE TABLE raw_{table} AS SELECT * FROM "
                            f"read_csv(?, all_varchar = true, header = true)", [str(f)])
                have = {r[0] for r in con.execute(f"DESCRIBE raw_{table}").fetchall()}
                for col in cols:
                    if col not in have:
                        con.execute(f"ALTER TABLE raw_{table} ADD COLUMN {col} VARCHAR")
            else:
                _empty(con, table, cols)
        return
    if path.suffix.lower() != ".json":
        raise SystemExit(f"duckdb_peer: reads a .json file or a folder of .csv files, not {path}")
    data = json.loads(path.read_bytes())
    for table, cols in COLUMNS.items():
        rows = data.get(table) or []
        if not rows:
            _empty(con, table, cols)
            continue
        frame = pd.DataFrame({c: pd.Series([r.get(c) for r in rows], dtype=object).astype("string")
                              for c in cols})
        con.register(f"df_{table}", frame)
        con.execute(f"CREATE OR REPLACE TABLE raw_{table} AS SELECT * FROM df_{table}")
        con.unregister(f"df_{table}")


def _empty(con, table: str, cols: list[str]) -> None:
    con.execute(f"CREATE OR REPLACE TABLE raw_{table} ({', '.join(f'{c} VARCHAR' for c in cols)})")


# --------------------------------------------------------------------------- the rules


def _sql(as_of: dt.date, p: dict, vocabulary: dict[str, str], rules: set[str]) -> list[str]:
    p = {**SECOND_WAVE_DEFAULTS, **p}
    D = f"DATE '{as_of.isoformat()}'"
    L = int(p["invitation_lead_days"])
    G = int(p["mapping_grace_days"])
    T = int(p["long_term_days"])
    M = int(p["max_cases_per_coordinator"])
    only_ip = "TRUE" if p["count_only_cases_with_ip"] else "FALSE"
    per_year = Fraction(repr(p["min_group_meetings_per_year"]))  # exact: floor(r * days / 365)
    cats = [c for c in p["coordination_categories"] if c not in ("fastlege", "helsesykepleier")]
    cat_list = ", ".join(f"'{c}'" for c in cats) or "NULL"
    quoted = {k.replace("'", "''"): v for k, v in vocabulary.items()}
    vocab_rows = ", ".join(f"('{k}', '{v}')" for k, v in sorted(quoted.items()))

    def minor_of(b: str) -> str:  # a minor at D: born on or before D and younger than 18 (whole years)
        return (f"({b} <= {D} AND (year({D}) - year({b}) - CASE WHEN month({D}) < month({b}) "
                f"OR (month({D}) = month({b}) AND day({D}) < day({b})) THEN 1 ELSE 0 END) < 18)")

    minor = minor_of("birth_date")
    active = f"start_date <= {D} AND (end_date IS NULL OR end_date >= {D})"
    in_w = f"meeting_date > {D} - 365 AND meeting_date <= {D}"
    sql = [
        "CREATE OR REPLACE TABLE vocab (name VARCHAR, category VARCHAR)",
        *([f"INSERT INTO vocab VALUES {vocab_rows}"] if vocab_rows else []),
        # ---- typed tables
        """CREATE OR REPLACE TABLE cases AS SELECT txt(case_id) case_id, dte(birth_date) birth_date,
             dte(opened_on) opened_on, dte(closed_on) closed_on, bln(long_term_need) long_term_need,
             dte(ip_started_on) ip_started_on, dte(ip_ended_on) ip_ended_on,
             dte(relatives_mapped_on) relatives_mapped_on, bln(wants_coordinator) wants_coordinator,
             bln(child_coordinator_eligible) child_coordinator_eligible,
             dte(ip_last_evaluated_on) ip_last_evaluated_on FROM raw_cases""",
        # in scope at D; IP active at D
        f"""CREATE OR REPLACE TABLE sc AS SELECT *, COALESCE(ip_started_on <= {D}
             AND (ip_ended_on IS NULL OR ip_ended_on >= {D}), FALSE) ip_active FROM cases
             WHERE (opened_on IS NULL OR opened_on <= {D}) AND (closed_on IS NULL OR closed_on >= {D})""",
        """CREATE OR REPLACE TABLE services AS SELECT txt(s.case_id) case_id, txt(s.service) service,
             COALESCE(enm(s.category), v.category, 'annet') category,
             dte(s.start_date) start_date, dte(s.end_date) end_date
           FROM raw_services s LEFT JOIN vocab v ON v.name = norm(s.service)""",
        """CREATE OR REPLACE TABLE coordinators AS SELECT txt(coordinator_id) coordinator_id,
             dte(trained_on) trained_on,
             TRY_CAST(TRY_CAST(txt(agreed_max_cases) AS DOUBLE) AS BIGINT) agreed_max_cases FROM raw_coordinators""",
        """CREATE OR REPLACE TABLE assignments AS SELECT txt(case_id) case_id, txt(coordinator_id) coordinator_id,
             COALESCE(enm(role), 'koordinator') role, dte(start_date) start_date, dte(end_date) end_date
           FROM raw_assignments""",
        """CREATE OR REPLACE TABLE groups AS SELECT txt(group_id) group_id, txt(case_id) case_id,
             dte(established_on) established_on, dte(dissolved_on) dissolved_on FROM raw_groups""",
        # effective status: empty -> held if date <= D else planned; held in the future -> planned
        f"""CREATE OR REPLACE TABLE meetings AS SELECT *, CASE
               WHEN status IS NULL THEN CASE WHEN meeting_date <= {D} THEN 'held' ELSE 'planned' END
               WHEN status = 'held' AND meeting_date > {D} THEN 'planned' ELSE status END eff
           FROM (SELECT txt(meeting_id) meeting_id, txt(case_id) case_id, COALESCE(enm(kind), 'ansvarsgruppe') kind,
             dte(meeting_date) meeting_date, enm(status) status, dte(invitation_sent_on) invitation_sent_on,
             bln(invitation_has_subject) f1, bln(invitation_has_participants) f2,
             bln(invitation_has_time_place) f3, bln(invitation_has_agenda) f4,
             dte(minutes_sent_on) minutes_sent_on, dte(next_meeting_on) next_meeting_on FROM raw_meetings)""",
        """CREATE OR REPLACE TABLE consents AS SELECT txt(case_id) case_id, enm(scope) scope,
             dte(given_on) given_on, dte(withdrawn_on) withdrawn_on FROM raw_consents""",
        """CREATE OR REPLACE TABLE relatives AS SELECT txt(case_id) case_id, enm(relation) relation,
             dte(birth_date) birth_date FROM raw_relatives""",
        "CREATE OR REPLACE TABLE referrals AS SELECT txt(case_id) case_id, dte(received_on) received_on "
        "FROM raw_referrals",
        "CREATE OR REPLACE TABLE ke AS SELECT dte(meeting_date) meeting_date FROM raw_ke_meetings",
        # rowid keeps the file's row order: "on ties the later row"
        f"""CREATE OR REPLACE TABLE ip_reviews AS SELECT rowid rn, txt(case_id) case_id, dte(reviewed_on) reviewed_on,
             {', '.join(f'bln({c}) {c}' for c in IP_REVIEW_ITEMS)} FROM raw_ip_reviews""",
        """CREATE OR REPLACE TABLE routines AS SELECT rowid rn, enm(task) task, dte(last_revised_on) last_revised_on,
             bln(in_quality_system) in_quality_system FROM raw_ke_routines""",
        "CREATE OR REPLACE TABLE fnd (rule_id VARCHAR, subject_type VARCHAR, subject_id VARCHAR, severity VARCHAR)",
        "CREATE OR REPLACE TABLE pop (rule_id VARCHAR, n BIGINT)",
        # ---- shared: groups active at D (of in-scope cases); held ansvarsgruppe meetings
        f"""CREATE OR REPLACE TABLE ag AS SELECT g.group_id, g.case_id, g.established_on FROM groups g
             JOIN sc USING (case_id)
             WHERE g.established_on <= {D} AND (g.dissolved_on IS NULL OR g.dissolved_on >= {D})""",
        """CREATE OR REPLACE TABLE hm AS SELECT m.case_id, m.meeting_date, m.next_meeting_on FROM meetings m
             JOIN sc USING (case_id) WHERE m.kind = 'ansvarsgruppe' AND m.eff = 'held'""",
        # held ansvarsgruppe meetings of each active group's case since it was established (KE-MEET-NEXT, -OVERDUE)
        f"""CREATE OR REPLACE TABLE gm AS SELECT ag.group_id, ag.case_id, hm.meeting_date, hm.next_meeting_on FROM ag
              JOIN hm ON hm.case_id = ag.case_id
               AND hm.meeting_date >= ag.established_on AND hm.meeting_date <= {D}""",
    ]
    if "KE-COORD-LOAD" in rules:  # distinct in-scope cases with an active assignment (any role)
        sql += [
            f"""CREATE OR REPLACE TABLE coord_n AS SELECT coordinator_id, count(DISTINCT case_id) n
                 FROM assignments a JOIN sc USING (case_id) WHERE {active} AND ({only_ip} = FALSE OR sc.ip_active)
                 GROUP BY coordinator_id""",
            "INSERT INTO pop SELECT 'KE-COORD-LOAD', count(*) FROM coord_n",
            f"""INSERT INTO fnd SELECT 'KE-COORD-LOAD', 'coordinator', coordinator_id, 'medium' FROM coord_n
                 LEFT JOIN coordinators USING (coordinator_id) WHERE n > COALESCE(agreed_max_cases, {M})""",
        ]
    if "KE-MEET-FREQ" in rules:
        sql += [
            "INSERT INTO pop SELECT 'KE-MEET-FREQ', count(*) FROM ag",
            f"""INSERT INTO fnd SELECT 'KE-MEET-FREQ', 'group', group_id, 'medium' FROM (
                  SELECT ag.group_id, ag.established_on, count(hm.case_id) held FROM ag
                  LEFT JOIN hm ON hm.case_id = ag.case_id AND hm.meeting_date > {D} - 365
                       AND hm.meeting_date <= {D} AND hm.meeting_date >= ag.established_on
                  GROUP BY ag.group_id, ag.established_on)
                WHERE held < ({per_year.numerator} * least(365, date_diff('day', established_on, {D})))
                             // ({per_year.denominator} * 365)""",
        ]
    # KE-INVITE-LEAD examines; KE-INVITE-CONTENT takes the examined ones with an invitation
    sql.append(f"""CREATE OR REPLACE TABLE im AS SELECT m.*, date_diff('day', invitation_sent_on, meeting_date) lead
                    FROM meetings m JOIN sc USING (case_id) WHERE m.kind = 'ansvarsgruppe' AND m.eff <> 'cancelled'
                    AND m.meeting_date > {D} - 365 AND m.meeting_date <= {D} + {L}""")
    if "KE-INVITE-LEAD" in rules:
        sql += [
            "INSERT INTO pop SELECT 'KE-INVITE-LEAD', count(*) FROM im",
            f"""INSERT INTO fnd SELECT 'KE-INVITE-LEAD', 'meeting', meeting_id, 'low' FROM im WHERE
                  (meeting_date <= {D} AND (invitation_sent_on IS NULL OR lead < {L}))
                  OR (meeting_date > {D} AND ((invitation_sent_on IS NULL AND date_diff('day', {D}, meeting_date) < {L})
                                            OR (invitation_sent_on IS NOT NULL AND lead < {L})))""",
        ]
    if "KE-INVITE-CONTENT" in rules:
        sql += [
            "INSERT INTO pop SELECT 'KE-INVITE-CONTENT', count(*) FROM im WHERE invitation_sent_on IS NOT NULL",
            """INSERT INTO fnd SELECT 'KE-INVITE-CONTENT', 'meeting', meeting_id, 'low' FROM im
                 WHERE invitation_sent_on IS NOT NULL
                 AND NOT (COALESCE(f1, FALSE) AND COALESCE(f2, FALSE)
                          AND COALESCE(f3, FALSE) AND COALESCE(f4, FALSE))""",
        ]
    if "KE-CONSENT" in rules:  # needs: ip (IP active), ansvarsgruppe (a group active at D)
        sql += [
            f"""CREATE OR REPLACE TABLE cov AS SELECT case_id, bool_or(scope IN ('ip', 'alle')) c_ip,
                  bool_or(scope IN ('ansvarsgruppe', 'alle')) c_ag FROM consents
                  WHERE given_on <= {D} AND (withdrawn_on IS NULL OR withdrawn_on > {D}) GROUP BY case_id""",
            """CREATE OR REPLACE TABLE needs AS SELECT sc.case_id, sc.ip_active n_ip,
                  sc.case_id IN (SELECT case_id FROM ag) n_ag, COALESCE(cov.c_ip, FALSE) c_ip,
                  COALESCE(cov.c_ag, FALSE) c_ag FROM sc LEFT JOIN cov USING (case_id)""",
            "INSERT INTO pop SELECT 'KE-CONSENT', count(*) FROM needs WHERE n_ip OR n_ag",
            """INSERT INTO fnd SELECT 'KE-CONSENT', 'case', case_id, 'high' FROM needs
                 WHERE (n_ip AND NOT c_ip) OR (n_ag AND NOT c_ag)""",
        ]
    if "KE-CHILD-RELATIVE" in rules:
        sql += [
            f"""CREATE OR REPLACE TABLE qual AS SELECT DISTINCT sc.case_id, sc.relatives_mapped_on FROM assignments a
                  JOIN sc USING (case_id) WHERE {active} AND a.start_date <= {D} - {G}""",
            "INSERT INTO pop SELECT 'KE-CHILD-RELATIVE', count(*) FROM qual",
            f"""INSERT INTO fnd SELECT 'KE-CHILD-RELATIVE', 'case', case_id,
                  CASE WHEN case_id IN (SELECT case_id FROM relatives WHERE relation IN ('barn', 'sosken') AND {minor})
                       THEN 'high' ELSE 'medium' END
                FROM qual WHERE relatives_mapped_on IS NULL OR relatives_mapped_on > {D}""",
        ]
    if "KE-REFERRAL-MISSING" in rules:  # distinct names (trimmed, case-insensitive) of qualifying services
        sql += [
            f"""CREATE OR REPLACE TABLE need AS SELECT case_id FROM (
                  SELECT s.case_id, lower(trim(s.service)) name, bool_or(s.start_date <= {D} - {T}) long_running
                  FROM services s JOIN sc USING (case_id) WHERE {active} AND s.category IN ({cat_list})
                  GROUP BY s.case_id, lower(trim(s.service))) q JOIN sc USING (case_id)
                GROUP BY case_id, sc.long_term_need
                HAVING count_if(long_running) >= 2 OR (sc.long_term_need IS TRUE AND count(*) >= 2)""",
            "INSERT INTO pop SELECT 'KE-REFERRAL-MISSING', count(*) FROM need",
            f"""INSERT INTO fnd SELECT 'KE-REFERRAL-MISSING', 'case', case_id, 'high' FROM need
                 WHERE case_id NOT IN (SELECT case_id FROM referrals WHERE received_on <= {D})""",
        ]
    if "KE-MEET-NEXT" in rules:
        sql += [
            "INSERT INTO pop SELECT 'KE-MEET-NEXT', count(DISTINCT group_id) FROM gm",
            # no meeting on the latest such date has next_meeting_on
            """INSERT INTO fnd SELECT 'KE-MEET-NEXT', 'group', group_id, 'low' FROM (
                  SELECT group_id, bool_or(next_meeting_on IS NOT NULL AND meeting_date = latest) agreed
                  FROM (SELECT *, max(meeting_date) OVER (PARTITION BY group_id) latest FROM gm)
                  GROUP BY group_id) WHERE NOT agreed""",
        ]
    if "KE-CONSENT-MEETING" in rules:  # covered on the meeting date by samarbeidsmote/informasjonsdeling/alle
        sql += [
            f"""CREATE OR REPLACE TABLE sm AS SELECT m.meeting_id, m.case_id, m.meeting_date FROM meetings m
                  JOIN sc USING (case_id) WHERE m.kind = 'samarbeidsmote' AND m.eff = 'held' AND {in_w}""",
            "INSERT INTO pop SELECT 'KE-CONSENT-MEETING', count(*) FROM sm",
            """INSERT INTO fnd SELECT 'KE-CONSENT-MEETING', 'meeting', meeting_id, 'high' FROM sm WHERE NOT EXISTS (
                  SELECT 1 FROM consents c WHERE c.case_id = sm.case_id
                  AND c.scope IN ('samarbeidsmote', 'informasjonsdeling', 'alle')
                  AND c.given_on <= sm.meeting_date
                  AND (c.withdrawn_on IS NULL OR c.withdrawn_on > sm.meeting_date))""",
        ]
    # ---- second wave (rules.md, "The KE's further duties")
    AG = int(p["appointment_grace_days"])
    IE = int(p["ip_evaluation_days"])
    MD = int(p["minutes_days"])
    OG = int(p["overdue_grace_days"])
    TG = int(p["training_grace_days"])
    review_days = math.floor(Fraction("30.4375") * Fraction(repr(p["routine_review_months"])))
    sql += [
        # R(c): the earliest referral received on or before D, else opened_on (<= D), else NULL
        f"""CREATE OR REPLACE TABLE rd AS SELECT sc.*, COALESCE(r.first_received,
              CASE WHEN sc.opened_on <= {D} THEN sc.opened_on END) ref_date FROM sc
              LEFT JOIN (SELECT case_id, min(received_on) first_received FROM referrals
                         WHERE received_on <= {D} GROUP BY case_id) r USING (case_id)""",
        f"CREATE OR REPLACE TABLE appointed AS SELECT case_id, role FROM assignments WHERE {active}",
    ]
    if "KE-COORD-MISSING" in rules:  # wants one, or (not recorded and an IP active at D)
        sql += [
            f"""CREATE OR REPLACE TABLE cm AS SELECT case_id FROM rd
                 WHERE (wants_coordinator IS TRUE OR (wants_coordinator IS NULL AND ip_active))
                 AND ref_date <= {D} - {AG}""",
            "INSERT INTO pop SELECT 'KE-COORD-MISSING', count(*) FROM cm",
            """INSERT INTO fnd SELECT 'KE-COORD-MISSING', 'case', case_id, 'high' FROM cm
                 WHERE NOT EXISTS (SELECT 1 FROM appointed a WHERE a.case_id = cm.case_id)""",
        ]
    if "KE-CHILD-COORD" in rules:  # from 2022-08-01; a child: the recipient or a barn, minor or not yet born
        in_force = "TRUE" if as_of >= dt.date(2022, 8, 1) else "FALSE"
        sql += [
            f"""CREATE OR REPLACE TABLE cc AS SELECT case_id FROM rd
                 WHERE {in_force} AND child_coordinator_eligible IS TRUE AND wants_coordinator IS TRUE
                 AND ref_date <= {D} - {AG}
                 AND (birth_date > {D} OR {minor_of("rd.birth_date")} OR EXISTS (
                      SELECT 1 FROM relatives r WHERE r.case_id = rd.case_id AND r.relation = 'barn'
                      AND (r.birth_date > {D} OR {minor_of("r.birth_date")})))""",
            "INSERT INTO pop SELECT 'KE-CHILD-COORD', count(*) FROM cc",
            """INSERT INTO fnd SELECT 'KE-CHILD-COORD', 'case', case_id, 'high' FROM cc WHERE NOT EXISTS (
                  SELECT 1 FROM appointed a WHERE a.case_id = cc.case_id AND a.role = 'barnekoordinator')""",
        ]
    if "KE-IP-EVAL" in rules:  # E = latest of ip_last_evaluated_on (<= D) and held evaluering meetings
        sql += [
            f"""CREATE OR REPLACE TABLE ie AS SELECT sc.case_id, max(e.d) last_evaluated FROM sc LEFT JOIN (
                    SELECT case_id, ip_last_evaluated_on d FROM sc WHERE ip_last_evaluated_on <= {D}
                    UNION ALL SELECT case_id, meeting_date FROM meetings
                    WHERE kind = 'evaluering' AND eff = 'held' AND meeting_date <= {D}) e USING (case_id)
                 WHERE sc.ip_active AND date_diff('day', sc.ip_started_on, {D}) > {IE} GROUP BY sc.case_id""",
            "INSERT INTO pop SELECT 'KE-IP-EVAL', count(*) FROM ie",
            f"""INSERT INTO fnd SELECT 'KE-IP-EVAL', 'case', case_id, 'medium' FROM ie
                 WHERE last_evaluated IS NULL OR date_diff('day', last_evaluated, {D}) > {IE}""",
        ]
    if "KE-MINUTES" in rules:
        sql += [
            f"""CREATE OR REPLACE TABLE mn AS SELECT m.meeting_id, m.meeting_date, m.minutes_sent_on FROM meetings m
                 JOIN sc USING (case_id) WHERE m.kind = 'ansvarsgruppe' AND m.eff = 'held' AND {in_w}
                 AND m.meeting_date <= {D} - {MD}""",
            "INSERT INTO pop SELECT 'KE-MINUTES', count(*) FROM mn",
            f"""INSERT INTO fnd SELECT 'KE-MINUTES', 'meeting', meeting_id, 'low' FROM mn
                 WHERE minutes_sent_on IS NULL OR date_diff('day', meeting_date, minutes_sent_on) > {MD}""",
        ]
    if "KE-MEET-OVERDUE" in rules:  # M: latest meeting with a next_meeting_on; N: the greatest on M
        sql += [
            f"""CREATE OR REPLACE TABLE mo AS SELECT * FROM (
                  SELECT x.group_id, x.case_id, x.meeting_date m_date, max(x.next_meeting_on) n_date FROM gm x
                  JOIN (SELECT group_id, max(meeting_date) m_date FROM gm WHERE next_meeting_on IS NOT NULL
                        GROUP BY group_id) l ON l.group_id = x.group_id AND l.m_date = x.meeting_date
                  WHERE x.next_meeting_on IS NOT NULL GROUP BY x.group_id, x.case_id, x.meeting_date)
                WHERE n_date < {D} - {OG}""",
            "INSERT INTO pop SELECT 'KE-MEET-OVERDUE', count(*) FROM mo",
            f"""INSERT INTO fnd SELECT 'KE-MEET-OVERDUE', 'group', group_id, 'low' FROM mo WHERE NOT EXISTS (
                  SELECT 1 FROM hm WHERE hm.case_id = mo.case_id
                  AND hm.meeting_date > mo.m_date AND hm.meeting_date <= {D})""",
        ]
    if "KE-COORD-TRAINING" in rules:  # earliest assignment active at D to an in-scope case
        sql += [
            f"""CREATE OR REPLACE TABLE ct AS SELECT a.coordinator_id FROM assignments a JOIN sc USING (case_id)
                 WHERE {active} GROUP BY a.coordinator_id HAVING min(a.start_date) <= {D} - {TG}""",
            "INSERT INTO pop SELECT 'KE-COORD-TRAINING', count(*) FROM ct",
            f"""INSERT INTO fnd SELECT 'KE-COORD-TRAINING', 'coordinator', coordinator_id, 'medium' FROM ct
                 LEFT JOIN coordinators USING (coordinator_id) WHERE trained_on IS NULL OR trained_on > {D}""",
        ]
    if "KE-IP-CONTENT" in rules:  # the latest review of the current plan (on equal dates the later row)
        items = " AND ".join(f"COALESCE({c}, FALSE)" for c in IP_REVIEW_ITEMS)
        sql += [
            f"""CREATE OR REPLACE TABLE ic AS SELECT * FROM (
                  SELECT r.*, row_number() OVER (PARTITION BY r.case_id ORDER BY r.reviewed_on DESC, r.rn DESC) k
                  FROM ip_reviews r JOIN sc USING (case_id) WHERE sc.ip_active
                  AND r.reviewed_on >= sc.ip_started_on AND r.reviewed_on <= {D}) WHERE k = 1""",
            "INSERT INTO pop SELECT 'KE-IP-CONTENT', count(*) FROM ic",
            f"INSERT INTO fnd SELECT 'KE-IP-CONTENT', 'case', case_id, 'medium' FROM ic WHERE NOT ({items})",
        ]
    if "KE-SYSTEM-ROUTINES" in rules:  # only when ke_routines has rows; a revision after D is taken as empty
        required = list(p["required_routines"])
        req_rows = ", ".join(f"('{t}')" for t in required)
        sql += [
            "CREATE OR REPLACE TABLE req (task VARCHAR)",
            *([f"INSERT INTO req VALUES {req_rows}"] if required else []),
            "DELETE FROM req WHERE (SELECT count(*) FROM routines) = 0",
            f"""CREATE OR REPLACE TABLE rl AS SELECT * FROM (
                  SELECT task, rev, in_quality_system, row_number() OVER (
                      PARTITION BY task ORDER BY rev DESC NULLS LAST, rn DESC) k
                  FROM (SELECT *, CASE WHEN last_revised_on <= {D} THEN last_revised_on END rev FROM routines))
                WHERE k = 1""",
            "INSERT INTO pop SELECT 'KE-SYSTEM-ROUTINES', count(*) FROM req",
            f"""INSERT INTO fnd SELECT 'KE-SYSTEM-ROUTINES', 'routine', req.task, 'medium' FROM req
                 LEFT JOIN rl USING (task) WHERE rl.task IS NULL OR rl.rev IS NULL
                 OR date_diff('day', rl.rev, {D}) > {review_days} OR rl.in_quality_system IS NOT TRUE""",
        ]
    if "KE-SYSTEM-MONTHLY" in rules:  # whole calendar months inside (D - 365, D], when ke_meetings has rows
        sql += [
            f"""CREATE OR REPLACE TABLE months AS SELECT CAST(range AS DATE) m0 FROM range(
                  CAST(date_trunc('month', {D} - 364) AS DATE), {D} + 1, INTERVAL 1 MONTH)
                WHERE CAST(range AS DATE) >= {D} - 364 AND last_day(CAST(range AS DATE)) <= {D}
                  AND (SELECT count(*) FROM ke) > 0""",
            "INSERT INTO pop SELECT 'KE-SYSTEM-MONTHLY', count(*) FROM months",
            """INSERT INTO fnd SELECT 'KE-SYSTEM-MONTHLY', 'ke', strftime(m0, '%Y-%m'), 'low' FROM months
                 WHERE NOT EXISTS (SELECT 1 FROM ke WHERE ke.meeting_date BETWEEN m0 AND last_day(m0))""",
        ]
    return sql


def evaluate(con: duckdb.DuckDBPyConnection, as_of: dt.date, params: dict, rules: set[str],
             vocabulary: dict[str, str]) -> dict:
    """Run the rules over the raw_* tables: {"findings": set of 4-tuples, "populations": {rule: n}}."""
    for statement in _sql(as_of, params, vocabulary, rules):
        con.execute(statement)
    findings = {tuple(r) for r in con.execute("SELECT * FROM fnd").fetchall()}
    populations = dict(con.execute("SELECT rule_id, n FROM pop").fetchall())
    return {"findings": findings, "populations": populations}


def ruleset_inputs(ruleset: str) -> tuple[dict, set[str], dict[str, str]]:
    """Parameters and enabled rules of a ruleset, and the service vocabulary (data from ke_rules)."""
    import ke_rules
    from ke_rules.ingest.vocabulary import SERVICE_CATEGORIES

    rs = ke_rules.load_ruleset(ruleset)
    return dict(rs.params), set(rs.rules), dict(SERVICE_CATEGORIES)


def run(path: str | Path, as_of: dt.date, ruleset: str = "nasjonal", threads: int | None = None) -> dict:
    """Load and evaluate; adds "timings": {"load": s, "evaluate": s}."""
    params, rules, vocabulary = ruleset_inputs(ruleset)
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    t0 = time.perf_counter()
    load(con, path)
    t1 = time.perf_counter()
    out = evaluate(con, as_of, params, rules, vocabulary)
    out["timings"] = {"load": t1 - t0, "evaluate": time.perf_counter() - t1}
    con.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("snapshot")
    ap.add_argument("--as-of", required=True, type=dt.date.fromisoformat)
    ap.add_argument("--ruleset", default="nasjonal")
    ap.add_argument("--output", type=Path)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args(argv)
    out = run(args.snapshot, args.as_of, args.ruleset, args.threads)
    for stage, seconds in out["timings"].items():
        print(f"{stage:>9}: {seconds:8.3f} s", file=sys.stderr)
    if args.output:
        args.output.write_text(json.dumps({"findings": sorted(out["findings"]),
                                           "populations": out["populations"]}), encoding="utf-8")
    print(f"duckdb_peer: {len(out['findings'])} findings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
