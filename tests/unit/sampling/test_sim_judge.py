"""The simulated judge: its truth, its knobs (checked against binomial bounds, seeded), its litellm provider.

Every rate check draws a few thousand seeded judgments and allows 4.5 binomial standard deviations around the rate
the knobs imply, so a correct judge passes by a wide margin and the test never flakes (the draws are fixed).
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter

import pytest

from pytest_behavior.sampling.sim_judge import judge, parse_model
from pytest_behavior.sampling.simulated import SimModelError
from pytest_behavior.spec import judge_format as jf

QUESTION = (
    "Context: Orders ship within {n} business days. Refunds are issued within 14 days of a return. "
    "Support is open 9am to 5pm on weekdays.\nQuestion: How long do refunds take?"
)
RIGHT = "Refunds are issued within 14 days of a return. Thanks for asking."
WRONG = "Orders ship within {n} business days, as always here."  # as many words as RIGHT


def pick(model: str, a: str, b: str, *, n: int, call_seed: int = 0, **extra: object) -> str | None:
    _, settings = parse_model(model)
    prompt = jf.render_pairwise(question=QUESTION.format(n=n), answer_a=a, answer_b=b, **extra)  # type: ignore[arg-type]
    judgment = jf.parse_pairwise(judge(settings, prompt.system, prompt.user, call_seed))
    return None if judgment is None else judgment.verdict


def score(model: str, answer: str, *, n: int, scale: int = 5, **extra: object) -> int | None:
    _, settings = parse_model(model)
    prompt = jf.render_pointwise(question=QUESTION.format(n=n), answer=answer, scale=scale, **extra)  # type: ignore[arg-type]
    judgment = jf.parse_score(judge(settings, prompt.system, prompt.user, 0), scale)
    return None if judgment is None else judgment.score


def assert_rate(hits: int, n: int, rate: float) -> None:
    allowed = 4.5 * math.sqrt(rate * (1 - rate) / n)
    assert abs(hits / n - rate) <= allowed, f"{hits}/{n} = {hits / n:.4f}, expected {rate} +- {allowed:.4f}"


def test_model_strings() -> None:
    label, s = parse_model(
        "sim-judge/j?accuracy=0.8&position_bias=0.3&length_bias=0.2&tie_rate=0.1&malformed_rate=0.05&seed=7"
        "&length_pivot=40"
    )
    assert label == "j"
    assert (s.accuracy, s.position_bias, s.length_bias, s.tie_rate, s.malformed_rate, s.seed, s.length_pivot) == (
        0.8,
        0.3,
        0.2,
        0.1,
        0.05,
        7,
        40,
    )
    assert parse_model("sim-judge/plain")[1].accuracy == 1.0


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            "sim-judge/j?position=0.3",
            r"unknown knob 'position'; did you mean 'position_bias'\? known knobs: accuracy, length_bias",
        ),
        ("sim-judge/j?accuracy=1.2", r"accuracy=1\.2 must be in \[0, 1\]"),
        ("sim-judge/j?tie_rate=nan", "must be in"),
        ("sim-judge/j?seed=0.5", "bad value '0.5' for seed"),
        ("sim-judge/j?length_pivot=0", "positive number of words"),
        ("sim-judge/j?length_scale=-1", r"length_scale=-1 must be 0 \(a step\) or a positive log ratio"),
        ("sim-judge/?seed=1", "needs a label"),
    ],
)
def test_bad_model_strings(model: str, message: str) -> None:
    with pytest.raises(SimModelError, match=message):
        parse_model(model)


def test_a_perfect_judge_picks_the_answer_holding_the_right_fact_in_both_orders() -> None:
    for n in range(200):
        assert pick("sim-judge/j", RIGHT, WRONG.format(n=n), n=n) == "A"
        assert pick("sim-judge/j", WRONG.format(n=n), RIGHT, n=n) == "B"


def test_the_facts_may_come_in_context_sections_and_a_reference_overrides_them() -> None:
    _, settings = parse_model("sim-judge/j")
    facts = QUESTION.format(n=3).split("\nQuestion:")[0]
    prompt = jf.render_pairwise(
        question="How long do refunds take?", context={"kb": facts}, answer_a=WRONG.format(n=3), answer_b=RIGHT
    )
    assert jf.parse_pairwise(judge(settings, prompt.system, prompt.user, 0)) == jf.PairwiseJudgment(
        verdict="B", reason="Answer B answers the question; answer A does not."
    )
    # the reference decides: here it names the shipping time, so the "wrong" answer is the right one
    assert pick("sim-judge/j", RIGHT, WRONG.format(n=3), n=3, reference="3 business days") == "B"


def test_position_bias_ties_and_the_order_of_the_steps() -> None:
    n = 3000
    wrong_first = [pick("sim-judge/j?position_bias=0.3&seed=1", WRONG.format(n=i), RIGHT, n=i) for i in range(n)]
    assert_rate(wrong_first.count("A"), n, 0.3)
    right_first = [pick("sim-judge/j?position_bias=0.3&seed=1", RIGHT, WRONG.format(n=i), n=i) for i in range(n)]
    assert right_first.count("A") == n
    model = "sim-judge/j?position_bias=0.3&tie_rate=0.1&seed=2"
    verdicts = Counter(pick(model, WRONG.format(n=i), RIGHT, n=i) for i in range(n))
    assert_rate(verdicts["tie"], n, 0.1)
    assert_rate(verdicts["A"], n, 0.9 * 0.3)
    assert_rate(verdicts["B"], n, 0.9 * 0.7)


def test_length_bias_after_position_bias() -> None:
    n = 3000
    model = "sim-judge/j?position_bias=0.3&length_bias=0.2&seed=3"
    long_wrong = "Orders ship within {n} business days, as always here, every single week of the year."
    first = Counter(pick(model, long_wrong.format(n=i), RIGHT, n=i) for i in range(n))
    assert_rate(first["A"], n, 0.3 + 0.7 * 0.2)  # position, or else length
    second = Counter(pick(model, RIGHT, long_wrong.format(n=i), n=i) for i in range(n))
    assert_rate(second["B"], n, 0.7 * 0.2)  # length only: position favours the right answer here
    same_length = Counter(pick("sim-judge/j?length_bias=1", WRONG.format(n=i), RIGHT, n=i) for i in range(300))
    assert same_length["B"] == 300, "equal lengths go on to the truth"


def test_a_smooth_length_pull_grows_with_the_length_ratio() -> None:
    n = 3000
    model = "sim-judge/j?length_bias=1&length_scale=0.5&seed=4"
    a_bit_longer = "Orders ship within {n} business days, as always here, every single week of the year."  # 15 words
    slightly = Counter(pick(model, a_bit_longer.format(n=i), RIGHT, n=i) for i in range(n))  # RIGHT has 12 words
    assert_rate(slightly["A"], n, math.tanh(math.log(15 / 12) / 0.5))  # 0.42: the step would pick it every time
    three_times = a_bit_longer + " It ships" + " soon" * 19  # 36 words
    much = Counter(pick(model, RIGHT, three_times.format(n=i), n=i) for i in range(n))
    assert_rate(much["B"], n, math.tanh(math.log(36 / 12) / 0.5))  # 0.98
    same_length = Counter(pick(model, WRONG.format(n=i), RIGHT, n=i) for i in range(300))
    assert same_length["B"] == 300, "equal lengths go on to the truth"


def test_accuracy_errs_on_a_pair_in_both_orders() -> None:
    n = 3000
    model = "sim-judge/j?accuracy=0.8&seed=4"
    forward = [pick(model, RIGHT, WRONG.format(n=i), n=i) == "A" for i in range(n)]
    backward = [pick(model, WRONG.format(n=i), RIGHT, n=i) == "B" for i in range(n)]
    assert_rate(sum(forward), n, 0.8)
    assert forward == backward, "the truth draw belongs to the pair, not to its order"


def test_equally_good_answers_are_a_coin_flip_that_follows_the_text() -> None:
    n = 3000
    other_right = "Refunds are issued within 14 days of a return, we confirm."
    forward = [pick("sim-judge/j?seed=5", RIGHT, other_right, n=i) for i in range(n)]
    backward = [pick("sim-judge/j?seed=5", other_right, RIGHT, n=i) for i in range(n)]
    assert_rate(forward.count("A"), n, 0.5)
    assert [v == "A" for v in forward] == [v == "B" for v in backward], "the same text wins in both orders"
    identical = [pick("sim-judge/j?seed=5", RIGHT, RIGHT, n=i) for i in range(n)]
    assert_rate(identical.count("A"), n, 0.5)
    both_wrong = [pick("sim-judge/j?seed=5", WRONG.format(n=i), "Support is open 9am to 5pm.", n=i) for i in range(n)]
    assert_rate(both_wrong.count("A"), n, 0.5)


def test_without_facts_or_reference_every_answer_counts_as_right() -> None:
    _, settings = parse_model("sim-judge/j?seed=6")
    verdicts = Counter()
    for i in range(2000):
        prompt = jf.render_pairwise(question=f"Summarize ticket {i}.", answer_a="short one", answer_b="another one")
        judgment = jf.parse_pairwise(judge(settings, prompt.system, prompt.user, 0))
        assert judgment is not None
        verdicts[judgment.verdict] += 1
    assert_rate(verdicts["A"], 2000, 0.5)


def test_common_random_numbers_across_judges() -> None:
    low = [pick("sim-judge/j?position_bias=0.1&seed=8", WRONG.format(n=i), RIGHT, n=i) == "A" for i in range(2000)]
    high = [pick("sim-judge/j?position_bias=0.3&seed=8", WRONG.format(n=i), RIGHT, n=i) == "A" for i in range(2000)]
    assert all(h for lo, h in zip(low, high, strict=True) if lo), "raising the bias only adds picks of A"
    other_seed = [
        pick("sim-judge/j?position_bias=0.3&seed=9", WRONG.format(n=i), RIGHT, n=i) == "A" for i in range(2000)
    ]
    assert other_seed != high


def test_draws_are_a_pure_function_of_seed_messages_and_call_seed() -> None:
    _, settings = parse_model("sim-judge/j?position_bias=0.5&tie_rate=0.2")
    prompt = jf.render_pairwise(question=QUESTION.format(n=1), answer_a=WRONG.format(n=1), answer_b=RIGHT)
    answers = {judge(settings, prompt.system, prompt.user, seed) for seed in range(40)}
    assert len(answers) == 3, "ties, position picks and truthful picks, per call seed"
    assert all(
        judge(settings, prompt.system, prompt.user, 7) == judge(settings, prompt.system, prompt.user, 7)
        for _ in range(3)
    )


def test_malformed_answers_break_the_contract_in_four_ways() -> None:
    n = 3000
    _, settings = parse_model("sim-judge/j?malformed_rate=0.2&seed=10")
    texts = []
    for i in range(n):
        prompt = jf.render_pairwise(question=QUESTION.format(n=i), answer_a=RIGHT, answer_b=WRONG.format(n=i))
        texts.append(judge(settings, prompt.system, prompt.user, 0))
    parsed = [jf.parse_pairwise(text) for text in texts]
    bad = [text for text, judgment in zip(texts, parsed, strict=True) if judgment is None]
    assert_rate(len(bad), n, 0.2)
    assert all(judgment.verdict == "A" for judgment in parsed if judgment is not None)
    forms = Counter(
        "prose"
        if t.startswith("My verdict")
        else "wrapped"
        if t.startswith("Here is")
        else "missing"
        if t.startswith('{"reason"')
        else "truncated"
        for t in bad
    )
    assert set(forms) == {"prose", "wrapped", "missing", "truncated"} and min(forms.values()) > 0.15 * len(bad)
    _, pointwise = parse_model("sim-judge/j?malformed_rate=1")
    prompt = jf.render_pointwise(question=QUESTION.format(n=1), answer=RIGHT, scale=5)
    assert all(jf.parse_score(judge(pointwise, prompt.system, prompt.user, seed), 5) is None for seed in range(40))


def test_rubric_scores_follow_the_truth_with_accuracy_noise() -> None:
    n = 2000
    right = [score("sim-judge/j?seed=11", RIGHT, n=i) for i in range(n)]
    wrong = [score("sim-judge/j?seed=11", WRONG.format(n=i), n=i) for i in range(n)]
    assert set(right) == {4, 5} and set(wrong) == {1, 2}
    assert_rate(right.count(5), n, 0.5)
    assert {score("sim-judge/j", RIGHT, n=i, scale=2) for i in range(50)} == {2}
    assert {score("sim-judge/j", WRONG.format(n=i), n=i, scale=3) for i in range(50)} == {1}
    noisy = [score("sim-judge/j?accuracy=0.7&seed=12", RIGHT, n=i) for i in range(n)]
    assert_rate(sum(s >= 4 for s in noisy), n, 0.7)
    assert set(noisy) == {1, 2, 4, 5}


def test_rubric_length_bias_moves_a_point_per_doubling_from_the_pivot() -> None:
    long_wrong = "Orders ship within {n} business days. " + "Thanks " * 230  # 236 words: log2(236/60) = 1.98 -> +2
    always = [score("sim-judge/j?length_bias=1&seed=13", long_wrong.format(n=i), n=i) for i in range(300)]
    assert set(always) == {3, 4}
    short_right = [score("sim-judge/j?length_bias=1&length_pivot=40&seed=13", RIGHT, n=i) for i in range(300)]
    assert set(short_right) == {2, 3}, "11 words, pivot 40: log2(11/40) = -1.86 -> -2"
    n = 3000
    sometimes = [score("sim-judge/j?length_bias=0.25&seed=14", long_wrong.format(n=i), n=i) for i in range(n)]
    assert_rate(sum(s >= 3 for s in sometimes), n, 0.25)
    capped = [score("sim-judge/j?length_bias=1", RIGHT + " more" * 500, n=i) for i in range(100)]
    assert set(capped) == {5}


def test_the_scale_is_read_from_the_system_prompt() -> None:
    custom = jf.JudgeTemplate(
        kind="pointwise",
        version="mine",
        system='Grade from 1 to {scale}. JSON {"score": n}',
        user="{question}\n{rubric}\n{answer}",
    )
    scores = {score("sim-judge/j?seed=15", RIGHT, n=i, scale=7, template=custom) for i in range(200)}
    assert scores == {6, 7}
    unstated = jf.JudgeTemplate(
        kind="pointwise", version="mine", system="Grade it ({scale} points max).", user="{question}\n{rubric}\n{answer}"
    )
    with pytest.raises(SimModelError, match="states no rubric scale"):
        score("sim-judge/j", RIGHT, n=1, template=unstated)


def test_reference_equivalence_with_accuracy_noise() -> None:
    _, perfect = parse_model("sim-judge/j")
    _, noisy = parse_model("sim-judge/j?accuracy=0.75&seed=16")

    def verdict(settings: object, answer: str, i: int) -> bool:
        prompt = jf.render_equivalence(question=f"Capital of France? ({i})", answer=answer, reference="Paris")
        judgment = jf.parse_equivalence(judge(settings, prompt.system, prompt.user, 0))  # type: ignore[arg-type]
        assert judgment is not None
        return judgment.equivalent

    assert all(verdict(perfect, "It is PARIS.", i) for i in range(100))
    assert not any(verdict(perfect, "It is Lyon (not Parisian).", i) for i in range(100))
    n = 3000
    assert_rate(sum(not verdict(noisy, "It is Paris.", i) for i in range(n)), n, 0.25)


def test_a_message_that_is_no_judge_prompt_is_an_error() -> None:
    _, settings = parse_model("sim-judge/j")
    with pytest.raises(SimModelError, match=r"none of the judge layouts.*its sections: none"):
        judge(settings, "", "Which is better, A or B?", 0)
    with pytest.raises(SimModelError, match="its sections: Question"):
        judge(settings, "", jf.section("Question", "q"), 0)
    with pytest.raises(SimModelError, match="not a judge prompt: section"):
        judge(settings, "", "[Answer]\n```\nopen", 0)


def test_served_through_litellm_acompletion(sim_calls) -> None:
    from pytest_behavior.sampling.litellm_loader import import_litellm

    litellm = import_litellm()
    model = "sim-judge/checker?position_bias=0.5&seed=3"
    prompt = jf.render_pairwise(question=QUESTION.format(n=1), answer_a=WRONG.format(n=1), answer_b=RIGHT)

    async def call(seed: int) -> str:
        response = await litellm.acompletion(model=model, messages=prompt.messages(), seed=seed)
        assert response.usage.completion_tokens > 0
        return str(response.choices[0].message.content)

    answers = [asyncio.run(call(seed)) for seed in range(8)]
    _, settings = parse_model(model)
    assert answers == [judge(settings, prompt.system, prompt.user, seed) for seed in range(8)]
    assert {jf.parse_pairwise(a).verdict for a in answers} == {"A", "B"}  # type: ignore[union-attr]
    assert sim_calls.served_calls("sim-judge/checker") == 8
    with pytest.raises(Exception, match="unknown knob 'nope'") as raised:
        litellm.completion(model="sim-judge/j?nope=1", messages=prompt.messages())
    assert getattr(raised.value, "status_code", None) == 400
    with pytest.raises(Exception, match="none of the judge layouts"):
        litellm.completion(model="sim-judge/j", messages=[{"role": "user", "content": "hello"}])


def test_a_malformed_judge_model_string_fails_before_any_call_naming_the_bundle(sim_calls) -> None:
    from pytest_behavior import Bundle
    from pytest_behavior.errors import BehaviorConfigError
    from pytest_behavior.sampling.llm import check_model

    before = sim_calls.served_calls()
    message = r"bundle 'rubric judge': simulated judge .*unknown knob 'acuracy'; did you mean 'accuracy'"
    with pytest.raises(BehaviorConfigError, match=message):
        check_model(Bundle(model="sim-judge/j?acuracy=0.9", label="rubric judge"))
    with pytest.raises(BehaviorConfigError, match=r"bundle 'cand': simulated model .*needs a label"):
        check_model(Bundle(model="sim/?seed=1", label="cand"))
    check_model(Bundle(model="sim-judge/j?accuracy=0.9&position_bias=0.3", label="ok"))
    check_model(Bundle(model="openai/gpt-4o-mini", label="real"))  # not simulated: litellm decides
    assert sim_calls.served_calls() == before
