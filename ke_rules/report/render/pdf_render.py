"""PDF: the HTML report printed to A4 by a headless Chromium, Chrome or Microsoft Edge, for the archive.

Why a browser and not WeasyPrint: every municipal Windows PC has Microsoft Edge, which
prints to PDF with the same command-line flags as Chromium, while WeasyPrint needs the
GTK/Pango libraries that such PCs lack (and an IT department to install them). Chromium
131 and later lay out CSS paged media's page-margin boxes (``@top-left``,
``@bottom-center`` with ``counter(page)``), so the page numbers, the evaluation date and
the ruleset on every page come from the same print stylesheet WeasyPrint would read.
Nothing is installed with ke-rules for this: the browser is discovered (``$KE_RULES_BROWSER``,
then the usual names on PATH, then Edge's and Chrome's install folders on Windows and
macOS), and without one ``--format pdf`` stops with exit 2 naming what to install.

The browser's own header and footer (which print the file's URL, a machine path) are
switched off; the page is written to a private temporary folder with a throw-away
browser profile, so a running Edge is neither disturbed nor asked to do the work. The
page carries no script and its Content-Security-Policy forbids loading anything, so
printing it fetches nothing. The PDF's only clock-dependent part is its creation date
(report-contract.md allows a generation timestamp).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ke_rules.errors import KeRulesError
from ke_rules.report.models import Report
from ke_rules.report.render.common import fmt_date
from ke_rules.report.render.labels import labels

if TYPE_CHECKING:
    from ke_rules.rules.ruleset import Ruleset

__all__ = ["Browser", "find_browser", "print_css", "render_pdf", "MIN_CHROMIUM", "BROWSER_ENV", "TIMEOUT_ENV",
           "INSTALL_HINT"]

MIN_CHROMIUM = 131  # the first Chromium that lays out @page margin boxes (page numbers, date, ruleset)
BROWSER_ENV = "KE_RULES_BROWSER"
TIMEOUT_ENV = "KE_RULES_PDF_TIMEOUT"
_DEFAULT_TIMEOUT = 600.0  # seconds; a national report of 100,000 findings is a few hundred pages

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge",
          "microsoft-edge", "microsoft-edge-stable")
_WINDOWS = (("PROGRAMFILES(X86)", r"Microsoft\Edge\Application\msedge.exe"),
            ("PROGRAMFILES", r"Microsoft\Edge\Application\msedge.exe"),
            ("PROGRAMFILES", r"Google\Chrome\Application\chrome.exe"),
            ("PROGRAMFILES(X86)", r"Google\Chrome\Application\chrome.exe"),
            ("LOCALAPPDATA", r"Google\Chrome\Application\chrome.exe"),
            ("LOCALAPPDATA", r"Chromium\Application\chrome.exe"))
_MACOS = ("/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
          "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
          "/Applications/Chromium.app/Contents/MacOS/Chromium")

INSTALL_HINT = ("PDF-rapporten skrives ut av Microsoft Edge, Google Chrome eller Chromium (versjon "
                f"{MIN_CHROMIUM} eller nyere), og ingen ble funnet. Windows har Edge; på Debian/Ubuntu: "
                "apt-get install chromium. Eller pek på nettleseren med miljøvariabelen "
                f"{BROWSER_ENV}=STI. (The PDF report is printed by Microsoft Edge, Google Chrome or Chromium "
                f"{MIN_CHROMIUM} or later, and none was found: install one, e.g. apt-get install chromium, "
                f"or set {BROWSER_ENV} to its path.)")


@dataclass(frozen=True)
class Browser:
    """A Chromium-family browser that can print: its executable and major version (None when unknown)."""

    path: str
    version: int | None


_VERSION = re.compile(r"(\d{2,4})\.\d+\.\d+")
_VERSION_DIR = re.compile(r"^(\d{2,4})\.\d+\.\d+\.\d+$")


def _version(path: str) -> int | None:
    """The browser's major version: from the version-named folder beside it (Windows installs, where
    ``--version`` prints nothing), else from ``--version``; None when neither tells."""
    folder = Path(path).parent
    try:
        majors = [int(m.group(1)) for p in folder.iterdir() if (m := _VERSION_DIR.match(p.name)) and p.is_dir()]
    except OSError:
        majors = []
    if majors:
        return max(majors)
    if sys.platform == "win32":
        return None  # Chrome and Edge on Windows do not print their version; accept them
    try:
        done = subprocess.run([path, "--version"], stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    m = _VERSION.search(done.stdout.decode("utf-8", "replace"))
    return int(m.group(1)) if m else None


def _candidates() -> list[str]:
    found: list[str] = []
    for name in _NAMES:
        path = shutil.which(name)
        if path:
            found.append(path)
    if sys.platform == "win32":
        for env, rel in _WINDOWS:
            base = os.environ.get(env)
            if base and Path(base, rel).is_file():
                found.append(str(Path(base, rel)))
    elif sys.platform == "darwin":
        found += [p for p in _MACOS if Path(p).is_file()]
    return list(dict.fromkeys(found))


def find_browser() -> Browser:
    """The browser that will print the PDF, or a :class:`KeRulesError` saying what to install.

    ``$KE_RULES_BROWSER`` (a path or a command name) is taken as the user's explicit
    choice: when it cannot be found or is too old, that is the error, with no fall-back.
    """
    chosen = os.environ.get(BROWSER_ENV, "").strip()
    if chosen:
        path = shutil.which(chosen) or (chosen if Path(chosen).is_file() else None)
        if path is None:
            raise KeRulesError(f"{BROWSER_ENV}={chosen}: finnes ikke (no such browser). {INSTALL_HINT}")
        browser = Browser(path, _version(path))
        if browser.version is not None and browser.version < MIN_CHROMIUM:
            raise KeRulesError(f"{BROWSER_ENV}={chosen} is version {browser.version}; the PDF needs "
                               f"{MIN_CHROMIUM} or later for page numbers. {INSTALL_HINT}")
        return browser
    too_old: list[str] = []
    for path in _candidates():
        version = _version(path)
        if version is not None and version < MIN_CHROMIUM:
            too_old.append(f"{Path(path).name} {version}")
            continue
        return Browser(path, version)
    old = f" Funnet, men for gammel (found, too old): {', '.join(too_old)}." if too_old else ""
    raise KeRulesError(INSTALL_HINT + old)


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot end the string, the rule or the <style> element."""
    out = []
    for ch in text:
        if ch in '"\\<>&' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def print_css(report: Report) -> str:
    """The stylesheet added for printing: A4, the ruleset and date in the top margin of every page,
    "Side 3 / 12" at the bottom, and tables that wrap long words and break across pages with their
    header rows repeated instead of shrinking the page to fit."""
    t = labels(report.lang)
    page_word = "Side" if report.lang != "en" else "Page"
    ruleset = _css_string(f"{t['ruleset']}: {report.ruleset.name}")
    as_of = _css_string(f"{t['as_of']}: {fmt_date(report.as_of, report.lang)}")
    return f"""<style>
@page {{
  size: A4 portrait;
  margin: 16mm 10mm 14mm 10mm;
  @top-left {{ content: {ruleset}; font: 8.5pt Arial, Helvetica, sans-serif; color: #444; }}
  @top-right {{ content: {as_of}; font: 8.5pt Arial, Helvetica, sans-serif; color: #444; }}
  @bottom-center {{ content: "{page_word} " counter(page) " / " counter(pages);
                    font: 8.5pt Arial, Helvetica, sans-serif; color: #444; }}
}}
@media print {{
  main, .cols {{ display: block; }}
  table {{ width: 100%; table-layout: auto; font-size: 8pt; }}
  th, td {{ padding: 3px 4px; }}
  table.findings td.basis, .kind {{ font-size: 7.5pt; }}
  table.tables, table.params {{ width: auto; max-width: 100%; }}
  th {{ overflow-wrap: normal; }}
  /* a long word wraps inside its cell; in the wide text columns it may break anywhere, so that one
     unbroken token cannot widen its table past the page (the page is never shrunk to fit) */
  td {{ overflow-wrap: break-word; }}
  /* ids stay on one line up to 12 characters; a longer one wraps rather than widen the table */
  td.id {{ white-space: normal; overflow-wrap: anywhere; min-width: 7em; }}
  table.findings td.msg, table.findings td.basis, table.rules td:last-child,
  table.problems td:nth-child(4), table.problems td:nth-child(5) {{ overflow-wrap: anywhere; }}
  table.rules td:last-child {{ width: 34%; }}
  table.problems td:nth-child(4) {{ width: 24%; }}
  table.problems td:nth-child(5) {{ width: 36%; }}
  td.num, th.num {{ white-space: nowrap; }}
  thead {{ display: table-header-group; }}
  tr {{ break-inside: avoid; }}
  header.top dd, header.top .hash {{ overflow-wrap: anywhere; }}
  figure svg {{ max-width: 100%; height: auto; }}
}}
</style>
"""


