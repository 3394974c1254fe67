"""`check_tool_calls` against BFCL's official scorer: the "simple" category, 6 models × 400 real answers.

Each answer is checked against its own item's function (BFCL type names normalised). Must be flagged: the
answers the official score marks with a ``type_error`` or ``missing_required`` error, and the text answers
(no call). Per model: items, must-flag, flagged, recall and precision of our flag (text answer or invalid
arguments) against that set, flags on answers the scorer accepted (false positives) and on answers failed
for another reason (other), then text answers and invalid arguments. ``tests/realdata/test_bfcl_tool_calls.py``
asserts recall 1.0.

Needs ``../shared/data/bfcl`` next to the repository (or ``BEHAVIOR_SHARED_DATA=/some/dir``); it is not
part of a user's clone.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from pytest_behavior.output import Output
from pytest_behavior.properties.tools import check_tool_calls

DATA_ENV = "BEHAVIOR_SHARED_DATA"
SNAPSHOT = "2024-08-11"
MODELS = ("gpt-4-0613-FC", "gpt-4-turbo-2024-04-09-FC", "gpt-4o-2024-05-13-FC", "gpt-4o-2024-08-06-FC",
          "claude-3-sonnet-20240229-FC", "claude-3-5-sonnet-20240620-FC")
MUST_FLAG_ERRORS = ("missing_required", "type_error")


def data_root() -> Path:
    override = os.environ.get(DATA_ENV)
    return Path(override).expanduser() if override else Path(__file__).resolve().parents[1].parent / "shared" / "data"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def as_output(result: Any) -> Output:
    if isinstance(result, str):
        return Output(result)
    return Output("", tool_calls=tuple({"name": n, "arguments": a} for call in result for n, a in call.items()))


def measure(root: Path, functions: list[dict[str, Any]], model: str) -> dict[str, Any]:
    results = read_jsonl(root / SNAPSHOT / "result" / model / "gorilla_openfunctions_v1_test_simple_result.json")
    scores = read_jsonl(root / SNAPSHOT / "score" / model / "simple_score.json")
    errors = {s["id"] - 1: s["error_type"] for s in scores[1:]}  # 1-based indices of failed items
    row = dict(n=0, must=0, flagged=0, caught=0, fp=0, other=0, text=0, invalid=0)
    for i, (result, function) in enumerate(zip(results, functions, strict=True)):
        check = check_tool_calls(as_output(result["result"]), [function])
        error = errors.get(i)
        must = check.text_answer or any(e in (error or "") for e in MUST_FLAG_ERRORS)
        row["n"] += 1
        row["must"] += must
        row["flagged"] += check.flagged
        row["caught"] += must and check.flagged
        row["fp"] += check.flagged and error is None
        row["other"] += check.flagged and error is not None and not must
        row["text"] += check.text_answer
        row["invalid"] += check.invalid_args
    return row


def main() -> int:
    root = data_root() / "bfcl"
    if not root.is_dir():
        print(f"needs {root} (shared model outputs; set {DATA_ENV} to use another copy)", file=sys.stderr)
        return 2
    functions = [r["function"] for r in read_jsonl(
        root / "berkeley-function-call-leaderboard" / "data" / "gorilla_openfunctions_v1_test_simple.json")]
    started = time.perf_counter()
    header = ("model", "n", "must-flag", "flagged", "recall", "precision", "FP", "other", "text", "invalid")
    print("  ".join(f"{h:>9}" if i else f"{h:<30}" for i, h in enumerate(header)))
    for model in MODELS:
        r = measure(root, functions, model)
        recall = r["caught"] / r["must"] if r["must"] else 1.0
        precision = r["caught"] / r["flagged"] if r["flagged"] else 1.0
        cells = (r["n"], r["must"], r["flagged"], f"{recall:.3f}", f"{precision:.3f}", r["fp"], r["other"],
                 r["text"], r["invalid"])
        print(f"{model:<30}  " + "  ".join(f"{c:>9}" for c in cells))
    print(f"({time.perf_counter() - started:.1f} s; FP: flagged but accepted by the official scorer; other: flagged, "
          "failed for another reason)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
