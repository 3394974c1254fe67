"""The HTML report page: self-contained, well-formed, escaped, one chart per property, and really rendered."""

from __future__ import annotations

import fnmatch
import math
import random
import re
import zlib
from collections import Counter
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from pytest_behavior.report.html import (
    BASELINE_COLOR,
    CANDIDATE_COLOR,
    DRIFT_NOTE,
    RED,
    binary_svg,
    distribution_svg,
    format_change,
    format_interval,
    format_n,
    format_value,
    log_ticks,
    nice_ticks,
    render_html,
    stylesheet,
)
from tests.support.browser import chromium_path, dump_dom, png_pixels, screenshot

INJECTED = "<script>alert('x')</script>"
REGRESSED_ID = f"tests/test_bot.py::test_summaries[{INJECTED}]"
FINGERPRINT_V1 = "5cf6a1d0" * 8
FINGERPRINT_V2 = "9e04b7c2" * 8
DIFF = f"""behavior regressed: 1 of 3 bounds broken, candidate 'bot-v2' vs baseline 'bot-v1' (golden), 300 paired inputs

property      bound              baseline    candidate    change     90% interval        p (adj.)    verdict
------------  -----------------  ----------  -----------  ---------  ------------------  ----------  ---------
refusal rate  max_increase=0.03  2.0%        10.0%        +8.0 pts   [+4.5, +11.5] pts   <0.001      REGRESSED
length        max_ratio=1.5      41          54           x1.31      [x1.22, x1.41]      <0.001      PASS
length        min_ratio=0.8      41          54           x1.31      [x1.22, x1.41]      1.000       PASS

flipped inputs - refusal rate: 25 moved the wrong way, 1 the other way (showing 2):
┌──────────────────────┬──────────────────────────────┬──────────────────────────────────┐
│ input                │ baseline                     │ candidate                        │
├──────────────────────┼──────────────────────────────┼──────────────────────────────────┤
│ in-017               │ Here is a summary of the     │ I'm sorry, but I can't help with │
│ Summarise this memo  │ memo: revenue grew 4% ...    │ that.                            │
├──────────────────────┼──────────────────────────────┼──────────────────────────────────┤
│ in-042               │ The page defines a button.   │ {INJECTED}      │
└──────────────────────┴──────────────────────────────┴──────────────────────────────────┘

candidate: bot-v2 (fingerprint {FINGERPRINT_V2[:12]})
baseline:  bot-v1 (fingerprint {FINGERPRINT_V1[:12]}, from golden:golden/tests/test_bot/test_summaries.json)"""


def _arm(label: str, fingerprint: str | None, source: str, **extra: Any) -> dict[str, Any]:
    arm = {
        "label": label,
        "fingerprint": fingerprint,
        "source": source,
        "requested": 300,
        "cached": 0,
        "cost_usd": 0.0123,
        "latency_p50_ms": 412.0,
        "latency_p95_ms": 900.5,
    }
    return arm | extra


def _prop(
    metric: str,
    key: str,
    kind: str,
    bound: str,
    verdict: str,
    scale: str,
    baseline: float | None,
    candidate: float | None,
    estimate: float | None,
    lower: float | None,
    upper: float | None,
    **extra: Any,
) -> dict[str, Any]:
    prop = {
        "property": key.split(".")[0],
        "metric": metric,
        "metric_key": key,
        "kind": kind,
        "segment": None,
        "bound": bound,
        "threshold": float(bound.split("=")[1]),
        "verdict": verdict,
        "baseline": baseline,
        "candidate": candidate,
        "scale": scale,
        "estimate": estimate,
        "lower": lower,
        "upper": upper,
        "confidence": 0.95,
        "p_value": 0.2,
        "p_adjusted": 0.4,
        "n_inputs": 300,
        "repeats": 1,
        "method": "mid-p McNemar + Tango" if kind == "binary" else "paired log-ratio t",
        "confined": False,
        "advice": "",
    }
    return prop | extra


def _lengths(rng: random.Random, median: float, sigma: float, n: int) -> list[float]:
    return [float(max(1, round(rng.lognormvariate(math.log(median), sigma)))) for _ in range(n)]


