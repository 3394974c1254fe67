"""Perturbations: what each one may and may not change, determinism, dict inputs, descriptions, validation."""

from __future__ import annotations

import copy
import json
import random
import re
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_behavior.perturb import (
    Casing,
    Change,
    Compose,
    DialectSwap,
    NameSwap,
    OneOf,
    Perturbation,
    Perturbed,
    PronounSwap,
    Punctuation,
    ReorderListItems,
    Typos,
    Whitespace,
    perturbation_from_description,
)
from pytest_behavior.perturb.names import culture_of, find_names, gender_of
from pytest_behavior.strategies import loan_applications, names, perturbations

FAST = settings(max_examples=40, deadline=None)
SEEDS = st.integers(0, 2**32 - 1)

LOAN_REQUEST = (
    "Hello, I am {a}. I'd like to borrow $12,500 for {purpose}; my income is 48,000 a year.\n"
    "{b} (my brother-in-law) can co-sign.\n"
    "- payslips for March\n- bank statements\n- a photo ID\n"
    "{given} has never missed a payment, says {b}."
)


def request_texts() -> st.SearchStrategy[str]:
    """Requests with full names, a lone given name, amounts and a list."""
    return st.tuples(names(), names(), st.sampled_from(["a car", "the roof", "university fees"])).map(
        lambda t: LOAN_REQUEST.format(a=t[0], b=t[1], given=t[0].split()[0], purpose=t[2])
    )


def texts() -> st.SearchStrategy[str]:
    return st.one_of(st.text(max_size=80), request_texts(), st.sampled_from(SENTENCES))


SENTENCES = [
    "He gave her his book.",
    "Mr Clarke and his wife want a loan for their apartment.",
    "My favorite color is gray!",
    'Emily  Clarke,\tJosé García and Wei asked: "can we pay in installments?"',
    "1. rent\n2. food\n3. fuel",
    "",
    "   ",
    "12345",
    "Ok.",
]


def apply(perturbation: Perturbation, value: Any, seed: int = 0) -> Perturbed:
    return perturbation.apply(value, random.Random(seed))


def without_names(text: str) -> str:
    """``text`` with the spans of the names found in it cut out."""
    pieces, end = [], 0
    for start, stop, _ in find_names(text):
        pieces.append(text[end:start])
        end = stop
    return "".join(pieces) + text[end:]


# --------------------------------------------------------------------------------------------------
# every perturbation
# --------------------------------------------------------------------------------------------------


@FAST
@given(perturbation=perturbations(max_compose=3), text=texts(), seed=SEEDS)
def test_every_perturbation_is_deterministic_given_the_seed(perturbation: Perturbation, text: str, seed: int) -> None:
    first, second = apply(perturbation, text, seed), apply(perturbation, text, seed)
    assert first == second
    assert isinstance(first.value, str) and first.original == text
    assert first.changed == bool(first.changes)


@FAST
@given(perturbation=perturbations(), application=loan_applications(), seed=SEEDS)
def test_dict_inputs_keep_other_fields_and_are_never_mutated(
    perturbation: Perturbation, application: dict[str, Any], seed: int
) -> None:
    application["documents"] = ["payslip", "ID", "bank statement"]
    application["address"] = {"city": "Leeds"}
    before = copy.deepcopy(application)
    result = apply(perturbation, application, seed)
    assert application == before
    assert isinstance(result.value, dict) and result.value.keys() == before.keys()
    for key in ("age", "income", "amount", "address"):
        assert result.value[key] == before[key] and type(result.value[key]) is type(before[key])
    assert Counter(result.value["documents"]) == Counter(before["documents"])
    assert {c.field for c in result.changes} <= {"name", "purpose", "documents"}
    assert result.changed == bool(result.changes)


def test_fields_limit_what_changes() -> None:
    application = {"name": "Emily Clarke", "note": "Emily needs a car", "purpose": "a car"}
    result = apply(Casing(mode="upper", fields=("note", "missing")), application)
    assert result.value == {**application, "note": "EMILY NEEDS A CAR"}
    assert result.changes == (Change("casing", "Emily needs a car", "EMILY NEEDS A CAR", "note"),)
    assert apply(Casing(mode="upper", fields="note"), application) == result  # one field name as a str is accepted


