"""How the offline detectors' cost grows with the length of an answer (issue 12, item 14).

Times `classify_refusal` on answers of 75k, 300k and 1.2M words and prints each
as a ratio to the 75k-word time measured in the same run: a detector linear in what it reads over a bounded window
stays near x1 whatever the length (one reading the whole answer would show x4 and x16). Best of 5 runs each.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pytest_behavior.properties.refusal import classify_refusal

SIZES = (75_000, 300_000, 1_200_000)


def best_time(fn: Callable[[str], object], text: str, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    texts = {words: "I can help with that. " + "word " * words for words in SIZES}
    reference = best_time(classify_refusal, texts[SIZES[0]])
    print(f"classify_refusal on {SIZES[0]:,} words: {1000 * reference:.2f} ms (reference)")
    for words in SIZES[1:]:
        elapsed = best_time(classify_refusal, texts[words])
        print(
            f"classify_refusal on {words:,} words: {1000 * elapsed:.2f} ms, x{elapsed / reference:.2f} "
            f"the reference for x{words // SIZES[0]} the words"
        )


if __name__ == "__main__":
    main()
