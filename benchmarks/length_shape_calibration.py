"""Calibration and power of ``length_distribution(shape=True)`` (the quantile-profile bound), by simulation.

Paired lognormal word counts (rounded to integers, so with ties) with a per-input effect shared by the arms
(ICC 0.3), N in {30, 100, 300}, k in {1, 3}, R runs per cell (default 200; ``python
benchmarks/length_shape_calibration.py 2000`` for the acceptance-grade run, about 15 minutes on two cores):

- A/A at the strictest bound (threshold log 1 = 0): share of REGRESSED (must be <= alpha = 5%);
- every quantile exactly at the margin (candidate = 1.3 x baseline, bound max_ratio=1.3): share of REGRESSED
  and of PASS (each must be <= 5%);
- a wider spread with the same median (log-sd x 1.6, p90 ratio about 1.58, bound 1.3): power.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_behavior.stats.quantile import paired_quantile_profile_bound


def paired_lengths(
    rng: np.random.Generator, n: int, k: int, *, scale: float = 1.0, spread: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    icc, sd = 0.3, 0.6
    effect = rng.normal(0.0, math.sqrt(icc) * sd, size=(n, 1))
    noise_sd = math.sqrt(1 - icc) * sd
    base = np.exp(3.5 + effect + rng.normal(0.0, noise_sd, size=(n, k)))
    cand = np.exp(3.5 + math.log(scale) + spread * (effect + rng.normal(0.0, noise_sd, size=(n, k))))
    return np.maximum(1, np.round(base)), np.maximum(1, np.round(cand))


def main(runs: int) -> None:
    margin = math.log(1.3)
    print(f"R = {runs} per cell; alpha = 0.05")
    print("| N | k | A/A REGRESSED | at margin: REGRESSED | at margin: PASS | spread x1.6: power |")
    print("|---|---|---|---|---|---|")
    for n in (30, 100, 300):
        for k in (1, 3):
            rng = np.random.default_rng(10 * n + k)
            aa = at_margin_regressed = at_margin_pass = power = 0
            for r in range(runs):
                aa += paired_quantile_profile_bound(*paired_lengths(rng, n, k), threshold=0.0, seed=r).p_regress <= 0.05
                result = paired_quantile_profile_bound(*paired_lengths(rng, n, k, scale=1.3), threshold=margin, seed=r)
                at_margin_regressed += result.p_regress <= 0.05
                at_margin_pass += result.upper <= margin
                power += (
                    paired_quantile_profile_bound(
                        *paired_lengths(rng, n, k, spread=1.6), threshold=margin, seed=r
                    ).p_regress
                    <= 0.05
                )
            print(
                f"| {n} | {k} | {aa / runs:.3f} | {at_margin_regressed / runs:.3f} | {at_margin_pass / runs:.3f} "
                f"| {power / runs:.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
