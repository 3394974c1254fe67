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

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_behavior.properties.tools import check_tool_calls
from tests.support.shared_data import BFCL_MODELS, DATA_ENV, as_output, bfcl_answers, bfcl_items, data_root, must_flag


def measure(root: Path, functions: list[dict[str, Any]], model: str) -> dict[str, Any]:
    row = dict(n=0, must=0, flagged=0, caught=0, fp=0, other=0, text=0, invalid=0)
    for (result, error), function in zip(bfcl_answers(root, model), functions, strict=True):
        output = as_output(result["result"])
        check = check_tool_calls(output, [function])
        must = must_flag(output, error)
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
    functions = [item["function"] for item in bfcl_items(root)]
    started = time.perf_counter()
    header = ("model", "n", "must-flag", "flagged", "recall", "precision", "FP", "other", "text", "invalid")
    print("  ".join(f"{h:>9}" if i else f"{h:<30}" for i, h in enumerate(header)))
    for model in BFCL_MODELS:
        r = measure(root, functions, model)
        recall = r["caught"] / r["must"] if r["must"] else 1.0
        precision = r["caught"] / r["flagged"] if r["flagged"] else 1.0
        cells = (
            r["n"],
            r["must"],
            r["flagged"],
            f"{recall:.3f}",
            f"{precision:.3f}",
            r["fp"],
            r["other"],
            r["text"],
            r["invalid"],
        )
        print(f"{model:<30}  " + "  ".join(f"{c:>9}" for c in cells))
    print(
        f"({time.perf_counter() - started:.1f} s; FP: flagged but accepted by the official scorer; other: flagged, "
        "failed for another reason)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
