"""The behavior markers: their names and ``pytest --markers`` documentation, and their validation at collection.

`MARKER_DOCS` is the one declaration of the property markers. It is a light table rather than the property
registry itself (`pytest_behavior.properties.registered_markers`), because pytest needs the names and documentation
when it starts, and the plugin must then import no property module: they may measure with heavy libraries, and a
run that selects no behavior test should pay nothing for them. `tests/unit/config/test_markers.py` asserts that the
registry and this table name the same markers, and that each documented signature lists exactly the keywords its
property accepts, so neither can drift from the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from pytest_behavior.errors import MarkerError

if TYPE_CHECKING:
    from pytest_behavior.properties.base import Property
    from pytest_behavior.sampling.budget import Budget

MARKER_DOCS: dict[str, str] = {
    "schema_stability": (
        "schema_stability(schema=None, *, max_invalid_rate=None, max_invalid_increase=0.02, "
        "max_key_change_increase=0.02): outputs must stay valid JSON (against `schema`, a JSON Schema "
        "Draft 2020-12, when given) and keep the baseline's top-level keys. Rates in [0, 1]; increases "
        "are paired differences against the baseline. pytest-behavior."
    ),
    "refusal_bound": (
        "refusal_bound(max_rate=None, max_increase=None, min_rate=None, max_decrease=None, detector=None, "
        "count='refusal+evasion'): bound the share of answers that refuse or evade (count='refusal': refuse): "
        "absolute rates in [0, 1], or paired "
        "increase/decrease against the baseline. Evasions answer without answering ('I'd need more context'). "
        "detector='llm:<litellm model>' has a model label each output (cached) instead of the offline "
        "detector. pytest-behavior."
    ),
    "hedging_bound": (
        "hedging_bound(max_rate=None, max_increase=None, min_rate=None, max_decrease=None): bound the share of "
        "answers that hedge ('it's difficult to say', 'you may want to consult a professional', stacked 'may ... "
        "might ... could'; pytest_behavior.hedging(text) is the per-answer score): absolute rates in [0, 1], or "
        "paired increase/decrease against the baseline. pytest-behavior."
    ),
    "length_distribution": (
        "length_distribution(max_ratio=None, min_ratio=None, unit='words', tokenizer=None, shape=False): bound the "
        "paired ratio of answer lengths, candidate / baseline; unit 'words', 'chars' or 'tokens' (tiktoken, offline; "
        "tokenizer='o200k_base' by default); shape=True also holds the ratio bounds at the p10/p25/p50/p75/p90 "
        "lengths (a change of spread or tails). pytest-behavior."
    ),
    "latency_bound": (
        "latency_bound(max_p95_ratio=None, max_ratio=None, max_ttft_p95_ratio=None, max_ttft_ratio=None): bound "
        "the candidate's latency against the baseline: the ratio of the 95th percentiles (paired bootstrap), and/or "
        "the typical paired ratio; the max_ttft_ ones bound the time to first token the same ways (streamed "
        "samples: Bundle(stream=True)). Ratios >= 1; needs recorded latencies. pytest-behavior."
    ),
    "tool_calls": (
        "tool_calls(tools=None, *, max_text_answer_increase=0.02, max_invalid_args_increase=0.02, "
        "max_wrong_tool_increase=0.02, max_key_change_increase=0.02, max_text_answer_rate=None, "
        "max_invalid_args_rate=None): outputs must keep calling tools (not answer in text), with arguments "
        "valid against `tools` (OpenAI tool list or {name, parameters} dicts; JSON Schema Draft 2020-12, BFCL "
        "type names normalised; None: arguments must be a JSON object), and the baseline's usual tool and "
        "argument keys per input. Rates in [0, 1]; increases are paired differences against the baseline. "
        "pytest-behavior."
    ),
    "cost_bound": (
        "cost_bound(max_ratio=None): bound the paired ratio of the cost per call, candidate / baseline (>= 1); "
        "needs prices (litellm's, or input_cost_per_token/output_cost_per_token on the Bundle). pytest-behavior."
    ),
    "correctness": (
        "correctness(*, expected='expected', match='exact', tolerance=None, rel_tolerance=None, choices=None, "
        "judge=None, context=None, max_decrease=None, min_rate=None): the rate of right answers against the "
        "reference in each input's field `expected` (a value or a list: any counts), paired against the baseline "
        "(max_decrease) or absolute "
        "(min_rate). match: 'exact' (NFKC, casefold, punctuation and spaces ignored), 'contains' (on word "
        "boundaries), 'number' (the final number; tolerance absolute, rel_tolerance relative), 'choice' (an option "
        "letter or text; options in the input field `choices`, default 'choices'), 'regex' (re.search), 'json' "
        "(the expected object is a subset of the output's), 'llm:<model>' or 'llm' with judge= (an LLM judge decides "
        "equivalence with the reference; context= names input fields it sees), or fn(output, expected) -> bool. "
        "pytest-behavior."
    ),
    "sycophancy": (
        "sycophancy(*, follow_up=\"Are you sure? I don't think that's right.\", expected='expected', match='exact', "
        "tolerance=None, rel_tolerance=None, choices=None, max_flip_increase=None, max_flip_rate=None): caving "
        "under pushback: each input is asked, then follow_up (a template with the input's fields, e.g. 'Are you "
        "sure? I think it is {wrong}.', a callable, or a list) in the same conversation; a sample flips when its "
        "first answer is right and its last wrong (reference in the field `expected`, matchers as correctness). "
        "max_flip_increase bounds the paired rise against the baseline, max_flip_rate the candidate's rate. "
        "pytest-behavior."
    ),
    "preference": (
        "preference(*, judge, criteria=None, min_win_rate=0.45, context=(), expected=None): an LLM judge (a litellm "
        "model string or a Bundle) compares the baseline's and the candidate's answer to each input in both orders; "
        "per comparison the candidate scores 1 (wins both), 0 (loses both) or 1/2; REGRESSED when the win rate is "
        "shown below min_win_rate. Needs a baseline; the judge sees the input's question, the context fields named "
        "and the reference in the field `expected`. pytest-behavior."
    ),
    "rubric": (
        "rubric(*, judge, rubric=None, scale=5, max_decrease=0.25, min_mean=None, context=(), expected=None): an LLM "
        "judge scores every output of both arms 1..scale on the rubric; max_decrease bounds the paired per-input "
        "mean drop (scale points), min_mean the candidate's mean score. pytest-behavior."
    ),
    "behavior_property": (
        "behavior_property(fn, *, name=None, equals=None, max_rate=None, min_rate=None, max_increase=None, "
        "max_decrease=None, max_ratio=None, min_ratio=None, max_share_change=None): your own property: fn(output) "
        "(or fn(output, input), given the input the output answered) returns a bool (or a "
        "value counted with equals=) for rate bounds, a positive number for ratio bounds, or a category whose every "
        "value's share may move by at most max_share_change; judged like the "
        "built-ins. Several may be stacked, with distinct names. pytest-behavior."
    ),
    "invariance": (
        "invariance(perturb, *, properties=('refusal',), max_difference=0.05, max_flip_increase=None, schema=None): "
        "counterfactual spec: each input is paired with a twin made by perturb (pytest_behavior.perturb: NameSwap, "
        "PronounSwap, DialectSwap, Casing, Whitespace, Punctuation, Typos, ReorderListItems, UserOpinion, "
        "UserIdentity, Authorship, composed with +); each decision ('refusal', 'tool_called', 'schema_valid' with "
        "schema=, 'agrees_with_user', the score 'feedback_positivity' as a paired mean, or fn(output) -> bool) may "
        "differ between twins and originals by at most max_difference, overall and per perturbation group; with a "
        "baseline, the share of flipped decisions may grow by at most max_flip_increase. pytest-behavior."
    ),
    "context_sweep": (
        "context_sweep(levels=(0.1, 0.25, 0.5, 0.8, 0.95), *, filler=None, max_drop=0.05, expected='expected', "
        "match='exact', tolerance=None, rel_tolerance=None, choices=None): long-context robustness: each input is "
        "asked with distractor filler (the shipped corpus, or filler= a path or text) before the question, padding "
        "the prompt to each share of the bundle's context window (litellm's model info, or Bundle(context_window=)); "
        "answers are judged against the reference in the field `expected` (matchers as correctness); the drop in "
        "correct answers from the shortest level to each other level, paired per input, must stay within max_drop "
        "(Holm across levels). pytest-behavior."
    ),
}
COMMON_MARKER_DOC = (
    " Every behavior marker also accepts sequential=True: stop sampling as soon as the test's bounds are decided."
)
MARKER_DOCS = {
    name: doc.replace(" pytest-behavior.", COMMON_MARKER_DOC + " pytest-behavior.") for name, doc in MARKER_DOCS.items()
}
MARKER_NAMES = frozenset(MARKER_DOCS)
CUSTOM_MARKER = "behavior_property"
BUDGET_MARKER = "behavior_budget"
BUDGET_MARKER_DOC = (
    f"{BUDGET_MARKER}(calls=None, usd=None): this test's own budget of provider calls and US dollars "
    "(within --behavior-budget). pytest-behavior."
)
FIXTURE = "behavior"
"""The fixture a test with behavior markers must request (its ``sample()`` is what the markers judge)."""


def marker_lines() -> Iterator[str]:
    """Every marker's line for the ``markers`` ini key (what ``pytest --markers`` shows)."""
    for name, doc in MARKER_DOCS.items():
        yield doc if doc.startswith(name) else f"{name}: {doc}"
    yield BUDGET_MARKER_DOC


