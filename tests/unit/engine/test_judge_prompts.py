"""`judge_prompts`: a property's judge prompts answered through the sampler (cached, re-asked once when unparsed),
and the ``bounded`` metric's bound forms in `engine.judge` (min_mean, min_win_rate, max_decrease)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pytest_behavior.bundle import Bundle
from pytest_behavior.engine.llm_judge import judge_prompts, prompt_judge_bundle
from pytest_behavior.errors import BehaviorConfigError, ProviderError
from pytest_behavior.properties.base import PromptRequest, prompt_key
from pytest_behavior.sampling.budget import Budget, BudgetGate, MemoryLedger
from pytest_behavior.sampling.cache import SampleCache
from pytest_behavior.sampling.calls import ContinuedProgress
from pytest_behavior.sampling.runner import SamplingPlan
from pytest_behavior.spec.judge_answers import parse_pairwise
from pytest_behavior.spec.judge_format import render_pairwise

PLAN = SamplingPlan(template=None, repeats=1, seed=0)


def prompts(n: int) -> tuple[object, ...]:
    return tuple(
        render_pairwise(question=f"What is {i}?", answer_a=f"It is {i}.", answer_b="No idea.") for i in range(n)
    )


def request(judge: object, n: int = 30, parse: object = parse_pairwise) -> PromptRequest:
    return PromptRequest(name="preference judge", judge=judge, prompts=prompts(n), parse=parse)  # type: ignore[arg-type]


def test_every_prompt_is_judged_by_its_key_and_a_rerun_is_served_from_the_cache(tmp_path: Path) -> None:
    cache = SampleCache(tmp_path)
    answers = asyncio.run(judge_prompts(request("sim-judge/j?seed=1"), plan=PLAN, cache=cache))
    assert set(answers) == {prompt_key(p) for p in prompts(30)}  # type: ignore[arg-type]
    assert all(a is not None for a in answers.values())
    calls: list[str] = []

    def counting(text: str) -> object:
        calls.append(text)
        return parse_pairwise(text)

    again = asyncio.run(judge_prompts(request("sim-judge/j?seed=1", parse=counting), plan=PLAN, cache=cache))
    assert again == answers and len(calls) == 30  # the same answers (from the cache: the sim judge is per seed)


def test_an_unparsed_answer_is_asked_again_once_under_another_seed_then_handed_back_as_none(tmp_path: Path) -> None:
    parsed: list[bool] = []

    def counting(text: str) -> object:
        answer = parse_pairwise(text)
        parsed.append(answer is not None)
        return answer

    judge_model = "sim-judge/j?malformed_rate=0.5&seed=2"
    answers = asyncio.run(judge_prompts(request(judge_model, parse=counting), plan=PLAN, cache=SampleCache(tmp_path)))
    first = parsed[:30]
    assert len(parsed) == 30 + first.count(False)  # exactly the unparsed ones were asked again, once
    unparsed = sum(a is None for a in answers.values())
    assert 0 < unparsed < first.count(False)  # some recovered on the re-ask; the rest are None, never a guess


def test_the_judge_is_a_bundle_with_the_template_system_prompt_and_temperature_zero_unless_the_user_says() -> None:
    system = prompts(1)[0].system  # type: ignore[attr-defined]
    bundle = prompt_judge_bundle("openai/judge", system=system, name="preference judge")
    assert (bundle.system, bundle.temperature, bundle.model) == (system, 0, "openai/judge")
    mine = prompt_judge_bundle(Bundle(model="openai/judge", temperature=0.7), system=system, name="preference judge")
    assert (mine.system, mine.temperature) == (system, 0.7)
    own = prompt_judge_bundle(
        Bundle(model="openai/judge", system="Be strict.", response_format={"type": "json_object"}),
        system=system,
        name="x",
    )
    assert own.system == f"Be strict.\n\n{system}"  # added before the template's: its answer contract stays
    assert own.response_format == {"type": "json_object"}
    with pytest.raises(BehaviorConfigError, match="sets prompt=, which a judge does not use"):
        prompt_judge_bundle(Bundle(model="openai/judge", prompt="{input}"), system=system, name="x")
    with pytest.raises(ProviderError, match="litellm model string or a model Bundle"):
        prompt_judge_bundle(Bundle.from_callable(lambda x: x), system=system, name="the judge")


def test_judge_calls_count_in_the_budget(tmp_path: Path) -> None:
    gate = BudgetGate((MemoryLedger(Budget(calls=10)),))
    plan = SamplingPlan(template=None, repeats=1, seed=0, gate=gate)
    with pytest.raises(ProviderError, match="budget ran out before the preference judge"):
        asyncio.run(judge_prompts(request("sim-judge/j?seed=1"), plan=plan, cache=SampleCache(tmp_path)))


class Recording:
    def __init__(self) -> None:
        self.begun: list[tuple[int, int]] = []
        self.finished = 0

    def begin(self, *, total: int, cached: int, estimated_usd: float | None) -> None:
        self.begun.append((total, cached))

    def call_started(self) -> None: ...
    def call_retried(self) -> None: ...
    def call_finished(self, cost_usd: float | None) -> None:
        self.finished += 1

    def call_failed(self) -> None: ...
    def end(self) -> None: ...


def test_judge_calls_go_on_counting_in_the_tests_progress(tmp_path: Path) -> None:
    inner = Recording()
    monitor = ContinuedProgress(inner, total=40, cached=5)
    asyncio.run(judge_prompts(request("sim-judge/j?seed=1"), plan=PLAN, cache=SampleCache(tmp_path), monitor=monitor))
    assert inner.begun == [(70, 5)] and inner.finished == 30


def test_the_re_ask_is_another_request_even_for_a_provider_that_ignores_seeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deterministic judge that ignores the call seed and answers prose to the first ask: the re-ask carries a note
    (`REASK_NOTE`), so it is another request, and its JSON answer is read."""
    import json

    from pytest_behavior.engine.llm_judge import REASK_NOTE
    from tests.support.openai_server import ServerConfig, running_server

    seen: list[str] = []

    def prose_first(messages: list[dict[str, object]]) -> str:
        user = str(messages[-1]["content"])
        seen.append(user)
        return json.dumps({"verdict": "A", "reason": "r"}) if user.endswith(REASK_NOTE) else "A is better, I think."

    monkeypatch.setenv("OPENAI_API_KEY", "fake-credential-judge")
    cache = SampleCache(tmp_path)
    with running_server(ServerConfig(reply_fn=prose_first)) as server:
        judge = Bundle(model="openai/judge-model", api_base=server.url)
        answers = asyncio.run(judge_prompts(request(judge, n=4), plan=PLAN, cache=cache))
    assert all(a is not None and a.verdict == "A" for a in answers.values())  # type: ignore[attr-defined]
    assert len(seen) == 8 and sum(user.endswith(REASK_NOTE) for user in seen) == 4
