"""The CSV reader (ke_rules/ingest/csv_reader.py): both parsers read the same cells, and what a file
holds is read as a spreadsheet shows it or refused (quotes, encodings, delimiters).

``csv_reader.read_csv_columns`` (the fast path) takes regular CSV texts; everything else goes to the csv
module's row reader. Hypothesis writes random tables (quotes, both delimiters, line
breaks inside cells, short and blank rows, Norwegian letters) and random raw texts that
need not be valid CSV: whenever the fast path accepts a text, its header and cells
must equal the csv module's, a missing cell in a short row being empty in both.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ke_rules.ingest.read as read_module
from ke_rules import InputRefused
from ke_rules.ingest import csv_reader
from ke_rules.ingest.csv_reader import choose_delimiter, decode_csv, read_csv_bytes
from ke_rules.ingest.csv_reader import read_csv_columns as _read_csv_columns
from ke_rules.runtime import background

ALPHABET = st.sampled_from(list('ab æø1 ";,\n\r\t'))
CELL = st.text(ALPHABET, max_size=6)


def _by_csv_module(text: str, delimiter: str) -> tuple[list[object], list[list[object]]] | None:
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return None
    if not rows:
        return None
    width = max(len(r) for r in rows)
    header = list(rows[0]) + [None] * (width - len(rows[0]))
    body = [list(r) + [""] * (width - len(r)) for r in rows[1:]]  # a short row's missing cells: empty
    return header, [list(col) for col in zip(*body, strict=True)] if body else [[] for _ in range(width)]


def _same(text: str, delimiter: str) -> None:
    fast = _read_csv_columns(text, delimiter)
    if fast is None:
        return
    header, columns, rownums, flag = fast
    slow = _by_csv_module(text, delimiter)
    assert slow is not None, repr(text)
    slow_header, slow_columns = slow
    assert header == slow_header[:len(header)] and all(h is None for h in slow_header[len(header):]), repr(text)
    width = len(header)
    assert columns == slow_columns[:width], repr(text)
    assert not any(any(v != "" for v in c) for c in slow_columns[width:]), repr(text)
    assert rownums == list(range(2, 2 + len(columns[0]))), repr(text)
    assert flag is False


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.lists(CELL, min_size=0, max_size=4), min_size=1, max_size=6), st.sampled_from([",", ";"]))
def test_written_tables_read_the_same(rows, delimiter):
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator=("\r\n" if len(rows) % 2 else "\n")).writerows(rows)
    _same(buf.getvalue(), delimiter)


@settings(max_examples=600, deadline=None, derandomize=True)
@given(st.text(ALPHABET, max_size=40), st.sampled_from([",", ";"]))
def test_raw_texts_read_the_same_or_go_to_the_csv_module(text, delimiter):
    _same(text, delimiter)


def test_irregular_texts_go_to_the_csv_module():
    assert _read_csv_columns("a,b\n1,2,3\n", ",") is None  # a row wider than the header
    assert _read_csv_columns('a,b\n"1,2\n3,4\n', ",") is None  # a quote never closed
    assert _read_csv_columns("", ",") is None
    assert _read_csv_columns("a,b\n1\n\n3,4\n", ",") == (["a", "b"], [["1", "", "3"], ["", "", "4"]], [2, 3, 4], False)


# --- the whole reader (csv_reader.read_csv_bytes): quotes, encodings, delimiters (issue 10)

def _cells(sheet) -> tuple[list[object], list[list[object]], list[int]]:
    """(header, rows, row numbers) from either path's sheet, a short row padded with empty cells."""
    if len(sheet) == 4:
        header, columns, rownums, _ = sheet
        rows = [list(r) for r in zip(*columns, strict=True)] if columns else [[] for _ in rownums]
    else:
        header, rows, rownums = sheet
    width = max([len(header), *map(len, rows)])
    return list(header), [[*(v or "" for v in r), *[""] * (width - len(r))] for r in rows], list(rownums)


def _read(data: bytes, name: str = "cases.csv"):
    problems: list = []
    header, rows, rownums = _cells(read_csv_bytes(name, data, problems))
    return header, rows, rownums, [(p.table, p.row, p.column, p.code.value, p.value, p.detail) for p in problems]


