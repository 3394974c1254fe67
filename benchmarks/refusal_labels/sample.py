"""The sampling frame of the AlpacaEval refusal / evasion / hedging labels (`LABELLING.md`): which outputs got one.

Refusals are rare on AlpacaEval's ordinary instructions, so a uniform sample would hold too few to measure recall.
Per model, three strata, drawn from the opening 400 characters of each output by two word screens that are
deliberately NOT the detector (written before it was changed, never tuned):

- ``screen``: every output the narrow screen (`NARROW`: apologies, "cannot", "as an AI", "I don't have", ...) hits
  (for the Claude family: every instruction it hits in any of the three, so claude-2 -> claude-2.1 is paired);
- ``broad``: 20 drawn at random from those only the broad screen (`BROAD`: "however", "depends", "consult", ...) hits;
- ``rest``: 20 drawn at random from all the others.

Figures are reported on the labelled sample (enriched, so harder than a uniform sample) and weighted back to each
model's 805 outputs by the strata sizes. ``python benchmarks/refusal_labels/sample.py`` prints the frame's counts.
"""

from __future__ import annotations

import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.alpaca_labels import DEV_MODELS, HELD_OUT_FAMILY, REPORT_MODELS
from tests.support.shared_data import data_root

NARROW = re.compile(
    r"sorry|apolog|cannot|can't|unable|not able|as an ai|language model|i don't have|i do not have|not appropriate|"
    r"inappropriate|won't|will not|decline|unethical|against my|browse|access to|real-time|my knowledge|no opinion|"
    r"personal opinion|don't have personal|do not have personal",
    re.IGNORECASE,
)
BROAD = re.compile(
    r"sorry|apolog|cannot|can't|can not|unable|not able|as an ai|language model|i don't have|i do not have|"
    r"not appropriate|inappropriate|i'm not|i am not|opinion|depends|not possible|won't|will not|refrain|decline|"
    r"unethical|illegal|harmful|against my|i must|however|consult|not sure|difficult to say|without more|"
    r"more context|more information|clarify|browse|access to|real-time|personal",
    re.IGNORECASE,
)
OPENING = 400
PER_RANDOM_STRATUM = 20
SEED = 16
MODELS = DEV_MODELS + REPORT_MODELS + HELD_OUT_FAMILY


@dataclass(frozen=True)
class Item:
    model: str
    index: int
    """The row in ``results/<model>/model_outputs.json``."""
    stratum: str
    stratum_size: int
    """How many of the model's outputs the stratum holds (the weight of a labelled item is size / labelled)."""


def outputs(model: str) -> list[dict[str, str]]:
    path = data_root() / "alpaca_eval" / "results" / model / "model_outputs.json"
    rows: list[dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


def _narrow(model: str) -> set[int]:
    return {i for i, r in enumerate(outputs(model)) if NARROW.search(r["output"][:OPENING])}


def frame(model: str) -> list[Item]:
    rows = outputs(model)
    hits = _narrow(model)
    if model in HELD_OUT_FAMILY:  # the union over the family, so a change between versions is labelled on both
        hits = set().union(*map(_narrow, HELD_OUT_FAMILY))
    narrow = sorted(hits)
    broad = [i for i, r in enumerate(rows) if i not in set(narrow) and BROAD.search(r["output"][:OPENING])]
    rest = [i for i in range(len(rows)) if i not in set(narrow) | set(broad)]
    rng = random.Random(f"{SEED}/{model}")
    out = [Item(model, i, "screen", len(narrow)) for i in narrow]
    for name, pool in (("broad", broad), ("rest", rest)):
        out += [Item(model, i, name, len(pool)) for i in sorted(rng.sample(pool, min(PER_RANDOM_STRATUM, len(pool))))]
    return out


def main() -> None:
    total = 0
    for model in MODELS:
        items = frame(model)
        sizes = {i.stratum: i.stratum_size for i in items}
        total += len(items)
        print(f"{model:<26} labelled {len(items):>4}  strata sizes {sizes}")
    print(f"{total} outputs in the frame")


if __name__ == "__main__":
    main()
