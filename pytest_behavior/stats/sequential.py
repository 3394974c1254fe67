"""Sequential mode: testing by betting, stopping as soon as the answer is clear (docs/statistics.md, "Sequential mode").

For per-input values x_t in [lo, hi] and H0: E[x] <= m, the wealth K_t = prod_{s<=t} (1 + lambda_s (x_s - m))
with a predictable bet lambda_s in [0, c / (m - lo)] (chosen from x_1..x_{s-1} only) is a nonnegative
supermartingale under H0, so by Ville's inequality P(sup_t K_t >= 1/alpha) <= alpha: rejecting H0 the first
time K_t >= 1/alpha is valid at any data-dependent stopping time, which is what lets a sampler stop early.
Re-running a fixed-N test after every sample is not valid in this sense ("peeking").

The bet is aGRAPA (approximate growth-rate adaptive to the particular alternative) of Waudby-Smith & Ramdas:
lambda_t = clip(mu_{t-1} / (sigma2_{t-1} + mu_{t-1}^2), 0, c / (m - lo)) with c = 1/2, where mu and sigma2
are the running mean and variance of y = x - m regularised by one prior observation of mean 0 and variance
(hi - lo)^2 / 4 (as in ``confseq.betting_strategies.lambda_aGRAPA``, whose prior mean 1/2 on [0, 1] is here
replaced by the null value, so the first bet is 0 and the two mirrored tests start symmetrically):

    mu_t = (0 + sum_{s<=t} y_s) / (t + 1),   sigma2_t = ((hi - lo)^2 / 4 + sum_{s<=t} (y_s - mu_s)^2) / (t + 1).

Two tests run on the same values, each at level alpha (the same one-sided-bound rule as the fixed-N tests):
REGRESSED (H0: E[x] <= threshold) and PASS, its mirror image (H0: E[x] >= threshold, i.e. the same test on
-x against -threshold on [-hi, -lo]). The first crossing decides; a single value cannot move both wealths
up, so they never cross together. No crossing within the budget N_max is INCONCLUSIVE.

References:
    Waudby-Smith & Ramdas (2023), "Estimating means of bounded random variables by betting",
    JRSS-B 86:1-27, arXiv 2010.09686 (sec. 5, aGRAPA and the truncation c / m).
    Ville (1939), "Etude critique de la notion de collectif", Gauthier-Villars (maximal inequality).
    Shafer & Vovk (2019), "Game-Theoretic Foundations for Probability and Finance", Wiley.
    Reference implementation: github.com/gostevehoward/confseq, ``confseq/betting_strategies.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["Decision", "SequentialResult", "SequentialTest", "sequential_decision"]

Decision = Literal["REGRESSED", "PASS", "INCONCLUSIVE"]

METHOD = "testing by betting (aGRAPA, Waudby-Smith & Ramdas)"


@dataclass(frozen=True)
class SequentialResult:
    """Outcome of a sequential test: the decision at the first crossing (or at the budget), and its evidence."""

    decision: Decision
    """REGRESSED (mean above the threshold), PASS (mean below it) or INCONCLUSIVE (no crossing yet)."""
    n_used: int
    """Number of values consumed when the decision was made (all of them when INCONCLUSIVE)."""
    n_max: int
    """Budget: the most values the test may consume."""
    wealth_regress: float
    """Final wealth of the REGRESSED test (H0: mean <= threshold); >= 1/alpha means it crossed."""
    wealth_pass: float
    """Final wealth of the PASS test (H0: mean >= threshold); >= 1/alpha means it crossed."""
    estimate: float
    """Running mean of the consumed values (nan before the first value)."""
    threshold: float
    """The threshold m of both tests."""
    alpha: float
    """Level of each one-sided test; a test crosses when its wealth reaches 1/alpha."""
    method: str = METHOD
    """Short human name of the method."""


def _check_options(threshold: float, lo: float, hi: float, alpha: float, c: float) -> None:
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"need finite lo < hi, got lo={lo!r}, hi={hi!r}")
    if not lo <= threshold <= hi:
        raise ValueError(f"threshold must be in [lo, hi] = [{lo!r}, {hi!r}], got {threshold!r}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if not 0.0 < c < 1.0:
        raise ValueError(f"c must be in (0, 1), got {c!r}")


class _Bettor:
    """One-sided aGRAPA bettor against H0: E[y] <= 0, for y >= -room (room = distance from the null to the
    lower end of the range). Keeps the log-wealth, so it neither overflows nor underflows."""

    __slots__ = ("_cap", "_count", "_mu", "_sq", "_sum", "log_wealth")

    def __init__(self, *, room: float, prior_variance: float, c: float) -> None:
        self._cap = c / room if room > 0.0 else math.inf  # room 0: y >= 0 always, any bet keeps the wealth >= 1
        self._count = 0
        self._sum = 0.0
        self._mu = 0.0  # prior mean of y: the null value
        self._sq = prior_variance  # prior sum of squares (one fake observation)
        self.log_wealth = 0.0

    def bet(self) -> float:
        """lambda_t from the values before t: clip(mu / (sigma2 + mu^2), 0, cap)."""
        if self._mu <= 0.0:
            return 0.0
        sigma2 = self._sq / (self._count + 1)
        return min(self._mu / (sigma2 + self._mu * self._mu), self._cap)

    def update(self, y: float) -> None:
        lam = self.bet()
        if lam > 0.0:
            self.log_wealth += math.log1p(lam * y)
        self._count += 1
        self._sum += y
        self._mu = self._sum / (self._count + 1)
        self._sq += (y - self._mu) ** 2


class SequentialTest:
    """Incremental two-sided decision by betting: feed per-input values one at a time with :meth:`update`.

    ``update`` returns the decision as soon as one test crosses 1/alpha (or INCONCLUSIVE when the
    ``n_max``-th value is consumed without a crossing), else None, so a sampler can stop requesting inputs.
    The decision is final: values passed after it are ignored (results of requests already in flight do
    not change it, which keeps the stopping rule valid). Values must lie in [lo, hi]; the caller presents
    them in random order (e.g. shuffled inputs), since the guarantee is about the order in which they come.
    """

    def __init__(
        self, *, threshold: float, lo: float, hi: float, alpha: float = 0.05, c: float = 0.5, n_max: int | None = None
    ) -> None:
        _check_options(threshold, lo, hi, alpha, c)
        if n_max is not None and (int(n_max) != n_max or n_max < 1):
            raise ValueError(f"n_max must be a positive integer or None, got {n_max!r}")
        self.threshold = float(threshold)
        self.lo = float(lo)
        self.hi = float(hi)
        self.alpha = float(alpha)
        self.c = float(c)
        self.n_max = None if n_max is None else int(n_max)
        prior_variance = (self.hi - self.lo) ** 2 / 4.0
        self._log_bar = math.log(1.0 / self.alpha)
        self._regress = _Bettor(room=self.threshold - self.lo, prior_variance=prior_variance, c=self.c)
        self._pass = _Bettor(room=self.hi - self.threshold, prior_variance=prior_variance, c=self.c)
        self._n = 0
        self._total = 0.0
        self._decision: Decision | None = None

    @property
    def decision(self) -> Decision | None:
        """The decision once made, else None."""
        return self._decision

    @property
    def n_used(self) -> int:
        """Values consumed so far (up to the decision)."""
        return self._n

    @property
    def wealth_regress(self) -> float:
        """Current wealth of the REGRESSED test (H0: mean <= threshold)."""
        return math.exp(self._regress.log_wealth)

    @property
    def wealth_pass(self) -> float:
        """Current wealth of the PASS test (H0: mean >= threshold)."""
        return math.exp(self._pass.log_wealth)

    @property
    def estimate(self) -> float:
        """Mean of the values consumed so far (nan before the first)."""
        return self._total / self._n if self._n else math.nan

    def update(self, x: float) -> Decision | None:
        """Consume one value; return the decision if it is made now or was made before, else None."""
        if self._decision is not None:
            return self._decision
        value = float(x)
        if not self.lo <= value <= self.hi:  # also rejects nan
            raise ValueError(f"value {x!r} outside [lo, hi] = [{self.lo!r}, {self.hi!r}]")
        self._n += 1
        self._total += value
        self._regress.update(value - self.threshold)
        self._pass.update(self.threshold - value)
        if self._regress.log_wealth >= self._log_bar:
            self._decision = "REGRESSED"
        elif self._pass.log_wealth >= self._log_bar:
            self._decision = "PASS"
        elif self.n_max is not None and self._n >= self.n_max:
            self._decision = "INCONCLUSIVE"
        return self._decision

    def result(self) -> SequentialResult:
        """The current state as a :class:`SequentialResult`; INCONCLUSIVE while undecided."""
        return SequentialResult(
            decision=self._decision or "INCONCLUSIVE",
            n_used=self._n,
            n_max=self.n_max if self.n_max is not None else self._n,
            wealth_regress=self.wealth_regress,
            wealth_pass=self.wealth_pass,
            estimate=self.estimate,
            threshold=self.threshold,
            alpha=self.alpha,
        )


def sequential_decision(
    values: NDArray[Any], *, threshold: float, lo: float, hi: float, alpha: float = 0.05, c: float = 0.5
) -> SequentialResult:
    """Run the REGRESSED and PASS betting tests on ``values`` in the given order; stop at the first crossing.

    ``values``: 1-D per-input values in [lo, hi], already in random order (the caller shuffles), e.g.
    d_i = candidate rate - baseline rate in [-1, 1] for a paired binary property (threshold = the allowed
    increase, 0 for "no change") or x_i in [0, 1] for an absolute rate (threshold = max_rate). The budget
    N_max is ``len(values)``. Simulated (refusal 5% baseline, d_i with threshold 0, N_max = 338): A/A
    false alarms about 2%; E[N] about 140 at 5% -> 15% and 79 at 5% -> 20% (docs/statistics.md). Uses
    :class:`SequentialTest`.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"values must be a non-empty 1-D array, got shape {arr.shape}")
    _check_options(threshold, lo, hi, alpha, c)
    if not (np.all(arr >= lo) and np.all(arr <= hi)):  # also rejects nan
        raise ValueError(f"values must lie in [lo, hi] = [{lo!r}, {hi!r}]")
    test = SequentialTest(threshold=threshold, lo=lo, hi=hi, alpha=alpha, c=c, n_max=arr.size)
    for x in arr.tolist():
        if test.update(x) is not None:
            break
    return test.result()
