"""Step 3 of 4: evaluate the compiled rules over the derived facts.

Two engines evaluate the same compiled conditions (``ENGINES``): ``durable`` runs them
in durable-rules, the Rete engine the design names, and checks every match against
the column-wise evaluation of the same conditions; ``columnar`` is that column-wise
evaluation alone, for machines where durable-rules cannot be installed (it has no
wheels and needs a C compiler). ``auto`` takes durable-rules whenever it imports.
Both give the same findings, severities and populations: with durable-rules any
difference stops the run (``EngineError``), and the test suite runs every rule
through both.

durable-rules 2.0.28 has measured traps (``docs/engine.md``), and this
module is where they are handled:

* hash collisions in big sessions and the 1,024-session limit: facts go into small
  sessions (``SESSION_SIZE`` facts), each deleted after use, so at most one is live;
  a ``MessageObservedException`` (a collision: no fact is ever asserted twice) moves
  that fact to a fresh session;
* ``MessageNotHandledException``: facts are asserted one at a time and "not handled"
  is read per fact, so it can never swallow another fact's matches;
* a session that only ever saw unhandled facts crashes the process when deleted
  (seen here, a segfault): every session starts with a sentinel fact that one rule
  always handles;
* an exception inside an action is swallowed into the session state, and the two
  timer threads each Host starts could run actions behind our back: no Python action
  runs at all. The Host starts no threads, and ``_Session`` drives the engine's C
  layer directly, taking each match as the engine starts its action (the protocol of
  ``Ruleset.do_actions``), which is also several times faster than durable-rules'
  Python dispatch;
* negation order: no rule uses negation; facts are derived whole before asserting.

Finally every match is compared with the same conditions evaluated column-wise by
pandas; any difference is an :class:`EngineError`, never a silently lost finding.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import orjson
import pandas as pd

from ke_rules.derive.facts import Facts
from ke_rules.engines.choice import ENGINE_NAMES, ENGINES, _load_durable, durable_available, resolve_engine
from ke_rules.errors import EngineError, KeRulesError
from ke_rules.rules.ruleset import Rule, Ruleset
from ke_rules.runtime import background
from ke_rules.runtime.background import can_fork

__all__ = ["Match", "Evaluation", "evaluate_facts", "worker_count", "durable_available", "resolve_engine",
           "ENGINES", "ENGINE_NAMES", "SESSION_SIZE", "PARALLEL_FROM"]

SESSION_SIZE = 256
PARALLEL_FROM = 50_000  # facts: below this, forking a second engine costs more than it saves
_RULESET = "ke"
_SENTINEL = "__session__"
_counter = itertools.count()


def _host() -> Any:
    """A durable-rules Host without the background dispatch threads (see module docstring)."""
    _, durable_engine = _load_durable()

    class _Host(durable_engine.Host):  # type: ignore[misc,name-defined]
        def _run(self) -> None:  # overrides the thread starter
            return None

        def _no_callbacks(self, *args: Any) -> None:
            raise EngineError("ke-rules registers no durable-rules callbacks (they cannot run on Python 3.13+)")

        set_store_message_callback = set_delete_message_callback = set_queue_message_callback = _no_callbacks
        set_get_queued_messages_callback = set_get_idle_state_callback = _no_callbacks
        set_get_stored_messages_callback = _no_callbacks

    return _Host()


@dataclass
class Evaluation:
    """What the engine found: per rule, the matching subjects (row positions) and population."""

    # rule id -> row positions (in the subject's fact frame) of findings
    findings: dict[str, np.ndarray]
    # rule id -> row positions -> severity (after escalations)
    severities: dict[str, dict[int, str]]
    # rule id -> boolean mask of the population
    populations: dict[str, np.ndarray]
    facts_asserted: int
    sessions: int
    collisions_retried: int
    engine: str = "durable"  # "durable" or "columnar": which engine found the matches
    # with evaluate_facts(defer=True) on a big run: durable-rules still running in forked processes;
    # confirm() waits for it and checks its matches, before anything is written
    _running: Callable[[], Evaluation] | None = field(default=None, repr=False, compare=False)
    _stop: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def confirm(self) -> None:
        """Wait for durable-rules where it still runs; raise :class:`EngineError` if it found anything else.

        The findings, severities and populations are then durable-rules' own (they equal the
        column-wise ones this evaluation was built from, or this raises).
        """
        if self._running is None:
            return
        done = self._running()
        self._running = self._stop = None
        for rule_id, rows in done.findings.items():  # _collect has compared them with the column check
            if not np.array_equal(rows, self.findings[rule_id]) or done.severities[rule_id] != self.severities[rule_id]:
                raise EngineError(f"{rule_id}: the rule engine and the column check disagree; no report is written")
        self.facts_asserted, self.sessions, self.collisions_retried = (
            done.facts_asserted, done.sessions, done.collisions_retried)

    def cancel(self) -> None:
        """Stop durable-rules where it still runs (the report is not wanted after all)."""
        if self._stop is not None:
            self._stop()
        self._running = self._stop = None


Match = tuple[str, int]


def _definitions(ruleset: Ruleset) -> dict[str, Any]:
    """The ruleset as durable-rules definitions: one rule per rule id, one per severity escalation.

    The actions are never called (``_Session`` takes the matches from the engine's C
    layer itself); durable-rules only requires every rule to have one.
    """
    rules: dict[str, Any] = {}
    for rule in ruleset.rules.values():
        base = [{"t": rule.subject}] + rule.applies.durable + rule.finding.durable
        rules[rule.id] = {"all": [{"m": {"$and": base}}], "run": _unused_action}
        for n, (severity, cond) in enumerate(rule.escalations):
            rules[f"{rule.id}@{n}:{severity}"] = {
                "all": [{"m": {"$and": base + cond.durable}}], "run": _unused_action}
    rules[_SENTINEL] = {"all": [{"m": {"t": _SENTINEL}}], "run": _unused_action}
    return {_RULESET: rules}


def _unused_action(c: Any) -> None:
    raise EngineError("a durable-rules action ran through the Python dispatcher; ke-rules drives the engine itself")


def _fact_rows(frame: pd.DataFrame, subject: str, fields: list[str], rows: np.ndarray) -> Iterator[dict[str, Any]]:
    """Facts as plain JSON-able dicts; empty values are left out (an empty field matches nothing)."""
    # only this part's rows are converted: with two workers each converts its own half
    columns = [_plain(frame[f].take(rows)) for f in fields]
    for i, *values in zip(rows.tolist(), *columns, strict=True):
        fact: dict[str, Any] = {"t": subject, "_i": i}
        for f, v in zip(fields, values, strict=True):
            if v is not None:
                fact[f] = v
        yield fact


def _plain(col: pd.Series) -> list[Any]:
    """A column as JSON-ready Python values: None for empty, whole floats as ints, numpy scalars unwrapped."""
    if col.dtype == bool:
        return col.tolist()
    if pd.api.types.is_integer_dtype(col.dtype) or isinstance(col.dtype, pd.BooleanDtype):
        return col.to_numpy(dtype=object, na_value=None).tolist()  # Python ints / bools already
    if pd.api.types.is_float_dtype(col.dtype):
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        out = np.array(values.tolist(), dtype=object)
        out[np.isnan(values)] = None
        whole = np.flatnonzero(np.isfinite(values) & (values == np.floor(values)))
        out[whole] = [int(v) for v in values[whole].tolist()]
        return out.tolist()
    return [None if (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))) else
            (bool(v) if isinstance(v, np.bool_) else v) for v in col.astype(object).tolist()]


Job = tuple[str, np.ndarray]  # (subject, row positions to assert)


def worker_count(facts: Facts, workers: int | None = None) -> int:
    """How many processes to evaluate with: ``workers`` if given, else both cores for big runs."""
    if workers is not None:
        return max(1, workers)
    total = sum(len(f) for f in facts.frames.values())
    if total < PARALLEL_FROM or not can_fork():
        return 1
    return max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def evaluate_facts(ruleset: Ruleset, facts: Facts, session_size: int = SESSION_SIZE,
                   workers: int | None = None, engine: str = "auto", defer: bool = False) -> Evaluation:
    """Evaluate every rule over the facts; return findings, severities and populations.

    ``engine``: ``durable`` asserts every subject's fact into durable-rules and checks its
    matches against the column-wise evaluation; ``columnar`` takes the column-wise
    evaluation alone; ``auto`` is durable-rules where it imports. With durable-rules
    only facts inside some rule's population are asserted (every rule's conditions start
    with its population, so no other fact can match). With ``workers`` > 1 the facts are
    split into that many parts, evaluated in forked processes, each with its own engine;
    matches are sets of row positions, so the result does not depend on the split.

    ``defer``: where the facts go to forked processes anyway (a big run on Linux), return
    at once with the column-wise evaluation, durable-rules still running in those
    processes, so the report is built meanwhile on this core; the caller must call
    :meth:`Evaluation.confirm` before using the report (it raises if durable-rules found
    anything else) or :meth:`Evaluation.cancel`.
    """
    if resolve_engine(engine) == "columnar":
        return _columnar(ruleset, facts)
    by_subject: dict[str, list[Rule]] = {}
    for rule in ruleset.rules.values():
        by_subject.setdefault(rule.subject, []).append(rule)
    populations = {rule.id: rule.applies.mask(facts.frames[rule.subject]) for rule in ruleset.rules.values()}
    jobs: list[Job] = []
    for subject, rules in by_subject.items():
        frame = facts.frames[subject]
        anyone = np.zeros(len(frame), dtype=bool)
        for rule in rules:
            anyone |= populations[rule.id]
        jobs.append((subject, np.flatnonzero(anyone)))
    n = worker_count(facts, workers)
    if n == 1:
        hits, asserted, sessions, retried = _run_jobs(ruleset, facts, jobs, session_size)
    elif defer:
        return _deferred(ruleset, facts, jobs, session_size, n - 1, populations)
    else:
        hits, asserted, sessions, retried = _run_parallel(ruleset, facts, jobs, session_size, n)
    return _collect(ruleset, facts, hits, populations, asserted, sessions, retried)


def _deferred(ruleset: Ruleset, facts: Facts, jobs: list[Job], session_size: int, n: int,
              populations: dict[str, np.ndarray]) -> Evaluation:
    """The column-wise evaluation now, durable-rules over all facts in ``n`` forked processes meanwhile."""
    parts = _split(jobs, n)
    running = [background.start(_run_jobs, ruleset, facts, part, session_size, fork=True) for part in parts]

    def finish() -> Evaluation:
        hits, asserted, sessions, retried = _gathered(map(_worker_result, running))
        return _collect(ruleset, facts, hits, populations, asserted, sessions, retried)

    def stop() -> None:
        for pending in running:
            pending.cancel()

    return replace(_columnar(ruleset, facts), engine="durable", _running=finish, _stop=stop)


def _split(jobs: list[Job], n: int) -> list[list[Job]]:
    """Every subject's rows in ``n`` parts of about equal size."""
    parts: list[list[Job]] = [[] for _ in range(n)]
    for subject, rows in jobs:
        for k, chunk in enumerate(np.array_split(rows, n)):
            parts[k].append((subject, chunk))
    return parts


