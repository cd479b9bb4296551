"""Rule conditions: a small, safe expression language over the field catalogue.

A condition is written the way a quality adviser would say it::

    active_cases > limit
    kind == 'ansvarsgruppe' and days_from_as_of <= params.invitation_lead_days
    not relatives_mapped

It is parsed with Python's own expression grammar (``ast``), but only these forms are
allowed: ``and``/``or``, ``not FIELD`` (yes/no fields), comparisons ``== != < <= > >=``
between a field and a number, text, yes/no, another field or ``params.NAME`` (with
``+``/``-``), ``FIELD is None`` / ``is not None`` and ``FIELD in [...]``. Nothing is
ever executed. A condition compiles two ways from one tree: to durable-rules JSON (the
engine that produces findings) and to a pandas mask (the population count, and a
guard that the engine lost no match). An empty field never satisfies a comparison.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ke_rules.derive.fields import FIELDS
from ke_rules.errors import RulesetError, did_you_mean

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["Condition", "compile_condition", "TRUE"]

_OPS = {ast.Eq: "$eq", ast.NotEq: "$neq", ast.Lt: "$lt", ast.LtE: "$lte", ast.Gt: "$gt", ast.GtE: "$gte"}
_FLIP = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE, ast.Eq: ast.Eq, ast.NotEq: ast.NotEq}
_SYMBOL = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}

TRUE = "true"


@dataclass(frozen=True)
class Condition:
    """A compiled condition: its text, the fields it reads, durable JSON and a pandas mask."""

    text: str
    fields: frozenset[str]
    durable: list[dict[str, Any]]  # terms to put under "$and" (empty = always true)
    mask: Callable[[pd.DataFrame], np.ndarray]


def compile_condition(
    text: str | bool, subject: str, params: dict[str, Any], *, where: str = "",
    file: str | None = None, line: int | None = None,
) -> Condition:
    """Compile ``text`` for ``subject``; a mistake raises :class:`RulesetError` with a suggestion."""
    if text is True or (isinstance(text, str) and text.strip().lower() in ("", TRUE)):
        return Condition(TRUE, frozenset(), [], _all_true)
    if not isinstance(text, str):
        raise RulesetError(f"{where}: expected a condition as text, got {text!r}", file=file, line=line)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise RulesetError(
            f"{where}: the condition '{text}' cannot be read (column {exc.offset}): {exc.msg}",
            file=file, line=line,
        ) from None
    c = _Compiler(subject, params, text, where, file, line)
    durable = c.durable(tree.body)
    node = tree.body

    def mask(df: pd.DataFrame) -> np.ndarray:
        import numpy as np

        return np.asarray(c.mask(node, df), dtype=bool)

    terms = durable["$and"] if set(durable) == {"$and"} else [durable]
    return Condition(text.strip(), frozenset(c.used), terms, mask)


class _Compiler:
    def __init__(self, subject: str, params: dict[str, Any], text: str, where: str,
                 file: str | None, line: int | None):
        self.subject = subject
        self.fields = FIELDS[subject]
        self.params = params
        self.text = text
        self.where = where
        self.file = file
        self.line = line
        self.used: set[str] = set()

    def fail(self, msg: str) -> RulesetError:
        return RulesetError(f"{self.where}: {msg} (in '{self.text}')", file=self.file, line=self.line)

    # -- names and values

    def field(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            if node.id not in self.fields:
                raise self.fail(
                    f"'{node.id}' is not a field of subject '{self.subject}'."
                    + did_you_mean(node.id, self.fields)
                    + " The fields are listed in the field catalogue (docs/fields.md)."
                )
            if self.fields[node.id].type == "list":
                raise self.fail(f"'{node.id}' is a list (evidence only); compare its count field instead.")
            self.used.add(node.id)
            return node.id
        return None

    def value(self, node: ast.AST) -> Any:
        """A constant or params.NAME (substituted now: parameters are fixed per ruleset)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            v = self.value(node.operand)
            if isinstance(v, int | float) and not isinstance(v, bool):
                return -v
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "params":
            if node.attr not in self.params:
                raise self.fail(f"unknown parameter 'params.{node.attr}'." + did_you_mean(node.attr, self.params))
            v = self.params[node.attr]
            if not isinstance(v, int | float | str | bool):
                raise self.fail(f"parameter '{node.attr}' is a list; it cannot be compared")
            return v
        if isinstance(node, ast.List | ast.Tuple):
            return [self.value(e) for e in node.elts]
        raise self.fail(f"expected a field, a number, a text or params.NAME, found '{ast.unparse(node)}'")

    def operand(self, node: ast.AST) -> tuple[str, Any]:
        """('field', name) | ('const', value) | ('expr', (op, left, right))."""
        f = self.field(node) if isinstance(node, ast.Name) else None
        if f is not None:
            return ("field", f)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            left, right = self.operand(node.left), self.operand(node.right)
            if left[0] == right[0] == "const":
                # folded here: durable-rules matches nothing for arithmetic on two constants
                # (``params.max_cases_per_coordinator - 3``), measured in tests/test_conditions.py
                a, b = left[1], right[1]
                if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b)):
                    raise self.fail(f"'+' and '-' need numbers: '{ast.unparse(node)}'")
                return ("const", a + b if isinstance(node.op, ast.Add) else a - b)
            return ("expr", ("$add" if isinstance(node.op, ast.Add) else "$sub", left, right))
        return ("const", self.value(node))

    # -- durable JSON

    def durable_operand(self, op: tuple[str, Any]) -> Any:
        kind, v = op
        if kind == "field":
            return {"$m": v}
        if kind == "const":
            return v
        name, left, right = v
        return {name: {"$l": self.durable_operand(left), "$r": self.durable_operand(right)}}

    def durable(self, node: ast.AST) -> dict[str, Any]:
        if isinstance(node, ast.BoolOp):
            key = "$and" if isinstance(node.op, ast.And) else "$or"
            return {key: [self.durable(v) for v in node.values]}
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            f = self.field(node.operand)
            if f is None or self.fields[f].type != "bool":
                raise self.fail("'not' goes only before a yes/no field; write the opposite comparison instead")
            return {f: False}
        if isinstance(node, ast.Name):
            f = self.field(node)
            assert f is not None
            if self.fields[f].type != "bool":
                raise self.fail(f"'{f}' is not a yes/no field; compare it, e.g. '{f} > 0'")
            return {f: True}
        if isinstance(node, ast.Compare):
            parts = []
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                parts.append(self.durable_compare(left, op, right))
                left = right
            return parts[0] if len(parts) == 1 else {"$and": parts}
        raise self.fail(f"'{ast.unparse(node)}' is not a condition")

    def durable_compare(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> dict[str, Any]:
        if isinstance(op, ast.Is | ast.IsNot):
            f = self.field(left)
            if f is None or not (isinstance(right, ast.Constant) and right.value is None):
                raise self.fail("'is' is only for 'FIELD is None' or 'FIELD is not None'")
            return {"$nex" if isinstance(op, ast.Is) else "$ex": {f: 1}}
        if isinstance(op, ast.In | ast.NotIn):
            f = self.field(left)
            values = self.value(right)
            if f is None or not isinstance(values, list):
                raise self.fail("'in' is only for 'FIELD in [value, ...]'")
            if isinstance(op, ast.In):
                return {"$or": [{f: v} for v in values]} if values else {"$and": [{f: 1}, {f: 2}]}
            return {"$and": [{"$ex": {f: 1}}] + [{"$neq": {f: v}} for v in values]}
        if type(op) not in _OPS:
            raise self.fail(f"unsupported comparison '{ast.unparse(op) if hasattr(ast, 'unparse') else op}'")
        lf = self.field(left) if isinstance(left, ast.Name) else None
        if lf is None:
            rf = self.field(right) if isinstance(right, ast.Name) else None
            if rf is None:
                raise self.fail("a comparison needs a field on one side: "
                                f"'{ast.unparse(left)} {_SYMBOL[type(op)]} {ast.unparse(right)}'")
            lf, op, right = rf, _FLIP[type(op)](), left
        rhs = self.operand(right)
        self._check_types(lf, rhs)
        value = self.durable_operand(rhs)
        if isinstance(op, ast.Eq):
            return {lf: value}
        if isinstance(op, ast.NotEq):
            # durable's $neq matches a missing field; an empty field never satisfies a comparison
            return {"$and": [{"$ex": {lf: 1}}, {"$neq": {lf: value}}]}
        return {_OPS[type(op)]: {lf: value}}

    def _check_types(self, f: str, rhs: tuple[str, Any]) -> None:
        ftype = self.fields[f].type
        kind, v = rhs
        if kind == "const":
            if ftype == "int" and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise self.fail(f"'{f}' is a number; it cannot be compared with {v!r}")
            if ftype == "str" and not isinstance(v, str):
                raise self.fail(f"'{f}' is text; compare it with a quoted text")
            if ftype == "bool" and not isinstance(v, bool):
                raise self.fail(f"'{f}' is yes/no; compare it with True or False")
        if ftype == "date":
            raise self.fail(f"'{f}' is a date (evidence only); use the matching *_days field")

    # -- pandas mask (same semantics: empty never satisfies a comparison)

    def mask(self, node: ast.AST, df: pd.DataFrame) -> Any:
        if isinstance(node, ast.BoolOp):
            parts = [self.mask(v, df) for v in node.values]
            out = parts[0]
            for p in parts[1:]:
                out = (out & p) if isinstance(node.op, ast.And) else (out | p)
            return out
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return _fill(df[node.operand.id] == False)  # noqa: E712 (a column, not a bool)
        if isinstance(node, ast.Name):
            return _fill(df[node.id] == True)  # noqa: E712
        if isinstance(node, ast.Compare):
            out = None
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                part = self.mask_compare(left, op, right, df)
                out = part if out is None else (out & part)
                left = right
            return out
        raise self.fail(f"'{ast.unparse(node)}' is not a condition")

    def mask_value(self, node: ast.AST, df: pd.DataFrame) -> Any:
        kind, v = self.operand(node)
        return self._mask_operand((kind, v), df)

    def _mask_operand(self, op: tuple[str, Any], df: pd.DataFrame) -> Any:
        kind, v = op
        if kind == "field":
            return df[v]
        if kind == "const":
            return v
        name, left, right = v
        lv, rv = self._mask_operand(left, df), self._mask_operand(right, df)
        return lv + rv if name == "$add" else lv - rv

    def mask_compare(self, left: ast.AST, op: ast.cmpop, right: ast.AST, df: pd.DataFrame) -> Any:
        import numpy as np  # conditions compile without numpy and pandas; masks need them
        import pandas as pd

        if isinstance(op, ast.Is | ast.IsNot):
            col = df[left.id]  # type: ignore[attr-defined]
            return col.isna().to_numpy() if isinstance(op, ast.Is) else col.notna().to_numpy()
        if isinstance(op, ast.In | ast.NotIn):
            col = df[left.id]  # type: ignore[attr-defined]
            values = self.value(right)
            hit = _fill(col.isin(values))
            return hit if isinstance(op, ast.In) else (~hit & col.notna().to_numpy())
        lv = self.mask_value(left, df)
        rv = self.mask_value(right, df)
        symbol = _SYMBOL[type(op)]
        result = {"==": lambda: lv == rv, "!=": lambda: lv != rv, "<": lambda: lv < rv,
                  "<=": lambda: lv <= rv, ">": lambda: lv > rv, ">=": lambda: lv >= rv}[symbol]()
        present = np.ones(len(df), dtype=bool)
        for side in (lv, rv):
            if isinstance(side, pd.Series):
                present &= side.notna().to_numpy()
        return _fill(result) & present


def _all_true(df: pd.DataFrame) -> np.ndarray:
    import numpy as np

    return np.ones(len(df), dtype=bool)


def _fill(result: Any) -> np.ndarray:
    import numpy as np
    import pandas as pd

    if isinstance(result, pd.Series):
        return result.fillna(False).to_numpy(dtype=bool)
    return np.asarray(result, dtype=bool)
