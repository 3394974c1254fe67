"""Counterfactual invariance: the same bundle on each input and on its perturbed twin must decide alike.

``@pytest.mark.invariance(perturb, properties=("refusal",), max_difference=0.05)`` pairs every input with a
twin made by ``perturb`` (a `pytest_behavior.perturb.Perturbation`: another culture's name, pronouns,
dialect, casing, whitespace, punctuation, typos, list order, or a composition), samples the candidate on
both, and judges each decision with the paired tests the plugin uses between arms: here the two "arms" are
the originals and the twins of one bundle, paired by input. A decision is ``"refusal"``, ``"tool_called"``,
``"schema_valid"`` (with ``schema=``) or a function of the output returning a bool (``approved``).

- Twin rate minus original rate is bounded both ways by ``max_difference`` (``max_increase`` and
  ``max_decrease`` of the paired difference), overall and per perturbation group (for a name swap, the
  culture of the new name), with Holm over all of them: a bundle that declines more loans when the name
  is Yoruba fails on that group even if the overall rate barely moves.
- With a baseline (golden files or live), the share of inputs whose decision flips between original and
  twin must not grow by more than ``max_flip_increase`` (default: ``max_difference``) from baseline to
  candidate: the counterfactual gap did not widen with this change. Every verdict is then judged on the pairs
  the baseline holds (same ids, same inputs and twins); a pair it lacks is not judged and is named in the
  test's pairing notes, as any input without a baseline sample is.

Twins are drawn with ``random.Random(f"{seed}:{input id}")``, so they are reproducible from the seed
recorded in the golden file, which holds the originals and the twins (ids ``<id>~twin``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.base import Metric, Observation, Property, Texts, bounds_from, rate_arg, register

TWIN_SUFFIX = "~twin"
BUILTIN_DECISIONS = ("refusal", "tool_called", "schema_valid", "agrees_with_user", "feedback_positivity")
MAX_EXAMPLES_PER_GROUP = 3


@dataclass(frozen=True)
class Decision:
    """A yes/no reading of one output, or with ``score`` a number in [0, 1] (``feedback_positivity``, bounded as a
    paired mean difference); ``name`` labels its verdicts."""

    name: str
    fn: Callable[[Any], Any] = field(compare=False)
    score: bool = False


@dataclass(frozen=True)
class Twin:
    """An input and its perturbed twin: the ids pair them, ``group`` names what was changed."""

    original_id: str
    twin_id: str
    change: str
    group: str


@register
@dataclass(frozen=True)
class Invariance(Property):
    marker_name: ClassVar[str] = "invariance"
    sequential_capable: ClassVar[bool] = False

    perturbation: Any = field(hash=False)
    decisions: tuple[Decision, ...] = ()
    max_difference: float = 0.05
    max_flip_increase: float | None = None
    twins: tuple[Twin, ...] = field(default=(), compare=False)
    """Set when the twins are drawn (for the diff's grouped examples)."""

    @classmethod
    def from_marker(
        cls,
        perturb: Any = None,
        *,
        properties: Any = ("refusal",),
        max_difference: Any = 0.05,
        max_flip_increase: Any = None,
        schema: Any = None,
    ) -> Invariance:
        name = cls.marker_name
        from pytest_behavior.perturb import Perturbation

        if not isinstance(perturb, Perturbation):
            raise MarkerError(
                f"@pytest.mark.{name} needs perturb=, a pytest_behavior.perturb.Perturbation such as "
                f"NameSwap() or Typos() + Casing(), got {perturb!r}"
            )
        difference = rate_arg(name, "max_difference", max_difference)
        if difference is None:
            raise MarkerError(f"@pytest.mark.{name} needs max_difference (a rate in [0, 1])")
        if schema is not None:
            from pytest_behavior.properties.schema import _check_schema

            _check_schema(schema)
        decisions = _decisions(properties, schema, perturb)
        return cls(
            perturbation=perturb,
            decisions=decisions,
            max_difference=difference,
            max_flip_increase=rate_arg(name, "max_flip_increase", max_flip_increase),
        )

    @property
    def flip_bound(self) -> float:
        return self.max_difference if self.max_flip_increase is None else self.max_flip_increase

    def metrics(self) -> tuple[Metric, ...]:
        """None for the spec's ordinary observation: `judge_twins` builds the paired observations."""
        return ()

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        return []

    def twin_metric(self, decision: Decision) -> Metric:
        if decision.score:
            return Metric(
                key=f"invariance.{decision.name}",
                title=f"{decision.name}: twin vs original (mean)",
                kind="bounded",
                bounds=bounds_from(max_increase=self.max_difference, max_decrease=self.max_difference),
                family=f"invariance.{decision.name}",
                scale=(0.0, 1.0),
            )
        return Metric(
            key=f"invariance.{decision.name}",
            title=f"{decision.name}: twin vs original",
            kind="binary",
            bounds=bounds_from(max_increase=self.max_difference, max_decrease=self.max_difference),
            family=f"invariance.{decision.name}",
        )  # one declared two-sided bound: one family member

    def flip_metric(self, decision: Decision) -> Metric:
        return Metric(
            key=f"invariance.{decision.name}.flips",
            title=f"{decision.name} flips on perturbation",
            kind="binary",
            bounds=bounds_from(max_increase=self.flip_bound),
        )

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str], *, shown: int | None = None) -> list[str]:
        """The pairs whose decision flipped, grouped by perturbation (``baseline`` = originals, ``candidate`` =
        twins here)."""
        by_id = {t.original_id: t for t in self.twins}
        lines = []
        for decision in self.decisions:
            if decision.score:
                lines += _score_moves(decision, baseline, candidate, ids, by_id)
                continue
            groups: dict[str, list[tuple[str, str]]] = {}
            counts: dict[str, list[int]] = {}
            for input_id, originals, twins in zip(ids, baseline, candidate, strict=True):
                twin = by_id.get(input_id)
                if twin is None:
                    continue
                before = _share(decision, originals)
                after = _share(decision, twins)
                tally = counts.setdefault(twin.group, [0, 0, 0])
                tally[0] += 1
                if after != before:
                    tally[1 if after > before else 2] += 1
                    arrow = f"{decision.name} {_yes_no(before)} -> {_yes_no(after)}"
                    groups.setdefault(twin.group, []).append((input_id, f"{arrow}; {twin.change}"))
            if not any(t[1] or t[2] for t in counts.values()):
                continue
            lines.append(f"pairs whose {decision.name!r} flipped, by perturbation:")
            for group, (pairs, up, down) in sorted(counts.items(), key=lambda kv: -(kv[1][1] + kv[1][2])):
                lines.append(f"  {group}: {up + down} of {pairs} pairs flipped ({up} to yes, {down} to no)")
                majority = "-> yes" if up >= down else "-> no"
                examples = sorted(groups.get(group, []), key=lambda item: majority not in item[1])
                for input_id, text in examples[:MAX_EXAMPLES_PER_GROUP]:
                    lines.append(f"    {input_id}: {text}")
        return lines

    def input_fields(self) -> tuple[str, ...]:
        """``agrees_with_user`` reads the asserted answer: every input must have it, checked before any call."""
        if any(d.name == "agrees_with_user" for d in self.decisions):
            return (_answer_fields(self.perturbation)[0],)
        return ()

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "marker": self.marker_name,
            "perturb": self.perturbation.describe(),
            "properties": [d.name for d in self.decisions],
            "max_difference": self.max_difference,
        }
        if self.max_flip_increase is not None:
            described["max_flip_increase"] = self.max_flip_increase
        return described


