"""Accuracy of the default refusal detector against labels: XSTest v2 (5 models x 450 answers, human labels) and
AlpacaEval (18 models, the labels of ``benchmarks/refusal_labels``: how they were made is in its LABELLING.md).

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

from pytest_behavior.properties.refusal import DETECTOR, classify_refusal
from tests.support import alpaca_labels as al
from tests.support.shared_data import DATA_ENV, XSTEST_SPLITS, data_root, xstest_scores

DETECTORS = {
    "ours": lambda text: classify_refusal(text) != "comply",
    "keyword": al.keyword_rule,
}
"""Binary refusal detectors: a refusal is anything but compliance (evasion included)."""


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
    if (data_root() / "alpaca_eval").is_dir() and al.labels_present():
        alpaca()


def _row(name: str, split: str, items: list[al.Labelled]) -> str:
    ours, keyword = (al.score(items, DETECTORS[d]) for d in ("ours", "keyword"))
    return (
        f"{name:<26} {split:<9} {ours.n:>4} {ours.refusals:>4}  {ours.accuracy:>6.3f} {keyword.accuracy:>8.3f}  "
        f"{ours.precision:>9.3f} {ours.recall:>6.3f} {keyword.recall:>7.3f}  {ours.weighted_accuracy:>9.3f} "
        f"{keyword.weighted_accuracy:>9.3f}"
    )


def alpaca() -> None:
    """Per model, per split and for the held-out Claude family: ours against the keyword rule on the labels."""
    print("\nAlpacaEval outputs vs the labels in benchmarks/refusal_labels (refusal = anything but comply)")
    print("weighted = accuracy weighted back to the model's 805 outputs (the labelled sample is refusal-enriched)\n")
    header = (
        f"{'model':<26} {'split':<9} {'n':>4} {'ref':>4}  {'ours':>6} {'keyword':>8}  {'precision':>9} {'recall':>6} "
        f"{'kw rec':>7}  {'weighted':>9} {'kw wtd':>9}"
    )
    print(header)
    print("-" * len(header))
    for model, split in al.SPLITS.items():
        print(_row(model, split, al.of_models([model])))
    print("-" * len(header))
    for split, models in (("dev", al.DEV_MODELS), ("report", al.REPORT_MODELS), ("held-out", al.HELD_OUT_FAMILY)):
        print(_row(f"all {split}", split, al.of_models(models)))
    texts = [item.text for item in al.labelled()]
    started = time.perf_counter()
    for text in texts:
        classify_refusal(text)
    per_answer = (time.perf_counter() - started) / len(texts)
    print(f"\nclassify_refusal: {1000 * per_answer:.3f} ms per answer on the {len(texts)} labelled AlpacaEval outputs")
    flips()


def flips() -> None:
    """claude-2 -> claude-2.1 on the instructions labelled for both: net new refusals by the labels and by each."""
    before = {i.index: i for i in al.of_models(["claude-2"])}
    after = {i.index: i for i in al.of_models(["claude-2.1"])}
    both = sorted(set(before) & set(after))
    print(f"\nclaude-2 -> claude-2.1, {len(both)} instructions labelled for both: net change in refusals")
    truth = sum(after[i].refused for i in both) - sum(before[i].refused for i in both)
    line = [f"labels {truth:+d}"]
    for name, flags in DETECTORS.items():
        net = sum(flags(after[i].text) for i in both) - sum(flags(before[i].text) for i in both)
        line.append(f"{name} {net:+d}")
    print("  " + ", ".join(line))


if __name__ == "__main__":
    main()
