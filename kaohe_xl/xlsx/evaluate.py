"""Excel's answer to the few formulas kaohe writes into its forms, computed in Decimal.

A stamped copy of a form (:mod:`kaohe_xl.xlsx.stamp`) carries the results of its total
formulas for the readers that do not recalculate (previews, python-calamine, pandas).
Those results depend on the cells filled per copy, so they are worked out here from the
formula text and the copy's cell values, the way Excel works them out:

- ``SUM``/``MAX``/``MIN`` over cells and ranges count numbers only (text and blanks are
  skipped; ``MAX``/``MIN`` of no number is 0); a literal argument counts as it is;
- a blank cell is 0 in arithmetic and ``""`` in a comparison; text compares with text
  ignoring case; text in arithmetic is Excel's ``#VALUE!``;
- ``IF``, ``OR``, ``AND``, ``+ - * /``, comparisons, numbers, ``"text"``, parentheses.

Anything else raises :class:`FormulaError`: the caller then builds the form directly.
This is for display only — kaohe never reads its own formulas back (totals are always
recomputed from the input cells).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from decimal import Decimal

from kaohe_xl.xlsx.ooxml import cell_name, parse_cell_name

Result = Decimal | str | bool
_TOKENS = re.compile(
    r'\s*(?:(?P<num>[0-9]+(?:\.[0-9]+)?)|(?P<str>"(?:[^"]|"")*")|(?P<ref>\$?[A-Z]{1,3}\$?[0-9]{1,7})'
    r"|(?P<name>[A-Z]+)(?=\()|(?P<op>>=|<=|<>|[-+*/(),:=<>]))"
)


class FormulaError(ValueError):
    """A formula outside what :func:`evaluate` understands, or an Excel error value."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out, at = [], 0
    while at < len(text):
        match = _TOKENS.match(text, at)
        if match is None or match.end() == at:
            if text[at:].strip() == "":
                break
            raise FormulaError(f"cannot read {text[at:]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        at = match.end()
    return out


Cells = Callable[[str], object]  # a cell reference ("G7") → its value (None: blank)
_Node = Callable[[Cells], object]  # a parsed (sub)formula: its value over the cells


class _Parser:
    """Parses a formula once into nested closures; each copy then only evaluates them
    (every argument is evaluated, as before: ``IF`` does not skip the branch not taken)."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text.removeprefix("="))
        self.at = 0

    def peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise FormulaError("unexpected end")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise FormulaError(f"expected {expected!r}, got {token[1]!r}")
        self.at += 1
        return token

    def formula(self) -> Callable[[Cells], Result]:
        node = self.comparison()
        if self.at != len(self.tokens):
            raise FormulaError(f"unexpected {self.peek()!r}")
        return lambda cell: _scalar(node(cell))

    def comparison(self) -> _Node:
        left = self.additive()
        if self.peek() in ("=", "<>", ">=", "<=", ">", "<"):
            op = self.take()[1]
            right = self.additive()
            return lambda cell: _compare(_scalar(left(cell)), op, _scalar(right(cell)))
        return left

    def additive(self) -> _Node:
        node = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            node = _arithmetic(node, op, self.term())
        return node

    def term(self) -> _Node:
        node = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            node = _arithmetic(node, op, self.unary())
        return node

    def unary(self) -> _Node:
        if self.peek() == "-":
            self.take()
            inner = self.unary()
            return lambda cell: -_number(inner(cell))
        if self.peek() == "+":
            self.take()
        return self.primary()

    def primary(self) -> _Node:
        kind, text = self.take()
        if kind == "num":
            number = Decimal(text)
            return lambda cell: number
        if kind == "str":
            string = text[1:-1].replace('""', '"')
            return lambda cell: string
        if kind == "ref":
            if self.peek() == ":":
                self.take()
                names = _range_names(text, self.take()[1])
                return lambda cell: _Range([cell(name) for name in names])
            name = text.replace("$", "")
            return lambda cell: _Ref(cell(name))
        if kind == "name":
            return self.function(text)
        if text == "(":
            node = self.comparison()
            self.take(")")
            return node
        raise FormulaError(f"unexpected {text!r}")

    def function(self, name: str) -> _Node:
        self.take("(")
        args: list[_Node] = []
        if self.peek() != ")":
            args.append(self.comparison())
            while self.peek() == ",":
                self.take()
                args.append(self.comparison())
        self.take(")")
        if name in _AGGREGATES:
            aggregate = _AGGREGATES[name]
            return lambda cell: aggregate([n for arg in args for n in _numbers(arg(cell))])
        if name == "IF" and len(args) in (2, 3):
            return lambda cell: _if([arg(cell) for arg in args])
        if name in ("OR", "AND"):
            join = any if name == "OR" else all
            return lambda cell: join([_truth(arg(cell)) for arg in args])
        raise FormulaError(f"function {name} is not evaluated here")


def _arithmetic(left: _Node, op: str, right: _Node) -> _Node:
    def apply(cell: Cells) -> Decimal:
        value = left(cell)
        other = _number(right(cell))
        if op == "+":
            return _number(value) + other
        if op == "-":
            return _number(value) - other
        if op == "/" and other == 0:
            raise FormulaError("#DIV/0!")
        return _number(value) * other if op == "*" else _number(value) / other

    return apply


def _if(args: list[object]) -> Result:
    chosen = args[1] if _truth(args[0]) else (args[2] if len(args) == 3 else False)
    return _scalar(chosen)


class _Ref:
    def __init__(self, value: object) -> None:
        self.value = value


class _Range:
    def __init__(self, values: list[object]) -> None:
        self.values = values


def _range_names(first: str, last: str) -> list[str]:
    start, end = parse_cell_name(first), parse_cell_name(last)
    if start is None or end is None:
        raise FormulaError(f"not a range: {first}:{last}")
    (r1, c1), (r2, c2) = start, end
    return [cell_name(r, c) for r in range(min(r1, r2), max(r1, r2) + 1) for c in range(min(c1, c2), max(c1, c2) + 1)]


def _is_number(value: object) -> bool:
    return isinstance(value, Decimal | int | float) and not isinstance(value, bool)


def _numbers(arg: object) -> list[Decimal]:
    """What an aggregate counts of one argument: numbers in cells, any literal number."""
    if isinstance(arg, _Range):
        return [Decimal(str(v)) for v in arg.values if _is_number(v)]
    if isinstance(arg, _Ref):
        return [Decimal(str(arg.value))] if _is_number(arg.value) else []
    return [_number(arg)]


def _scalar(value: object) -> Result:
    if isinstance(value, _Range):
        raise FormulaError("a range where one value is needed")
    if isinstance(value, _Ref):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, bool | str | Decimal):
        return value
    if _is_number(value):
        return Decimal(str(value))
    raise FormulaError(f"cannot use {value!r}")


def _number(value: object) -> Decimal:
    scalar = _scalar(value)
    if scalar == "" and isinstance(value, _Ref):  # a blank cell
        return Decimal(0)
    if isinstance(scalar, bool):
        return Decimal(int(scalar))
    if isinstance(scalar, str):
        raise FormulaError("#VALUE!")
    return scalar


def _truth(value: object) -> bool:
    scalar = _scalar(value)
    if isinstance(scalar, str):
        if scalar == "":
            return False
        raise FormulaError("#VALUE!")
    return bool(scalar)


def _compare(left: Result, op: str, right: Result) -> bool:
    if isinstance(left, str) != isinstance(right, str):
        if left == "" or right == "":  # a blank against a number compares as 0
            left = Decimal(0) if left == "" else left
            right = Decimal(0) if right == "" else right
        else:
            return op == "<>"
    if isinstance(left, str) and isinstance(right, str):
        left, right = left.casefold(), right.casefold()
    checks: dict[str, Callable[[object, object], bool]] = {
        "=": lambda a, b: a == b,
        "<>": lambda a, b: a != b,
        ">=": lambda a, b: a >= b,  # type: ignore[operator]
        "<=": lambda a, b: a <= b,  # type: ignore[operator]
        ">": lambda a, b: a > b,  # type: ignore[operator]
        "<": lambda a, b: a < b,  # type: ignore[operator]
    }
    return checks[op](left, right)


_AGGREGATES: dict[str, Callable[[list[Decimal]], Decimal]] = {
    "SUM": lambda ns: sum(ns, Decimal(0)),
    "MAX": lambda ns: max(ns, default=Decimal(0)),
    "MIN": lambda ns: min(ns, default=Decimal(0)),
}


def evaluate(formula: str, cells: Mapping[str, object]) -> Result:
    """The result of ``formula`` (with or without its ``=``) over ``cells`` ({"G7": value};
    a cell not given is blank). :class:`FormulaError` when outside the supported set."""
    return _compiled(formula)(cells.get)


@functools.lru_cache(maxsize=4096)
def _compiled(formula: str) -> Callable[[Cells], Result]:
    """``formula`` parsed once (a stamped run evaluates each total once per unit)."""
    return _Parser(formula).formula()
