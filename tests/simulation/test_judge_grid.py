"""Issue 13's acceptance criteria at the level of ``judge``: verdicts of every bound kind at every N x k, and
verdicts that agree with the intervals printed beside them (see ``judge_grid.py`` for the experiments and data).

Acceptance run (``pytest -m acceptance -n 2 --dist loadgroup``, a separate step of ``.ci/run``): the reduced grid
(``judge_grid.QUICK``: the small-N cells the issue names plus an ordinary N = 20 cell per kind, R = 2000, truth on
the threshold). Default run: a smoke cell per kind at R = 200 (failing on a crash, a disagreeing row or a decisive
error rate), the agreement test over thousands of rows and families, and the "one categorical bound is one member
of the family" test. Full grid: ``pytest -m simulation
tests/simulation/test_judge_grid.py -n 2 --dist loadgroup``, or ``python -m tests.simulation.judge_grid --full
--jobs 2`` for the markdown table (hours: see the module docstring of ``judge_grid``).

Nothing here is marked xfail: these are the acceptance numbers the judge and the statistics must meet.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from pytest_behavior.engine.judge import BoundVerdict, Verdict, judge
from pytest_behavior.properties.base import Observation
from pytest_behavior.properties.custom import CustomProperty
from pytest_behavior.properties.length import LengthDistribution
from pytest_behavior.properties.refusal import RefusalBound
from pytest_behavior.stats import absolute_rate_bound

from . import grid
from . import judge_grid as jg

# --------------------------------------------------------------------------------------------------
# the grid
# --------------------------------------------------------------------------------------------------


def _cell_params(cells: list[jg.JudgeCell], full: bool) -> list[Any]:
    params = []
    for cell in cells:
        marks: list[Any] = [
            pytest.mark.xdist_group("judge " + cell.label),
            pytest.mark.simulation if full else pytest.mark.acceptance,
        ]
        ident = ("full-" if full else "") + cell.label.replace(" ", "-")
        params.append(pytest.param(cell, full, id=ident, marks=marks))
    return params


CELLS = _cell_params(jg.quick_cells(), False) + _cell_params(jg.full_cells(), True)


@pytest.mark.parametrize(("cell", "full"), CELLS)
def test_judge_cell(cell: jg.JudgeCell, full: bool) -> None:
    """False REGRESSED and false PASS <= 6.15% (truth inside, at and beyond the threshold), no exception from
    observe/judge, and every row's verdict agrees with its shown interval (R = 2000; a borderline miss is
    re-simulated with 5x R before it counts)."""
    experiments = jg.KINDS[cell.kind].experiments() if full else jg.QUICK_EXPERIMENTS
    missed = []
    for experiment in experiments:
        result = jg.run_experiment(cell, experiment, jg.R_FULL)
        missed += jg.judge_experiment(result).misses
    assert not missed, "\n".join(str(m) for m in missed)


SMOKE_CELLS = [
    jg.JudgeCell(kind, n, k)
    for kind, (n, k) in {
        "paired rate": (20, 1),
        "absolute rate": (100, 1),
        "length ratio": (2, 10),
        "shape": (20, 1),
        "latency p95": (5, 1),
        "cost": (20, 1),
        "custom max_decrease": (20, 1),
        "custom min_ratio": (20, 1),
        "categorical": (1, 10),
        "invariance": (2, 1),
    }.items()
]
"""A cell of the reduced grid per kind (the cheaper ones where a kind has several)."""


@pytest.mark.parametrize("cell", [pytest.param(c, id=c.label.replace(" ", "-")) for c in SMOKE_CELLS])
def test_judge_cell_smoke(cell: jg.JudgeCell) -> None:
    """``test_judge_cell`` at R = 200, truth on the threshold: no exception, no row disagreeing with its interval,
    and no error rate whose 99% band lies above 6.15% (at R = 200 only a gross error is decisive)."""
    assert cell in jg.quick_cells()
    result = jg.run_experiment(cell, "at", 200, stage="smoke")
    decisive = [m for m in jg.misses(result) if m.decisive]
    assert not decisive, "\n".join(str(m) for m in decisive)


# --------------------------------------------------------------------------------------------------
# the engine: data of known truth, the agreement rule, the shortcuts
# --------------------------------------------------------------------------------------------------


def test_every_bound_kind_is_built_as_its_property_builds_it() -> None:
    """Each kind's family carries the bound the issue lists, from the property's own metrics / observe."""
    rng = np.random.default_rng(1)
    forms = {}
    for name, kind in jg.KINDS.items():
        arrays = tuple(a[0] for a in kind.draw(rng, reps=1, n=6, k=2, multiple=1))
        observations, segments = kind.family(arrays, kind.threshold("at", 2))
        forms[name] = {str(b).split("=")[0] for _, o in observations for b in o.metric.bounds}
        assert all(o.candidate.shape == (6, 2) for _, o in observations), name
        if name == "shape":
            assert observations[0][1].metric.profile
        if name == "latency p95":
            assert observations[0][1].metric.summary_quantile == 0.95
        if name == "invariance":
            assert segments is not None and set(segments) == set(jg.GROUPS)
    assert forms == {
        "paired rate": {"max_increase"},
        "absolute rate": {"max_rate"},
        "length ratio": {"max_ratio"},
        "shape": {"max_ratio"},
        "latency p95": {"max_p95_ratio"},
        "cost": {"max_ratio"},
        "custom max_decrease": {"max_decrease"},
        "custom min_ratio": {"min_ratio"},
        "categorical": {"max_increase", "max_decrease"},
        "invariance": {"max_increase", "max_decrease"},
    }


def test_truths_of_the_data_models() -> None:
    """Category shares move exactly (-shift, +shift, 0); a rescaled latency has every quantile ratio equal to the
    ratio; costs have many ties and d_i symmetric about log(ratio)."""
    rng = np.random.default_rng(2)
    base, cand = jg.category_arms(rng, reps=1, n=200_000, k=1, shift=0.1)
    for code, change in enumerate((-0.1, 0.1, 0.0)):
        assert np.mean(base == code) == pytest.approx(jg.SHARES[code], abs=0.004)
        assert np.mean(cand == code) - np.mean(base == code) == pytest.approx(change, abs=0.005)
    (lb,), (lc,) = jg.latency_arms(rng, reps=1, n=1000, k=3, ratio=1.3)
    assert np.quantile(lc, 0.95) / np.quantile(lb, 0.95) == pytest.approx(1.3, rel=0.1)
    base, cand = jg.KINDS["cost"].draw(rng, reps=1, n=100_000, k=1, multiple=1)
    d = np.log(cand / base).ravel()
    assert np.mean(np.isclose(d, math.log(1.2))) > 0.1  # equal token counts: d_i is exactly log(1.2)
    assert np.median(d) == pytest.approx(math.log(1.2), abs=1e-9)  # symmetric about it


def test_discrete_verdicts_do_not_depend_on_the_order_of_inputs() -> None:
    """The grid judges discrete data once per data set up to input order (``canonical_rows``): that is only the same
    experiment if reordering the inputs leaves every verdict, p-value and bound unchanged."""
    rng = np.random.default_rng(3)
    for name, kind in jg.KINDS.items():
        if not kind.discrete:
            continue
        for n, k in ((8, 1), (12, 3)):
            arrays = tuple(a[0] for a in kind.draw(rng, reps=1, n=n, k=k, multiple=1))
            threshold = kind.threshold("at", k)
            order = rng.permutation(n)
            shuffled = tuple(a[order] for a in arrays)
            sorted_arrays, _ = jg.canonical_rows(arrays)
            results = [_judged(kind, a, threshold) for a in (arrays, shuffled, sorted_arrays)]
            first, *others = results
            for other in others:  # the same up to the rounding of sums taken in another order
                assert [(v.label, v.bound, v.verdict) for v in other] == [(v.label, v.bound, v.verdict) for v in first]
                numbers = [(v.p_value, v.p_adjusted, v.lower, v.upper) for v in other]
                assert np.allclose(
                    numbers, [(v.p_value, v.p_adjusted, v.lower, v.upper) for v in first], rtol=1e-9, atol=1e-12
                ), name


def _judged(kind: jg.Kind, arrays: jg.Arrays, threshold: float) -> list[BoundVerdict]:
    observations, segments = kind.family(arrays, threshold)
    return judge(observations, alpha=jg.ALPHA, segments=segments)


def test_memoized_planning_changes_nothing() -> None:
    """The memoized planning functions give the same verdicts and advice, and re-raise what the originals raise."""
    rng = np.random.default_rng(4)
    kind = jg.KINDS["paired rate"]
    for _ in range(5):
        arrays = tuple(a[0] for a in kind.draw(rng, reps=1, n=7, k=3, multiple=1))
        plain = _judged(kind, arrays, 0.1)
        with jg.memoized_planning():
            remembered = _judged(kind, arrays, 0.1)
            again = _judged(kind, arrays, 0.1)
        assert plain == remembered == again
    from pytest_behavior import stats

    original = stats.n_for_power_paired_binary
    with jg.memoized_planning():
        for _ in range(2):
            with pytest.raises(ValueError):
                stats.n_for_power_paired_binary(0.5, 0.4, alpha=0.05, power=0.8)
    assert stats.n_for_power_paired_binary is original


def _row(
    bound: str,
    verdict: Verdict,
    lower: float,
    upper: float,
    p: float,
    *,
    threshold: float,
    lower_level: float = 0.95,
    upper_level: float = 0.95,
) -> BoundVerdict:
    return BoundVerdict(
        property="p",
        metric="m",
        metric_key="m",
        kind="binary",
        bound=bound,
        threshold=threshold,
        verdict=verdict,
        baseline=0.1,
        candidate=0.2,
        estimate=(lower + upper) / 2,
        lower=lower,
        upper=upper,
        p_value=p,
        p_adjusted=p,
        n_inputs=50,
        repeats=1,
        method="test",
        lower_level=lower_level,
        upper_level=upper_level,
    )


def test_agreement_rule_flags_what_disagrees() -> None:
    """The checker the grid and the agreement test rely on: right rows pass, each kind of wrong row is named."""
    R, P, I = Verdict.REGRESSED, Verdict.PASS, Verdict.INCONCLUSIVE  # noqa: E741
    right = [
        _row("max_increase=0.05", R, 0.06, 0.2, 0.01, threshold=0.05, lower_level=0.99),
        _row("max_increase=0.05", P, -0.1, 0.05, 0.6, threshold=0.05),  # upper exactly at the threshold: PASS
        _row("max_increase=0.05", I, 0.0, 0.1, 0.2, threshold=0.05),
        _row("max_decrease=0.05", R, -0.2, -0.06, 0.01, threshold=0.05, upper_level=0.975),
        _row("max_decrease=0.05", P, -0.04, 0.1, 0.7, threshold=0.05),
        _row("min_rate=0.9", R, 0.7, 0.85, 0.01, threshold=0.9, upper_level=0.99),
        _row("min_ratio=0.8", P, 0.85, 1.1, 0.9, threshold=0.8),
        _row("max_ratio=1.2", R, 1.2 * (1 + 1e-12), 1.5, 0.04, threshold=1.2),  # an exact tie may go either way
        _row("max_p95_ratio=1.3", I, 0.9, math.inf, 1.0, threshold=1.3),
        _row("max_ratio=1.2", I, -math.inf, math.inf, 1.0, threshold=1.2),  # too few inputs: not judged
        _row("max_share_change=0.1", P, -0.08, 0.1, 0.6, threshold=0.1),  # signed change, within
        _row("max_share_change=0.1", R, 0.11, 0.3, 0.01, threshold=0.1),  # its size, beyond
        _row("max_share_change=0.1", R, -0.3, -0.12, 0.01, threshold=0.1),  # signed change, beyond (a decrease)
    ]
    assert jg.disagreements(right) == []
    wrong = [
        (_row("max_increase=0.05", R, 0.04, 0.2, 0.01, threshold=0.05), "not beyond"),
        (_row("max_increase=0.05", I, 0.06, 0.2, 0.06, threshold=0.05), "not REGRESSED"),
        (_row("max_increase=0.05", R, 0.06, 0.2, 0.05, threshold=0.05), "p_adjusted < 0.05"),
        (_row("max_increase=0.05", I, -0.1, 0.04, 0.5, threshold=0.05), "not PASS"),
        (_row("max_decrease=0.05", P, -0.06, 0.1, 0.6, threshold=0.05), "not within"),
        (_row("max_decrease=0.05", R, -0.2, -0.04, 0.01, threshold=0.05), "not beyond"),
        (_row("min_ratio=0.8", R, 0.7, 0.85, 0.01, threshold=0.8), "not beyond"),
        (_row("max_increase=0.05", P, -0.1, 0.04, 0.6, threshold=0.05, upper_level=0.9), "levels"),
        (_row("max_share_change=0.1", P, -0.12, 0.04, 0.6, threshold=0.1), "not within"),
        (_row("max_share_change=0.1", I, -0.3, -0.12, 0.01, threshold=0.1), "not REGRESSED"),
        (_row("most_changes=0.1", P, -0.1, 0.04, 0.6, threshold=0.1), "no agreement rule"),
    ]
    for row, reason in wrong:
        found = jg.disagreements([row])
        assert any(reason in f for f in found), (row.bound, row.verdict, found)


# --------------------------------------------------------------------------------------------------
# agreement on thousands of rows (issue 13 §1)
# --------------------------------------------------------------------------------------------------

SEGMENTS = ("en", "de", "ja")


def _families(rng: np.random.Generator, share: float = 1.0) -> list[tuple[str, jg.Family]]:
    """Simulated tests of every shape: one bound of each kind, four bounds, bounds x segments, the issue's refusal +
    3-category family, and all kinds at once with segments; truths drawn from 0-3 x each margin so that every
    verdict occurs, with and without multiplicity. ``share``: that fraction of each shape's tests (the smoke run)."""
    out: list[tuple[str, jg.Family]] = []

    def times(count: int) -> range:
        return range(max(1, round(share * count)))

    def drawn(kind: jg.Kind, n: int, k: int) -> jg.Arrays:
        return tuple(a[0] for a in kind.draw(rng, reps=1, n=n, k=k, multiple=int(rng.integers(0, 4))))

    for name, kind in jg.KINDS.items():  # one bound (one property) per test
        reps = 8 if name in jg.BOOTSTRAP_KINDS else 25
        for _ in times(reps):
            sizes = [2, 8, 20] if name in jg.BOOTSTRAP_KINDS else [2, 8, 20, 40]  # 2: too few for some methods
            n, k = int(rng.choice(sizes)), int(rng.choice([1, 3]))
            out.append((f"1 bound: {name}", kind.family(drawn(kind, n, k), kind.threshold("at", k))))
    for _ in times(80):  # four bounds, with and without three segments
        n, k = int(rng.choice([30, 60, 120])), int(rng.choice([1, 2]))
        segments: list[str | None] | None = None
        if rng.random() < 0.5:
            segments = [str(s) for s in rng.choice(SEGMENTS, size=n)]
        out.append(("4 bounds" + (" x 3 segments" if segments else ""), (_four_bounds(rng, n, k), segments)))
    for _ in times(80):  # the issue's example: refusal max_rate plus a 3-category max_share_change
        n = int(rng.choice([40, 80, 160]))
        out.append(
            ("refusal + 3 categories", (_refusal_and_categories(rng, n, rate=float(rng.uniform(0.05, 0.2))), None))
        )
    for _ in times(8):  # every kind in one test, with segments
        n, k = 24, 2
        every: list[tuple[str, Observation]] = []
        for kind in jg.KINDS.values():
            if kind.name != "invariance":  # its rows are judged in their own test (its pairs are twins)
                every += kind.family(drawn(kind, n, k), kind.threshold("at", k))[0]
        out.append(("all kinds x 3 segments", (every, [SEGMENTS[i % 3] for i in range(n)])))
    return out