def _worker_result(pending: background.Pending[tuple[list[Match], int, int, int]]) -> tuple[list[Match], int, int, int]:
    try:
        return pending.result()
    except EngineError:
        raise
    except KeRulesError as exc:
        raise EngineError(f"a rule engine worker process failed: {str(exc).split(': ', 1)[-1]}") from None


def _columnar(ruleset: Ruleset, facts: Facts) -> Evaluation:
    """The rules evaluated column-wise alone: the same masks the durable-rules matches are checked against."""
    populations = {rule.id: rule.applies.mask(facts.frames[rule.subject]) for rule in ruleset.rules.values()}
    findings: dict[str, np.ndarray] = {}
    severities: dict[str, dict[int, str]] = {}
    for rule in ruleset.rules.values():
        frame = facts.frames[rule.subject]
        matched = populations[rule.id] & rule.finding.mask(frame)
        rows = np.flatnonzero(matched).astype(np.int64)
        severity = dict.fromkeys(rows.tolist(), rule.severity)
        for n in reversed(range(len(rule.escalations))):  # the first escalation that holds decides
            level, cond = rule.escalations[n]
            for i in np.flatnonzero(matched & cond.mask(frame)).tolist():
                severity[i] = level
        findings[rule.id] = rows
        severities[rule.id] = severity
    return Evaluation(findings=findings, severities=severities, populations=populations,
                      facts_asserted=0, sessions=0, collisions_retried=0, engine="columnar")