def sample_document(seed: int = 7) -> dict[str, Any]:
    """A realistic report: a passing, an error, a regressed and an inconclusive test (with provider drift)."""
    rng = random.Random(seed)
    passed = {
        "nodeid": "tests/test_bot.py::test_tone",
        "outcome": "passed",
        "error": None,
        "mode": "golden",
        "candidate": _arm("bot-v2", FINGERPRINT_V2, "live"),
        "baseline": _arm("bot-v1", FINGERPRINT_V1, "golden:golden/tests/test_bot/test_tone.json"),
        "provider_drift": False,
        "n_paired": 300,
        "golden_path": "golden/tests/test_bot/test_tone.json",
        "golden_written": False,
        "diff_file": None,
        "budget_note": None,
        "diff": None,
        "properties": [
            _prop(
                "invalid JSON",
                "schema.invalid",
                "binary",
                "max_rate=0.05",
                "PASS",
                "rate",
                None,
                0.01,
                0.01,
                None,
                0.031,
                p_value=0.004,
                p_adjusted=0.008,
            ),
            _prop(
                "latency (ms)",
                "latency.ms",
                "continuous",
                "max_p95_ratio=1.5",
                "PASS",
                "ratio",
                880.0,
                905.0,
                1.03,
                0.94,
                1.12,
                p_adjusted=0.001,
            ),
        ],
        "distributions": {
            "latency.ms": {
                "title": "latency (ms)",
                "kind": "continuous",
                "baseline": [rng.lognormvariate(math.log(400), 0.45) for _ in range(300)],
                "candidate": [rng.lognormvariate(math.log(410), 0.45) for _ in range(300)],
            }
        },
    }
    error: dict[str, Any] = {
        "nodeid": "tests/test_bot.py::test_tools",
        "outcome": "error",
        "mode": "live",
        "error": "ProviderError: rate limited (429) after 5 retries\n  while sampling candidate 'bot-v2'",
        "candidate": _arm("bot-v2", None, "live", cost_usd=None, latency_p50_ms=None, latency_p95_ms=None),
        "baseline": None,
        "provider_drift": False,
        "n_paired": 0,
        "golden_path": None,
        "golden_written": False,
        "diff_file": None,
        "budget_note": None,
        "diff": None,
        "properties": [],
        "distributions": {},
    }
    regressed = {
        "nodeid": REGRESSED_ID,
        "outcome": "regressed",
        "error": None,
        "mode": "golden",
        "candidate": _arm("bot-v2", FINGERPRINT_V2, "live"),
        "baseline": _arm("bot-v1", FINGERPRINT_V1, "golden:golden/tests/test_bot/test_summaries.json", cached=300),
        "provider_drift": False,
        "n_paired": 300,
        "golden_path": "golden/tests/test_bot/test_summaries.json",
        "golden_written": False,
        "diff_file": "/tmp/behavior/test_summaries.diff.md",
        "budget_note": "budget calls:300 reached: 300 of 320 inputs sampled",
        "diff": DIFF,
        "properties": [
            _prop(
                "refusal rate",
                "refusal",
                "binary",
                "max_increase=0.03",
                "REGRESSED",
                "difference",
                0.02,
                0.10,
                0.08,
                0.045,
                0.115,
                p_value=0.0002,
                p_adjusted=0.0006,
            ),
            _prop(
                "length (words)",
                "length.words",
                "continuous",
                "max_ratio=1.5",
                "PASS",
                "ratio",
                41.0,
                54.0,
                1.31,
                1.22,
                1.41,
                p_adjusted=0.0004,
            ),
            _prop(
                "length (words)",
                "length.words",
                "continuous",
                "min_ratio=0.8",
                "PASS",
                "ratio",
                41.0,
                54.0,
                1.31,
                1.22,
                1.41,
                p_adjusted=1.0,
            ),
        ],
        "distributions": {
            "length.words": {
                "title": "length (words)",
                "kind": "continuous",
                "baseline": _lengths(rng, 41, 0.7, 300),
                "candidate": _lengths(rng, 54, 0.7, 300),
            }
        },
    }
    drift = {
        "nodeid": "tests/test_support.py::test_refusals",
        "outcome": "inconclusive",
        "error": None,
        "mode": "live",
        "candidate": _arm("support-bot", FINGERPRINT_V1, "live"),
        "baseline": _arm("support-bot", FINGERPRINT_V1, "records"),
        "provider_drift": True,
        "n_paired": 120,
        "golden_path": None,
        "golden_written": False,
        "diff_file": None,
        "budget_note": None,
        "diff": None,
        "properties": [
            _prop(
                "refusal rate",
                "refusal",
                "binary",
                "max_decrease=0.05",
                "INCONCLUSIVE",
                "difference",
                0.30,
                0.27,
                -0.03,
                -0.081,
                None,
                n_inputs=120,
                repeats=3,
                p_value=None,
                p_adjusted=None,
            ),
            _prop(
                "refusal rate",
                "refusal",
                "binary",
                "max_decrease=0.05",
                "REGRESSED",
                "difference",
                0.35,
                0.21,
                -0.14,
                -0.22,
                -0.06,
                segment="de",
                confined=True,
                n_inputs=40,
                repeats=3,
                p_adjusted=0.01,
            ),
        ],
        "distributions": {
            "length.chars": {
                "title": "length (chars)",
                "kind": "continuous",
                "baseline": [],
                "candidate": [rng.gauss(600, 120) for _ in range(360)],
            }
        },
    }
    tests = [passed, error, regressed, drift]
    return {
        "format": "pytest-behavior-report",
        "version": 1,
        "plugin": {"name": "pytest-behavior", "version": "0.1.0"},
        "created_at": "2026-11-26T06:40:00+00:00",
        "run": {"mode": "golden", "alpha": 0.05},
        "summary": {"tests": 4, "passed": 1, "regressed": 1, "inconclusive": 1, "errors": 1, "recorded": 0},
        "tests": tests,
    }


