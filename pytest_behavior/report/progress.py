"""Live progress of sampling: samples done / total, calls in flight, retries, spend.

On a terminal one status line is redrawn in place (at most `LIVE_INTERVAL_S` apart); elsewhere (CI logs)
plain lines are printed at most every `LINES_INTERVAL_S`, plus one when the test's sampling ends. In
``auto`` mode nothing is shown for sampling that finishes within `AUTO_DELAY_S`: short tests stay quiet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pytest_behavior.sanitize import one_line

ProgressMode = Literal["auto", "live", "lines", "off"]

AUTO_DELAY_S = 2.0
LIVE_INTERVAL_S = 0.2
LINES_INTERVAL_S = 10.0


@dataclass(frozen=True)
class ProgressStyle:
    live: bool  # redraw one line in place (a terminal) rather than print lines
    delay_s: float  # show nothing for sampling shorter than this
    interval_s: float


def progress_style(mode: ProgressMode, *, isatty: bool) -> ProgressStyle | None:
    """How to show progress for a ``--behavior-progress`` mode on this output (None: not at all)."""
    if mode == "off":
        return None
    if mode == "auto":
        return ProgressStyle(
            live=isatty, delay_s=AUTO_DELAY_S, interval_s=LIVE_INTERVAL_S if isatty else LINES_INTERVAL_S
        )
    live = mode == "live"
    return ProgressStyle(live=live, delay_s=0.0, interval_s=LIVE_INTERVAL_S if live else LINES_INTERVAL_S)


class Progress:
    """Counts one test's sampling events (a `SamplingMonitor`) and writes status through ``write``.

    ``write(text, live)`` prints ``text``: redrawn in place over the current line when ``live``, as a line of
    its own otherwise (an empty line ends a redrawn one).
    """

    def __init__(
        self,
        test: str,
        write: Callable[[str, bool], None],
        style: ProgressStyle,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.test, self.write, self.style, self.clock = one_line(test), write, style, clock
        self.total = self.cached = self.done = self.in_flight = self.retries = self.failed = 0
        self.spent_usd = 0.0
        self.unpriced = 0
        """Calls finished without a known cost (a model litellm has no price for): not counted as free."""
        self.estimated_usd: float | None = None
        self.started_at = clock()
        self._last_shown: float | None = None

    def begin(self, *, total: int, cached: int, estimated_usd: float | None) -> None:
        self.total, self.cached, self.estimated_usd = total, cached, estimated_usd
        self.started_at = self.clock()
        self._maybe_show()

    def call_started(self) -> None:
        self.in_flight += 1
        self._maybe_show()

    def call_retried(self) -> None:
        self.retries += 1
        self._maybe_show()

    def call_finished(self, cost_usd: float | None) -> None:
        self.in_flight -= 1
        self.done += 1
        if cost_usd is None:
            self.unpriced += 1
        else:
            self.spent_usd += cost_usd
        self._maybe_show()

    def call_failed(self) -> None:
        self.in_flight -= 1
        self.failed += 1
        self._maybe_show()

    def end(self) -> None:
        """The final status: a last line if anything was shown (a cleared status line when live)."""
        if self._last_shown is None:
            return
        if self.style.live:
            self.write(self.status(final=True), True)
            self.write("", False)  # end the redrawn line
        else:
            self.write(self.status(final=True), False)

    def status(self, *, final: bool = False) -> str:
        have = self.cached + self.done
        parts = [f"{have}/{self.total} samples"]
        if self.cached:
            parts.append(f"{self.cached} cached")
        if not final:
            parts.append(f"{self.in_flight} in flight")
        if self.retries:
            parts.append(f"{self.retries} retries")
        if self.failed:
            parts.append(f"{self.failed} failed")
        parts.append(self._spend(final=final))
        parts.append(f"{self.clock() - self.started_at:.1f}s")
        return f"behavior {self.test}: " + ", ".join(parts) + (" (done)" if final else "")

    def _spend(self, *, final: bool) -> str:
        """Dollars spent, as the cost table shows them: a call without a price is unknown, never $0."""
        if self.unpriced and self.unpriced == self.done:
            return "cost unknown (no price)"
        spend = f"${self.spent_usd:.4f}"
        if self.unpriced:
            spend += f" + {self.unpriced} call(s) without a price"
        if self.estimated_usd is not None and not final:
            spend += f" of ~${self.estimated_usd:.4f} est."
        return spend

    def _maybe_show(self) -> None:
        now = self.clock()
        if now - self.started_at < self.style.delay_s:
            return
        if self._last_shown is not None and now - self._last_shown < self.style.interval_s:
            return
        self._last_shown = now
        self.write(self.status(), self.style.live)
