"""How often ``pytest-behavior card --check`` says "drifted since recorded", by seeded simulation.

One golden file is recorded from ``sim/bot?refusal_rate=0.05&mean_words=40&seed=1`` (400 inputs, a ``refusal_bound
(max_increase=0.05)`` and a ``length_distribution(max_ratio=1.3)``), through the engine as ``--behavior-update`` does.
Each scenario then rewrites the file's description (and fingerprint) to claim the model the "provider" now serves
under that name, always with another seed (independent draws, as a real provider's fresh answers are):

- A/A: the same behaviour (refusal 5%): every "drifted" is a false alarm (target <= alpha = 5%);
- refusal 5% -> 15%, 25%, 40%: how often a check of n inputs catches it (power).

Each replicate is one ``--check`` with its own ``--seed`` (its own subset of inputs), at n = 30 (the default) and
n = 100. Prints, per scenario and n, the share of checks that said "drifted", that PASSed every bound, and that
REGRESSED the refusal bound. ``--reps R`` (default 60), ``--quick`` for R = 20.

    python benchmarks/card_check_calibration.py [--reps 60 | --quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_behavior import Bundle
from pytest_behavior.config.settings import RunSettings
from pytest_behavior.engine.card_check import check, plan_check
from pytest_behavior.engine.run import Spec, run_spec
from pytest_behavior.golden.store import load_golden
from pytest_behavior.properties.length import LengthDistribution
from pytest_behavior.properties.refusal import RefusalBound
from pytest_behavior.sampling.cache import SampleCache

RECORDED = "sim/bot?refusal_rate=0.05&mean_words=40&seed=1"
SCENARIOS = {"A/A (5%)": 0.05, "5% -> 15%": 0.15, "5% -> 25%": 0.25, "5% -> 40%": 0.40}
SIZES = (30, 100)


def record(root: Path) -> Path:
    properties = (
        RefusalBound.from_marker(max_increase=0.05),
        LengthDistribution.from_marker(max_ratio=1.3, unit="words"),
    )
    settings = RunSettings(mode="update", rootdir=root, golden_dir=root / "golden", cache_mode="off")
    inputs = [f"How do I reset the router in room {i}?" for i in range(400)]
    spec = Spec(
        nodeid="test_bot.py::test_answers", properties=properties, inputs=inputs, template=None, n=None, repeats=1
    )
    cache = SampleCache(root / "cache", mode="off")
    result = asyncio.run(run_spec(spec, settings, candidate=Bundle(RECORDED, label="bot"), baseline=None, cache=cache))
    assert result.golden_path is not None
    return result.golden_path


def claim(path: Path, rate: float, target: Path) -> Path:
    served = Bundle(f"sim/bot?refusal_rate={rate}&mean_words=40&seed=2", label="bot")
    data = json.loads(path.read_text())
    data["bundle"].update(description=served.describe(), fingerprint=served.fingerprint)
    target.write_text(json.dumps(data))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    reps = 20 if args.quick else args.reps
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        golden = record(root)
        print(f"R = {reps} checks per cell (each its own --seed subset); alpha 0.05; recorded {RECORDED}")
        print(f"{'scenario':<12} {'n':>4} {'drifted':>8} {'all PASS':>9} {'refusal REGRESSED':>18}")
        for name, rate in SCENARIOS.items():
            record_ = load_golden(claim(golden, rate, root / f"claimed-{rate}.json"))
            for n in SIZES:
                drifted = passed = refusal = 0
                for seed in range(reps):
                    plan = plan_check([(golden, record_)], n=n, seed=seed)
                    (result,) = asyncio.run(check(plan, alpha=0.05))
                    verdicts = [v for v in result.diff.comparison.verdicts if v.segment is None]
                    drifted += result.drifted
                    passed += all(v.verdict.value == "PASS" for v in verdicts)
                    refusal += any(v.verdict.value == "REGRESSED" and v.property == "refusal_bound" for v in verdicts)
                print(
                    f"{name:<12} {n:>4} {drifted / reps:>8.1%} {passed / reps:>9.1%} {refusal / reps:>18.1%}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
