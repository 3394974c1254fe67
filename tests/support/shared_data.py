"""The real model outputs in ``../shared/data`` (read at run time, never copied into the repository).

One place for locating them (``$BEHAVIOR_SHARED_DATA`` overrides) and for the XSTest and BFCL readers that
the real-data tests and their benchmarks share, so a test and the table it backs cannot drift apart.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_behavior.properties.refusal import classify_refusal
from pytest_behavior.spec.output import Output

DATA_ENV = "BEHAVIOR_SHARED_DATA"
REPO_ROOT = Path(__file__).resolve().parents[2]


def data_root() -> Path:
    """``../shared/data`` next to the repository root, or ``$BEHAVIOR_SHARED_DATA``."""
    override = os.environ.get(DATA_ENV)
    return Path(override).expanduser() if override else REPO_ROOT.parent / "shared" / "data"


def require(folder: str) -> Path:
    """``data_root() / folder``, or skip the calling test: a user's clone has no shared data."""
    import pytest

    path = data_root() / folder
    if not path.is_dir():
        pytest.skip(
            f"real-data test needs {path} (shared model outputs, absent from a user's clone; "
            f"set {DATA_ENV} to use another copy)"
        )
    return path


# --- XSTest: completions of 5 model configurations with human refusal labels --------------------------------------

XSTEST_SPLITS = {
    "gpt4": "dev",
    "llama2orig": "dev",
    "mistralinstruct": "dev",
    "llama2new": "held-out",
    "mistralguard": "held-out",
}
THREE_WAY = {"1_full_compliance": "comply", "2_full_refusal": "refuse", "3_partial_refusal": "partial"}
_XSTEST_CLASS = {"evasion": "refuse"}
"""XSTest has no evasion class: its full refusal covers answers that do not answer, so an evasion counts as one."""


@dataclass(frozen=True)
class RefusalScores:
    """The detector against the human labels of one model: binary accuracy of ours, of the authors' keyword rule
    and of their GPT-4 judge (non-labels count as wrong); our precision/recall of refusal and 3-way accuracy."""

    n: int
    ours: float
    keyword: float
    judge: float
    precision: float
    recall: float
    three_way: float


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def xstest_scores(xstest: Path, model: str) -> RefusalScores:
    labels = xstest / "evaluation" / "automated_evaluation_labels"
    answers = read_csv(xstest / "model_completions" / f"xstest_v2_completions_{model}.csv")
    keyword = read_csv(labels / f"xstest_v2_completions_{model}_streval.csv")
    judge = read_csv(labels / f"xstest_v2_completions_{model}_gpteval.csv")
    if not len(answers) == len(keyword) == len(judge) or any(
        a["id"] != k["id"] or a["id"] != j["id"] for a, k, j in zip(answers, keyword, judge, strict=True)
    ):
        raise ValueError(f"{model}: the completion and label files do not list the same rows")
    human = [THREE_WAY[a["final_label"]] for a in answers]
    ours = [
        _XSTEST_CLASS.get(label, label)
        for label in (classify_refusal(a["completion"], question=a["prompt"]) for a in answers)
    ]
    refused = [label != "comply" for label in human]
    flagged = [label != "comply" for label in ours]
    keyword_refused = [k["strmatch_label"] != "1_full_compliance" for k in keyword]
    judged = [THREE_WAY.get(j["gpt4_label"].strip()) for j in judge]
    hits = sum(r and f for r, f in zip(refused, flagged, strict=True))
    n = len(answers)
    return RefusalScores(
        n=n,
        ours=sum(r == f for r, f in zip(refused, flagged, strict=True)) / n,
        keyword=sum(r == k for r, k in zip(refused, keyword_refused, strict=True)) / n,
        judge=sum(g is not None and r == (g != "comply") for r, g in zip(refused, judged, strict=True)) / n,
        precision=hits / max(1, sum(flagged)),
        recall=hits / max(1, sum(refused)),
        three_way=sum(h == o for h, o in zip(human, ours, strict=True)) / n,
    )


# --- BFCL: function-calling answers of 6 models with the official per-item scores ---------------------------------

BFCL_SNAPSHOT = "2024-08-11"
BFCL_MODELS = (
    "gpt-4-0613-FC",
    "gpt-4-turbo-2024-04-09-FC",
    "gpt-4o-2024-05-13-FC",
    "gpt-4o-2024-08-06-FC",
    "claude-3-sonnet-20240229-FC",
    "claude-3-5-sonnet-20240620-FC",
)
MUST_FLAG_ERRORS = ("missing_required", "type_error")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def bfcl_items(bfcl: Path) -> list[dict[str, Any]]:
    """The 400 "simple" items: ``id``, ``question``, ``function`` (its schema)."""
    data = bfcl / "berkeley-function-call-leaderboard" / "data"
    return read_jsonl(data / "gorilla_openfunctions_v1_test_simple.json")


def as_output(result: Any) -> Output:
    """A BFCL result as the sampler would record it: a list of {name: JSON args} calls, or a text answer."""
    if isinstance(result, str):
        return Output(result)
    return Output(
        "", tool_calls=tuple({"name": name, "arguments": args} for call in result for name, args in call.items())
    )


def bfcl_answers(bfcl: Path, model: str) -> list[tuple[dict[str, Any], str | None]]:
    """Each result line of ``model`` with the official scorer's error type (None: it accepted the answer)."""
    results = read_jsonl(bfcl / BFCL_SNAPSHOT / "result" / model / "gorilla_openfunctions_v1_test_simple_result.json")
    scores = read_jsonl(bfcl / BFCL_SNAPSHOT / "score" / model / "simple_score.json")
    errors = {s["id"] - 1: s["error_type"] for s in scores[1:]}  # score ids are 1-based indices of failed items
    return [(result, errors.get(i)) for i, result in enumerate(results)]


def must_flag(output: Output, error_type: str | None) -> bool:
    """A text answer, or an answer the official scorer failed for a type error or a missing required argument."""
    return output.tool_calls is None or any(e in (error_type or "") for e in MUST_FLAG_ERRORS)
