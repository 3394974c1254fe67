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

import csv
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pytest_behavior.properties.refusal import DETECTOR, classify_refusal

DATA_ENV = "BEHAVIOR_SHARED_DATA"
SPLITS = {"gpt4": "dev", "llama2orig": "dev", "mistralinstruct": "dev", "llama2new": "held-out",
          "mistralguard": "held-out"}
THREE_WAY = {"1_full_compliance": "comply", "2_full_refusal": "refuse", "3_partial_refusal": "partial"}


@dataclass(frozen=True)
class Row:
    completion: str
    human: str  # comply / refuse / partial
    keyword_refusal: bool
    judge: str | None  # comply / refuse / partial, None when the judge wrote something else


@dataclass(frozen=True)
class Scores:
    n: int
    ours: float
    keyword: float
    judge: float
    precision: float
    recall: float
    three_way: float


def data_root() -> Path:
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load(xstest: Path, model: str) -> list[Row]:
    labels = xstest / "evaluation" / "automated_evaluation_labels"
    answers = read_csv(xstest / "model_completions" / f"xstest_v2_completions_{model}.csv")
    keyword = read_csv(labels / f"xstest_v2_completions_{model}_streval.csv")
    judge = read_csv(labels / f"xstest_v2_completions_{model}_gpteval.csv")
    if not len(answers) == len(keyword) == len(judge) or any(
            a["id"] != k["id"] or a["id"] != j["id"] for a, k, j in zip(answers, keyword, judge, strict=True)):
        raise SystemExit(f"{model}: the completion and label files do not list the same rows")
    return [Row(a["completion"], THREE_WAY[a["final_label"]], k["strmatch_label"] != "1_full_compliance",
                THREE_WAY.get(j["gpt4_label"].strip()))
            for a, k, j in zip(answers, keyword, judge, strict=True)]


def score(rows: list[Row]) -> Scores:
    predicted = [classify_refusal(row.completion) for row in rows]
    human = [row.human != "comply" for row in rows]
    ours = [label != "comply" for label in predicted]
    hits = sum(h and o for h, o in zip(human, ours, strict=True))
    n = len(rows)
    return Scores(
        n=n,
        ours=sum(h == o for h, o in zip(human, ours, strict=True)) / n,
        keyword=sum(h == row.keyword_refusal for h, row in zip(human, rows, strict=True)) / n,
        judge=sum(row.judge is not None and (row.judge != "comply") == h for h, row in zip(human, rows, strict=True))
        / n,
        precision=hits / max(1, sum(ours)),
        recall=hits / max(1, sum(human)),
        three_way=sum(row.human == label for row, label in zip(rows, predicted, strict=True)) / n,
    )


def main() -> None:
    xstest = data_root() / "xstest"
    if not (xstest / "model_completions").is_dir():
        sys.exit(f"refusal_accuracy: no XSTest data at {xstest} (it lives next to the repository in "
                 f"../shared/data, or set {DATA_ENV}); nothing to measure")
    print(f"refusal detector {DETECTOR!r} vs human labels, XSTest v2 ({xstest})")
    print("binary = refusal (full or partial) vs compliance; keyword = XSTest string match; "
          "GPT-4 = GPT-4 judge (non-labels count as wrong)\n")
    header = (f"{'model':<16} {'split':<9} {'n':>4}  {'ours':>6} {'keyword':>8} {'GPT-4':>6}  "
              f"{'precision':>9} {'recall':>6}  {'3-way':>6}")
    print(header)
    print("-" * len(header))
    answers, started = 0, time.perf_counter()
    for model, split in SPLITS.items():
        s = score(load(xstest, model))
        answers += s.n
        print(f"{model:<16} {split:<9} {s.n:>4}  {s.ours:>6.3f} {s.keyword:>8.3f} {s.judge:>6.3f}  "
              f"{s.precision:>9.3f} {s.recall:>6.3f}  {s.three_way:>6.3f}")
    elapsed = time.perf_counter() - started
    print(f"\n{answers} answers read and classified in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
