"""The matchers of the ``correctness`` marker: is an output the expected answer? Each is exact about what it
normalises, since a matcher that is loose or strict in a surprising way miscounts right and wrong answers.

**Text normalisation** (`tokens`; used by ``exact``, ``contains`` and ``choice``):

1. Unicode NFKC (full-width letters and digits, ligatures and non-breaking spaces become their plain forms), then
   ``str.casefold`` (case; ``ß`` is ``ss``). Accents stay (``café`` is not ``cafe``).
2. The text is split into tokens. A *word* is a run of letters, digits and combining marks (Unicode categories
   L*, N*, M*). A punctuation character between two digits stays inside the number (``1,234.5``, ``10:30``,
   ``2024-01-01``), and a sign directly before a digit that does not follow a letter or digit starts the number
   (``-5`` and ``−5`` are ``-5``; ``+5`` is ``5``). Every other punctuation character (category P*, and the
   backtick `` ` `` that Markdown quotes code with) and all whitespace only separate tokens. Any other character
   (a symbol, category S*: ``$ € + = < > °``) is a token of its own.

So ``"  **Paris.**"`` and ``"paris"`` are equal, ``"New-York"`` equals ``"new york"``, ``"U.S."`` equals ``"u s"``
(not ``"us"``), ``"C++"`` is not ``"C"``, and ``"30"`` is a different token from ``"300"`` and ``"30.5"``.

**Matchers** (``expected`` is one reference value; the ``correctness`` property tries each of a list):

- ``exact``: the output's tokens are the expected text's tokens.
- ``contains``: the expected text's tokens occur, in order and adjacent, among the output's tokens (a match on
  token boundaries: ``"30"`` is in ``"It costs $30."`` but not in ``"300"`` or ``"30.5"``).
- ``number``: the final number written in the output (`final_number`) is within ``tolerance`` (absolute) or
  ``rel_tolerance`` × the expected value of the expected number: ``|answer − expected| <= max(tolerance,
  rel_tolerance * |expected|)``.
- ``choice``: the option letter the output gives (`choice_letter`) is the expected option, which is a letter or
  the text of one of the input's options.
- ``regex``: ``re.search(expected, output)`` finds a match in the raw output text, with no flags (write inline flags
  such as ``(?i)`` for case-insensitive or ``(?s)`` for ``.`` across lines).
- ``json``: the output's JSON value (the whole text, a fenced block, or an object in prose: `parse_json`) contains
  the expected value (`json_subset`).
- a function ``fn(output, expected) -> bool``.
- ``llm:<model>``: an LLM judge decides whether the output is equivalent to the expected answer; it is not a rule
  here but a judge the ``correctness`` property asks through the engine (`pytest_behavior.properties.llm_match`).
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_behavior.properties.json_output import MISSING, parse_json
from pytest_behavior.spec.output import describe_value

MATCHER_NAMES = ("exact", "contains", "number", "choice", "regex", "json")
LETTERS = "abcdefghijklmnopqrstuvwxyz"


class MatchError(ValueError):
    """A reference answer (or the input's options) that cannot be judged against, or a matching function that
    failed: the data or the function needs fixing, which no output can be right or wrong about."""


# --- text normalisation --------------------------------------------------------------------------------------------

_SIGNS = {"-": "-", "\u2212": "-", "+": ""}


def tokens(text: str) -> tuple[str, ...]:
    """The tokens of ``text`` after NFKC and casefolding (see the module docstring for the exact rules)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    found: list[str] = []
    word = ""
    for i, char in enumerate(text):
        category = unicodedata.category(char)
        following = text[i + 1] if i + 1 < len(text) else ""
        if category[0] in "LNM":
            word += char
        elif category[0] == "P" and word[-1:].isdecimal() and following.isdecimal():
            word += char  # inside a number: 1,234.5 / 10:30
        elif char in _SIGNS and not word and following.isdecimal():
            word = _SIGNS[char]
        else:
            if word:
                found.append(word)
            word = ""
            if category[0] == "S" and char != "`":
                found.append(char)
    if word:
        found.append(word)
    return tuple(found)


def normalize(text: str) -> str:
    """The tokens of ``text`` joined by single spaces (what ``exact`` compares)."""
    return " ".join(tokens(text))


def _text(expected: Any, matcher: str) -> tuple[str, ...]:
    if isinstance(expected, bool) or not isinstance(expected, (str, int, float)):
        raise MatchError(
            f"{matcher}: the expected answer must be a string (or a number), got {describe_value(expected)}"
        )
    found = tokens(str(expected))
    if not found:
        raise MatchError(f"{matcher}: the expected answer {expected!r} is empty after normalisation")
    return found


def _occurs(needle: Sequence[str], haystack: Sequence[str]) -> bool:
    size = len(needle)
    return any(tuple(haystack[i : i + size]) == tuple(needle) for i in range(len(haystack) - size + 1))


def exact(output: str, expected: Any) -> bool:
    """The output is the expected text after normalisation."""
    return tokens(output) == _text(expected, "exact")


def contains(output: str, expected: Any) -> bool:
    """The expected text occurs in the output on token boundaries, after normalisation."""
    return _occurs(_text(expected, "contains"), tokens(output))


# --- numbers -------------------------------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"(?<![\w.])[-+\u2212]?(?:(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?",
)


