"""The ``behavior`` fixture: what a test calls to sample its bundles and get verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_behavior.bundle import Bundle
from pytest_behavior.config.session import BehaviorSession
from pytest_behavior.config.settings import bundle_from_table
from pytest_behavior.engine.comparison import Comparison
from pytest_behavior.engine.run import Spec, run_spec
from pytest_behavior.errors import BehaviorConfigError, BehaviorError
from pytest_behavior.properties.base import Property
from pytest_behavior.sampling.runner import run_sync
from pytest_behavior.spec.inputs import InputValue

if TYPE_CHECKING:
    from pytest_behavior.properties.context_sweep import ContextSweep
    from pytest_behavior.properties.invariance import Invariance
    from pytest_behavior.report.progress import Progress
    from pytest_behavior.sampling.budget import Budget, BudgetGate, Ledger
    from pytest_behavior.sampling.runner import SamplingMonitor
    from pytest_behavior.spec.follow_up import FollowUps

CANDIDATE_NAME_FIXTURE = "behavior_candidate_name"


class BehaviorFixture:
    """``behavior.sample(inputs, prompt=..., n=..., repeats=...)`` runs the test's behavioral spec once."""

    def __init__(
        self,
        request: pytest.FixtureRequest,
        session: BehaviorSession,
        properties: Sequence[Property],
        *,
        candidate: object,
        baseline: object,
        sequential: bool | None = None,
        budget: Budget | None = None,
        version: str | None = None,
    ) -> None:
        self._request = request
        self.version = version
        """The candidate version this item runs in a matrix run (`pytest_behavior.config.matrix`)."""
        self._session = session
        self._properties = tuple(properties)
        self._candidate_value = candidate
        self._baseline_value = baseline
        self._sequential = sequential
        self._budget = budget
        self.result: Comparison | None = None
        self.counts = SampleCounter()
        """Samples requested and read from the cache, also when judging fails afterwards (the report shows them)."""

    def sample(
        self,
        inputs: Sequence[InputValue] | str | Path | None = None,
        *,
        prompt: str | None = None,
        n: int | None = None,
        repeats: int = 1,
        follow_up: Any = None,
        stream: bool | None = None,
    ) -> Comparison:
        """Sample the candidate (and the baseline, or read it from golden/) on the same inputs and judge.

        ``inputs``: strings, dicts (filled into ``prompt``, a ``str.format`` template) or a dataset path
        (.jsonl/.json/.csv, looked up next to the test file first); omitted when the candidate replays
        records. ``n`` keeps a seeded subset of that many inputs; ``repeats`` samples each input several
        times (judged per input, never pooled). ``follow_up``: the user turn(s) asked after each first answer, in
        the same conversation (a template such as ``"Are you sure? I think it is {wrong}."``, a callable writing the
        turn from the conversation, or a list of them; see `pytest_behavior.spec.follow_up`); every answer is kept.
        ``stream``: True streams every model bundle's answers (recording their time to first token), False reads them
        whole; None (the default) keeps each bundle's own ``Bundle(stream=...)``.
        Blocks until done; in async tests use `asample`.
        """
        return run_sync(
            lambda: self.asample(inputs, prompt=prompt, n=n, repeats=repeats, follow_up=follow_up, stream=stream)
        )

    async def asample(
        self,
        inputs: Sequence[InputValue] | str | Path | None = None,
        *,
        prompt: str | None = None,
        n: int | None = None,
        repeats: int = 1,
        follow_up: Any = None,
        stream: bool | None = None,
    ) -> Comparison:
        """`sample` for async tests: awaits the model calls on the test's own event loop."""
        if self.result is not None:
            raise BehaviorConfigError(
                "behavior.sample() runs once per test (its golden file is per test); "
                "parametrize the test to sample several specs"
            )
        settings = self._session.settings
        spec = Spec(
            nodeid=self._spec_id(),
            properties=self._properties,
            inputs=self._near_test(inputs),
            template=prompt,
            n=n,
            repeats=repeats,
            sequential=settings.sequential if self._sequential is None else self._sequential,
            location=_location(self._request.node),
            follow_up=_follow_ups(follow_up, self._properties),
        )
        if stream is not None and not isinstance(stream, bool):
            raise BehaviorConfigError(f"behavior.sample(stream=...) must be True, False or None, got {stream!r}")
        candidate = self._candidate()
        baseline = self._baseline() if settings.mode == "live" else None
        if stream is not None:
            candidate, baseline = candidate.streamed(stream), baseline and baseline.streamed(stream)
        run: dict[str, Any] = dict(
            candidate=candidate,
            baseline=baseline,
            cache=self._session.cache,
            gate=self._gate(),
            monitor=self.counts.watching(self._monitor()),
        )
        try:
            invariance = _invariance(self._properties)
            sweep = _context_sweep(self._properties)
            if invariance is not None:
                from pytest_behavior.engine.counterfactual import run_invariance

                self.result = await run_invariance(spec, settings, invariance, **run)
            elif sweep is not None:
                from pytest_behavior.engine.context_sweep import run_context_sweep

                self.result = await run_context_sweep(spec, settings, sweep, notice=self._notice, **run)
            else:
                self.result = await run_spec(spec, settings, **run)
        except (BehaviorError, AssertionError):
            raise
        except Exception as exc:  # anything else kept us from judging: an error, never a behavioral failure
            raise BehaviorError(f"{type(exc).__name__} while sampling or judging: {exc}") from exc
        return self.result

    def _spec_id(self) -> str:
        """The test's id, without the version of a matrix run: every version reads the same golden file."""
        if self.version is None:
            return str(self._request.node.nodeid)
        from pytest_behavior.config.matrix import golden_nodeid

        try:
            return golden_nodeid(self._request.node)
        except ValueError as exc:
            raise BehaviorConfigError(str(exc)) from None

    def _gate(self) -> BudgetGate | None:
        """The session budget and this test's `behavior_budget` marker, if any (None: unlimited)."""
        from pytest_behavior.sampling.budget import BudgetGate, MemoryLedger

        ledgers: list[Ledger] = []
        if self._session.ledger is not None:
            ledgers.append(self._session.ledger)
        if self._budget is not None:
            ledgers.append(MemoryLedger(self._budget, per_test=True))
        return BudgetGate(tuple(ledgers)) if ledgers else None

    def _notice(self, text: str) -> None:
        """A line the user sees before sampling starts (a live run's cost estimate): on the terminal, else as a
        warning."""
        if self._session.progress_writer is not None:
            self._session.progress_writer(text, False)
            return
        import warnings

        from pytest_behavior.errors import BehaviorBudgetWarning

        warnings.warn(BehaviorBudgetWarning(text), stacklevel=2)

    def _monitor(self) -> Progress | None:
        from pytest_behavior.report.progress import Progress, progress_style

        writer = self._session.progress_writer
        style = progress_style(self._session.settings.progress, isatty=self._session.progress_isatty)
        if writer is None or style is None:
            return None
        return Progress(self._request.node.nodeid, writer, style)

    def _near_test(self, inputs: Sequence[InputValue] | str | Path | None) -> Sequence[InputValue] | str | Path | None:
        """A relative dataset path is looked up next to the test file first, then from the working directory."""
        if isinstance(inputs, (str, Path)) and not Path(inputs).is_absolute():
            beside = Path(self._request.node.path).parent / inputs
            if beside.exists():
                return beside
        return inputs

    def _candidate(self) -> Bundle:
        settings = self._session.settings
        name = self.version or settings.candidate_name
        if name is not None and name in settings.named_bundles:
            return bundle_from_table(name, settings.named_bundles[name], rootdir=settings.rootdir)
        if self._candidate_value is None and self.version is not None:
            # a matrix mixing pyproject bundles and fixture names: the fixture is asked only for its own versions
            self._candidate_value = self._request.getfixturevalue("candidate_bundle")
        if self._candidate_value is None:
            raise BehaviorConfigError(
                "no candidate bundle: define a `candidate_bundle` fixture in conftest.py returning a "
                "pytest_behavior.Bundle, or name one with --behavior-candidate=NAME ([tool.pytest_behavior.bundles])"
            )
        bundle = _checked(self._candidate_value, "candidate_bundle")
        reads_name = self._session.candidate_name_read if self.version is None else _reads_version(self._request)
        if name is not None and not reads_name:
            raise BehaviorConfigError(
                f"--behavior-candidate={name} names no [tool.pytest_behavior.bundles.{name}] in pyproject.toml, "
                f"and the candidate_bundle fixture does not read `{CANDIDATE_NAME_FIXTURE}` to choose by name"
            )
        return bundle

    def _baseline(self) -> Bundle:
        settings = self._session.settings
        if settings.baseline_name is not None:
            return bundle_from_table(
                settings.baseline_name, settings.named_bundles[settings.baseline_name], rootdir=settings.rootdir
            )
        if self._baseline_value is None:
            raise BehaviorConfigError(
                "--behavior-baseline=live needs a `baseline_bundle` fixture in conftest.py returning a "
                "pytest_behavior.Bundle (or use --behavior-baseline=NAME with a bundle from pyproject.toml)"
            )
        return _checked(self._baseline_value, "baseline_bundle")


