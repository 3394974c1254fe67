"""Edge cases found in review: parametrized and async bundles, apps, changed inputs, odd data."""

from __future__ import annotations

import json

import pytest

from tests.support.project import model_bundle, use_bundles

pytest_plugins = ["pytester"]

MODEL = "sim/bot?mean_words=30&refusal_rate=0.05&seed=2"


def test_parametrized_candidate_fixture_runs_every_parameter(pytester: pytest.Pytester) -> None:
    use_bundles(
        pytester,
        model_bundle(MODEL, source=', label=request.param, temperature=0.1 if request.param == "a" else 0.9'),
        params='["a", "b"]',
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.5)
        def test_spec(behavior):
            behavior.sample([f"q{i}" for i in range(30)])
        """
    )
    result = pytester.runpytest("--behavior-update", "-v")
    result.assert_outcomes(passed=2)
    names = sorted(p.name for p in (pytester.path / "golden").rglob("*.json"))
    assert names == ["test_spec[a].json", "test_spec[b].json"]


def test_app_objects_with_async_call_are_awaited_and_unversioned_apps_are_not_cached(
    pytester: pytest.Pytester,
) -> None:
    use_bundles(
        pytester,
        "Bundle.from_callable(App())",
        scope="session",
        header="""
        CALLS = []

        class App:
            async def __call__(self, question):
                CALLS.append(question)
                return f"An answer to {question}."

        def pytest_sessionfinish(session):
            print("APP_CALLS", len(CALLS))
        """,
    )
    pytester.makepyfile(
        """
        def test_spec(behavior):
            result = behavior.sample([f"q{i}" for i in range(5)])
            assert all(text.startswith("An answer") for (text,) in result.candidate_outputs.values())
        """
    )
    pytester.runpytest("--behavior-update", "-s").stdout.fnmatch_lines(["*APP_CALLS 5*"])
    result = pytester.runpytest("--behavior-baseline", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*APP_CALLS 5*"])  # no version= pinned: the app is called again


def test_inputs_changed_since_recording_are_not_paired_and_are_reported(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle(MODEL))
    spec = """
import datetime, pytest

INPUTS = [{{"id": f"t{{i}}", "text": f"{word} {{i}}", "when": datetime.date(2026, 1, 1)}} for i in range({n})]

@pytest.mark.refusal_bound(max_rate=0.5)
def test_spec(behavior):
    behavior.sample(INPUTS, prompt="{{text}}")
"""
    pytester.makepyfile(test_spec=spec.format(word="ticket", n=40))
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    golden = next((pytester.path / "golden").rglob("*.json"))
    assert json.loads(golden.read_text())["samples"]["t0"]["input"]["when"] == "2026-01-01"
    pytester.makepyfile(test_spec=spec.format(word="invoice", n=30))
    result = pytester.runpytest("--behavior-baseline")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no input has samples on both sides*"])
    pytester.makepyfile(test_spec=spec.format(word="ticket", n=30).replace('f"{word}', 'f"ticket'))
    result = pytester.runpytest("--behavior-baseline")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*BehaviorPairingWarning*10 golden input(s) are no longer in the spec*"])


def test_bundle_timeout_parameter_is_the_call_timeout(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle(MODEL, timeout=30, num_retries=2))
    pytester.makepyfile("def test_spec(behavior):\n    behavior.sample(['a', 'b'])\n")
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)


def test_asample_awaits_on_the_callers_loop(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle(MODEL))
    pytester.makepyfile(
        """
        import asyncio

        def test_spec(behavior):
            async def main():
                ticks = 0
                async def ticker():
                    nonlocal ticks
                    while True:
                        ticks += 1
                        await asyncio.sleep(0)
                task = asyncio.create_task(ticker())
                result = await behavior.asample([f"q{i}" for i in range(50)])
                task.cancel()
                return result, ticks
            result, ticks = asyncio.run(main())
            assert len(result.paired_ids) == 50 and ticks > 0
        """
    )
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)


def test_baseline_option_given_a_directory_of_tests_or_a_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    for value in (".", "test_x.py"):
        result = pytester.runpytest("--behavior-baseline", value)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([f"*--behavior-baseline took '{value}' as its value*"])


def test_csv_dataset_with_byte_order_mark(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("data.csv").write_text("\ufeffid,text\n1,hello\n2,world\n", encoding="utf-8")
    use_bundles(pytester, model_bundle(MODEL))
    pytester.makepyfile("def test_spec(behavior):\n    behavior.sample('data.csv', prompt='Say: {text}')\n")
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
