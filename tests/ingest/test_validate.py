"""Lazy validation: every bad row is set aside with a problem; nothing is lost."""

from __future__ import annotations

import ke_rules

from ..conftest import write_json


def problems(snap):
    return {(p.table, p.row, p.column, p.code.value, p.severity.value) for p in snap.problems
            if p.severity.value != "notice"}


def test_set_aside_rules_and_cascade(tmp_path):
    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {
        "cases": [
            {"case_id": "S-1", "opened_on": "2024-01-01"},
            {"case_id": "S-1"},                                     # duplicate: later row set aside
            {"case_id": "S-2", "opened_on": "2024-05-01", "closed_on": "2024-04-30"},  # end before start
            {"case_id": "S-3", "opened_on": "2024-05-01", "closed_on": "2024-05-01"},  # equal is fine
            {"case_id": "S-4", "wants_coordinator": "kanskje"},     # optional invalid: warning, kept
        ],
        "coordinators": [{"coordinator_id": "K-1"}],
        "assignments": [
            {"case_id": "S-1", "coordinator_id": "K-1", "start_date": "2024-01-01"},
            {"case_id": "S-1", "coordinator_id": "K-9", "start_date": "2024-01-01"},  # unknown coordinator
            {"case_id": "S-2", "coordinator_id": "K-1", "start_date": "2024-01-01"},  # case set aside
            {"case_id": "S-7", "coordinator_id": "K-1", "start_date": "2024-01-01"},  # unknown case
        ],
        "services": [{"case_id": "S-3", "service": "Trylleskole", "start_date": "2024-01-01"}],
    }))
    assert problems(snap) == {
        ("cases", 2, "case_id", "duplicate_id", "error"),
        ("cases", 3, "closed_on", "end_before_start", "error"),
        ("cases", 5, "wants_coordinator", "not_a_bool", "warning"),
        ("assignments", 2, "coordinator_id", "unknown_coordinator", "error"),
        ("assignments", 3, "case_id", "case_set_aside", "error"),
        ("assignments", 4, "case_id", "unknown_case", "error"),
        ("services", 1, "service", "unknown_service", "warning"),
    }
    assert list(snap.tables["cases"]["case_id"]) == ["S-1", "S-3", "S-4"]
    assert snap.tables["services"]["category"].tolist() == ["annet"]
    for name, count in snap.counts.items():
        kept = len(snap.tables[name])
        assert count.rows == kept + count.set_aside, name


def test_service_category_is_inferred_and_never_second_guessed(tmp_path):
    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {
        "cases": [{"case_id": "S-1"}],
        "services": [
            {"case_id": "S-1", "service": "Hjemmesykepleie", "start_date": "2024-01-01"},
            {"case_id": "S-1", "service": "BUP", "start_date": "2024-01-01"},
            {"case_id": "S-1", "service": "Hjemmesykepleie", "category": "annet", "start_date": "2024-01-01"},
        ]}))
    assert snap.tables["services"]["category"].tolist() == ["helse", "spesialist", "annet"]


def test_problem_values_never_show_identity_numbers(tmp_path):
    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {
        "cases": [{"case_id": "S-1", "birth_date": "01017012345"}, {"case_id": "S-2", "birth_date": "010170 12345"}]}))
    values = [p.value for p in snap.problems if p.column == "birth_date" and p.code.value == "not_a_date"]
    assert values and all("12345" not in v for v in values)


# --- issue 10: values that were lost, leaked or crashed


def _problems_of(snap, *codes):
    return sorted((p.table, p.row, p.column, p.code.value, p.severity.value, p.value) for p in snap.problems
                  if p.code.value in codes)


def test_a_zero_width_space_makes_no_second_case(tmp_path):
    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {"cases": [
        {"case_id": "S-1"}, {"case_id": "S-1\u200b"}, {"case_id": "\ufeffS-2"}, {"case_id": "S-\u20603"}]}))
    assert list(snap.tables["cases"]["case_id"]) == ["S-1", "S-2", "S-3"]
    assert _problems_of(snap, "invisible_character", "duplicate_id") == [
        ("cases", 2, "case_id", "duplicate_id", "error", "S-1"),
        ("cases", 2, "case_id", "invisible_character", "warning", "S-1\\u200b"),
        ("cases", 3, "case_id", "invisible_character", "warning", "\\ufeffS-2"),
        ("cases", 4, "case_id", "invisible_character", "warning", "S-\\u20603"),
    ]