ALL_KINDS = [
    NameSwap(),
    PronounSwap(),
    DialectSwap(),
    Whitespace(),
    Casing(mode="lower"),
    Punctuation(),
    Typos(),
    ReorderListItems(),
    NameSwap() + Typos(),
    OneOf((PronounSwap(), DialectSwap())),
]


@pytest.mark.parametrize("perturbation", ALL_KINDS, ids=lambda p: p.label())
@pytest.mark.parametrize("value", ["", {"n": 3, "flag": True, "nested": {"text": "He"}}, {}])
def test_nothing_to_change_returns_the_original(perturbation: Perturbation, value: Any) -> None:
    result = apply(perturbation, value)
    assert result == Perturbed(value, value, ()) and result.value is value
    assert not result.changed and result.kinds == () and result.describe() == "no change"


@pytest.mark.parametrize(
    "perturbation", [p for p in ALL_KINDS if p.kind not in ("whitespace", "punctuation")], ids=lambda p: p.label()
)
def test_word_level_perturbations_leave_plain_text_alone(perturbation: Perturbation) -> None:
    assert apply(perturbation, "ok, 42 — 7 ms?").value == "ok, 42 — 7 ms?"
    assert apply(Whitespace(), " \n\t").value == " \n\t"


# --------------------------------------------------------------------------------------------------
# surface noise
# --------------------------------------------------------------------------------------------------


@FAST
@given(text=texts(), seed=SEEDS)
def test_whitespace_never_changes_the_words(text: str, seed: int) -> None:
    result = apply(Whitespace(), text, seed)
    assert isinstance(result.value, str) and result.value.split() == text.split()
    assert result.changed == bool(text.strip())
    assert result.kinds == (("whitespace",) if text.strip() else ())


@FAST
@given(text=texts(), mode=st.sampled_from(["lower", "upper", "title", "random", "any"]), seed=SEEDS)
def test_casing_keeps_the_lowercase_text(text: str, mode: Any, seed: int) -> None:
    result = apply(Casing(mode=mode), text, seed)
    assert isinstance(result.value, str) and result.value.lower() == text.lower()
    if mode in ("random", "any") and any(c.isascii() and c.isalpha() for c in text):
        assert result.changed


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("lower", "i can't pay $5,000 in july"),
        ("upper", "I CAN'T PAY $5,000 IN JULY"),
        ("title", "I Can't Pay $5,000 In July"),
    ],
)
def test_casing_modes(mode: Any, expected: str) -> None:
    assert apply(Casing(mode=mode), "I can't pay $5,000 in July").value == expected


