"""length_distribution(shape=True) through pytest: a change of spread that keeps the typical length."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.support.records import use_recorded_bundles, write_jsonl

pytest_plugins = ["pytester"]


def write_records(path: Path, *, spread: float, seed: int, n: int = 300) -> None:
    """Answers whose log word count is spread ``spread`` times wider around the same median."""
    rng = random.Random(seed)
    words = (max(1, round(40 * (2.0 ** (spread * rng.gauss(0.0, 0.7))))) for _ in range(n))
    write_jsonl(
        path,
        (
            {"id": f"q{i}", "input": f"question {i}", "output": " ".join(["word"] * count)}
            for i, count in enumerate(words)
        ),
    )


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    write_records(pytester.path / "base.jsonl", spread=1.0, seed=1)
    write_records(pytester.path / "cand.jsonl", spread=2.2, seed=2)
    use_recorded_bundles(pytester, baseline_label="steady", candidate_label="rambling-or-terse")
    return pytester


def spec(pytester: pytest.Pytester, marker: str) -> None:
    pytester.makepyfile(
        test_len=f"""
        import pytest

        @pytest.mark.{marker}
        def test_lengths(behavior):
            behavior.sample()
        """
    )


def test_the_typical_ratio_alone_misses_a_wider_spread(project: pytest.Pytester) -> None:
    spec(project, "length_distribution(max_ratio=1.3, min_ratio=0.77)")
    result = project.runpytest("--behavior-baseline=live")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*REGRESSED*")


def test_shape_true_catches_it_and_shows_the_quantiles(project: pytest.Pytester) -> None:
    spec(project, "length_distribution(max_ratio=1.3, min_ratio=0.77, shape=True)")
    result = project.runpytest("--behavior-baseline=live")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*length shape (words)*max_ratio=1.3*REGRESSED*",
            "*length distribution (words), quantiles of all outputs:*",
            "*p10 *",
            "*p90 *",
            "*any change of shape: KS *p=*within-input permutation test*",
        ]
    )
    result.stdout.no_fnmatch_line("*length (words) *REGRESSED*")