@pytest.mark.parametrize(("text", "ids", "rownums"), [
    # a quote inside an unquoted field is text, however many there are
    ('case_id;merknad\r\nS-1;skjerm 24" levert\r\nS-2;ok\r\n', ["S-1", "S-2"], [2, 3]),
    ('case_id;merknad\r\nS-1;12" og 15"\r\nS-2;"x"\r\nS-3;a"b"c\r\n', ["S-1", "S-2", "S-3"], [2, 3, 4]),
    # a quoted value closed on its own line, followed by text: one cell, as Excel reads it
    ('case_id;merknad\r\nS-1;"Vil ikke" sa hun\r\nS-2;\r\n', ["S-1", "S-2"], [2, 3]),
    # Excel's multi-line note: one row; the rows after it keep their spreadsheet numbers
    ('case_id,merknad,x\r\nS-1,"linje 1\r\nlinje 2, med komma",1\r\nS-2,,2\r\n', ["S-1", "S-2"], [2, 3]),
    # a note line that could pass for a row, but the note closes on the rest of its own record
    ('case_id,merknad,x\r\nS-1,"Ring mor\r\nK-2,K-3,K-4\r\nferdig",1\r\nS-2,,2\r\n', ["S-1", "S-2"], [2, 3]),
    # \r alone as line end, blank lines counted as the rows a spreadsheet shows
    ('case_id;x\rS-1;1\r\rS-2;2\r', ["S-1", "", "S-2"], [2, 3, 4]),
    ('case_id;x\r\n\r\nS-1;"a\rb"\r\n\nS-2;2', ["", "S-1", "", "S-2"], [2, 3, 4, 5]),
    # a quote at the very start of the file opens a value as any field's start does
    ('"case_id";x\r\n"S-1";1\r\n', ["S-1"], [2]),
])
def test_quotes_that_cannot_swallow_a_row_are_read(text, ids, rownums):
    header, rows, got_rows, _ = _read(text.encode())
    assert [r[0] for r in rows] == ids
    assert got_rows == rownums


@pytest.mark.parametrize(("text", "fragments"), [
    # the issue's file: an even number of quotes, rows 4-6 swallowed into row 3's note
    ('case_id;opened_on;merknad;x\r\nS-1;2024-01-01;ok;1\r\nS-2;2024-01-01;"Vil ikke ha IP;2\r\nS-3;2024-01-01;;3\r\n'
     'S-4;2024-01-01;;4\r\nS-5;2024-01-01;skjerm 24" levert;5\r\nS-6;2024-01-01;;6\r\n',
     ["rad 3, kolonne 'merknad'", "radene 3–6", "rad 4 ser ut som en egen rad"]),
    # the same with the note last on its line: the closing quote is followed by a line end
    ('case_id;opened_on;x;merknad\r\nS-1;2024-01-01;1;"Vil ikke ha IP\r\nS-2;2024-01-01;2;\r\nS-3;2024-01-01;3;24"\r\n',
     ["rad 2, kolonne 'merknad'", "radene 2–4", "rad 3 ser ut"]),
    # a narrow table: the swallowed line's first field is an id
    ('case_id,merknad\r\nS-1,"a\r\nS-2,b"\r\n', ["rad 2", "rad 3 ser ut"]),
    # a one-column file: any id on a line inside a quoted value is a row
    ('case_id\r\n"S-1\r\nS-2"\r\n', ["rad 2", "rad 3 ser ut"]),
    # the closing quote of a multi-line value followed by text
    ('case_id,merknad\r\nS-1,"Vil ikke\r\nha IP" sa hun\r\nS-2,\r\n', ["rad 2", "radene 2–3", "i rad 3 følges av tekst"]),
    # never closed: the rest of the file would be one value; also in the header and on the last line
    ('case_id,opened_on\r\nS-1,2024-01-01\r\n"S-2,2024-01-01\r\nS-3,2024-01-01\r\n', ["rad 3", "radene 3–4", "aldri lukkes"]),
    ('case_id,"opened_on\r\nS-1,2024-01-01\r\n', ["rad 1, kolonne 2", "aldri lukkes"]),
    ('case_id,merknad\r\nS-1,"abc', ["rad 2, kolonne 'merknad'", "aldri lukkes"]),
    ('case_id,merknad\r\nS-1,"a""\r\n', ["rad 2", "aldri lukkes"]),  # "" is an escaped quote, not a close
    # a legitimate multi-line value first: the bad one's row is still the spreadsheet row
    ('case_id,merknad,x\r\nS-1,"linje 1\r\nlinje 2",1\r\nS-2,"Vil ikke,2\r\nS-3,a,3\r\nS-4,b",4\r\n',
     ["rad 3, kolonne 'merknad'", "radene 3–5", "rad 4 ser ut"]),
])
def test_quotes_that_would_swallow_rows_are_refused_naming_the_row(text, fragments):
    with pytest.raises(InputRefused) as exc:
        _read(text.encode())
    for fragment in fragments:
        assert fragment in str(exc.value)
    assert "\n" not in str(exc.value)


