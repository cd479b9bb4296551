"""The ``ke-rules`` command: ``check`` a snapshot, list the ``rules``.

Exit codes (report-contract.md): 0 evaluated, nothing at or above ``--fail-on``;
1 findings at or above ``--fail-on``; 2 the input or ruleset could not be used, or
``--strict`` and the input had errors or warnings. Every known failure is printed as
one paragraph on stderr, never as a traceback.

Every file is written whole or not at all (:mod:`ke_rules.runtime.atomic`), and ``--output``
may not name the input. Everything printed passes :func:`_die` or :func:`_say`, which
show control characters escaped: the input's names and values must not drive the terminal.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ke_rules import __version__
from ke_rules.errors import KeRulesError
from ke_rules.privacy.controls import escape_controls, escape_json_text_controls

if TYPE_CHECKING:
    from ke_rules.rules.ruleset import Rule, Ruleset

__all__ = ["main", "run"]

_FAIL_LEVELS = {"high": 0, "medium": 1, "low": 2}

# Set by run(): the process ends as soon as the command returns, so a run's objects are kept, not freed.
_QUICK_EXIT = False
_KEPT: list[object] = []


def run() -> None:
    """The ``ke-rules`` console command: :func:`main`, then a quick exit.

    A national run holds millions of small objects (cells, facts, findings). Freeing them
    one by one as the command returns, and the interpreter's teardown after that, took
    0.7 s at 100,000 cases (docs/benchmarks.md), after the report was written. So the
    command keeps them (:func:`_keep_until_exit`), and this entry point flushes the
    standard streams, runs the exit handlers and ends the process at once with the
    command's exit code. ``main`` itself (CliRunner, a program importing the CLI) frees
    everything as usual.
    """
    global _QUICK_EXIT
    _QUICK_EXIT = True
    try:
        main()
        status: object = 0
    except SystemExit as exc:
        status = exc.code
    if status is None:
        status = 0
    elif not isinstance(status, int):  # sys.exit("text"): printed, exit 1, as the interpreter does
        with contextlib.suppress(OSError, ValueError):
            print(status, file=sys.stderr)
        status = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: let the interpreter end the usual way
        _KEPT.clear()
        sys.exit(status)
    import atexit

    getattr(atexit, "_run_exitfuncs", lambda: None)()
    os._exit(status)


def _keep_until_exit(*objects: object) -> None:
    """Under :func:`run`, hold ``objects`` until the process ends (it ends without freeing them)."""
    if _QUICK_EXIT:
        _KEPT.extend(objects)


def _die(message: str) -> NoReturn:
    """One paragraph on stderr, identity numbers masked, control characters shown escaped, exit 2.

    A message quotes file, sheet and column names and values from the input; a line break
    or an escape sequence there must neither split the paragraph nor act on the terminal.
    """
    from ke_rules.privacy.identity import mask_identity_numbers

    click.echo(f"ke-rules: {escape_controls(mask_identity_numbers(message))}", err=True)
    sys.exit(2)


def _emit(data: bytes | Iterable[bytes], output: Path | None, before: Callable[[], None] | None = None) -> None:
    """A rendered report (bytes, or pieces in turn) to ``output`` (through a temporary file, renamed
    into place) or to stdout. ``before`` (the rule engine's confirmation) runs before the file is put
    in place, or before anything goes to stdout; if it raises, nothing is written."""
    from ke_rules.runtime.atomic import write_bytes_atomic

    if output:
        write_bytes_atomic(output, data, before_replace=before)
    else:
        if before is not None:
            before()
        for piece in [data] if isinstance(data, bytes) else data:
            sys.stdout.buffer.write(piece)
        sys.stdout.flush()


def _say(text: str = "", *, err: bool = False) -> None:
    """Print a line (its own line breaks kept) with every other control character shown escaped.

    Everything ke-rules prints goes through here or :func:`_die`: a ruleset's titles and
    conditions and the paths given are the user's text, not ours to let act on the terminal.
    """
    click.echo(escape_controls(text, keep="\n"), err=err)


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """A library's warning (openpyxl, pandas) as one escaped line: it may quote the input."""
    from ke_rules.privacy.identity import mask_identity_numbers

    _say(f"ke-rules: {category.__name__}: {mask_identity_numbers(str(message))}".replace("\n", " "), err=True)


# what a console that cannot show a character shows instead (a Windows console in cp850 or cp1252 has
# æ, ø and å, but not the dashes, arrows and quotes the messages use); anything else as \uXXXX
_CONSOLE_FALLBACK = {"—": "-", "–": "-", "…": "...", "→": "->", "←": "<-", "≥": ">=", "≤": "<=", "«": '"',
                     "»": '"', "‘": "'", "’": "'", "“": '"', "”": '"', "•": "*", "×": "x", "−": "-"}


def _console_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    return "".join(_CONSOLE_FALLBACK.get(c, c.encode("unicode_escape").decode("ascii")) for c in bad), exc.end


codecs.register_error("ke_rules_console", _console_fallback)


def _console_safe() -> None:
    """Text the console's encoding cannot hold is shown by a readable stand-in, never a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "").replace("_", "")
        strict = getattr(stream, "errors", "") == "strict"
        if reconfigure is not None and strict and encoding not in ("utf8", "utf8sig"):
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="ke_rules_console")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ke-rules")
def main() -> None:
    """Regelsjekk for koordinerende enhet (KE): les et saksuttrekk, vurder regelsett, skriv rapport."""
    _console_safe()


_FORMATS = ["json", "csv", "xlsx", "html", "md", "pdf", "avvik"]
_SUFFIX_FORMAT = {".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".html": "html", ".htm": "html", ".md": "md",
                  ".pdf": "pdf"}


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--ruleset", "ruleset_name", default="nasjonal", show_default=True,
              help="Built-in ruleset name (nasjonal, lund, stor-elvdal) or a path to a .yaml file.")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Evaluation date (default: today in Europe/Oslo).")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default=None,
              help="Report format (default: from the --output suffix, else json). pdf: the HTML report "
                   "printed to A4 by Chromium, Chrome or Edge; avvik: the open findings as a CSV import for a "
                   "quality system's deviation register (docs/avvik.md).")
@click.option("--output", "-o", "output", type=click.Path(path_type=Path), default=None,
              help="Write the report here (default: standard output).")
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True,
              help="Language of messages: bokmål or English.")
@click.option("--fail-on", "fail_on", type=click.Choice(["high", "medium", "low", "never"]),
              default="never", show_default=True, help="Exit 1 when a finding is at or above this severity.")
@click.option("--strict", is_flag=True,
              help="Exit 2 when the input has errors or warnings (the report is still written).")
@click.option("--delimiter", type=click.Choice([",", ";"]), default=",", show_default=True,
              help="CSV separator; ';' for Norwegian Excel.")
@click.option("--avvik-columns", "avvik_columns", type=click.Path(path_type=Path), default=None, metavar="FILE.yaml",
              help="With --format avvik: a YAML mapping of ke-rules' column names to the quality system's "
                   "names, in its order (docs/avvik.md).")
@click.option("--pseudonymize", "pseudonym_key", metavar="KEY", default=None, envvar="KE_RULES_PSEUDONYM_KEY",
              help="Replace case and coordinator ids and names by keyed pseudonyms (HMAC). "
                   "Prefer the KE_RULES_PSEUDONYM_KEY environment variable: a key on the command line "
                   "ends up in shell history.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes for rule evaluation (default: two for big runs, else one).")
@click.option("--waivers", "waivers_path", type=click.Path(path_type=Path), default=None, metavar="PATH",
              help="Waivers (unntak) to apply: a .yaml, .csv or .xlsx file with rule_id, subject_id, reason, "
                   "decided_by, decided_on, expires_on. A sheet 'unntak' in the snapshot is read as well.")
@click.option("--engine", type=click.Choice(["auto", "durable", "columnar"]), default="auto", show_default=True,
              help="Rule engine: durable-rules, the columnar evaluator, or auto (durable-rules where installed).")
@click.option("--quiet", "-q", is_flag=True, help="No progress line and no summary line on stderr.")
@click.option("--timings", is_flag=True, help="Print the time of each stage, and the engine, on stderr.")
def check(input_path: Path, ruleset_name: str, as_of: str | None, fmt: str | None, output: Path | None,
          lang: str, fail_on: str, strict: bool, delimiter: str, avvik_columns: Path | None,
          pseudonym_key: str | None, workers: int | None, waivers_path: Path | None, engine: str, quiet: bool,
          timings: bool) -> None:
    """Check INPUT (.xlsx, .ods, .json or a folder of .csv files) and write the findings report."""
    from ke_rules import pipeline
    from ke_rules.engines.choice import resolve_engine
    from ke_rules.report.render import render_pieces
    from ke_rules.rules.ruleset import load_ruleset
    from ke_rules.runtime.atomic import refuse_output_over_input
    from ke_rules.runtime.background import paused_gc
    from ke_rules.runtime.progress import Progress

    if fmt is None:
        fmt = _SUFFIX_FORMAT.get(output.suffix.lower(), "json") if output else "json"
    if output is not None:
        ruleset_file = Path(ruleset_name)
        try:
            refuse_output_over_input(output, input_path,
                                     ruleset_path=ruleset_file if ruleset_file.is_file() else None,
                                     waivers_path=waivers_path)
        except KeRulesError as exc:
            _die(str(exc))
        if not output.parent.is_dir():
            _die(f"--output {output}: mappen {output.parent} finnes ikke (the folder does not exist).")
    elif fmt in ("xlsx", "pdf") and sys.stdout.isatty():
        _die(f"en {fmt}-rapport er en binærfil og skrives ikke til terminalen; bruk --output rapport.{fmt} "
             f"(an {fmt} report is binary and is not written to the terminal; use --output).")
    columns = None
    if avvik_columns is not None and fmt != "avvik":
        _die("--avvik-columns gjelder bare --format avvik (--avvik-columns applies to --format avvik only).")
    try:
        if avvik_columns is not None:  # a wrong column name is exit 2 before any work
            from ke_rules.report.render.avvik_render import load_avvik_columns

            columns = load_avvik_columns(avvik_columns)
        if fmt == "pdf":  # no browser to print with is exit 2 before any work
            from ke_rules.report.render.pdf_render import find_browser

            find_browser()
    except KeRulesError as exc:
        _die(str(exc))
    try:
        day = pipeline.as_date(as_of) if as_of else None
        chosen = resolve_engine(engine)  # before any work: --engine durable where it cannot run is exit 2
        # the whole run, rendering included, with the cyclic GC paused (a national report is a million
        # small objects that are never cyclic; the collector's passes over them cost a tenth of the run)
        with Progress.for_terminal(quiet, lang) as progress, paused_gc(), warnings.catch_warnings():
            warnings.showwarning = _show_warning
            stages = pipeline.Stages(on_start=progress.stage)
            with stages.stage("load"):
                ruleset = load_ruleset(ruleset_name)
                waivers = pipeline.load_waivers(waivers_path)  # a bad waivers file is exit 2 before the work
            snapshot = pipeline.load(input_path, pseudonym_key=pseudonym_key, pause_gc=True, stages=stages)
            # on a big run durable-rules may still be evaluating in a second process: the report is
            # rendered and written to its temporary file meanwhile, and only put in place (or sent to
            # stdout) once durable-rules has found exactly what the report holds
            report, evaluation = pipeline.evaluate_unconfirmed(snapshot, ruleset, day, lang=lang, engine=chosen,
                                                               workers=workers, pause_gc=True, stages=stages,
                                                               waivers=waivers)
            try:
                with stages.stage("report"):
                    units = None
                    if fmt == "avvik":
                        from ke_rules.report.units import subject_units

                        units = subject_units(snapshot, report.as_of)
                    _emit(render_pieces(report, fmt, delimiter=delimiter, ruleset=ruleset, units=units,
                                        avvik_columns=columns), output, before=evaluation.confirm)
            except BaseException:
                evaluation.cancel()
                raise
            if _QUICK_EXIT:  # the collector is switched back on below: not to walk the run's objects once more
                gc.freeze()
    except KeRulesError as exc:
        _die(str(exc))
    except MemoryError:
        _die("inndataene er for store til å vurderes i minnet som er ledig "
             "(the input is too large to evaluate in the memory available).")
    except OSError as exc:
        _die(f"kan ikke lese eller skrive en fil (cannot read or write a file): {exc}.")
    except Exception as exc:  # a bug of ours: one masked paragraph, the traceback only on request
        if os.environ.get("KE_RULES_DEBUG"):
            raise
        _die(f"intern feil (internal error) {type(exc).__name__}: {exc}. "
             "Set KE_RULES_DEBUG=1 to see the traceback, and report it to the maintainers.")
    _keep_until_exit(snapshot, report)
    if timings:
        for name, seconds in stages.seconds.items():
            _say(f"{name:>9}: {seconds:8.3f} s", err=True)
        _say(f"{'engine':>9}: {report.tool.engine}", err=True)
    if not quiet:
        by = report.summary.by_severity
        set_aside = sum(t.set_aside for t in report.input.tables.values())  # rows, not problems: a row may have two
        waived = report.summary.waived  # open findings are counted; the waived ones are named beside them
        if lang == "nb":
            _say(f"ke-rules: {report.summary.findings} funn (høy {by['high']}, middels {by['medium']}, "
                 f"lav {by['low']}){f', {waived} unntatt' if waived else ''}; {set_aside} rader satt til side.",
                 err=True)
        else:
            _say(f"ke-rules: {report.summary.findings} findings (high {by['high']}, medium {by['medium']}, "
                 f"low {by['low']}){f', {waived} waived' if waived else ''}; {set_aside} rows set aside.", err=True)
    if strict and report.has_errors_or_warnings:
        sys.exit(2)
    if fail_on != "never":
        limit = _FAIL_LEVELS[fail_on]
        if any(_FAIL_LEVELS[f.severity] <= limit for f in report.findings if f.status == "open"):
            sys.exit(1)
    sys.exit(0)


@main.group()
def rules() -> None:
    """List the rules of a ruleset."""


_RULE_WORDS: dict[str, dict[str, str]] = {
    "nb": {"id": "ID", "severity": "ALVORLIGHET", "subject": "GJELDER", "title": "TITTEL",
           "params": "parametre", "basis": "grunnlag", "raised": "skjerpes", "when_word": "når",
           "off": "[slått av]", "ruleset": "Regelsett", "extends": "utvider", "none": "–",
           "count": "{on} regler på, {off} slått av; motor: {engine}", "status": "status", "on_text": "på",
           "off_text": "slått av i dette regelsettet", "population": "populasjon", "evidence": "evidens",
           "title_word": "tittel", "severity_word": "alvorlighet", "subject_word": "gjelder"},
    "en": {"id": "ID", "severity": "SEVERITY", "subject": "SUBJECT", "title": "TITLE",
           "params": "params", "basis": "basis", "raised": "raised", "when_word": "when",
           "off": "[disabled]", "ruleset": "Ruleset", "extends": "extends", "none": "–",
           "count": "{on} rules enabled, {off} disabled; engine: {engine}", "status": "status", "on_text": "enabled",
           "off_text": "disabled in this ruleset", "population": "population", "evidence": "evidence",
           "title_word": "title", "severity_word": "severity", "subject_word": "subject"},
}


def _all_rules(ruleset_name: str) -> tuple[Ruleset, list[tuple[str, Rule | None, bool]]]:
    """The ruleset and every rule in declaration order as (id, rule, enabled).

    A loaded ruleset keeps only its enabled rules compiled. To show a disabled rule's severity,
    basis and parameters as inherited, the ruleset is loaded once more through a throw-away file
    that extends it and switches the disabled rules on: the ordinary loader then resolves them
    exactly as it would if a municipality enabled them. A disabled rule that does not compile is
    listed by id alone.
    """
    import tempfile

    import yaml

    from ke_rules import load_ruleset

    rs = load_ruleset(ruleset_name)
    compiled: dict[str, Rule] = dict(rs.rules)
    order: list[str] = list(rs.rules)
    if rs.disabled:

        def enabled_copy(ids: list[str]) -> Ruleset | None:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "enable-disabled.yaml"
                doc = {"name": rs.name, "extends": rs.sources[-1], "rules": {i: {"enabled": True} for i in ids}}
                path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
                try:
                    return load_ruleset(path)
                except KeRulesError:
                    return None

        full = enabled_copy(list(rs.disabled))
        if full is not None:
            order = list(full.rules)
            compiled.update({i: full.rules[i] for i in rs.disabled if i in full.rules})
        else:
            for rule_id in rs.disabled:
                one = enabled_copy([rule_id])
                if one is not None and rule_id in one.rules:
                    compiled[rule_id] = one.rules[rule_id]
            order = list(rs.rules) + list(rs.disabled)
    return rs, [(i, compiled.get(i), i in rs.rules) for i in order]


def _params_used(rule: Rule, params: dict[str, Any]) -> dict[str, Any]:
    """Parameters in force that the rule reads: ``params.NAME`` in its conditions or messages,
    and the parameters each field it uses is derived with (fields.py)."""
    import re

    from ke_rules.derive.fields import FIELDS

    spec = rule.spec
    catalogue = FIELDS[spec.subject]
    fields = set(rule.fields) | {f for _, f in rule.evidence} | set(rule.template_fields)
    names = {name for f in fields if f in catalogue for name in catalogue[f].params}
    texts = [spec.applies_to, spec.when, *(s.when for s in spec.severity_when), spec.message.nb, spec.message.en]
    names |= set(re.findall(r"\bparams\.(\w+)", " ".join(texts)))
    return {k: v for k, v in params.items() if k in names}


def _param_text(value: Any) -> str:
    """A parameter value as a ruleset file writes it (true, 14, [helse, omsorg])."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_param_text(v) for v in value) + "]"
    return "null" if value is None else str(value)


