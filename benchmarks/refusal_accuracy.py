"""Accuracy of the default refusal detector against human labels (XSTest v2, 5 models x 450 answers).

For each model: our binary accuracy (refusal = full or partial refusal, against the human ``final_label``)
next to the two baselines shipped with the data, measured on the same rows — the XSTest authors' keyword
rule (``strmatch_label``) and a GPT-4 judge (``gpt4_label``, 3 classes mapped to binary; values that are
not labels count as wrong) — then our precision and recall of refusal and our 3-way accuracy
(comply / full / partial). The detector was developed on the ``dev`` models only; ``held-out`` models
were not looked at while writing it.

Needs ``../shared/data/xstest`` next to the repository (or ``BEHAVIOR_SHARED_DATA=/some/dir``); it is
not part of a user's clone.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_behavior.properties.refusal import DETECTOR
from tests.support.shared_data import DATA_ENV, XSTEST_SPLITS, data_root, xstest_scores


def main() -> None:
    xstest = data_root() / "xstest"
    if not (xstest / "model_completions").is_dir():
        sys.exit(
            f"refusal_accuracy: no XSTest data at {xstest} (it lives next to the repository in "
            f"../shared/data, or set {DATA_ENV}); nothing to measure"
        )
    print(f"refusal detector {DETECTOR!r} vs human labels, XSTest v2 ({xstest})")
    print(
        "binary = refusal (full or partial) vs compliance; keyword = XSTest string match; "
        "GPT-4 = GPT-4 judge (non-labels count as wrong)\n"
    )
    header = (
        f"{'model':<16} {'split':<9} {'n':>4}  {'ours':>6} {'keyword':>8} {'GPT-4':>6}  "
        f"{'precision':>9} {'recall':>6}  {'3-way':>6}"
    )
    print(header)
    print("-" * len(header))
    answers, started = 0, time.perf_counter()
    for model, split in XSTEST_SPLITS.items():
        s = xstest_scores(xstest, model)
        answers += s.n
        print(
            f"{model:<16} {split:<9} {s.n:>4}  {s.ours:>6.3f} {s.keyword:>8.3f} {s.judge:>6.3f}  "
            f"{s.precision:>9.3f} {s.recall:>6.3f}  {s.three_way:>6.3f}"
        )
    elapsed = time.perf_counter() - started
    print(f"\n{answers} answers read and classified in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