def _run_parallel(ruleset: Ruleset, facts: Facts, jobs: list[Job], session_size: int,
                  n: int) -> tuple[list[Match], int, int, int]:
    """Split every subject's rows into ``n`` parts; this process takes part 0, forked children the rest.

    Where forking is not allowed (:func:`~ke_rules.runtime.background.can_fork`) the other parts run
    here one after the other: the matches are sets of row positions, so the result is the same.
    """
    parts = _split(jobs, n)
    others = [background.start(_run_jobs, ruleset, facts, parts[k], session_size, fork=True) for k in range(1, n)]
    mine = _run_jobs(ruleset, facts, parts[0], session_size)  # this process's part, while the others run
    return _gathered([mine, *map(_worker_result, others)])


Worked = tuple[list[Match], int, int, int]  # matches, facts asserted, sessions, collisions retried


def _gathered(parts: Iterable[Worked]) -> Worked:
    """The parts' matches joined and their counts added up."""
    hits: list[Match] = []
    asserted = sessions = retried = 0
    for more in parts:
        hits.extend(more[0])
        asserted += more[1]
        sessions += more[2]
        retried += more[3]
    return hits, asserted, sessions, retried


# durable_rules_engine.assert_fact result codes (durable/engine.py, Ruleset._handle_result)
_HANDLED, _NOT_HANDLED, _OBSERVED, _DEFERRED = 0, 1, 2, 3