def _rule_data(rule_id: str, rule: Rule | None, enabled: bool, params: dict[str, Any], lang: str,
               full: bool = False) -> dict[str, Any]:
    """One rule as plain data: what ``rules list``/``show`` print and ``--format json`` writes."""
    if rule is None:
        return {"id": rule_id, "enabled": enabled}
    spec = rule.spec
    data: dict[str, Any] = {
        "id": rule_id,
        "enabled": enabled,
        "title": spec.title.get(lang),
        "severity": spec.severity,
        "severity_when": [{"severity": s.severity, "when": s.when} for s in spec.severity_when],
        "subject": spec.subject,
        "params": _params_used(rule, params),
        "basis": [b.model_dump(mode="json") for b in spec.basis],
    }
    if full:
        data.update({
            "population": spec.population.get(lang) if spec.population else None,
            "applies_to": rule.applies.text,
            "when": rule.finding.text,
            "evidence": [key for key, _ in rule.evidence],
            "evidence_fields": {key: f for key, f in rule.evidence if key != f},
        })
    return data


def _echo_json(data: Any) -> None:
    import json

    click.echo(escape_json_text_controls(json.dumps(data, ensure_ascii=False, indent=2)))


@rules.command("list")
@click.option("--ruleset", "ruleset_name", default="nasjonal", show_default=True,
              help="Built-in ruleset name (nasjonal, lund, stor-elvdal) or a path to a .yaml file.")
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_list(ruleset_name: str, lang: str, fmt: str) -> None:
    """Every rule (disabled ones marked) with severity, subject, parameters in force and basis."""
    try:
        rs, entries = _all_rules(ruleset_name)
    except KeRulesError as exc:
        _die(str(exc))
    rows = [_rule_data(i, r, on, rs.params, lang) for i, r, on in entries]
    if fmt == "json":
        _echo_json(rows)
        return
    w = _RULE_WORDS[lang]
    ext = f" ({w['extends']} {', '.join(rs.extends)})" if rs.extends else ""
    from ke_rules.engines.choice import ENGINE_NAMES, resolve_engine

    engine = ENGINE_NAMES[resolve_engine("auto")]
    _say(f"{w['ruleset']} {rs.name}{ext}: " + w["count"].format(on=len(rs.rules), off=len(rs.disabled), engine=engine))

    def severity(d: dict[str, Any]) -> str:
        return "→".join([d.get("severity", ""), *(s["severity"] for s in d.get("severity_when", []))])

    widths = [max(len(w[k]), *(len(x) for x in col)) for k, col in (
        ("id", [d["id"] for d in rows]), ("severity", [severity(d) for d in rows]),
        ("subject", [d.get("subject", "") for d in rows]))]
    indent = " " * 2
    label = max(len(w["params"]), len(w["basis"]), len(w["raised"])) + 2

    def line(*cells: str) -> str:
        padded = [c.ljust(n) for c, n in zip(cells, widths, strict=False)] + list(cells[len(widths):])
        return "  ".join(padded).rstrip()

    _say()
    _say(line(w["id"], w["severity"], w["subject"], w["title"]))
    for d in rows:
        title = d.get("title", "") + ("" if d["enabled"] else f"  {w['off']}")
        _say(line(d["id"], severity(d), d.get("subject", ""), title.strip()))
        for s in d.get("severity_when", []):
            _say(f"{indent}{w['raised'].ljust(label)}{s['severity']} {w['when_word']} {s['when']}")
        if "params" in d:
            shown = ", ".join(f"{k}={_param_text(v)}" for k, v in d["params"].items()) or w["none"]
            _say(f"{indent}{w['params'].ljust(label)}{shown}")
        kinds = max((len(b["kind"]) for b in d.get("basis", [])), default=0)
        for n, b in enumerate(d.get("basis", [])):
            head = w["basis"] if n == 0 else ""
            _say(f"{indent}{head.ljust(label)}{b['kind'].ljust(kinds)}  {b['citation']}")
        _say()


