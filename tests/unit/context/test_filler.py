"""The distractor filler of context_sweep: the shipped corpus, its order per input, its length in tokens, where it
goes in the prompt, and the user's own corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_behavior.context.filler import (
    DEFAULT_CORPUS,
    FOOTER,
    HEADER,
    filler_text,
    load_filler,
    with_background,
    without_background,
)
from pytest_behavior.context.tokens import count_messages, count_text
from pytest_behavior.errors import BehaviorConfigError
from tests.support.filler_corpus import corpus_text


def test_the_shipped_corpus_is_what_its_generator_writes() -> None:
    assert DEFAULT_CORPUS.read_text(encoding="utf-8") == corpus_text()
    filler = load_filler(None)
    assert filler.source == "default" and len(filler.paragraphs) == 320
    assert len(set(filler.paragraphs)) == 320


@pytest.mark.parametrize("tokens", [40, 500, 3000, 60_000])
def test_the_filler_fills_about_the_tokens_asked(tokens: int) -> None:
    text = filler_text(load_filler(None), tokens, key="7:q1")
    assert tokens - 15 <= count_text(text) <= tokens + 2  # the last paragraph is cut at a word
    if tokens > 30_000:  # more than the corpus holds: it goes on in a new order
        assert text.count(load_filler(None).paragraphs[0]) >= 2


def test_the_order_is_drawn_per_input_and_seed_and_longer_levels_hold_the_shorter() -> None:
    filler = load_filler(None)
    short, long = filler_text(filler, 300, key="7:q1"), filler_text(filler, 1200, key="7:q1")
    assert filler_text(filler, 300, key="7:q1") == short
    first_paragraphs = short.split("\n\n")[:-1]  # the last one may be cut
    assert long.startswith("\n\n".join(first_paragraphs))
    assert filler_text(filler, 300, key="7:q2") != short
    assert filler_text(filler, 300, key="8:q1") != short


def test_no_room_means_no_filler() -> None:
    assert filler_text(load_filler(None), 0, key="k") == ""
    messages = [{"role": "user", "content": "Question?"}]
    assert with_background(messages, "") == messages


def test_the_block_goes_before_the_last_user_message_and_comes_off_again() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Earlier."},
        {"role": "assistant", "content": "Yes."},
        {"role": "user", "content": "Facts: A.\nQuestion: B?"},
    ]
    padded = with_background(messages, "Paragraph one.\n\nParagraph two.")
    assert padded[:3] == messages[:3] and messages[3]["content"] == "Facts: A.\nQuestion: B?"  # not modified
    content = padded[3]["content"]
    assert content.startswith(HEADER) and content.endswith(f"{FOOTER}\n\nFacts: A.\nQuestion: B?")
    assert without_background(content) == "Facts: A.\nQuestion: B?"
    assert without_background("Facts: A.") == "Facts: A."
    assert count_messages(padded) > count_messages(messages)


def test_content_parts_get_a_text_part_first() -> None:
    padded = with_background([{"role": "user", "content": [{"type": "text", "text": "Q?"}]}], "Filler.")
    parts = padded[0]["content"]
    assert parts[0]["type"] == "text" and parts[0]["text"].startswith(HEADER) and parts[1]["text"] == "Q?"


def test_your_own_corpus_from_a_file_or_as_text(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("First   paragraph\nwraps.\n\n\nSecond one.\n", encoding="utf-8")
    from_file = load_filler("mine.txt", near=tmp_path)
    assert from_file.paragraphs == ("First paragraph wraps.", "Second one.") and from_file.source == "mine.txt"
    as_text = load_filler("Some text to pad with.\n\nAnd more of it.")
    assert as_text.source == "text" and len(as_text.paragraphs) == 2
    assert as_text.digest != from_file.digest
    with pytest.raises(BehaviorConfigError, match=r"filler='nowhere\.txt' names no file"):
        load_filler("nowhere.txt", near=tmp_path)
    (tmp_path / "empty.txt").write_text("\n\n  \n", encoding="utf-8")
    with pytest.raises(BehaviorConfigError, match="holds no text to pad prompts with"):
        load_filler(tmp_path / "empty.txt")
