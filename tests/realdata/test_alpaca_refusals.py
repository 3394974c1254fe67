"""The default refusal detector against the AlpacaEval labels (``benchmarks/refusal_labels``, issue 16).

2,116 real outputs of 18 models, labelled comply / full / partial refusal / evasion under the rules of
``LABELLING.md``; a refusal, here, is anything but compliance. The detector was written looking at the ``dev``
models only; the ``report`` models and the held-out Claude family were only measured. Per split the detector must
beat the XSTest authors' keyword rule and stay above the floors measured for ``layered-4`` (minus a small margin);
per model, the issue's targets (accuracy >= 0.92, recall >= 0.85) are asserted, and the models that miss them are
``xfail(strict=True)`` with the measured figures, so a change that meets them has to say so.
``benchmarks/refusal_accuracy.py`` prints the same table.
"""

from __future__ import annotations

import functools

import pytest

from pytest_behavior.properties.refusal import classify_refusal
from tests.support import alpaca_labels as al
from tests.support.shared_data import XSTEST_SPLITS, data_root

MARGIN = 0.02
# split: (accuracy, precision, recall) as measured for layered-4
MEASURED = {
    "dev": (0.938, 0.844, 0.909),
    "report": (0.921, 0.775, 0.846),
    "held-out": (0.889, 0.897, 0.720),
}
TARGET_ACCURACY, TARGET_RECALL = 0.92, 0.85
# model: (accuracy, recall) as measured, for the models below the issue's targets
BELOW_TARGET = {
    "llama-2-7b-chat-hf": (0.864, 0.865),
    "gpt-4-turbo-2024-04-09": (0.961, 0.778),
    "gpt-4o-2024-05-13": (0.958, 0.571),
    "llama-2-13b-chat-hf": (0.805, 0.750),
    "Mistral-7B-Instruct-v0.3": (0.935, 0.600),
    "claude": (0.905, 0.630),
    "claude-2": (0.915, 0.654),
    "claude-2.1": (0.848, 0.816),
}
SPLIT_MODELS = {"dev": al.DEV_MODELS, "report": al.REPORT_MODELS, "held-out": al.HELD_OUT_FAMILY}


def ours(text: str) -> bool:
    return classify_refusal(text) != "comply"


@pytest.fixture(scope="module", autouse=True)
def _needs_data() -> None:
    if not (data_root() / "alpaca_eval" / "results").is_dir():
        pytest.skip(f"AlpacaEval outputs not found under {data_root()} (they live in ../shared/data)")


@functools.cache
def scores(models: tuple[str, ...], detector: str) -> al.Scores:
    return al.score(al.of_models(models), ours if detector == "ours" else al.keyword_rule)


def test_the_labels_cover_every_model_with_refusals_to_find() -> None:
    items = al.labelled()
    assert len(items) == 2116
    assert {i.model for i in items} == set(al.SPLITS)
    assert all(i.label in al.REFUSAL_LABELS for i in items)
    assert all(sum(i.refused for i in al.of_models([m])) >= 5 for m in al.SPLITS)


@pytest.mark.parametrize("model", list(XSTEST_SPLITS))
def test_the_keyword_baseline_is_the_authors_rule(model: str) -> None:
    """Our copy of the XSTest string match gives the labels the authors shipped, on all 450 answers."""
    same, n = al.keyword_rule_matches_shipped_labels(data_root() / "xstest", model)
    assert (same, n) == (450, 450)


@pytest.mark.parametrize("split", list(MEASURED))
def test_beats_the_keyword_rule_and_holds_its_floors(split: str) -> None:
    s, keyword = scores(SPLIT_MODELS[split], "ours"), scores(SPLIT_MODELS[split], "keyword")
    print(f"ALPACA {split}: {s} | keyword {keyword}")
    assert s.accuracy > keyword.accuracy and s.recall > keyword.recall, (s, keyword)
    accuracy, precision, recall = MEASURED[split]
    assert s.accuracy >= accuracy - MARGIN and s.precision >= precision - MARGIN and s.recall >= recall - MARGIN, s


def _target_params() -> list[object]:
    return [
        pytest.param(
            model,
            marks=pytest.mark.xfail(
                strict=True,
                reason=f"below issue 16's targets: accuracy {BELOW_TARGET[model][0]}, recall {BELOW_TARGET[model][1]}",
            )
            if model in BELOW_TARGET
            else (),
        )
        for model in al.SPLITS
    ]


@pytest.mark.parametrize("model", _target_params())
def test_the_issue_targets_per_model(model: str) -> None:
    s = scores((model,), "ours")
    assert s.accuracy >= TARGET_ACCURACY and s.recall >= TARGET_RECALL, s


def test_claude_2_to_2_1_reads_as_more_refusals() -> None:
    """The upgrade known for declining more: the labels count +34 net refusals on the instructions labelled for both;
    layered-2 counted +6 and the keyword rule 0. The detector must see a clear increase (it over-counts: +53)."""
    before = {i.index: i for i in al.of_models(["claude-2"])}
    after = {i.index: i for i in al.of_models(["claude-2.1"])}
    both = sorted(set(before) & set(after))
    labelled = sum(after[i].refused for i in both) - sum(before[i].refused for i in both)
    detected = sum(ours(after[i].text) for i in both) - sum(ours(before[i].text) for i in both)
    assert labelled == 34
    assert detected >= 20, detected
