"""A bundle's context window, for ``context_sweep``.

Its ``context_window=``, else the ``context`` knob of a simulated model (``sim/x?context=8000``), else litellm's model
information (``max_input_tokens``, from the cost map litellm ships, read offline); none of them: an error naming the
bundle.
"""

from __future__ import annotations

from pytest_behavior.bundle import Bundle
from pytest_behavior.errors import BehaviorConfigError


def context_window(bundle: Bundle) -> int:
    """The bundle's context window in tokens (see the module docstring for where it is read)."""
    if bundle.context_window is not None:
        return bundle.context_window
    if bundle.kind != "model" or bundle.model is None:
        raise BehaviorConfigError(
            f"context_sweep pads the prompt a model receives: bundle {bundle.label!r} is a {bundle.kind} bundle; "
            "use a model bundle (or give it context_window=)"
        )
    if bundle.model.startswith("sim/"):
        from pytest_behavior.sampling.simulated import parse_model

        _, settings = parse_model(bundle.model)
        if settings.context:
            return int(settings.context)
        raise BehaviorConfigError(
            f"bundle {bundle.label!r}: the simulated model {bundle.model!r} has no context window; give it the "
            "knob context=<tokens> (e.g. sim/bot?context=8000) or Bundle(context_window=...)"
        )
    found = _litellm_window(bundle.model)
    if found is None:
        raise BehaviorConfigError(
            f"bundle {bundle.label!r}: litellm knows no context window for model {bundle.model!r}; give the bundle "
            "context_window=<tokens> (its maximum input tokens)"
        )
    return found


def _litellm_window(model: str) -> int | None:
    from pytest_behavior.sampling.litellm_loader import import_litellm

    litellm = import_litellm()
    try:
        info = litellm.get_model_info(model)
    except Exception:
        return None
    value = info.get("max_input_tokens") or info.get("max_tokens")
    return int(value) if isinstance(value, int) and value > 0 else None
