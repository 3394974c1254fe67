"""Exception and warning types, split by what the user must do about them.

`BehaviorError` and its subclasses are *infrastructure or configuration* problems: the plugin
reports them as test **errors**, never as behavioral failures. `BehaviorRegression` is the one
exception that means "the candidate behaves worse": it is an `AssertionError`, so the test fails.
The warnings say that a test passed on less than it asked for (filter them with
``-W error::pytest_behavior.BehaviorPairingWarning`` and the like).
"""

from __future__ import annotations


class BehaviorError(Exception):
    """Something kept the plugin from judging behavior (reported as a test error)."""

    def __str__(self) -> str:
        # messages quote data (input ids, segments, file contents, provider error bodies): never raw controls
        from pytest_behavior.sanitize import printable

        return printable(super().__str__())


class BehaviorConfigError(BehaviorError):
    """A spec, bundle, option or input is wrong; the message says what to change."""


class GoldenFileError(BehaviorConfigError):
    """A golden file is missing, unreadable or recorded incompatibly."""


class ProviderError(BehaviorError):
    """The model provider failed after the retry budget; samples received so far are cached."""


class JudgeFormatError(BehaviorError):
    """An LLM judge broke its JSON answer contract for too many answers, even when asked again: the property
    cannot be judged (a test error, not a verdict); the answers that parsed are cached."""


class BudgetExhaustedError(BehaviorError):
    """The budget ran out before the test had what it needs (no input sampled, or a golden file to record)."""


class MarkerError(ValueError):
    """A behavior marker has invalid arguments (raised at collection time)."""


class BehaviorRegression(AssertionError):
    """The candidate's behavior regressed against the baseline (the test fails)."""


class BehaviorInconclusiveWarning(UserWarning):
    """A behavior bound could not be decided with the data sampled."""


class BehaviorPairingWarning(UserWarning):
    """Some inputs could not be paired with the baseline and were not judged."""


class BehaviorBudgetWarning(UserWarning):
    """A budget stopped sampling: the test was judged on the inputs sampled before it ran out."""


class BehaviorEmptyOutputWarning(UserWarning):
    """--behavior-update recorded empty outputs (no text, no tool call) into a golden file."""


class BehaviorCacheWarning(UserWarning):
    """Rows of the sample cache failed their checksum: they were requested again."""


class BehaviorJudgeDriftWarning(UserWarning):
    """The golden baseline was recorded under another LLM judge (model, template version or hash) than this run's."""


class BehaviorDetectorChangeWarning(UserWarning):
    """The golden baseline was labelled under another refusal detector: its stored outputs were labelled again by
    this run's, so a detector change is never read as a model change."""


class BehaviorJudgeUnparsedWarning(UserWarning):
    """An LLM judge's answers broke the JSON contract even when asked again: they were counted, never guessed."""
