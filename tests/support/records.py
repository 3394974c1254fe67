"""Recorded-trace projects for pytester: JSON Lines files of outputs, and a conftest replaying them as bundles."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest


def write_jsonl(path: Path, records: Iterable[Mapping[str, object]]) -> None:
    """One JSON object per line, as ``Bundle.from_records`` reads them."""
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


def use_recorded_bundles(pytester: pytest.Pytester, *, baseline: str = "base.jsonl", candidate: str = "cand.jsonl",
                         baseline_label: str | None = "base", candidate_label: str | None = "cand") -> None:
    """A conftest whose ``baseline_bundle`` and ``candidate_bundle`` replay those files (a label of None: the
    bundle's default label)."""

    def bundle(path: str, label: str | None) -> str:
        return f"Bundle.from_records({path!r})" if label is None else f"Bundle.from_records({path!r}, label={label!r})"

    pytester.makeconftest(
        "import pytest\n"
        "from pytest_behavior import Bundle\n\n\n"
        "@pytest.fixture\n"
        f"def baseline_bundle():\n    return {bundle(baseline, baseline_label)}\n\n\n"
        "@pytest.fixture\n"
        f"def candidate_bundle():\n    return {bundle(candidate, candidate_label)}\n"
    )
