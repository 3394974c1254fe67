"""``pytest-behavior identify`` on AlpacaEval sibling versions (``benchmarks/identify_accuracy.py`` at fewer
repetitions): a 100-instruction field sample names its own version far more often than another one (an undecided
sample, "cannot tell apart", names none), and with its own version unrecorded the GPT-4 snapshots are
mostly "like none of them". The floors and ceilings sit well away from the held-out figures of docs/identify.md
(200 repetitions: named right 0.41, 0.90, 0.29; another named 0.03, 0.01, 0.06; unknown "none" 0.91), as 12
repetitions are noisy.

The golden files record other instructions than the field sample: AlpacaEval has one output per instruction, so a
shared instruction would replay the true version's text; the last test shows that case is reported as a replay.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from pytest_behavior.engine.identify_files import identify_paths
from tests.support.identify_accuracy import FAMILIES, load_outputs, run_family, write_field, write_version
from tests.support.shared_data import data_root

REPS = 12
# family: (floor of the true version named, ceiling of another named, floor of "like none" with the true version
# unrecorded or None)
FLOORS = {"gpt-3.5": (0.2, 0.15, None), "gpt-4": (0.75, 0.1, 0.7), "mistral": (0.1, 0.2, None)}


@pytest.fixture(scope="module", autouse=True)
def _needs_data() -> None:
    if not (data_root() / "alpaca_eval" / "results").is_dir():
        pytest.skip(f"AlpacaEval outputs not found under {data_root()} (they live in ../shared/data)")


@pytest.mark.parametrize("family", list(FLOORS))
def test_a_field_sample_is_named_among_its_siblings(family: str) -> None:
    result = run_family(family, FAMILIES[family], split="held-out", reps=REPS, field_n=100, alpha=0.05, seed=7)
    accuracy_floor, wrong_ceiling, none_floor = FLOORS[family]
    assert result.accuracy() >= accuracy_floor, result.confusion
    assert result.wrong() <= wrong_ceiling, result.confusion
    if none_floor is not None:
        assert result.none_rate_unknown() >= none_floor, result.unknown


def test_shared_instructions_are_a_replay_and_reported_as_one(tmp_path: Path) -> None:
    models = FAMILIES["gpt-4"]
    instructions, outputs = load_outputs(models)
    chosen = random.Random(3).sample(range(len(instructions)), 120)
    for model in models:
        write_version(
            tmp_path / "golden" / model / "t.json",
            model,
            [instructions[i] for i in chosen],
            [outputs[model][i] for i in chosen],
        )
    field = tmp_path / "field.jsonl"
    write_field(field, [instructions[i] for i in chosen[:50]], [outputs["gpt4_0613"][i] for i in chosen[:50]])
    result = identify_paths(field, [tmp_path / "golden"])
    assert result.best is not None and result.best.label == "gpt4_0613"
    assert (result.best.mode, result.best.identical, result.best.distance) == ("paired", 50, 0.0)
    assert json.loads(json.dumps(result.to_json()))["versions"][0]["identical_outputs"] == 50
