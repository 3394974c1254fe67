"""Marker names and their ``pytest --markers`` documentation (kept import-light for plugin start-up)."""

from __future__ import annotations

MARKER_DOCS: dict[str, str] = {
    "schema_stability": (
        "schema_stability(schema=None, *, max_invalid_rate=None, max_invalid_increase=0.02, "
        "max_key_change_increase=0.02): outputs must stay valid JSON (against `schema`, a JSON Schema "
        "Draft 2020-12, when given) and keep the baseline's top-level keys. Rates in [0, 1]; increases "
        "are paired differences against the baseline. pytest-behavior."
    ),
    "refusal_bound": (
        "refusal_bound(max_rate=None, max_increase=None, min_rate=None, max_decrease=None, detector=None): bound the "
        "share of answers that refuse: absolute rates in [0, 1], or paired increase/decrease against the "
        "baseline. detector='llm:<litellm model>' has a model label each output (cached) instead of the offline "
        "detector. pytest-behavior."
    ),
    "length_distribution": (
        "length_distribution(max_ratio=None, min_ratio=None, unit='words', tokenizer=None, shape=False): bound the "
        "paired ratio of answer lengths, candidate / baseline; unit 'words', 'chars' or 'tokens' (tiktoken, offline; "
        "tokenizer='o200k_base' by default); shape=True also holds the ratio bounds at the p10/p25/p50/p75/p90 "
        "lengths (a change of spread or tails). pytest-behavior."
    ),
    "latency_bound": (
        "latency_bound(max_p95_ratio=None, max_ratio=None): bound the candidate's latency against the baseline: "
        "the ratio of the 95th percentiles (paired bootstrap), and/or the typical paired ratio. Ratios >= 1; "
        "needs recorded latencies. pytest-behavior."
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
    "behavior_property": (
        "behavior_property(fn, *, name=None, equals=None, max_rate=None, min_rate=None, max_increase=None, "
        "max_decrease=None, max_ratio=None, min_ratio=None, max_share_change=None): your own property: fn(output) "
        "returns a bool (or a "
        "value counted with equals=) for rate bounds, a positive number for ratio bounds, or a category whose every "
        "value's share may move by at most max_share_change; judged like the "
        "built-ins. Several may be stacked, with distinct names. pytest-behavior."
    ),
    "invariance": (
        "invariance(perturb, *, properties=('refusal',), max_difference=0.05, max_flip_increase=None, schema=None): "
        "counterfactual spec: each input is paired with a twin made by perturb (pytest_behavior.perturb: NameSwap, "
        "PronounSwap, DialectSwap, Casing, Whitespace, Punctuation, Typos, ReorderListItems, composed with +); "
        "each decision ('refusal', 'tool_called', 'schema_valid' with schema=, or fn(output) -> bool) may differ "
        "between twins and originals by at most max_difference, overall and per perturbation group; with a "
        "baseline, the share of flipped decisions may grow by at most max_flip_increase. pytest-behavior."
    ),
}
COMMON_MARKER_DOC = (
    " Every behavior marker also accepts sequential=True: stop sampling as soon as the test's bounds are decided."
)
MARKER_DOCS = {name: doc.replace(" pytest-behavior.", COMMON_MARKER_DOC + " pytest-behavior.")
               for name, doc in MARKER_DOCS.items()}
MARKER_NAMES = frozenset(MARKER_DOCS)