def test_both_parsers_go_through_the_quote_check(monkeypatch):
    text = b'case_id;merknad;x\r\nS-1;"a;1\r\nS-2;b;2\r\nS-3;c";3\r\n'
    with pytest.raises(InputRefused, match="rad 3 ser ut"):
        _read(text)
    monkeypatch.setattr(csv_reader, "read_csv_columns", lambda text, delimiter: None)
    with pytest.raises(InputRefused, match="rad 3 ser ut"):
        _read(text)


@pytest.mark.parametrize(("data", "utf8", "ids", "problems"), [
    # valid UTF-8, with or without BOM; Windows-1252 without a valid multi-byte sequence
    ("case_id;åpnet\r\nSø-1;x\r\n".encode(), True, ["Sø-1"], []),
    (b"\xef\xbb\xbf" + "case_id;åpnet\r\nSø-1;x\r\n".encode(), True, ["Sø-1"], []),
    ("case_id;åpnet\r\nSø-1;x\r\n".encode("cp1252"), False, ["Sø-1"], []),
    # UTF-8 with one Windows-1252 byte: the byte is read as Windows-1252 and reported where it is
    ("case_id;åpnet\r\nSø-1;x\r\n".encode() + b"S\xf8-2;x\r\n", True, ["Sø-1", "Sø-2"],
     [("cases", 3, "case_id", "stray_byte", "Sø-2", "byte 0xF8 → 'ø'")]),
    # in the header: the column keeps its name
    (b"case_id;\xe5pnet\r\n" + "Sø-1;x\r\n".encode(), True, ["Sø-1"],
     [("cases", 1, "opened_on", "stray_byte", "åpnet", "byte 0xE5 → 'å'")]),
    # a BOM is UTF-8 even when the stray bytes outnumber the letters; two in one cell, one warning
    (b"\xef\xbb\xbfcase_id;x\r\nS-1;bl\xe5 \xf8\r\n", True, ["S-1"],
     [("cases", 2, "x", "stray_byte", "blå ø", "byte 0xE5 → 'å', byte 0xF8 → 'ø'")]),
    # more stray bytes than valid letters and no BOM: Windows-1252 ('Ã¸' stays as the text says)
    (b"case_id;x\r\nS-1;\xe6\xf8\xe5\r\n" + "S-2;ø\r\n".encode(), False, ["S-1", "S-2"], []),
    # a byte Windows-1252 does not define either, and an invisible one, are named by code
    (b"case_id;x\r\nS-1;a\x81b\r\n", False, ["S-1"],
     [("cases", 2, "x", "stray_byte", "a\ufffdb",
       "byte 0x81 → '\ufffd' (ikke et tegn i Windows-1252; not a character in Windows-1252)")]),
    ("case_id;x\r\nSø-1;".encode() + b"a\xa0b\r\n", True, ["Sø-1"],
     [("cases", 2, "x", "stray_byte", "a\xa0b", "byte 0xA0 → U+00A0")]),
])
def test_encoding_is_decided_per_file_and_stray_bytes_are_reported(data, utf8, ids, problems):
    assert decode_csv(data.removeprefix(b"\xef\xbb\xbf"))[1] is utf8 or data.startswith(b"\xef\xbb\xbf")
    header, rows, _, got = _read(data)
    assert [r[0] for r in rows] == ids
    assert got == problems


def test_stray_bytes_in_an_unknown_table_are_repaired_and_not_reported():
    header, rows, _, got = _read(b"a;b\r\n" + "ø;".encode() + b"\xf8\r\n", name="diverse.csv")
    assert rows == [["ø", "ø"]] and got == []


@pytest.mark.parametrize(("header", "intended"), [
    ("Ã¥pnet", "åpnet"),  # UTF-8 read as Windows-1252 and saved again
    ("ÃƒÂ¥pnet", "åpnet"),  # twice over
    ("f\ufffddselsdato", "fødselsdato"),  # a converter gave up on the letter
    ("f\ufffd\ufffddselsdato", "fødselsdato"),
    ("SAK_ID\ufffd", None),  # U+FFFD where no known name fits: an unknown column, not a refusal
])
def test_a_known_column_misread_is_refused_not_dropped(header, intended):
    data = f"case_id;{header}\r\nS-1;x\r\n".encode()
    if intended is None:
        assert _read(data)[0] == ["case_id", header]
        return
    with pytest.raises(InputRefused, match=f"ser ut som '{intended}'"):
        _read(data)


