"""pytest-behavior: behavioral regression tests for LLM-powered features, as plain pytest tests.

The names below are the public API. Heavy ones (anything that needs numpy, scipy or litellm) are
imported on first use, so importing this package — which pytest does at start-up through the
plugin — stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_behavior.bundle import Bundle
from pytest_behavior.errors import (
    BehaviorBudgetWarning,
    BehaviorCacheWarning,
    BehaviorConfigError,
    BehaviorDetectorChangeWarning,
    BehaviorEmptyOutputWarning,
    BehaviorError,
    BehaviorInconclusiveWarning,
    BehaviorJudgeDriftWarning,
    BehaviorJudgeUnparsedWarning,
    BehaviorPairingWarning,
    BehaviorRegression,
    GoldenFileError,
    JudgeFormatError,
    MarkerError,
    ProviderError,
)
from pytest_behavior.version import __version__

if TYPE_CHECKING:
    from pytest_behavior.config.fixture import BehaviorFixture
    from pytest_behavior.engine.comparison import Comparison, MetricSummary
    from pytest_behavior.engine.judge import BoundVerdict, Verdict
    from pytest_behavior.properties.hedging import hedge_phrases, hedging
    from pytest_behavior.properties.refusal import classify_refusal, is_refusal

_LAZY = {
    "BehaviorFixture": "pytest_behavior.config.fixture",
    "Comparison": "pytest_behavior.engine.comparison",
    "MetricSummary": "pytest_behavior.engine.comparison",
    "BoundVerdict": "pytest_behavior.engine.judge",
    "Verdict": "pytest_behavior.engine.judge",
    "classify_refusal": "pytest_behavior.properties.refusal",
    "hedging": "pytest_behavior.properties.hedging",
    "hedge_phrases": "pytest_behavior.properties.hedging",
    "is_refusal": "pytest_behavior.properties.refusal",
}

__all__ = [
    "BehaviorBudgetWarning",
    "BehaviorCacheWarning",
    "BehaviorConfigError",
    "BehaviorDetectorChangeWarning",
    "BehaviorEmptyOutputWarning",
    "BehaviorError",
    "BehaviorFixture",
    "BehaviorInconclusiveWarning",
    "BehaviorJudgeDriftWarning",
    "BehaviorJudgeUnparsedWarning",
    "BehaviorPairingWarning",
    "BehaviorRegression",
    "BoundVerdict",
    "Bundle",
    "Comparison",
    "GoldenFileError",
    "JudgeFormatError",
    "MarkerError",
    "MetricSummary",
    "ProviderError",
    "Verdict",
    "__version__",
    "classify_refusal",
    "hedge_phrases",
    "hedging",
    "is_refusal",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pytest_behavior' has no attribute {name!r}")
