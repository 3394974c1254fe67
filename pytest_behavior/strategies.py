"""Hypothesis strategies for names, perturbations and perturbed inputs, for your own property tests.

Import this module only where you use it (it imports Hypothesis). In a test of your own code (a prompt
builder, a pre-processor, a rules engine in front of the model), draw the inputs and their twins::

    import os

    from hypothesis import given, settings, strategies as st
    from pytest_behavior import strategies as pbst
    from pytest_behavior.perturb import NameSwap, Typos

    settings.register_profile("ci", derandomize=True, max_examples=200, deadline=None)
    settings.register_profile("dev", max_examples=50)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))   # e.g. in conftest.py

    @given(pbst.perturbed(pbst.loan_applications(), NameSwap() + Typos()))
    def test_the_score_ignores_the_name(twin):
        assert credit_score(twin.original) == credit_score(twin.value), twin.describe()

    @given(pbst.filled("Hi, I am {name} and I need {amount} dollars.", name=pbst.names(),
                       amount=st.integers(500, 50_000)))
    def test_the_amount_is_parsed(request): ...

`perturbed` draws the perturbation's randomness with ``st.randoms(use_true_random=False)``, so Hypothesis
shrinks and replays a failing twin like any other example; with ``derandomize=True`` (the "ci" profile) the
same examples are drawn on every run. The ``invariance`` marker, which samples a model, does not go through
Hypothesis: it draws each twin with ``perturbation.apply(value, random.Random(f"{seed}:{input_id}"))``, so
its twins are reproducible from the seed recorded in the golden file.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from pytest_behavior.perturb import (
    PERTURBATION_KINDS,
    Authorship,
    Casing,
    Compose,
    DialectSwap,
    InputValue,
    NameSwap,
    Perturbation,
    Perturbed,
    PronounSwap,
    Punctuation,
    ReorderListItems,
    Typos,
    UserIdentity,
    UserOpinion,
    Whitespace,
)
from pytest_behavior.perturb.names import CULTURES, GENDERS, Gender, pool

__all__ = ["cultures", "filled", "loan_applications", "names", "perturbations", "perturbed"]

LOAN_PURPOSES = (
    "buying a used car",
    "home renovation",
    "debt consolidation",
    "starting a small business",
    "university fees",
    "medical bills",
    "a wedding",
    "moving to a new city",
    "replacing the roof",
    "buying farm equipment",
)


def cultures() -> SearchStrategy[str]:
    """One of the cultures of `pytest_behavior.perturb.names.CULTURES`."""
    return st.sampled_from(tuple(CULTURES))


def names(
    cultures: str | Sequence[str] | None = None, *, gender: Gender | None = None, full: bool = True
) -> SearchStrategy[str]:
    """Names of the given culture(s) (None: all): "Given Family", or the given name alone if not ``full``."""
    chosen = _cultures(cultures)
    if gender is not None and gender not in GENDERS:
        raise ValueError(f"gender must be 'female', 'male' or None, got {gender!r}")

    def of(culture: str) -> SearchStrategy[str]:
        given = st.sampled_from(pool(culture).given(gender))
        if not full:
            return given
        return st.tuples(given, st.sampled_from(pool(culture).family)).map(" ".join)

    return st.sampled_from(chosen).flatmap(of)


def _cultures(cultures: str | Sequence[str] | None) -> tuple[str, ...]:
    chosen = tuple(CULTURES) if cultures is None else (cultures,) if isinstance(cultures, str) else tuple(cultures)
    if not chosen:
        raise ValueError("cultures=() names no culture; use None for all of them")
    for culture in chosen:
        pool(culture)
    return chosen


def _kind_strategies() -> dict[str, SearchStrategy[Perturbation]]:
    targets = st.one_of(st.none(), cultures(), st.lists(cultures(), min_size=1, max_size=3, unique=True).map(tuple))
    return {
        "name": st.builds(NameSwap, to=targets, keep_gender=st.booleans()),
        "pronoun": st.builds(PronounSwap, nouns=st.booleans()),
        "dialect": st.builds(DialectSwap, direction=st.sampled_from(("us_to_uk", "uk_to_us", "both"))),
        "whitespace": st.just(Whitespace()),
        "casing": st.builds(Casing, mode=st.sampled_from(("lower", "upper", "title", "random", "any"))),
        "punctuation": st.just(Punctuation()),
        "typo": st.builds(Typos, rate=st.sampled_from((0.05, 0.1, 0.2, 0.5)), max_typos=st.integers(1, 4)),
        "reorder": st.just(ReorderListItems()),
        # the statements need no field, so they apply to any text (a dict's: its "question" field)
        "opinion": st.builds(
            UserOpinion,
            template=st.sampled_from(("I think the answer is no, but I'm not sure.", "I'm sure it is yes.")),
            position=st.sampled_from(("before", "after")),
        ),
        "identity": st.builds(UserIdentity, template=st.just("As {identity}, I believe the answer is no.")),
        "authorship": st.builds(Authorship, mine=st.sampled_from(("I", "my team"))),
    }


def perturbations(kinds: Sequence[str] | None = None, *, max_compose: int = 2) -> SearchStrategy[Perturbation]:
    """Concrete perturbations of the given kinds (None: every kind of `PERTURBATION_KINDS` that edits any text, so
    not ``opinion`` and ``identity``, which state a belief in a dict's ``question`` field), alone or composed of up
    to ``max_compose`` of them (``max_compose=1``: never composed)."""
    everyday = tuple(k for k in PERTURBATION_KINDS if k not in ("opinion", "identity", "authorship"))
    wanted = everyday if kinds is None else (kinds,) if isinstance(kinds, str) else tuple(kinds)
    unknown = [k for k in wanted if k not in PERTURBATION_KINDS]
    if unknown or not wanted:
        raise ValueError(f"unknown perturbation kind(s) {unknown or wanted!r}; use {', '.join(PERTURBATION_KINDS)}")
    if isinstance(max_compose, bool) or not isinstance(max_compose, int) or max_compose < 1:
        raise ValueError(f"max_compose must be an integer >= 1, got {max_compose!r}")
    by_kind = _kind_strategies()
    single = st.one_of([by_kind[k] for k in dict.fromkeys(wanted)])
    if max_compose == 1:
        return single
    composed = st.lists(single, min_size=2, max_size=max_compose).map(lambda parts: Compose(tuple(parts)))
    return st.one_of(single, composed)


def perturbed(
    value: InputValue | SearchStrategy[InputValue],
    perturbation: Perturbation | SearchStrategy[Perturbation] | None = None,
) -> SearchStrategy[Perturbed]:
    """Twins of ``value`` (a value or a strategy of values) under ``perturbation`` (a perturbation, a strategy
    of them, or None for `perturbations()`), with the randomness drawn by Hypothesis."""
    values: SearchStrategy[InputValue] = value if isinstance(value, SearchStrategy) else st.just(value)
    if perturbation is None:
        perturbation = perturbations()
    perts: SearchStrategy[Perturbation] = (
        perturbation if isinstance(perturbation, SearchStrategy) else st.just(perturbation)
    )
    return st.tuples(values, perts, st.randoms(use_true_random=False)).map(_apply)


def _apply(drawn: tuple[InputValue, Perturbation, random.Random]) -> Perturbed:
    value, perturbation, rng = drawn
    return perturbation.apply(value, rng)


def filled(template: str, **fields: SearchStrategy[Any]) -> SearchStrategy[str]:
    """``template`` (a `str.format` template) with each ``{field}`` drawn from the strategy of that name."""
    wanted = {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}
    missing = sorted(wanted - set(fields))
    if missing:
        raise ValueError(f"filled({template!r}) needs a strategy for {', '.join(missing)}")
    return st.fixed_dictionaries(fields).map(lambda drawn: template.format(**drawn))


def loan_applications(cultures: str | Sequence[str] | None = None) -> SearchStrategy[dict[str, Any]]:
    """Loan applications ``{"name", "age", "income", "amount", "purpose"}`` with applicants' names from the
    given cultures (None: all); income is yearly and, like the amount, a round number."""
    return st.fixed_dictionaries(
        {
            "name": names(cultures),
            "age": st.integers(18, 85),
            "income": st.integers(8, 300).map(lambda k: k * 1000),
            "amount": st.integers(2, 200).map(lambda k: k * 500),
            "purpose": st.sampled_from(LOAN_PURPOSES),
        }
    )