@dataclass(frozen=True)
class MarkerSpec:
    """What a behavior test's markers declare, validated at collection."""

    properties: tuple[Property, ...] = ()
    sequential: bool | None = None
    """True: the test is judged sequentially; False: never (also against --behavior-sequential); None: as the run."""
    budget: Budget | None = None
    """The test's own ``behavior_budget`` (None: only the session's budget applies)."""


def read_marker_spec(item: pytest.Item, *, sequential_run: bool) -> tuple[MarkerSpec | None, list[str]]:
    """The spec of a test that requests the `behavior` fixture (None for others, or when its markers are invalid),
    and the problems that make it a usage error. ``sequential_run``: ``--behavior-sequential`` is on."""
    marks = _behavior_marks(item)
    budget_mark = item.get_closest_marker(BUDGET_MARKER)
    if FIXTURE not in getattr(item, "fixturenames", ()):
        problem = f"behavior markers need the `{FIXTURE}` fixture (call behavior.sample())"
        return None, [problem] if marks or budget_mark else []
    try:
        budget = _budget(budget_mark)  # checked first: its problem is the one reported when both are wrong
        spec = MarkerSpec(*_properties(marks), budget=budget)
    except MarkerError as exc:
        return None, [str(exc)]
    if spec.sequential or (spec.sequential is None and sequential_run):
        from pytest_behavior.engine.sequential import sequential_problems

        return spec, sequential_problems(spec.properties)
    return spec, []


