"""The correctness matchers: each one's normalisation, its edge cases, and the references it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_behavior.properties.matchers import (
    Matcher,
    MatchError,
    choice,
    choice_letter,
    contains,
    exact,
    expected_letter,
    expected_number,
    final_number,
    json_match,
    json_subset,
    normalize,
    numbers,
    parse_options,
    regex,
    tokens,
)

# --- normalisation -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  **Paris.**", ("paris",)),
        ("New-York", ("new", "york")),
        ("U.S.", ("u", "s")),
        ("C++", ("c", "+", "+")),
        ("It costs $30.", ("it", "costs", "$", "30")),
        ("1,234.5 dollars", ("1,234.5", "dollars")),
        ("-5 and \u22125 and +5", ("-5", "and", "-5", "and", "5")),
        ("x-5", ("x", "5")),
        ("don't", ("don", "t")),
        ("Straße", ("strasse",)),
        ("ＰＡＲＩＳ", ("paris",)),  # full-width letters: NFKC
        ("`Paris`", ("paris",)),  # a Markdown code quote
        ("10:30 on 2024-01-01", ("10:30", "on", "2024-01-01")),
        ("हिन्दी भाषा", ("हिन्दी", "भाषा")),  # combining vowel signs stay inside their word
        ("1+1=2", ("1", "+", "1", "=", "2")),
        ("snake_case\u00a0name", ("snake", "case", "name")),  # _ is punctuation; a no-break space is a space
        ("«Très» bien…", ("très", "bien")),
        ("", ()),
    ],
)
def test_tokens(text: str, expected: tuple[str, ...]) -> None:
    assert tokens(text) == expected


def test_normalize_joins_the_tokens_with_single_spaces() -> None:
    assert normalize("  The   Eiffel\tTower!\n") == "the eiffel tower"


# --- exact and contains --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "expected", "right"),
    [
        ("Paris", "paris", True),
        ("  **Paris.**", "Paris", True),
        ('"Paris"', "Paris", True),
        ("PARIS!", "Paris", True),
        ("Paris, France", "Paris", False),
        ("The answer is Paris.", "Paris", False),
        ("New York", "new-york", True),
        ("café", "cafe", False),  # accents stay
        ("C++", "C", False),
        ("42", 42, True),
        ("3.5", 3.5, True),
        ("35", 3.5, False),  # the point between digits stays: 3.5 is not 35 (nor "3 5")
        ("-5", "5", False),
        ("ＰＡＲＩＳ", "Paris", True),
    ],
)
def test_exact(output: str, expected: Any, right: bool) -> None:
    assert exact(output, expected) is right


@pytest.mark.parametrize(
    ("output", "expected", "right"),
    [
        ("It costs $30.", "30", True),
        ("It costs $300.", "30", False),
        ("about 30.5 of them", "30", False),
        ("The capital is Paris, of course.", "paris", True),
        ("Parisian food", "Paris", False),
        ("I live in new-york city", "New York", True),
        ("York, New", "new york", False),  # in order and adjacent
        ("the answer", "The answer", True),
    ],
)
def test_contains_matches_on_token_boundaries(output: str, expected: Any, right: bool) -> None:
    assert contains(output, expected) is right


@pytest.mark.parametrize("bad", ["", "  ...  ", None, True, ["a"], {"a": 1}])
def test_exact_and_contains_refuse_a_reference_that_is_not_text(bad: Any) -> None:
    for matcher in (exact, contains):
        with pytest.raises(MatchError, match=matcher.__name__):
            matcher("anything", bad)


# --- numbers -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("The answer is 42.", [42.0]),
        ("costs $1,234.50.", [1234.5]),
        ("-3", [-3.0]),
        ("\u22123 degrees", [-3.0]),
        ("+7", [7.0]),
        ("x-5", [5.0]),
        ("5-3", [5.0, 3.0]),
        ("1e3 and 2.5E-1", [1000.0, 0.25]),
        ("v2 and H2O", []),
        ("45%", [45.0]),
        ("version 1.2.3", [1.2]),
        ("1,5", [1.0, 5.0]),
        ("1,2,3", [1.0, 2.0, 3.0]),
        (".5 of it", [0.5]),
        ("gpt-4 scored 12", [4.0, 12.0]),
        ("１２３", [123.0]),  # full-width digits: NFKC
        ("42nd street", [42.0]),
        ("no numbers here", []),
    ],
)
def test_numbers(text: str, found: list[float]) -> None:
    assert numbers(text) == found


def test_the_final_number_is_the_last_one_written() -> None:
    assert final_number("Step 1: 3 + 4 = 7. Step 2: 7 * 6 = 42. #### 42") == 42.0
    assert final_number("First 12, then the answer: 1,000,000") == 1_000_000.0
    assert final_number("nothing") is None


@pytest.mark.parametrize(
    ("output", "expected", "tolerance", "rel_tolerance", "right"),
    [
        ("The total is 42.", 42, 0.0, 0.0, True),
        ("The total is 42.0", "42", 0.0, 0.0, True),
        ("The total is 1,234.5", "1234.5", 0.0, 0.0, True),
        ("about 3.14159", 3.14, 0.01, 0.0, True),
        ("about 3.16", 3.14, 0.01, 0.0, False),
        ("110", 100, 0.0, 0.1, True),
        ("111", 100, 0.0, 0.1, False),
        ("300", 30, 0.0, 0.0, False),
        ("30, then 300", 30, 0.0, 0.0, False),  # the final number
        ("-5", 5, 0.0, 0.0, False),
        ("45%", "45%", 0.0, 0.0, True),
        ("45%", 0.45, 0.0, 0.0, False),  # a percent sign is not read
        ("I cannot say", 42, 1.0, 0.0, False),  # no number: wrong
    ],
)
def test_number(output: str, expected: Any, tolerance: float, rel_tolerance: float, right: bool) -> None:
    matcher = Matcher("number", tolerance=tolerance, rel_tolerance=rel_tolerance)
    assert matcher.matches(output, expected) is right


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("about twelve", "holds no number"),
        ("between 3 and 4", "holds 2 numbers"),
        (float("nan"), "finite number"),
        (True, "a number or a string"),
        (None, "a number or a string"),
    ],
)
def test_a_number_reference_holds_exactly_one_number(bad: Any, message: str) -> None:
    with pytest.raises(MatchError, match=message):
        expected_number(bad)


# --- multiple choice -----------------------------------------------------------------------------------------------

OPTIONS = ("Paris", "London", "Rome", "Berlin")


@pytest.mark.parametrize(
    ("output", "letter"),
    [
        ("B", "b"),
        ("(B)", "b"),
        ("b.", "b"),
        ("**C**", "c"),
        ("Answer: B", "b"),
        ("answer:(d)", "d"),
        ("the answer is b)", "b"),
        ("The answer is (C).", "c"),
        ("**Answer:** C", "c"),
        ("The correct option is D because Berlin is the capital.", "d"),
        ("My final answer would be option B", "b"),
        ("Choice: A", "a"),
        ("Option A is wrong, the answer is C", "c"),  # a mention is not a statement; the last statement counts
        ("the answer is b", "b"),
        ("the answer is b.\nBecause London...", "b"),
        ("The answer is a city in France.", None),  # a lowercase article, not an option letter
        ("B) London, the capital of the UK", "b"),
        ("(C) Rome", "c"),
        ("D. Berlin", "d"),
        ("It is Paris.", "a"),  # the option's text
        ("Paris, not London", None),  # two options named: no letter
        ("I do not know", None),
    ],
)
def test_choice_letter(output: str, letter: str | None) -> None:
    assert choice_letter(output, OPTIONS) == letter


def test_without_options_only_letters_are_read() -> None:
    assert choice_letter("It is Paris.") is None
    assert choice_letter("Answer: B") == "b"


def test_an_option_inside_a_longer_option_does_not_count_when_the_longer_one_is_named() -> None:
    options = ("Paris", "Paris, Texas", "Rome")
    assert choice_letter("It is Paris, Texas.", options) == "b"
    assert choice_letter("It is Paris.", options) == "a"


@pytest.mark.parametrize(
    ("output", "expected", "right"),
    [
        ("Answer: B", "B", True),
        ("Answer: B", "(b)", True),
        ("Answer: B", "London", True),  # the option's text
        ("Answer: B", "london.", True),
        ("Answer: C", "B", False),
        ("It is Rome.", "C", True),
        ("nothing", "A", False),
    ],
)
def test_choice(output: str, expected: Any, right: bool) -> None:
    assert choice(output, expected, OPTIONS) is right


def test_options_may_be_an_object_from_letters_to_texts() -> None:
    assert parse_options({"B": "London", "a": "Paris"}) == ("Paris", "London")
    assert choice("It is London", "B", parse_options({"A": "Paris", "B": "London"}))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Paris, London", "a list of texts"),
        ({"A": "Paris", "C": "Rome"}, "map the letters"),
        ([], "1 to 26 options"),
        (["Paris", None], "each option must be a text"),
    ],
)
def test_malformed_options_are_refused(value: Any, message: str) -> None:
    with pytest.raises(MatchError, match=message):
        parse_options(value)


@pytest.mark.parametrize(
    ("expected", "options", "message"),
    [
        ("Madrid", OPTIONS, "neither a letter nor the text"),
        ("Paris", None, "the input has no options"),
        ("F", OPTIONS, "beyond the 4 options"),
        (None, OPTIONS, "a letter or an option's text"),
    ],
)
def test_a_reference_that_names_no_option_is_refused(expected: Any, options: Any, message: str) -> None:
    with pytest.raises(MatchError, match=message):
        expected_letter(expected, options)


# --- regex and JSON ------------------------------------------------------------------------------------------------


def test_regex_searches_the_raw_output_without_flags() -> None:
    assert regex("Order #12345 shipped", r"#\d{5}\b")
    assert not regex("order shipped", r"Order")
    assert regex("order shipped", r"(?i)Order")
    assert not regex("a\nb", r"a.b") and regex("a\nb", r"(?s)a.b")


def test_regex_refuses_a_pattern_that_does_not_compile_or_is_not_text() -> None:
    with pytest.raises(MatchError, match="not a valid regular expression"):
        regex("x", "(unclosed")
    with pytest.raises(MatchError, match="pattern string"):
        regex("x", 5)


@pytest.mark.parametrize(
    ("expected", "actual", "contained"),
    [
        ({"a": 1}, {"a": 1, "b": 2}, True),
        ({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}, True),
        ({"a": 1}, {"a": 2}, False),
        ({"a": 1}, {"b": 1}, False),
        ({"a": [1, 2]}, {"a": [1, 2]}, True),
        ({"a": [1, 2]}, {"a": [2, 1]}, False),  # arrays in order
        ({"a": [1]}, {"a": [1, 2]}, False),  # and of the same length
        ([{"id": 1}], [{"id": 1, "name": "x"}], True),  # elements contain the expected ones
        (1, 1.0, True),
        (True, 1, False),
        (1, True, False),
        (None, None, True),
        (None, 0, False),
        ("Yes", "yes", False),  # strings exactly
        ({"a": 1}, [1], False),
    ],
)
def test_json_subset(expected: Any, actual: Any, contained: bool) -> None:
    assert json_subset(expected, actual) is contained


def test_json_match_reads_the_output_as_schema_stability_does_and_a_string_reference_as_json_text() -> None:
    fenced = 'Here you go:\n```json\n{"status": "ok", "items": [{"id": 1, "qty": 2}]}\n```'
    assert json_match(fenced, {"status": "ok"})
    assert json_match(fenced, '{"items": [{"id": 1}]}')
    assert not json_match(fenced, {"status": "error"})
    assert not json_match("not json at all", {"status": "ok"})
    assert json_match('"yes"', '"yes"')
    with pytest.raises(MatchError, match="not JSON text"):
        json_match("{}", "status: ok")


# --- a function ----------------------------------------------------------------------------------------------------


def test_a_function_matcher_must_return_a_bool_and_its_errors_are_named() -> None:
    same_length = Matcher("tests.same_length", function=lambda output, expected: len(output) == len(expected))
    assert same_length.matches("abc", "xyz") and not same_length.matches("ab", "xyz")
    with pytest.raises(MatchError, match="returned 1; it must return True or False"):
        Matcher("tests.one", function=lambda output, expected: 1).matches("a", "b")
    with pytest.raises(MatchError, match=r"tests\.boom raised ZeroDivisionError"):
        Matcher("tests.boom", function=lambda output, expected: 1 / 0).matches("a", "b")
