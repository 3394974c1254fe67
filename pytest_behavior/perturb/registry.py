"""The perturbations by kind: `PERTURBATION_KINDS`, and the perturbation a golden file's description names."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from pytest_behavior.perturb.base import Compose, OneOf, Perturbation
from pytest_behavior.perturb.dialect import DialectSwap
from pytest_behavior.perturb.name_swap import NameSwap
from pytest_behavior.perturb.opinion import Authorship, UserIdentity, UserOpinion
from pytest_behavior.perturb.pronouns import PronounSwap
from pytest_behavior.perturb.reorder import ReorderListItems
from pytest_behavior.perturb.surface import Casing, Punctuation, Typos, Whitespace

FAMILIES: tuple[type[Perturbation], ...] = (
    NameSwap,
    PronounSwap,
    DialectSwap,
    Whitespace,
    Casing,
    Punctuation,
    Typos,
    ReorderListItems,
    UserOpinion,
    UserIdentity,
    Authorship,
)
"""Every kind of single change, in the order `PERTURBATION_KINDS` lists them."""

PERTURBATION_KINDS = tuple(cls.kind for cls in FAMILIES)
_COMBINATIONS: tuple[type[Perturbation], ...] = (Compose, OneOf)
_BY_KIND = {cls.kind: cls for cls in FAMILIES + _COMBINATIONS}


def perturbation_from_description(description: Mapping[str, Any]) -> Perturbation:
    """The perturbation ``describe()`` described (as read back from a golden file)."""
    if not isinstance(description, Mapping) or "perturbation" not in description:
        raise ValueError(f"a perturbation description is a mapping with a 'perturbation' key, got {description!r}")
    kind = description["perturbation"]
    cls = _BY_KIND.get(kind)
    if cls is None:
        raise ValueError(f"unknown perturbation {kind!r}; known: {', '.join(_BY_KIND)}")
    options = {k: v for k, v in description.items() if k != "perturbation"}
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(
            f"perturbation {kind!r} has no option {', '.join(map(repr, unknown))}; it has {', '.join(sorted(known))}"
        )
    if cls in (Compose, OneOf):
        options = {k: tuple(perturbation_from_description(d) for d in v) for k, v in options.items()}
    else:
        options = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
    return cls(**options)
