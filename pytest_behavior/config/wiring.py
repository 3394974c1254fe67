"""What the plugin stores on pytest objects, and the ``behavior`` fixture it registers (plugin.py stays wiring only).

Nothing heavy is imported here: plugin.py imports this module when pytest loads it.
"""

from __future__ import annotations

import inspect
import types
from typing import TYPE_CHECKING

import pytest

from pytest_behavior.config.markers import MarkerSpec
from pytest_behavior.config.matrix import VERSION_FIXTURE
from pytest_behavior.config.session import BehaviorSession
from pytest_behavior.config.settings import RunSettings

if TYPE_CHECKING:
    from pytest_behavior.config.fixture import BehaviorFixture

SESSION_KEY = pytest.StashKey[BehaviorSession]()
SPEC_KEY = pytest.StashKey[MarkerSpec]()
SPEC_PROBLEM_KEY = pytest.StashKey[str]()
FIXTURE_KEY = pytest.StashKey["BehaviorFixture"]()


def behavior_fixture(settings: RunSettings) -> types.ModuleType:
    """The `behavior` fixture, requesting only the bundle fixtures this run uses (in a holder to register).

    A bundle named from pyproject (``--behavior-candidate=NAME``, ``--behavior-baseline=NAME``) replaces its
    fixture, and only ``--behavior-baseline=live`` samples a baseline bundle: a fixture not requested is never
    evaluated, so a conftest that rejects names it does not know (or opens a client) is left alone. The fixtures
    used stay ordinary arguments of the fixture, so users can parametrize them or make them async. A matrix run
    (several candidates) also requests the version, which the plugin parametrizes (`pytest_behavior.config.matrix`).
    """
    versions = settings.candidate_names or ((settings.candidate_name,) if settings.candidate_name else ())
    named = [name in settings.named_bundles for name in versions]
    uses = {
        VERSION_FIXTURE: bool(settings.candidate_names),
        # a matrix mixing pyproject bundles and fixture names asks the fixture for its own versions only, when needed
        "candidate_bundle": not any(named),
        "baseline_bundle": settings.mode == "live" and settings.baseline_name is None,
    }

    def behavior(request: pytest.FixtureRequest, **bundles: object) -> BehaviorFixture:
        version = bundles.get(VERSION_FIXTURE)
        return _behavior(
            request,
            bundles.get("candidate_bundle"),
            bundles.get("baseline_bundle"),
            version=version if isinstance(version, str) else None,
        )

    parameters = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for name in ("request", *(name for name, used in uses.items() if used))
    ]
    behavior.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]  # pytest reads it
    behavior.__doc__ = "Sample the candidate (and baseline) bundles and judge the test's behavior markers."
    holder = types.ModuleType(f"{__name__}.behavior_fixture")
    holder.behavior = pytest.fixture(behavior)  # type: ignore[attr-defined]
    return holder


def _behavior(
    request: pytest.FixtureRequest, candidate_bundle: object, baseline_bundle: object, *, version: str | None
) -> BehaviorFixture:
    from pytest_behavior.config.fixture import BehaviorFixture

    node = request.node
    spec = node.stash.get(SPEC_KEY, MarkerSpec())
    fixture = BehaviorFixture(
        request,
        request.config.stash[SESSION_KEY],
        spec.properties,
        candidate=candidate_bundle,
        baseline=baseline_bundle,
        sequential=spec.sequential,
        budget=spec.budget,
        version=version,
    )
    node.stash[FIXTURE_KEY] = fixture
    return fixture
