"""The fact oracle shared by the simulated provider's ``accuracy=`` knob and the simulated judge."""

from __future__ import annotations

import pytest

from pytest_behavior.sampling.sim_facts import NoFactsError, content_words, holds, read_facts

SUPPORT = (
    "Context: Orders ship within 2 business days. Refunds are issued within 14 days of a return. "
    "Support is open 9am to 5pm on weekdays.\n"
    "Question: How long do refunds take?"
)


def test_a_question_line_and_the_fact_sharing_most_words() -> None:
    facts = read_facts(SUPPORT)
    assert facts.question == "How long do refunds take?"
    assert facts.facts == (
        "Orders ship within 2 business days.",
        "Refunds are issued within 14 days of a return.",
        "Support is open 9am to 5pm on weekdays.",
    )
    assert facts.right_fact == "Refunds are issued within 14 days of a return."
    assert facts.wrong_facts() == (facts.facts[0], facts.facts[2])


def test_without_a_question_line_the_last_sentence_ending_with_a_question_mark() -> None:
    prompt = "Is this a test? - Premium plans cost $30 a month.\n* The basic plan is free!\n1. What does premium cost?"
    facts = read_facts(prompt)
    assert facts.question == "What does premium cost?"
    assert facts.facts == ("- Premium plans cost $30 a month.", "The basic plan is free!")
    assert facts.right == 0
    bulleted = read_facts("- Premium plans cost $30 a month.\n* The basic plan is free!\nWhat does premium cost?")
    assert bulleted.facts == ("Premium plans cost $30 a month.", "The basic plan is free!")


def test_the_last_question_line_wins_and_headings_questions_and_repeats_are_not_facts() -> None:
    prompt = (
        "Question: an old question?\nFacts:\nThe warranty lasts two years. Is that long?\n"
        "The warranty lasts two years.\n"
        "Shipping is free.\nOk.\nQuestion: How long is the warranty?\nAnswer:"
    )
    facts = read_facts(prompt)
    assert facts.question == "How long is the warranty?"
    assert facts.facts == ("The warranty lasts two years.", "Shipping is free.")
    assert facts.right_fact == "The warranty lasts two years."


def test_ties_go_to_the_first_fact_and_plurals_match() -> None:
    assert read_facts("Cats sleep a lot. Dogs bark loudly.\nWhat time is it?").right == 0, "no overlap: the first"
    assert read_facts("Dogs bark. Cats purr. Cats nap.\nWhat do cats do?").right_fact == "Cats purr."
    assert content_words("How long do refunds take?") == {"long", "refund", "take"}


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("Summarize the ticket. The printer is broken.", "no question"),
        ("", "no question"),
        ("What is the refund window?", "no facts"),
        ("Context:\nOk.\nQuestion: what?", "no facts"),
    ],
)
def test_a_prompt_without_question_or_facts(prompt: str, message: str) -> None:
    with pytest.raises(NoFactsError, match=message):
        read_facts(prompt)


def test_holds_reads_words_in_order_case_and_punctuation_aside() -> None:
    assert holds("So: REFUNDS are issued within 14 days of a return!", "Refunds are issued within 14 days of a return.")
    assert holds('{"answer": "It takes 14 days."}', "14 days")
    assert not holds("It takes 140 days.", "14 days")
    assert not holds("days 14", "14 days")
    assert not holds("anything", "...")
    assert holds("caf\u00e9 ouvert", "CAF\u00c9")


def test_a_fact_that_holds_the_right_one_is_not_a_wrong_fact() -> None:
    facts = read_facts(
        "Refunds take 14 days. Refunds take 14 days for premium members. Shipping is free.\nQ?\n"
        "Question: How long do refunds take?"
    )
    assert facts.right_fact == "Refunds take 14 days."
    assert facts.wrong_facts() == ("Shipping is free.",)
