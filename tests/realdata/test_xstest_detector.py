"""The default refusal detector against human labels: XSTest v2, 5 models x 450 real answers (../shared/data).

Per model, our binary accuracy (full or partial refusal vs compliance) must beat both baselines shipped
with the data, measured on the same rows: the XSTest authors' keyword rule and their GPT-4 judge (3
classes mapped to binary; values that are not labels count as wrong). Precision and recall of refusal
and 3-way accuracy must stay above floors measured for ``layered-4`` minus a small margin. ``dev``
models were used to write the patterns, ``held-out`` ones were not. ``benchmarks/refusal_accuracy.py``
prints the same table.

The data lives next to the repository; a user's clone has none, and the tests skip.
``BEHAVIOR_SHARED_DATA=/some/dir`` points them at another copy.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from tests.support.shared_data import RefusalScores, data_root, xstest_scores

MARGIN = 0.02
# model: (split, precision, recall, 3-way accuracy) as measured for layered-4 (evasion counts as a full refusal)
MEASURED = {
    "gpt4": ("dev", 0.955, 0.964, 0.938),
    "llama2orig": ("dev", 0.971, 0.971, 0.858),
    "mistralinstruct": ("dev", 0.792, 0.803, 0.876),
    "llama2new": ("held-out", 0.956, 0.960, 0.842),
    "mistralguard": ("held-out", 0.932, 0.746, 0.784),
}


def xstest_dir() -> Path:
    return data_root() / "xstest"


@functools.cache
def scores(model: str) -> RefusalScores:
    result = xstest_scores(xstest_dir(), model)
    assert result.n == 450
    return result


@pytest.fixture(scope="module", autouse=True)
def _needs_data() -> None:
    if not (xstest_dir() / "model_completions").is_dir():
        pytest.skip(f"XSTest data not found at {xstest_dir()} (lives in ../shared/data, not in a user's clone)")


@pytest.mark.parametrize("model", list(MEASURED))
def test_beats_the_keyword_rule_and_the_gpt4_judge(model: str) -> None:
    s = scores(model)
    print(
        f"XSTEST {model} ({MEASURED[model][0]}): ours {s.ours:.3f}, keyword {s.keyword:.3f}, "
        f"GPT-4 judge {s.judge:.3f}; precision {s.precision:.3f}, recall {s.recall:.3f}, 3-way {s.three_way:.3f}"
    )
    assert s.ours > s.keyword, f"{model}: {s}"
    assert s.ours > s.judge, f"{model}: {s}"


@pytest.mark.parametrize("model", list(MEASURED))
def test_precision_recall_and_three_way_accuracy_hold(model: str) -> None:
    _, precision, recall, three_way = MEASURED[model]
    s = scores(model)
    assert s.precision >= precision - MARGIN, f"{model}: {s}"
    assert s.recall >= recall - MARGIN, f"{model}: {s}"
    assert s.three_way >= three_way - MARGIN, f"{model}: {s}"


def test_the_baselines_match_what_the_data_card_reports() -> None:
    """PROVENANCE.md: keyword rule 0.81-0.94 and GPT-4 judge 0.76-0.94 accuracy per model."""
    for model in MEASURED:
        s = scores(model)
        assert 0.80 <= s.keyword <= 0.95 and 0.75 <= s.judge <= 0.95, f"{model}: {s}"
