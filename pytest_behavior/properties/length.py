"""Answer length (words or characters) and the ``length_distribution`` marker.

Lengths are positive and skewed, so the paired comparison is on log-ratios (see
`pytest_behavior.stats.paired_log_ratio_bound`): ``max_ratio=1.3`` means "the candidate's answers
are not more than 30% longer than the baseline's for the same inputs".

``unit="tokens"`` counts tiktoken tokens (``tokenizer="o200k_base"`` by default: GPT-4o's) from the
encoding files litellm ships, so it works offline; an encoding without a local file is a clear error at
collection rather than a download attempt in CI.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.base import (
    Metric,
    Observation,
    Property,
    Texts,
    as_matrix,
    bounds_from,
    ratio_arg,
    register,
)
from pytest_behavior.spec.output import Truncation

UNITS = ("words", "chars", "tokens")
DEFAULT_TOKENIZER = "o200k_base"


_TOKEN_CHUNK = 8192
"""Texts longer than this are tokenized in pieces cut before a space (BPE time grows faster than linearly in the
length of a run without spaces); a cut inside such a run miscounts by at most a token or so."""


def measure_length(text: str, unit: str, tokenizer: str = DEFAULT_TOKENIZER) -> int:
    """Words, characters or tokens; an empty answer counts as 1 so that length ratios stay defined.

    The stored part of a longer output (a golden file's, `pytest_behavior.spec.output.Truncation`) measures as the full
    output: its recorded words and characters, and tokens scaled from the stored text by the full length.
    """
    truncated: Truncation | None = getattr(text, "truncated", None)
    if unit == "tokens":
        kept = text
        if truncated is not None and 0 < truncated.kept_head + truncated.kept_tail <= len(text):  # without the marker
            kept = text[: truncated.kept_head] + text[len(text) - truncated.kept_tail :]
        count = sum(len(_encoding(tokenizer).encode(piece, disallowed_special=())) for piece in _token_pieces(kept))
        if truncated is not None and kept:
            count = round(count * truncated.chars / len(kept))
        return max(1, count)
    if truncated is not None:
        return max(1, truncated.words if unit == "words" else truncated.chars)
    return max(1, len(text.split()) if unit == "words" else len(text))


def _token_pieces(text: str) -> list[str]:
    """``text`` in pieces of at most `_TOKEN_CHUNK` characters, each cut just before a space that follows a
    non-space and precedes one (where the tokenizer's pre-split would cut too); a hard cut if there is none."""
    text = str(text)
    pieces: list[str] = []
    start = 0
    while len(text) - start > _TOKEN_CHUNK:
        end = start + _TOKEN_CHUNK
        cut = text.rfind(" ", start + 1, end)
        while cut > start and (text[cut - 1].isspace() or cut + 1 >= len(text) or text[cut + 1].isspace()):
            cut = text.rfind(" ", start + 1, cut)
        cut = end if cut <= start else cut
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def tokenizer_cache_dir() -> Path | None:
    """Where tiktoken encodings are found offline: ``TIKTOKEN_CACHE_DIR``, else the copy litellm ships."""
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if configured:
        return Path(configured)
    spec = importlib.util.find_spec("litellm")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"


def offline_tokenizer_problem(name: str) -> str | None:
    """Why encoding ``name`` cannot be loaded offline, or None when its file is present."""
    directory = tokenizer_cache_dir()
    if directory is None:
        return "no tiktoken encodings found offline (litellm is not installed); use unit='words' or 'chars'"
    if _encoding_file(directory, name).is_file():
        return None
    available = sorted(n for n in _KNOWN_ENCODINGS if _encoding_file(directory, n).is_file())
    return (
        f"tokenizer {name!r} is not available offline (no encoding file in {directory}); use one of "
        f"{', '.join(available) or 'none found'}, or unit='words' / 'chars'"
    )


_KNOWN_ENCODINGS = ("cl100k_base", "o200k_base", "p50k_base", "r50k_base")


def _encoding_file(directory: Path, name: str) -> Path:
    """tiktoken caches an encoding under the sha1 of its download URL."""
    url = f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
    return directory / hashlib.sha1(url.encode()).hexdigest()


@functools.lru_cache(maxsize=8)
def _encoding(name: str) -> Any:
    directory = tokenizer_cache_dir()
    if directory is not None:
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(directory))
    import tiktoken

    return tiktoken.get_encoding(name)


@register
@dataclass(frozen=True)
class LengthDistribution(Property):
    marker_name: ClassVar[str] = "length_distribution"

    max_ratio: float | None = None
    min_ratio: float | None = None
    unit: str = "words"
    tokenizer: str | None = None
    shape: bool = False

    @classmethod
    def from_marker(
        cls,
        *,
        max_ratio: Any = None,
        min_ratio: Any = None,
        unit: Any = "words",
        tokenizer: Any = None,
        shape: Any = False,
    ) -> LengthDistribution:
        name = cls.marker_name
        if not isinstance(shape, bool):
            raise MarkerError(f"@pytest.mark.{name}: shape must be True or False, got {shape!r}")
        if unit not in UNITS:
            raise MarkerError(f"@pytest.mark.{name}: unit must be one of {', '.join(UNITS)}, got {unit!r}")
        if tokenizer is not None and unit != "tokens":
            raise MarkerError(f"@pytest.mark.{name}: tokenizer= goes with unit='tokens'")
        if unit == "tokens":
            tokenizer = DEFAULT_TOKENIZER if tokenizer is None else tokenizer
            problem = offline_tokenizer_problem(str(tokenizer))
            if problem is not None:
                raise MarkerError(f"@pytest.mark.{name}: {problem}")
        prop = cls(
            max_ratio=ratio_arg(name, "max_ratio", max_ratio),
            min_ratio=ratio_arg(name, "min_ratio", min_ratio),
            unit=unit,
            tokenizer=None if tokenizer is None else str(tokenizer),
            shape=shape,
        )
        if prop.max_ratio is None and prop.min_ratio is None:
            raise MarkerError(f"@pytest.mark.{name} needs max_ratio and/or min_ratio")
        if prop.max_ratio is not None and prop.max_ratio < 1:
            raise MarkerError(f"@pytest.mark.{name}: max_ratio={prop.max_ratio} is below 1; did you mean min_ratio?")
        if prop.min_ratio is not None and prop.min_ratio > 1:
            raise MarkerError(f"@pytest.mark.{name}: min_ratio={prop.min_ratio} is above 1; did you mean max_ratio?")
        return prop

    def metrics(self) -> tuple[Metric, ...]:
        bounds = bounds_from(max_ratio=self.max_ratio, min_ratio=self.min_ratio)
        typical = Metric(key=f"length.{self.unit}", title=f"length ({self.unit})", kind="continuous", bounds=bounds)
        if not self.shape:
            return (typical,)
        from pytest_behavior.stats.quantile import PROFILE_QUANTILES

        return (
            typical,
            Metric(
                key=f"length.{self.unit}.shape",
                title=f"length shape ({self.unit})",
                kind="continuous",
                bounds=bounds,
                profile=PROFILE_QUANTILES,
            ),
        )

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        base = None if baseline is None else self._lengths(baseline)
        cand = self._lengths(candidate)
        return [Observation(metric, base, cand) for metric in self.metrics()]

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str], *, shown: int | None = None) -> list[str]:
        """With ``shape=True``: the arms' length quantiles side by side, and the test of "any change at all"."""
        if not self.shape:
            return []
        from pytest_behavior.stats import distribution_shift
        from pytest_behavior.stats.quantile import PROFILE_QUANTILES

        base, cand = self._lengths(baseline), self._lengths(candidate)
        if base.shape[0] < 2:
            return []
        import numpy as np

        qs = list(PROFILE_QUANTILES)
        b, c = np.quantile(base, qs), np.quantile(cand, qs)
        shift = distribution_shift(np.log(base), np.log(cand), statistic="ks")
        from tabulate import tabulate

        rows = [
            [f"p{round(100 * q)}", f"{bv:.4g}", f"{cv:.4g}", f"x{cv / bv:.2f}"]
            for q, bv, cv in zip(qs, b, c, strict=True)
        ]
        table = tabulate(
            rows, headers=["quantile", "baseline", "candidate", "ratio"], tablefmt="simple", disable_numparse=True
        )
        lines = [
            f"length distribution ({self.unit}), quantiles of all outputs:",
            str(table),
            f"any change of shape: KS {shift.statistic:.3f}, p={shift.p_value:.3g} ({shift.method}); "
            f"Wasserstein distance of log lengths {shift.wasserstein:.3f}",
        ]
        return lines

    def _lengths(self, texts: Texts) -> Any:
        tokenizer = self.tokenizer or DEFAULT_TOKENIZER
        return as_matrix([[float(measure_length(t, self.unit, tokenizer)) for t in row] for row in texts])

    def describe(self) -> dict[str, Any]:
        bounds = {"max_ratio": self.max_ratio, "min_ratio": self.min_ratio}
        described = {
            "marker": self.marker_name,
            "unit": self.unit,
            **{k: v for k, v in bounds.items() if v is not None},
        }
        if self.tokenizer is not None:
            described["tokenizer"] = self.tokenizer
        if self.shape:
            described["shape"] = True
        return described
