"""The parameters the derived fields read, typed, with the national defaults.

A rule's condition names its parameters itself (``params.NAME``, checked when the
condition compiles); a derived field such as ``limit`` or ``qualifying_services``
reads one behind the scenes (``fields.FieldInfo.params``). This model is the one
place those derivation parameters are declared, so a ruleset that mistypes one, or
a standalone ruleset (no ``extends:``) whose rules need one it does not set, is a
:class:`~ke_rules.errors.RulesetError` with file and line instead of a crash in the
middle of a run. The defaults are ``rulesets/nasjonal.yaml``'s (a test keeps them
equal); they stand in only for parameters that no enabled rule depends on.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, TypeAdapter, ValidationError, field_validator

from ke_rules.errors import did_you_mean

__all__ = ["DerivationParams", "DERIVATION_DEFAULTS", "DEFAULT_ROUTINES", "check_param", "ke_tasks", "routines_problem",
           "with_defaults"]

ServiceCategory = Literal["helse", "omsorg", "spesialist", "fastlege", "helsesykepleier", "oppvekst", "nav",
                          "barnevern", "annet"]
Days = Annotated[StrictInt, Field(ge=0)]
# the duties helse- og omsorgstjenesteloven § 7-3 names (rules.md, KE-SYSTEM-ROUTINES)
DEFAULT_ROUTINES = ("meldinger", "rutiner_ip", "oppnevning", "opplaering")


def ke_tasks() -> list[str]:
    """The task keys of the ``ke_task`` vocabulary (guideline 12.3), in their documented order."""
    from ke_rules.ingest.vocabulary import ENUM_SYNONYMS

    return list(dict.fromkeys(ENUM_SYNONYMS["ke_task"].values()))


def routines_problem(tasks: list[Any]) -> str | None:
    """Why ``required_routines`` cannot be used: an unknown or repeated task key (None when it can).

    A synonym (``motta meldinger``) is not a key, but its key is suggested."""
    from ke_rules.ingest.vocabulary import ENUM_SYNONYMS, normalise_name

    keys = ke_tasks()
    seen: set[str] = set()
    for i, task in enumerate(tasks):
        if not isinstance(task, str) or task not in keys:
            synonym = ENUM_SYNONYMS["ke_task"].get(normalise_name(str(task)))
            hint = f" Did you mean '{synonym}'?" if synonym else did_you_mean(str(task), keys)
            return f"[{i}]: '{task}' is not a task key.{hint} Task keys: {', '.join(keys)}"
        if task in seen:
            return f"[{i}]: '{task}' is named twice"
        seen.add(task)
    return None


class DerivationParams(BaseModel):
    """The parameters derived fields depend on, with the national defaults."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    max_cases_per_coordinator: Annotated[StrictInt, Field(ge=0)] = 5
    count_only_cases_with_ip: StrictBool = False
    min_group_meetings_per_year: Annotated[StrictInt | float, Field(gt=0)] = 2
    invitation_lead_days: Days = 14
    mapping_grace_days: Days = 30
    coordination_categories: list[ServiceCategory] = Field(default_factory=lambda: ["helse", "omsorg", "spesialist"])
    long_term_days: Days = 90
    appointment_grace_days: Days = 30
    ip_evaluation_days: Days = 365
    minutes_days: Days = 14
    overdue_grace_days: Days = 14
    training_grace_days: Days = 90
    required_routines: list[str] = Field(default_factory=lambda: list(DEFAULT_ROUTINES))
    routine_review_months: Annotated[StrictInt, Field(ge=0)] = 24
    deadline_days_high: Days = 14
    deadline_days_medium: Days = 30
    deadline_days_low: Days = 90

    @field_validator("required_routines")
    @classmethod
    def _known_tasks(cls, tasks: list[str]) -> list[str]:
        problem = routines_problem(tasks)
        if problem:
            raise ValueError(problem)
        return tasks


DERIVATION_DEFAULTS: dict[str, Any] = DerivationParams().model_dump()
_ADAPTERS = {name: TypeAdapter(info.annotation if not info.metadata else Annotated[(info.annotation, *info.metadata)])
             for name, info in DerivationParams.model_fields.items()}


def check_param(name: str, value: Any) -> str | None:
    """Why ``value`` cannot be the derivation parameter ``name`` (None when it can, or ``name`` is not one)."""
    if name == "required_routines" and isinstance(value, list):
        problem = routines_problem(value)
        return f"parameter 'required_routines'{problem}" if problem else None
    adapter = _ADAPTERS.get(name)
    if adapter is None:
        return None
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "".join(f"[{p}]" for p in err["loc"])
        return f"parameter '{name}'{where}: {err['msg']} (found {value!r})"
    return None


def with_defaults(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the national default for every derivation parameter it does not set."""
    if DERIVATION_DEFAULTS.keys() <= params.keys():
        return params
    return {**DERIVATION_DEFAULTS, **params}