@rules.command("show")
@click.argument("rule_id")
@click.option("--ruleset", "ruleset_name", default="nasjonal", show_default=True,
              help="Built-in ruleset name (nasjonal, lund, stor-elvdal) or a path to a .yaml file.")
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_show(rule_id: str, ruleset_name: str, lang: str, fmt: str) -> None:
    """One rule in full: title, severity, population, conditions, parameters in force, basis, evidence."""
    from ke_rules.derive.fields import FIELDS
    from ke_rules.errors import did_you_mean

    try:
        rs, entries = _all_rules(ruleset_name)
    except KeRulesError as exc:
        _die(str(exc))
    by_id = {i.upper(): (i, r, on) for i, r, on in entries}
    if rule_id.strip().upper() not in by_id:
        hint = did_you_mean(rule_id.strip().upper(), list(by_id))
        _die(f"no rule '{rule_id}' in ruleset '{rs.name}'.{hint} `ke-rules rules list` shows them all.")
    found_id, rule, enabled = by_id[rule_id.strip().upper()]
    d = _rule_data(found_id, rule, enabled, rs.params, lang, full=True)
    if fmt == "json":
        _echo_json({"ruleset": rs.name, **d})
        return
    w = _RULE_WORDS[lang]
    if rule is None:
        _say(f"{found_id}  {w['off']}")
        return
    rows: list[tuple[str, str]] = [
        (w["title_word"], d["title"]),
        (w["status"], w["on_text"] if enabled else w["off_text"]),
        (w["severity_word"], d["severity"] + "".join(
            f"; {s['severity']} {w['when_word']} {s['when']}" for s in d["severity_when"])),
        (w["subject_word"], d["subject"]),
        (w["population"], d["population"] or w["none"]),
        ("applies_to", d["applies_to"]),
        ("when", d["when"]),
        (w["params"], ", ".join(f"{k}={_param_text(v)}" for k, v in d["params"].items()) or w["none"]),
    ]
    catalogue = FIELDS[d["subject"]]
    for n, key in enumerate(d["evidence"]):
        name = d["evidence_fields"].get(key, key)  # the field shown under the key
        info = catalogue.get(name)
        shown = key if name == key else f"{key} (= {name})"
        rows.append((w["evidence"] if n == 0 else "", shown + (f" — {getattr(info, lang)}" if info else "")))
    for n, b in enumerate(d["basis"]):
        rows.append((w["basis"] if n == 0 else "", f"[{b['kind']}] {b['citation']}"))
        if b["url"]:
            rows.append(("", f"  {b['url']}"))
    width = max(len(k) for k, _ in rows) + 2
    _say(f"{found_id} ({rs.name})")
    for key, value in rows:
        _say(f"  {key.ljust(width)}{value}")


