"""The hedging score against the ``hedge`` flags of the AlpacaEval labels (``benchmarks/refusal_labels``).

The weights of `pytest_behavior.properties.hedging` were fitted on the ``dev`` models only; the ``report`` models
and the held-out Claude family are measured, not tuned on. Per split: how many labelled outputs hedge, and the
detector's accuracy, precision and recall against the flags, next to "never hedges" (the base rate to beat in
accuracy). Then the known-direction check on the randomly drawn outputs (the ``broad`` and ``rest`` strata, 40
per model, which stand for ordinary answers): the same GPT-4 snapshot asked to be concise, plainly, and verbose;
and the model generations. The rate is the share that hedges, by the labels and by the detector.

Run: ``python benchmarks/hedging_accuracy.py`` (needs ``../shared/data/alpaca_eval``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_behavior.properties.hedging import DETECTOR, THRESHOLD, is_hedging
from tests.support import alpaca_labels as al
from tests.support.shared_data import data_root

CONTROLS = (
    ("gpt4_0613_concise", "gpt4_0613", "gpt4_0613_verbose"),
    ("gpt4_0314", "gpt4_0613", "gpt4_1106_preview", "gpt-4-turbo-2024-04-09", "gpt-4o-2024-05-13"),
    ("gpt-3.5-turbo-0301", "gpt-3.5-turbo-0613", "gpt-3.5-turbo-1106"),
    ("claude", "claude-2", "claude-2.1"),
)


def main() -> None:
    if not (data_root() / "alpaca_eval" / "results").is_dir():
        sys.exit(f"hedging_accuracy: no AlpacaEval outputs under {data_root()}; nothing to measure")
    print(f"hedging detector {DETECTOR!r} (threshold {THRESHOLD}) vs the hedge flags of benchmarks/refusal_labels\n")
    header = f"{'split':<10} {'n':>5} {'hedge':>6}  {'accuracy':>8} {'never':>6}  {'precision':>9} {'recall':>6}"
    print(header)
    print("-" * len(header))
    started = time.perf_counter()
    for split, models in (("dev", al.DEV_MODELS), ("report", al.REPORT_MODELS), ("held-out", al.HELD_OUT_FAMILY)):
        s = al.score_hedging(al.of_models(models), is_hedging)
        print(
            f"{split:<10} {s.n:>5} {s.refusals:>6}  {s.accuracy:>8.3f} {1 - s.refusals / s.n:>6.3f}  "
            f"{s.precision:>9.3f} {s.recall:>6.3f}"
        )
    print("\nshare of ordinary answers that hedge (the 40 random outputs per model): labels / detector")
    for chain in CONTROLS:
        cells = []
        for model in chain:
            items = [i for i in al.of_models([model]) if i.stratum != "screen"]
            labelled = sum(i.hedge for i in items) / len(items)
            detected = sum(is_hedging(i.text) for i in items) / len(items)
            cells.append(f"{model} {labelled:.0%} / {detected:.0%}")
        print("  " + " -> ".join(cells))
    print(f"\n({time.perf_counter() - started:.2f} s)")


if __name__ == "__main__":
    main()
