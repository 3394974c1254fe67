"""Text from data (model outputs, input ids, segment names, golden files, provider errors) made safe to render.

A model output, an input id or a segment name is data, and data can hold terminal control sequences: ``ESC[2J``
clears the screen, ``ESC[32m1 passed`` fakes a green result, OSC 8 hides a link, OSC 52 writes the clipboard,
a bidi override (U+202E) makes text read backwards, and a lone ``\\r`` overwrites the line it is on. `printable`
shows each such character as escaped text instead (``ESC`` -> ``\\x1b``), once, where data enters a rendering:
the failure diff, the terminal summary, the progress line, the Markdown diff file, the CLI's output, JUnit and
the GitHub summary. Every report writes its own text through it, so a forged sequence is visible, never obeyed.

What it escapes: C0 controls but ``\\n`` (when ``newlines``) and ``\\t``; ``DEL``; C1 controls (U+0080-U+009F,
which some terminals obey as 8-bit ``CSI``/``OSC``); the line and paragraph separators U+2028 and U+2029
(``str.splitlines`` breaks a line there, so a report splitting its text would start a line from data; with
``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e`` and ``\\x85`` they are every break but ``\\n``); the bidi
embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069); lone surrogates (which cannot be encoded, so
would crash a report) and U+FFFE/U+FFFF. A Windows line end ``\\r\\n`` is a newline.
The result holds only characters XML 1.0 allows, so JUnit can carry it.
"""

from __future__ import annotations

import re

_RANGES = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
_UNSAFE = re.compile(f"[\x00-\x08\x0a-\x1f{_RANGES}]")
_UNSAFE_KEEP_LINES = re.compile(f"[\x00-\x08\x0b-\x1f{_RANGES}]")


_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


def printable(text: object, *, newlines: bool = True) -> str:
    """``text`` with every control, bidi-override and unencodable character shown as its escape (``\\x1b``).

    ``newlines=True`` keeps line breaks (a multi-line diff stays multi-line; ``\\r\\n`` becomes ``\\n``, a lone
    ``\\r`` is escaped so it cannot overwrite a line); ``newlines=False`` escapes them too, for one-line places
    (a table cell, a progress line, an XML attribute). Tabs are kept. Idempotent, linear in the text.
    """
    value = str(text)
    if newlines:
        return _UNSAFE_KEEP_LINES.sub(_escape, value.replace("\r\n", "\n"))
    return _UNSAFE.sub(_escape, value)


def one_line(text: object) -> str:
    """`printable` for a place that holds one line: a line break shows as ``\\n``."""
    return printable(text, newlines=False)


def clipped(text: object, chars: int) -> str:
    """`one_line` of ``text`` with runs of whitespace collapsed, cut to ``chars`` characters with "…" (a quote in a
    diff line or a table cell)."""
    flat = one_line(" ".join(str(text).split()))
    return flat if len(flat) <= chars else flat[: chars - 1] + "…"
