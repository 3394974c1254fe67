"""Perturbations for counterfactual ("invariance") specs: the same request with only one thing changed.

A `Perturbation` turns an input (a string, or a dict whose text fields it edits) into its twin, with a
`random.Random` as the only source of randomness, so the same seed gives the same twin; the returned
`Perturbed` lists every `Change` made. The kinds of change:

- `NameSwap`: known names (`pytest_behavior.perturb.names`) become names of another culture, consistently within
  one input ("Emily Clarke ... Emily" -> "Ngozi Okafor ... Ngozi"), keeping the gender of the given name.
- `PronounSwap`: he/she, him/her, his/her(s), himself/herself, Mr/Ms and gendered nouns (man/woman, ...).
  "her" is ambiguous: it becomes "his" when a word that is not a function word follows ("her income" ->
  "his income"), else "him" ("told her about it" -> "told him about it"); "his" becomes "her" before such
  a word, else "hers". "gave her money" is read as possessive: the heuristic does not parse sentences.
- `DialectSwap`: US <-> UK spelling and vocabulary ("color"/"colour", "truck"/"lorry"); words with a
  second meaning in the other dialect ("flat", "holiday", "lift") are only swapped in the safe direction.
- `Whitespace`, `Casing`, `Punctuation`, `Typos`: surface noise that leaves the request's meaning alone
  (typos never touch digits nor names, punctuation never letters or digits).
- `ReorderListItems`: the items of bullet or numbered lists in a text, or of a list field, in another order.
- `Compose` (``p1 + p2``) and `OneOf` combine them.

``describe()`` gives a JSON-able description that `perturbation_from_description` turns back into the
perturbation: golden files record it next to the seed the twins were drawn with.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pytest_behavior.perturb import names as _names
from pytest_behavior.spec.inputs import InputValue

__all__ = [
    "PERTURBATION_KINDS", "Casing", "Change", "Compose", "DialectSwap", "InputValue", "NameSwap", "OneOf",
    "Perturbation", "Perturbed", "PronounSwap", "Punctuation", "ReorderListItems", "Typos", "Whitespace",
    "perturbation_from_description",
]

PERTURBATION_KINDS = ("name", "pronoun", "dialect", "whitespace", "casing", "punctuation", "typo", "reorder")
_SHORT = 40

# (new value, [(before, after), ...]) for one value; the bool says whether the value is a whole dict field
_Edit = Callable[[Any, bool], tuple[Any, list[tuple[str, str]]]]


# --------------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------------


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
    cut = text[start:start + width]
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
class _FieldPerturbation(Perturbation):
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
            return _result(value, new, [Change(self.kind, b, a) for b, a in _pairs(value, new, pairs)])
        if not isinstance(value, Mapping):
            raise TypeError(f"{type(self).__name__}.apply needs a str or a mapping, got {type(value).__name__}")
        keys = [k for k, v in value.items() if (self.fields is None or k in self.fields) and self._accepts(v)]
        edit = self._start(rng, [value[k] for k in keys])
        out, changes = dict(value), []
        for key in keys:
            new, pairs = edit(value[key], True)
            out[key] = new
            changes += [Change(self.kind, b, a, str(key)) for b, a in _pairs(value[key], new, pairs)]
        return _result(value, out, changes)

    def label(self) -> str:
        where = f" in {', '.join(self.fields)}" if self.fields else ""
        return self._label() + where

    def _label(self) -> str:
        return self.kind

    def _accepts(self, value: Any) -> bool:
        return isinstance(value, str)

    def _start(self, rng: random.Random, values: Sequence[Any]) -> _Edit:
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


def _result(original: InputValue, value: InputValue, changes: list[Change]) -> Perturbed:
    if value == original:
        return Perturbed(original, original, ())
    return Perturbed(original, value, tuple(changes))


def _whole(before: str, after: str) -> tuple[str, list[tuple[str, str]]]:
    return after, ([(before, after)] if after != before else [])


def _match_case(source: str, replacement: str) -> str:
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
# names
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NameSwap(_FieldPerturbation):
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

    def _start(self, rng: random.Random, values: Sequence[Any]) -> _Edit:
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
        return value[:start] + new + value[start + len(text):], [(text, new)]

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


# --------------------------------------------------------------------------------------------------
# pronouns and dialect
# --------------------------------------------------------------------------------------------------

_PRONOUNS = {"he": "she", "she": "he", "him": "her", "himself": "herself", "herself": "himself", "hers": "his"}
_TITLES = {"Mr": "Ms", "Ms": "Mr", "Mrs": "Mr", "MR": "MS", "MS": "MR", "MRS": "MR"}
_GENDERED_NOUNS = dict(
    pair
    for male, female in [
        ("man", "woman"), ("men", "women"), ("boy", "girl"), ("boys", "girls"), ("husband", "wife"),
        ("husbands", "wives"), ("son", "daughter"), ("sons", "daughters"), ("father", "mother"),
        ("fathers", "mothers"), ("brother", "sister"), ("brothers", "sisters"), ("uncle", "aunt"),
        ("nephew", "niece"), ("grandfather", "grandmother"), ("grandson", "granddaughter"),
        ("boyfriend", "girlfriend"), ("gentleman", "lady"), ("gentlemen", "ladies"), ("male", "female"),
        ("sir", "madam"), ("dad", "mom"), ("stepfather", "stepmother"), ("stepson", "stepdaughter"),
    ]
    for pair in ((male, female), (female, male))
)
# words after "her"/"his" that show it is not a determiner: "told her about", "gave her the", "is his and"
_FUNCTION_WORDS = """
    a an the this that these those my your his her its our their some any all every each no one another
    to for about with at in on of from by into onto as over after before under up out off down back away
    through since until upon against among toward towards than then and or but nor so yet if because when
    while whether where though although unless once is was are were be been being am has had have having
    will would can could should shall may might must do does did not never also just too very again now
    here there today yesterday tomorrow tonight well first later soon already still even really
    know think feel see want need who whom whose which what how why