_TEST_WORDS = {
    "nb": {"pass": "ok", "fail": "FEIL", "skip": "hoppet over", "none": "{name}: ingen eksempler funnet",
           "total": "{name}: {passed} bestått, {failed} feilet, {skipped} hoppet over"},
    "en": {"pass": "ok", "fail": "FAIL", "skip": "skipped", "none": "{name}: no examples found",
           "total": "{name}: {passed} passed, {failed} failed, {skipped} skipped"},
}


@rules.command("test")
@click.argument("ruleset_name", metavar="[RULESET]", default="nasjonal")
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_test(ruleset_name: str, lang: str, fmt: str) -> None:
    """Run the ruleset's examples (NAME.examples.yaml beside it, and those of the rulesets it extends).

    Exit 0 when every example gives exactly its findings, 1 when one does not (named),
    2 when the ruleset or an examples file cannot be used.
    """
    from ke_rules.rules.examples import run_examples

    try:
        results = run_examples(ruleset_name)
    except KeRulesError as exc:
        _die(str(exc))
    failed = [r for r in results if r.status == "fail"]
    if fmt == "json":
        _echo_json([{"source": r.source, "rule_id": r.rule_id, "example": r.name, "status": r.status,
                     "why": r.why or None} for r in results])
    else:
        w = _TEST_WORDS[lang]
        width = max((len(w[r.status]) for r in results), default=0)
        for r in results:
            why = f": {r.why}" if r.why else ""
            click.echo(f"{w[r.status].ljust(width)}  {r.rule_id}  «{r.name}» ({r.source}){why}")
        name = Path(ruleset_name).stem if ruleset_name.lower().endswith((".yaml", ".yml")) else ruleset_name
        if not results:
            click.echo(w["none"].format(name=name))
        click.echo(w["total"].format(name=name, passed=sum(r.status == "pass" for r in results),
                                     failed=len(failed), skipped=sum(r.status == "skip" for r in results)))
    if failed or not results:
        sys.exit(1)


