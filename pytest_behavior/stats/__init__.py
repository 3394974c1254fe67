"""Statistics of pytest-behavior: paired bounds, tests and multiplicity control (see docs/statistics.md).

Pure functions on numpy arrays; every bound is reported as a :class:`BoundResult` on a quantity oriented so
that larger is worse.

Submodules load on first use (PEP 562): importing this package costs nothing, so modules that only name its
types do not pull in scipy before a test needs a verdict.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from pytest_behavior.stats.multiplicity import holm, weighted_holm, weighted_holm_levels
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
    from pytest_behavior.stats.quantile import paired_quantile_log_ratio_bound, paired_quantile_profile_bound
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

_SUBMODULE_OF: dict[str, str] = {
    "BoundResult": "result",
    "CategoricalResult": "categorical",
    "CategoryChange": "categorical",
    "Decision": "sequential",
    "SequentialResult": "sequential",
    "SequentialTest": "sequential",
    "ShapeResult": "shape",
    "TostResult": "equivalence",
    "absolute_rate_bound": "binary",
    "categorical_shift": "categorical",
    "detectable_effect_binary": "power",
    "detectable_effect_mean_shift": "power",
    "discordant_probabilities": "power",
    "distribution_shift": "shape",
    "hodges_lehmann_bounds": "continuous",
    "hodges_lehmann_shift_bounds": "unpaired",
    "holm": "multiplicity",
    "weighted_holm": "multiplicity",
    "weighted_holm_levels": "multiplicity",
    "mcnemar_midp": "binary",
    "miettinen_nurminen_bounds": "unpaired",
    "miettinen_nurminen_pvalue": "unpaired",
    "n_for_pass_binary": "power",
    "n_for_power_mean_shift": "power",
    "n_for_power_paired_binary": "power",
    "n_for_power_unpaired_binary": "power",
    "paired_binary_bound": "binary",
    "paired_log_ratio_bound": "continuous",
    "paired_quantile_log_ratio_bound": "quantile",
    "paired_quantile_profile_bound": "quantile",
    "paired_mean_tost": "equivalence",
    "paired_ratio_tost": "equivalence",
    "paired_shift_bound": "equivalence",
    "power_mean_shift": "power",
    "power_paired_binary": "power",
    "power_pass_binary": "power",
    "power_unpaired_binary": "power",
    "sequential_decision": "sequential",
    "stuart_maxwell_chi2": "categorical",
    "tango_bounds": "binary",
    "tango_pvalue": "binary",
    "unpaired_log_ratio_bound": "unpaired",
    "unpaired_rate_bound": "unpaired",
    "unpaired_shift_bound": "unpaired",
}


def __getattr__(name: str) -> Any:
    submodule = _SUBMODULE_OF.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{submodule}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
    "paired_quantile_log_ratio_bound",
    "paired_quantile_profile_bound",
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
    "weighted_holm",
    "weighted_holm_levels",
]