def _four_bounds(rng: np.random.Generator, n: int, k: int) -> list[tuple[str, Observation]]:
    """refusal max_rate=0.2 and max_increase=0.1, length max_ratio=1.2 and min_ratio=0.8."""
    base, cand = grid.binary_arms(
        rng, reps=1, n=n, k=k, base_rate=0.1, cand_rate=float(rng.uniform(0.05, 0.4)), icc=jg.ICC
    )
    lb, lc = grid.length_arms(
        rng, reps=1, n=n, k=k, ratio=float(np.exp(rng.uniform(-0.5, 0.5))), noise="lognormal", ties=False
    )
    refusal = RefusalBound(max_rate=0.2, max_increase=0.1).metrics()[0]
    length = LengthDistribution(max_ratio=1.2, min_ratio=0.8).metrics()[0]
    return [
        ("refusal_bound", Observation(refusal, base[0].astype(float), cand[0].astype(float))),
        ("length_distribution", Observation(length, lb[0], lc[0])),
    ]


def _refusal_and_categories(
    rng: np.random.Generator, n: int, *, rate: float, shift: float | None = None
) -> list[tuple[str, Observation]]:
    """refusal max_rate=0.05 on the candidate, and a 3-category max_share_change=0.1 built by its ``observe``."""
    refusals = (rng.random((n, 1)) < rate).astype(float)
    refusal = RefusalBound(max_rate=0.05).metrics()[0]
    return [("refusal_bound", Observation(refusal, None, refusals)), *_categories(rng, n, shift)]


