"""`NameSwap`: known names become names of another culture, consistently within one input.

"Emily Clarke ... Emily" -> "Ngozi Okafor ... Ngozi", keeping the gender of the given name; the name pools and
the name finder are `pytest_behavior.perturb.names`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pytest_behavior.perturb import names as _names
from pytest_behavior.perturb.base import Edit, FieldPerturbation


@dataclass(frozen=True, kw_only=True)
class NameSwap(FieldPerturbation):
    """Known names (from ``from_cultures``; None: any) become names of the ``to`` culture(s).

    ``to=None`` draws another culture than the name's own; with several ``to`` cultures, one other than the
    name's own is preferred. All names of one culture in an input go to the same culture; a repeated name
    gets the same replacement, a family name shared by two people too; a lone given name stays a lone given
    name; with ``keep_gender`` the new given name has the gender of the old one. In a dict, a field that
    is a name as a whole is swapped even in another case ("EMILY CLARKE", "clarke").
    """

    kind: ClassVar[str] = "name"
    to: str | tuple[str, ...] | None = None
    from_cultures: tuple[str, ...] | None = None
    keep_gender: bool = True

    def _validate(self) -> None:
        if isinstance(self.to, list):
            object.__setattr__(self, "to", tuple(self.to))
        if isinstance(self.from_cultures, (str, list)):
            fixed = (self.from_cultures,) if isinstance(self.from_cultures, str) else tuple(self.from_cultures)
            object.__setattr__(self, "from_cultures", fixed)
        for option in ("to", "from_cultures"):
            value = getattr(self, option)
            cultures = (value,) if isinstance(value, str) else value
            if cultures is not None and not cultures:
                raise ValueError(f"NameSwap({option}=()) names no culture; use None for any culture")
            for culture in cultures or ():
                _names.pool(culture)

    def _label(self) -> str:
        to = (self.to,) if isinstance(self.to, str) else self.to
        parts = [f"from {', '.join(self.from_cultures)}"] if self.from_cultures else []
        parts += [f"to {', '.join(to)}"] if to else []
        return "name swap" + (f" ({' '.join(parts)})" if parts else "")

    def _start(self, rng: random.Random, values: Sequence[Any]) -> Edit:
        return _NameSwapper(self, rng, values)


class _NameSwapper:
    """The state of one `NameSwap.apply`: which culture, given and family name each old one became."""

    def __init__(self, spec: NameSwap, rng: random.Random, values: Sequence[Any]) -> None:
        self.spec, self.rng = spec, rng
        # never pick a name already in the input: two people must not become one
        self.taken = {_key(word) for value in values for word in _names._WORD.findall(str(value))}
        self.cultures: dict[str, str] = {}
        self.given: dict[str, str] = {}
        self.family: dict[str, str] = {}

    def __call__(self, value: Any, whole_field: bool) -> tuple[Any, list[tuple[str, str]]]:
        spans = _names.find_names(value)
        if not spans and whole_field:
            return self._whole_field(value)
        pieces, pairs, end = [], [], 0
        for start, stop, name in spans:
            new = self._swap(name)
            if new is not None:
                pieces += [value[end:start], new]
                pairs.append((name, new))
                end = stop
        return "".join(pieces) + value[end:], pairs

    def _swap(self, name: str) -> str | None:
        parts = re.split(r"([ \t]+)", name, maxsplit=1)
        culture = _names.culture_of(parts[0])
        if culture is None or (self.spec.from_cultures is not None and culture not in self.spec.from_cultures):
            return None
        target = self._target(culture)
        new = self._new_given(parts[0], target)
        return new if len(parts) == 1 else new + parts[1] + self._new_family(parts[2], target)

    def _whole_field(self, value: str) -> tuple[str, list[tuple[str, str]]]:
        """A dict field that is one name as a whole, in any case: "EMILY CLARKE", "emily", "Clarke"."""
        text = value.strip()
        words = text.split()
        given = bool(words) and _names.is_given_name(words[0], ignore_case=True)
        if len(words) == 2 and given and _names.is_family_name(words[1], ignore_case=True):
            shape = "full"
        elif len(words) == 1 and (given or _names.is_family_name(words[0], ignore_case=True)):
            shape = "given" if given else "family"
        else:
            return value, []
        culture = _names.culture_of(text)
        if culture is None or (self.spec.from_cultures is not None and culture not in self.spec.from_cultures):
            return value, []
        target = self._target(culture)
        if shape == "full":
            new = f"{self._new_given(words[0], target)} {self._new_family(words[1], target)}"
        elif shape == "given":
            new = self._new_given(words[0], target)
        else:
            new = self._new_family(words[0], target)
        new = new.lower() if text.islower() else new.upper() if text.isupper() else new
        start = value.index(text)
        return value[:start] + new + value[start + len(text) :], [(text, new)]

    def _target(self, culture: str) -> str:
        if culture not in self.cultures:
            to = self.spec.to
            wanted = [to] if isinstance(to, str) else list(to) if to is not None else list(_names.CULTURES)
            self.cultures[culture] = self.rng.choice([c for c in wanted if c != culture] or wanted)
        return self.cultures[culture]

    def _new_given(self, word: str, target: str) -> str:
        key = _key(word)
        if key not in self.given:
            gender = _names.gender_of(word) if self.spec.keep_gender else None
            self.given[key] = self._draw(_names.CULTURES[target].given(gender), key)
        return self.given[key]

    def _new_family(self, word: str, target: str) -> str:
        key = _key(word)
        if key not in self.family:
            self.family[key] = self._draw(_names.CULTURES[target].family, key)
        return self.family[key]

    def _draw(self, pool: Sequence[str], key: str) -> str:
        fresh = [name for name in pool if _key(name) not in self.taken]
        new = self.rng.choice(fresh or [name for name in pool if _key(name) != key] or list(pool))
        self.taken.add(_key(new))
        return new


def _key(word: str) -> str:
    return _names.fold(word).casefold()