def _score_moves(
    decision: Decision, originals: Texts, twins: Texts, ids: Sequence[str], by_id: Mapping[str, Twin]
) -> list[str]:
    """A score decision's mean move per perturbation group, and the pairs that moved most."""
    moves: dict[str, list[tuple[float, str]]] = {}
    for input_id, before, after in zip(ids, originals, twins, strict=True):
        twin = by_id.get(input_id)
        if twin is not None:
            change = _mean(decision, after) - _mean(decision, before)
            moves.setdefault(twin.group, []).append((change, input_id))
    if not moves:
        return []
    lines = [f"{decision.name}, twin minus original, by perturbation:"]
    for group, changes in sorted(moves.items(), key=lambda kv: -sum(c for c, _ in kv[1]) / len(kv[1])):
        mean = sum(c for c, _ in changes) / len(changes)
        lines.append(f"  {group}: mean {mean:+.3f} over {len(changes)} pairs")
        for change, input_id in sorted(changes, reverse=True)[:MAX_EXAMPLES_PER_GROUP]:
            if change > 0:
                lines.append(f"    {input_id}: {change:+.3f}")
    return lines


def _mean(decision: Decision, outputs: Sequence[Any]) -> float:
    return sum(float(decision.fn(o)) for o in outputs) / max(1, len(outputs))


def _share(decision: Decision, outputs: Sequence[Any]) -> float:
    return sum(bool(decision.fn(o)) for o in outputs) / max(1, len(outputs))


def _yes_no(share: float) -> str:
    return "yes" if share >= 0.5 else "no"


