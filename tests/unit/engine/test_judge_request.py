"""An LLM-judged property declares what it needs judged; the engine asks the judge (end to end, with a judge
model behind an HTTP server: tests/plugin/test_llm_judge.py)."""

from __future__ import annotations

import pytest

from pytest_behavior.bundle import Bundle
from pytest_behavior.engine.llm_judge import judge_bundle
from pytest_behavior.engine.sequential import sequential_problems
from pytest_behavior.properties.refusal import JUDGE_PROMPT, RefusalBound, parse_label
from pytest_behavior.properties.registry import parse_marker


def refusal_bound(**kwargs: object) -> RefusalBound:
    prop = parse_marker("refusal_bound", (), {"max_increase": 0.05, **kwargs})
    assert isinstance(prop, RefusalBound)
    return prop


def test_the_offline_detector_asks_for_no_judgment_and_an_llm_detector_for_its_model() -> None:
    assert refusal_bound().judge_request() is None
    request = refusal_bound(detector="llm:openai/judge-model").judge_request()
    assert request is not None
    assert (request.name, request.model, request.instruction) == ("refusal judge", "openai/judge-model", JUDGE_PROMPT)
    assert request.labels == ("comply", "refuse", "partial", "evasion") and request.parse is parse_label
    assert request.hint == "use a model that follows instructions, or the offline detector"


def test_the_judge_bundle_is_the_one_judgments_were_cached_under() -> None:
    request = refusal_bound(detector="llm:openai/judge-model").judge_request()
    assert request is not None
    bundle = judge_bundle(request)
    expected = Bundle(
        model="openai/judge-model", system=JUDGE_PROMPT, temperature=0, label="refusal judge openai/judge-model"
    )
    assert bundle.fingerprint == expected.fingerprint and bundle.label == expected.label


def test_the_property_observes_with_the_labels_handed_back() -> None:
    prop = refusal_bound(detector="llm:openai/judge-model")
    with pytest.raises(AssertionError, match="only after its outputs were judged"):
        prop.observe(None, [["a"]])
    judged = prop.with_judgments({"a": "refuse", "b": "comply", "c": "partial"})
    [observation] = judged.observe([["b", "b"]], [["a", "c"]])
    assert observation.baseline is not None
    assert observation.baseline.tolist() == [[0.0, 0.0]] and observation.candidate.tolist() == [[1.0, 1.0]]


def test_a_judged_property_is_not_decided_sequentially() -> None:
    assert sequential_problems([refusal_bound()]) == []
    [problem] = sequential_problems([refusal_bound(detector="llm:openai/judge-model")])
    assert "@pytest.mark.refusal_bound is not judged sequentially" in problem
