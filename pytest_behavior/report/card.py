"""Behavior cards: the operational figures of a bundle, from the golden files that recorded it.

``pytest-behavior card golden/`` groups golden files by bundle fingerprint and reports, per bundle: how many
files, tests, inputs and samples (outputs) back it, when they were recorded, its schema-valid rate (tests
with a ``schema_stability`` property, validated by that property's own code), its refusal rate (the offline
detector, `pytest_behavior.is_refusal`), answer length in words, latency p50/p95, cost per 1,000 calls and
tool-call rate — each with the number of samples it rests on, and "not recorded" where the files hold no data —
then correctness and judged quality (`card_quality`), time to first token and each context_sweep test's accuracy
by context length (`card_sections`). Everything is computed from what the files recorded: no model is called
(``--check``, `pytest_behavior.engine.card_check`, is the one part that resamples live).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_behavior.golden.store import GoldenRecord
from pytest_behavior.report.card_quality import NOT_RECORDED, Quality, based_on, quality, quality_rows
from pytest_behavior.report.card_sections import CardSections, card_sections, curve_lines, ttft_row
from pytest_behavior.report.show import DASH, clip, quantile, words
from pytest_behavior.sanitize import one_line


@dataclass(frozen=True)
class Figure:
    """A rate or mean over ``n`` samples; ``value`` None when no sample recorded it."""

    value: float | None
    n: int

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "n": self.n}


@dataclass(frozen=True)
class Quantiles:
    """Quantiles (``{"p50": ...}``) over ``n`` samples; None when no sample recorded the value."""

    values: Mapping[str, float] | None
    n: int

    def to_json(self) -> dict[str, Any]:
        return {**(dict(self.values) if self.values else {}), "n": self.n}


@dataclass(frozen=True)
class Figures:
    """The card's figures over a set of outputs (a bundle's, or one test's)."""

    samples: int
    schema_valid: Figure
    refusal: Figure
    hedging: Figure
    length_words: Quantiles
    latency_ms: Quantiles
    cost_per_1k_usd: Figure
    tool_call_rate: Figure

    def to_json(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "schema_valid_rate": self.schema_valid.to_json(),
            "refusal_rate": self.refusal.to_json(),
            "hedging_rate": self.hedging.to_json(),
            "length_words": self.length_words.to_json(),
            "latency_ms": self.latency_ms.to_json(),
            "cost_per_1k_calls_usd": self.cost_per_1k_usd.to_json(),
            "tool_call_rate": self.tool_call_rate.to_json(),
        }


