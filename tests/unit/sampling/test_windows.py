"""Where a bundle's context window comes from (context_sweep), and ``Bundle(context_window=)``."""

from __future__ import annotations

import pytest

from pytest_behavior import Bundle
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.sampling.windows import context_window


def test_the_window_is_the_bundles_then_the_simulated_models_then_litelllms() -> None:
    assert context_window(Bundle(model="openai/gpt-4o-mini", context_window=9000)) == 9000
    assert context_window(Bundle(model="sim/x?accuracy=0.9&context=3000")) == 3000
    assert context_window(Bundle(model="openai/gpt-4o-mini")) == 128_000  # litellm's cost map, read offline


@pytest.mark.parametrize(
    ("bundle", "message"),
    [
        (Bundle(model="openai/not-a-model-litellm-knows", label="mine"), "bundle 'mine': litellm knows no context"),
        (Bundle(model="sim/x?accuracy=0.9", label="sim"), r"bundle 'sim': the simulated model '.*' has no"),
        (Bundle.from_callable(lambda value: "hi", label="app"), "bundle 'app' is a callable bundle"),
    ],
)
def test_an_unknown_window_is_an_error_naming_the_bundle(bundle: Bundle, message: str) -> None:
    with pytest.raises(BehaviorConfigError, match=message):
        context_window(bundle)


@pytest.mark.parametrize("value", [0, -5, 1.5, True, "8000"])
def test_context_window_must_be_a_positive_number_of_tokens(value: object) -> None:
    with pytest.raises(TypeError, match=r"Bundle\(context_window=\.\.\.\) must be a positive number of tokens"):
        Bundle(model="sim/x", context_window=value)  # type: ignore[arg-type]


def test_the_window_is_not_part_of_the_fingerprint() -> None:
    plain, sized = Bundle(model="openai/gpt-4o-mini"), Bundle(model="openai/gpt-4o-mini", context_window=4000)
    assert plain.fingerprint == sized.fingerprint and "context_window" not in sized.describe()
