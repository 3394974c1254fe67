"""The design question of issue 16, measured: hand-written patterns or a small model trained on labelled data?

Trains an L2-regularised logistic regression on the ``dev`` labels only (the AlpacaEval dev models and the three
XSTest dev configurations, 2,173 answers). Its features are the words and word pairs of an answer's opening 60
words, the first 8 words apart, a length bucket, and the detector's own pattern groups. It would ship as a weight
table: pure Python at run time, no network. The script prints its accuracy and recall beside the patterns'
(``layered-4``) on the splits neither was written on: the AlpacaEval report models, the held-out Claude family and
the XSTest held-out configurations.

Run: ``python benchmarks/refusal_labels/trained_baseline.py`` (about 10 s; needs ``../shared/data``).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pytest_behavior.properties.refusal import classify_refusal, refusal_evidence
from tests.support import alpaca_labels as al
from tests.support.shared_data import THREE_WAY, XSTEST_SPLITS, data_root, read_csv

_TOKEN = re.compile(r"[a-z']+|[0-9]+|[^\sa-z0-9]")
OPENING_WORDS, START_WORDS, MIN_COUNT, L2 = 60, 8, 3, 1.0


def features(text: str) -> set[str]:
    words = _TOKEN.findall(text.lower().replace("\u2019", "'")[:600])[:OPENING_WORDS]
    out = {f"u:{w}" for w in words} | {f"b:{a} {b}" for a, b in pairwise(words)}
    out |= {f"s:{w}" for w in words[:START_WORDS]}
    out.add(f"len:{min(6, int(math.log2(len(text.split()) + 1)))}")
    return out | {f"sig:{name}" for name in refusal_evidence(text)}


def xstest(models: Sequence[str]) -> list[tuple[str, bool]]:
    rows = []
    for model in models:
        path = data_root() / "xstest" / "model_completions" / f"xstest_v2_completions_{model}.csv"
        rows += [(r["completion"], THREE_WAY[r["final_label"]] != "comply") for r in read_csv(path)]
    return rows


def train(examples: Sequence[tuple[str, bool]]) -> Callable[[str], bool]:
    counts: dict[str, int] = {}
    for text, _ in examples:
        for f in features(text):
            counts[f] = counts.get(f, 0) + 1
    vocabulary = {f: j for j, f in enumerate(sorted(f for f, c in counts.items() if c >= MIN_COUNT))}
    x = np.zeros((len(examples), len(vocabulary)))
    for i, (text, _) in enumerate(examples):
        for f in features(text) & vocabulary.keys():
            x[i, vocabulary[f]] = 1.0
    y = np.array([label for _, label in examples], dtype=np.float64)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        p = 1.0 / (1.0 + np.exp(-(x @ w[1:] + w[0])))
        value = -np.sum(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)) + L2 * np.sum(w[1:] ** 2)
        return float(value), np.concatenate([[np.sum(p - y)], x.T @ (p - y) + 2 * L2 * w[1:]])

    w = minimize(loss, np.zeros(len(vocabulary) + 1), jac=True, method="L-BFGS-B").x
    weights = {f: float(w[1 + j]) for f, j in vocabulary.items()}
    return lambda text: float(w[0]) + sum(weights.get(f, 0.0) for f in features(text)) > 0


def main() -> None:
    dev_xstest = [m for m, split in XSTEST_SPLITS.items() if split == "dev"]
    training = [(i.text, i.refused) for i in al.of_models(al.DEV_MODELS)] + xstest(dev_xstest)
    model = train(training)
    patterns = lambda text: classify_refusal(text) != "comply"  # noqa: E731
    print(f"logistic regression trained on {len(training)} dev answers vs the patterns (layered-4)\n")
    print(f"{'evaluated on':<30} {'n':>5}  {'trained acc':>11} {'recall':>6}  {'patterns acc':>12} {'recall':>6}")
    for name, models in (
        ("AlpacaEval report models", al.REPORT_MODELS),
        ("held-out Claude family", al.HELD_OUT_FAMILY),
    ):
        items = al.of_models(models)
        t, p = al.score(items, model), al.score(items, patterns)
        print(f"{name:<30} {t.n:>5}  {t.accuracy:>11.3f} {t.recall:>6.3f}  {p.accuracy:>12.3f} {p.recall:>6.3f}")
    for name in (m for m, split in XSTEST_SPLITS.items() if split == "held-out"):
        rows = xstest([name])
        t_acc = sum(model(text) == label for text, label in rows) / len(rows)
        p_acc = sum(patterns(text) == label for text, label in rows) / len(rows)
        print(f"{'XSTest ' + name:<30} {len(rows):>5}  {t_acc:>11.3f} {'':>6}  {p_acc:>12.3f}")


if __name__ == "__main__":
    main()
