"""Properties: what is measured on each output, the built-in markers that bound it, and their registry.

- `base`: the `Property` protocol, bounds, the judgments an LLM-judged property asks for, argument validation.
- `registry`: every property class by its marker name, and a marker parsed into a property.
- `refusal`, `refusal_signals`: the offline three-way refusal detector (``refusal_bound``) and its weighted
  pattern groups.
- `length`: answer length in words or characters (``length_distribution``).
- `json_output`: the JSON value in an answer: the whole text, a fenced block, or an object in prose.
- `schema`: JSON schema validity and top-level key stability (``schema_stability``).
- `schema_diff`: how the shape of JSON outputs changed, for the reviewer of a regression.
- `tools`, `tool_check`, `tool_schema`: tool calls (did the model call a tool, with valid arguments, the same as
  before), checking one output's calls, and tool definitions turned into validators.
- `operational`: latency and cost, from what the sampler recorded.
- `invariance`: counterfactual invariance: an input and its perturbed twin must decide alike.
- `custom`: ``@pytest.mark.behavior_property(fn, ...)`` with the verdicts and reports of the built-ins.
"""

from __future__ import annotations

from pytest_behavior.properties.base import Bound, Metric, Property
from pytest_behavior.properties.registry import parse_marker, registered_markers

__all__ = ["Bound", "Metric", "Property", "parse_marker", "registered_markers"]
