"""`ReorderListItems`: the items of bullet or numbered lists in a text, or of a list field, in another order."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pytest_behavior.perturb.base import FieldPerturbation

_BULLET_ITEM = re.compile(r"([ \t]*)([-*•])([ \t]+)(.*)")
_NUMBERED_ITEM = re.compile(r"([ \t]*)(\d{1,3})([.)])([ \t]+)(.*)")


@dataclass(frozen=True)
class _Item:
    key: tuple[str, str, str]  # (indent, marker kind, delimiter): the items of one list share it
    prefix: str  # "- ", "  2. ": stays in place (numbers remain 1..n)
    body: str


@dataclass(frozen=True, kw_only=True)
class ReorderListItems(FieldPerturbation):
    """The items of each bullet ("- ", "* ", "• ") or numbered ("1. ", "2) ") list in a text in another order
    (numbers stay in place, so they still count 1..n; indented continuation lines move with their item),
    and the items of list or tuple fields of a dict. A list with two distinct items always changes."""

    kind: ClassVar[str] = "reorder"

    def _label(self) -> str:
        return "list order"

    def _accepts(self, value: Any) -> bool:
        return isinstance(value, (str, list, tuple))

    def _edit(self, value: Any, rng: random.Random) -> tuple[Any, list[tuple[str, str]]]:
        if isinstance(value, str):
            return _reorder_text(value, rng)
        items = list(value)
        new = [items[i] for i in _new_order(items, rng)]
        if new == items:
            return value, []
        result = tuple(new) if isinstance(value, tuple) else new
        return result, [(_json(items), _json(new))]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _new_order(units: Sequence[Any], rng: random.Random) -> list[int]:
    """A shuffled order of ``units``: different from the original whenever two of them differ."""
    order = list(range(len(units)))
    rng.shuffle(order)
    if all(units[o] == units[i] for i, o in enumerate(order)):
        order = order[1:] + order[:1]
    return order


def _list_item(line: str) -> _Item | None:
    bullet = _BULLET_ITEM.fullmatch(line)
    if bullet:
        indent, marker, gap, body = bullet.groups()
        return _Item((indent, "bullet", marker), indent + marker + gap, body)
    numbered = _NUMBERED_ITEM.fullmatch(line)
    if numbered:
        indent, number, delimiter, gap, body = numbered.groups()
        return _Item((indent, "numbered", delimiter), indent + number + delimiter + gap, body)
    return None


def _reorder_text(text: str, rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    parts = re.split(r"(\r\n|\r|\n)", text)
    lines, endings = parts[0::2], [*parts[1::2], ""]
    out: list[str] = []
    pairs: list[tuple[str, str]] = []
    start = 0
    while start < len(lines):
        block, end = _list_block(lines, start)
        new_lines = _reordered(block, rng) if len(block) >= 2 else lines[start:end]
        if new_lines != lines[start:end]:
            before = "".join(line + eol for line, eol in zip(lines[start:end], endings[start:end], strict=True))
            after = "".join(line + eol for line, eol in zip(new_lines, endings[start:end], strict=True))
            pairs.append((before.rstrip("\r\n"), after.rstrip("\r\n")))
        out += new_lines
        start = end
    return "".join(line + eol for line, eol in zip(out, endings, strict=True)), pairs


def _reordered(block: Sequence[tuple[_Item, list[str]]], rng: random.Random) -> list[str]:
    """The lines of a list with the items (and their continuation lines) moved; the prefixes stay."""
    units = [(item.body, tuple(more)) for item, more in block]
    order = _new_order(units, rng)
    moved = [(item.prefix, *units[o]) for (item, _), o in zip(block, order, strict=True)]
    return [line for prefix, body, more in moved for line in (prefix + body, *more)]


def _list_block(lines: Sequence[str], i: int) -> tuple[list[tuple[_Item, list[str]]], int]:
    """The list starting at line ``i`` (items with their continuation lines) and the line after it."""
    first = _list_item(lines[i])
    if first is None:
        return [], i + 1
    block: list[tuple[_Item, list[str]]] = [(first, [])]
    depth = len(first.key[0])
    i += 1
    while i < len(lines):
        line = lines[i]
        item = _list_item(line)
        if line.strip() and len(line) - len(line.lstrip(" \t")) > depth:
            block[-1][1].append(line)
        elif item is not None and item.key == first.key:
            block.append((item, []))
        else:
            break
        i += 1
    return block, i