def _timeout() -> float:
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return _DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise KeRulesError(f"{TIMEOUT_ENV}={raw}: expected a number of seconds.") from None
    if value <= 0:
        raise KeRulesError(f"{TIMEOUT_ENV}={raw}: expected a number of seconds above 0.")
    return value


def _args(browser: Browser, page: Path, pdf: Path, profile: Path) -> list[str]:
    args = [browser.path, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--mute-audio",
            "--no-pdf-header-footer", "--print-to-pdf-no-header",  # no URL, path or date printed by the browser
            f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", page.as_uri()]
    geteuid = getattr(os, "geteuid", None)
    if geteuid is not None and geteuid() == 0:  # Chromium refuses to run as root (a container, CI) with its sandbox
        args.insert(1, "--no-sandbox")
    return args


def render_pdf(report: Report, *, ruleset: Ruleset | None = None, browser: Browser | None = None) -> bytes:
    """The HTML report printed to an A4 PDF (bytes) by ``browser`` (default: :func:`find_browser`)."""
    from ke_rules.report.render.html_render import render_html

    browser = browser or find_browser()
    html = render_html(report, ruleset=ruleset).decode("utf-8")
    html = html.replace("</head>", print_css(report) + "</head>", 1)
    timeout = _timeout()
    with tempfile.TemporaryDirectory(prefix="ke-rules-pdf-", ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp)
        page, pdf, profile = folder / "rapport.html", folder / "rapport.pdf", folder / "profil"
        page.write_bytes(html.encode("utf-8"))
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # Windows: no console window flashes up
        try:
            done = subprocess.run(_args(browser, page, pdf, profile), stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=timeout, check=False, creationflags=flags)
        except subprocess.TimeoutExpired:
            raise KeRulesError(f"nettleseren ble ikke ferdig med PDF-en på {timeout:g} s (the browser did not "
                               f"finish the PDF within {timeout:g} s); set {TIMEOUT_ENV} to allow longer.") from None
        except OSError as exc:
            raise KeRulesError(f"kan ikke starte nettleseren (cannot start the browser) {browser.path}: "
                               f"{exc.strerror or exc}. {INSTALL_HINT}") from None
        data = pdf.read_bytes() if pdf.is_file() else b""
        if not data.startswith(b"%PDF-"):
            lines = [ln for ln in done.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
            detail = f": {lines[-1].strip()[:300]}" if lines else ""
            raise KeRulesError(f"nettleseren {Path(browser.path).name} skrev ingen PDF (the browser wrote no PDF; "
                               f"exit code {done.returncode}){detail}.")
    return data
