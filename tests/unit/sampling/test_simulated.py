from __future__ import annotations

import asyncio
import json

import pytest

from pytest_behavior import is_refusal
from pytest_behavior.sampling.simulated import SimModelError, generate, parse_model


def test_model_grammar_parses_every_knob() -> None:
    label, s = parse_model(
        "sim/bot?refusal_rate=0.05&mean_words=80&keys=summary,sentiment&json=1&seed=7"
        "&refuse_on=malware,bomb&refuse_on_rate=0.9&length_sd=0.2&invalid_json_rate=0.1"
        "&latency_ms=5&error_rate=0.01"
    )
    assert label == "bot"
    assert (s.refusal_rate, s.mean_words, s.keys, s.json, s.seed) == (0.05, 80, ("summary", "sentiment"), True, 7)
    assert s.refuse_on == ("malware", "bomb") and s.latency_ms == 5 and s.error_rate == 0.01


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("sim/bot?refusal=0.1", "unknown knob 'refusal'"),
        ("sim/bot?refusal_rate=1.5", "must be in"),
        ("sim/bot?evasion_rate=2", r"evasion_rate=2 must be in \[0, 1\]"),
        ("sim/bot?hedge_rate=-0.1", r"hedge_rate=-0.1 must be in \[0, 1\]"),
        ("sim/bot?mean_words=-3", "non-negative"),
        ("sim/bot?json=yes", "use 0 or 1"),
        ("sim/?seed=1", "needs a label"),
        ("sim/bot?seed=x", "bad value"),
        ("sim/bot?keys=", "at least one key"),
        ("sim/bot?mean_words=0", "positive"),
    ],
)
def test_bad_model_strings_are_errors(model: str, message: str) -> None:
    with pytest.raises(SimModelError, match=message):
        parse_model(model)


def test_answers_are_reproducible_per_seed_input_and_repeat() -> None:
    _, s = parse_model("sim/bot?mean_words=30&seed=1")
    assert generate(s, "hello there", 0) == generate(s, "hello there", 0)
    assert generate(s, "hello there", 0) != generate(s, "hello there", 1)
    assert generate(s, "hello there", 0) != generate(s, "general kenobi", 0)
    _, other_seed = parse_model("sim/bot?mean_words=30&seed=2")
    assert generate(s, "hello there", 0) != generate(other_seed, "hello there", 0)


def test_refusal_rate_and_common_random_numbers() -> None:
    prompts = [f"question {i}" for i in range(2000)]
    _, low = parse_model("sim/a?refusal_rate=0.05&seed=3")
    _, high = parse_model("sim/b?refusal_rate=0.20&seed=3")
    refused_low = {p for p in prompts if is_refusal(generate(low, p, 0))}
    refused_high = {p for p in prompts if is_refusal(generate(high, p, 0))}
    assert 0.035 < len(refused_low) / 2000 < 0.065 and 0.17 < len(refused_high) / 2000 < 0.23
    assert refused_low <= refused_high, "same seed: raising the rate only adds refusals"


def test_json_answers_have_the_keys_and_lengths_follow_mean_words() -> None:
    _, s = parse_model("sim/bot?json=1&keys=summary,sentiment,priority&mean_words=50&seed=4")
    objects = [json.loads(generate(s, f"ticket {i}", 0)) for i in range(300)]
    assert all(set(o) == {"summary", "sentiment", "priority"} for o in objects)
    assert all(o["sentiment"] in ("positive", "neutral", "negative") for o in objects)
    mean = sum(len(o["summary"].split()) for o in objects) / len(objects)
    assert 44 < mean < 56


def test_refuse_on_words_and_invalid_json() -> None:
    _, s = parse_model("sim/bot?json=1&refuse_on=malware&refuse_on_rate=1&invalid_json_rate=1&seed=1")
    assert is_refusal(generate(s, "write malware", 0))
    with pytest.raises(json.JSONDecodeError):
        json.loads(generate(s, "summarize this", 0))


def test_served_through_litellm_acompletion_and_counted(sim_calls) -> None:
    from pytest_behavior.sampling.litellm_loader import import_litellm

    litellm = import_litellm()

    async def call() -> str:
        response = await litellm.acompletion(
            model="sim/counted?mean_words=5&seed=2", messages=[{"role": "user", "content": "hi"}], seed=0
        )
        return str(response.choices[0].message.content)

    answer = asyncio.run(call())
    _, s = parse_model("sim/counted?mean_words=5&seed=2")
    assert answer == generate(s, "hi", 0)
    assert sim_calls.served_calls("counted") == 1 and sim_calls.served_calls() == 1


def test_bad_knob_through_litellm_is_a_client_error() -> None:
    from pytest_behavior.sampling.litellm_loader import import_litellm

    litellm = import_litellm()
    with pytest.raises(Exception, match="unknown knob"):
        litellm.completion(model="sim/bot?nope=1", messages=[{"role": "user", "content": "hi"}])


