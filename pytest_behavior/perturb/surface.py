"""Surface noise that leaves a request's meaning alone: `Whitespace`, `Casing`, `Punctuation`, `Typos`.

Typos never touch digits, names, e-mail addresses nor URLs; punctuation never letters or digits; casing only
letters whose case maps one to one; whitespace only whitespace.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pytest_behavior.perturb import names as _names
from pytest_behavior.perturb.base import Edit, FieldPerturbation, whole_change


@dataclass(frozen=True, kw_only=True)
class Whitespace(FieldPerturbation):
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
        return whole_change(value, text)


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
class Casing(FieldPerturbation):
    """The text in lower, upper, title or random case (``any``: one of those that changes the input).
    Only letters whose case maps one to one change, so ``text.lower()`` stays the same."""

    kind: ClassVar[str] = "casing"
    mode: Literal["lower", "upper", "title", "random", "any"] = "any"

    def _validate(self) -> None:
        if self.mode not in (*_CASE_MODES, "any"):
            raise ValueError(f"Casing(mode={self.mode!r}): use one of {', '.join((*_CASE_MODES, 'any'))}")

    def _label(self) -> str:
        return "casing" if self.mode == "any" else f"casing ({self.mode})"

    def _start(self, rng: random.Random, values: Sequence[Any]) -> Edit:
        mode: str = self.mode
        if mode == "any":
            order = rng.sample(_CASE_MODES, len(_CASE_MODES))
            mode = next((m for m in order if any(_changes_case(m, v) for v in values)), order[0])
        return lambda value, whole_field: whole_change(value, _recase(value, mode, rng))


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
        new = text[:i] + _set_case(text[i], not text[i].isupper()) + text[i + 1 :]
    return new


_STRAIGHT_TO_CURLY_OPENING = " \t\r\n([{“‘"
_CURLY_TO_STRAIGHT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_FINAL = ".!?…"


@dataclass(frozen=True, kw_only=True)
class Punctuation(FieldPerturbation):
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
        return whole_change(value, text)


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
    tail = text[len(core) :]
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
class Typos(FieldPerturbation):
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
        words = [
            m
            for m in _TYPO_WORD.finditer(value)
            if m.group().isalpha() and not any(s < m.end() and m.start() < e for s, e in blocked)
        ]
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
                candidate = text[: word.start()] + new + text[word.end() :]
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
                return word[:i] + (key.upper() if word[i].isupper() else key) + word[i + 1 :]
        elif op == "transpose":
            spots = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
            if spots:
                i = rng.choice(spots)
                return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        else:
            i = rng.randrange(1, len(word))
            return word[:i] + word[i + 1 :] if op == "delete" else word[:i] + word[i] + word[i:]
    return word  # unreachable: delete and duplicate always apply
