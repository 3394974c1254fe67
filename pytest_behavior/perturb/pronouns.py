"""`PronounSwap`: he/she, him/her, his/her(s), himself/herself, Mr/Ms and gendered nouns (man/woman, ...).

"her" is ambiguous: it becomes "his" when a word that is not a function word follows ("her income" ->
"his income"), else "him" ("told her about it" -> "told him about it"); "his" becomes "her" before such
a word, else "hers". "gave her money" is read as possessive: the heuristic does not parse sentences.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from pytest_behavior.perturb.base import FieldPerturbation, match_case

_PRONOUNS = {"he": "she", "she": "he", "him": "her", "himself": "herself", "herself": "himself", "hers": "his"}
_TITLES = {"Mr": "Ms", "Ms": "Mr", "Mrs": "Mr", "MR": "MS", "MS": "MR", "MRS": "MR"}
_GENDERED_NOUNS = dict(
    pair
    for male, female in [
        ("man", "woman"),
        ("men", "women"),
        ("boy", "girl"),
        ("boys", "girls"),
        ("husband", "wife"),
        ("husbands", "wives"),
        ("son", "daughter"),
        ("sons", "daughters"),
        ("father", "mother"),
        ("fathers", "mothers"),
        ("brother", "sister"),
        ("brothers", "sisters"),
        ("uncle", "aunt"),
        ("nephew", "niece"),
        ("grandfather", "grandmother"),
        ("grandson", "granddaughter"),
        ("boyfriend", "girlfriend"),
        ("gentleman", "lady"),
        ("gentlemen", "ladies"),
        ("male", "female"),
        ("sir", "madam"),
        ("dad", "mom"),
        ("stepfather", "stepmother"),
        ("stepson", "stepdaughter"),
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
class PronounSwap(FieldPerturbation):
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

        text = _PRONOUN_WORD.sub(lambda m: swap(m, match_case(m.group(), _swap_pronoun(m))), value)
        text = _HONORIFIC.sub(lambda m: swap(m, _TITLES[m.group()]), text)
        if self.nouns:
            text = _NOUN_WORD.sub(lambda m: swap(m, match_case(m.group(), _GENDERED_NOUNS[m.group().lower()])), text)
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