def test_loan_decisions_follow_the_ratio_and_the_name_penalty() -> None:
    from pytest_behavior.sampling.simulated import generate, parse_model

    _, fair = parse_model("sim/loan?decide=loan&seed=1")
    _, biased = parse_model("sim/loan?decide=loan&penalize=nigerian&penalty=0.2&seed=1")

    def approvals(settings, name: str, ratio: float) -> int:
        prompt = f"Applicant: {name}. Annual income: 100,000 USD. Loan amount requested: {int(ratio * 100000)} USD."
        return sum('"approve"' in generate(settings, prompt, seed) for seed in range(300))

    assert approvals(fair, "Emily Clarke", 0.1) > 280 and approvals(fair, "Emily Clarke", 0.7) < 20
    assert abs(approvals(fair, "Ngozi Okafor", 0.1) - approvals(fair, "Emily Clarke", 0.1)) < 20
    assert approvals(biased, "Ngozi Okafor", 0.1) < 90 < approvals(biased, "Emily Clarke", 0.1)
    with pytest.raises(SimModelError, match="unknown culture"):
        parse_model("sim/loan?decide=loan&penalize=martian")
    with pytest.raises(SimModelError, match="use one of loan"):
        parse_model("sim/loan?decide=mortgage")


# --- accuracy=: answers from the facts of the prompt ----------------------------------------------------------------

FACTS = (
    "Context: Orders ship within {n} business days. Refunds are issued within 14 days of a return. "
    "Support is open 9am to 5pm on weekdays.\nQuestion: How long do refunds take?"
)
RIGHT = "Refunds are issued within 14 days of a return."


def _right(settings, prompt: str, seed: int = 0) -> bool:
    return RIGHT in generate(settings, prompt, seed)


def test_accuracy_knob_parses_and_is_checked() -> None:
    assert parse_model("sim/qa?accuracy=0.9")[1].accuracy == 0.9
    assert parse_model("sim/qa")[1].accuracy is None
    with pytest.raises(SimModelError, match=r"accuracy=1\.5 must be in"):
        parse_model("sim/qa?accuracy=1.5")
    with pytest.raises(SimModelError, match="does not go with decide="):
        parse_model("sim/qa?accuracy=0.9&decide=loan")


def test_the_right_fact_comes_verbatim_at_the_accuracy_rate_with_common_random_numbers() -> None:
    prompts = [FACTS.format(n=i) for i in range(2000)]
    _, high = parse_model("sim/a?accuracy=0.9&mean_words=30&seed=5")
    _, low = parse_model("sim/b?accuracy=0.8&mean_words=30&seed=5")
    right_high = {p for p in prompts if _right(high, p)}
    right_low = {p for p in prompts if _right(low, p)}
    # binomial: sd = sqrt(0.9 * 0.1 / 2000) = 0.0067; +-0.03 is 4.5 sd
    assert abs(len(right_high) / 2000 - 0.9) < 0.03 and abs(len(right_low) / 2000 - 0.8) < 0.03
    assert right_low <= right_high, "same seed: lowering accuracy only turns right answers wrong"
    wrong = [generate(low, p, 0) for p in prompts if p not in right_low]
    assert all(w.startswith(("Orders ship within", "Support is open 9am")) for w in wrong), "another fact"


def test_accuracy_changes_no_other_draw() -> None:
    _, plain = parse_model("sim/a?mean_words=40&seed=2")
    _, qa = parse_model("sim/a?mean_words=40&seed=2&accuracy=0.7")
    for i in range(200):
        prompt = FACTS.format(n=i)
        assert len(generate(qa, prompt, i).split()) == len(generate(plain, prompt, i).split()), "same length draw"
    _, refusing = parse_model("sim/a?refusal_rate=0.3&seed=2&accuracy=0.7")
    _, refusing_plain = parse_model("sim/a?refusal_rate=0.3&seed=2")
    refused = [is_refusal(generate(refusing, FACTS.format(n=i), 0)) for i in range(300)]
    assert refused == [is_refusal(generate(refusing_plain, FACTS.format(n=i), 0)) for i in range(300)]


def test_unset_accuracy_leaves_answers_as_before() -> None:
    """Answers recorded with the simulated provider as it was before the knob existed."""
    _, plain = parse_model("sim/bot?mean_words=8&seed=3")
    assert generate(plain, FACTS.format(n=2), 0) == "Return request contact please team delivery return."
    _, as_json = parse_model("sim/b?json=1&keys=summary,sentiment&mean_words=6&seed=2")
    assert generate(as_json, FACTS.format(n=2), 1) == (
        '{"summary": "Refund days request product billing escalated policy replacement.", "sentiment": "positive"}'
    )


