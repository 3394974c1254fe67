"""The fact oracle of the simulated provider (``sim/...?accuracy=``) and the simulated judge (``sim-judge/...``).

A prompt is read RAG-style, so that correctness has a known truth:

- **The question** is the text after ``Question:`` on the last line that starts with it (case-insensitive), or
  else the last sentence that ends with ``?``.
- **The facts** are the prompt's other sentences: each line is split after ``.``, ``!`` or ``?`` followed by a
  space; a leading bullet (``-``, ``*``, ``•``, ``1.``, ``1)``) and a leading ``Context:``-style label (context,
  facts, fact, document, background, information, passage, source, knowledge, notes, note) are dropped.
  Questions (ending with ``?``), headings (ending with ``:``), one-word sentences and sentences without a content
  word are not facts; a repeated fact counts once. Instructions in the user message ("Answer from the context.")
  count as facts too: put them in the system prompt, which the simulated provider does not read.
- **The right fact** is the one sharing the most content words with the question (ties: the first). Content words
  are the words (runs of letters and digits, after NFKC and casefolding) of three or more characters, or numbers,
  that are not common function words, with a plural ``s`` dropped (``refunds`` is ``refund``).
- **An answer holds a text** (a fact, or a reference answer) when the text's words occur in the answer, adjacent
  and in order, after the same normalisation (case, punctuation and spacing aside): `holds`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_QUESTION_LINE = re.compile(r"\s*question\s*:\s*(.*)", re.IGNORECASE)
_BULLET = re.compile(r"\s*(?:[-*\u2022]|\d{1,3}[.)])\s+")
_LABEL = re.compile(
    r"\s*(?:context|facts?|documents?|background|information|passages?|sources?|knowledge|notes?)\s*:\s*",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\w+")
_STOPWORD_TEXT = (
    "the and for are but not you your yours our ours their theirs they them this that these those there here with "
    "from into onto about what which who whom whose when where why how does did done doing can could would should "
    "will shall may might must have has had having was were been being any all each some such than then too very "
    "its it's also just only own same other more most much many few per via upon out off over under again once "
    "tell please know let get got one"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


class NoFactsError(ValueError):
    """A prompt the oracle cannot answer: it has no question, or no fact besides it."""


@dataclass(frozen=True)
class Facts:
    """What the oracle read off a prompt: the question, the facts in order, and which fact answers it."""

    question: str
    facts: tuple[str, ...]
    right: int

    @property
    def right_fact(self) -> str:
        return self.facts[self.right]

    def wrong_facts(self) -> tuple[str, ...]:
        """The other facts, except any that holds the right one (an answer made of it would be right)."""
        return tuple(fact for i, fact in enumerate(self.facts) if i != self.right and not holds(fact, self.right_fact))


def words(text: str) -> tuple[str, ...]:
    """The words of ``text`` after NFKC and casefolding."""
    return tuple(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def content_words(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in words(text) if w not in _STOPWORDS and (len(w) >= 3 or w.isdigit()))


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def holds(answer: str, text: str) -> bool:
    """Whether ``text``'s words occur in ``answer``, adjacent and in order (a text without words is never held)."""
    needle = words(text)
    if not needle:
        return False
    return f" {' '.join(needle)} " in f" {' '.join(words(answer))} "


@lru_cache(maxsize=4096)
def read_facts(prompt: str) -> Facts:
    """The question, facts and right fact of ``prompt``; `NoFactsError` when it has no question or no fact."""
    lines = prompt.splitlines()
    labelled = [i for i, line in enumerate(lines) if _QUESTION_LINE.fullmatch(line)]
    question = ""
    if labelled:
        match = _QUESTION_LINE.fullmatch(lines[labelled[-1]])
        question = match.group(1).strip() if match else ""
        lines = [line for i, line in enumerate(lines) if i != labelled[-1]]
    chunks = [chunk for line in lines for chunk in _sentences(line)]
    if not question:
        asked = [chunk for chunk in chunks if chunk.endswith("?")]
        question = asked[-1] if asked else ""
    if not question:
        raise NoFactsError("it has no question (a line starting with 'Question:' or a sentence ending with '?')")
    facts: list[str] = []
    for chunk in chunks:
        if chunk.endswith(("?", ":")) or len(chunk.split()) < 2 or not content_words(chunk) or chunk in facts:
            continue
        facts.append(chunk)
    if not facts:
        raise NoFactsError("it has no facts (sentences besides the question that the answer could be taken from)")
    asked_words = content_words(question)
    overlaps = [len(content_words(fact) & asked_words) for fact in facts]
    return Facts(question=question, facts=tuple(facts), right=overlaps.index(max(overlaps)))


def _sentences(line: str) -> list[str]:
    for prefix in (_BULLET, _LABEL):
        found = prefix.match(line)
        line = line[found.end() :] if found else line
    return [part.strip() for part in _SENTENCE_END.split(line) if part.strip()]
