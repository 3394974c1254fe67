"""Golden files: one deterministic JSON file per test under ``golden/``, written atomically.

A golden file records the baseline's behavior: per input id, the input, its segment and the
outputs of each repeat; plus the bundle (label, fingerprint, description without credentials),
the run's settings, the properties and detector versions, and the plugin version. Keys are
sorted and the layout is stable, so ``git diff`` on a golden file is the review of a behavior
change. Re-recording identical behavior leaves the file untouched (no date churn).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_behavior.errors import GoldenFileError
from pytest_behavior.files import remove_stale_temp_files, write_text_atomic
from pytest_behavior.output import Output

FORMAT_VERSION = 1
_UNSAFE = re.compile(r"[^\w.\-\[\]=,+@]")
_MAX_NAME = 120
_MAX_NAME_BYTES = 236  # the longest name whose temporary file fitted in 255 bytes before: no name changes
_MAX_RELATIVE_PATH = 3000  # bytes; PATH_MAX is 4096 with the golden directory's own path in front


@dataclass(frozen=True)
class GoldenSample:
    input: Any
    segment: str | None
    outputs: tuple[Mapping[str, Any], ...]

    @property
    def texts(self) -> tuple[Output, ...]:
        """The outputs as properties see them (text, plus the tool calls, latency and cost recorded)."""
        return tuple(Output.from_payload(o) for o in self.outputs)


@dataclass(frozen=True)
class GoldenRecord:
    test: str
    bundle: Mapping[str, Any]
    settings: Mapping[str, Any]
    properties: tuple[Mapping[str, Any], ...]
    detectors: Mapping[str, str]
    plugin_version: str
    recorded_at: str
    samples: Mapping[str, GoldenSample]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "test": self.test,
            "plugin": {"name": "pytest-behavior", "version": self.plugin_version},
            "recorded_at": self.recorded_at,
            "bundle": dict(self.bundle),
            "settings": dict(self.settings),
            "properties": [dict(p) for p in self.properties],
            "detectors": dict(self.detectors),
            "samples": {
                sid: {"input": s.input, "segment": s.segment, "outputs": [dict(o) for o in s.outputs]}
                for sid, s in self.samples.items()
            },
        }


def golden_path(root: Path, nodeid: str) -> Path:
    """``dir/test_mod.py::Class::test[param]`` -> ``root/dir/test_mod/Class/test[param].json``.

    Whatever the test id holds (``..``, separators, an absolute path, NUL, thousands of characters), the path
    stays inside ``root``, checked after resolving it; a test id that cannot name a file there is a
    `GoldenFileError` naming the test.
    """
    file_part, _, rest = nodeid.partition("::")
    try:
        module = Path(file_part).with_suffix("")
    except ValueError:  # a file part with no name (``.``, ``..``, ``x/``)
        module = Path(file_part)
    parts = [p.replace("\0", "_") for p in module.parts if p not in ("..", ".", "/", "\\", module.anchor)]
    names = [_safe(part) for part in rest.split("::") if part] or ["test"]
    path = root.joinpath(*parts, *names[:-1], names[-1] + ".json")
    _check_inside(root, path, nodeid)
    return path


def _check_inside(root: Path, path: Path, nodeid: str) -> None:
    relative = path.relative_to(root)
    if len(os.fsencode(str(relative))) > _MAX_RELATIVE_PATH:
        raise GoldenFileError(f"test {_shown(nodeid)}: its id is too long to name a golden file under {root} "
                              f"(give the test or its parameters shorter ids)")
    resolved_root = root.resolve()
    if not path.resolve().is_relative_to(resolved_root):
        raise GoldenFileError(f"test {_shown(nodeid)}: its golden file {path} would resolve outside the golden "
                              f"directory {resolved_root} (a symlink in the way?); the plugin writes only inside it")


def _shown(nodeid: str) -> str:
    return repr(nodeid) if len(nodeid) <= 300 else repr(nodeid[:300]) + f"... ({len(nodeid)} characters)"


def _safe(name: str) -> str:
    """A file-system-safe name; when cleaning changed it, a hash of the original keeps names distinct
    (``test[a/b]`` and ``test[a_b]`` must not share a golden file). ``.`` and ``..`` are not names, and a
    name stays within `_MAX_NAME` characters and `_MAX_NAME_BYTES` bytes."""
    cleaned = _UNSAFE.sub("_", name)
    if (cleaned == name and len(cleaned) <= _MAX_NAME and len(cleaned.encode()) <= _MAX_NAME_BYTES
            and cleaned.strip(".")):
        return cleaned
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    cut = cleaned[: _MAX_NAME - 13].encode()[: _MAX_NAME_BYTES - 13].decode("utf-8", "ignore")
    return (cut if cut.strip(".") else "_") + "-" + digest


def read_golden(path: Path, *, nodeid: str) -> GoldenRecord:
    """The golden file of test ``nodeid``; `GoldenFileError` naming the path and the command to re-record it."""
    fix = f"record it with `pytest {nodeid} --behavior-update`"
    if not path.exists():
        raise GoldenFileError(f"no golden file for this test: {path} does not exist; {fix}")
    record = read_golden_file(path, fix=f"restore it from git or {fix}")
    if record.test != nodeid:
        raise GoldenFileError(
            f"golden file {path} was recorded for {record.test!r}, not for this test ({nodeid!r}); {fix}"
        )
    return record


def read_golden_file(path: Path, *, fix: str | None = None) -> GoldenRecord:
    """A golden file, whichever test recorded it (the CLI's ``show``, ``card`` and ``diff``); `GoldenFileError`
    naming the path, followed by ``fix`` when given, if it is missing, unreadable or not a golden file."""
    then = f"; {fix}" if fix else ""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GoldenFileError(f"{path} does not exist{then}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GoldenFileError(f"golden file {path} is corrupt ({exc}){then}") from None
    try:
        return _parse(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GoldenFileError(
            f"golden file {path} is not a pytest-behavior golden file ({type(exc).__name__}: {exc}){then}"
        ) from None


def _parse(data: Any) -> GoldenRecord:
    if not isinstance(data, dict):
        raise TypeError("top level is not an object")
    version = data["format"]
    if version != FORMAT_VERSION:
        raise ValueError(f"format {version!r}, this plugin reads format {FORMAT_VERSION}")
    samples = {}
    for sid, raw in data["samples"].items():
        outputs = tuple(raw["outputs"])
        if not outputs or not all(isinstance(o, dict) and isinstance(o.get("text"), str) for o in outputs):
            raise ValueError(f"sample {sid!r} has no outputs with a 'text' field")
        samples[str(sid)] = GoldenSample(input=raw["input"], segment=raw.get("segment"), outputs=outputs)
    return GoldenRecord(
        test=str(data["test"]), bundle=dict(data["bundle"]), settings=dict(data["settings"]),
        properties=tuple(data.get("properties", [])), detectors=dict(data.get("detectors", {})),
        plugin_version=str(data["plugin"]["version"]), recorded_at=str(data.get("recorded_at", "")),
        samples=samples,
    )


def dumps(record: GoldenRecord) -> str:
    text = json.dumps(record.to_json(), indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    # a lone surrogate (a provider can send one) has no UTF-8 form: as its JSON escape it reads back unchanged
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


#: Fields that vary between recordings of the same behavior; a change in them alone does not rewrite a file.
VOLATILE_FIELDS = frozenset({"recorded_at", "latency_ms", "cost_usd"})


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE_FIELDS}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def write_golden(path: Path, record: GoldenRecord) -> bool:
    """Write atomically (temp file + rename); False when only volatile fields (date, latency) would change."""
    text = dumps(record)
    remove_stale_temp_files(path)  # left by a writer that was killed; only one process writes this test's file
    if path.exists():
        try:
            if _stable(json.loads(path.read_text(encoding="utf-8"))) == _stable(json.loads(text)):
                return False
        except (OSError, ValueError):
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)  # a replaced file keeps its mode; a new one follows the umask
    return True
