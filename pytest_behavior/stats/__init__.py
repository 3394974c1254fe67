"""Statistics of pytest-behavior: paired bounds, tests and multiplicity control (see docs/statistics.md).

Pure functions on numpy arrays; every bound is reported as a :class:`BoundResult` on a quantity oriented so
that larger is worse.

- `result`: `BoundResult`, the common result of every bound; `arrays`, `checks`: argument validation.
- `binary`, `discordant`: paired bad-outcome rates (1 = bad): the bound on an increase, mid-p McNemar, Tango.
- `bounded_mean`, `paired_mean`: bounded scores (an LLM judge's win score, a rubric score): the mean of one arm's
  scores, and the paired mean difference; `student`: the t bounds they share with the paired rates.
- `absolute_rate`: one arm's bad-outcome rate, exact binomial and Clopper-Pearson.
- `continuous`: paired continuous metrics on the log scale: Wilcoxon signed-rank and Hodges-Lehmann bounds.
- `equivalence`: TOST for paired metrics, and the paired shift bound on the raw scale.
- `quantile`: tail quantiles (latency p95) of two arms compared as a ratio.
- `shape`, `categorical`, `permutation`: distribution shape and categorical outcomes, by within-input permutation.
- `unpaired`: two-sample bounds, only for data that cannot be paired by input.
- `multiplicity`: Holm control across the properties of one test.
- `sequential`: sequential mode, testing by betting.
- `power`, `power_binary`, `power_mean`, `power_pass`, `power_preference`, `power_search`: power and sample size
  (``pytest-behavior power``).

Submodules load on first use (PEP 562): importing this package costs nothing, so modules that only name its
types do not pull in scipy before a test needs a verdict.

The ``TYPE_CHECKING`` imports below are the one list of the package's names: type checkers read them (``X as X``
marks a re-export under ``mypy --strict``), and `_submodule_of` reads the same lines with `ast` to build the lazy
table that ``__getattr__``, ``__dir__`` and ``__all__`` derive from. A name is added in one place. (The same
design as Scientific Python's SPEC 1 ``lazy_loader.attach_stub``, which reads a ``.pyi`` file; like it, this needs
the package's source files installed, which pip always does.)
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_behavior.stats.absolute_rate import absolute_rate_bound as absolute_rate_bound
    from pytest_behavior.stats.binary import paired_binary_bound as paired_binary_bound
    from pytest_behavior.stats.bounded_mean import bounded_mean_bound as bounded_mean_bound
    from pytest_behavior.stats.categorical import CategoricalResult as CategoricalResult
    from pytest_behavior.stats.categorical import CategoryChange as CategoryChange
    from pytest_behavior.stats.categorical import categorical_shift as categorical_shift
    from pytest_behavior.stats.categorical import stuart_maxwell_chi2 as stuart_maxwell_chi2
    from pytest_behavior.stats.continuous import hodges_lehmann_bounds as hodges_lehmann_bounds
    from pytest_behavior.stats.continuous import paired_log_ratio_bound as paired_log_ratio_bound
    from pytest_behavior.stats.discordant import mcnemar_midp as mcnemar_midp
    from pytest_behavior.stats.discordant import tango_bounds as tango_bounds
    from pytest_behavior.stats.discordant import tango_pvalue as tango_pvalue
    from pytest_behavior.stats.equivalence import TostResult as TostResult
    from pytest_behavior.stats.equivalence import paired_mean_tost as paired_mean_tost
    from pytest_behavior.stats.equivalence import paired_ratio_tost as paired_ratio_tost
    from pytest_behavior.stats.equivalence import paired_shift_bound as paired_shift_bound
    from pytest_behavior.stats.multiplicity import holm as holm
    from pytest_behavior.stats.multiplicity import weighted_holm as weighted_holm
    from pytest_behavior.stats.multiplicity import weighted_holm_levels as weighted_holm_levels
    from pytest_behavior.stats.paired_mean import paired_mean_bound as paired_mean_bound
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
    from pytest_behavior.stats.power_preference import n_for_win_rate as n_for_win_rate
    from pytest_behavior.stats.power_preference import power_win_rate as power_win_rate
    from pytest_behavior.stats.power_preference import win_score_sd as win_score_sd
    from pytest_behavior.stats.quantile import paired_quantile_log_ratio_bound as paired_quantile_log_ratio_bound
    from pytest_behavior.stats.quantile import paired_quantile_profile_bound as paired_quantile_profile_bound
    from pytest_behavior.stats.result import BoundResult as BoundResult
    from pytest_behavior.stats.sequential import Decision as Decision
    from pytest_behavior.stats.sequential import SequentialResult as SequentialResult
    from pytest_behavior.stats.sequential import SequentialTest as SequentialTest
    from pytest_behavior.stats.sequential import sequential_decision as sequential_decision
    from pytest_behavior.stats.shape import ShapeResult as ShapeResult
    from pytest_behavior.stats.shape import distribution_shift as distribution_shift
    from pytest_behavior.stats.unpaired import hodges_lehmann_shift_bounds as hodges_lehmann_shift_bounds
    from pytest_behavior.stats.unpaired import miettinen_nurminen_bounds as miettinen_nurminen_bounds
    from pytest_behavior.stats.unpaired import miettinen_nurminen_pvalue as miettinen_nurminen_pvalue
    from pytest_behavior.stats.unpaired import unpaired_log_ratio_bound as unpaired_log_ratio_bound
    from pytest_behavior.stats.unpaired import unpaired_rate_bound as unpaired_rate_bound
    from pytest_behavior.stats.unpaired import unpaired_shift_bound as unpaired_shift_bound


def _submodule_of() -> dict[str, str]:
    """Each exported name -> the submodule that defines it, read from this file's ``TYPE_CHECKING`` imports."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    return {
        alias.asname or alias.name: node.module.rpartition(".")[2]
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


_SUBMODULE_OF = _submodule_of()
__all__ = sorted(_SUBMODULE_OF)


def __getattr__(name: str) -> Any:
    submodule = _SUBMODULE_OF.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{submodule}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