class _Session:
    """Asserts facts through durable-rules' C engine and takes each match as it is started.

    durable-rules' Python layer wraps every match in a Closure, parses the session state
    and the fact back from JSON, writes the state again and runs the action with
    lease timers; at a few hundred thousand facts that is most of the evaluation. The
    engine itself only needs the same protocol driven directly: assert, start the
    session's pending action, put the state back, complete it and start the next,
    until none is left (``Ruleset.do_actions`` and ``_flush_actions``, minus the
    Python action). The matches are then exactly the actions the engine started.
    """

    def __init__(self, host: Any) -> None:
        self.handle = host.get_ruleset(_RULESET)._handle
        self.c, self.durable = _load_durable()
        self.hits: list[Match] = []

    def assert_fact(self, fact: dict[str, Any], sentinel: bool = False) -> None:
        """Assert one fact; raise ``MessageObservedException`` on a hash collision, as durable-rules does."""
        code, state = self.c.assert_fact(self.handle, orjson.dumps(fact).decode("utf-8"))
        if code == _NOT_HANDLED:
            if sentinel:
                raise EngineError("the rule engine did not handle its session sentinel")
            return
        if code == _OBSERVED:
            raise self.durable.MessageObservedException(fact)
        if code == _DEFERRED:
            state = 0
        started = self.c.start_action_for_state(self.handle, state)
        if not started:
            return
        state_text, message = started
        while message:
            self.record(message)
            self.c.update_state(self.handle, state_text)
            message = self.c.complete_and_start_action(self.handle, state)

    def record(self, message: str) -> None:
        """One started action: ``{rule name: {"m": fact}}``."""
        for name, matched in orjson.loads(message).items():
            if name != _SENTINEL:
                self.hits.append((name, matched["m"]["_i"]))

    def delete(self, sid: str) -> None:
        self.c.delete_state(self.handle, sid)