def _categories(rng: np.random.Generator, n: int, shift: float | None = None) -> list[tuple[str, Observation]]:
    moved = float(rng.uniform(0.0, 0.3)) if shift is None else shift
    base, cand = jg.category_arms(rng, reps=1, n=n, k=1, shift=moved)
    prop = CustomProperty.from_marker(jg.decision, name="decision", max_share_change=0.1)
    texts = [[[jg.CATEGORIES[c] for c in row] for row in arm[0]] for arm in (base, cand)]
    return [("behavior_property", o) for o in prop.observe(texts[0], texts[1])]


@pytest.mark.acceptance
def test_verdicts_agree_with_the_intervals_shown_on_thousands_of_rows() -> None:
    """Issue 13 §1: for every row of every simulated test, REGRESSED iff the shown interval lies beyond the
    threshold, PASS iff within, INCONCLUSIVE iff straddling, REGRESSED iff p_adjusted < 0.05. The rows cover every
    bound kind, families of 1, 4, 4 x segments and all kinds x segments, and the issue's refusal + 3 categories;
    the test checks that all three verdicts occur and that multiplicity is in play (rows with p < 0.05 <= p_adj)."""
    _check_agreement(seed=20_250_913, share=1.0, min_rows=2000, min_each_verdict=100, min_adjusted_away=20)


