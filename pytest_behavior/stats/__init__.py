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
from pytest_behavior.stats.continuous import hodges_lehmann_bounds, paired_log_ratio_bound
from pytest_behavior.stats.multiplicity import holm
from pytest_behavior.stats.result import BoundResult

__all__ = [
    "BoundResult",
    "absolute_rate_bound",
    "hodges_lehmann_bounds",
    "holm",
    "mcnemar_midp",
    "paired_binary_bound",
    "paired_log_ratio_bound",
    "tango_bounds",
    "tango_pvalue",
]