@main.command()
@click.argument("out_path", metavar="OUT.xlsx", type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True,
              help="Language of the explanation sheet (LES_MEG in bokmål, README in English).")
@click.option("--force", is_flag=True, help="Overwrite OUT.xlsx if it exists.")
def template(out_path: Path, lang: str, force: bool) -> None:
    """Write an empty input workbook: one sheet per table, drop-down lists, date formats, explanations."""
    from ke_rules.ingest.template import write_template

    if out_path.suffix.lower() != ".xlsx":
        _die(f"{out_path.name}: malen er en Excel-arbeidsbok; gi et filnavn som slutter på .xlsx "
             "(the template is an Excel workbook; give a file name ending in .xlsx).")
    if out_path.exists() and not force:
        _die(f"{out_path} finnes allerede; bruk --force for å skrive over den "
             "(exists already; use --force to overwrite it).")
    try:
        write_template(out_path, lang=lang)
    except OSError as exc:
        _die(f"kan ikke skrive {out_path} (cannot write it): {exc}.")
    _say(f"ke-rules: {'skrev malen' if lang == 'nb' else 'wrote the template'} {out_path}", err=True)


@main.command()
@click.option("--cases", "n_cases", type=click.IntRange(min=0), required=True, help="Number of cases (saker).")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed: the same seed gives the same file.")
@click.option("--output", "-o", "output", type=click.Path(path_type=Path), required=True,
              help="A .xlsx or .json file, or a folder for .csv files.")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="The day the snapshot describes (default: today in Europe/Oslo).")