def test_verdicts_agree_with_the_intervals_shown_smoke() -> None:
    """The agreement test on a tenth of its simulated tests (every shape of family still occurs)."""
    _check_agreement(seed=20_250_915, share=0.1, min_rows=200, min_each_verdict=10, min_adjusted_away=2)


def _check_agreement(*, seed: int, share: float, min_rows: int, min_each_verdict: int, min_adjusted_away: int) -> None:
    rng = np.random.default_rng(seed)
    rows: list[BoundVerdict] = []
    problems: list[str] = []
    shapes: Counter[str] = Counter()
    with jg.memoized_planning():
        for shape, (observations, segments) in _families(rng, share):
            verdicts = judge(observations, alpha=jg.ALPHA, segments=segments)
            rows += verdicts
            shapes[shape] += len(verdicts)
            problems += [f"[{shape}] {p}" for p in jg.disagreements(verdicts)]
    counts = Counter(v.verdict for v in rows)
    sapped = sum(v.p_value < jg.ALPHA <= v.p_adjusted for v in rows)
    summary = f"{len(rows)} rows {dict(shapes)}; verdicts {dict(counts)}; {sapped} rows with p < 0.05 <= p_adj"
    assert len(rows) >= min_rows and all(counts[v] >= min_each_verdict for v in Verdict), summary
    assert sapped >= min_adjusted_away and len(shapes) == len(jg.KINDS) + 4, summary  # every shape of family
    forms = {v.bound.split("=")[0] for v in rows}
    assert {"max_rate", "max_increase", "max_decrease", "max_ratio", "min_ratio", "max_p95_ratio"} <= forms, forms
    assert not problems, f"{len(problems)} of {summary} disagree, e.g.:\n" + "\n".join(problems[:25])


