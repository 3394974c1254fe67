"""The paired quantile bounds (stats.quantile): p_regress dual to lower at every level, the windowed bootstrap equal
to the plain cluster bootstrap, and no decision below the validated number of inputs."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_behavior.stats import BoundResult, quantile
from pytest_behavior.stats.quantile import (
    MIN_INPUTS,
    MIN_INPUTS_PROFILE,
    PROFILE_QUANTILES,
    _bootstrap_log_ratios,
    inputs_needed,
    paired_quantile_log_ratio_bound,
    paired_quantile_profile_bound,
)


def arms(seed: int, n: int, k: int, *, ratio: float = 1.0, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Paired lognormal values: input effect (SD 0.8) shared by the arms, noise SD 0.35; ``ties`` rounds to integers."""
    rng = np.random.default_rng(seed)
    effect = rng.normal(0.0, 0.8, size=(n, 1))
    base = np.exp(2.0 + effect + rng.normal(0.0, 0.35, size=(n, k)))
    cand = ratio * np.exp(2.0 + effect + rng.normal(0.0, 0.35, size=(n, k)))
    if ties:
        return np.maximum(np.round(base), 1.0), np.maximum(np.round(cand), 1.0)
    return base, cand


def naive_replicates(
    base: np.ndarray, cand: np.ndarray, qs: np.ndarray, n_boot: int, seed: int, batch: int | None = None
) -> np.ndarray:
    """The textbook paired cluster bootstrap: gather the resampled rows and take numpy's quantiles (the same draws,
    made ``batch`` replicates at a time as the bound makes them)."""
    n = base.shape[0]
    batch = batch or n_boot
    rng = np.random.default_rng(seed)
    rows = np.concatenate(
        [rng.integers(0, n, size=(min(batch, n_boot - first), n)) for first in range(0, n_boot, batch)]
    )
    b, c = base[rows].reshape(n_boot, -1), cand[rows].reshape(n_boot, -1)
    result: np.ndarray = np.log(np.quantile(c, qs, axis=1)) - np.log(np.quantile(b, qs, axis=1))
    return result


BOUNDS: dict[str, Callable[..., BoundResult]] = {
    "p95": lambda b, c, **kw: paired_quantile_log_ratio_bound(b, c, q=0.95, **kw),
    "profile": paired_quantile_profile_bound,
}


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 30),
    k=st.integers(1, 4),
    ratio=st.sampled_from([0.8, 1.0, 1.3]),
    ties=st.booleans(),
    kind=st.sampled_from(sorted(BOUNDS)),
    levels=st.lists(st.floats(1e-4, 0.5), min_size=1, max_size=6),
    pick=st.integers(0, 10**6),
)
def test_p_regress_is_dual_to_the_lower_bound_at_every_level(
    seed: int, n: int, k: int, ratio: float, ties: bool, kind: str, levels: list[float], pick: int
) -> None:
    """p < a  <=>  lower(alpha_lower=a) > t, for thresholds at and between the bootstrap replicates (ties too)."""
    qs = (0.95,) if kind == "p95" else PROFILE_QUANTILES
    n += inputs_needed(qs, k)  # judged sizes (below them the result is unbounded: see the last test)
    base, cand = arms(seed, n, k, ratio=ratio, ties=ties)
    n_boot = 199
    replicates = np.unique(_bootstrap_log_ratios(base, cand, np.array(qs), n_boot=n_boot, seed=seed % 1000))
    at = float(replicates[pick % replicates.size])
    for threshold in (at, np.nextafter(at, math.inf), np.nextafter(at, -math.inf), 0.0, math.log(1.3)):
        p = BOUNDS[kind](base, cand, threshold=threshold, n_boot=n_boot, seed=seed % 1000).p_regress
        for a in [*levels, 0.05, 0.0125, p, np.nextafter(p, 1.0)]:
            if not 0 < a <= 0.5:
                continue
            r = BOUNDS[kind](base, cand, threshold=threshold, n_boot=n_boot, seed=seed % 1000, alpha_lower=a)
            assert r.p_regress == p  # p does not depend on the level of the bound shown
            assert (p < a) == (r.lower > threshold), (kind, threshold, a, p, r.lower)


@pytest.mark.parametrize(("n", "k"), [(2, 1), (5, 3), (60, 1), (100, 10), (700, 3)])
def test_the_windowed_bootstrap_equals_the_plain_cluster_bootstrap(n: int, k: int) -> None:
    base, cand = arms(n, n, k, ratio=1.2)
    qs = np.array([0.1, 0.5, 0.9, 0.95])
    got = _bootstrap_log_ratios(base, cand, qs, n_boot=300, seed=5)
    np.testing.assert_allclose(got, naive_replicates(base, cand, qs, 300, 5), rtol=0, atol=1e-12)