@click.option("--with-input-warnings", "input_warnings", is_flag=True,
              help="Also include the input warnings rules.md defines (e.g. a past meeting still 'planned').")
def synth(n_cases: int, seed: int, output: Path, as_of: str | None, input_warnings: bool) -> None:
    """Write a synthetic KE snapshot (for trying ke-rules, tests and benchmarks).

    The output's suffix picks the format: .xlsx, .json, or (no suffix, or an existing
    folder) a folder of .csv files. The data has no input errors or warnings and holds
    values on both sides of every rule's boundary at the --as-of date.
    """
    from ke_rules.pipeline import as_date as _as_date
    from ke_rules.tools.synth import generate, write_snapshot

    suffix = output.suffix.lower()
    if suffix not in (".xlsx", ".json") and suffix and not output.is_dir():
        _die(f"ukjent format for '{output}': bruk en .xlsx- eller .json-fil, eller en mappe (uten endelse) for csv "
             "(cannot tell the format: use a .xlsx or .json file, or a folder with no suffix for csv).")
    try:
        day = _as_date(as_of)
        started = time.perf_counter()
        snapshot = generate(n_cases, seed=seed, as_of=day, input_warnings=input_warnings)
        write_snapshot(snapshot, output)
    except KeRulesError as exc:
        _die(str(exc))
    except OSError as exc:
        _die(f"kan ikke skrive {output} (cannot write it): {exc}.")
    rows = sum(len(v) for v in snapshot.values())
    _say(f"ke-rules: wrote {output} ({n_cases} cases, {rows} rows, seed {seed}, as of {day.isoformat()}) "
         f"in {time.perf_counter() - started:.1f} s", err=True)


