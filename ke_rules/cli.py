"""The ``ke-rules`` command: ``check`` a snapshot, list the ``rules``.

Exit codes (report-contract.md): 0 evaluated, nothing at or above ``--fail-on``;
1 findings at or above ``--fail-on``; 2 the input or ruleset could not be used, or
``--strict`` and the input had errors or warnings. Every known failure is printed as
one paragraph on stderr, never as a traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from . import __version__
from .errors import KeRulesError

__all__ = ["main"]

_FAIL_LEVELS = {"high": 0, "medium": 1, "low": 2}


def _die(message: str) -> None:
    click.echo(f"ke-rules: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ke-rules")
def main() -> None:
    """Regelsjekk for koordinerende enhet (KE): les et saksuttrekk, vurder regelsett, skriv rapport."""


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--ruleset", "ruleset_name", default="nasjonal", show_default=True,
              help="Built-in ruleset name (nasjonal, lund, stor-elvdal) or a path to a .yaml file.")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Evaluation date (default: today in Europe/Oslo).")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True,
              help="Report format.")
@click.option("--output", "-o", "output", type=click.Path(path_type=Path), default=None,
              help="Write the report here (default: standard output).")
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True,
              help="Language of messages: bokmål or English.")
@click.option("--fail-on", "fail_on", type=click.Choice(["high", "medium", "low", "never"]),
              default="never", show_default=True, help="Exit 1 when a finding is at or above this severity.")
@click.option("--strict", is_flag=True, help="Exit 2 when the input has errors or warnings (the report is still written).")
@click.option("--timings", is_flag=True, help="Print the time of each stage on stderr.")
def check(input_path: Path, ruleset_name: str, as_of: str | None, fmt: str, output: Path | None,
          lang: str, fail_on: str, strict: bool, timings: bool) -> None:
    """Check INPUT (.xlsx, .json or a folder of .csv files) and write the findings report."""
    from . import _as_date, load_ruleset
    from .engine import evaluate_facts
    from .facts import derive_facts
    from .load import read_snapshot
    from .report import build_report
    from .validate import validate

    stages: list[tuple[str, float]] = []
    try:
        day = _as_date(as_of) if as_of else None
        t0 = time.perf_counter()
        ruleset = load_ruleset(ruleset_name)
        snapshot = validate(read_snapshot(input_path))
        t1 = time.perf_counter()
        stages.append(("load", t1 - t0))
        day = day or _as_date(None)
        facts = derive_facts(snapshot, day, ruleset.params)
        t2 = time.perf_counter()
        stages.append(("derive", t2 - t1))
        evaluation = evaluate_facts(ruleset, facts)
        t3 = time.perf_counter()
        stages.append(("evaluate", t3 - t2))
        report = build_report(snapshot, facts, ruleset, evaluation, lang=lang)
        text = report.to_json()
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
        stages.append(("report", time.perf_counter() - t3))
    except KeRulesError as exc:
        _die(str(exc))
    except MemoryError:
        _die("the input is too large to evaluate in the memory available.")
    except OSError as exc:
        _die(f"cannot read or write a file: {exc}.")
    if timings:
        for name, seconds in stages:
            click.echo(f"{name:>9}: {seconds:8.3f} s", err=True)
    summary = report.summary.by_severity
    click.echo(
        f"ke-rules: {report.summary.findings} funn (høy {summary['high']}, middels {summary['medium']}, "
        f"lav {summary['low']}); {sum(1 for p in report.input_problems if p.severity.value == 'error')} "
        f"rader satt til side.", err=True,
    )
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


@rules.command("list")
@click.option("--ruleset", "ruleset_name", default="nasjonal", show_default=True)
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True)
def rules_list(ruleset_name: str, lang: str) -> None:
    """Each rule with severity, subject and primary basis."""
    from . import load_ruleset

    try:
        rs = load_ruleset(ruleset_name)
    except KeRulesError as exc:
        _die(str(exc))
    for rule in rs.rules.values():
        click.echo(f"{rule.id:<22} {rule.severity:<7} {rule.subject:<12} {rule.spec.title.get(lang)}"
                   f"  [{rule.basis[0].kind}: {rule.basis[0].citation}]")
    for rule_id in rs.disabled:
        click.echo(f"{rule_id:<22} (av / disabled)")


@rules.command("show")
@click.argument("rule_id")
@click.option("--ruleset", "ruleset_name", default="nasjonal", show_default=True)
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True)
def rules_show(rule_id: str, ruleset_name: str, lang: str) -> None:
    """One rule in full: conditions, parameters in force, basis."""
    from . import load_ruleset

    try:
        rs = load_ruleset(ruleset_name)
        rule = rs.rule(rule_id)
    except KeRulesError as exc:
        _die(str(exc))
    except KeyError as exc:
        _die(str(exc.args[0]))
    spec = rule.spec
    click.echo(f"{rule.id}: {spec.title.get(lang)}")
    click.echo(f"  severity:   {spec.severity}" + "".join(
        f"; {s.severity} when {s.when}" for s in spec.severity_when))
    click.echo(f"  subject:    {spec.subject}")
    if spec.population:
        click.echo(f"  population: {spec.population.get(lang)}")
    click.echo(f"  applies_to: {rule.applies.text}")
    click.echo(f"  when:       {rule.finding.text}")
    used = sorted(p for p in rs.params if f"params.{p}" in f"{spec.applies_to} {spec.when}")
    click.echo("  params:     " + (", ".join(f"{p}={rs.params[p]!r}" for p in used) or "–"))
    for b in spec.basis:
        click.echo(f"  basis:      [{b.kind}] {b.citation}" + (f" <{b.url}>" if b.url else ""))
