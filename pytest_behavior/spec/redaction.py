"""Redacting from free text every credential value this process has learnt (`remember`, `redact`)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "<redacted>"
"""What stands in the text where a credential was."""

MIN_SECRET_LENGTH = 6
"""Shortest credential value (from a bundle, a header, a URL) searched for in text."""
MIN_ENV_SECRET_LENGTH = 8
"""Shortest value of a secret-named environment variable searched for in text (``*_TOKEN=false`` is no key)."""
_PIECE = 8
"""Shortest piece of a credential redacted where a repr was cut next to it (``'key-abc...'``)."""


def _text_forms(value: str) -> set[str]:
    """How a value may appear in text: as is, percent-encoded, JSON- and repr-escaped."""
    return {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1], repr(value)[1:-1]}


class _Registry:
    """The credential values known to this process, and what finds them in text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: frozenset[str] = frozenset()
        self._finder: tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...]] | None = None
        """The values' pattern, the pieces one of them must contain (a fast test first), the long values."""

    def add(self, values: Iterable[str], *, min_length: int) -> None:
        forms = {form for value in values if len(value) >= min_length for form in _text_forms(value)}
        if forms <= self._known:
            return
        with self._lock:
            known = self._known | forms
            by_length = sorted(known, key=len, reverse=True)
            anchors = {value[:_PIECE] for value in known} | {value[-_PIECE:] for value in known}
            self._finder = (
                re.compile("|".join(re.escape(value) for value in by_length)),
                tuple(sorted(anchors)),
                tuple(value for value in by_length if len(value) >= 2 * _PIECE),
            )
            self._known = known

    def redact(self, text: str) -> str:
        finder = self._finder  # one read: a concurrent `add` swaps the whole tuple
        if finder is None or not any(anchor in text for anchor in finder[1]):
            return text
        text = finder[0].sub(REDACTED, text)
        return _redact_cut_pieces(text, finder[2]) if "..." in text else text

    def known(self) -> frozenset[str]:
        return self._known


def _redact_cut_pieces(text: str, values: tuple[str, ...]) -> str:
    """Redact what is left of a long credential where a repr was cut short around it: pytest's ``-l`` prints a
    long local as ``'key-abcd...wxyz'``, a start of the value before the ``...`` and an end after it."""
    spans: list[tuple[int, int]] = []
    for cut in re.finditer(r"\.\.\.", text):
        before, after = cut.start(), cut.end()
        for value in values:
            start = text.find(value[:_PIECE], max(0, before - len(value)), before)
            while start != -1:
                if value.startswith(text[start:before]):
                    spans.append((start, before))
                    break
                start = text.find(value[:_PIECE], start + 1, before)
            end = text.rfind(value[-_PIECE:], after, after + len(value))
            while end != -1:
                if value.endswith(text[after : end + _PIECE]):
                    spans.append((after, end + _PIECE))
                    break
                end = text.rfind(value[-_PIECE:], after, end + _PIECE - 1)
    if not spans:
        return text
    pieces, position = [], 0
    for start, end in sorted(spans):
        if end <= position:
            continue
        pieces.append(text[position : max(start, position)] + REDACTED)
        position = end
    return "".join(pieces) + text[position:]


_registry = _Registry()


def remember(values: Iterable[str], *, min_length: int = MIN_SECRET_LENGTH) -> None:
    """Redact these credential values (at least ``min_length`` long) from all text from now on."""
    _registry.add(values, min_length=min_length)


def redact(text: str) -> str:
    """``text`` with every credential value this process knows of replaced by ``<redacted>``."""
    return _registry.redact(text)


def known_secret_count() -> int:
    """How many credential forms are being redacted (for tests and diagnostics; never the values)."""
    return len(_registry.known())
