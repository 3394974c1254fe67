"""JSON outputs: schema validity, top-level key stability, and the structural diff for reviewers.

``schema_stability(schema)`` watches two per-output indicators, each paired against the baseline:

* *invalid*: the output does not parse as JSON, or does not validate (jsonschema, Draft 2020-12);
* *key set changed*: its top-level keys differ from the baseline's usual key set (the most common
  one among the baseline's outputs; an unparseable output counts as changed).

When one regresses, `explain` shows what changed in the outputs' *shape* (deepdiff over type
skeletons of paired outputs): keys removed, added, renamed (a key vanishing while a new one
appears in the same outputs with a value of the same kind — ``summary`` → ``exec_summary``),
and type changes, each with the share of outputs affected.
"""

from __future__ import annotations

import difflib
import json
import re
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

_FENCED = re.compile(r"```(?:json|JSON)?\s*\n(.*?)```", re.DOTALL)
_MISSING = object()


def parse_json(text: str) -> Any:
    """The JSON value in an answer: the whole text, a fenced block, or the first ``{...}``; else `_MISSING`."""
    stripped = text.strip()
    candidates = [stripped, *(m.group(1).strip() for m in _FENCED.finditer(text))]
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            pass
    start = stripped.find("{")
    if start >= 0:
        try:
            return json.JSONDecoder().raw_decode(stripped[start:])[0]
        except json.JSONDecodeError:
            pass
    return _MISSING


def top_level_keys(text: str) -> frozenset[str] | None:
    value = parse_json(text)
    return frozenset(value) if isinstance(value, dict) else None


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
        cls, schema: Any = None, *, max_invalid_rate: Any = None, max_invalid_increase: Any = 0.02,
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
            Metric("schema.invalid", "invalid JSON/schema rate", "binary",
                   bounds_from(max_rate=self.max_invalid_rate, max_increase=self.max_invalid_increase)),
            Metric("schema.keys", "key set changed rate", "binary",
                   bounds_from(max_increase=self.max_key_change_increase)),
        )

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        invalid, keys = self.metrics()
        is_invalid = self._invalid_checker()
        observations = [Observation(invalid, None if baseline is None else _indicator(baseline, is_invalid),
                                    _indicator(candidate, is_invalid))]
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
            return value is _MISSING or not validator.is_valid(value)

        return invalid

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str]) -> list[str]:
        return structural_diff(baseline, candidate)

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


# ---- structural diff -------------------------------------------------------------------------


def skeleton(value: Any) -> Any:
    """Replace every leaf with its JSON type name, keeping the shape (lists collapse to their first item)."""
    if isinstance(value, dict):
        return {str(k): skeleton(v) for k, v in value.items()}
    if isinstance(value, list):
        return [skeleton(value[0])] if value else []
    return _type_name(value)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__


@dataclass(frozen=True)
class _PairChange:
    added: frozenset[str]
    removed: frozenset[str]
    retyped: frozenset[tuple[str, str, str]]


def _pair_change(base: Any, cand: Any) -> _PairChange:
    from deepdiff import DeepDiff

    diff = DeepDiff(skeleton(base), skeleton(cand), ignore_order=True, view="tree")
    added = frozenset(d.path() for d in diff.get("dictionary_item_added", []))
    removed = frozenset(d.path() for d in diff.get("dictionary_item_removed", []))
    retyped = frozenset(
        (d.path(), str(d.t1), str(d.t2)) for key in ("values_changed", "type_changes") for d in diff.get(key, [])
    )
    return _PairChange(added, removed, retyped)


def structural_diff(baseline: Texts, candidate: Texts, *, max_lines: int = 12) -> list[str]:
    """Human-readable shape changes between paired outputs (first repeat of each input)."""
    pairs = [(parse_json(b[0]), parse_json(c[0])) for b, c in zip(baseline, candidate, strict=True) if b and c]
    objects = [(b, c) for b, c in pairs if isinstance(b, dict) and isinstance(c, dict)]
    if not objects:
        return []
    changes = [_pair_change(b, c) for b, c in objects]
    total = len(objects)
    added = Counter(path for ch in changes for path in ch.added)
    removed = Counter(path for ch in changes for path in ch.removed)
    retyped = Counter(item for ch in changes for item in ch.retyped)
    renames = _renames(objects, changes, added, removed)
    lines = []
    for old, new, count in renames:
        lines.append(f"renamed  {old} -> {new}  in {_share(count, total)} of paired outputs")
        removed.pop(old, None)
        added.pop(new, None)
    lines += [f"removed  {path}  in {_share(n, total)}" for path, n in removed.most_common()]
    lines += [f"added    {path}  in {_share(n, total)}" for path, n in added.most_common()]
    lines += [f"type     {path}: {t1} -> {t2}  in {_share(n, total)}" for (path, t1, t2), n in retyped.most_common()]
    if not lines:
        return []
    shown = lines[:max_lines]
    if len(lines) > max_lines:
        shown.append(f"... and {len(lines) - max_lines} more changes")
    return [f"schema diff (deepdiff over {total} paired JSON outputs):", *("  " + line for line in shown)]


def _renames(
    objects: Sequence[tuple[dict[str, Any], dict[str, Any]]], changes: Sequence[_PairChange],
    added: Counter[str], removed: Counter[str],
) -> list[tuple[str, str, int]]:
    """Removed/added key pairs that co-occur in most affected outputs with values of the same kind."""
    found = []
    used: set[str] = set()
    for old, n_old in removed.most_common():
        best: tuple[float, str, int] | None = None
        for new, n_new in added.most_common():
            if new in used or _parent(old) != _parent(new):
                continue
            together = [i for i, ch in enumerate(changes) if old in ch.removed and new in ch.added]
            if len(together) < 0.8 * max(n_old, n_new):
                continue
            similarity = _value_similarity(objects, together, old, new)
            if similarity >= 0.5 and (best is None or similarity > best[0]):
                best = (similarity, new, len(together))
        if best is not None:
            used.add(best[1])
            found.append((old, best[1], best[2]))
    return found


def _parent(path: str) -> str:
    return path.rsplit("[", 1)[0]


def _lookup(obj: Any, path: str) -> Any:
    for part in re.findall(r"\[(.*?)\]", path):
        key = part.strip("'\"")
        if isinstance(obj, dict):
            obj = obj.get(key, _MISSING)
        elif isinstance(obj, list) and key.isdigit() and int(key) < len(obj):
            obj = obj[int(key)]
        else:
            return _MISSING
    return obj


def _value_similarity(
    objects: Sequence[tuple[dict[str, Any], dict[str, Any]]], indices: Sequence[int], old: str, new: str
) -> float:
    """Share of outputs where the old and new values have the same type (strings: similar length or text)."""
    similar = 0
    for i in indices:
        a, b = _lookup(objects[i][0], old), _lookup(objects[i][1], new)
        if _type_name(a) != _type_name(b):
            continue
        if isinstance(a, str) and isinstance(b, str):
            ratio = difflib.SequenceMatcher(None, a[:200], b[:200]).quick_ratio()
            similar += ratio >= 0.3 or bool(a and b)
        else:
            similar += 1
    return similar / max(1, len(indices))


def _share(count: int, total: int) -> str:
    return f"{count}/{total} ({100 * count / total:.0f}%)"
