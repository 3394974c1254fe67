"""JSON outputs: schema validity and top-level key stability (``schema_stability``).

``schema_stability(schema)`` watches two per-output indicators, each paired against the baseline:

* *invalid*: the output does not parse as JSON, or does not validate (jsonschema, Draft 2020-12);
* *key set changed*: its top-level keys differ from the baseline's usual key set (the most common
  one among the baseline's outputs; an unparseable output counts as changed).

When one regresses, `explain` shows what changed in the outputs' *shape* (`schema_diff`: keys removed,
added, renamed, retyped, and how key presence and enum values drifted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.base import (
    Metric,
    Observation,
    Property,
    Texts,
    as_matrix,
    bounds_from,
    rate_arg,
    register,
)
from pytest_behavior.properties.json_output import MISSING, parse_json, top_level_keys
from pytest_behavior.properties.schema_diff import schema_drift, shape_changes, skeleton, structural_diff

__all__ = [
    "SchemaStability",
    "parse_json",
    "schema_drift",
    "skeleton",
    "structural_diff",
    "top_level_keys",
    "usual_key_set",
]


@register
@dataclass(frozen=True)
class SchemaStability(Property):
    marker_name: ClassVar[str] = "schema_stability"

    schema: Mapping[str, Any] | None = field(default=None, hash=False)
    max_invalid_rate: float | None = None
    max_invalid_increase: float | None = 0.02
    max_key_change_increase: float | None = 0.02
    reference_keys: frozenset[str] | None = field(default=None, compare=False)
    """Set by `with_reference` (sequential mode); otherwise the usual key set of the baseline being observed."""
    has_reference: bool = field(default=False, compare=False)

    @classmethod
    def from_marker(
        cls,
        schema: Any = None,
        *,
        max_invalid_rate: Any = None,
        max_invalid_increase: Any = 0.02,
        max_key_change_increase: Any = 0.02,
    ) -> SchemaStability:
        name = cls.marker_name
        if schema is not None:
            _check_schema(schema)
        return cls(
            schema=schema,
            max_invalid_rate=rate_arg(name, "max_invalid_rate", max_invalid_rate),
            max_invalid_increase=rate_arg(name, "max_invalid_increase", max_invalid_increase),
            max_key_change_increase=rate_arg(name, "max_key_change_increase", max_key_change_increase),
        )

    def metrics(self) -> tuple[Metric, ...]:
        return (
            Metric(
                "schema.invalid",
                "invalid JSON/schema rate",
                "binary",
                bounds_from(max_rate=self.max_invalid_rate, max_increase=self.max_invalid_increase),
            ),
            Metric(
                "schema.keys", "key set changed rate", "binary", bounds_from(max_increase=self.max_key_change_increase)
            ),
        )

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        invalid, keys = self.metrics()
        is_invalid = self._invalid_checker()
        observations = [
            Observation(
                invalid,
                None if baseline is None else _indicator(baseline, is_invalid),
                _indicator(candidate, is_invalid),
            )
        ]
        if baseline is not None:
            reference = self.reference_keys if self.has_reference else usual_key_set(baseline)

            def changed(text: str) -> bool:
                return top_level_keys(text) != reference

            observations.append(Observation(keys, _indicator(baseline, changed), _indicator(candidate, changed)))
        return observations

    def with_reference(self, baseline: Texts) -> SchemaStability:
        from dataclasses import replace

        return replace(self, reference_keys=usual_key_set(baseline), has_reference=True)

    def _invalid_checker(self) -> Any:
        if self.schema is None:
            return lambda text: not isinstance(parse_json(text), dict)
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(self.schema)

        def invalid(text: str) -> bool:
            value = parse_json(text)
            return value is MISSING or not validator.is_valid(value)

        return invalid

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str], *, shown: int | None = None) -> list[str]:
        return shape_changes(baseline, candidate, self.schema)

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"marker": self.marker_name, "schema": self.schema}
        for name in ("max_invalid_rate", "max_invalid_increase", "max_key_change_increase"):
            if getattr(self, name) is not None:
                described[name] = getattr(self, name)
        return described


def _check_schema(schema: Any) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    if not isinstance(schema, (dict, bool)):
        raise MarkerError(
            f"@pytest.mark.schema_stability: schema must be a JSON schema dict, got {type(schema).__name__}"
        )
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise MarkerError(f"@pytest.mark.schema_stability: invalid JSON schema at {where}: {exc.message}") from None


def _indicator(texts: Texts, predicate: Any) -> Any:
    return as_matrix([[1.0 if predicate(t) else 0.0 for t in row] for row in texts])


def usual_key_set(texts: Texts) -> frozenset[str] | None:
    counts = Counter(top_level_keys(t) for row in texts for t in row)
    parsed = [(n, sorted(k)) for k, n in counts.items() if k is not None]
    if not parsed:
        return None
    return frozenset(max(parsed, key=lambda item: (item[0], [str(x) for x in item[1]]))[1])
