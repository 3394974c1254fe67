"""The Property protocol, bounds, the judgments an LLM-judged property asks for, and marker-argument validation.

A property turns outputs into per-output numbers (one or more *metrics*, laid out as
inputs × repeats) and declares *bounds* on them. Properties never do I/O and never judge:
the statistics in `pytest_behavior.engine.judge` do that, the same way for every property.
A property that needs a model to label outputs declares a `JudgeRequest`; the engine obtains the labels
(`pytest_behavior.engine.llm_judge`) and hands them back. The registry of markers is
`pytest_behavior.properties.registry`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pytest_behavior.errors import MarkerError
from pytest_behavior.spec.judge_format import JudgePrompt

if TYPE_CHECKING:  # numpy is imported when outputs are measured, not when markers are validated
    import numpy as np
    from numpy.typing import NDArray

BoundForm = Literal[
    "max_rate",
    "min_rate",
    "max_increase",
    "max_decrease",
    "max_ratio",
    "min_ratio",
    "max_p95_ratio",
    "min_mean",
    "min_win_rate",
]
MetricKind = Literal["binary", "continuous", "bounded"]
"""``bounded``: scores in a known range (`Metric.scale`: a judge's win score in [0, 1], a rubric's 1..5), averaged
per input; ``max_decrease`` on it is a paired mean difference, ``min_mean`` a bound on the candidate's mean, and
``min_win_rate`` the same bound on a score that exists only against a baseline (relative: not judged without one)."""
Texts = Sequence[Sequence[str]]  # outputs laid out as inputs × repeats

ABSOLUTE_FORMS: frozenset[str] = frozenset({"max_rate", "min_rate", "min_mean"})


@dataclass(frozen=True)
class Bound:
    form: BoundForm
    threshold: float
    keyword: str | None = None
    """The marker keyword the user wrote when it is not ``form`` (``max_ttft_p95_ratio`` judged as
    ``max_p95_ratio``): every report shows the bound as the user wrote it."""

    @property
    def relative(self) -> bool:
        """Needs a baseline (a change) rather than the candidate alone (a level)."""
        return self.form not in ABSOLUTE_FORMS

    def __str__(self) -> str:
        return f"{self.keyword or self.form}={self.threshold:g}"


@dataclass(frozen=True)
class Metric:
    key: str
    title: str
    kind: MetricKind
    bounds: tuple[Bound, ...]
    summary_quantile: float | None = None
    """Shown as this quantile of all outputs (latency p95) instead of the rate or the per-input median."""
    profile: tuple[float, ...] = ()
    """Ratio bounds hold at each of these quantiles of all outputs (a distribution-shape bound), not on the
    typical paired ratio."""
    family: str | None = None
    """Metrics sharing a family are one declared bound split into rows (the categories of ``max_share_change``):
    together they are one member of the test's multiplicity family, each row holding an equal share of its weight."""
    scale: tuple[float, float] | None = None
    """A ``bounded`` metric's range (lower, upper): every value lies in it."""


@dataclass(frozen=True)
class Observation:
    """A metric's per-output values for both arms, shape (inputs, repeats); baseline None without one."""

    metric: Metric
    baseline: NDArray[np.float64] | None
    candidate: NDArray[np.float64]


@dataclass(frozen=True)
class JudgeRequest:
    """What an LLM-judged property needs labelled before it can observe: every distinct output, by ``model``.

    The judge answers each output under ``instruction`` (its system prompt); ``parse`` finds one of ``labels`` in
    the answer (None: it gave none). ``name`` and ``hint`` word the errors (``"the refusal judge 'm' answered ...;
    <hint>"``).
    """

    name: str
    model: str
    instruction: str
    labels: tuple[str, ...]
    parse: Callable[[str], str | None]
    hint: str = "use a model that follows instructions"


@dataclass(frozen=True)
class PromptRequest:
    """What a property needs an LLM judge to answer: rendered judge prompts (`spec.judge_format.JudgePrompt`).

    ``judge`` is a litellm model string or a `pytest_behavior.bundle.Bundle`; each prompt is one judge call, its
    answer read by ``parse`` (None: the answer breaks the contract). The engine asks again once (another call seed)
    for an answer that does not parse and hands back, keyed by `prompt_key`, the parsed judgment or None.
    """

    name: str
    judge: Any
    prompts: tuple[JudgePrompt, ...]
    parse: Callable[[str], object | None]


def prompt_key(prompt: JudgePrompt) -> str:
    """A judge prompt's id: the hash of its messages (so the order of two answers is part of it)."""
    import hashlib

    return hashlib.sha256(f"{prompt.system}\x00{prompt.user}".encode()).hexdigest()[:24]