@pytest.mark.parametrize(("name", "intended"), [("mÃ¸ter.csv", "møter"), ("p\ufffdr\ufffdrende.csv", "pårørende"),
                                                 ("m\udcf8ter.csv", "møter"), ("møter.csv", None),
                                                 ("mÃ¸belliste.csv", None), ("m\udcf8bler.csv", None)])
def test_a_table_file_named_with_the_wrong_encoding_is_refused(name, intended):
    data = b"case_id\r\nS-1\r\n"
    if intended is None:
        read_csv_bytes(name, data, [])
        return
    with pytest.raises(InputRefused, match=f"ser ut som '{intended}'"):
        read_csv_bytes(name, data, [])


@pytest.mark.parametrize(("text", "table", "delimiter"), [
    ("case_id;opened_on;kommentar (hvem, hva, når)\r\nS-1;2024-01-01;mor, far\r\n", "cases", ";"),
    ("case_id,merknad\r\nS-1,a;b\r\nS-2,c;d;e\r\n", "cases", ","),
    ("case_id\tmerknad; x, y\r\nS-1\ta;b,c\r\n", "cases", "\t"),
    ('"kommentar; fritekst",case_id\r\n', "cases", ","),  # a quoted header cell holding ';'
    ("case_id\r\nS-1\r\n", "cases", ";"),  # one column: any delimiter reads it
    ("case_id\r\nS-1, S-2\r\n", "cases", ";"),  # ... and the rows' commas stay in the cell
    ("a;b,c\r\n1;2,3\r\n", None, ";"),  # no known table: the first of equal readings, never refused
    # a title line or a blank line above the header: the header still decides
    ("Saksliste for 2026\r\nsak_id,fodselsdato\r\nS-1,01.01.2000\r\n", "cases", ","),
    ("\r\n\r\nsak_id;fodselsdato\r\nS-1;01.01.2000\r\n", "cases", ";"),
    # consistency decides between readings with the same names: ',' gives every row 2 fields
    ("x,y;z\r\n1,2\r\n3,4\r\n", "cases", ","),
])
def test_the_delimiter_is_read_from_the_header_and_first_rows(text, table, delimiter):
    assert choose_delimiter("f.csv", text, table) == delimiter


@pytest.mark.parametrize("text", [
    "case_id;opened_on,birth_date\r\nS-1;2024-01-01,1990-01-01\r\n",
    "x;y,z\r\n1;2,3\r\n",
])
def test_a_delimiter_tie_is_refused_naming_both_readings(text):
    with pytest.raises(InputRefused, match=r"både med ';' \(2 kolonner\) og ',' \(2 kolonner\)"):
        choose_delimiter("cases.csv", text, "cases")


def test_excel_sep_line_wins_over_the_header_and_may_end_in_cr():
    header, rows, rownums, _ = _read(b"sep=,\rcase_id;x,y\rS-1;a,b\r")
    assert header == ["case_id;x", "y"] and rownums == [2]


# Random tables with stray quotes and mixed bytes: the reader refuses, or both parsers read the same
# cells; a text without a line end inside a quoted value always reads one row per line.
MESSY = st.text(st.sampled_from(list('ab æø1 ";,\r\n')), max_size=8)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.lists(MESSY, min_size=1, max_size=4), min_size=1, max_size=6), st.sampled_from([",", ";"]),
       st.sampled_from(["\r\n", "\n", "\r"]), st.booleans())
def test_messy_texts_read_the_same_on_both_paths_or_are_refused(rows, delimiter, eol, cp1252):
    text = "sep=" + delimiter + eol + eol.join(delimiter.join(r) for r in rows) + eol
    data = text.encode("cp1252" if cp1252 else "utf-8")
    try:
        fast = _read(data)
    except InputRefused as exc:
        slow_refusal = None
        try:
            _read_slow(data)
        except InputRefused as slow_exc:
            slow_refusal = str(slow_exc)
        assert slow_refusal == str(exc)
        return
    assert fast == _read_slow(data)


def _read_slow(data: bytes):
    saved = csv_reader.read_csv_columns
    csv_reader.read_csv_columns = lambda text, delimiter: None  # type: ignore[assignment]
    try:
        return _read(data)
    finally:
        csv_reader.read_csv_columns = saved


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.text(st.sampled_from(list("ab1 -æøåÆØÅé")), max_size=5), min_size=2, max_size=2),
                min_size=1, max_size=8), st.data())