"""
_NOT_A_NOUN = frozenset(_FUNCTION_WORDS.split())
_PRONOUN_WORD = re.compile(r"\b(?:he|she|him|his|her|hers|himself|herself)\b", re.IGNORECASE)
_HONORIFIC = re.compile(r"\b(?:Mr|Ms|Mrs|MR|MS|MRS)\b")
_NOUN_WORD = re.compile(r"\b(?:" + "|".join(sorted(_GENDERED_NOUNS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
_NEXT_WORD = re.compile(r"[ \t]+([^\W_]+)")


@dataclass(frozen=True, kw_only=True)
class PronounSwap(_FieldPerturbation):
    """he <-> she, him/his <-> her, hers <-> his, himself <-> herself, Mr <-> Ms (Mrs -> Mr), keeping the case;
    with ``nouns`` also man <-> woman, husband <-> wife, son <-> daughter and other gendered nouns."""

    kind: ClassVar[str] = "pronoun"
    nouns: bool = True

    def _label(self) -> str:
        return "pronoun swap"

    def _edit(self, value: Any, rng: random.Random) -> tuple[Any, list[tuple[str, str]]]:
        pairs: list[tuple[str, str]] = []

        def swap(match: re.Match[str], new: str) -> str:
            pairs.append((match.group(), new))
            return new

        text = _PRONOUN_WORD.sub(lambda m: swap(m, _match_case(m.group(), _swap_pronoun(m))), value)
        text = _HONORIFIC.sub(lambda m: swap(m, _TITLES[m.group()]), text)
        if self.nouns:
            text = _NOUN_WORD.sub(lambda m: swap(m, _match_case(m.group(), _GENDERED_NOUNS[m.group().lower()])), text)
        return text, pairs


def _swap_pronoun(match: re.Match[str]) -> str:
    word = match.group().lower()
    if word not in ("his", "her"):
        return _PRONOUNS[word]
    after = _NEXT_WORD.match(match.string, match.end())
    determiner = after is not None and after.group(1).isalpha() and after.group(1).lower() not in _NOT_A_NOUN
    if word == "his":
        return "her" if determiner else "hers"
    return "his" if determiner else "him"


_US_TO_UK, _UK_TO_US, _BOTH = "us_to_uk", "uk_to_us", "both"
# (US, UK, directions it is safe in): spelling first, then vocabulary
_DIALECT_PAIRS: tuple[tuple[str, str, str], ...] = tuple(
    (us, uk, direction) for us, uk, direction in (
        ("color", "colour", _BOTH), ("colors", "colours", _BOTH), ("colored", "coloured", _BOTH),
        ("favorite", "favourite", _BOTH), ("favorites", "favourites", _BOTH), ("honor", "honour", _BOTH),
        ("labor", "labour", _BOTH), ("neighbor", "neighbour", _BOTH), ("neighbors", "neighbours", _BOTH),
        ("neighborhood", "neighbourhood", _BOTH), ("behavior", "behaviour", _BOTH),
        ("organize", "organise", _BOTH), ("organized", "organised", _BOTH),
        ("organization", "organisation", _BOTH), ("realize", "realise", _BOTH), ("realized", "realised", _BOTH),
        ("recognize", "recognise", _BOTH), ("apologize", "apologise", _BOTH), ("center", "centre", _BOTH),
        ("centers", "centres", _BOTH), ("theater", "theatre", _BOTH), ("liter", "litre", _BOTH),
        ("fiber", "fibre", _BOTH), ("defense", "defence", _BOTH), ("catalog", "catalogue", _BOTH),
        ("analyze", "analyse", _BOTH), ("analyzed", "analysed", _BOTH), ("traveled", "travelled", _BOTH),
        ("traveling", "travelling", _BOTH), ("canceled", "cancelled", _BOTH), ("jewelry", "jewellery", _BOTH),
        ("gray", "grey", _BOTH), ("installment", "instalment", _BOTH), ("installments", "instalments", _BOTH),
        ("enrollment", "enrolment", _BOTH), ("fulfill", "fulfil", _BOTH), ("aluminum", "aluminium", _BOTH),
        ("pajamas", "pyjamas", _BOTH), ("aging", "ageing", _BOTH), ("math", "maths", _BOTH),
        ("mom", "mum", _BOTH), ("truck", "lorry", _BOTH), ("trucks", "lorries", _BOTH),
        ("cell phone", "mobile phone", _BOTH), ("cellphone", "mobile phone", _US_TO_UK),
        ("zip code", "postcode", _BOTH), ("parking lot", "car park", _BOTH),
        ("checking account", "current account", _BOTH), ("diaper", "nappy", _BOTH),
        ("diapers", "nappies", _BOTH), ("stroller", "pushchair", _BOTH), ("garbage", "rubbish", _BOTH),
        ("mailman", "postman", _BOTH), ("gasoline", "petrol", _US_TO_UK), ("gas", "petrol", _UK_TO_US),
        # the UK word has another common meaning in the US (or the other way round): one direction only
        ("apartment", "flat", _US_TO_UK), ("apartments", "flats", _US_TO_UK),
        ("vacation", "holiday", _US_TO_UK), ("vacations", "holidays", _US_TO_UK),
        ("sidewalk", "pavement", _US_TO_UK), ("elevator", "lift", _US_TO_UK), ("faucet", "tap", _US_TO_UK),
        ("soccer", "football", _US_TO_UK), ("eraser", "rubber", _US_TO_UK), ("fall", "autumn", _UK_TO_US),
        ("tire", "tyre", _UK_TO_US), ("tires", "tyres", _UK_TO_US), ("pants", "trousers", _UK_TO_US),
    )
)


def _dialect_table(direction: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for us, uk, safe in _DIALECT_PAIRS:
        if direction in (_US_TO_UK, _BOTH) and safe in (_US_TO_UK, _BOTH):
            table.setdefault(us, uk)
        if direction in (_UK_TO_US, _BOTH) and safe in (_UK_TO_US, _BOTH):
            table.setdefault(uk, us)
    return table


def _words_pattern(words: Sequence[str]) -> re.Pattern[str]:
    """Any of ``words`` as whole words, with the article before it if any (to turn "an" into "a")."""
    spelled = [re.escape(w).replace(r"\ ", r"[ \t]+") for w in sorted(words, key=len, reverse=True)]
    return re.compile(r"\b(?:(?P<article>an?)(?P<gap>[ \t]+))?(?P<word>" + "|".join(spelled) + r")\b", re.IGNORECASE)


def _with_article(article: str | None, word: str) -> str:
    """``word`` after the indefinite article it needs ("an apartment" -> "a flat"), in the article's case."""
    if article is None:
        return ""
    wanted = "an" if word[:1].lower() in "aeiou" else "a"
    if article.lower() == wanted:
        return article
    if article.isupper() and (len(article) > 1 or word.isupper()):
        return wanted.upper()
    return wanted.capitalize() if article[0].isupper() else wanted


