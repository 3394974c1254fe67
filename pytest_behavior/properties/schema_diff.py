"""How the shape of JSON outputs changed between baseline and candidate, for the reviewer of a regression.

* the structural diff (deepdiff over type skeletons of paired outputs): keys removed, added, renamed (a key
  vanishing while a new one appears in the same outputs with a value of the same kind — ``summary`` →
  ``exec_summary``) and type changes, each with the share of outputs affected;
* the drift of the outputs' structure over all repeats: key presence rates, enum values, keys the schema does not
  declare.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

from pytest_behavior.properties.base import Texts
from pytest_behavior.properties.json_output import MISSING, parse_json


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


def shape_changes(baseline: Texts, candidate: Texts, schema: Mapping[str, Any] | bool | None) -> list[str]:
    """What changed in the outputs' shape: the structural diff, then the drift (renamed keys shown once)."""
    lines, renames = _structural_diff(baseline, candidate)
    renamed = {path for old, new, _ in renames for path in (old, new)}
    return lines + schema_drift(baseline, candidate, schema, already_shown=renamed)


def structural_diff(baseline: Texts, candidate: Texts, *, max_lines: int = 12) -> list[str]:
    """Human-readable shape changes between paired outputs (first repeat of each input)."""
    return _structural_diff(baseline, candidate, max_lines=max_lines)[0]


def _structural_diff(
    baseline: Texts, candidate: Texts, *, max_lines: int = 12
) -> tuple[list[str], list[tuple[str, str, int]]]:
    """`structural_diff`'s lines, and the renames it found (old path, new path, paired outputs)."""
    pairs = [(parse_json(b[0]), parse_json(c[0])) for b, c in zip(baseline, candidate, strict=True) if b and c]
    objects = [(b, c) for b, c in pairs if isinstance(b, dict) and isinstance(c, dict)]
    if not objects:
        return [], []
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
        return [], renames
    shown = lines[:max_lines]
    if len(lines) > max_lines:
        shown.append(f"... and {len(lines) - max_lines} more changes")
    return [f"schema diff (deepdiff over {total} paired JSON outputs):", *("  " + line for line in shown)], renames


