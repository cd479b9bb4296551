"""Keyed pseudonyms for ids and names (``--pseudonymize KEY``).

:func:`pseudonymize_snapshot` replaces, in every table of a checked snapshot, each
case id, coordinator id, group id, meeting id, coordinator name and service provider
by a pseudonym, and does the same to the ``value`` of every input problem in one of
those columns. It runs after validation and before fact derivation, so everything
derived from the snapshot (findings, subject ids, the ``case_ids`` lists in evidence,
messages, the coordinator load) carries pseudonyms only. The same value gets the same
pseudonym in every table, so references between tables still hold and every rule
gives the same result as on the original ids.

A pseudonym is ``PREFIX-`` and 10 base32 characters (50 bits) of
HMAC-SHA256(key, column kind + value), e.g. ``S-7QKD3M2XPA``:

====================  ======  =================================
column                prefix  kind
====================  ======  =================================
``case_id``           ``S-``  sak (case)
``coordinator_id``    ``K-``  koordinator
``group_id``          ``G-``  ansvarsgruppe (group)
``meeting_id``        ``M-``  møte (meeting)
``name``              ``N-``  navn (a coordinator's name)
``provider``          ``T-``  tjenesteyter (service provider)
====================  ======  =================================

Group and meeting ids are included because they are often built from the case
number (``G-101`` for case ``S-101``); the provider because it may name a person.
The kind is part of what is hashed, so ``1001`` as a case id and ``1001`` as a
coordinator id get unrelated pseudonyms. Base32 has no 0, 1, 8 or 9, so a pseudonym
is never mistaken for a short original id such as ``K-1``.

**Why a keyed HMAC and not a plain hash.** Case and coordinator ids are short and
guessable (``S-101``, ``1001``, an employee number, a fødselsnummer): anyone holding
a report could hash every candidate id and match the results, so a plain SHA-256 of
an id is reversible by enumeration. With HMAC, computing a pseudonym needs the key:
without it the pseudonyms cannot be reversed or linked to ids; with it, the KE can
find its own case again (``Pseudonymizer(key).pseudonym("case_id", "S-101")``) and
compare reports over time (same key, same pseudonyms).

**The key must be kept by the KE**, like any other secret, and never sent with the
report: whoever has the key and the KE's id list can undo the pseudonyms. It must be
at least 16 characters; a short key could itself be found by trying keys against a
known id. A new key gives new, unlinkable pseudonyms.

Not changed: dates (birth dates are evaluated, as ages), the municipality number,
the service unit, service names and other free text, and row numbers. Personal
identity numbers in any text are masked separately (:mod:`ke_rules.privacy.identity`).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac

import numpy as np
import pandas as pd

from ke_rules.errors import KeRulesError
from ke_rules.ingest.validate import Snapshot
from ke_rules.report.models import InputProblem

__all__ = ["Pseudonymizer", "pseudonymize_snapshot", "PSEUDONYM_PREFIX", "MIN_KEY_LENGTH", "KEY_ID_MESSAGE"]

# column -> prefix of its pseudonyms; the column name is also the kind that is hashed
PSEUDONYM_PREFIX: dict[str, str] = {
    "case_id": "S",
    "coordinator_id": "K",
    "group_id": "G",
    "meeting_id": "M",
    "name": "N",
    "provider": "T",
}
MIN_KEY_LENGTH = 16
KEY_ID_MESSAGE = b"ke-rules key id"
_LENGTH = 10  # base32 characters: 50 bits


class Pseudonymizer:
    """Stable, keyed pseudonyms: the same key and value always give the same pseudonym.

    Two different values of one kind getting the same pseudonym (odds about n²/2⁵¹ for
    n values) would merge two cases, so it is checked and raises :class:`KeRulesError`
    rather than give a wrong report; another key avoids it.
    """

    def __init__(self, key: str | bytes):
        raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        if len(key) < MIN_KEY_LENGTH:
            raise KeRulesError(
                f"Nøkkelen for pseudonymisering må ha minst {MIN_KEY_LENGTH} tegn "
                f"(the pseudonymisation key must be at least {MIN_KEY_LENGTH} characters long)."
            )
        self._key = raw
        self._cache: dict[tuple[str, str], str] = {}
        self._owner: dict[tuple[str, str], str] = {}  # (kind, pseudonym) -> value, to catch collisions

    def __repr__(self) -> str:  # never show the key
        return "Pseudonymizer(<key>)"

    @property
    def key_id(self) -> str:
        """The first 12 hex digits of HMAC-SHA256(key, "ke-rules key id") (``input.pseudonym_key_id``).

        Two reports with the same key id were made with the same key; the id does not reveal the key.
        """
        return hmac.new(self._key, KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:12]

    def pseudonym(self, kind: str, value: str) -> str:
        """The pseudonym of ``value`` as a ``kind`` (a column of :data:`PSEUDONYM_PREFIX`)."""
        cached = self._cache.get((kind, value))
        if cached is not None:
            return cached
        digest = hmac.new(self._key, f"{kind}\x1f{value}".encode(), hashlib.sha256).digest()
        out = f"{PSEUDONYM_PREFIX[kind]}-{base64.b32encode(digest).decode('ascii')[:_LENGTH]}"
        other = self._owner.setdefault((kind, out), value)
        if other != value:
            raise KeRulesError(
                f"To ulike verdier i '{kind}' fikk samme pseudonym; bruk en annen nøkkel "
                f"(two different '{kind}' values got the same pseudonym; use another key)."
            )
        self._cache[(kind, value)] = out
        return out

    def column(self, kind: str, values: pd.Series) -> pd.Series:
        """``values`` with every non-empty cell replaced by its pseudonym; empty cells and the dtype kept."""
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        mapped = np.array([self.pseudonym(kind, str(u)) for u in uniques] + [None], dtype=object)
        out = pd.Series(mapped[codes], index=values.index, name=values.name, dtype=object)  # code -1 -> None
        if values.dtype != object:
            out = out.astype(values.dtype)
        return out


def pseudonymize_snapshot(snapshot: Snapshot, key: str | bytes | Pseudonymizer) -> Snapshot:
    """A copy of ``snapshot`` with ids and names replaced by keyed pseudonyms (see the module docstring).

    Call it after validation and before fact derivation. The snapshot given is not
    changed; tables, counts and the order of rows and problems are kept.
    """
    pz = key if isinstance(key, Pseudonymizer) else Pseudonymizer(key)
    tables: dict[str, pd.DataFrame] = {}
    for name, frame in snapshot.tables.items():
        todo = [c for c in frame.columns if c in PSEUDONYM_PREFIX]
        if not todo:
            tables[name] = frame
            continue
        frame = frame.copy()
        for c in todo:
            frame[c] = pz.column(str(c), frame[c])
        tables[name] = frame
    problems = [_pseudonymize_problem(p, pz) for p in snapshot.problems]
    # the snapshot's waivers keep their raw subject_id until the ruleset says which kind of id it is
    # (report/waivers.py pseudonymises it with ``pseudonymizer`` before matching)
    return dataclasses.replace(snapshot, tables=tables, problems=problems, pseudonym_key_id=pz.key_id,
                               pseudonymizer=pz)


def _pseudonymize_problem(problem: InputProblem, pz: Pseudonymizer) -> InputProblem:
    if problem.column not in PSEUDONYM_PREFIX or problem.value is None:
        return problem
    if "*" * 10 in problem.value:  # masked already: an identity number; a pseudonym of the mask would mislead
        return problem
    return problem.model_copy(update={"value": pz.pseudonym(problem.column, problem.value)})