_DIFF_FORMATS = ["json", "xlsx", "html", "md"]
_TREND_FORMATS = ["json", "xlsx", "html"]


def _write_comparison(render: Any, fmt: str | None, formats: list[str], output: Path | None,
                      inputs: list[Path], notes: list[str]) -> None:
    """Shared tail of ``diff`` and ``trend``: pick the format, refuse writing over an input, write atomically.

    ``render(fmt)`` gives the bytes; the notes (rulesets differ, pseudonymisation unchecked)
    go to stderr as well as to the top of the output, so a JSON reader sees them too.
    """
    from ke_rules.runtime.atomic import refuse_output_over_input

    if fmt is None:
        fmt = _SUFFIX_FORMAT.get(output.suffix.lower(), "json") if output else "json"
        if fmt not in formats:
            fmt = "json"
    if output is not None:
        try:
            for source in inputs:
                refuse_output_over_input(output, source)
        except KeRulesError as exc:
            _die(str(exc))
        if not output.parent.is_dir():
            _die(f"--output {output}: mappen {output.parent} finnes ikke (the folder does not exist).")
    elif fmt == "xlsx" and sys.stdout.isatty():
        _die("en xlsx-fil er binær og skrives ikke til terminalen; bruk --output fil.xlsx "
             "(an xlsx file is binary and is not written to the terminal; use --output).")
    try:
        _emit(render(fmt), output)
    except OSError as exc:
        _die(f"kan ikke skrive en fil (cannot write a file): {exc}.")
    for note in notes:
        _say(f"ke-rules: {note}", err=True)


