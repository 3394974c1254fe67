"""``@pytest.mark.context_sweep``: a model that loses the thread in long prompts is caught, level by level, offline
(the simulated provider's ``cliff=``) and over real HTTP (the loopback server answering right only short prompts);
a model without one passes; golden files hold the level copies, never the filler; bad arguments and unknown windows
are errors naming the test or the bundle; a priced live run prints its estimated cost before sampling."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from pytest_behavior.context.tokens import count_text
from tests.support.openai_server import ServerConfig, running_server
from tests.support.project import loopback_bundle, model_bundle, use_bundles

FAKE_KEY = "fake-credential-" + uuid.uuid4().hex  # made at run time: no key-shaped literal in the tree

pytest_plugins = ["pytester"]

N = 30
STEADY = "sim/reader?accuracy=0.95&context=2000&mean_words=8&seed=3"
CLIFF = "sim/reader?accuracy=0.95&context=2000&cliff=0.6&mean_words=8&seed=3"


def questions(n: int = N) -> list[dict[str, Any]]:
    return [
        {
            "id": f"q{i:02d}",
            "question": f"Which floor is room {i} on?",
            "context": f"Room {i} is on floor {i % 7 + 2}. Room {i} seats {10 + i} people.",
            "expected": f"floor {i % 7 + 2}",
        }
        for i in range(n)
    ]


def spec(marker: str = "levels=[0.1, 0.5, 0.95], match='contains', max_drop=0.1", sample: str = "") -> str:
    return f"""
import pytest

ROWS = {questions()!r}

@pytest.mark.context_sweep({marker})
def test_long(behavior):
    behavior.sample(ROWS, prompt="Facts: {{context}}\\nQuestion: {{question}}"{sample})