def test_excel_errors_are_problems_not_cases(tmp_path):
    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {
        "cases": [{"case_id": "S-1", "municipality": "#REF!", "birth_date": "#VALUE!"}, {"case_id": "#N/A"}],
        "services": [{"case_id": "S-1", "service": "#N/A", "start_date": "2024-01-01"},
                     {"case_id": "#N/A", "service": "fysioterapi", "start_date": "2024-01-01"}],
    }))
    assert list(snap.tables["cases"]["case_id"]) == ["S-1"]
    assert snap.tables["cases"]["municipality"].isna().all()  # optional: taken as empty
    assert len(snap.tables["services"]) == 0
    assert _problems_of(snap, "excel_error") == [
        ("cases", 1, "birth_date", "excel_error", "warning", "#VALUE!"),
        ("cases", 1, "municipality", "excel_error", "warning", "#REF!"),
        ("cases", 2, "case_id", "excel_error", "error", "#N/A"),
        ("services", 1, "service", "excel_error", "error", "#N/A"),
        ("services", 2, "case_id", "excel_error", "error", "#N/A"),
    ]
    assert snap.counts["cases"].set_aside == 1 and snap.counts["services"].set_aside == 2


def test_true_in_an_id_column_is_no_case(tmp_path):
    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {"cases": [{"case_id": True}, {"case_id": "S-1"}]}))
    assert list(snap.tables["cases"]["case_id"]) == ["S-1"]
    assert _problems_of(snap, "not_a_value") == [("cases", 1, "case_id", "not_a_value", "error", "true")]


def test_a_huge_agreed_max_cases_is_a_warning_and_the_default_limit_applies(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"cases": [{"case_id": "S-1"}], "coordinators": ['
                    '{"coordinator_id": "K-1", "agreed_max_cases": 18446744073709551615},'
                    '{"coordinator_id": "K-2", "agreed_max_cases": 1e30},'
                    '{"coordinator_id": "K-3", "agreed_max_cases": "1000000000000"},'
                    '{"coordinator_id": "K-4", "agreed_max_cases": 12}]}', encoding="utf-8")
    snap = ke_rules.load_snapshot(path)
    assert snap.tables["coordinators"]["agreed_max_cases"].tolist()[3] == 12
    assert snap.tables["coordinators"]["agreed_max_cases"].isna().tolist() == [True, True, True, False]
    assert _problems_of(snap, "int_out_of_range") == [
        ("coordinators", 1, "agreed_max_cases", "int_out_of_range", "warning", "18446744073709551615"),
        ("coordinators", 2, "agreed_max_cases", "int_out_of_range", "warning", "1e+30"),
        ("coordinators", 3, "agreed_max_cases", "int_out_of_range", "warning", "1000000000000"),
    ]
    report = ke_rules.evaluate(snap, "nasjonal", as_of="2026-11-23")
    assert report.to_json()


def test_a_lone_surrogate_is_invalid_text_and_every_output_survives_it(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"cases": [{"case_id": "S-\\ud83d"}, {"case_id": "S-1", "municipality": "11\\udc00"}],'
                    ' "coordinators": [{"coordinator_id": "K-1", "name": "Ola \\ud83d"}]}', encoding="utf-8")
    snap = ke_rules.load_snapshot(path)
    assert list(snap.tables["cases"]["case_id"]) == ["S-1"]
    assert _problems_of(snap, "invalid_text") == [
        ("cases", 1, "case_id", "invalid_text", "error", "S-\\ud83d"),
        ("cases", 2, "municipality", "invalid_text", "warning", "11\\udc00"),
        ("coordinators", 1, "name", "invalid_text", "warning", "Ola \\ud83d"),
    ]
    report = ke_rules.evaluate(snap, "nasjonal", as_of="2026-11-23")
    report.to_json().encode("utf-8")  # no half character can reach an output
    from ke_rules.report.render import render

    for fmt in ("csv", "md", "html", "xlsx"):
        render(report, fmt)


def test_a_number_late_in_a_long_value_is_masked_whole(tmp_path):
    fnr = "01019912368"
    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {"cases": [
        {"case_id": "S-1", "birth_date": "x" * 190 + fnr + " og mer"},
        {"case_id": "S-2", "birth_date": "y" * 195 + f"{fnr[:6]}-{fnr[6:]}"}]}))
    values = [p.value for p in snap.problems if p.column == "birth_date" and p.code.value == "not_a_date"]
    assert len(values) == 2 and all(v.endswith("…") and not any(ch.isdigit() for ch in v) for v in values)


def test_a_row_of_invisible_characters_only_is_read_and_reported_not_skipped(tmp_path):
    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {"cases": [
        {"case_id": "S-1"}, {"case_id": "\u200b", "birth_date": " "}, {"case_id": "S-2"}]}))
    assert snap.counts["cases"].rows == 3 and snap.counts["cases"].set_aside == 1
    assert _problems_of(snap, "invisible_character", "required_empty") == [
        ("cases", 2, "case_id", "invisible_character", "warning", "\\u200b"),
        ("cases", 2, "case_id", "required_empty", "error", None),
    ]
