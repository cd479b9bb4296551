"""Rulesets as data: YAML files that declare rules, parameters and their legal basis.

A municipal ruleset extends another (``extends: nasjonal``) and changes only what
differs: a parameter, a rule's severity or basis, ``enabled: false``, or a whole new
rule over the field catalogue. Loading resolves the chain, checks every name against
what exists (suggesting the likely intended one), compiles every condition and
message template, and reports mistakes with file and line.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ke_rules.derive.fields import FIELDS
from ke_rules.derive.params import check_param
from ke_rules.errors import RulesetError, did_you_mean
from ke_rules.report.models import Basis, BasisKind
from ke_rules.rules.conditions import Condition, compile_condition
from ke_rules.rules.messages import Message, compile_message

__all__ = ["Rule", "Ruleset", "load_ruleset", "builtin_rulesets", "RuleSpec", "LocalText", "evidence_items"]

RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")


class LocalText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nb: str
    en: str

    def get(self, lang: str) -> str:
        return self.nb if lang == "nb" else self.en


class SeverityStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    when: str
    severity: Literal["high", "medium", "low"]


class RuleSpec(BaseModel):
    """One rule as written in a ruleset file (after inheritance)."""

    model_config = ConfigDict(extra="forbid")

    title: LocalText
    severity: Literal["high", "medium", "low"]
    severity_when: list[SeverityStep] = Field(default_factory=list)
    subject: Literal["case", "coordinator", "group", "meeting", "ke", "routine"]
    population: LocalText | None = None
    applies_to: str = "true"
    when: str
    # each entry a field, or {key: field} to show a field under the key the contract names
    # (``{active_cases: active_assignments}``: the coordinator's field of that name counts otherwise)
    evidence: list[str | dict[str, str]] = Field(default_factory=list)
    message: LocalText
    basis: list[Basis] = Field(min_length=1)
    enabled: bool = True

    @field_validator("applies_to", "when", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return "true" if v is True else v


class RulesetFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    extends: str | None = None
    title: LocalText | None = None
    description: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    new_params: dict[str, Any] = Field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)


@dataclass
class Rule:
    """A resolved, compiled rule: what the engine runs and the report cites."""

    id: str
    spec: RuleSpec
    applies: Condition
    finding: Condition
    escalations: list[tuple[str, Condition]]  # (severity, condition), in declaration order
    templates: dict[str, Message]  # lang -> compiled message template
    template_fields: frozenset[str] = frozenset()  # the subject fields the messages use

    @property
    def subject(self) -> str:
        return self.spec.subject

    @property
    def severity(self) -> str:
        return self.spec.severity

    @property
    def basis(self) -> list[Basis]:
        return self.spec.basis

    @property
    def evidence(self) -> list[tuple[str, str]]:
        """The evidence as (key in the report, field it shows), in the order the rule names them."""
        return evidence_items(self.spec.evidence)

    @property
    def fields(self) -> set[str]:
        used = set(self.applies.fields) | set(self.finding.fields)
        for _, c in self.escalations:
            used |= c.fields
        return used


@dataclass
class Ruleset:
    """A resolved ruleset: name, inheritance chain, parameters in force and compiled rules."""

    name: str
    extends: list[str]
    params: dict[str, Any]
    rules: dict[str, Rule]  # enabled rules only, in declaration order
    disabled: list[str] = field(default_factory=list)
    # a disabled rule's subject type (a waiver of it is still known, and its subject_id pseudonymised alike)
    disabled_subjects: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    sha256: str = ""

    def rule(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            hint = did_you_mean(rule_id, self.rules)
            raise KeyError(f"no rule '{rule_id}' in ruleset '{self.name}'.{hint}") from None


def evidence_items(evidence: list[str | dict[str, str]]) -> list[tuple[str, str]]:
    """(key, field) per evidence entry: a plain field is shown under its own name."""
    out: list[tuple[str, str]] = []
    for entry in evidence:
        if isinstance(entry, str):
            out.append((entry, entry))
        else:
            out.extend((str(k), str(v)) for k, v in entry.items())
    return out


def _builtin_dir() -> Path:
    packaged = Path(str(resources.files("ke_rules"))) / "rulesets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rulesets"  # a source checkout


def builtin_rulesets() -> list[str]:
    """Names of the rulesets installed with the package."""
    return sorted(p.stem for p in _builtin_dir().glob("*.yaml") if not p.name.endswith(".examples.yaml"))


def load_ruleset(name_or_path: str | Path = "nasjonal") -> Ruleset:
    """Load a built-in ruleset by name (``nasjonal``, ``lund``, ``stor-elvdal``) or a YAML file by path."""
    path = _find(str(name_or_path), None)
    chain: list[tuple[Path, RulesetFile, dict[tuple[Any, ...], int]]] = []
    seen: set[Path] = set()
    while True:
        if path in seen:
            raise RulesetError(f"'extends' goes in a circle at {path.name}", file=str(path))
        seen.add(path)
        doc, lines = _read_yaml(path)
        try:
            rf = RulesetFile.model_validate(doc)
        except ValidationError as exc:
            raise _explain(exc, path, lines, RulesetFile.model_fields) from None
        chain.append((path, rf, lines))
        if not rf.extends:
            break
        path = _find(rf.extends, path.parent, referrer=path, line=lines.get(("extends",)))
    chain.reverse()  # base first
    return _resolve(chain)


def _find(name: str, near: Path | None, referrer: Path | None = None, line: int | None = None) -> Path:
    p = Path(name)
    if p.suffix.lower() in (".yaml", ".yml") or p.exists():
        if p.is_file():
            return p.resolve()
        if near is not None and (near / p).is_file():
            return (near / p).resolve()
        raise RulesetError(f"ruleset file not found: {name}", file=str(referrer) if referrer else None, line=line)
    if near is not None and (near / f"{name}.yaml").is_file():
        return (near / f"{name}.yaml").resolve()
    builtin = _builtin_dir() / f"{name}.yaml"
    if builtin.is_file():
        return builtin.resolve()
    names = builtin_rulesets()
    raise RulesetError(
        f"no ruleset named '{name}'.{did_you_mean(name, names)} Built-in rulesets: {', '.join(names)}; "
        "or give the path of a .yaml file.",
        file=str(referrer) if referrer else None, line=line,
    )


# libyaml's parser where PyYAML was built with it (about ten times faster); the same marks and errors
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> tuple[Any, dict[tuple[Any, ...], int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(f"cannot read the ruleset file: {exc}", file=str(path)) from None
    try:
        node = yaml.compose(text, Loader=_LOADER)
        doc = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise RulesetError(
            f"not valid YAML: {exc.problem or exc}" + (f" ({exc.context})" if exc.context else ""),
            file=str(path), line=(mark.line + 1) if mark else None,
        ) from None
    if not isinstance(doc, dict):
        raise RulesetError("expected a mapping with keys such as 'extends', 'params' and 'rules'",
                           file=str(path), line=1)
    lines: dict[tuple[Any, ...], int] = {}
    _index_lines(node, (), lines)
    return doc, lines


def _index_lines(node: yaml.Node | None, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    if node is None:
        return
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value
            out[path + (key,)] = k.start_mark.line + 1
            _index_lines(v, path + (key,), out)
            out[path + (key,)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _index_lines(v, path + (i,), out)


def _line_for(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _explain(exc: ValidationError, path: Path, lines: dict[tuple[Any, ...], int],
             known: Any, prefix: tuple[Any, ...] = ()) -> RulesetError:
    err = exc.errors()[0]
    loc = prefix + tuple(err["loc"])
    where = ".".join(str(x) for x in loc)
    if err["type"] == "extra_forbidden":
        bad = str(loc[-1])
        msg = f"unknown key '{bad}'.{did_you_mean(bad, known)} Allowed: {', '.join(known)}."
    elif err["type"] == "missing":
        msg = f"'{loc[-1]}' is required here ({where})."
    else:
        msg = f"{where}: {err['msg']} (found {err.get('input')!r})."
    return RulesetError(msg, file=str(path), line=_line_for(lines, loc))


def _resolve(chain: list[tuple[Path, RulesetFile, dict[tuple[Any, ...], int]]]) -> Ruleset:
    params: dict[str, Any] = {}
    raw_rules: dict[str, dict[str, Any]] = {}
    origin: dict[str, tuple[Path, dict[tuple[Any, ...], int]]] = {}
    names: list[str] = []
    for path, rf, lines in chain:
        for key, value in rf.new_params.items():
            if key in params:
                raise RulesetError(f"new_params: '{key}' exists already; set it under 'params'",
                                   file=str(path), line=_line_for(lines, ("new_params", key)))
            _check_param(key, value, path, _line_for(lines, ("new_params", key)))
            params[key] = value
        for key, value in rf.params.items():
            line = _line_for(lines, ("params", key))
            if key not in params and path != chain[0][0]:
                raise RulesetError(
                    f"unknown parameter '{key}'.{did_you_mean(key, params)} "
                    "Declare a new one under 'new_params'.", file=str(path), line=line)
            if key in params and not _same_type(params[key], value):
                raise RulesetError(
                    f"parameter '{key}' must be {_type_name(params[key])} like its default "
                    f"{params[key]!r}, found {value!r}", file=str(path), line=line)
            _check_param(key, value, path, line)
            params[key] = value
        for rule_id, body in rf.rules.items():
            line = _line_for(lines, ("rules", rule_id))
            if not isinstance(body, dict):
                raise RulesetError(f"rule '{rule_id}' must be a mapping of keys", file=str(path), line=line)
            if rule_id in raw_rules:
                raw_rules[rule_id] = {**raw_rules[rule_id], **body}
            else:
                if not RULE_ID.match(str(rule_id)):
                    raise RulesetError(
                        f"rule id '{rule_id}' should look like 'KE-SOMETHING' (capitals and hyphens)",
                        file=str(path), line=line)
                if set(body) <= {"enabled", "severity", "basis", "message", "title", "evidence",
                                 "severity_when", "population"} and len(chain) > 1 and path != chain[0][0]:
                    known = list(raw_rules)
                    raise RulesetError(
                        f"no rule '{rule_id}' to change.{did_you_mean(rule_id, known)} "
                        "A new rule needs subject, when, message, basis, title and severity.",
                        file=str(path), line=line)
                raw_rules[rule_id] = dict(body)
            origin[rule_id] = (path, lines)
        names.append(rf.name or path.stem)

    rules: dict[str, Rule] = {}
    disabled: list[str] = []
    specs: dict[str, RuleSpec] = {}
    for rule_id, body in raw_rules.items():
        path, lines = origin[rule_id]
        try:
            spec = RuleSpec.model_validate(body)
        except ValidationError as exc:
            raise _explain(exc, path, lines, RuleSpec.model_fields, ("rules", rule_id)) from None
        specs[rule_id] = spec
        if not spec.enabled:
            disabled.append(rule_id)
            continue
        rules[rule_id] = _compile_rule(rule_id, spec, params, path, lines)
        _require_field_params(rules[rule_id], params, path, lines)

    canonical = json.dumps(
        {"params": params, "rules": {k: v.model_dump(mode="json") for k, v in specs.items()}},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return Ruleset(
        name=names[-1], extends=list(reversed(names[:-1])), params=params, rules=rules,
        disabled=disabled, disabled_subjects={i: specs[i].subject for i in disabled},
        sources=[str(p) for p, _, _ in chain],
        sha256=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    )


def _check_param(key: str, value: Any, path: Path, line: int | None) -> None:
    problem = check_param(key, value)
    if problem:
        raise RulesetError(problem, file=str(path), line=line)


def _require_field_params(rule: Rule, params: dict[str, Any], path: Path, lines: dict[tuple[Any, ...], int]) -> None:
    """A rule whose fields are derived with a parameter the ruleset does not set cannot be evaluated."""
    catalogue = FIELDS[rule.subject]
    used = sorted(rule.fields | {f for _, f in rule.evidence} | rule.template_fields)
    for name in used:
        missing = [p for p in (catalogue[name].params if name in catalogue else ()) if p not in params]
        if missing:
            needed = ", ".join(f"'{p}'" for p in missing)
            what, it = ("the parameter", "it") if len(missing) == 1 else ("the parameters", "them")
            raise RulesetError(
                f"{rule.id} uses the field '{name}', which is derived with {what} {needed}, and this "
                f"ruleset does not set {it}. Add {needed} under 'params' (or 'extends: nasjonal').",
                file=str(path), line=_line_for(lines, ("rules", rule.id)))


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))


def _type_name(v: Any) -> str:
    return {bool: "true/false", int: "a whole number", float: "a number", str: "a text",
            list: "a list"}.get(type(v), type(v).__name__)


_JINJA = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def _compile_rule(rule_id: str, spec: RuleSpec, params: dict[str, Any], path: Path,
                  lines: dict[tuple[Any, ...], int]) -> Rule:
    def line(*key: str) -> int | None:
        return _line_for(lines, ("rules", rule_id) + key)

    applies = compile_condition(spec.applies_to, spec.subject, params, where=f"{rule_id}.applies_to",
                                file=str(path), line=line("applies_to"))
    when = compile_condition(spec.when, spec.subject, params, where=f"{rule_id}.when",
                             file=str(path), line=line("when"))
    escalations = [
        (step.severity, compile_condition(step.when, spec.subject, params,
                                          where=f"{rule_id}.severity_when[{i}]", file=str(path),
                                          line=line("severity_when")))
        for i, step in enumerate(spec.severity_when)
    ]
    fields = FIELDS[spec.subject]
    keys: set[str] = set()
    for entry in spec.evidence:
        if isinstance(entry, dict) and len(entry) != 1:
            raise RulesetError(f"{rule_id}.evidence: write one 'key: field' per entry, found {entry!r}",
                               file=str(path), line=line("evidence"))
    for key, name in evidence_items(spec.evidence):
        if name not in fields:
            raise RulesetError(f"{rule_id}.evidence: '{name}' is not a field of '{spec.subject}'."
                               + did_you_mean(name, fields), file=str(path), line=line("evidence"))
        if key in keys:
            raise RulesetError(f"{rule_id}.evidence: the key '{key}' is named twice",
                               file=str(path), line=line("evidence"))
        keys.add(key)
    allowed = set(fields) | {"params", "subject_id", "as_of"}
    templates: dict[str, Any] = {}
    used: set[str] = set()
    for lang in ("nb", "en"):
        source = spec.message.get(lang)
        try:
            ast_ = _JINJA.parse(source)
        except TemplateSyntaxError as exc:
            raise RulesetError(f"{rule_id}.message.{lang}: template error: {exc.message}",
                               file=str(path), line=line("message")) from None
        for var in meta.find_undeclared_variables(ast_):
            if var not in allowed:
                raise RulesetError(f"{rule_id}.message.{lang}: '{{{{ {var} }}}}' is not a field of "
                                   f"'{spec.subject}'.{did_you_mean(var, allowed)}",
                                   file=str(path), line=line("message"))
            used.add(var)
        templates[lang] = compile_message(_JINJA, source, ast_)
    return Rule(id=rule_id, spec=spec, applies=applies, finding=when, escalations=escalations,
                templates=templates, template_fields=frozenset(used & set(fields)))


def basis_kinds() -> list[str]:
    return [k.value for k in BasisKind]