def numbers(text: str) -> list[float]:
    """Every number written in ``text`` (after NFKC), in order.

    A number is an optional sign (``-``, ``−``, ``+``), digits with optional comma thousands separators in groups of
    three (``1,234,567``), an optional decimal part (``.5``, ``3.25``) and exponent (``1e-3``). It does not start
    inside a word or right after a ``.`` (``v2``, ``H2O`` and the ``.3`` of ``1.2.3`` hold none); a ``-`` right
    after a letter or digit is a hyphen, not a sign (``5-3`` is 5 and 3). A percent or currency sign around it is
    ignored (``45%`` is 45, ``$1,234.50`` is 1234.5); a comma followed by other than three digits separates numbers
    (``1,5`` is 1 and 5: write decimals with a point).
    """
    found = []
    for match in _NUMBER.finditer(unicodedata.normalize("NFKC", text)):
        value = float(match.group().replace(",", "").replace("\u2212", "-"))
        if math.isfinite(value):
            found.append(value)
    return found


def final_number(text: str) -> float | None:
    """The last number written in ``text`` (`numbers`), None when it holds none."""
    found = numbers(text)
    return found[-1] if found else None


def expected_number(expected: Any) -> float:
    """A reference number: an int or float, or a string holding exactly one number (``"1,234.5"``, ``"45%"``)."""
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        if not math.isfinite(expected):
            raise MatchError(f"number: the expected answer must be a finite number, got {expected!r}")
        return float(expected)
    if not isinstance(expected, str):
        raise MatchError(f"number: the expected answer must be a number or a string, got {describe_value(expected)}")
    found = numbers(expected)
    if len(found) != 1:
        held = "no number" if not found else f"{len(found)} numbers"
        raise MatchError(f"number: the expected answer {expected!r} holds {held}; it must hold exactly one")
    return found[0]


def number(output: str, expected: Any, *, tolerance: float = 0.0, rel_tolerance: float = 0.0) -> bool:
    """The output's final number is the expected number, within ``max(tolerance, rel_tolerance * |expected|)``."""
    target = expected_number(expected)
    answer = final_number(output)
    return answer is not None and abs(answer - target) <= max(tolerance, rel_tolerance * abs(target))


# --- multiple choice -----------------------------------------------------------------------------------------------

# "Answer: B", "the answer is (c)", "**Answer:** B", "the correct option is D", "Choice: A", "answer would be option B";
# not "Option A is wrong" (a mention, not a statement)
_STATED = re.compile(
    r"\banswer\b(?:\s+is|\s+would\s+be)?|\b(?:option|choice)\b(?:\s+is|\s+would\s+be|(?=\s*[:\-]))",
    re.IGNORECASE,
)
_STATED_LETTER = re.compile(
    r"\s*[:\-]?\s*(?:\*\*|__)?\s*(?:option\s+|choice\s+)?[(\[]?(?P<letter>[a-z])(?P<close>[)\]])?(?![a-z0-9])",
    re.IGNORECASE,
)
# "B) Paris", "(B) Paris", "B. Paris", "B: Paris", "**B** Paris" at the start of the answer
_LEADING = re.compile(r"\s*(?:\*\*|__)?[(\[]?(?P<letter>[a-z])(?:[)\].:]|\*\*|__)+(?=\s|$)", re.IGNORECASE)
_LOWERCASE_END = re.compile(r"[.!?,;:)\]]|[ \t]*(?:\r?\n|$)")  # "the answer is b." / "... is b" at a line's end