class SampleCounter:
    """A sampling monitor that counts requests and cache hits, and passes every event on (to the progress display)."""

    def __init__(self) -> None:
        self.requested = 0
        self.cached = 0
        self._inner: SamplingMonitor | None = None

    def watching(self, inner: SamplingMonitor | None) -> SampleCounter:
        self._inner = inner
        return self

    def begin(self, *, total: int, cached: int, estimated_usd: float | None) -> None:
        self.cached += cached
        if self._inner is not None:
            self._inner.begin(total=total, cached=cached, estimated_usd=estimated_usd)

    def call_started(self) -> None:
        self.requested += 1
        if self._inner is not None:
            self._inner.call_started()

    def call_retried(self) -> None:
        if self._inner is not None:
            self._inner.call_retried()

    def call_finished(self, cost_usd: float | None) -> None:
        if self._inner is not None:
            self._inner.call_finished(cost_usd)

    def call_failed(self) -> None:
        if self._inner is not None:
            self._inner.call_failed()

    def end(self) -> None:
        if self._inner is not None:
            self._inner.end()


def _reads_version(request: pytest.FixtureRequest) -> bool:
    """Whether the ``candidate_bundle`` fixture depends, directly or through other fixtures, on the version name
    (else every version of a matrix run would silently sample the same bundle)."""
    manager = getattr(request, "_fixturemanager", None)
    if manager is None:
        return True  # cannot tell: trust the conftest
    seen: set[str] = set()
    pending = ["candidate_bundle"]
    while pending:
        name = pending.pop()
        if name == CANDIDATE_NAME_FIXTURE:
            return True
        definitions = manager.getfixturedefs(name, request.node) if name not in seen else None
        seen.add(name)
        if definitions:
            pending += list(definitions[-1].argnames)
    return False


