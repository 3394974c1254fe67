"""The registry of behavior markers: every property class by its marker name, and a marker parsed into a property.

Each property module registers its class (`pytest_behavior.properties.base.register`) when it is imported;
`registered_markers` imports them all first, so the registry is complete whoever asks.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.base import COMMON_MARKER_OPTIONS, REGISTERED, Property, marker_sequential


def registered_markers() -> Mapping[str, type[Property]]:
    """Every behavior marker's property class, by marker name."""
    from pytest_behavior.properties import (  # noqa: F401  (registration)
        context_sweep,
        correctness,
        custom,
        hedging,
        invariance,
        length,
        operational,
        preference,
        refusal,
        rubric,
        schema,
        sycophancy,
        tools,
    )

    return dict(REGISTERED)


def parse_marker(name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Property:
    """The property of marker ``name`` called with ``args`` and ``kwargs``; `MarkerError` saying what is wrong."""
    cls = registered_markers()[name]
    accepted = [*inspect.signature(cls.from_marker).parameters, *COMMON_MARKER_OPTIONS]
    marker_sequential(name, kwargs)  # validated here so that a bad value is a usage error at collection
    kwargs = {k: v for k, v in kwargs.items() if k not in COMMON_MARKER_OPTIONS}
    for keyword in kwargs:
        if keyword not in accepted:
            close = difflib.get_close_matches(keyword, accepted, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise MarkerError(
                f"@pytest.mark.{name}: unexpected keyword argument {keyword!r}{hint} (accepted: {', '.join(accepted)})"
            )
    parameters = inspect.signature(cls.from_marker).parameters.values()
    positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(args) > len(positional):
        given = f"{len(args)} positional argument{'s' if len(args) != 1 else ''} ({', '.join(map(repr, args))})"
        if positional:
            takes = f"at most {len(positional)} positional argument{'s' if len(positional) != 1 else ''} "
            takes += f"({', '.join(positional)})"
            fix = "write the others as keywords"
        else:
            takes = "keyword arguments only"
            fix = f"write e.g. @pytest.mark.{name}({accepted[0]}={args[0]!r})"
        raise MarkerError(f"@pytest.mark.{name} takes {takes}, got {given}: {fix} (accepted: {', '.join(accepted)})")
    try:
        return cls.from_marker(*args, **kwargs)
    except TypeError as exc:
        reason = re.sub(r"^(\w+\.)?from_marker\(\) ", "", str(exc))
        raise MarkerError(f"@pytest.mark.{name}: {reason}") from None
