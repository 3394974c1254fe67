"""The simulated provider's context window and long-context cliff (``context=``, ``cliff=``)."""

from __future__ import annotations

import pytest

from pytest_behavior.context.filler import filler_text, load_filler, with_background
from pytest_behavior.sampling.sim_context import apply
from pytest_behavior.sampling.sim_facts import holds
from pytest_behavior.sampling.simulated import SimModelError, generate, parse_model

QUESTION = "Facts: Room 4 is on floor 6. Room 4 seats 20 people.\nQuestion: Which floor is room 4 on?"


def padded(tokens: int, key: str = "1:q") -> list[dict[str, str]]:
    return with_background([{"role": "user", "content": QUESTION}], filler_text(load_filler(None), tokens, key=key))


def test_cliff_needs_a_window_and_an_accuracy() -> None:
    with pytest.raises(SimModelError, match="cliff= is a share of the window; give the window with context="):
        parse_model("sim/x?accuracy=0.9&cliff=0.5")
    with pytest.raises(SimModelError, match="set accuracy= too"):
        parse_model("sim/x?context=1000&cliff=0.5")
    with pytest.raises(SimModelError, match=r"cliff=1\.5 must be in"):
        parse_model("sim/x?accuracy=0.9&context=1000&cliff=1.5")


def test_a_prompt_longer_than_the_window_is_refused() -> None:
    _, settings = parse_model("sim/x?accuracy=0.9&context=50")
    with pytest.raises(SimModelError, match="more than this model's context window of 50"):
        apply(settings, [{"role": "user", "content": "word " * 200}], "word " * 200, SimModelError)


def test_the_background_is_set_aside_and_the_accuracy_falls_past_the_cliff() -> None:
    _, settings = parse_model("sim/x?accuracy=0.9&context=2000&cliff=0.5")
    for tokens, expected in ((500, 0.9), (900, 0.9)):
        messages = padded(tokens)
        answered, prompt = apply(settings, messages, messages[0]["content"])
        assert prompt == QUESTION and answered.accuracy == pytest.approx(expected)
    messages = padded(1500)  # ~75% of the window: half way from the cliff to the end
    answered, _ = apply(settings, messages, messages[0]["content"])
    assert 0.3 < answered.accuracy < 0.55


def test_without_a_cliff_every_length_gets_the_same_answers() -> None:
    _, settings = parse_model("sim/x?accuracy=0.7&context=4000&mean_words=6")
    answers = set()
    for tokens in (100, 1500, 3500):
        messages = padded(tokens, key=f"k{tokens}")
        answered, prompt = apply(settings, messages, messages[0]["content"])
        answers.add(generate(answered, prompt, call_seed=3))
    assert len(answers) == 1


def test_past_the_cliff_the_answers_right_at_short_length_turn_wrong_first() -> None:
    _, settings = parse_model("sim/x?accuracy=0.95&context=2000&cliff=0.4")
    right_short = right_long = 0
    for seed in range(60):
        short, long = padded(100), padded(1800)
        a, p = apply(settings, short, short[0]["content"])
        b, q = apply(settings, long, long[0]["content"])
        short_right = holds(generate(a, p, call_seed=seed), "Room 4 is on floor 6")
        long_right = holds(generate(b, q, call_seed=seed), "Room 4 is on floor 6")
        assert short_right or not long_right  # common random numbers: never wrong short and right long
        right_short, right_long = right_short + short_right, right_long + long_right
    assert right_short >= 50 and right_long <= 20


def test_the_usage_counts_the_whole_prompt_filler_included_while_the_answer_is_the_bare_questions() -> None:
    from pytest_behavior.context.tokens import count_messages
    from pytest_behavior.sampling.litellm_loader import import_litellm

    litellm = import_litellm()
    model = "sim/x?accuracy=0.9&context=4000&mean_words=6&seed=2"
    system = {"role": "system", "content": "You answer from the facts given."}
    bare = [system, {"role": "user", "content": QUESTION}]
    long = [system, *padded(3000)]
    short_answer = litellm.completion(model=model, messages=bare, seed=1)
    long_answer = litellm.completion(model=model, messages=long, seed=1)
    assert long_answer.choices[0].message.content == short_answer.choices[0].message.content  # the bare question's
    # with a window, counted as context_sweep counts: ~3,000 tokens, not the bare question's ~25
    assert long_answer.usage.prompt_tokens == count_messages(long) > 3000
    assert short_answer.usage.prompt_tokens == count_messages(bare)  # the system prompt counts too
    # without a window: about 1.3 tokens a word of every message, filler included
    unwindowed = litellm.completion(model="sim/x?accuracy=0.9&mean_words=6&seed=2", messages=long, seed=1)
    assert 0.8 * count_messages(long) < unwindowed.usage.prompt_tokens < 1.3 * count_messages(long)
