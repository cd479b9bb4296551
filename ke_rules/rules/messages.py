"""Finding messages: sandboxed Jinja2 templates, with a fast path for plain substitution.

Most messages are text with ``{{ field }}`` and ``{{ params.name }}`` holes. Building a
Jinja context costs far more than filling such holes, and a national run renders
hundreds of thousands of messages, so a template whose parse tree holds nothing but
text and those two kinds of hole is rendered by joining its parts; the output is the
same as Jinja's (``str()`` of each value, the same text between). Anything else (an
``{% elif %}``, a filter, an expression) goes through the sandboxed Jinja template.

:meth:`Message.render_rows` renders a whole column of contexts at once (a report
renders every finding of a rule with one template): each hole's values are turned into
text column by column and the texts are joined row by row, which gives what
:meth:`Message.render` gives for each row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import Any

from jinja2 import Environment, nodes

__all__ = ["Message", "compile_message"]

Part = str | Callable[[Mapping[str, Any]], Any]  # literal text, or a hole filled from the context


class Message:
    """A compiled message template: ``render(context)`` returns the text.

    ``template`` is the sandboxed Jinja template. A fast message (plain substitution) never
    needs it, so it is compiled only when asked for: Jinja's compile is most of the cost of
    loading a ruleset, two languages times every rule, on every run.
    """

    def __init__(self, source: str, template: Any, parts: list[Part] | None, plan: list[Step] | None = None,
                 env: Environment | None = None) -> None:
        self.source = source
        self._template = template
        self._env = env
        self.parts = parts
        self.plan = plan if parts is not None else None
        self.fast = parts is not None

    @property
    def template(self) -> Any:
        if self._template is None and self._env is not None:
            self._template = self._env.from_string(self.source)
        return self._template

    def render(self, context: Mapping[str, Any]) -> str:
        if self.parts is None:
            return str(self.template.render(context))
        return _join(self.parts, context)

    def render_rows(self, columns: Mapping[str, Sequence[Any]], constants: Mapping[str, Any], n: int) -> list[str]:
        """``render(context)`` for each row ``j < n``, the context being ``constants`` and every column's ``[j]``.

        A name in both takes the column's value. Every column must have ``n`` values.
        """
        if n == 0:
            return []
        if self.plan is None or "params" in columns:
            return [self.render({**constants, **{k: c[j] for k, c in columns.items()}}) for j in range(n)]
        return _plan_texts(self.plan, columns, constants, n)


# A fast template's plan: what ``parts`` does, as data a whole column can be rendered from.
Step = (tuple[str, str]  # ("text", literal) | ("field", name) | ("param", name)
        | tuple[str, str, bool, list[Any], list[Any]])  # ("if", name, negated, then-plan, else-plan)


def _plan_texts(plan: list[Step], columns: Mapping[str, Sequence[Any]], constants: Mapping[str, Any],
                n: int) -> list[str]:
    """The rows' texts of ``plan``: every hole's column as text once, then one join per row."""
    segments: list[str | list[str]] = []  # literal text, or one text per row
    for step in plan:
        kind = step[0]
        if kind == "text":
            segments.append(step[1])
        elif kind == "field":
            name = step[1]
            if name in columns:
                segments.append([str(v) for v in columns[name]])
            else:
                segments.append(str(constants[name]))
        elif kind == "param":
            segments.append(str(constants["params"][step[1]]))
        else:
            _, name, negated, then, otherwise = step  # type: ignore[misc]
            if name not in columns:
                chosen = then if bool(constants[name]) is not negated else otherwise
                segments.append(_plan_texts(chosen, columns, constants, n))
                continue
            truth = [bool(v) is not negated for v in columns[name]]
            texts: list[str] = [""] * n
            for branch, want in ((then, True), (otherwise, False)):
                rows = [j for j in range(n) if truth[j] is want]
                if not rows:
                    continue
                picked = {k: [c[j] for j in rows] for k, c in columns.items()}
                for j, text in zip(rows, _plan_texts(branch, picked, constants, len(rows)), strict=True):
                    texts[j] = text
            segments.append(texts)
    merged: list[str | list[str]] = []
    for seg in segments:  # adjacent literals become one
        if seg.__class__ is str and merged and merged[-1].__class__ is str:
            merged[-1] = merged[-1] + seg  # type: ignore[operator]
        else:
            merged.append(seg)
    columns_only = [seg for seg in merged if seg.__class__ is not str]
    if not columns_only:
        return ["".join(merged)] * n  # type: ignore[arg-type]
    if len(merged) == 1:
        return merged[0]  # type: ignore[return-value]
    return ["".join(row) for row in zip(*[repeat(s, n) if s.__class__ is str else s for s in merged], strict=True)]


def _field(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda ctx: ctx[name]


def _param(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda ctx: ctx["params"][name]


def _join(parts: list[Part], ctx: Mapping[str, Any]) -> str:
    return "".join([p if p.__class__ is str else str(p(ctx)) for p in parts])


def _parts(plan: list[Step]) -> list[Part]:
    """The plan as parts: literal text, or a hole that takes its value from the context."""
    parts: list[Part] = []
    for step in plan:
        kind = step[0]
        if kind == "text":
            parts.append(step[1])
        elif kind == "field":
            parts.append(_field(step[1]))
        elif kind == "param":
            parts.append(_param(step[1]))
        else:
            _, name, negated, then, otherwise = step  # type: ignore[misc]
            parts.append(_branch(_test(name, negated), _parts(then), _parts(otherwise)))
    return parts


def _test(name: str, negated: bool) -> Callable[[Mapping[str, Any]], bool]:
    if negated:
        return lambda ctx: not ctx[name]
    return lambda ctx: bool(ctx[name])


def _branch(test: Callable[[Mapping[str, Any]], bool], then: list[Part],
            otherwise: list[Part]) -> Callable[[Mapping[str, Any]], str]:
    return lambda ctx: _join(then if test(ctx) else otherwise, ctx)


def _if_test(node: nodes.Node) -> tuple[str, bool] | None:
    """``(name, negated)`` for ``{% if name %}`` and ``{% if not name %}``; else None."""
    if isinstance(node, nodes.Name):
        return node.name, False
    if isinstance(node, nodes.Not) and isinstance(node.node, nodes.Name):
        return node.node.name, True
    return None


def _plain_plan(body: list[nodes.Node]) -> list[Step] | None:
    """The plan of text, ``{{ field }}``, ``{{ params.x }}`` and ``{% if [not] field %}…{% else %}…``; else None."""
    plan: list[Step] = []
    for stmt in body:
        if isinstance(stmt, nodes.If):
            test = _if_test(stmt.test)
            then = _plain_plan(stmt.body)
            otherwise = _plain_plan(stmt.else_)
            if test is None or then is None or otherwise is None or stmt.elif_:
                return None
            plan.append(("if", test[0], test[1], then, otherwise))
            continue
        if not isinstance(stmt, nodes.Output):
            return None
        for node in stmt.nodes:
            if isinstance(node, nodes.TemplateData):
                plan.append(("text", node.data))
            elif isinstance(node, nodes.Name) and node.ctx == "load":
                plan.append(("field", node.name))
            elif (isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name)
                  and node.node.name == "params" and not hasattr({}, node.attr)):
                plan.append(("param", node.attr))
            else:
                return None
    return plan


def _plain_parts(body: list[nodes.Node]) -> list[Part] | None:
    """Parts for text, ``{{ field }}``, ``{{ params.x }}`` and ``{% if [not] field %}…{% else %}…``; else None."""
    plan = _plain_plan(body)
    return None if plan is None else _parts(plan)


def compile_message(env: Environment, source: str, parsed: nodes.Template | None = None) -> Message:
    """Compile ``source`` with ``env`` (the sandbox), keeping a fast path when it is plain substitution.

    ``parsed``: ``env.parse(source)`` when the caller has it already. A message that is not
    plain substitution is compiled by Jinja at once; a plain one only if its template is asked for.
    """
    plan = _plain_plan((parsed if parsed is not None else env.parse(source)).body)
    if plan is None:
        return Message(source, env.from_string(source), None, None)
    return Message(source, None, _parts(plan), plan, env=env)