"""


def test_a_model_with_a_long_context_cliff_is_regressed_at_the_long_levels(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle(CLIFF, label="cliff"), baseline=model_bundle(STEADY, label="steady"))
    pytester.makepyfile(test_spec=spec())
    result = pytester.runpytest("--behavior-baseline=live", "-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*correct at 50% of the window vs 10%*max_decrease=0.1*PASS*",
            "*correct at 95% of the window vs 10%*max_decrease=0.1*REGRESSED*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "behavior regressed: 1 of 2 bounds broken, candidate 'cliff at 10% to 95% of its window (3 levels)' vs "
            "baseline 'cliff at 10% of its window'*",
            "correct answers by share of the context window of the candidate 'cliff':",
            "   10% = 200 tokens (prompts sent: ~1* tokens): */30 right = *",
            "   95% = 1,900 tokens (prompts sent: ~1,8* tokens): */30 right = *(-* points)",
            "correct answers by share of the context window of the baseline 'steady', live (shown, not bounded):",
            "   10% = 200 tokens: */30 right = *",
        ]
    )
    result.stdout.fnmatch_lines(["*right at 10% of the window -> wrong at 95%*"])
    # the cost table's arm holds every level's samples, and says so
    result.stdout.fnmatch_lines(["*candidate cliff at 10% to 95% of its window (3 levels)*live (0 cached, 90 new)*"])


def test_a_model_without_a_cliff_passes(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle(STEADY, label="steady"), baseline=model_bundle(STEADY, label="steady"))
    pytester.makepyfile(test_spec=spec())
    result = pytester.runpytest("--behavior-baseline=live", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*REGRESSED*")


def test_golden_files_hold_the_level_copies_not_the_filler(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle(STEADY, label="steady"))
    pytester.makepyfile(test_spec=spec())
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    (path,) = (pytester.path / "golden").rglob("*.json")
    text = path.read_text()
    assert "Background documents" not in text and "community garden" not in text
    record = json.loads(text)
    ids = set(record["samples"])
    assert ids == {f"q{i:02d}~ctx{level:g}" for i in range(N) for level in (0.1, 0.5, 0.95)}
    assert record["samples"]["q03~ctx0.5"]["input"]["context_level"] == 0.5
    (described,) = record["properties"]
    assert described["levels"] == [0.1, 0.5, 0.95] and described["windows"] == {"steady": 2000}
    assert described["filler_corpus"]["source"] == "default"
    # the candidate with a cliff, against that golden file: caught
    use_bundles(pytester, model_bundle(CLIFF, label="cliff"))
    result = pytester.runpytest("--behavior-baseline", "-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*correct at 95% of the window vs 10%*REGRESSED*"])


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("levels=[0.5, 0.1]", "*test_long: @pytest.mark.context_sweep: levels must be sorted and distinct*"),
        ("levels=[0.1, 50]", "*level 50 is outside (0, 1]: levels are shares of the window (did you mean 0.5?)*"),
        ("levels=[0.1, 1.5]", "*level 1.5 is outside (0, 1]: levels are shares of the window, written 0.5 for 50%"),
        ("levels=[0.1, 0.5, 0.5000001]", "*levels 0.5 and 0.5000001 both read 50% of the window*"),
        ("max_drop=1.5", "*max_drop=1.5 is outside [0, 1): it is a share of the answers, written 0.5 for 50%"),
        ("levels=[0.5]", "*levels needs at least two shares*"),
        ("max_drop=1", "*max_drop=1 is outside [0, 1)*"),
        ("filler=3", "*filler must be None (the default corpus), a path to a text file or the text itself*"),
        ("match='llm:sim-judge/j'", "*judges answers with the offline matchers*"),
    ],
)
def test_bad_arguments_are_usage_errors_naming_the_test(pytester: pytest.Pytester, marker: str, message: str) -> None:
    use_bundles(pytester, model_bundle(STEADY))
    pytester.makepyfile(test_spec=spec(marker))
    result = pytester.runpytest("--behavior-baseline=live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    result.stderr.no_fnmatch_line("*did you mean 0.015*")


def test_an_unknown_matcher_names_context_sweep_and_offers_only_what_it_accepts(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle(STEADY))
    pytester.makepyfile(test_spec=spec("match='contain'"))
    result = pytester.runpytest("--behavior-baseline=live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*test_long: @pytest.mark.context_sweep: match='contain' is not a matcher (did you mean 'contains'?)*"]
    )
    result.stderr.no_fnmatch_line("*llm:<model>*")
    result.stderr.no_fnmatch_line("*@pytest.mark.correctness*")


def test_no_answer_right_at_the_shortest_level_is_an_error_not_a_pass(pytester: pytest.Pytester) -> None:
    """match='exact' (the default) never matches a sentence answer: 0% right at every level is no drop, but no
    measurement either."""
    use_bundles(pytester, model_bundle(STEADY, label="steady"))
    pytester.makepyfile(test_spec=spec("levels=[0.1, 0.5]"))
    result = pytester.runpytest("--behavior-update", "-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.context_sweep: the matcher finds no answer right at the shortest level (10% of the window, "
            "e.g. * for the reference 'floor *'), so no drop can be measured: check match= (here 'exact'*"
        ]
    )


def test_a_shortest_level_right_no_more_often_than_max_drop_is_inconclusive(pytester: pytest.Pytester) -> None:
    """A drop larger than max_drop cannot happen from a rate at most max_drop: the bound cannot fail, so no PASS."""
    use_bundles(pytester, model_bundle("sim/reader?accuracy=0.1&context=2000&mean_words=8&seed=3", label="weak"))
    pytester.makepyfile(test_spec=spec("levels=[0.1, 0.5], match='contains', max_drop=0.2"))
    result = pytester.runpytest("--behavior-update", "-p", "no:randomly")
    result.stdout.fnmatch_lines(["*correct at 50% of the window vs 10%*max_decrease=0.2*INCONCLUSIVE*"])
    result.stdout.fnmatch_lines(["*answers are right at the shortest level (10% of the window)*<= max_drop=0.2*"])
    result.stdout.no_fnmatch_line("*PASS*")


def test_context_sweep_is_the_tests_only_behavior_marker(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle(STEADY))
    both = spec().replace(
        "@pytest.mark.context_sweep", "@pytest.mark.refusal_bound(max_rate=0.1)\n@pytest.mark.context_sweep"
    )
    pytester.makepyfile(test_spec=both)
    result = pytester.runpytest("--behavior-baseline=live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_long: @pytest.mark.context_sweep judges each input at its own levels*"])


def test_an_app_bundle_is_an_error_naming_it(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, 'Bundle.from_callable(lambda value: "floor 3", label="app", version="1")')
    pytester.makepyfile(test_spec=spec())
    result = pytester.runpytest("--behavior-update")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*context_sweep pads the prompt a model receives: bundle 'app' is a callable*"])


def test_a_bundle_without_a_known_window_is_an_error_naming_it(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle("sim/nowindow?accuracy=0.9", label="nowin"))
    pytester.makepyfile(test_spec=spec())
    result = pytester.runpytest("--behavior-update")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*bundle 'nowin': the simulated model * has no context window*context=<tokens>*"])


def test_your_own_filler_file_is_read_next_to_the_test(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle(STEADY, label="steady"))
    pytester.makepyfile(test_spec=spec("levels=[0.1, 0.5], match='contains', filler='notes.txt'"))
    pytester.makefile(".txt", notes="The quarterly notes cover the garden rota.\n\nThe canteen opens at eight.\n")
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    (path,) = (pytester.path / "golden").rglob("*.json")
    described = json.loads(path.read_text())["properties"][0]
    assert described["filler"] == "notes.txt" and described["filler_corpus"]["source"] == "notes.txt"
    assert described["filler_corpus"]["paragraphs"] == 2
    pytester.makepyfile(test_spec=spec("levels=[0.1, 0.5], match='contains', filler='missing.txt'"))
    result = pytester.runpytest("--behavior-update")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*filler='missing.txt' names no file*"])


# ---- over real HTTP ------------------------------------------------------------------------------------------------

SHORT_PROMPT_CHARS = 8000
"""The loopback model answers right only while the user message is shorter than this (about 2,000 tokens)."""


def short_memory(received: list[str]) -> Any:
    def reply(messages: list[dict[str, Any]]) -> str:
        text = str(messages[-1]["content"])
        received.append(text)
        floor = re.search(r"is on floor (\d+)", text)
        if floor is None:
            return "I could not find it."
        return f"It is on floor {floor.group(1)}." if len(text) < SHORT_PROMPT_CHARS else "It is on floor 1."

    return reply


def test_over_http_the_sweep_catches_a_model_that_fails_long_prompts_and_prints_the_cost_first(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    priced = ", input_cost_per_token=1e-06, output_cost_per_token=2e-06"
    use_bundles(pytester, loopback_bundle(label="loop", api_key=FAKE_KEY, context_window=4000, source=priced))
    pytester.makepyfile(test_spec=spec("levels=[0.1, 0.3, 0.9], match='contains', max_drop=0.1"))
    received: list[str] = []
    with running_server(ServerConfig(reply_fn=short_memory(received))) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        first = pytester.runpytest("--behavior-update", "-p", "no:randomly")
        again = pytester.runpytest("--behavior-baseline", "-p", "no:randomly")
    first.assert_outcomes(failed=1)
    first.stdout.fnmatch_lines(
        [
            "*context_sweep test_spec.py::test_long: 90 call(s) with long prompts to make, estimated $0.2*",
            "*correct at 30% of the window vs 10%*PASS*",
            "*correct at 90% of the window vs 10%*REGRESSED*",
        ]
    )
    again.assert_outcomes(failed=1)
    again.stdout.no_fnmatch_line("*call(s) with long prompts to make*")  # every answer is cached now
    assert len(received) == 3 * N  # the second run read them all from the cache
    longest = max(received, key=len)
    assert longest.startswith("Background documents (some may be unrelated to the question):")
    assert longest.index("End of background documents.") < longest.index("Facts: Room")  # before the question
    assert 3400 < count_text(longest) <= 3600  # about 90% of the 4,000-token window (the system prompt: none)


def test_the_cost_estimate_prices_each_level_by_its_length_when_the_cache_holds_shorter_ones(
    pytester: pytest.Pytester,
) -> None:
    """Levels 5% and 10% are cached; adding 95% is estimated at 95% of the window's tokens, not at the mean recorded
    cost of the cached short calls (which priced it about 10x too low), and the estimate is close to what the
    new calls cost."""
    priced = ", input_cost_per_token=1e-06, output_cost_per_token=2e-06"
    model = "sim/reader?accuracy=0.95&context=20000&mean_words=8&seed=3"
    use_bundles(pytester, model_bundle(model, label="priced", source=priced))
    pytester.makepyfile(test_spec=spec("levels=[0.05, 0.1], match='contains'"))
    short = pytester.runpytest("--behavior-update", "-p", "no:randomly")
    short.assert_outcomes(passed=1)
    pytester.makepyfile(test_spec=spec("levels=[0.05, 0.1, 0.95], match='contains'"))
    longer = pytester.runpytest("--behavior-update", "-p", "no:randomly")
    longer.assert_outcomes(passed=1)
    (notice,) = re.findall(r"(\d+) call\(s\) with long prompts to make, estimated \$([\d.]+)", longer.stdout.str())
    assert notice[0] == str(N)  # the 95% level's calls: the others are cached
    estimated = float(notice[1])
    spent = [_arm_cost(run.stdout.str()) for run in (short, longer)]
    new_calls = spent[1] - spent[0]  # the cost table counts cached samples at their recorded cost
    assert new_calls > 30 * 0.9 * 19000 * 1e-6  # ~19,000 prompt tokens each, as the provider billed them
    assert 0.75 < estimated / new_calls < 1.33


def _arm_cost(out: str) -> float:
    (cost,) = re.findall(
        r"candidate priced at .* of its window \(\d levels\)\s+\S+ \(\d+ cached, \d+ new\)\s+\$([\d.]+)", out
    )
    return float(cost)


def test_the_long_context_example_decides_every_version_of_a_matrix_at_alpha_over_three(
    pytester: pytest.Pytester,
) -> None:
    """Three versions are judged at alpha / 3: the versions that lose nothing must still PASS (no INCONCLUSIVE), and
    the one with the cliff is caught."""
    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "examples" / "long_context", pytester.path / "examples" / "long_context")
    golden = root / "golden" / "examples" / "long_context"
    shutil.copytree(golden, pytester.path / "golden" / "examples" / "long_context")
    result = pytester.runpytest(
        "examples", "--behavior-baseline", "--behavior-candidate=production,safe,regressed", "-p", "no:randomly"
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.no_fnmatch_line("*INCONCLUSIVE*")
    result.stdout.fnmatch_lines(["*prompts[[]regressed[]]*correct at 80% of the window vs 10%*REGRESSED"])
