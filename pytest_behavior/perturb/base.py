"""What every perturbation shares: the result types, the base classes, and their combinations.

`Perturbation` makes the twin of an input; `FieldPerturbation` is the base of the families that edit a string
or the text fields of a dict (each family module defines one edit). `Compose` (``p1 + p2``) and `OneOf` combine
perturbations; they live here because ``+`` on any perturbation makes a `Compose`.
"""

from __future__ import annotations

import dataclasses
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pytest_behavior.spec.inputs import InputValue

_SHORT = 40

Edit = Callable[[Any, bool], tuple[Any, list[tuple[str, str]]]]
"""An edit of one value: (new value, [(before, after), ...]); the bool says whether the value is a whole dict field."""


@dataclass(frozen=True)
class Change:
    """One edit a perturbation made: ``before`` became ``after`` (in dict field ``field``, if any)."""

    kind: str
    before: str
    after: str
    field: str | None = None

    def __str__(self) -> str:
        before, after = _shorten_pair(self.before, self.after)
        where = self.kind if self.field in (None, self.kind) else f"{self.field}.{self.kind}"
        return f"{where}: {before!r} -> {after!r}"


def _shorten_pair(before: str, after: str, width: int = _SHORT) -> tuple[str, str]:
    """Both strings cut to about ``width`` characters around where they start to differ."""
    if len(before) <= width and len(after) <= width:
        return before, after
    same = 0
    while same < min(len(before), len(after)) and before[same] == after[same]:
        same += 1
    start = max(0, same - width // 4)
    return _window(before, start, width), _window(after, start, width)


def _window(text: str, start: int, width: int) -> str:
    cut = text[start : start + width]
    return ("…" if start > 0 else "") + cut + ("…" if start + width < len(text) else "")


@dataclass(frozen=True)
class Perturbed:
    """An input and its twin: ``value`` has the same type as ``original`` (a new dict for a dict)."""

    original: InputValue
    value: InputValue
    changes: tuple[Change, ...] = ()

    @property
    def changed(self) -> bool:
        return self.value != self.original

    @property
    def kinds(self) -> tuple[str, ...]:
        """The distinct kinds of change, in order of first appearance."""
        return tuple(dict.fromkeys(change.kind for change in self.changes))

    def describe(self) -> str:
        return "; ".join(str(change) for change in self.changes) or "no change"


# --------------------------------------------------------------------------------------------------
# the base classes
# --------------------------------------------------------------------------------------------------


class Perturbation(ABC):
    """Makes the twin of an input. Concrete perturbations are frozen dataclasses with keyword options."""

    kind: ClassVar[str]

    @abstractmethod
    def apply(self, value: InputValue, rng: random.Random) -> Perturbed:
        """The twin of ``value``; deterministic given the state of ``rng``. Never mutates ``value``."""

    @abstractmethod
    def label(self) -> str:
        """A short human name that groups results ("name swap (to nigerian)", "typos")."""

    def describe(self) -> dict[str, Any]:
        """JSON-able ``{"perturbation": kind, **options}``; `perturbation_from_description` inverts it."""
        options = [f for f in dataclasses.fields(self) if f.name != "fields"]  # type: ignore[arg-type]
        options += [f for f in dataclasses.fields(self) if f.name == "fields"]  # type: ignore[arg-type]
        return {"perturbation": self.kind, **{f.name: _to_json(getattr(self, f.name)) for f in options}}

    def __add__(self, other: Perturbation) -> Compose:
        if not isinstance(other, Perturbation):
            return NotImplemented
        return Compose(_parts_of(self) + _parts_of(other))


def _parts_of(perturbation: Perturbation) -> tuple[Perturbation, ...]:
    return perturbation.parts if isinstance(perturbation, Compose) else (perturbation,)


def _to_json(value: Any) -> Any:
    if isinstance(value, Perturbation):
        return value.describe()
    if isinstance(value, (tuple, list)):
        return [_to_json(item) for item in value]
    return value


@dataclass(frozen=True, kw_only=True)
class FieldPerturbation(Perturbation):
    """Edits a string, or the fields of a dict named by ``fields`` (None: every field it can edit)."""

    fields: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", _normalise_fields(self.fields, type(self).__name__))
        self._validate()

    def _validate(self) -> None:
        """Check the options; a wrong one is a `ValueError`."""

    def apply(self, value: InputValue, rng: random.Random) -> Perturbed:
        if isinstance(value, str):
            new, pairs = self._start(rng, [value])(value, False)
            return make_perturbed(value, new, [Change(self.kind, b, a) for b, a in _pairs(value, new, pairs)])
        if not isinstance(value, Mapping):
            raise TypeError(f"{type(self).__name__}.apply needs a str or a mapping, got {type(value).__name__}")
        keys = [k for k, v in value.items() if (self.fields is None or k in self.fields) and self._accepts(v)]
        edit = self._start(rng, [value[k] for k in keys])
        out, changes = dict(value), []
        for key in keys:
            new, pairs = edit(value[key], True)
            out[key] = new
            changes += [Change(self.kind, b, a, str(key)) for b, a in _pairs(value[key], new, pairs)]
        return make_perturbed(value, out, changes)

    def label(self) -> str:
        where = f" in {', '.join(self.fields)}" if self.fields else ""
        return self._label() + where

    def _label(self) -> str:
        return self.kind

    def _accepts(self, value: Any) -> bool:
        return isinstance(value, str)

    def _start(self, rng: random.Random, values: Sequence[Any]) -> Edit:
        """The edit for the values of one input (``values``: all it will be given, for a look ahead)."""
        return lambda value, whole_field: self._edit(value, rng)

    def _edit(self, value: Any, rng: random.Random) -> tuple[Any, list[tuple[str, str]]]:
        raise NotImplementedError


def _normalise_fields(fields: Any, owner: str) -> tuple[str, ...] | None:
    if fields is None:
        return None
    names: tuple[Any, ...] = (fields,) if isinstance(fields, str) else tuple(fields)
    if not names or not all(isinstance(f, str) for f in names):
        raise ValueError(f"{owner}(fields=...) must be None (every text field) or field names, got {fields!r}")
    return tuple(str(f) for f in names)


def _pairs(before: Any, after: Any, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if before == after:
        return []
    return list(dict.fromkeys(pairs)) or [(str(before), str(after))]


def make_perturbed(original: InputValue, value: InputValue, changes: list[Change]) -> Perturbed:
    """The `Perturbed` for a twin: no changes listed when the twin equals the original."""
    if value == original:
        return Perturbed(original, original, ())
    return Perturbed(original, value, tuple(changes))


def whole_change(before: str, after: str) -> tuple[str, list[tuple[str, str]]]:
    """An edit's result when the change is reported as the whole text before and after."""
    return after, ([(before, after)] if after != before else [])


def match_case(source: str, replacement: str) -> str:
    """``replacement`` in the case style of ``source``: "HE" -> "SHE", "He" -> "She", "Parking Lot" -> "Car Park"."""
    if sum(c.isalpha() for c in source) > 1 and source.isupper():
        return replacement.upper()
    if not source[:1].isupper():
        return replacement
    words = source.split()
    if len(words) > 1 and all(w[:1].isupper() for w in words):
        return " ".join(w[:1].upper() + w[1:] for w in replacement.split(" "))
    return replacement[:1].upper() + replacement[1:]


# --------------------------------------------------------------------------------------------------
# combinations
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compose(Perturbation):
    """Applies its parts in order (``p1 + p2 + p3``); the changes of all parts, in order."""

    kind: ClassVar[str] = "compose"
    parts: tuple[Perturbation, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", _check_parts(self.parts, "Compose", "parts"))

    def apply(self, value: InputValue, rng: random.Random) -> Perturbed:
        current, changes = value, list[Change]()
        for part in self.parts:
            step = part.apply(current, rng)
            current = step.value
            changes += step.changes
        return make_perturbed(value, current, changes)

    def label(self) -> str:
        return " + ".join(part.label() for part in self.parts)


@dataclass(frozen=True)
class OneOf(Perturbation):
    """One of ``choices``, drawn with the rng; when it changes nothing, the others are tried in a drawn order.
    The `Perturbed`'s changes tell which one applied."""

    kind: ClassVar[str] = "one_of"
    choices: tuple[Perturbation, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", _check_parts(self.choices, "OneOf", "choices"))

    def apply(self, value: InputValue, rng: random.Random) -> Perturbed:
        for index in rng.sample(range(len(self.choices)), len(self.choices)):
            result = self.choices[index].apply(value, rng)
            if result.changed:
                return result
        return Perturbed(value, value, ())

    def label(self) -> str:
        return f"one of ({', '.join(choice.label() for choice in self.choices)})"


def _check_parts(parts: Any, owner: str, option: str) -> tuple[Perturbation, ...]:
    items: tuple[Any, ...] = (parts,) if isinstance(parts, Perturbation) else tuple(parts)
    if not items:
        raise ValueError(f"{owner}({option}=()) needs at least one perturbation")
    wrong = [p for p in items if not isinstance(p, Perturbation)]
    if wrong:
        raise ValueError(f"{owner}({option}=...) takes Perturbation objects, got {wrong[0]!r}")
    return tuple(p for p in items if isinstance(p, Perturbation))