def test_stray_windows_1252_bytes_in_utf8_are_read_as_meant_and_reported_per_cell(rows, data):
    """Some cells are pasted as Windows-1252 into a UTF-8 file with a BOM: every cell reads as written,
    and exactly the cells with a non-ASCII letter among the pasted ones are reported."""
    pasted = {(i, j) for i in range(len(rows)) for j in range(2) if data.draw(st.booleans())}
    body = b"\r\n".join(b";".join(c.encode("cp1252" if (i, j) in pasted else "utf-8") for j, c in enumerate(r))
                        for i, r in enumerate(rows))
    header, got_rows, rownums, problems = _read(b"\xef\xbb\xbfcase_id;merknad\r\n" + body + b"\r\n")
    assert got_rows == rows and rownums == list(range(2, len(rows) + 2))
    expected = sorted((i + 2, ("case_id", "merknad")[j]) for i, j in pasted if not rows[i][j].isascii())
    assert sorted((p[1], p[2]) for p in problems) == expected
    assert all(p[3] == "stray_byte" for p in problems)


# --- a big folder's files shared between two processes (Linux): exactly what one process reads

two_processes = pytest.mark.skipif(not background.can_fork(), reason="the second process is forked (Linux)")


def _load(folder, monkeypatch, parse_from):
    import ke_rules

    monkeypatch.setattr(read_module, "BACKGROUND_PARSE_FROM", parse_from)
    try:
        snapshot = ke_rules.load_snapshot(folder)
    except InputRefused as exc:
        return str(exc)
    return ({k: v.to_dict("list") for k, v in snapshot.tables.items()},
            [p.model_dump() for p in snapshot.problems], snapshot.counts, snapshot.sha256)


@pytest.fixture
def folder(tmp_path):
    """300 synthetic cases with input warnings, as csv files, and a file of notes with identity numbers."""
    import datetime as dt

    from ke_rules.tools import synth

    synth.write_snapshot(synth.generate(300, seed=4, as_of=dt.date(2026, 11, 23), input_warnings=True), tmp_path)
    (tmp_path / "notater.csv").write_text("sak_id;notat\nS-000001;fnr 01019912368\nS-000002;41019912368\n",
                                          encoding="utf-8")
    return tmp_path


def _biggest(folder):
    return max(folder.glob("*.csv"), key=lambda p: p.stat().st_size)


@two_processes
@pytest.mark.parametrize("change", [
    "none",
    "stray bytes in the biggest file",  # the forked process's: read again here, its warnings kept
    "an unclosed quote in the biggest file",  # refused by the forked process's file: the message of one process
    "a table given twice",  # refused before anything is parsed
])
def test_a_folder_read_in_two_processes_is_what_one_reads(folder, monkeypatch, change):
    big = _biggest(folder)
    if change == "stray bytes in the biggest file":
        big.write_bytes(big.read_bytes() + big.read_bytes().splitlines()[1].replace(b"S-", b"S\xf8-") + b"\n")
    elif change == "an unclosed quote in the biggest file":
        big.write_bytes(big.read_bytes() + b'S-000001,"open\n' + b"S-000002,x\n" * 3)
    elif change == "a table given twice":
        (folder / "saker.csv").write_bytes((folder / "cases.csv").read_bytes())
    calls = []
    real = read_module._csv_in_two
    monkeypatch.setattr(read_module, "_csv_in_two", lambda *a: calls.append(1) or real(*a))
    shared = _load(folder, monkeypatch, 0)
    assert calls
    alone = _load(folder, monkeypatch, 10**15)
    assert shared == alone
    assert isinstance(alone, str) == change.startswith(("an unclosed", "a table given"))
    if change == "none":
        assert any(p["code"] == "identity_number" for p in alone[1])


@two_processes
def test_files_the_forked_process_did_not_send_are_read_here(folder, monkeypatch):
    alone = _load(folder, monkeypatch, 10**15)
    monkeypatch.setattr(read_module, "_csv_share_and_scan", _sends_nothing_then_counts)
    assert _load(folder, monkeypatch, 0) == alone


def _sends_nothing_then_counts(sender, files, theirs):
    sender.send(None for _ in theirs)
    return read_module.scan_sheets({stem: read_csv_bytes(name, data, []) for stem, name, data in files})
