"""How a simulated answer says what it says, beyond its content: the evasions and hedges of the simulated
provider's ``evasion_rate`` and ``hedge_rate`` knobs (`pytest_behavior.sampling.simulated`)."""

from __future__ import annotations

import hashlib
import random

EVASIONS = (
    "Could you provide more context about what you need? I want to be sure I understand the question.",
    "As an AI, I don't have personal opinions on this.",
    "It really depends on many factors, so there is no definitive answer.",
)
HEDGE_OPEN = "It's difficult to say for sure, but"
HEDGE_CLOSE = "That said, results may vary, and you may want to consult a professional."


def draws(seed: int, prompt: str, call_seed: int) -> tuple[float, float]:
    """The evasion and hedge draws: a stream of their own, so setting either knob changes no other answer (and
    raising it turns exactly the answers with the lowest draws, common random numbers as for refusals)."""
    digest = hashlib.sha256(f"{seed}|{call_seed}|evasion-hedge|{prompt}".encode()).digest()
    stream = random.Random(int.from_bytes(digest[:8], "big"))
    return stream.random(), stream.random()


def evasion(draw: float) -> str:
    return EVASIONS[int(draw * 1e6) % len(EVASIONS)]


def hedged(text: str) -> str:
    return f"{HEDGE_OPEN} {text[:1].lower()}{text[1:]} {HEDGE_CLOSE}"
