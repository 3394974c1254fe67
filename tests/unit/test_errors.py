"""The exception and warning types users catch or filter, exported from `pytest_behavior`."""

from __future__ import annotations

import warnings

import pytest

import pytest_behavior
import pytest_behavior.errors
import pytest_behavior.plugin

WARNINGS = (
    "BehaviorInconclusiveWarning",
    "BehaviorPairingWarning",
    "BehaviorBudgetWarning",
    "BehaviorEmptyOutputWarning",
)


@pytest.mark.parametrize("name", WARNINGS)
def test_each_warning_is_public_and_the_plugin_names_the_same_class(name: str) -> None:
    cls = getattr(pytest_behavior.errors, name)
    assert issubclass(cls, UserWarning) and name in pytest_behavior.__all__
    assert getattr(pytest_behavior, name) is cls
    assert getattr(pytest_behavior.plugin, name) is cls  # `-W error::pytest_behavior.plugin.X` keeps working


def test_every_public_name_resolves() -> None:
    missing = [name for name in pytest_behavior.__all__ if not hasattr(pytest_behavior, name)]
    assert missing == []


def test_a_warning_filter_written_with_the_public_name_catches_it() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.filterwarnings("error", category=pytest_behavior.BehaviorPairingWarning)
        with pytest.raises(pytest_behavior.BehaviorPairingWarning):
            warnings.warn(pytest_behavior.errors.BehaviorPairingWarning("unpaired"), stacklevel=1)
