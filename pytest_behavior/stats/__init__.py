"""Statistics of pytest-behavior: paired bounds, tests and multiplicity control (see STATISTICS.md).

Pure functions on numpy arrays; every bound is reported as a :class:`BoundResult` on a quantity oriented so
that larger is worse.
"""

from pytest_behavior.stats.binary import (
    absolute_rate_bound,
    mcnemar_midp,
    paired_binary_bound,
    tango_bounds,
    tango_pvalue,
)
from pytest_behavior.stats.categorical import (
    CategoricalResult,
    CategoryChange,
    categorical_shift,
    stuart_maxwell_chi2,
)
from pytest_behavior.stats.continuous import hodges_lehmann_bounds, paired_log_ratio_bound
from pytest_behavior.stats.equivalence import TostResult, paired_mean_tost, paired_ratio_tost, paired_shift_bound
from pytest_behavior.stats.multiplicity import holm
from pytest_behavior.stats.power import (
    detectable_effect_binary,
    detectable_effect_mean_shift,
    discordant_probabilities,
    n_for_pass_binary,
    n_for_power_mean_shift,
    n_for_power_paired_binary,
    n_for_power_unpaired_binary,
    power_mean_shift,
    power_paired_binary,
    power_pass_binary,
    power_unpaired_binary,
)
from pytest_behavior.stats.result import BoundResult
from pytest_behavior.stats.sequential import Decision, SequentialResult, SequentialTest, sequential_decision
from pytest_behavior.stats.shape import ShapeResult, distribution_shift
from pytest_behavior.stats.unpaired import (
    hodges_lehmann_shift_bounds,
    miettinen_nurminen_bounds,
    miettinen_nurminen_pvalue,
    unpaired_log_ratio_bound,
    unpaired_rate_bound,
    unpaired_shift_bound,
)

__all__ = [
    "BoundResult",
    "CategoricalResult",
    "CategoryChange",
    "Decision",
    "SequentialResult",
    "SequentialTest",
    "ShapeResult",
    "TostResult",
    "absolute_rate_bound",
    "categorical_shift",
    "detectable_effect_binary",
    "detectable_effect_mean_shift",
    "discordant_probabilities",
    "distribution_shift",
    "hodges_lehmann_bounds",
    "hodges_lehmann_shift_bounds",
    "holm",
    "mcnemar_midp",
    "miettinen_nurminen_bounds",
    "miettinen_nurminen_pvalue",
    "n_for_pass_binary",
    "n_for_power_mean_shift",
    "n_for_power_paired_binary",
    "n_for_power_unpaired_binary",
    "paired_binary_bound",
    "paired_log_ratio_bound",
    "paired_mean_tost",
    "paired_ratio_tost",
    "paired_shift_bound",
    "power_mean_shift",
    "power_paired_binary",
    "power_pass_binary",
    "power_unpaired_binary",
    "sequential_decision",
    "stuart_maxwell_chi2",
    "tango_bounds",
    "tango_pvalue",
    "unpaired_log_ratio_bound",
    "unpaired_rate_bound",
    "unpaired_shift_bound",
]
