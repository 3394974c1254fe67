"""Recorded-trace projects for pytester: JSON Lines files of outputs, and a conftest replaying them as bundles."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from tests.support.project import records_bundle, use_bundles


def write_jsonl(path: Path, records: Iterable[Mapping[str, object]]) -> None:
    """One JSON object per line, as ``Bundle.from_records`` reads them."""
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


def use_recorded_bundles(
    pytester: pytest.Pytester,
    *,
    baseline: str = "base.jsonl",
    candidate: str = "cand.jsonl",
    baseline_label: str | None = "base",
    candidate_label: str | None = "cand",
) -> None:
    """A conftest whose ``baseline_bundle`` and ``candidate_bundle`` replay those files (a label of None: the
    bundle's default label)."""

    use_bundles(pytester, records_bundle(candidate, candidate_label), baseline=records_bundle(baseline, baseline_label))
