"""A headless Chromium for the tests that check how a page really renders, and a small PNG reader.

``chromium_path()`` finds the browser (``$BEHAVIOR_CHROMIUM``, then ``chromium``, ``chromium-browser``,
``google-chrome`` on the PATH); tests skip when it is None. ``screenshot`` and ``dump_dom`` run it once per
call in a throwaway profile. ``png_pixels`` decodes the 8-bit RGB/RGBA, non-interlaced PNGs Chromium writes
(zlib and the five row filters) in pure Python, so the tests need no imaging library.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from itertools import accumulate
from pathlib import Path

BROWSER_ENV = "BEHAVIOR_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chromium_path() -> str | None:
    """The Chromium (or Chrome) executable to use, or None when there is none."""
    override = os.environ.get(BROWSER_ENV)
    if override:
        return shutil.which(override) or (override if Path(override).is_file() else None)
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    browser = chromium_path()
    if browser is None:
        raise RuntimeError(f"no Chromium found (install chromium, or set ${BROWSER_ENV})")
    with tempfile.TemporaryDirectory(prefix="behavior-chromium-") as profile:
        command = [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--mute-audio",
            f"--user-data-dir={profile}",
            *args,
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"Chromium did not finish within {timeout}s: {' '.join(command)}") from exc
    if done.returncode != 0:
        raise RuntimeError(f"Chromium failed (exit {done.returncode}): {' '.join(command)}\n{done.stderr[-4000:]}")
    return done


def screenshot(
    html_path: str | Path, png_path: str | Path, *, width: int = 1280, height: int = 2400, timeout: float = 60
) -> None:
    """Render ``html_path`` in headless Chromium at ``width`` x ``height`` CSS pixels into ``png_path``."""
    png = Path(png_path).resolve()
    png.unlink(missing_ok=True)
    done = _run(
        [
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            Path(html_path).resolve().as_uri(),
        ],
        timeout,
    )
    if not png.is_file():
        raise RuntimeError(f"Chromium wrote no screenshot to {png}:\n{done.stderr[-4000:]}")


def dump_dom(html_path: str | Path, *, timeout: float = 60) -> str:
    """The DOM Chromium built from ``html_path``, serialized (``--dump-dom``)."""
    return _run(["--dump-dom", Path(html_path).resolve().as_uri()], timeout).stdout


def png_pixels(path: str | Path) -> tuple[int, int, list[tuple[int, int, int]]]:
    """``(width, height, pixels)`` of an 8-bit RGB or RGBA PNG, pixels row by row as RGB (alpha dropped)."""
    data = Path(path).read_bytes()
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError(f"{path} is not a PNG")
    header, idat = _chunks(data)
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or color_type not in (2, 6) or interlace != 0:
        raise ValueError(
            f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are supported "
            f"(depth {depth}, colour type {color_type}, interlace {interlace})"
        )
    bpp = 3 if color_type == 2 else 4
    raw = _unfilter(zlib.decompress(idat), width * bpp, height, bpp)
    channels = [raw[c::bpp] for c in range(3)]
    return width, height, list(zip(*channels, strict=True))


def _chunks(data: bytes) -> tuple[bytes, bytes]:
    header, idat, offset = b"", bytearray(), len(PNG_SIGNATURE)
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        offset += 12 + length
    return header, bytes(idat)


def _unfilter(data: bytes, stride: int, height: int, bpp: int) -> bytes:
    """Undo the per-row PNG filters (None, Sub, Up, Average, Paeth) of ``height`` rows of ``stride`` bytes."""
    out = bytearray()
    previous = bytes(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = data[start], data[start + 1 : start + 1 + stride]
        if kind == 0:
            current = bytes(line)
        elif kind == 1:
            current = _sub(line, bpp)
        elif kind == 2:
            current = _add_bytes(line, previous)
        elif kind == 3:
            current = _average(line, previous, bpp)
        elif kind == 4:
            current = _paeth(line, previous, bpp)
        else:
            raise ValueError(f"unknown PNG filter type {kind} in row {row}")
        out += current
        previous = current
    return bytes(out)


def _add_bytes(a: bytes, b: bytes) -> bytes:
    """Bytewise ``(a + b) mod 256`` in a few big-integer operations (no carry crosses a byte)."""
    n = len(a)
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    low7 = int.from_bytes(b"\x7f" * n, "big")
    high = int.from_bytes(b"\x80" * n, "big")
    return (((x & low7) + (y & low7)) ^ ((x ^ y) & high)).to_bytes(n, "big")


def _sub(line: bytes, bpp: int) -> bytes:
    out = bytearray(len(line))
    for c in range(bpp):
        out[c::bpp] = bytes(map((0xFF).__and__, accumulate(line[c::bpp])))
    return bytes(out)


def _average(line: bytes, previous: bytes, bpp: int) -> bytes:
    out = bytearray(line)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        out[i] = (out[i] + ((left + previous[i]) >> 1)) & 0xFF
    return bytes(out)


def _paeth(line: bytes, previous: bytes, bpp: int) -> bytes:
    out = bytearray(line)
    for i in range(min(bpp, len(out))):  # no left neighbours: the predictor is the byte above
        out[i] = (out[i] + previous[i]) & 0xFF
    for i in range(bpp, len(out)):
        a, b, c = out[i - bpp], previous[i], previous[i - bpp]
        pa, pb = b - c, a - c  # |p - a|, |p - b| and |p - c| for p = a + b - c, before taking signs
        pc = pa + pb
        pa, pb, pc = (pa if pa >= 0 else -pa), (pb if pb >= 0 else -pb), (pc if pc >= 0 else -pc)
        out[i] = (out[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    return bytes(out)