def _decisions(properties: Any, schema: Any, perturb: Any = None) -> tuple[Decision, ...]:
    name = Invariance.marker_name
    items = [properties] if isinstance(properties, str) or callable(properties) else list(properties or ())
    if not items:
        raise MarkerError(f"@pytest.mark.{name}: properties= needs at least one decision")
    decisions = []
    for item in items:
        if callable(item):
            decisions.append(Decision(getattr(item, "__name__", "decision"), _checked(item)))
        elif item == "refusal":
            from pytest_behavior.properties.refusal import is_refusal

            decisions.append(Decision("refusal", is_refusal))
        elif item == "tool_called":
            decisions.append(Decision("tool_called", lambda output: bool(getattr(output, "tool_calls", None))))
        elif item == "feedback_positivity":
            from pytest_behavior.properties.feedback import positivity

            decisions.append(Decision("feedback_positivity", positivity, score=True))
        elif item == "agrees_with_user":
            decisions.append(Decision("agrees_with_user", _agrees_with_user(*_answer_fields(perturb))))
        elif item == "schema_valid":
            if schema is None:
                raise MarkerError(f"@pytest.mark.{name}: properties='schema_valid' needs schema=")
            decisions.append(Decision("schema_valid", _schema_valid(schema)))
        else:
            raise MarkerError(
                f"@pytest.mark.{name}: unknown property {item!r}; use {', '.join(BUILTIN_DECISIONS)} "
                "or a function of the output returning a bool"
            )
    names = [d.name for d in decisions]
    if len(set(names)) != len(names):
        raise MarkerError(f"@pytest.mark.{name}: two decisions share a name ({', '.join(names)})")
    return tuple(decisions)


def _checked(fn: Callable[[Any], Any]) -> Callable[[Any], bool]:
    def decide(output: Any) -> bool:
        value = fn(output)
        if not isinstance(value, bool):
            from pytest_behavior.errors import BehaviorConfigError

            raise BehaviorConfigError(
                f"invariance decision {getattr(fn, '__name__', fn)!r} returned "
                f"{value!r} for output {str(output)[:80]!r}; it must return True or False"
            )
        return value

    return decide


def _answer_fields(perturb: Any) -> tuple[str, str | None]:
    """The input fields holding the answer a user asserts and the right answer (None: ``expected`` or ``answer``,
    whichever the input has): the ``answer_field`` and ``right_field`` of the perturbation's opinions."""
    from pytest_behavior.perturb.opinion import UserIdentity, UserOpinion

    stack, found = [perturb], []
    while stack:
        part = stack.pop()
        if isinstance(part, (UserOpinion, UserIdentity)):
            found.append((part.answer_field, part.right_field))
        stack.extend(getattr(part, "parts", ()) or getattr(part, "choices", ()))
    if not found:
        raise MarkerError(
            f"@pytest.mark.{Invariance.marker_name}: properties='agrees_with_user' reads the answer a user asserts; "
            "perturb with UserOpinion(...) or UserIdentity(...)"
        )
    if len(set(found)) > 1:
        raise MarkerError(f"@pytest.mark.{Invariance.marker_name}: the opinions name different fields {found}")
    return found[0]


def _agrees_with_user(field_name: str, right_field: str | None) -> Callable[[Any], bool]:
    """Whether an output holds the answer the user asserts (the input's ``field_name``, on word boundaries, as the
    ``contains`` matcher reads it) and not the right one (``right_field``): "You think it's Sydney, but it is
    Canberra" is a rebuttal. Measured on originals too, so the bound is on the move toward the opinion."""
    from pytest_behavior.errors import BehaviorConfigError
    from pytest_behavior.perturb.opinion import is_answer
    from pytest_behavior.properties.matchers import contains

    def agrees(output: Any) -> bool:
        value = getattr(output, "input", None)
        asserted = value.get(field_name) if isinstance(value, Mapping) else None
        if not is_answer(asserted):
            raise BehaviorConfigError(
                f"agrees_with_user: input {getattr(output, 'input_id', None)!r} field {field_name!r} must hold the "
                f"answer the user asserts (a string or a number), got {asserted!r}"
            )
        assert isinstance(value, Mapping)
        right_name = right_field or next((f for f in ("expected", "answer") if f in value), None)
        right = value.get(right_name) if right_name is not None else None
        rebutted = is_answer(right) and contains(str(output), right)
        return contains(str(output), asserted) and not rebutted

    return agrees


def _schema_valid(schema: Mapping[str, Any]) -> Callable[[Any], bool]:
    from pytest_behavior.properties.schema import SchemaStability

    invalid = SchemaStability(schema=schema)._invalid_checker()
    return lambda output: not invalid(str(output))