def _renames(
    objects: Sequence[tuple[dict[str, Any], dict[str, Any]]],
    changes: Sequence[_PairChange],
    added: Counter[str],
    removed: Counter[str],
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
            obj = obj.get(key, MISSING)
        elif isinstance(obj, list) and key.isdigit() and int(key) < len(obj):
            obj = obj[int(key)]
        else:
            return MISSING
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


# ---- distribution drift: key presence, enum values, extra keys -----------------------------------

PRESENCE_MIN_CHANGE = 0.05
"""A key's presence rate must move by at least this much (5 points) to be listed."""
ENUM_MIN_SHIFT = 0.10
"""An enum value's share must move by at least this much (10 points) to be listed."""
ENUM_MAX_VALUES = 10
ENUM_MIN_OUTPUTS = 10
_MAX_ROWS = {"presence": 10, "enum": 8, "extra": 8}
_EPS = 1e-9

_Path = tuple[str, ...]


def schema_drift(
    baseline: Texts,
    candidate: Texts,
    schema: Mapping[str, Any] | bool | None = None,
    *,
    already_shown: Set[str] = frozenset(),
) -> list[str]:
    """How the distribution of the outputs' structure moved, over all repeats of both arms.

    * ``presence``: keys (top level, and one level into objects) whose presence rate among JSON-object
      outputs moved by >= 5 points; a nested key's rate is among outputs where its parent is an object.
    * ``enum``: top-level keys with a small value set — the schema's ``enum`` (or ``const``) for that
      property, else string values taking at most 10 distinct values over >= 10 baseline outputs, each
      value seen in two inputs on average (so a deterministic free-text field is not mistaken for one):
      values the baseline never used, and values whose share moved by >= 10 points.
    * ``extra``: top-level keys the schema's ``properties`` do not declare (and that are new or more
      frequent than in the baseline), or — without a schema that declares properties — keys the baseline
      never had.

    ``already_shown`` (deepdiff paths such as ``root['summary']``, e.g. renamed keys) are left out of
    the presence rows.
    """
    base_rows, cand_rows = _object_rows(baseline), _object_rows(candidate)
    base = [o for row in base_rows for o in row]
    cand = [o for row in cand_rows for o in row]
    if not base or not cand:
        return []
    extra = _extra_rows(base, cand, schema)
    skip = {*already_shown, *(_fmt(path) for path, _ in extra)}
    presence = [line for path, line in _presence_rows(base, cand) if _fmt(path) not in skip]
    sections = {"presence": presence, "enum": _enum_rows(base_rows, cand, schema), "extra": [r for _, r in extra]}
    lines = []
    for kind, rows in sections.items():
        limit = _MAX_ROWS[kind]
        lines += rows[:limit]
        if len(rows) > limit:
            lines.append(f"... and {len(rows) - limit} more {kind} changes")
    if not lines:
        return []
    return [
        f"schema drift (all repeats: {len(base)} baseline, {len(cand)} candidate JSON objects):",
        *("  " + line for line in lines),
    ]


def _object_rows(texts: Texts) -> list[list[dict[str, Any]]]:
    return [[v for v in (parse_json(t) for t in row) if isinstance(v, dict)] for row in texts]


def _fmt(path: _Path) -> str:
    return "root" + "".join(f"[{key!r}]" for key in path)


def _presence(objects: Sequence[dict[str, Any]]) -> tuple[Counter[_Path], Counter[_Path]]:
    """How many objects have each path, and how many could (all objects; for a nested path, its parent's)."""
    present: Counter[_Path] = Counter()
    parents: Counter[_Path] = Counter()
    for obj in objects:
        for key, value in obj.items():
            present[(str(key),)] += 1
            if isinstance(value, dict):
                parents[(str(key),)] += 1
                present.update((str(key), str(sub)) for sub in value)
    parents[()] = len(objects)
    return present, parents


def _presence_rows(base: Sequence[dict[str, Any]], cand: Sequence[dict[str, Any]]) -> list[tuple[_Path, str]]:
    (pb, eb), (pc, ec) = _presence(base), _presence(cand)
    moved = []
    for path in {*pb, *pc}:
        parent = path[:-1]
        if not eb[parent] or not ec[parent]:
            continue  # the parent is not an object in one arm: a type change, shown by the structural diff
        rb, rc = pb[path] / eb[parent], pc[path] / ec[parent]
        if abs(rc - rb) >= PRESENCE_MIN_CHANGE - _EPS:
            moved.append((path, rb, rc))
    moved.sort(key=lambda m: (-abs(m[2] - m[1]), _fmt(m[0])))
    width = max((len(_fmt(p)) for p, _, _ in moved), default=0)
    return [
        (p, f"presence {_fmt(p):<{width}}  {rb:>4.0%} -> {rc:>4.0%}  ({100 * (rc - rb):+.0f} pts)")
        for p, rb, rc in moved
    ]


def _extra_rows(
    base: Sequence[dict[str, Any]], cand: Sequence[dict[str, Any]], schema: Mapping[str, Any] | bool | None
) -> list[tuple[_Path, str]]:
    declared = _declared_keys(schema)
    in_base = Counter(str(k) for o in base for k in o)
    in_cand = Counter(str(k) for o in cand for k in o)
    rows: list[tuple[_Path, str]] = []
    for key, n in sorted(in_cand.items(), key=lambda kv: (-kv[1], kv[0])):
        rb, rc = in_base[key] / len(base), n / len(cand)
        if declared is None:
            if in_base[key]:
                continue
            note = "never in the baseline"
        else:
            if declared(key) or (in_base[key] and rc - rb < PRESENCE_MIN_CHANGE - _EPS):
                continue
            note = "not in the schema" + (f"; baseline {rb:.0%}" if in_base[key] else ", never in the baseline")
        rows.append(((key,), f"extra    {_fmt((key,))}  in {_share(n, len(cand))}  ({note})"))
    return rows


def _declared_keys(schema: Mapping[str, Any] | bool | None) -> Any:
    """A predicate for keys the schema declares (``properties``/``patternProperties``); None if it declares none."""
    if not isinstance(schema, Mapping) or not isinstance(schema.get("properties"), Mapping):
        return None
    names = {str(k) for k in schema["properties"]}
    patterns = []
    for pattern in schema.get("patternProperties") or {}:
        with contextlib.suppress(re.error):
            patterns.append(re.compile(str(pattern)))
    return lambda key: key in names or any(p.search(key) for p in patterns)


def _enum_rows(
    base_rows: Sequence[Sequence[dict[str, Any]]],
    cand: Sequence[dict[str, Any]],
    schema: Mapping[str, Any] | bool | None,
) -> list[str]:
    base = [o for row in base_rows for o in row]
    keys = sorted({str(k) for o in base for k in o} | {str(k) for o in cand for k in o})
    rows: list[tuple[float, str]] = []
    for key in keys:
        declared = _declared_enum(schema, key)
        if declared is None and not _looks_like_enum(base_rows, key):
            continue
        vb = Counter(_label(o[key]) for o in base if key in o)
        vc = Counter(_label(o[key]) for o in cand if key in o)
        nb, nc = sum(vb.values()), sum(vc.values())
        if not nc:
            continue
        allowed = None if declared is None else {_label(v) for v in declared}
        path = _fmt((key,))

        def note(label: str, allowed: set[str] | None = allowed) -> str:
            return "  (not in the schema's enum)" if allowed is not None and label not in allowed else ""

        for label, n in vc.most_common():
            if label not in vb:
                rows.append((2 + n / nc, f"enum     {path}: new {label}  in {_share(n, nc)}{note(label)}"))
        if nb:
            for label in sorted({*vb, *vc}):
                sb, sc = vb[label] / nb, vc[label] / nc
                if label in vb and abs(sc - sb) >= ENUM_MIN_SHIFT - _EPS:
                    rows.append(
                        (
                            abs(sc - sb),
                            f"enum     {path}: {label} {sb:.0%} -> {sc:.0%}  ({100 * (sc - sb):+.0f} pts){note(label)}",
                        )
                    )
    # new values first (most frequent first), then share shifts (largest first)
    return [line for _, line in sorted(rows, key=lambda r: -r[0])]


def _looks_like_enum(base_rows: Sequence[Sequence[dict[str, Any]]], key: str) -> bool:
    values = [o[key] for row in base_rows for o in row if key in o]
    if len(values) < ENUM_MIN_OUTPUTS or not all(isinstance(v, str) or v is None for v in values):
        return False
    distinct = len(set(values))
    inputs = sum(1 for row in base_rows if any(key in o for o in row))
    return distinct <= ENUM_MAX_VALUES and inputs >= 2 * distinct


def _declared_enum(schema: Mapping[str, Any] | bool | None, key: str) -> list[Any] | None:
    if not isinstance(schema, Mapping) or not isinstance(schema.get("properties"), Mapping):
        return None
    sub = schema["properties"].get(key)
    for _ in range(10):  # follow local $refs ("#/$defs/Priority")
        if not isinstance(sub, Mapping):
            return None
        if isinstance(sub.get("enum"), list):
            return list(sub["enum"])
        if "const" in sub:
            return [sub["const"]]
        ref = sub.get("$ref")
        if not (isinstance(ref, str) and ref.startswith("#/")):
            return None
        target: Any = schema
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, Mapping) else None
        sub = target
    return None


def _label(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 40 else text[:39] + "…"