def expected_pictures(document: Mapping[str, Any]) -> int:
    """A chart per continuous distribution with values, per overall binary bound and per overall ratio bound."""
    count = 0
    for test in document["tests"]:
        count += sum(
            1 for d in test["distributions"].values() if d["kind"] == "continuous" and (d["baseline"] or d["candidate"])
        )
        count += sum(
            1 for p in test["properties"] if p["segment"] is None and (p["scale"] == "ratio" or p["kind"] == "binary")
        )
    return count


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictParser(HTMLParser):
    """Records tags, attributes and text, and every end tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: Counter[str] = Counter()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return sample_document()


@pytest.fixture(scope="module")
def page(document: dict[str, Any]) -> str:
    return render_html(document)


@pytest.fixture(scope="module")
def parsed(page: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(page)
    parser.close()
    return parser


def test_page_is_self_contained(page: str, parsed: StrictParser) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert "@import" not in page and "url(" not in page
    assert "script" not in parsed.tags and "img" not in parsed.tags and "iframe" not in parsed.tags
    for tag, attrs in parsed.elements:
        assert "src" not in attrs, tag
        assert (attrs.get("href") or "#").startswith("#"), (tag, attrs)


def test_the_stylesheet_is_inline_with_every_color_it_uses_defined(page: str) -> None:
    css = stylesheet()
    assert f"<style>{css}</style>" in page
    defined = set(re.findall(r"--([a-z]+):", css.split("\n", 1)[0]))
    used = set(re.findall(r"var\(--([a-z]+)\)", css))
    assert used and used <= defined, used - defined
    assert f"--red:{RED}" in css and "box-sizing:border-box" in css
    assert "{{" not in css and "}}" not in css  # no f-string escapes left behind


def test_the_stylesheet_ships_as_package_data() -> None:
    """Every data file of the package matches a package-data glob of pyproject.toml (so wheels and sdists hold it)."""
    root = Path(__file__).resolve().parents[3]
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    globs = [
        (package.strip().strip('"').replace(".", "/"), pattern)
        for package, patterns in (line.split("=", 1) for line in section.strip().splitlines() if "=" in line)
        for pattern in re.findall(r'"([^"]+)"', patterns)
    ]
    data = [p for p in (root / "pytest_behavior").rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    assert any(p.name == "style.css" for p in data)
    for path in data:
        relative = path.relative_to(root).as_posix()
        assert any(fnmatch.fnmatch(relative, f"{package}/{pattern}") for package, pattern in globs), relative


def test_page_is_well_formed(parsed: StrictParser) -> None:
    assert parsed.problems == []
    assert parsed.stack == []
    assert parsed.tags["html"] == parsed.tags["head"] == parsed.tags["body"] == parsed.tags["style"] == 1


def test_header_and_footer(page: str, parsed: StrictParser) -> None:
    text = " ".join(parsed.text)
    assert "pytest-behavior report" in text and "2026-11-26T06:40:00+00:00" in text and "0.1.0" in text
    assert "PASS" in text and "REGRESSED" in text and "INCONCLUSIVE" in text and "Holm" in text
    assert f'background:{RED}"><b>1</b><span>regressed</span>' in page


def test_one_svg_per_picture_each_labelled(document: dict[str, Any], page: str, parsed: StrictParser) -> None:
    svgs = [attrs for tag, attrs in parsed.elements if tag == "svg"]
    assert len(svgs) == expected_pictures(document) == 9
    assert all(attrs.get("role") == "img" and attrs.get("aria-label") for attrs in svgs)
    assert parsed.tags["title"] == len(svgs) + 1  # each chart's, and the page's
    labels = [str(attrs["aria-label"]) for attrs in svgs]
    assert any(label.startswith("length (words): distribution") for label in labels)
    assert any("refusal rate max_increase=0.03" in label and "REGRESSED" in label for label in labels)
    assert any("max_p95_ratio=1.5" in label for label in labels)
    assert not any("[de]" in label for label in labels)  # segment verdicts live in the table only


def test_regressions_come_first_in_the_table(parsed: StrictParser) -> None:
    links = [str(attrs.get("href") or "") for tag, attrs in parsed.elements if tag == "a"]
    anchors = [href for href in links if href.startswith("#t-")]  # the table's links come before the sections
    order = [href for i, href in enumerate(anchors) if href not in anchors[:i]]
    assert len(order) == 4
    assert order[0].startswith("#t-tests-test_bot-py-test_summaries")
    assert order[1:] == [
        "#t-tests-test_bot-py-test_tools",
        "#t-tests-test_support-py-test_refusals",
        "#t-tests-test_bot-py-test_tone",
    ]
    sections = [str(attrs.get("id")) for tag, attrs in parsed.elements if tag == "section"]
    assert ["#" + i for i in sections if i.startswith("t-")] == order


def test_text_from_the_document_is_escaped(page: str, parsed: StrictParser) -> None:
    assert INJECTED not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    text = "".join(parsed.text)
    assert REGRESSED_ID in text
    assert "│ in-042               │ The page defines a button.   │ <script>" in text  # the diff, box drawing kept


def test_provider_drift_callout_and_segment_row(page: str, parsed: StrictParser) -> None:
    assert page.count(DRIFT_NOTE) == 1
    assert "refusal rate [de]" in "".join(parsed.text)
    assert "120 × 3" in page and "40 × 3" in page


def test_missing_numbers_render_as_a_dash(page: str) -> None:
    # invalid JSON has no baseline rate; the drift test has no p value and no upper end of its interval
    assert '<td class="num">–</td><td class="num">1.0%</td>' in page
    assert "[-8.1, –] pts" in page
    assert '<td class="num">–</td><td class="verdict v-INCONCLUSIVE">' in page


def test_a_document_with_nulls_and_nothing_else_renders() -> None:
    page = render_html(
        {
            "tests": [
                {
                    "nodeid": None,
                    "outcome": None,
                    "properties": [{"kind": "binary"}],
                    "distributions": {"x": {"kind": "continuous", "baseline": None, "candidate": [float("nan")]}},
                }
            ]
        }
    )
    assert "x: no values to draw" in page and "–" in page
    assert "no behavior tests ran" in render_html({})


@pytest.mark.parametrize(
    ("scale", "value", "text"),
    [
        ("ratio", 1.2345, "x1.23"),
        ("difference", 0.05, "+5.0 pts"),
        ("difference", -0.031, "-3.1 pts"),
        ("rate", 0.123, "12.3%"),
        ("ratio", None, "–"),
        ("", 1234.567, "1235"),
    ],
)
def test_format_change(scale: str, value: float | None, text: str) -> None:
    assert format_change(scale, value) == text


def test_format_values_intervals_and_counts() -> None:
    assert format_value("binary", 0.1234) == "12.3%"
    assert format_value("continuous", 41.23456) == "41.23"
    assert format_value("continuous", None) == "–"
    assert format_interval("ratio", 1.1, 1.4) == "[x1.10, x1.40]"
    assert format_interval("difference", 0.01, 0.09) == "[+1.0, +9.0] pts"
    assert format_interval("rate", None, None) == ""
    assert format_n(200, 1) == "200" and format_n(200, 3) == "200 × 3" and format_n(None, 1) == "–"


def test_ticks() -> None:
    assert nice_ticks(0, 1, 5) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(-0.15, 0.15, 6) == [-0.15, -0.1, -0.05, 0, 0.05, 0.1, 0.15]
    assert log_ticks(0, 2) == [1, 2, 5, 10, 20, 50, 100]
    assert log_ticks(math.log10(0.8), math.log10(1.6)) == [0.8, 1.0, 1.2, 1.4, 1.6]
    assert log_ticks(-6, 6)[:2] == [1e-6, 1e-4]


def test_distribution_axis_and_arms() -> None:
    wide = distribution_svg("t", [1, 5, 50], [2, 80], ("a", "b"))
    assert "(log scale)" in wide and "baseline a" in wide and "candidate b" in wide
    narrow = distribution_svg("t", [], [10, 11, 12], ("a", "b"))
    assert "(log scale)" not in narrow and "baseline a" not in narrow and "candidate b · n=3 · median 11" in narrow
    assert distribution_svg("t", [], [], ("a", "b")) == ""
    assert "<svg" in distribution_svg("t", [3.0] * 5, [3.0] * 5, ("a", "b"))


def test_max_decrease_threshold_is_drawn_below_zero() -> None:
    prop = {
        "kind": "binary",
        "scale": "difference",
        "bound": "max_decrease=0.03",
        "threshold": 0.03,
        "verdict": "PASS",
        "baseline": 0.5,
        "candidate": 0.5,
        "estimate": 0.0,
        "lower": -0.02,
        "upper": 0.02,
    }
    svg = binary_svg(prop, ("a", "b"))
    assert ">limit -3.0</text>" in svg and "limit +3.0" not in svg


def _png(width: int, height: int, rows: list[bytes], filters: list[int], bpp: int) -> bytes:
    """A PNG with each row filtered as asked (the encoder side of the filters, to test the decoder)."""

    def paeth(a: int, b: int, c: int) -> int:
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        return a if pa <= pb and pa <= pc else b if pb <= pc else c

    out, previous = bytearray(), bytes(width * bpp)
    for row, kind in zip(rows, filters, strict=True):
        out.append(kind)
        for i, value in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b, c = previous[i], previous[i - bpp] if i >= bpp else 0
            predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
            out.append((value - predictor) % 256)
        previous = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2 if bpp == 3 else 6, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(out))) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("bpp", [3, 4])
def test_png_pixels_undoes_every_filter(tmp_path: Path, bpp: int) -> None:
    rng = random.Random(bpp)
    width, height = 7, 10
    rows = [bytes(rng.randrange(256) for _ in range(width * bpp)) for _ in range(height)]
    path = tmp_path / "t.png"
    path.write_bytes(_png(width, height, rows, [0, 1, 2, 3, 4, 4, 3, 2, 1, 0], bpp))
    w, h, pixels = png_pixels(path)
    expected = [tuple(row[i : i + 3]) for row in rows for i in range(0, width * bpp, bpp)]
    assert (w, h) == (width, height) and pixels == expected


def _near(colour: tuple[int, int, int], hex_colour: str, tolerance: int = 6) -> bool:
    target = (int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16))
    return all(abs(a - b) <= tolerance for a, b in zip(colour, target, strict=True))


@pytest.fixture(scope="module")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium (chromium, chromium-browser or google-chrome on PATH, or $BEHAVIOR_CHROMIUM)")
    return path


def test_renders_in_headless_chromium(chromium: str, tmp_path: Path, document: dict[str, Any], page: str) -> None:
    html_path, png_path = tmp_path / "report.html", tmp_path / "report.png"
    html_path.write_text(page, encoding="utf-8")
    screenshot(html_path, png_path, width=1280, height=2400)
    width, height, pixels = png_pixels(png_path)
    assert (width, height) == (1280, 2400)
    colours = Counter(pixels)
    assert len(colours) > 500, "the screenshot is nearly blank"
    assert colours.most_common(1)[0][1] < 0.9 * len(pixels)
    for name, hex_colour in (("REGRESSED red", RED), ("baseline", BASELINE_COLOR), ("candidate", CANDIDATE_COLOR)):
        assert sum(n for c, n in colours.items() if _near(c, hex_colour)) > 200, f"no {name} ({hex_colour}) pixels"
    dom = dump_dom(html_path)
    assert dom.count("<svg") == expected_pictures(document)
    assert "<script>alert" not in dom and "&lt;script&gt;alert" in dom
