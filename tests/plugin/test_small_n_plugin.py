"""Too few inputs for a bound is INCONCLUSIVE (or a segment's bound not judged), never an error (issue 13 §2).

Every bound kind, at N = 1 and 2 inputs, with 1 and 50 repeats, and with a segment that holds one input,
through pytest with the simulated provider on both arms.
"""

from __future__ import annotations

import pytest

from tests.support.project import model_bundle, use_bundles

pytest_plugins = ["pytester"]

PRICED = {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}

MARKS = {
    "paired rate": "@pytest.mark.refusal_bound(max_increase=0.05)",
    "absolute rate": "@pytest.mark.refusal_bound(max_rate=0.05)",
    "length ratio": "@pytest.mark.length_distribution(max_ratio=1.3)",
    "shape": "@pytest.mark.length_distribution(max_ratio=1.3, min_ratio=0.77, shape=True)",
    "latency p95": "@pytest.mark.latency_bound(max_p95_ratio=1.5)",
    "latency ratio": "@pytest.mark.latency_bound(max_ratio=1.5)",
    "cost": "@pytest.mark.cost_bound(max_ratio=1.2)",
    "custom numeric": "@pytest.mark.behavior_property(words, name='word count', max_ratio=1.5)",
    "custom binary": "@pytest.mark.behavior_property(first, equals='word', name='first word', max_decrease=0.05)",
    "categorical": "@pytest.mark.behavior_property(first, name='first word kind', max_share_change=0.05)",
}

SPEC = """
import pytest

def words(output):
    return len(output.split())

def first(output):
    return (output.split() or ['-'])[0].strip('.,').lower()[:1]

{marks}
def test_small(behavior):
    behavior.sample({inputs!r}, repeats={repeats})
"""


def make_project(pytester: pytest.Pytester, *, marks: str, inputs: list[object], repeats: int) -> None:
    use_bundles(
        pytester,
        model_bundle("sim/bot?mean_words=30&refusal_rate=0.1&seed=1", label="cand", **PRICED),
        baseline=model_bundle("sim/bot?mean_words=30&refusal_rate=0.1&seed=2", label="base", **PRICED),
    )
    pytester.makepyfile(test_small=SPEC.format(marks=marks, inputs=inputs, repeats=repeats))


def assert_judged_without_error(pytester: pytest.Pytester) -> pytest.RunResult:
    result = pytester.runpytest("--behavior-baseline=live", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors", 0) == 0 and outcomes.get("error", 0) == 0, result.stdout.str()
    assert sum(outcomes.get(k, 0) for k in ("passed", "failed", "skipped", "xfailed")) == 1, outcomes
    result.stdout.no_fnmatch_line("*ValueError*")
    result.stdout.no_fnmatch_line("*need paired*")
    return result


@pytest.mark.parametrize("repeats", [1, 50])
@pytest.mark.parametrize("n_inputs", [1, 2])
@pytest.mark.parametrize("kind", list(MARKS))
def test_every_bound_kind_judges_one_or_two_inputs_without_error(
    pytester: pytest.Pytester, kind: str, n_inputs: int, repeats: int
) -> None:
    make_project(pytester, marks=MARKS[kind], inputs=[f"question {i}" for i in range(n_inputs)], repeats=repeats)
    assert_judged_without_error(pytester)


@pytest.mark.parametrize("kind", list(MARKS))
def test_a_segment_holding_one_input_is_not_an_error(pytester: pytest.Pytester, kind: str) -> None:
    inputs: list[object] = [{"text": f"question {i}", "segment": "common"} for i in range(6)]
    inputs.append({"text": "a rare question", "segment": "rare"})
    make_project(pytester, marks=MARKS[kind], inputs=inputs, repeats=2)
    assert_judged_without_error(pytester)


@pytest.mark.parametrize("kind", ["latency p95", "shape"])
def test_one_input_is_inconclusive_with_the_reason(pytester: pytest.Pytester, kind: str) -> None:
    make_project(pytester, marks=MARKS[kind], inputs=["the only question"], repeats=50)
    result = assert_judged_without_error(pytester)
    result.stdout.fnmatch_lines(["*INCONCLUSIVE*"])
    result.stdout.fnmatch_lines(["*1 input*needs at least * inputs*"])


def test_a_missing_repeat_is_reported_as_a_missing_repeat_not_a_missing_input(pytester: pytest.Pytester) -> None:
    from tests.support.records import use_recorded_bundles, write_jsonl

    def records(short: str | None) -> list[dict[str, object]]:
        return [
            {"id": f"q{i}", "input": f"question {i}", "repeat": r, "output": f"answer {i} {r}"}
            for i in range(6)
            for r in range(2)
            if not (f"q{i}" == short and r == 1)
        ]

    write_jsonl(pytester.path / "base.jsonl", records("q4"))
    write_jsonl(pytester.path / "cand.jsonl", records("q2"))
    use_recorded_bundles(pytester)
    pytester.makepyfile(
        test_rep="""
        import pytest

        @pytest.mark.length_distribution(max_ratio=1.5)
        def test_rep(behavior):
            behavior.sample(repeats=2)
        """
    )
    result = pytester.runpytest("--behavior-baseline=live", "-p", "no:cacheprovider", "-rw")
    result.stdout.fnmatch_lines(
        [
            "*1 input(s) lack a repeat on the baseline side (its records hold fewer repeats than requested) and were "
            "not judged: q4*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*1 input(s) lack a repeat on the candidate side (its records hold fewer repeats than requested) and were "
            "not judged: q2*",
        ]
    )
    result.stdout.no_fnmatch_line("*have no candidate sample*")
    result.stdout.no_fnmatch_line("*have no baseline sample*")


@pytest.mark.parametrize("n_apps", [1, 2])
def test_invariance_with_one_or_two_inputs_is_judged_without_error(pytester: pytest.Pytester, n_apps: int) -> None:
    import json

    from tests.plugin.test_invariance_marker import BIASED, applications
    from tests.plugin.test_invariance_marker import make_project as invariance_project

    invariance_project(pytester, BIASED)
    (pytester.path / "apps.jsonl").write_text("".join(json.dumps(a) + "\n" for a in applications()[:n_apps]))
    assert_judged_without_error(pytester)
