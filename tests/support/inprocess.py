"""Everything an in-process pytester run of the plugin would import, imported once up front.

pytester runs pytest in-process and afterwards restores ``sys.modules`` to what it held before the run, so a
module first imported *during* a run is imported again by the next run. That is wrong for modules with C
extensions (numpy cannot be imported twice) and slow for the rest: pytest rewrites the asserts of every module of
an installed plugin's distribution as it imports it (pytest_behavior's and hypothesis's, whose pytest plugin
imports ``hypothesis`` at the end of every run), and with ``PYTHONDONTWRITEBYTECODE`` set it cannot keep the
rewritten code, so each run paid about a second re-reading both packages. Importing them here, once per test
process, keeps them in the snapshot every run restores.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest_behavior

HEAVY_LIBRARIES = ("numpy", "scipy.stats", "jsonschema", "deepdiff", "tabulate", "hypothesis", "hypothesis.extra")


def preload_for_inprocess_runs() -> None:
    """Import every module of the package (not its ``__main__`` entry points, which run the CLI), the libraries it
    loads lazily, and litellm through the package's own loader."""
    for name in HEAVY_LIBRARIES:
        importlib.import_module(name)
    for module in pkgutil.walk_packages(pytest_behavior.__path__, prefix="pytest_behavior."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    from pytest_behavior.properties import registered_markers
    from pytest_behavior.sampling.litellm_loader import import_litellm

    registered_markers()
    import_litellm()