_DIALECT_TABLES = {d: _dialect_table(d) for d in (_US_TO_UK, _UK_TO_US, _BOTH)}
_DIALECT_PATTERNS = {d: _words_pattern(list(table)) for d, table in _DIALECT_TABLES.items()}


@dataclass(frozen=True, kw_only=True)
class DialectSwap(_FieldPerturbation):
    """US <-> UK spelling and vocabulary, whole words, keeping the case ("Color" -> "Colour")."""

    kind: ClassVar[str] = "dialect"
    direction: Literal["us_to_uk", "uk_to_us", "both"] = "both"

    def _validate(self) -> None:
        if self.direction not in _DIALECT_TABLES:
            raise ValueError(f"DialectSwap(direction={self.direction!r}): use 'us_to_uk', 'uk_to_us' or 'both'")

    def _label(self) -> str:
        return {_US_TO_UK: "dialect (US -> UK)", _UK_TO_US: "dialect (UK -> US)"}.get(self.direction, "dialect")

    def _edit(self, value: Any, rng: random.Random) -> tuple[Any, list[tuple[str, str]]]:
        table, pairs = _DIALECT_TABLES[self.direction], []

        def swap(match: re.Match[str]) -> str:
            word = match.group("word")
            new = _match_case(word, table[re.sub(r"[ \t]+", " ", word).lower()])
            pairs.append((word, new))
            article = _with_article(match.group("article"), new)
            return article + (match.group("gap") or "") + new

        return _DIALECT_PATTERNS[self.direction].sub(swap, value), pairs