def parse_options(value: Any) -> tuple[str, ...]:
    """The option texts of a multiple-choice input, in letter order: a list of texts (the first is A), or an object
    from letters to texts (``{"A": "Paris", "B": "Lyon"}``, every letter from A on)."""
    if isinstance(value, Mapping):
        keys = [str(k).strip().casefold() for k in value]
        if sorted(keys) != list(LETTERS[: len(keys)]):
            raise MatchError(
                f"choice: the options object must map the letters A, B, C, ... to texts, got the keys {list(value)!r}"
            )
        texts = [value[k] for k in sorted(value, key=lambda k: str(k).strip().casefold())]
    elif isinstance(value, (list, tuple)):
        texts = list(value)
    else:
        raise MatchError(
            "choice: the options must be a list of texts or an object from letters to texts, got "
            f"{describe_value(value)}"
        )
    if not 1 <= len(texts) <= len(LETTERS):
        raise MatchError(f"choice: there must be 1 to {len(LETTERS)} options, got {len(texts)}")
    for text in texts:
        if isinstance(text, bool) or not isinstance(text, (str, int, float)):
            raise MatchError(f"choice: each option must be a text, got {describe_value(text)}")
    return tuple(str(t) for t in texts)


def _letter_token(text: str) -> str | None:
    found = tokens(text)
    return found[0] if len(found) == 1 and len(found[0]) == 1 and found[0] in LETTERS else None


def choice_letter(output: str, options: Sequence[str] | None = None) -> str | None:
    """The option letter an answer gives (lowercase), None when it gives none. Tried in order:

    1. the whole answer is a letter, apart from punctuation and spaces (``B``, ``(B)``, ``b.``, ``**B**``);
    2. the last statement of the answer: ``answer``, ``answer is``, ``answer would be``, or ``option`` / ``choice``
       followed by ``is`` or ``:``, then the letter, optionally in brackets (``Answer: B``, ``the answer is b)``, ``the
       correct option is (C)``); a lowercase letter not in brackets must end its sentence (so ``the answer is a
       city`` gives no letter);
    3. a letter label opening the answer: ``B) ...``, ``(B) ...``, ``B. ...``, ``B: ...``;
    4. with the options known, the one option whose text occurs in the answer (as ``contains`` finds it; an option
       whose text is part of a longer one that also occurs does not count); none or several: no letter.
    """
    bare = _letter_token(output)
    if bare is not None:
        return bare
    stated = None
    for keyword in _STATED.finditer(output):
        match = _STATED_LETTER.match(output, keyword.end())
        if match is None:
            continue
        letter = match.group("letter")
        if letter.islower() and match.group("close") is None and not _LOWERCASE_END.match(output, match.end()):
            continue
        stated = letter.casefold()
    if stated is not None:
        return stated
    leading = _LEADING.match(output)
    if leading is not None:
        return leading.group("letter").casefold()
    return None if options is None else _option_named(output, options)


def _option_named(output: str, options: Sequence[str]) -> str | None:
    words = tokens(output)
    named = [(LETTERS[i], tokens(text)) for i, text in enumerate(options) if tokens(text)]
    found = [(letter, text) for letter, text in named if _occurs(text, words)]
    longest = [
        letter
        for letter, text in found
        if not any(len(other) > len(text) and _occurs(text, other) for _, other in found)
    ]
    return longest[0] if len(longest) == 1 else None