def _refusal_rows(verdicts: Sequence[BoundVerdict]) -> list[BoundVerdict]:
    return [v for v in verdicts if v.metric_key == "refusal"]


@pytest.mark.acceptance
def test_a_categorical_bound_is_one_member_of_the_family() -> None:
    """Issue 13 §1: adding an unrelated 3-category ``max_share_change`` to a test may cost its refusal bound at most
    what one more member of the Holm family costs (it cost one member per category and side: 6), whatever the
    data; and the issue's example stays REGRESSED."""
    _check_one_member_more(seed=20_250_914, trials=150)


def test_a_categorical_bound_is_one_member_of_the_family_smoke() -> None:
    """The same on 30 simulated tests."""
    _check_one_member_more(seed=20_250_916, trials=30)


def _check_one_member_more(*, seed: int, trials: int) -> None:
    rng = np.random.default_rng(seed)
    worse = []
    with jg.memoized_planning():
        for trial in range(trials):
            n = int(rng.choice([40, 80, 160]))
            rate = float(rng.uniform(0.03, 0.15))
            alone = (rng.random((n, 1)) < rate).astype(float)
            refusal = RefusalBound(max_rate=0.05).metrics()[0]
            base = [("refusal_bound", Observation(refusal, None, alone))]
            if trial % 2:  # a second, related family member: the test then has two bounds before the addition
                length = LengthDistribution(max_ratio=1.2).metrics()[0]
                lb, lc = grid.length_arms(rng, reps=1, n=n, k=1, ratio=1.1, noise="lognormal", ties=False)
                base.append(("length_distribution", Observation(length, lb[0], lc[0])))
            without = judge(base, alpha=jg.ALPHA)
            with_categories = judge([*base, *_categories(rng, n)], alpha=jg.ALPHA)
            before, after = _refusal_rows(without)[0], _refusal_rows(with_categories)[0]
            assert after.p_value == before.p_value
            index = [v.metric_key for v in without].index("refusal")
            limit = jg.one_member_more([v.p_value for v in without], index)
            if after.p_adjusted > limit * (1 + 1e-12):
                worse.append(
                    f"n={n}: p={before.p_value:.4g}, alone p_adj={before.p_adjusted:.4g}, with categories "
                    f"p_adj={after.p_adjusted:.4g} > {limit:.4g} (one more member) ({before.verdict.value} "
                    f"-> {after.verdict.value}; {len(with_categories)} rows)"
                )
    assert not worse, f"{len(worse)} of {trials} tests lost more than one member's worth:\n" + "\n".join(worse[:10])