class Property(ABC):
    """A behavioral property declared by a marker."""

    marker_name: ClassVar[str]
    sequential_capable: ClassVar[bool] = True
    """Whether its bounds can be decided one input at a time (a tail quantile or a tiny-valued cost cannot)."""
    reads_whole_text: ClassVar[bool] = False
    """It reads what an answer says (a matcher, a judge), so a baseline a golden file stored cut
    (``--behavior-max-stored-chars``) cannot stand in for the answer: the engine refuses it, naming the input."""
    explains_flips: ClassVar[bool] = False
    """Its `explain` shows the inputs that moved the wrong way itself (with what only it knows, such as the
    reference answer), so the failure diff leaves out its generic table of flipped inputs."""

    @classmethod
    @abstractmethod
    def from_marker(cls, *args: Any, **kwargs: Any) -> Property:
        """Build from marker arguments; raise `MarkerError` with a message a user can act on."""

    @abstractmethod
    def metrics(self) -> tuple[Metric, ...]: ...

    @abstractmethod
    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        """Per-output values of every metric (the baseline, when given, is paired row by row)."""

    def with_reference(self, baseline: Texts) -> Property:
        """This property with anything it derives from the whole baseline fixed in advance.

        Sequential mode measures one input at a time, so a metric that compares each output with a summary
        of the baseline (the usual key set) must see that summary before the first input, not a running
        one. The default: the property needs no reference.
        """
        return self

    def judge_request(self) -> JudgeRequest | None:
        """What a model must label before this property observes outputs (None, the default: it measures them
        itself)."""
        return None

    def input_fields(self) -> tuple[str, ...]:
        """The input fields this property reads (a reference answer, context shown to a judge): every input must
        have them, checked before any call. The default: none."""
        return ()

    def prompt_request(self, baseline: Texts | None, candidate: Texts) -> PromptRequest | None:
        """The judge prompts this property needs answered for these outputs (paired row by row, each carrying its
        input: `spec.output.Output.input`); None, the default: none."""
        return None

    def with_judgments(self, judgments: Mapping[str, Any]) -> Property:
        """This property observing with the labels its `judge_request` asked for, keyed by output text (or the
        judgments its `prompt_request` asked for, keyed by `prompt_key`: parsed, or None when unparsed)."""
        return self

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str], *, shown: int | None = None) -> list[str]:
        """Extra diff sections shown when a metric of this property regressed; ``shown``: how many inputs to quote
        (None: the property's own terminal default; the full diff file asks for more)."""
        return []

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """The property's settings, as recorded in golden files and reports."""


REGISTERED: dict[str, type[Property]] = {}
"""The property classes imported so far, by marker name; `pytest_behavior.properties.registry.registered_markers`
imports every property module first, so ask it for the complete registry."""


def register(cls: type[Property]) -> type[Property]:
    REGISTERED[cls.marker_name] = cls
    return cls


COMMON_MARKER_OPTIONS = ("sequential",)
"""Keywords every behavior marker accepts; they configure the test, not the property."""


def marker_sequential(name: str, kwargs: Mapping[str, Any]) -> bool | None:
    """The ``sequential=`` keyword of a behavior marker: True opts its test in, False out (also against
    ``--behavior-sequential``), None when not given."""
    value = kwargs.get("sequential")
    if value is not None and not isinstance(value, bool):
        raise MarkerError(f"@pytest.mark.{name}: sequential must be True or False, got {value!r}")
    return value


def rate_arg(marker: str, name: str, value: Any) -> float | None:
    """A probability in [0, 1] (``max_rate=5`` is a typo for 0.05: say so)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise MarkerError(f"@pytest.mark.{marker}: {name} must be a number in [0, 1], got {value!r}")
    if not 0 <= value <= 1:
        hint = f" (did you mean {value / 100:g}?)" if 1 < value <= 100 else ""
        raise MarkerError(f"@pytest.mark.{marker}: {name}={value!r} is outside [0, 1]{hint}")
    return float(value)


def ratio_arg(marker: str, name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise MarkerError(f"@pytest.mark.{marker}: {name} must be a positive ratio such as 1.3, got {value!r}")
    return float(value)


def bounds_from(**forms: float | None) -> tuple[Bound, ...]:
    return tuple(Bound(form, value) for form, value in forms.items() if value is not None)  # type: ignore[arg-type]


def as_matrix(values: Sequence[Sequence[float]]) -> NDArray[np.float64]:
    import numpy as np

    return np.asarray(values, dtype=np.float64).reshape(len(values), -1)


def summarize(kind: MetricKind | str, values: NDArray[np.float64], *, quantile: float | None = None) -> float:
    """A rate for binary metrics; the median of the per-input means for continuous ones (or ``quantile`` of
    all outputs, for a metric bounded in its tail)."""
    import numpy as np

    if quantile is not None:
        return float(np.quantile(values, quantile))

    per_input = values.mean(axis=1)
    return float(per_input.mean() if kind in ("binary", "bounded") else np.median(per_input))