def letters_and_digits(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


@FAST
@given(text=texts(), seed=SEEDS)
def test_punctuation_keeps_letters_and_digits(text: str, seed: int) -> None:
    result = apply(Punctuation(), text, seed)
    assert isinstance(result.value, str)
    assert letters_and_digits(result.value) == letters_and_digits(text)


@pytest.mark.parametrize(
    ("text", "possible"),
    [
        ("Approve it!", {"Approve it", "Approve it!!!"}),
        ('I said "yes"', {"I said “yes”", 'I said "yes".'}),
        ("It’s fine", {"It's fine", "It’s fine."}),
        ("Well, 10,000 or 2,5", {"Well 10,000 or 2,5", "Well, 10,000 or 2,5."}),
    ],
)
def test_punctuation_operations(text: str, possible: set[str]) -> None:
    seen = {apply(Punctuation(), text, seed).value for seed in range(40)}
    assert possible <= seen and text not in seen


@FAST
@given(
    text=st.one_of(request_texts(), st.text(max_size=80)),
    seed=SEEDS,
    rate=st.sampled_from([0.01, 0.2, 1.0]),
    max_typos=st.integers(1, 5),
)
def test_typos_never_touch_digits_or_names(text: str, seed: int, rate: float, max_typos: int) -> None:
    result = apply(Typos(rate=rate, max_typos=max_typos), text, seed)
    assert isinstance(result.value, str)
    assert [c for c in result.value if c.isdigit()] == [c for c in text if c.isdigit()]
    assert re.findall(r"\d+", result.value) == re.findall(r"\d+", text)
    assert [n for *_, n in find_names(result.value)] == [n for *_, n in find_names(text)]
    assert len(result.changes) <= max_typos
    plain = re.sub(r"\S*(?:@|://|www\.)\S*", " ", without_names(text))  # addresses are left alone too
    if any(m.group().isalpha() for m in re.finditer(r"(?<!\w)[^\W\d_]{4,}(?!\w)", plain)):
        assert result.changes and all(c.kind == "typo" and c.before != c.after for c in result.changes)


def test_typos_are_small_edits_inside_words() -> None:
    text = "Please approve the application quickly"
    for seed in range(30):
        result = apply(Typos(rate=1.0, max_typos=2), text, seed)
        assert 1 <= len(result.changes) <= 2
        for change in result.changes:
            assert change.before[0] == change.after[0] and abs(len(change.before) - len(change.after)) <= 1
            assert change.before in text.split()
    addresses = "ask billing@example.com or https://example.org/loans please"
    assert {c.before for s in range(10) for c in apply(Typos(rate=1.0, max_typos=9), addresses, s).changes} == {
        "please"
    }


@FAST
@given(
    items=st.lists(st.text("abcdef XYZ", min_size=1, max_size=12).map(str.strip).filter(bool), min_size=1, max_size=6),
    style=st.sampled_from(["- ", "* ", "• ", "1. ", "1) "]),
    ending=st.sampled_from(["\n", "\r\n"]),
    seed=SEEDS,
)
def test_reorder_keeps_the_items_and_numbers(items: list[str], style: str, ending: str, seed: int) -> None:
    numbered = style[0] == "1"
    lines = [f"{i}{style[1:]}{item}" if numbered else style + item for i, item in enumerate(items, start=1)]
    text = ending.join(["Documents:", *lines, "Thanks"])
    result = apply(ReorderListItems(), text, seed)
    assert isinstance(result.value, str)
    out = result.value.split(ending)
    assert out[0] == "Documents:" and out[-1] == "Thanks" and len(out) == len(items) + 2
    markers = [line[: len(style)] for line in out[1:-1]]
    bodies = [line[len(style) :] for line in out[1:-1]]
    assert markers == [line[: len(style)] for line in lines]  # numbers stay 1..n
    assert Counter(bodies) == Counter(items)
    assert result.changed == (len(set(items)) >= 2)


def test_reorder_moves_continuation_lines_and_list_fields() -> None:
    text = "Needs:\n  - rent\n    (due Monday)\n  - food\nDone"
    result = apply(ReorderListItems(), text)
    assert result.value == "Needs:\n  - food\n  - rent\n    (due Monday)\nDone"
    fields = apply(ReorderListItems(), {"docs": ("a", "b"), "same": ["x", "x"], "note": "- only one"})
    assert fields.value == {"docs": ("b", "a"), "same": ["x", "x"], "note": "- only one"}
    assert [str(c) for c in fields.changes] == ['docs.reorder: \'["a", "b"]\' -> \'["b", "a"]\'']


# --------------------------------------------------------------------------------------------------
# names, pronouns, dialect
# --------------------------------------------------------------------------------------------------


@FAST
@given(text=request_texts(), seed=SEEDS)
def test_name_swap_changes_only_names_consistently_and_keeps_gender(text: str, seed: int) -> None:
    result = apply(NameSwap(), text, seed)
    assert isinstance(result.value, str)
    assert without_names(result.value) == without_names(text)
    assert len(find_names(result.value)) == len(find_names(text))
    replaced = {c.before: c.after for c in result.changes}
    assert len(replaced) == len(result.changes)  # one replacement per distinct name
    for change in result.changes:
        assert change.kind == "name" and change.before != change.after
        assert len(change.before.split()) == len(change.after.split())
        assert gender_of(change.after) == gender_of(change.before)
        assert culture_of(change.after) != culture_of(change.before)
        if len(change.before.split()) == 2 and change.before.split()[0] in replaced:
            assert replaced[change.before.split()[0]] == change.after.split()[0]  # the lone given name too
    assert len(set(replaced.values())) == len(replaced)  # two people never become one


@FAST
@given(
    text=request_texts(),
    to=st.lists(st.sampled_from(["nigerian", "arabic", "korean", "english"]), min_size=1, max_size=3, unique=True),
    seed=SEEDS,
)
def test_name_swap_respects_the_target_cultures(text: str, to: list[str], seed: int) -> None:
    result = apply(NameSwap(to=tuple(to)), text, seed)
    assert result.changes
    assert {culture_of(c.after) for c in result.changes} <= set(to)


def test_name_swap_examples() -> None:
    text = "Emily Clarke and James Clarke applied; Emily signed. Wei Zhang did not."
    result = apply(NameSwap(to="nigerian", from_cultures=("english",)), text, seed=3)
    assert isinstance(result.value, str)
    new = {c.before: c.after for c in result.changes}
    assert set(new) == {"Emily Clarke", "James Clarke", "Emily"}
    assert new["Emily Clarke"].split()[1] == new["James Clarke"].split()[1]  # one family, one new family name
    assert new["Emily"] == new["Emily Clarke"].split()[0]
    assert result.value.endswith("Wei Zhang did not.")
    assert gender_of(new["James Clarke"]) == "male" and culture_of(new["Emily"]) == "nigerian"
    assert apply(NameSwap(keep_gender=False, to="german"), "José Pérez", 1).value != "José Pérez"


def test_name_swap_on_whole_name_fields() -> None:
    result = apply(NameSwap(to="japanese"), {"first": "EMILY", "last": "clarke", "id": 7}, seed=2)
    assert isinstance(result.value, dict)
    assert result.value["first"].isupper() and result.value["last"].islower() and result.value["id"] == 7
    assert culture_of(result.value["first"]) == culture_of(result.value["last"]) == "japanese"
    assert [c.field for c in result.changes] == ["first", "last"]


PRONOUN_CASES = [
    ("He gave her his book.", "She gave him her book."),
    ("She told him about her plans.", "He told her about his plans."),
    ("The car is his, not hers.", "The car is hers, not his."),
    ("He did it himself.", "She did it herself."),
    ("Mr Clarke and his wife", "Ms Clarke and her husband"),
    ("HE SAID HIS INCOME IS STABLE", "SHE SAID HER INCOME IS STABLE"),
    ("Ask her. Pay him 500 dollars.", "Ask him. Pay her 500 dollars."),
    ("She's my daughter and he's her father.", "He's my son and she's his mother."),
]


@pytest.mark.parametrize(("text", "swapped"), PRONOUN_CASES)
def test_pronoun_swap_examples_and_involution(text: str, swapped: str) -> None:
    assert apply(PronounSwap(), text).value == swapped
    assert apply(PronounSwap(), swapped).value == text


def test_pronoun_swap_details() -> None:
    assert apply(PronounSwap(), "Mrs Ng paid 200 ms later.").value == "Mr Ng paid 200 ms later."
    assert apply(PronounSwap(nouns=False), "his wife").value == "her wife"
    result = apply(PronounSwap(), "He and he")
    assert [str(c) for c in result.changes] == ["pronoun: 'He' -> 'She'", "pronoun: 'he' -> 'she'"]


@pytest.mark.parametrize(
    ("direction", "text", "expected"),
    [
        ("us_to_uk", "My favorite Color is gray.", "My favourite Colour is grey."),
        ("us_to_uk", "I rent an apartment near the parking lot.", "I rent a flat near the car park."),
        ("us_to_uk", "Call my CELL PHONE, Zip Code 90210", "Call my MOBILE PHONE, Postcode 90210"),
        (
            "uk_to_us",
            "The lorry is in the car park; I'm on holiday.",
            "The truck is in the parking lot; I'm on holiday.",
        ),
        ("uk_to_us", "Organise the centre of my flat", "Organize the center of my flat"),
        ("both", "My colour, my truck.", "My color, my lorry."),
        ("both", "Discolored colorful recolor", "Discolored colorful recolor"),
    ],
)
def test_dialect_swap_examples(direction: Any, text: str, expected: str) -> None:
    assert apply(DialectSwap(direction=direction), text).value == expected


# --------------------------------------------------------------------------------------------------
# composition, descriptions, formats, validation
# --------------------------------------------------------------------------------------------------


def test_compose_and_one_of() -> None:
    both = NameSwap(to="korean") + Casing(mode="upper") + Typos()
    assert isinstance(both, Compose) and len(both.parts) == 3
    result = apply(both, "Emily Clarke wants a mortgage", seed=1)
    assert result.kinds == ("name", "casing", "typo")
    assert both.label() == "name swap (to korean) + casing (upper) + typos"
    choice = OneOf((PronounSwap(), Whitespace()))
    picked = {apply(choice, "she pays", s).kinds for s in range(20)}
    assert picked == {("pronoun",), ("whitespace",)}
    assert apply(OneOf((PronounSwap(), Whitespace())), "no pronouns", 0).kinds == ("whitespace",)
    assert choice.label() == "one of (pronoun swap, whitespace)"


@pytest.mark.parametrize(
    ("perturbation", "label"),
    [
        (NameSwap(), "name swap"),
        (NameSwap(to=("nigerian", "arabic")), "name swap (to nigerian, arabic)"),
        (NameSwap(from_cultures=("english",), to="polish"), "name swap (from english to polish)"),
        (Typos(), "typos"),
        (Typos(rate=0.1, max_typos=5), "typos (rate 0.1, at most 5)"),
        (DialectSwap(direction="uk_to_us"), "dialect (UK -> US)"),
        (Casing(), "casing"),
        (ReorderListItems(fields=("items",)), "list order in items"),
        (Whitespace(), "whitespace"),
    ],
)
def test_labels(perturbation: Perturbation, label: str) -> None:
    assert perturbation.label() == label


@settings(max_examples=60, deadline=None)
@given(
    perturbation=st.one_of(
        perturbations(max_compose=3),
        st.lists(perturbations(max_compose=1), min_size=1, max_size=3).map(lambda ps: OneOf(tuple(ps))),
    )
)
def test_describe_round_trips_through_json(perturbation: Perturbation) -> None:
    described = json.loads(json.dumps(perturbation.describe()))
    assert perturbation_from_description(described) == perturbation
    assert described["perturbation"] == perturbation.kind


def test_describe_and_options() -> None:
    assert Typos(fields=("note",)).describe() == {
        "perturbation": "typo",
        "rate": 0.05,
        "max_typos": 3,
        "fields": ["note"],
    }
    assert NameSwap(to=["arabic"]).to == ("arabic",)  # type: ignore[arg-type]
    assert perturbation_from_description({"perturbation": "name", "to": "arabic"}) == NameSwap(to="arabic")


def test_change_and_perturbed_formats() -> None:
    change = Change("name", "Emily Clarke", "Oluwafemi Adeyemi")
    assert str(change) == "name: 'Emily Clarke' -> 'Oluwafemi Adeyemi'"
    assert str(Change("name", "Emily", "Ngozi", field="applicant")) == "applicant.name: 'Emily' -> 'Ngozi'"
    long_before, long_after = "x" * 100 + " end.", "x" * 100 + " end"
    shown = str(Change("punctuation", long_before, long_after))
    assert "end." in shown and len(shown) < 120 and "…" in shown
    perturbed = Perturbed("a", "b", (change, Change("typo", "loan", "laon"), Change("name", "x", "y")))
    assert perturbed.kinds == ("name", "typo") and perturbed.changed
    assert perturbed.describe() == (
        "name: 'Emily Clarke' -> 'Oluwafemi Adeyemi'; typo: 'loan' -> 'laon'; name: 'x' -> 'y'"
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Typos(rate=0), r"rate must be a number in \(0, 1\]"),
        (lambda: Typos(rate=1.5), "rate"),
        (lambda: Typos(max_typos=0), "max_typos=0"),
        (lambda: NameSwap(to="martian"), "unknown culture 'martian'"),
        (lambda: NameSwap(from_cultures=()), "names no culture"),
        (lambda: Casing(mode="shouty"), "shouty"),
        (lambda: DialectSwap(direction="au"), "us_to_uk"),
        (lambda: Compose(()), "at least one"),
        (lambda: OneOf(()), "at least one"),
        (lambda: Compose(("typos",)), "Perturbation objects"),
        (lambda: Whitespace(fields=()), "fields"),
        (lambda: perturbation_from_description({"perturbation": "shout"}), "unknown perturbation 'shout'"),
        (lambda: perturbation_from_description({"perturbation": "typo", "ratio": 1}), "no option 'ratio'"),
        (lambda: perturbation_from_description({"rate": 1}), "'perturbation' key"),
    ],
)
def test_validation_errors(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_unknown_culture_lists_the_known_ones_and_bad_inputs_are_type_errors() -> None:
    with pytest.raises(ValueError, match="english, spanish, arabic"):
        NameSwap(to=("english", "klingon"))
    with pytest.raises(TypeError, match="needs a str or a mapping"):
        apply(Typos(), 42)
