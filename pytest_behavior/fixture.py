"""The ``behavior`` fixture: what a test calls to sample its bundles and get verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_behavior.bundle import Bundle
from pytest_behavior.comparison import Comparison
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.inputs import InputValue
from pytest_behavior.properties.base import Property
from pytest_behavior.run import Spec, run_spec
from pytest_behavior.session import BehaviorSession
from pytest_behavior.settings import bundle_from_table

CANDIDATE_NAME_FIXTURE = "behavior_candidate_name"


class BehaviorFixture:
    """``behavior.sample(inputs, prompt=..., n=..., repeats=...)`` runs the test's behavioral spec once."""

    def __init__(self, request: pytest.FixtureRequest, session: BehaviorSession,
                 properties: Sequence[Property]) -> None:
        self._request = request
        self._session = session
        self._properties = tuple(properties)
        self.result: Comparison | None = None

    def sample(
        self,
        inputs: Sequence[InputValue] | str | Path | None = None,
        *,
        prompt: str | None = None,
        n: int | None = None,
        repeats: int = 1,
    ) -> Comparison:
        """Sample the candidate (and the baseline, or read it from golden/) on the same inputs and judge.

        ``inputs``: strings, dicts (filled into ``prompt``, a ``str.format`` template) or a dataset path
        (.jsonl/.json/.csv); omitted when the candidate replays records. ``n`` keeps a seeded subset of
        that many inputs; ``repeats`` samples each input several times (judged per input, never pooled).
        """
        if self.result is not None:
            raise BehaviorConfigError("behavior.sample() runs once per test (its golden file is per test); "
                                      "parametrize the test to sample several specs")
        settings = self._session.settings
        inputs = self._near_test(inputs)
        spec = Spec(nodeid=self._request.node.nodeid, properties=self._properties, inputs=inputs,
                    template=prompt, n=n, repeats=repeats)
        candidate = self._candidate()
        baseline = self._baseline() if settings.mode == "live" else None
        self.result = run_spec(spec, settings, candidate=candidate, baseline=baseline, cache=self._session.cache)
        return self.result

    def _near_test(self, inputs: Sequence[InputValue] | str | Path | None) -> Sequence[InputValue] | str | Path | None:
        """A relative dataset path is looked up next to the test file first, then from the working directory."""
        if isinstance(inputs, (str, Path)) and not Path(inputs).is_absolute():
            beside = Path(self._request.node.path).parent / inputs
            if beside.exists():
                return beside
        return inputs

    def _candidate(self) -> Bundle:
        settings = self._session.settings
        name = settings.candidate_name
        if name is not None and name in settings.named_bundles:
            return bundle_from_table(name, settings.named_bundles[name], rootdir=settings.rootdir)
        bundle = _checked(self._request.getfixturevalue("candidate_bundle"), "candidate_bundle")
        if name is not None and not self._session.candidate_name_read:
            raise BehaviorConfigError(
                f"--behavior-candidate={name} names no [tool.pytest_behavior.bundles.{name}] in pyproject.toml, "
                f"and the candidate_bundle fixture does not read `{CANDIDATE_NAME_FIXTURE}` to choose by name"
            )
        return bundle

    def _baseline(self) -> Bundle:
        settings = self._session.settings
        if settings.baseline_name is not None:
            return bundle_from_table(settings.baseline_name, settings.named_bundles[settings.baseline_name],
                                     rootdir=settings.rootdir)
        return _checked(self._request.getfixturevalue("baseline_bundle"), "baseline_bundle")


def _checked(value: Any, fixture: str) -> Bundle:
    if not isinstance(value, Bundle):
        raise BehaviorConfigError(f"the {fixture} fixture returned {value!r}; it must return a pytest_behavior.Bundle")
    return value
