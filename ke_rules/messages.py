"""Finding messages: sandboxed Jinja2 templates, with a fast path for plain substitution.

Most messages are text with ``{{ field }}`` and ``{{ params.name }}`` holes. Building a
Jinja context costs far more than filling such holes, and a national run renders
hundreds of thousands of messages, so a template whose parse tree holds nothing but
text and those two kinds of hole is rendered by joining its parts; the output is the
same as Jinja's (``str()`` of each value, the same text between). Anything else (an
``{% if %}``, a filter, an expression) goes through the sandboxed Jinja template.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Environment, nodes

__all__ = ["Message", "compile_message"]

Part = str | Callable[[Mapping[str, Any]], Any]  # literal text, or a hole filled from the context


class Message:
    """A compiled message template: ``render(context)`` returns the text."""

    def __init__(self, source: str, template: Any, parts: list[Part] | None) -> None:
        self.source = source
        self.template = template
        self.parts = parts
        self.fast = parts is not None

    def render(self, context: Mapping[str, Any]) -> str:
        if self.parts is None:
            return str(self.template.render(context))
        return _join(self.parts, context)


def _field(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda ctx: ctx[name]


def _param(name: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda ctx: ctx["params"][name]


def _join(parts: list[Part], ctx: Mapping[str, Any]) -> str:
    return "".join([p if p.__class__ is str else str(p(ctx)) for p in parts])


def _test(node: nodes.Node) -> Callable[[Mapping[str, Any]], bool] | None:
    if isinstance(node, nodes.Name):
        name = node.name
        return lambda ctx: bool(ctx[name])
    if isinstance(node, nodes.Not) and isinstance(node.node, nodes.Name):
        name = node.node.name
        return lambda ctx: not ctx[name]
    return None


def _branch(test: Callable[[Mapping[str, Any]], bool], then: list[Part],
            otherwise: list[Part]) -> Callable[[Mapping[str, Any]], str]:
    return lambda ctx: _join(then if test(ctx) else otherwise, ctx)


def _plain_parts(body: list[nodes.Node]) -> list[Part] | None:
    """Parts for text, ``{{ field }}``, ``{{ params.x }}`` and ``{% if [not] field %}…{% else %}…``; else None."""
    parts: list[Part] = []
    for stmt in body:
        if isinstance(stmt, nodes.If):
            test = _test(stmt.test)
            then = _plain_parts(stmt.body)
            otherwise = _plain_parts(stmt.else_)
            if test is None or then is None or otherwise is None or stmt.elif_:
                return None
            parts.append(_branch(test, then, otherwise))
            continue
        if not isinstance(stmt, nodes.Output):
            return None
        for node in stmt.nodes:
            if isinstance(node, nodes.TemplateData):
                parts.append(node.data)
            elif isinstance(node, nodes.Name) and node.ctx == "load":
                parts.append(_field(node.name))
            elif (isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name)
                  and node.node.name == "params" and not hasattr({}, node.attr)):
                parts.append(_param(node.attr))
            else:
                return None
    return parts


def compile_message(env: Environment, source: str) -> Message:
    """Compile ``source`` with ``env`` (the sandbox), keeping a fast path when it is plain substitution."""
    template = env.from_string(source)
    return Message(source, template, _plain_parts(env.parse(source).body))