def _invariance(properties: Sequence[Property]) -> Invariance | None:
    """The test's `invariance` property, if it has one (it is then the test's only property)."""
    from pytest_behavior.properties.invariance import Invariance

    return next((p for p in properties if isinstance(p, Invariance)), None)


def _context_sweep(properties: Sequence[Property]) -> ContextSweep | None:
    """The test's `context_sweep` property, if it has one (it is then the test's only property)."""
    from pytest_behavior.properties.context_sweep import ContextSweep

    return next((p for p in properties if isinstance(p, ContextSweep)), None)


def _checked(value: object, fixture: str) -> Bundle:
    if not isinstance(value, Bundle):
        raise BehaviorConfigError(f"the {fixture} fixture returned {value!r}; it must return a pytest_behavior.Bundle")
    return value


def _location(node: Any) -> tuple[str, int] | None:
    """The test's file and 1-based line (``reportinfo`` gives a 0-based one, or None)."""
    path, lineno, _ = node.reportinfo()
    return (str(path), (lineno or 0) + 1)


def _follow_ups(explicit: Any, properties: Sequence[Property]) -> FollowUps | None:
    """The spec's follow-up turns: ``behavior.sample(follow_up=...)`` or a marker's (``sycophancy``); both is
    an error unless they are the same."""
    from pytest_behavior.spec.follow_up import follow_ups

    mine = follow_ups(explicit, where="behavior.sample(follow_up=...)")
    for prop in properties:
        theirs = getattr(prop, "follow_ups", None)
        if theirs is None:
            continue
        if mine is not None and mine != theirs:
            raise BehaviorConfigError(
                f"behavior.sample(follow_up=...) and @pytest.mark.{prop.marker_name}(follow_up=...) ask different "
                "follow-up turns; give them in one place"
            )
        mine = theirs
    return mine