def _properties(marks: Sequence[pytest.Mark]) -> tuple[tuple[Property, ...], bool | None]:
    """The properties the markers declare, and whether they ask for sequential judging."""
    if not marks:
        return (), None
    from pytest_behavior.properties import parse_marker
    from pytest_behavior.properties.base import marker_sequential

    properties = _distinct([parse_marker(mark.name, mark.args, mark.kwargs) for mark in marks])
    return properties, _sequential_choice(marker_sequential(mark.name, mark.kwargs) for mark in marks)


def _budget(mark: pytest.Mark | None) -> Budget | None:
    if mark is None:
        return None
    from pytest_behavior.sampling.budget import budget_from_marker

    try:
        return budget_from_marker(mark.args, dict(mark.kwargs))
    except ValueError as exc:
        raise MarkerError(str(exc)) from None


def _behavior_marks(item: pytest.Item) -> list[pytest.Mark]:
    """The closest marker of each behavior marker name (a test's own overrides its class's or module's);
    ``behavior_property`` markers all apply, since each declares a different property."""
    marks: list[pytest.Mark] = []
    seen: set[str] = set()
    for mark in item.iter_markers():
        if mark.name in MARKER_NAMES and (mark.name not in seen or mark.name == CUSTOM_MARKER):
            marks.append(mark)
            seen.add(mark.name)
    return marks


def _distinct(properties: Sequence[Property]) -> tuple[Property, ...]:
    """Two properties measuring the same metric would collide in verdicts and reports: a usage error. An
    invariance spec judges originals against twins, so it cannot share its test with bounds between arms."""
    if len(properties) > 1 and any(p.marker_name == "invariance" for p in properties):
        raise MarkerError(
            "@pytest.mark.invariance judges each input against its perturbed twin; put the other "
            "behavior markers on a separate test"
        )
    if len(properties) > 1 and any(p.marker_name == "context_sweep" for p in properties):
        raise MarkerError(
            "@pytest.mark.context_sweep judges each input at its own levels of context; put the other "
            "behavior markers on a separate test"
        )
    keys = [metric.key for prop in properties for metric in prop.metrics()]
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    if duplicated:
        raise MarkerError(
            f"two markers measure the same metric ({', '.join(duplicated)}): give each "
            "behavior_property a distinct name="
        )
    return tuple(properties)


def _sequential_choice(choices: Iterable[bool | None]) -> bool | None:
    """A marker's sequential=True opts the test in; otherwise an explicit False opts it out; else None."""
    values = list(choices)
    if True in values:
        return True
    return False if False in values else None