# --------------------------------------------------------------------------------------------------
# surface noise
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Whitespace(_FieldPerturbation):
    """Some of: doubled spaces, tabs for spaces, leading or trailing whitespace, \\r\\n line endings.
    Only whitespace changes (``text.split()`` is the same); a blank text is left alone."""

    kind: ClassVar[str] = "whitespace"

    def _edit(self, value: Any, rng: random.Random) -> tuple[Any, list[tuple[str, str]]]:
        if not value.strip():
            return value, []
        ops = [op for op in ("double", "tabs", "leading", "trailing", "crlf") if _whitespace_applies(op, value)]
        chosen = set(rng.sample(ops, rng.randint(1, min(3, len(ops)))))
        text = value
        for op in ops:
            if op in chosen:
                text = _whitespace_op(op, text, rng)
        return _whole(value, text)


def _whitespace_applies(op: str, text: str) -> bool:
    if op in ("double", "tabs"):
        return " " in text
    return op != "crlf" or re.search(r"(?<!\r)\n", text) is not None


def _whitespace_op(op: str, text: str, rng: random.Random) -> str:
    if op == "leading":
        return rng.choice([" ", "  ", "\n", "\t", " \n"]) + text
    if op == "trailing":
        return text + rng.choice([" ", "  ", "\n", "\n\n", " \t"])
    if op == "crlf":
        return re.sub(r"(?<!\r)\n", "\r\n", text)
    spaces = [i for i, c in enumerate(text) if c == " "]
    picked = set(rng.sample(spaces, rng.randint(1, max(1, len(spaces) // 3))))
    new = "  " if op == "double" else "\t"
    return "".join(new if i in picked else c for i, c in enumerate(text))


_CASE_MODES = ("lower", "upper", "title", "random")
_TITLE_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True, kw_only=True)
class Casing(_FieldPerturbation):
    """The text in lower, upper, title or random case (``any``: one of those that changes the input).
    Only letters whose case maps one to one change, so ``text.lower()`` stays the same."""

    kind: ClassVar[str] = "casing"
    mode: Literal["lower", "upper", "title", "random", "any"] = "any"

    def _validate(self) -> None:
        if self.mode not in (*_CASE_MODES, "any"):
            raise ValueError(f"Casing(mode={self.mode!r}): use one of {', '.join((*_CASE_MODES, 'any'))}")

    def _label(self) -> str:
        return "casing" if self.mode == "any" else f"casing ({self.mode})"

    def _start(self, rng: random.Random, values: Sequence[Any]) -> _Edit:
        mode: str = self.mode
        if mode == "any":
            order = rng.sample(_CASE_MODES, len(_CASE_MODES))
            mode = next((m for m in order if any(_changes_case(m, v) for v in values)), order[0])
        return lambda value, whole_field: _whole(value, _recase(value, mode, rng))


def _set_case(char: str, upper: bool) -> str:
    new = char.upper() if upper else char.lower()
    if len(new) != 1 or new.lower() != char.lower() or char in "Σσς":
        return char
    return new


def _changes_case(mode: str, text: str) -> bool:
    if mode == "random":
        return any(_set_case(c, not c.isupper()) != c for c in text)
    return _recase(text, mode, random.Random(0)) != text


def _recase(text: str, mode: str, rng: random.Random) -> str:
    if mode in ("lower", "upper"):
        return "".join(_set_case(c, mode == "upper") for c in text)
    if mode == "title":
        return _TITLE_WORD.sub(lambda m: _set_case(m.group()[0], True) + _recase(m.group()[1:], "lower", rng), text)
    new = "".join(_set_case(c, rng.random() < 0.5) for c in text)
    flippable = [i for i, c in enumerate(text) if _set_case(c, not c.isupper()) != c]
    if new == text and flippable:
        i = rng.choice(flippable)
        new = text[:i] + _set_case(text[i], not text[i].isupper()) + text[i + 1:]
    return new


_STRAIGHT_TO_CURLY_OPENING = " \t\r\n([{“‘"
_CURLY_TO_STRAIGHT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_FINAL = ".!?…"


@dataclass(frozen=True, kw_only=True)
class Punctuation(_FieldPerturbation):
    """Some of: final punctuation removed (or a final "." added), "!" -> "!!!", straight <-> curly quotes,
    commas removed (not those between digits: "10,000" and "2,5" stay). Letters and digits never change."""

    kind: ClassVar[str] = "punctuation"

    def _edit(self, value: Any, rng: random.Random) -> tuple[Any, list[tuple[str, str]]]:
        ops = [op for op, applies in _punctuation_ops(value).items() if applies]
        if not ops:
            return value, []
        chosen = set(rng.sample(ops, rng.randint(1, len(ops))))
        text = value
        for op in ops:
            if op in chosen:
                text = _punctuate(op, text)
        return _whole(value, text)


_SINGLE_BANG = re.compile(r"(?<!!)!(?!!)")
_LOOSE_COMMA = re.compile(r",(?!(?<=\d,)\d)")


def _punctuation_ops(text: str) -> dict[str, bool]:
    core = text.rstrip()
    return {
        "exclaim": _SINGLE_BANG.search(text) is not None,
        "quotes": any(q in text for q in "\"'“”‘’"),
        "commas": _LOOSE_COMMA.search(text) is not None,
        "final": bool(core) and (core[-1] in _FINAL or core[-1].isalnum() or core[-1] in ")]\"'”’"),
    }


def _punctuate(op: str, text: str) -> str:
    if op == "exclaim":
        return _SINGLE_BANG.sub("!!!", text)
    if op == "commas":
        return _LOOSE_COMMA.sub("", text)
    if op == "quotes":
        if any(q in text for q in "\"'"):
            return "".join(_curly(text, i) for i in range(len(text)))
        return text.translate(_CURLY_TO_STRAIGHT)
    core = text.rstrip()
    tail = text[len(core):]
    return (core.rstrip(_FINAL) if core[-1] in _FINAL else core + ".") + tail


def _curly(text: str, i: int) -> str:
    char = text[i]
    if char not in "\"'":
        return char
    opening = i == 0 or text[i - 1] in _STRAIGHT_TO_CURLY_OPENING
    if char == '"':
        return "“" if opening else "”"
    return "‘" if opening else "’"


_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    where = {c: (r, i) for r, row in enumerate(_KEYBOARD) for i, c in enumerate(row)}
    near: dict[str, str] = {}
    for c, (r, i) in where.items():
        spots = [(r, i - 1), (r, i + 1), (r - 1, i), (r - 1, i + 1), (r + 1, i - 1), (r + 1, i)]
        near[c] = "".join(_KEYBOARD[rr][ii] for rr, ii in spots if 0 <= rr < 3 and 0 <= ii < len(_KEYBOARD[rr]))
    return near


_NEAR_KEYS = _keyboard_neighbours()
_TYPO_WORD = re.compile(r"(?<!\w)[^\W\d_]{4,}(?!\w)")
_ADDRESS = re.compile(r"\S*(?:@|://|www\.)\S*")
_TYPO_OPS = ("substitute", "transpose", "delete", "duplicate")


@dataclass(frozen=True, kw_only=True)
class Typos(_FieldPerturbation):
    """Keyboard typos (a neighbouring key, two letters swapped, a letter dropped or doubled) inside words of
    four letters or more, never the first letter. Each word gets one with probability ``rate``; at least one
    and at most ``max_typos`` per text. Digits, names (`find_names`), e-mail addresses and URLs are left alone."""

    kind: ClassVar[str] = "typo"
    rate: float = 0.05
    max_typos: int = 3

    def _validate(self) -> None:
        if isinstance(self.rate, bool) or not isinstance(self.rate, (int, float)) or not 0 < self.rate <= 1:
            raise ValueError(f"Typos(rate={self.rate!r}): the rate must be a number in (0, 1]")
        if isinstance(self.max_typos, bool) or not isinstance(self.max_typos, int) or self.max_typos < 1:
            raise ValueError(f"Typos(max_typos={self.max_typos!r}): must be an integer >= 1")

    def _label(self) -> str:
        if (self.rate, self.max_typos) == (0.05, 3):
            return "typos"
        return f"typos (rate {self.rate:g}, at most {self.max_typos})"

    def _edit(self, value: Any, rng: random.Random) -> tuple[Any, list[tuple[str, str]]]:
        names = _names.find_names(value)
        blocked = [(s, e) for s, e, _ in names] + [m.span() for m in _ADDRESS.finditer(value)]
        words = [m for m in _TYPO_WORD.finditer(value)
                 if m.group().isalpha() and not any(s < m.end() and m.start() < e for s, e in blocked)]
        if not words:
            return value, []
        count = max(1, min(sum(rng.random() < self.rate for _ in words), self.max_typos, len(words)))
        picked = sorted(rng.sample(range(len(words)), count), reverse=True)
        text, pairs = value, []
        before = [n for *_, n in names]
        for index in picked:  # right to left: the offsets of the words not yet edited stay valid
            word = words[index]
            for _ in range(4):  # a typo that would make a name ("Emilyy" -> "Emily") is drawn again
                new = _typo(word.group(), rng)
                candidate = text[:word.start()] + new + text[word.end():]
                if [n for *_, n in _names.find_names(candidate)] == before:
                    text = candidate
                    pairs.append((word.group(), new))
                    break
        return text, pairs[::-1]


def _typo(word: str, rng: random.Random) -> str:
    for op in rng.sample(_TYPO_OPS, len(_TYPO_OPS)):
        if op == "substitute":
            spots = [i for i in range(1, len(word)) if word[i].lower() in _NEAR_KEYS]
            if spots:
                i = rng.choice(spots)
                key = rng.choice(_NEAR_KEYS[word[i].lower()])
                return word[:i] + (key.upper() if word[i].isupper() else key) + word[i + 1:]
        elif op == "transpose":
            spots = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
            if spots:
                i = rng.choice(spots)
                return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        else:
            i = rng.randrange(1, len(word))
            return word[:i] + word[i + 1:] if op == "delete" else word[:i] + word[i] + word[i:]
    return word  # unreachable: delete and duplicate always apply


# --------------------------------------------------------------------------------------------------
# list order
# --------------------------------------------------------------------------------------------------

_BULLET_ITEM = re.compile(r"([ \t]*)([-*•])([ \t]+)(.*)")
_NUMBERED_ITEM = re.compile(r"([ \t]*)(\d{1,3})([.)])([ \t]+)(.*)")


@dataclass(frozen=True)
class _Item:
    key: tuple[str, str, str]  # (indent, marker kind, delimiter): the items of one list share it
    prefix: str  # "- ", "  2. ": stays in place (numbers remain 1..n)
    body: str


@dataclass(frozen=True, kw_only=True)
class ReorderListItems(_FieldPerturbation):
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
        return _result(value, current, changes)

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


_CLASSES: tuple[type[Perturbation], ...] = (
    NameSwap, PronounSwap, DialectSwap, Whitespace, Casing, Punctuation, Typos, ReorderListItems, Compose, OneOf,
)
_BY_KIND = {cls.kind: cls for cls in _CLASSES}


def perturbation_from_description(description: Mapping[str, Any]) -> Perturbation:
    """The perturbation ``describe()`` described (as read back from a golden file)."""
    if not isinstance(description, Mapping) or "perturbation" not in description:
        raise ValueError(f"a perturbation description is a mapping with a 'perturbation' key, got {description!r}")
    kind = description["perturbation"]
    cls = _BY_KIND.get(kind)
    if cls is None:
        raise ValueError(f"unknown perturbation {kind!r}; known: {', '.join(_BY_KIND)}")
    options = {k: v for k, v in description.items() if k != "perturbation"}
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(f"perturbation {kind!r} has no option {', '.join(map(repr, unknown))}; "
                         f"it has {', '.join(sorted(known))}")
    if cls in (Compose, OneOf):
        options = {k: tuple(perturbation_from_description(d) for d in v) for k, v in options.items()}
    else:
        options = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
    return cls(**options)