def _refusals(n: int, refused: int) -> Any:
    return np.r_[np.ones(refused), np.zeros(n - refused)].reshape(n, 1)


def test_the_issues_refusal_example_stays_regressed_with_a_categorical_property() -> None:
    """The issue's numbers: refusal ``max_rate=0.05`` REGRESSED at p = 0.022 alone became INCONCLUSIVE (p = 0.066)
    once a 3-category property joined the test. One more member makes it at most 2 x 0.022 < 0.05: REGRESSED."""
    found = next(
        (
            (n, x)
            for n in range(60, 400, 10)
            for x in range(1, n // 4)
            if 0.018 <= absolute_rate_bound(_refusals(n, x), threshold=0.05).p_regress <= 0.024
        ),
        None,
    )
    assert found is not None, "no data set with p about 0.022 for max_rate=0.05"
    n, refused = found
    refusals = _refusals(n, refused)
    refusal = RefusalBound(max_rate=0.05).metrics()[0]
    family = [("refusal_bound", Observation(refusal, None, refusals))]
    alone = _refusal_rows(judge(family))[0]
    assert alone.verdict is Verdict.REGRESSED, alone
    rng = np.random.default_rng(5)
    together = judge([*family, *_categories(rng, n, shift=0.0)])
    row = _refusal_rows(together)[0]
    assert row.verdict is Verdict.REGRESSED and row.p_adjusted <= 2 * alone.p_value + 1e-12, (
        f"refusal {alone.verdict.value} p={alone.p_value:.4g} alone -> {row.verdict.value} p_adj={row.p_adjusted:.4g} "
        f"with a 3-category property ({n} inputs, {refused} refusals; {len(together)} rows)"
    )
