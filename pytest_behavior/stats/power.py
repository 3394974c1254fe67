"""Power and sample size for the plugin's default tests (the table "Sample sizes to quote" of docs/statistics.md).

The functions live by test: :mod:`~pytest_behavior.stats.power_binary` (paired and unpaired rates, looking for an
increase), :mod:`~pytest_behavior.stats.power_pass` (PASSing a margin when nothing changed) and
:mod:`~pytest_behavior.stats.power_mean` (a mean shift); this module is their one import point and says why
each formula was chosen.

Every function is one-sided, k = 1 (one sample per input and arm), and speaks of a bad-outcome rate or a
shift that grows when behavior gets worse. The formulas were chosen because they reproduce the table:

* paired binary — the *exact* unconditional power of the one-sided mid-p McNemar test the plugin runs
  (:func:`pytest_behavior.stats.mcnemar_midp`): the number of discordant pairs is Bin(n, p01 + p10) and,
  given it, the ok->bad count is binomial with probability p01 / (p01 + p10) (Miettinen 1968's
  conditional model). The table's eight paired cells are met to within one input, whereas the normal
  approximations of Connor (1987) and Miettinen (1968) are off by up to 7%.
* unpaired, per arm — the normal approximation with the pooled variance under H0 and the unpooled one
  under H1, without continuity correction (Fleiss, Levin & Paik 2003, sec. 4.2); it meets the table exactly.
* mean shift in SD units of the paired difference — the exact power of the one-sided one-sample (paired)
  t-test from the noncentral t distribution (Owen 1965); 0.2 SD -> 156 and 0.5 SD -> 27 as in the table
  (the normal formula gives 155 and 25). The plugin's Wilcoxon signed-rank test has an asymptotic relative
  efficiency of 3/pi = 0.955 against the t-test for normal differences (Hodges & Lehmann 1956) and at
  least 0.864 for any continuous symmetric law, so for normal data it needs about 5% more inputs and for
  heavy tails fewer.

Discordant probabilities for correlated arms come from a latent bivariate normal model (a Gaussian
copula): input i is bad in an arm when its latent normal variable falls below the quantile of that arm's
rate, and the two latent variables have correlation ``rho``.

References:
    Miettinen (1968), "The matched pairs design in the case of all-or-none responses", Biometrics 24:339-352.
    Connor (1987), "Sample size for testing differences in proportions for the paired-sample design",
    Biometrics 43:207-211.
    Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91 (the mid-p McNemar test).
    Fleiss, Levin & Paik (2003), "Statistical Methods for Rates and Proportions", 3rd ed., Wiley, sec. 4.2.
    Owen (1965), "The power of Student's t-test", JASA 60:320-333.
    Hodges & Lehmann (1956), "The efficiency of some nonparametric competitors of the t-test",
    Ann Math Stat 27:324-335.
    Tango (1998), Stat Med 17:891-908, and Nam (1997), "Establishing equivalence of two treatments and
    sample size requirements in matched-pairs design", Biometrics 53:1422-1430 (non-inferiority sizes).
"""

from __future__ import annotations

from pytest_behavior.stats.power_binary import detectable_effect_binary as detectable_effect_binary
from pytest_behavior.stats.power_binary import discordant_probabilities as discordant_probabilities
from pytest_behavior.stats.power_binary import n_for_power_paired_binary as n_for_power_paired_binary
from pytest_behavior.stats.power_binary import n_for_power_unpaired_binary as n_for_power_unpaired_binary
from pytest_behavior.stats.power_binary import power_paired_binary as power_paired_binary
from pytest_behavior.stats.power_binary import power_unpaired_binary as power_unpaired_binary
from pytest_behavior.stats.power_mean import detectable_effect_mean_shift as detectable_effect_mean_shift
from pytest_behavior.stats.power_mean import n_for_power_mean_shift as n_for_power_mean_shift
from pytest_behavior.stats.power_mean import power_mean_shift as power_mean_shift
from pytest_behavior.stats.power_pass import n_for_pass_binary as n_for_pass_binary
from pytest_behavior.stats.power_pass import power_pass_binary as power_pass_binary

__all__ = [
    "detectable_effect_binary",
    "detectable_effect_mean_shift",
    "discordant_probabilities",
    "n_for_pass_binary",
    "n_for_power_mean_shift",
    "n_for_power_paired_binary",
    "n_for_power_unpaired_binary",
    "power_mean_shift",
    "power_paired_binary",
    "power_pass_binary",
    "power_unpaired_binary",
]
