"""Sequential mode's sampling: inputs in random order, each fed to the betting judge until every bound is decided."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pytest_behavior.bundle import Bundle
from pytest_behavior.config.settings import RunSettings
from pytest_behavior.engine.comparison import SequentialInfo
from pytest_behavior.engine.sequential import BoundKey, SequentialJudge
from pytest_behavior.golden.store import GoldenRecord
from pytest_behavior.properties.base import Property
from pytest_behavior.sampling.cache import SampleCache
from pytest_behavior.sampling.llm import Completion
from pytest_behavior.sampling.runner import ArmSamples, SamplingPlan, sample_arms_until
from pytest_behavior.spec.inputs import Input, canonical_json
from pytest_behavior.spec.output import with_input

if TYPE_CHECKING:
    from pytest_behavior.stats import SequentialResult


def shuffled(inputs: Sequence[Input], seed: int) -> list[Input]:
    """Sequential tests need the inputs in random order (their guarantee is about the order values come in)."""
    order = list(inputs)
    random.Random(f"sequential:{seed}").shuffle(order)
    return order


async def sample_sequentially(
    properties: Sequence[Property],
    settings: RunSettings,
    arms: Mapping[str, Bundle],
    inputs: Sequence[Input],
    plan: SamplingPlan,
    cache: SampleCache,
    golden: GoldenRecord | None,
) -> tuple[dict[str, ArmSamples], SequentialInfo, Mapping[BoundKey, SequentialResult]]:
    """Sample until every bound of ``properties`` is decided by its betting test (`pytest_behavior.engine.sequential`).

    Properties that summarize the whole baseline (the usual key set) get it fixed before the first value:
    from the golden file, or live from the first `LIVE_REFERENCE_INPUTS` inputs, which are held back and
    fed once the reference exists.
    """
    golden_texts: dict[str, tuple[str, ...]] = {}
    wanted = {i.id: i.value for i in inputs}
    if golden is not None:
        golden_texts = {
            k: answering(s.texts, k, wanted[k])
            for k, s in golden.samples.items()
            if k in wanted and canonical_json(s.input) == canonical_json(wanted[k])
        }
    state = _SequentialState(properties, settings, n_max=len(inputs), golden_texts=golden_texts if golden else None)

    def consume(input_id: str, samples: Mapping[str, tuple[Completion, ...] | None]) -> bool:
        cand = samples["candidate"]
        base: tuple[str, ...] | None
        if golden is not None:
            base = golden_texts.get(input_id)
        else:
            live = samples.get("baseline")
            base = None if live is None else answering([c.output() for c in live], input_id, wanted[input_id])
        if cand is None or (base is None and state.needs_baseline):
            return state.decided
        return state.feed(base, answering([c.output() for c in cand], input_id, wanted[input_id]))

    sampled, used = await sample_arms_until(arms, inputs, plan, cache, consume=consume)
    judge = state.finish()
    return sampled, SequentialInfo(n_used=used, n_max=len(inputs), stopped_early=used < len(inputs)), judge.results()


def answering(outputs: Iterable[str], input_id: str, value: Any) -> tuple[str, ...]:
    """The outputs carrying the input they answered (`Output.input`), as `run_spec` gives them to properties."""
    return tuple(with_input(t, value, input_id=input_id) for t in outputs)


LIVE_REFERENCE_INPUTS = 20


class _SequentialState:
    """Holds back the first live inputs until the baseline reference exists, then feeds the judge."""

    def __init__(
        self,
        properties: Sequence[Property],
        settings: RunSettings,
        *,
        n_max: int,
        golden_texts: Mapping[str, tuple[str, ...]] | None,
    ) -> None:
        self.properties, self.settings, self.n_max = tuple(properties), settings, n_max
        self.needs_baseline = settings.mode in ("golden", "live")
        self.held: list[tuple[tuple[str, ...] | None, tuple[str, ...]]] = []
        self.judge: SequentialJudge | None = self._judge([])  # validates the bounds before any request
        if golden_texts is not None:
            self.judge = self._judge([list(texts) for texts in golden_texts.values()])
        elif any(_needs_reference(prop) for prop in self.properties):
            self.judge = None  # live: fixed from the first LIVE_REFERENCE_INPUTS baseline outputs

    def _judge(self, baseline: list[list[str]]) -> SequentialJudge:
        properties = [prop.with_reference(baseline) for prop in self.properties]
        return SequentialJudge(
            properties, has_baseline=self.needs_baseline, alpha=self.settings.alpha, n_max=self.n_max
        )

    @property
    def decided(self) -> bool:
        return self.judge is not None and self.judge.decided

    def feed(self, base: tuple[str, ...] | None, cand: tuple[str, ...]) -> bool:
        if self.judge is None:
            self.held.append((base, cand))
            if len(self.held) < min(LIVE_REFERENCE_INPUTS, self.n_max):
                return False
            self.judge = self._judge([list(b) for b, _ in self.held if b is not None])
            held, self.held = self.held, []
            return any([self.judge.feed(b, c) for b, c in held])
        return self.judge.feed(base, cand)

    def finish(self) -> SequentialJudge:
        """The judge after the last input (also when fewer inputs than the reference needs were fed)."""
        if self.judge is None:
            self.judge = self._judge([list(b) for b, _ in self.held if b is not None])
            for b, c in self.held:
                self.judge.feed(b, c)
        return self.judge


def _needs_reference(prop: Property) -> bool:
    return type(prop).with_reference is not Property.with_reference
