"""Name pools and Hypothesis strategies: coverage of the pools, lookups, and reproducible draws."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_behavior.perturb import PERTURBATION_KINDS, Compose, NameSwap, Perturbed, Typos
from pytest_behavior.perturb.names import CULTURES, NamePool, culture_of, find_names, fold, full_name, gender_of
from pytest_behavior.strategies import (
    cultures,
    filled,
    loan_applications,
    names,
    perturbations,
    perturbed,
)

FAST = settings(max_examples=40, deadline=None)
REQUIRED = (
    "english",
    "spanish",
    "arabic",
    "chinese",
    "indian",
    "nigerian",
    "vietnamese",
    "polish",
    "japanese",
    "turkish",
)


# --------------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------------


def test_pools_cover_ten_cultures_with_enough_names() -> None:
    assert set(REQUIRED) <= set(CULTURES) and len(CULTURES) >= 10
    for culture, pool in CULTURES.items():
        assert isinstance(pool, NamePool) and pool.culture == culture
        assert min(len(pool.female), len(pool.male), len(pool.family)) >= 12, culture
    with pytest.raises(TypeError):
        CULTURES["klingon"] = CULTURES["english"]  # type: ignore[index]


def test_no_name_is_in_two_places() -> None:
    every = [n for pool in CULTURES.values() for n in pool.female + pool.male + pool.family]
    assert [n for n, count in Counter(fold(n).casefold() for n in every).items() if count > 1] == []
    assert all(fold(n).isascii() and fold(n).replace("-", "").isalpha() for n in every)
    assert sum(not n.isascii() for n in every) >= 5  # a few in their own spelling: José, Łukasz, Ayşe, Müller


@pytest.mark.parametrize("culture", list(CULTURES))
def test_culture_of_finds_every_name_of_a_pool(culture: str) -> None:
    pool = CULTURES[culture]
    for first in pool.female + pool.male:
        assert culture_of(first) == culture and find_names(f"Hi {first}!") == [(3, 3 + len(first), first)]
        assert gender_of(first) == ("female" if first in pool.female else "male")
    for family in pool.family:
        assert culture_of(family) == culture and culture_of(f"Bob {family}") == culture
        assert culture_of(f"{pool.male[0]} {family}") == culture
    assert (
        culture_of(f"{pool.female[0]} {CULTURES['english' if culture != 'english' else 'korean'].family[0]}") == culture
    )  # the given name decides


def test_culture_of_ignores_case_and_diacritics() -> None:
    assert culture_of("Emily Clarke") == "english"
    assert culture_of("jose garcia") == culture_of("José García") == culture_of("JOSÉ") == "spanish"
    assert culture_of("Lukasz") == culture_of("Łukasz") == "polish"
    assert culture_of("Ayse Yilmaz") == "turkish" and culture_of("Mueller") is None
    assert culture_of("Bob") is None and culture_of("") is None and gender_of("") is None


def test_find_names_spans() -> None:
    text = (
        "Dear Mr Clarke, Emily Clarke and José  García met Wei.\n"
        "Emily\nZhang signed; Jack-knife, Emilyx and EMILY are not names. Łukasz Nowak's loan."
    )
    spans = find_names(text)
    assert [name for *_, name in spans] == ["Emily Clarke", "José  García", "Wei", "Emily", "Łukasz Nowak"]
    assert all(text[start:end] == name for start, end, name in spans)
    assert [s for s, *_ in spans] == sorted(s for s, *_ in spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_full_name_is_drawn_from_the_pool() -> None:
    first = full_name("nigerian", random.Random(5))
    assert first == full_name("nigerian", random.Random(5)) and culture_of(first) == "nigerian"
    assert gender_of(full_name("korean", random.Random(1), gender="female")) == "female"
    given, family = full_name("polish", random.Random(2), gender="male").split()
    assert given in CULTURES["polish"].male and family in CULTURES["polish"].family
    with pytest.raises(ValueError, match="unknown culture 'elvish'; known cultures: english, spanish"):
        full_name("elvish", random.Random(0))


# --------------------------------------------------------------------------------------------------
# strategies
# --------------------------------------------------------------------------------------------------


@FAST
@given(
    name=names(["arabic", "japanese"], gender="female"), given_only=names("vietnamese", full=False), culture=cultures()
)
def test_names_respect_culture_gender_and_form(name: str, given_only: str, culture: str) -> None:
    assert culture_of(name) in ("arabic", "japanese") and gender_of(name) == "female" and len(name.split()) == 2
    assert given_only in CULTURES["vietnamese"].female + CULTURES["vietnamese"].male
    assert culture in CULTURES


@FAST
@given(kinds=st.lists(st.sampled_from(PERTURBATION_KINDS), min_size=1, max_size=3, unique=True), data=st.data())
def test_perturbations_draw_only_the_asked_kinds(kinds: list[str], data: st.DataObject) -> None:
    perturbation = data.draw(perturbations(kinds, max_compose=3))
    parts = perturbation.parts if isinstance(perturbation, Compose) else (perturbation,)
    assert 1 <= len(parts) <= 3 and {p.kind for p in parts} <= set(kinds)
    assert not isinstance(data.draw(perturbations(kinds, max_compose=1)), Compose)


@FAST
@given(twin=perturbed(loan_applications(["indian", "german"]), NameSwap(to="nigerian") + Typos(fields=("purpose",))))
def test_perturbed_loan_applications(twin: Perturbed) -> None:
    original, value = twin.original, twin.value
    assert isinstance(original, dict) and isinstance(value, dict)
    assert set(original) == {"name", "age", "income", "amount", "purpose"}
    assert culture_of(original["name"]) in ("indian", "german") and culture_of(value["name"]) == "nigerian"
    assert twin.kinds == ("name", "typo") and value["amount"] == original["amount"] and value["amount"] % 500 == 0
    assert {c.field for c in twin.changes} == {"name", "purpose"}


@FAST
@given(request=filled("I am {name}, I need {amount} dollars.", name=names("chinese"), amount=st.integers(1, 999)))
def test_filled_templates(request: str) -> None:
    (name,) = [n for *_, n in find_names(request)]
    assert culture_of(name) == "chinese" and request.endswith(" dollars.")


def test_derandomized_profile_draws_the_same_examples_twice() -> None:
    def draw() -> list[Perturbed]:
        seen: list[Perturbed] = []

        @settings(derandomize=True, database=None, max_examples=20, deadline=None)
        @given(twin=perturbed(st.one_of(loan_applications(), names()), perturbations()))
        def collect(twin: Perturbed) -> None:
            seen.append(twin)

        collect()
        return seen

    first = draw()
    assert len(first) == 20 and first == draw()
    assert any(twin.changed for twin in first)


def test_perturbed_accepts_a_constant_value_and_draws_varied_twins() -> None:
    request = "He said: my favorite color is gray, call Emily Clarke."
    seen: list[Perturbed] = []

    @settings(derandomize=True, database=None, max_examples=25, deadline=None)
    @given(twin=perturbed(request))
    def collect(twin: Perturbed) -> None:
        seen.append(twin)

    collect()
    assert all(twin.original == request for twin in seen)
    assert len({twin.value for twin in seen}) > 5 and len({twin.kinds for twin in seen}) > 3


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: names("elvish"), "unknown culture 'elvish'"),
        (lambda: names(()), "names no culture"),
        (lambda: names(gender="other"), "gender"),  # type: ignore[arg-type]
        (lambda: perturbations(["name", "shouting"]), "unknown perturbation kind"),
        (lambda: perturbations(max_compose=0), "max_compose"),
        (lambda: filled("{name} wants {amount}", name=names()), "needs a strategy for amount"),
    ],
)
def test_strategy_arguments_are_checked_eagerly(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()
