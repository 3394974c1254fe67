"""The distractor filler of ``context_sweep``: text that pads a prompt to a share of the model's context window.

**Where it goes.** The filler is a block at the start of the last user message, before the question::

    Background documents (some may be unrelated to the question):

    <paragraph>

    <paragraph>
    ...

    End of background documents.

    <the user message as the prompt template rendered it>

The system prompt and earlier turns are left as they are (they count toward the level's tokens).

**What it is.** By default, `DEFAULT_CORPUS`: 320 short paragraphs of original, neutral prose about everyday places
and routines, written for pytest-behavior (no facts a test question is likely to ask about). ``filler=`` takes your
own: a path to a UTF-8 text file, or the text itself; paragraphs are separated by blank lines.

**Which paragraphs.** The paragraphs are shuffled with ``random.Random(f"{seed}:{input id}")`` and taken in that
order until the level's tokens are reached (the last one cut at a word); when the corpus runs out, it is shuffled
again and the order goes on. Every level of an input takes a prefix of the same order, so a longer level holds the
shorter one's filler and more: deterministic per (input, level, seed).
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_behavior.errors import BehaviorConfigError

DEFAULT_CORPUS = Path(__file__).with_name("filler.txt")
HEADER = "Background documents (some may be unrelated to the question):"
FOOTER = "End of background documents."
SEPARATOR = "\n\n"
MIN_CUT_TOKENS = 8
"""A last paragraph is cut to fit only when at least this many of its tokens fit (else it is left out)."""
TOP_UPS = 3


@dataclass(frozen=True)
class Filler:
    """A distractor corpus: its paragraphs, where it came from (``default``, a file name, or ``text``) and a short
    hash of its paragraphs (recorded, so that another corpus is another spec)."""

    paragraphs: tuple[str, ...]
    source: str

    @functools.cached_property
    def digest(self) -> str:
        return hashlib.sha256("\x00".join(self.paragraphs).encode()).hexdigest()[:16]

    @functools.cached_property
    def tokens(self) -> tuple[tuple[int, ...], ...]:
        from pytest_behavior.context.tokens import encoding

        return tuple(tuple(encoding().encode(p, disallowed_special=())) for p in self.paragraphs)

    def describe(self) -> dict[str, Any]:
        return {"source": self.source, "sha256": self.digest, "paragraphs": len(self.paragraphs)}


def load_filler(value: Any, *, near: Path | None = None) -> Filler:
    """The corpus ``filler=`` names: None (the default), a path (relative paths are looked up next to the test file
    ``near`` first), or the text itself (a string that names no file and holds a space or a line break)."""
    if value is None:
        return _from_file(DEFAULT_CORPUS, source="default")
    if isinstance(value, Path) or (isinstance(value, str) and _looks_like_path(value)):
        path = Path(value)
        candidates = [path] if path.is_absolute() or near is None else [near / path, path]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            raise BehaviorConfigError(
                f"@pytest.mark.context_sweep: filler={str(value)!r} names no file "
                f"(looked in {', '.join(str(p) for p in candidates)})"
            )
        return _from_file(found, source=found.name)
    return _from_text(str(value), source="text", where="filler= text")


def _looks_like_path(value: str) -> bool:
    return "\n" not in value and (" " not in value or value.endswith((".txt", ".md")))


def _from_file(path: Path, *, source: str) -> Filler:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BehaviorConfigError(f"@pytest.mark.context_sweep: cannot read the filler file {path}: {exc}") from None
    return _from_text(text, source=source, where=f"the filler file {path}")


def _from_text(text: str, *, source: str, where: str) -> Filler:
    paragraphs = tuple(" ".join(p.split()) for p in text.split(SEPARATOR) if p.strip())
    if not paragraphs:
        raise BehaviorConfigError(f"@pytest.mark.context_sweep: {where} holds no text to pad prompts with")
    return Filler(paragraphs, source)


def block_overhead() -> int:
    """The tokens of the block's header and footer with their separators."""
    from pytest_behavior.context.tokens import count_text

    return count_text(HEADER + SEPARATOR + SEPARATOR + FOOTER + SEPARATOR)


def filler_text(filler: Filler, tokens: int, *, key: str) -> str:
    """About ``tokens`` tokens of ``filler``'s paragraphs in the order ``key`` draws (see the module docstring), the
    last one cut at a word; empty when ``tokens`` leaves no room for a paragraph.

    Paragraphs are added by their own token counts, which run a little high joined (a separator may merge with the
    text before it); the text is then measured and topped up, at most `TOP_UPS` times."""
    from pytest_behavior.context.tokens import count_text, encoding

    pieces: list[str] = []
    order = _order(len(filler.paragraphs), key)
    index = next(order)
    used = 0
    for _ in range(TOP_UPS):
        while used + len(filler.tokens[index]) + 1 <= tokens:
            pieces.append(filler.paragraphs[index])
            used += len(filler.tokens[index]) + 1
            index = next(order)
        used = count_text(SEPARATOR.join(pieces)) + 1 if pieces else 0
        if used + len(filler.tokens[index]) + 1 > tokens:
            break
    room = tokens - used - 1
    if room >= MIN_CUT_TOKENS:
        cut = encoding().decode(list(filler.tokens[index][:room]))
        pieces.append(cut.rsplit(" ", 1)[0] if " " in cut else cut)
    return SEPARATOR.join(pieces)


def _order(count: int, key: str) -> Iterator[int]:
    cycle = 0
    while True:
        order = list(range(count))
        random.Random(f"{key}:{cycle}" if cycle else key).shuffle(order)
        yield from order
        cycle += 1


def with_background(messages: Sequence[Mapping[str, Any]], text: str) -> list[dict[str, Any]]:
    """``messages`` with the background block ``text`` at the start of the last user message."""
    copied = [dict(m) for m in messages]
    if not text:
        return copied
    block = f"{HEADER}{SEPARATOR}{text}{SEPARATOR}{FOOTER}{SEPARATOR}"
    for message in reversed(copied):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, list):
            message["content"] = [{"type": "text", "text": block}, *content]
        else:
            message["content"] = block + str(content or "")
        return copied
    raise BehaviorConfigError("context_sweep pads the last user message, and the prompt has none")


def without_background(text: str) -> str:
    """A user message with its background block taken out (what the simulated provider answers from)."""
    if not text.startswith(HEADER):
        return text
    end = text.find(SEPARATOR + FOOTER + SEPARATOR)
    return text if end < 0 else text[end + len(SEPARATOR + FOOTER + SEPARATOR) :]
