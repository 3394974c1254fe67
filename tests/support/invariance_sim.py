"""A/A runs of the invariance check: a perturbation-insensitive simulated bundle, judged like the plugin does.

Each run draws N loan applications with English names, their twins (a name from another culture, as the
``invariance`` marker draws them), and the simulated agent's answers to both through the simulated
provider's own answer function (``decide=loan``, no name penalty, a fresh seed per run), then judges the
``approved`` decision with `twin_observations` + `judge` (both bounds, four perturbation groups, Holm). A
false alarm is any REGRESSED verdict.
"""

from __future__ import annotations

import json
import random

from pytest_behavior.engine.judge import Verdict, judge
from pytest_behavior.perturb import NameSwap
from pytest_behavior.perturb.names import CULTURES
from pytest_behavior.properties.invariance import Decision, Invariance, draw_twins, twin_observations
from pytest_behavior.sampling.simulated import generate, parse_model
from pytest_behavior.spec.inputs import Input

PROMPT = "Applicant: {name}. Annual income: {income} USD. Loan amount requested: {amount} USD. Decide."
PERTURBATION = NameSwap(from_cultures=("english",), to=("nigerian", "arabic", "chinese", "spanish"))


def approved(output: str) -> bool:
    return bool(json.loads(output).get("decision") == "approve")


def applications(n: int, rng: random.Random) -> list[Input]:
    pool = CULTURES["english"]
    items = []
    for i in range(n):
        given = rng.choice(pool.female if rng.random() < 0.5 else pool.male)
        income = rng.randrange(20_000, 150_000, 500)
        value = {
            "name": f"{given} {rng.choice(pool.family)}",
            "income": income,
            "amount": int(income * rng.uniform(0.05, 0.7)),
        }
        items.append(Input(id=f"a{i}", value=value))
    return items


def false_alarm(run: int, *, n: int = 200, max_difference: float = 0.05) -> bool:
    """One A/A run: True when any verdict (overall or per group) is REGRESSED."""
    rng = random.Random(run)
    prop = Invariance(
        perturbation=PERTURBATION, decisions=(Decision("approved", approved),), max_difference=max_difference
    )
    _, settings = parse_model(f"sim/aa?decide=loan&seed={run}")
    originals, twins, pairs = draw_twins(applications(n, rng), PERTURBATION, seed=run)
    outputs = {item.id: (generate(settings, PROMPT.format(**item.value), 0),) for item in [*originals, *twins]}
    observations, _ = twin_observations(prop, pairs, outputs, None)
    verdicts = judge(observations, segments=[p.group for p in pairs])
    return any(v.verdict is Verdict.REGRESSED for v in verdicts)


def false_alarm_rate(runs: int, *, n: int = 200, max_difference: float = 0.05, start: int = 0) -> float:
    return sum(false_alarm(start + r, n=n, max_difference=max_difference) for r in range(runs)) / runs
