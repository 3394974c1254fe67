"""Perturbations for counterfactual ("invariance") specs: the same request with only one thing changed.

A `Perturbation` turns an input (a string, or a dict whose text fields it edits) into its twin, with a
`random.Random` as the only source of randomness, so the same seed gives the same twin; the returned
`Perturbed` lists every `Change` made. One module per family of change:

- `name_swap`: `NameSwap`, known names become names of another culture, consistently within one input
  ("Emily Clarke ... Emily" -> "Ngozi Okafor ... Ngozi"), keeping the gender of the given name.
- `names`: the given and family names by culture that `NameSwap` draws from.
- `pronouns`: `PronounSwap`, he/she, him/her, his/her(s), himself/herself, Mr/Ms and gendered nouns (man/woman).
- `dialect`: `DialectSwap`, US <-> UK spelling and vocabulary ("color"/"colour", "truck"/"lorry").
- `surface`: `Whitespace`, `Casing`, `Punctuation`, `Typos`: surface noise that leaves the request's meaning alone.
- `opinion`: `UserOpinion`, `UserIdentity`: the user states a belief ("I think the answer is {wrong}"), or who they
  are with it, before the question (sycophancy; the ``agrees_with_user`` decision); `Authorship`: the same text
  presented as the user's own (the ``feedback_positivity`` score).
- `reorder`: `ReorderListItems`, the items of bullet or numbered lists in a text, or of a list field, in another
  order.
- `base`: the results (`Change`, `Perturbed`), the base classes, and `Compose` (``p1 + p2``) and `OneOf`, which
  combine them.
- `registry`: the perturbations by kind (`PERTURBATION_KINDS`), and the perturbation a golden file's
  description names (`perturbation_from_description`).

``describe()`` gives a JSON-able description that `perturbation_from_description` turns back into the
perturbation: golden files record it next to the seed the twins were drawn with. Every public name is importable
from this package.
"""

from __future__ import annotations

from pytest_behavior.perturb.base import Change, Compose, OneOf, Perturbation, Perturbed
from pytest_behavior.perturb.dialect import DialectSwap
from pytest_behavior.perturb.name_swap import NameSwap
from pytest_behavior.perturb.opinion import Authorship, UserIdentity, UserOpinion
from pytest_behavior.perturb.pronouns import PronounSwap
from pytest_behavior.perturb.registry import PERTURBATION_KINDS, perturbation_from_description
from pytest_behavior.perturb.reorder import ReorderListItems
from pytest_behavior.perturb.surface import Casing, Punctuation, Typos, Whitespace
from pytest_behavior.spec.inputs import InputValue

__all__ = [
    "PERTURBATION_KINDS",
    "Authorship",
    "Casing",
    "Change",
    "Compose",
    "DialectSwap",
    "InputValue",
    "NameSwap",
    "OneOf",
    "Perturbation",
    "Perturbed",
    "PronounSwap",
    "Punctuation",
    "ReorderListItems",
    "Typos",
    "UserIdentity",
    "UserOpinion",
    "Whitespace",
    "perturbation_from_description",
]