def expected_letter(expected: Any, options: Sequence[str] | None) -> str:
    """The expected option's letter: the letter given (``"B"``, ``"(b)"``), or the letter of the option whose text
    equals the expected text after normalisation."""
    if isinstance(expected, bool) or not isinstance(expected, (str, int, float)):
        raise MatchError(
            f"choice: the expected answer must be a letter or an option's text, got {describe_value(expected)}"
        )
    letter = _letter_token(str(expected))
    if letter is not None:
        if options is not None and LETTERS.index(letter) >= len(options):
            raise MatchError(f"choice: the expected letter {expected!r} is beyond the {len(options)} options")
        return letter
    if options is None:
        raise MatchError(
            f"choice: the expected answer {expected!r} is not a letter, and the input has no options to find its text "
            "among (name the field with choices=)"
        )
    wanted = tokens(str(expected))
    for i, text in enumerate(options):
        if tokens(text) == wanted:
            return LETTERS[i]
    raise MatchError(f"choice: the expected answer {expected!r} is neither a letter nor the text of one of the options")


def choice(output: str, expected: Any, options: Sequence[str] | None = None) -> bool:
    """The answer gives the expected option (`choice_letter`, `expected_letter`)."""
    return choice_letter(output, options) == expected_letter(expected, options)


# --- regular expressions and JSON ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise MatchError(f"regex: the expected pattern {pattern!r} is not a valid regular expression ({exc})") from None


def regex(output: str, expected: Any) -> bool:
    """``re.search(expected, output)`` finds a match (no flags; inline flags such as ``(?i)`` work)."""
    if not isinstance(expected, str):
        raise MatchError(f"regex: the expected answer must be a pattern string, got {describe_value(expected)}")
    return _compiled(expected).search(output) is not None


def json_subset(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` contains ``expected``: an object holds every key of the expected object with a value that
    contains the expected value (extra keys are fine, at any depth); an array has the same length and each element
    contains the expected one, in order; numbers are equal by value (``1`` is ``1.0``) but ``true`` is not ``1``;
    strings are equal exactly (no normalisation); ``null`` is ``null``."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and json_subset(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, (list, tuple)):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(json_subset(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, (int, float)):
        return isinstance(actual, (int, float)) and expected == actual
    if expected is None:
        return actual is None
    return isinstance(actual, str) and isinstance(expected, str) and expected == actual


def expected_json(expected: Any) -> Any:
    """The expected JSON value: an object, array, number, boolean or null as given; a string is JSON text and is
    parsed (a CSV cell holds ``{"status": "ok"}``; an expected string value is written ``'"yes"'``)."""
    if isinstance(expected, str):
        try:
            return json.loads(expected)
        except json.JSONDecodeError as exc:
            raise MatchError(
                f"json: the expected answer {expected[:60]!r} is not JSON text ({exc.msg}); a string reference is "
                "written as JSON, e.g. '\"yes\"'"
            ) from None
    return expected


def json_match(output: str, expected: Any) -> bool:
    """The output's JSON value (`parse_json`) contains the expected value (`json_subset`)."""
    wanted = expected_json(expected)
    value = parse_json(output)
    return value is not MISSING and json_subset(wanted, value)


# --- the matcher of one marker -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matcher:
    """A named matcher with its settings, or a user's ``function(output, expected) -> bool``."""

    name: str
    tolerance: float = 0.0
    rel_tolerance: float = 0.0
    function: Callable[[Any, Any], Any] | None = field(default=None, compare=False)

    def matches(self, output: str, expected: Any, options: Sequence[str] | None = None) -> bool:
        """Whether ``output`` is the ``expected`` answer (one reference value); `MatchError` when it cannot tell."""
        if self.function is not None:
            return self._call(output, expected)
        if self.name == "number":
            return number(output, expected, tolerance=self.tolerance, rel_tolerance=self.rel_tolerance)
        if self.name == "choice":
            return choice(output, expected, options)
        return _BY_NAME[self.name](output, expected)

    def _call(self, output: str, expected: Any) -> bool:
        assert self.function is not None
        try:
            value = self.function(output, expected)
        except Exception as exc:
            raise MatchError(f"the match function {self.name} raised {type(exc).__name__}: {exc}") from exc
        if not isinstance(value, bool):
            raise MatchError(f"the match function {self.name} returned {value!r}; it must return True or False")
        return value


_BY_NAME: dict[str, Callable[[str, Any], bool]] = {
    "exact": exact,
    "contains": contains,
    "regex": regex,
    "json": json_match,
}