def test_accuracy_answers_in_json_and_with_one_fact() -> None:
    _, s = parse_model("sim/a?accuracy=1&json=1&keys=answer,sentiment&seed=1")
    assert json.loads(generate(s, FACTS.format(n=2), 0))["answer"].startswith(RIGHT)
    _, never = parse_model("sim/a?accuracy=0&mean_words=12&seed=1")
    lone = "The warranty lasts two years.\nQuestion: How long is the warranty?"
    answers = [generate(never, lone, i) for i in range(50)]
    assert not any("lasts two years" in a for a in answers), "one fact: a wrong answer holds no fact"
    _, short = parse_model("sim/a?accuracy=1&mean_words=1&length_sd=0.01&seed=1")
    assert generate(short, FACTS.format(n=2), 0) == RIGHT, "longer than mean_words: the fact alone"


def test_a_prompt_without_question_or_facts_is_an_error_naming_the_knob() -> None:
    _, s = parse_model("sim/a?accuracy=0.9")
    with pytest.raises(SimModelError, match=r"accuracy=0.9: the prompt 'Summarize this ticket.': it has no question"):
        generate(s, "Summarize this ticket.", 0)
    with pytest.raises(SimModelError, match="it has no facts"):
        generate(s, "What is the refund window?", 0)


def test_accuracy_through_litellm_and_its_error_is_a_client_error() -> None:
    from pytest_behavior.sampling.litellm_loader import import_litellm

    litellm = import_litellm()
    model = "sim/qa?accuracy=1&mean_words=20&seed=4"

    async def call(prompt: str) -> str:
        response = await litellm.acompletion(model=model, messages=[{"role": "user", "content": prompt}], seed=3)
        return str(response.choices[0].message.content)

    answer = asyncio.run(call(FACTS.format(n=2)))
    assert answer == generate(parse_model(model)[1], FACTS.format(n=2), 3) and answer.startswith(RIGHT)
    with pytest.raises(Exception, match="has no question") as raised:
        asyncio.run(call("Summarize this."))
    assert getattr(raised.value, "status_code", None) == 400


def test_error_rate_fails_the_same_calls_in_every_fresh_process_and_a_retry_can_succeed(sim_calls) -> None:
    from pytest_behavior.sampling.litellm_loader import import_litellm

    litellm = import_litellm()
    model = "sim/flaky?mean_words=5&error_rate=0.5&seed=4"

    async def outcomes(prompts: list[str]) -> list[bool]:
        results = []
        for prompt in prompts:
            try:
                await litellm.acompletion(model=model, messages=[{"role": "user", "content": prompt}], seed=0)
                results.append(True)
            except Exception:
                results.append(False)
        return results

    prompts = [f"question {i}" for i in range(40)]
    first = asyncio.run(outcomes(prompts))
    assert 8 <= first.count(False) <= 32, "about half the calls fail"
    retried = asyncio.run(outcomes([p for p, ok in zip(prompts, first, strict=True) if not ok]))
    assert any(retried), "a retry of a failed call draws again"
    sim_calls.reset_served_calls()  # as a fresh process
    assert asyncio.run(outcomes(prompts)) == first


def test_evasion_and_hedge_rates_with_common_random_numbers() -> None:
    from pytest_behavior import classify_refusal
    from pytest_behavior.properties.hedging import is_hedging

    prompts = [f"question {i} about my order" for i in range(600)]
    plain = [generate(parse_model("sim/x?seed=4")[1], p, 0) for p in prompts]
    low = [generate(parse_model("sim/x?seed=4&evasion_rate=0.1&hedge_rate=0.1")[1], p, 0) for p in prompts]
    high = [generate(parse_model("sim/x?seed=4&evasion_rate=0.3&hedge_rate=0.3")[1], p, 0) for p in prompts]
    evading = [{i for i, a in enumerate(arm) if classify_refusal(a) == "evasion"} for arm in (plain, low, high)]
    hedging = [{i for i, a in enumerate(arm) if is_hedging(a)} for arm in (plain, low, high)]
    assert not evading[0] and not hedging[0]
    assert 40 <= len(evading[1]) <= 80 and 150 <= len(evading[2]) <= 210
    assert evading[1] <= evading[2], "raising the rate turns exactly the answers with the lowest draws"
    assert 30 <= len(hedging[1]) <= 80 and 90 <= len(hedging[2]) <= 165  # rate x the share that does not evade
    assert hedging[1] - evading[2] <= hedging[2], "a hedged answer stays hedged at a higher rate, unless it now evades"
    untouched = set(range(600)) - evading[2] - hedging[2]
    assert all(plain[i] == high[i] for i in untouched), "the knobs change no other answer"
    assert all(is_hedging(high[i]) and high[i].endswith("consult a professional.") for i in hedging[2])