@dataclass(frozen=True)
class FileCard:
    path: str
    test: str
    recorded_at: str
    inputs: int
    figures: Figures
    input_ids: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    """The ids of its inputs: the bundle's tests may share them (a card counts an input once)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "test": self.test,
            "recorded_at": self.recorded_at,
            "inputs": self.inputs,
            **self.figures.to_json(),
        }


@dataclass(frozen=True)
class BehaviorCard:
    labels: tuple[str, ...]
    fingerprint: str | None
    description: Mapping[str, Any]
    tests: tuple[FileCard, ...]
    figures: Figures
    refusal_detector: str
    hedging_detector: str = ""
    quality: Quality = field(default_factory=Quality)
    sections: CardSections = field(default_factory=CardSections)

    @property
    def label(self) -> str:
        return " / ".join(self.labels)

    @property
    def inputs(self) -> int:
        """Distinct inputs, by id: two tests asking the same 160 inputs are 160 inputs, not 320."""
        return len({input_id for t in self.tests for input_id in t.input_ids})

    @property
    def dates(self) -> tuple[str | None, str | None]:
        recorded = sorted(t.recorded_at for t in self.tests if t.recorded_at)
        return (recorded[0], recorded[-1]) if recorded else (None, None)

    def to_json(self) -> dict[str, Any]:
        first, last = self.dates
        return {
            "label": self.label,
            "labels": list(self.labels),
            "fingerprint": self.fingerprint,
            "description": dict(self.description),
            "golden_files": len(self.tests),
            "tests": len({t.test for t in self.tests}),
            "inputs": self.inputs,
            "first_recorded": first,
            "last_recorded": last,
            "refusal_detector": self.refusal_detector,
            "hedging_detector": self.hedging_detector,
            **self.figures.to_json(),
            **self.quality.to_json(),
            **self.sections.to_json(),
            "per_test": [t.to_json() for t in self.tests],
        }


# ---- measuring ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Counts:
    """Raw per-output values of a set of golden files, merged before the figures are computed."""

    schema_invalid: tuple[bool, ...] = ()
    refusing: tuple[bool, ...] = ()
    hedging: tuple[bool, ...] = ()
    lengths: tuple[float, ...] = ()
    latencies: tuple[float, ...] = ()
    costs: tuple[float, ...] = ()
    tool_calls: tuple[bool, ...] = ()

    def __add__(self, other: _Counts) -> _Counts:
        return _Counts(*(getattr(self, k) + getattr(other, k) for k in self.__dataclass_fields__))


def _counts(record: GoldenRecord) -> _Counts:
    from pytest_behavior.properties.hedging import is_hedging
    from pytest_behavior.properties.refusal import is_refusal

    outputs = [o for s in record.samples.values() for o in s.texts]
    payloads = [p for s in record.samples.values() for p in s.outputs]
    carries_tools = any(p.get("tool_calls") is not None for p in payloads)
    return _Counts(
        schema_invalid=_schema_invalid(record, outputs),
        refusing=tuple(is_refusal(o) for o in outputs),
        hedging=tuple(is_hedging(o) for o in outputs),
        lengths=tuple(float(words(o)) for o in outputs),
        latencies=tuple(o.latency_ms for o in outputs if o.latency_ms is not None),
        costs=tuple(o.cost_usd for o in outputs if o.cost_usd is not None),
        tool_calls=tuple(bool(o.tool_calls) for o in outputs) if carries_tools else (),
    )


def _schema_invalid(record: GoldenRecord, outputs: Sequence[str]) -> tuple[bool, ...]:
    """Per output, whether the test's schema_stability property finds it invalid (its own parsing and validation:
    JSON, then the schema when it has one); empty when the test has no such property."""
    from pytest_behavior.engine.golden_compare import rebuild_property
    from pytest_behavior.properties.schema import SchemaStability

    described = next(
        (p for p in record.properties if isinstance(p, Mapping) and p.get("marker") == SchemaStability.marker_name),
        None,
    )
    prop = None if described is None else rebuild_property(described)
    if not isinstance(prop, SchemaStability) or not outputs:
        return ()
    invalid = prop.observe(None, [[o] for o in outputs])[0].candidate
    return tuple(bool(v) for v in invalid[:, 0])


def _rate(flags: Sequence[bool]) -> Figure:
    return Figure(sum(flags) / len(flags) if flags else None, len(flags))


def _quantiles(values: Sequence[float], qs: Sequence[float]) -> Quantiles:
    if not values:
        return Quantiles(None, 0)
    return Quantiles({f"p{round(100 * q)}": quantile(values, q) for q in qs}, len(values))


def _figures(counts: _Counts, samples: int) -> Figures:
    cost = Figure(1000 * sum(counts.costs) / len(counts.costs) if counts.costs else None, len(counts.costs))
    return Figures(
        samples=samples,
        schema_valid=Figure(
            None if not counts.schema_invalid else 1 - sum(counts.schema_invalid) / len(counts.schema_invalid),
            len(counts.schema_invalid),
        ),
        refusal=_rate(counts.refusing),
        hedging=_rate(counts.hedging),
        length_words=_quantiles(counts.lengths, (0.1, 0.5, 0.9)),
        latency_ms=_quantiles(counts.latencies, (0.5, 0.95)),
        cost_per_1k_usd=cost,
        tool_call_rate=_rate(counts.tool_calls),
    )


def behavior_cards(records: Sequence[tuple[Path, GoldenRecord]]) -> list[BehaviorCard]:
    """One card per bundle fingerprint (files without one are grouped by label), most samples first."""
    from pytest_behavior.properties.hedging import DETECTOR as HEDGING_DETECTOR
    from pytest_behavior.properties.refusal import DETECTOR

    groups: dict[str, list[tuple[Path, GoldenRecord, _Counts]]] = {}
    for path, record in records:
        fingerprint = record.bundle.get("fingerprint")
        key = f"fp:{fingerprint}" if fingerprint else f"label:{record.bundle.get('label', '?')}"
        groups.setdefault(key, []).append((path, record, _counts(record)))
    cards = []
    for members in groups.values():
        total = _Counts()
        tests = []
        for path, record, counts in members:
            total = total + counts
            tests.append(
                FileCard(
                    str(path),
                    record.test,
                    record.recorded_at,
                    len(record.samples),
                    _figures(counts, len(counts.refusing)),
                    frozenset(record.samples),
                )
            )
        first = members[0][1]
        fingerprint = first.bundle.get("fingerprint")
        description = first.bundle.get("description")
        cards.append(
            BehaviorCard(
                labels=tuple(dict.fromkeys(str(r.bundle.get("label", "?")) for _, r, _ in members)),
                fingerprint=None if not fingerprint else str(fingerprint),
                description=dict(description) if isinstance(description, Mapping) else {},
                tests=tuple(tests),
                figures=_figures(total, len(total.refusing)),
                refusal_detector=DETECTOR,
                hedging_detector=HEDGING_DETECTOR,
                quality=sum((quality(r) for _, r, _ in members), Quality()),
                sections=card_sections([r for _, r, _ in members]),
            )
        )
    return sorted(cards, key=lambda c: (-c.figures.samples, c.label))


# ---- Markdown -----------------------------------------------------------------------------------------------------


def _pct(figure: Figure) -> str:
    return NOT_RECORDED if figure.value is None else f"{100 * figure.value:.1f}%"


def _card_rows(card: BehaviorCard) -> list[list[str]]:
    f, total = card.figures, card.figures.samples
    schema_tests = sum(1 for t in card.tests if t.figures.schema_valid.n)
    length = f.length_words.values
    latency = f.latency_ms.values
    return [
        [
            "schema-valid rate",
            _pct(f.schema_valid),
            f"{based_on(f.schema_valid.n, total)} ({schema_tests} test{'s' if schema_tests != 1 else ''} with "
            "schema_stability)"
            if f.schema_valid.n
            else "no test has a schema_stability property",
        ],
        [f"refusal rate (offline detector {card.refusal_detector})", _pct(f.refusal), based_on(f.refusal.n, total)],
        [f"hedging rate (offline detector {card.hedging_detector})", _pct(f.hedging), based_on(f.hedging.n, total)],
        [
            "length in words, p10 / p50 / p90",
            NOT_RECORDED if length is None else " / ".join(f"{v:.0f}" for v in length.values()),
            based_on(f.length_words.n, total),
        ],
        [
            "latency p50 / p95 (ms)",
            NOT_RECORDED if latency is None else " / ".join(f"{v:,.0f}" for v in latency.values()),
            based_on(f.latency_ms.n, total) if f.latency_ms.n else "no sample recorded its latency",
        ],
        ttft_row(card.sections, total, missing=NOT_RECORDED),
        [
            "cost per 1k calls (USD)",
            NOT_RECORDED if f.cost_per_1k_usd.value is None else f"${f.cost_per_1k_usd.value:,.4f}",
            based_on(f.cost_per_1k_usd.n, total, "samples priced")
            if f.cost_per_1k_usd.n
            else "no sample recorded its cost",
        ],
        [
            "tool-call rate",
            _pct(f.tool_call_rate),
            based_on(f.tool_call_rate.n, total) if f.tool_call_rate.n else "no sample carries tool calls",
        ],
        *quality_rows(card.quality, total),
    ]


def _short_test(test: str) -> str:
    """``dir/test_mod.py::test_x`` -> ``test_mod.py::test_x``."""
    path, sep, rest = test.partition("::")
    return clip(path.rsplit("/", 1)[-1] + sep + rest, 70)


def _test_row(t: FileCard) -> list[str]:
    f = t.figures
    length = f.length_words.values
    latency = f.latency_ms.values
    return [
        _short_test(t.test),
        one_line(t.recorded_at or DASH),
        str(t.inputs),
        str(f.samples),
        DASH if f.schema_valid.value is None else _pct(f.schema_valid),
        _pct(f.refusal).replace(NOT_RECORDED, DASH),
        DASH if length is None else f"{length['p50']:.0f}",
        DASH if latency is None else f"{latency['p50']:,.0f}",
    ]


def render_card(card: BehaviorCard) -> str:
    from tabulate import tabulate

    first, last = card.dates
    dates = DASH if first is None else first if first == last else f"{first} to {last}"
    tests = len({t.test for t in card.tests})
    lines = [f"## {card.label}", "", f"- fingerprint: `{(card.fingerprint or DASH)[:12]}`"]
    model = card.description.get("model") or card.description.get("function") or card.description.get("path")
    if model:
        lines.append(f"- {card.description.get('kind', 'model')}: `{clip(str(model), 100)}`")
    lines += [
        f"- golden files: {len(card.tests)} ({tests} test{'s' if tests != 1 else ''})",
        f"- samples: {card.figures.samples:,} outputs of {card.inputs:,} inputs"
        + (f" in {tests} tests" if tests > 1 else ""),
        f"- recorded: {dates}",
        "",
    ]
    lines += str(
        tabulate(
            _card_rows(card),
            headers=["figure", "value", "based on"],
            tablefmt="github",
            disable_numparse=True,
            colalign=("left", "right", "left"),
        )
    ).splitlines()
    lines += curve_lines(card.sections)
    if len(card.tests) > 1:
        rows = [_test_row(t) for t in card.tests]
        headers = ["test", "recorded", "inputs", "samples", "schema-valid", "refusal", "words p50", "latency p50 ms"]
        lines += [
            "",
            "Per test:",
            "",
            *str(
                tabulate(
                    rows,
                    headers=headers,
                    tablefmt="github",
                    disable_numparse=True,
                    colalign=("left", "left", *("right",) * 6),
                )
            ).splitlines(),
        ]
    return "\n".join(one_line(line) for line in lines)  # labels and ids from golden files are data


def render_cards(cards: Sequence[BehaviorCard], *, files: int) -> str:
    if not cards:
        return "# Behavior cards\n\nno golden files found"
    head = [
        "# Behavior cards",
        "",
        f"{len(cards)} bundle{'s' if len(cards) != 1 else ''} from {files} golden file{'s' if files != 1 else ''}; "
        "figures over every recorded output (sample), computed offline from the files.",
    ]
    return "\n\n".join(["\n".join(head), *(render_card(c) for c in cards)])
