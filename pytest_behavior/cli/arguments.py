"""The argparse ``type=`` converters of the command line, made by one factory: `argument_type`."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TypeVar

MAX_INPUTS = 100_000
"""Largest number of inputs the command plans for (a behavior test beyond it is not a realistic budget)."""

_N = TypeVar("_N", int, float)


def argument_type(
    parse: Callable[[str], _N],
    accept: Callable[[_N], bool],
    problem: str,
    *,
    what: str = "a number",
    hint: Callable[[_N], str] | None = None,
) -> Callable[[str], _N]:
    """An argparse ``type=``: ``parse`` the text (else "is not ``what``"), then ``accept`` it (else ``problem``,
    written after the text as given, and the ``hint`` for that value)."""

    def convert(text: str) -> _N:
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"{text!r}{problem}{hint(value) if hint else ''}")
        return value

    return convert


def _percent_hint(value: float) -> str:
    return f" (did you mean {value / 100:g}?)" if 1.0 < value <= 100.0 else ""


# a base rate of 0 is legitimate (nothing bad yet); a candidate of 0 fails later
rate = argument_type(float, lambda v: 0.0 <= v < 1.0, " is not a rate in [0, 1)", hint=_percent_hint)
positive = argument_type(float, lambda v: v > 0 and math.isfinite(v), " must be positive")
count = argument_type(
    int, lambda v: 2 <= v <= MAX_INPUTS, f": between 2 and {MAX_INPUTS:,} inputs", what="a whole number"
)
family_count = argument_type(int, lambda v: 0 <= v <= 10_000, ": between 0 and 10,000", what="a whole number")
alpha = argument_type(float, lambda v: 0 < v <= 0.5, ": alpha must be in (0, 0.5]")
days = argument_type(
    float, lambda v: math.isfinite(v) and v >= 0, ": give a number of days, 0 or more", what="a number of days"
)