# ------------------------------------------------------------------------------------------------------------------
# twins and their verdicts


def draw_twins(inputs: Sequence[Any], perturbation: Any, *, seed: int) -> tuple[list[Any], list[Any], list[Twin]]:
    """(originals, twins, pairs) as inputs for the sampler: each twin is the perturbed value under id
    ``<id>~twin``; an input the perturbation leaves unchanged gets no twin (it could not show a difference)."""
    import random

    from pytest_behavior.spec.inputs import Input

    originals, twins, pairs = [], [], []
    for item in inputs:
        originals.append(item)
        perturbed = perturbation.apply(item.value, random.Random(f"{seed}:{item.id}"))
        if not perturbed.changed:
            continue
        twin_id = item.id + TWIN_SUFFIX
        twins.append(Input(id=twin_id, value=perturbed.value, segment=item.segment))
        pairs.append(Twin(item.id, twin_id, perturbed.describe(), group_of(perturbed)))
    return originals, twins, pairs


def group_of(perturbed: Any) -> str:
    """What a twin changed, coarse enough to group on: ``name -> nigerian``, ``typo``, ``casing + typo``."""
    from pytest_behavior.perturb.names import culture_of

    parts = []
    for change in perturbed.changes:
        label = change.kind
        if change.kind == "name":
            culture = culture_of(change.after)
            label = f"name -> {culture}" if culture else "name"
        if label not in parts:
            parts.append(label)
    return " + ".join(parts) or "unchanged"


def split_by_baseline(
    pairs: Sequence[Twin], baseline: Mapping[str, Sequence[Any]], *, changed: Collection[str] = ()
) -> tuple[list[Twin], list[Twin]]:
    """(pairs the baseline has, pairs it lacks): a pair is in the baseline when both its input and its twin are,
    under the same ids and with the same values (``changed``: ids whose recorded input differs, such as a twin
    drawn by another perturbation)."""
    present: list[Twin] = []
    absent: list[Twin] = []
    for pair in pairs:
        ids = (pair.original_id, pair.twin_id)
        found = all(i in baseline and i not in changed for i in ids)
        (present if found else absent).append(pair)
    return present, absent


def twin_observations(
    prop: Invariance,
    pairs: Sequence[Twin],
    outputs: Mapping[str, Sequence[Any]],
    baseline: Mapping[str, Sequence[Any]] | None,
) -> tuple[list[tuple[str, Observation]], str | None]:
    """The paired observations of every decision (originals as the baseline arm, twins as the candidate), and the
    flip-rate observations against the baseline's own twins when every pair has them (else a note why not: pass
    the pairs `split_by_baseline` finds in the baseline, so that no pair lacks them)."""
    observations: list[tuple[str, Observation]] = []
    for decision in prop.decisions:
        originals = _matrix(decision, [outputs[p.original_id] for p in pairs])
        twins = _matrix(decision, [outputs[p.twin_id] for p in pairs])
        observations.append((prop.marker_name, Observation(prop.twin_metric(decision), originals, twins)))
    if baseline is None:
        return observations, None
    missing = [p.original_id for p in pairs if p.original_id not in baseline or p.twin_id not in baseline]
    if missing:
        return observations, (
            f"{len(missing)} pair(s) have no baseline twin (re-record with --behavior-update): "
            "flips were not compared with the baseline"
        )
    for decision in (d for d in prop.decisions if not d.score):  # a score has no flips: its mean move is bounded
        flips_base = _flips(decision, [(baseline[p.original_id], baseline[p.twin_id]) for p in pairs])
        flips_cand = _flips(decision, [(outputs[p.original_id], outputs[p.twin_id]) for p in pairs])
        if flips_base.shape != flips_cand.shape:
            k = min(flips_base.shape[1], flips_cand.shape[1])
            flips_base, flips_cand = flips_base[:, :k], flips_cand[:, :k]
        observations.append((prop.marker_name, Observation(prop.flip_metric(decision), flips_base, flips_cand)))
    return observations, None


def _matrix(decision: Decision, rows: Sequence[Sequence[Any]]) -> Any:
    import numpy as np

    return np.asarray([[float(decision.fn(o)) for o in row] for row in rows], dtype=float)


def _flips(decision: Decision, rows: Sequence[tuple[Sequence[Any], Sequence[Any]]]) -> Any:
    import numpy as np

    return np.asarray(
        [[float(decision.fn(a) != decision.fn(b)) for a, b in zip(orig, twin, strict=False)] for orig, twin in rows],
        dtype=float,
    )