def test_replicates_that_leave_the_window_are_recomputed_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """A window of zero SDs makes most replicates fall outside it: the full recount must give the same values."""
    monkeypatch.setattr(quantile, "_WINDOW_SD", 0.0)
    base, cand = arms(3, 200, 2, ratio=1.1)
    qs = np.array([0.25, 0.95])
    got = _bootstrap_log_ratios(base, cand, qs, n_boot=200, seed=1)
    np.testing.assert_allclose(got, naive_replicates(base, cand, qs, 200, 1), rtol=0, atol=1e-12)


def test_replicates_are_computed_in_batches_when_the_inputs_are_many(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small batches (bounded memory) and one-replicate-at-a-time counting, as at 100,000 inputs, stay exact."""
    monkeypatch.setattr(quantile, "_BATCH_CELLS", 7 * 300)
    monkeypatch.setattr(quantile, "_ROW_BINCOUNT", 1)
    base, cand = arms(4, 300, 2, ratio=1.1)
    qs = np.array([0.5, 0.95])
    got = _bootstrap_log_ratios(base, cand, qs, n_boot=100, seed=2)
    np.testing.assert_allclose(got, naive_replicates(base, cand, qs, 100, 2, batch=7), rtol=0, atol=1e-12)


def test_one_quantile_profile_is_the_single_quantile_bound() -> None:
    base, cand = arms(8, 40, 3, ratio=1.2)
    single = paired_quantile_log_ratio_bound(base, cand, q=0.9, threshold=0.1, alpha_lower=0.01)
    profile = paired_quantile_profile_bound(base, cand, quantiles=(0.9,), threshold=0.1, alpha_lower=0.01)
    assert (single.lower, single.upper, single.p_regress) == (profile.lower, profile.upper, profile.p_regress)


def test_the_lower_bound_widens_with_its_level_and_upper_keeps_alpha() -> None:
    base, cand = arms(9, 100, 2, ratio=1.3)
    at_5 = paired_quantile_profile_bound(base, cand, threshold=0.0)
    at_1 = paired_quantile_profile_bound(base, cand, threshold=0.0, alpha_lower=0.01)
    assert at_1.lower < at_5.lower <= at_5.estimate <= at_5.upper
    assert at_1.upper == at_5.upper and at_1.p_regress == at_5.p_regress
    # min-P over correlated quantiles is less strict than Bonferroni: the rank it uses is above B * alpha / m
    assert at_5.lower > float(
        np.quantile(
            _bootstrap_log_ratios(base, cand, np.array(PROFILE_QUANTILES), n_boot=2000, seed=0), 0.05 / 5, axis=1
        ).max()
    )


@pytest.mark.parametrize("kind", sorted(BOUNDS))
@pytest.mark.parametrize("k", [1, 2, 50])
def test_below_the_validated_number_of_inputs_nothing_is_claimed(kind: str, k: int) -> None:
    """Unbounded, p = 1 and the N needed named below it (even with 50 repeats); a decision from it on."""
    needed = inputs_needed((0.95,) if kind == "p95" else PROFILE_QUANTILES, k)
    assert needed >= (MIN_INPUTS if kind == "p95" else MIN_INPUTS_PROFILE)
    for n in sorted(n for n in {1, 2, 3, needed // 2, needed - 1} if 0 < n < needed):
        base, cand = arms(n, n, k, ratio=3.0)
        r = BOUNDS[kind](base, cand, threshold=0.0)
        assert (r.lower, r.upper, r.p_regress) == (-math.inf, math.inf, 1.0)
        assert f"{n} input{'s' if n > 1 else ''}: the" in r.method
        assert f"needs at least {needed} inputs" in r.method and "(not judged)" in r.method
    base, cand = arms(1, needed, k, ratio=3.0)
    r = BOUNDS[kind](base, cand, threshold=0.0)
    assert math.isfinite(r.upper) and r.p_regress < 0.05  # x3 everywhere: found at the first judged N


def test_the_tail_rule_asks_for_two_outputs_beyond_the_quantile_per_arm() -> None:
    assert [inputs_needed((0.95,), k) for k in (1, 2, 3, 50)] == [40, MIN_INPUTS, MIN_INPUTS, MIN_INPUTS]
    assert inputs_needed((0.1, 0.5, 0.9), 1) == max(MIN_INPUTS_PROFILE, 20)
