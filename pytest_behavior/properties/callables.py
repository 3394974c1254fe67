"""How a user's function is called: the positional arguments its signature accepts.

``behavior_property(fn)`` calls ``fn(output)`` or, when ``fn`` has a second positional parameter,
``fn(output, input)``; ``correctness(match=fn)`` calls ``fn(output, expected)``. Both read the signature once, at
collection, so a function that cannot be called that way is a usage error before any model call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Arity:
    """The positional parameters of a function: ``required`` of ``named`` have no default; ``variadic`` it takes
    ``*args``; ``keyword_only`` names its keyword-only parameters without a default (which no caller here passes)."""

    required: int
    named: int
    variadic: bool
    keyword_only: tuple[str, ...]

    def accepts(self, count: int) -> bool:
        """Whether ``count`` positional arguments are a valid call."""
        return not self.keyword_only and self.required <= count and (self.variadic or count <= self.named)


def arity(fn: Callable[..., Any]) -> Arity | None:
    """The positional parameters of ``fn`` (a function, method, ``functools.partial`` or callable object); None when
    Python cannot tell (some builtins and C types have no signature)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    required = named = 0
    variadic = False
    keyword_only: list[str] = []
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            named += 1
            required += parameter.default is parameter.empty
        elif parameter.kind is parameter.VAR_POSITIONAL:
            variadic = True
        elif parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty:
            keyword_only.append(parameter.name)
    return Arity(required=required, named=named, variadic=variadic, keyword_only=tuple(keyword_only))


def function_name(fn: Any) -> str:
    """``module.qualname`` of a function (what golden files and reports record), else its ``repr``."""
    target = getattr(fn, "func", fn)  # functools.partial: the function it wraps
    qualname = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{getattr(target, '__module__', None) or '?'}.{qualname}"
