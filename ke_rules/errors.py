"""Errors a user can act on.

Every error that reaches the command line is a :class:`KeRulesError`: its message is
one paragraph that says what was wrong and, where it can, what was probably meant.
The CLI prints it and exits 2; nothing else should escape as a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "KeRulesError",
    "InputRefused",
    "RulesetError",
    "EngineError",
    "did_you_mean",
]


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A ' Mente du «x»?' suffix when a close match exists, else an empty string."""
    matches = difflib.get_close_matches(str(name), list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{matches[0]}'?" if matches else ""


class KeRulesError(Exception):
    """Base of every error ke-rules raises on purpose.

    Text arguments are masked with :func:`~ke_rules.privacy.identity.mask_identity_numbers` when
    the error is made, so neither ``str(exc)``, ``repr(exc)`` nor ``exc.args`` can carry
    a personal identity number that a message quoted from the input (a header, a key,
    a file name) to the terminal or a log.
    """

    def __init__(self, *args: object) -> None:
        from ke_rules.privacy.identity import mask_identity_numbers  # when an error is made, not when ke-rules starts

        super().__init__(*(mask_identity_numbers(a) if isinstance(a, str) else a for a in args))


class InputRefused(KeRulesError):
    """The snapshot cannot be used at all (exit 2): unreadable, `cases` missing, a
    required column missing, two columns meaning the same."""


class RulesetError(KeRulesError):
    """A ruleset file is broken; the message names file, line and what was expected."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        self.file = file
        self.line = line
        where = ""
        if file:
            where = f"{file}, line {line}: " if line else f"{file}: "
        super().__init__(where + message)


class EngineError(KeRulesError):
    """The rule engine misbehaved (a lost or extra match); never hidden."""