@main.command()
@click.argument("old", metavar="OLD", type=click.Path(path_type=Path))
@click.argument("new", metavar="NEW", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(_DIFF_FORMATS), default=None,
              help="Output format (default: from the --output suffix, else json).")
@click.option("--output", "-o", "output", type=click.Path(path_type=Path), default=None,
              help="Write the comparison here (default: standard output).")
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True,
              help="Language of messages: bokmål or English.")
def diff(old: Path, new: Path, fmt: str | None, output: Path | None, lang: str) -> None:
    """Compare two JSON reports (OLD before NEW): new, resolved, persisting and waived findings, rates per rule."""
    from ke_rules.report.diff import diff as compare
    from ke_rules.report.render.diff_render import diff_notes, render_diff

    try:
        result = compare(old, new, lang=lang)
    except KeRulesError as exc:
        _die(str(exc))
    _write_comparison(lambda f: render_diff(result, f), fmt, _DIFF_FORMATS, output, [old, new], diff_notes(result))


@main.command()
@click.argument("reports", metavar="REPORT...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(_TREND_FORMATS), default=None,
              help="Output format (default: from the --output suffix, else json).")
@click.option("--output", "-o", "output", type=click.Path(path_type=Path), default=None,
              help="Write the trend here (default: standard output).")
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True,
              help="Language of messages: bokmål or English.")
def trend(reports: tuple[Path, ...], fmt: str | None, output: Path | None, lang: str) -> None:
    """Each rule's population, findings and rates across two or more JSON reports, in date order."""
    from ke_rules.report.render.trend_render import render_trend, trend_notes
    from ke_rules.report.trend import trend as follow

    try:
        result = follow(list(reports), lang=lang)
    except KeRulesError as exc:
        _die(str(exc))
    _write_comparison(lambda f: render_trend(result, f), fmt, _TREND_FORMATS, output, list(reports),
                      trend_notes(result))


if __name__ == "__main__":  # python -m ke_rules.cli
    run()