def _run_jobs(ruleset: Ruleset, facts: Facts, jobs: list[Job],
              session_size: int) -> tuple[list[Match], int, int, int]:
    host = _host()
    host.register_rulesets(_definitions(ruleset))
    engine = _Session(host)
    asserted = sessions = retried = 0
    fields_of = {subject: sorted(set().union(*(r.fields for r in ruleset.rules.values() if r.subject == subject)))
                 for subject, _ in jobs}
    run_id = next(_counter)

    def new_session() -> str:
        nonlocal sessions
        sessions += 1
        sid = f"{os.getpid()}-{run_id}-{sessions}"
        engine.assert_fact({"t": _SENTINEL, "sid": sid, "_i": -1}, sentinel=True)
        return sid

    for subject, rows in jobs:
        frame = facts.frames[subject]
        sid = ""
        in_session = session_size
        for fact in _fact_rows(frame, subject, fields_of[subject], rows):
            if in_session >= session_size:
                if sid:
                    engine.delete(sid)
                sid = new_session()
                in_session = 0
            fact["sid"] = sid
            try:
                engine.assert_fact(fact)
            except _load_durable()[1].MessageObservedException:
                # a 32-bit hash collision with a fact already in this session: use a fresh one
                retried += 1
                engine.delete(sid)
                sid = new_session()
                in_session = 0
                fact["sid"] = sid
                engine.assert_fact(fact)
            asserted += 1
            in_session += 1
        if sid:
            engine.delete(sid)
    return engine.hits, asserted, sessions, retried


def _collect(ruleset: Ruleset, facts: Facts, hits: list[Match], populations: dict[str, np.ndarray],
             asserted: int, sessions: int, retried: int) -> Evaluation:
    found: dict[str, set[int]] = {r: set() for r in ruleset.rules}
    steps: dict[str, dict[int, set[int]]] = {r: {} for r in ruleset.rules}  # rule -> step -> rows
    for key, i in hits:
        if "@" in key:
            rule_id, rest = key.split("@", 1)
            steps[rule_id].setdefault(int(rest.split(":", 1)[0]), set()).add(i)
        else:
            found[key].add(i)
    findings: dict[str, np.ndarray] = {}
    severities: dict[str, dict[int, str]] = {}
    for rule in ruleset.rules.values():
        frame = facts.frames[rule.subject]
        population = populations[rule.id]
        matched = population & rule.finding.mask(frame)
        got = np.array(sorted(found[rule.id]), dtype=np.int64)
        _agree(rule.id, np.flatnonzero(matched), got)
        severity = dict.fromkeys(got.tolist(), rule.severity)
        # the first escalation (in declaration order) that holds decides the severity
        for n in reversed(range(len(rule.escalations))):
            level, cond = rule.escalations[n]
            rows = np.array(sorted(steps[rule.id].get(n, set())), dtype=np.int64)
            _agree(f"{rule.id} severity_when[{n}]", np.flatnonzero(matched & cond.mask(frame)), rows)
            for i in rows.tolist():
                severity[i] = level
        findings[rule.id] = got
        severities[rule.id] = severity
    return Evaluation(findings=findings, severities=severities, populations=populations,
                      facts_asserted=asserted, sessions=sessions, collisions_retried=retried)


def _agree(what: str, expected: np.ndarray, got: np.ndarray) -> None:
    """The engine's matches must equal the column check's, or no report is written."""
    if not np.array_equal(expected, got):
        lost = len(set(expected.tolist()) - set(got.tolist()))
        extra = len(set(got.tolist()) - set(expected.tolist()))
        raise EngineError(
            f"{what}: the rule engine and the column check disagree ({lost} lost, {extra} extra "
            f"of {len(expected)} matches); no report is written rather than a wrong one")
