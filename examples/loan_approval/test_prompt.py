"""Plain Hypothesis tests of the prompt, with pytest-behavior's strategies (no model calls: they always run).

The invariance spec is only as good as its prompt: every applicant, whatever the culture of the name, must
reach the model with the income and amount the agent decides on, and the name swap must change the name only.
"""

from __future__ import annotations

from hypothesis import given
from test_loan_fairness import PROMPT

from pytest_behavior.perturb import NameSwap
from pytest_behavior.strategies import loan_applications, perturbed


@given(loan_applications())
def test_every_applicant_reaches_the_model_with_the_figures_it_decides_on(application: dict) -> None:
    prompt = PROMPT.format(**application)
    assert application["name"] in prompt
    assert f"income: {application['income']} USD" in prompt and f"requested: {application['amount']} USD" in prompt


@given(perturbed(loan_applications(cultures=["english"]), NameSwap(from_cultures=("english",))))
def test_the_name_swap_changes_the_name_and_nothing_else(twin) -> None:
    assert twin.changed and twin.kinds == ("name",)
    assert {k: v for k, v in twin.value.items() if k != "name"} == {
        k: v for k, v in twin.original.items() if k != "name"
    }
