"""`DialectSwap`: US <-> UK spelling and vocabulary ("color"/"colour", "truck"/"lorry").

Words with a second meaning in the other dialect ("flat", "holiday", "lift") are only swapped in the safe
direction; an indefinite article before a swapped word follows it ("an apartment" -> "a flat").
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pytest_behavior.perturb.base import FieldPerturbation, match_case

_US_TO_UK, _UK_TO_US, _BOTH = "us_to_uk", "uk_to_us", "both"
# (US, UK, directions it is safe in): spelling first, then vocabulary
_DIALECT_PAIRS: tuple[tuple[str, str, str], ...] = tuple(
    (us, uk, direction)
    for us, uk, direction in (
        ("color", "colour", _BOTH),
        ("colors", "colours", _BOTH),
        ("colored", "coloured", _BOTH),
        ("favorite", "favourite", _BOTH),
        ("favorites", "favourites", _BOTH),
        ("honor", "honour", _BOTH),
        ("labor", "labour", _BOTH),
        ("neighbor", "neighbour", _BOTH),
        ("neighbors", "neighbours", _BOTH),
        ("neighborhood", "neighbourhood", _BOTH),
        ("behavior", "behaviour", _BOTH),
        ("organize", "organise", _BOTH),
        ("organized", "organised", _BOTH),
        ("organization", "organisation", _BOTH),
        ("realize", "realise", _BOTH),
        ("realized", "realised", _BOTH),
        ("recognize", "recognise", _BOTH),
        ("apologize", "apologise", _BOTH),
        ("center", "centre", _BOTH),
        ("centers", "centres", _BOTH),
        ("theater", "theatre", _BOTH),
        ("liter", "litre", _BOTH),
        ("fiber", "fibre", _BOTH),
        ("defense", "defence", _BOTH),
        ("catalog", "catalogue", _BOTH),
        ("analyze", "analyse", _BOTH),
        ("analyzed", "analysed", _BOTH),
        ("traveled", "travelled", _BOTH),
        ("traveling", "travelling", _BOTH),
        ("canceled", "cancelled", _BOTH),
        ("jewelry", "jewellery", _BOTH),
        ("gray", "grey", _BOTH),
        ("installment", "instalment", _BOTH),
        ("installments", "instalments", _BOTH),
        ("enrollment", "enrolment", _BOTH),
        ("fulfill", "fulfil", _BOTH),
        ("aluminum", "aluminium", _BOTH),
        ("pajamas", "pyjamas", _BOTH),
        ("aging", "ageing", _BOTH),
        ("math", "maths", _BOTH),
        ("mom", "mum", _BOTH),
        ("truck", "lorry", _BOTH),
        ("trucks", "lorries", _BOTH),
        ("cell phone", "mobile phone", _BOTH),
        ("cellphone", "mobile phone", _US_TO_UK),
        ("zip code", "postcode", _BOTH),
        ("parking lot", "car park", _BOTH),
        ("checking account", "current account", _BOTH),
        ("diaper", "nappy", _BOTH),
        ("diapers", "nappies", _BOTH),
        ("stroller", "pushchair", _BOTH),
        ("garbage", "rubbish", _BOTH),
        ("mailman", "postman", _BOTH),
        ("gasoline", "petrol", _US_TO_UK),
        ("gas", "petrol", _UK_TO_US),
        # the UK word has another common meaning in the US (or the other way round): one direction only
        ("apartment", "flat", _US_TO_UK),
        ("apartments", "flats", _US_TO_UK),
        ("vacation", "holiday", _US_TO_UK),
        ("vacations", "holidays", _US_TO_UK),
        ("sidewalk", "pavement", _US_TO_UK),
        ("elevator", "lift", _US_TO_UK),
        ("faucet", "tap", _US_TO_UK),
        ("soccer", "football", _US_TO_UK),
        ("eraser", "rubber", _US_TO_UK),
        ("fall", "autumn", _UK_TO_US),
        ("tire", "tyre", _UK_TO_US),
        ("tires", "tyres", _UK_TO_US),
        ("pants", "trousers", _UK_TO_US),
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
class DialectSwap(FieldPerturbation):
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
            new = match_case(word, table[re.sub(r"[ \t]+", " ", word).lower()])
            pairs.append((word, new))
            article = _with_article(match.group("article"), new)
            return article + (match.group("gap") or "") + new

        return _DIALECT_PATTERNS[self.direction].sub(swap, value), pairs
