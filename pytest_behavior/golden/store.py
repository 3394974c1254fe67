"""Golden files: one deterministic JSON file per test under ``golden/``, written atomically.

A golden file records the baseline's behavior: per input id, the input, its segment and the
outputs of each repeat; plus the bundle (label, fingerprint, description without credentials),
the run's settings, the properties and detector versions, the LLM judges' scores of the recorded
outputs (``judged``, optional), and the plugin version. Keys are sorted and the layout is stable,
so ``git diff`` on a golden file is the review of a behavior change. Re-recording identical behavior
leaves the file untouched (no date churn).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_behavior.errors import GoldenFileError
from pytest_behavior.files import remove_stale_temp_files, write_text_atomic
from pytest_behavior.spec.output import Output, describe_value, payload_problem

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
    judged: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per LLM-judged property (by marker), the judge's scores of the recorded outputs (`engine.judged_record`);
    optional: files recorded before it, or without a judged property, have none."""

    @property
    def markers(self) -> tuple[str, ...]:
        """The markers of the recorded properties, in order, each once."""
        return tuple(dict.fromkeys(str(p.get("marker")) for p in self.properties if isinstance(p, Mapping)))

    @property
    def follow_ups(self) -> bool:
        """Whether the test asked follow-up turns (its answers are the last turn's)."""
        return bool(self.settings.get("follow_up"))

    def to_json(self) -> dict[str, Any]:
        judged = {"judged": {k: dict(v) for k, v in self.judged.items()}} if self.judged else {}
        return {
            "format": FORMAT_VERSION,
            "test": self.test,
            "plugin": {"name": "pytest-behavior", "version": self.plugin_version},
            "recorded_at": self.recorded_at,
            "bundle": dict(self.bundle),
            "settings": dict(self.settings),
            "properties": [dict(p) for p in self.properties],
            "detectors": dict(self.detectors),
            **judged,
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
        raise GoldenFileError(
            f"test {_shown(nodeid)}: its id is too long to name a golden file under {root} "
            f"(give the test or its parameters shorter ids)"
        )
    resolved_root = root.resolve()
    if not path.resolve().is_relative_to(resolved_root):
        raise GoldenFileError(
            f"test {_shown(nodeid)}: its golden file {path} would resolve outside the golden "
            f"directory {resolved_root} (a symlink in the way?); the plugin writes only inside it"
        )


def _shown(nodeid: str) -> str:
    return repr(nodeid) if len(nodeid) <= 300 else repr(nodeid[:300]) + f"... ({len(nodeid)} characters)"


def _safe(name: str) -> str:
    """A file-system-safe name; when cleaning changed it, a hash of the original keeps names distinct
    (``test[a/b]`` and ``test[a_b]`` must not share a golden file). ``.`` and ``..`` are not names, and a
    name stays within `_MAX_NAME` characters and `_MAX_NAME_BYTES` bytes."""
    cleaned = _UNSAFE.sub("_", name)
    if (
        cleaned == name
        and len(cleaned) <= _MAX_NAME
        and len(cleaned.encode()) <= _MAX_NAME_BYTES
        and cleaned.strip(".")
    ):
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
    naming the path, followed by ``fix`` (by default: re-record the test it names), if it is missing, unreadable
    or not a golden file. Every field is checked here, so a malformed one is named with its path in the file
    (``samples["a"].outputs[0].latency_ms``) rather than failing later in whatever reads it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GoldenFileError(f"{path} does not exist{_then(fix, None)}") from None
    except RecursionError:  # ``[[[[...`` deeper than the parser goes: corrupt, not an internal error
        raise GoldenFileError(f"golden file {path} is corrupt (nested too deeply to read){_then(fix, None)}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GoldenFileError(f"golden file {path} is corrupt ({exc}){_then(fix, None)}") from None
    try:
        return _parse(data)
    except _Malformed as exc:
        raise GoldenFileError(
            f"golden file {path} is not a pytest-behavior golden file: {exc}{_then(fix, data)}"
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:  # a check missed: still named
        raise GoldenFileError(
            f"golden file {path} is not a pytest-behavior golden file ({type(exc).__name__}: {exc}){_then(fix, data)}"
        ) from None


def _then(fix: str | None, data: Any) -> str:
    if fix is None:
        test = data.get("test") if isinstance(data, dict) else None
        command = f"pytest {test} --behavior-update" if isinstance(test, str) and test else "pytest --behavior-update"
        fix = f"restore it from git or re-record it with `{command}`"
    return f"; {fix}"


def load_golden(path: Path) -> GoldenRecord:
    """A golden file, whichever test recorded it, with every recorded output readable; `GoldenFileError` naming
    the path when it cannot be used."""
    record = read_golden_file(path)
    try:
        for sample in record.samples.values():
            sample.texts  # noqa: B018  (a latency or cost that is not a number fails here, not mid-report)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GoldenFileError(
            f"golden file {path} is not a pytest-behavior golden file ({type(exc).__name__}: {exc})"
        ) from None
    return record


def golden_files(path: Path) -> list[Path]:
    """``path`` itself, or every ``*.json`` under a directory (recursive, sorted; hidden files and temp files of
    interrupted writers are skipped)."""
    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*.json")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
    if not path.exists():
        raise GoldenFileError(f"{path} does not exist")
    return [path]


class _Malformed(ValueError):
    """A field of a golden file that does not hold what the format says: its path, what it should hold, and what
    it holds (as `describe_value` puts it, or ``missing``). A `ValueError`, as callers of `_parse` expect."""

    def __init__(self, field: str, expected: str, actual: str) -> None:
        super().__init__(f"{field} is {actual}; expected {expected}")


def _field(
    data: Mapping[str, Any], key: str, where: str, expected: str, ok: Callable[[Any], bool], *, required: bool = True
) -> Any:
    """``data[key]``, checked: `_Malformed` naming ``where.key`` when it is absent (and required) or not ``ok``."""
    name = f"{where}.{key}" if where else key
    if key not in data:
        if required:
            raise _Malformed(name, expected, "missing")
        return None
    value = data[key]
    if not ok(value):
        raise _Malformed(name, expected, describe_value(value))
    return value


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _is_int(value: Any, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _opt(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or check(value)


def _sample_name(sid: str) -> str:
    shown = sid if len(sid) <= 80 else sid[:80] + "..."
    return f"samples[{json.dumps(shown, ensure_ascii=False)}]"


def _parse(data: Any) -> GoldenRecord:
    """The record a golden file holds, every field checked (`_Malformed` names the first bad one)."""
    if not isinstance(data, dict):
        raise _Malformed("the top level", "an object", describe_value(data))
    version = _field(data, "format", "", f"the format number {FORMAT_VERSION}", lambda v: _is_int(v, 1))
    if version != FORMAT_VERSION:
        raise _Malformed(
            "format",
            f"{FORMAT_VERSION}: this plugin reads format {FORMAT_VERSION}, not format {version} "
            "(written by a newer pytest-behavior?)",
            describe_value(version),
        )
    samples = {
        sid: _sample(raw, _sample_name(sid))
        for sid, raw in _field(data, "samples", "", "an object of samples by input id", _is_object).items()
    }
    test = _field(data, "test", "", "the test id, a string", _is_str)
    bundle = _field(data, "bundle", "", "an object", _is_object)
    _field(bundle, "fingerprint", "bundle", "the bundle's fingerprint, a string", _is_str)
    _field(bundle, "label", "bundle", "a string", _is_str, required=False)
    _field(bundle, "description", "bundle", "an object or null", _opt(_is_object), required=False)
    settings = _field(data, "settings", "", "an object", _is_object)
    _field(settings, "repeats", "settings", "an integer >= 1", lambda v: _is_int(v, 1), required=False)
    _field(settings, "seed", "settings", "an integer", lambda v: _is_int(v, -(2**63)), required=False)
    _field(settings, "n", "settings", "an integer >= 0 or null", _opt(_is_int), required=False)
    _field(settings, "prompt", "settings", "a string or null", _opt(_is_str), required=False)
    properties = (
        _field(data, "properties", "", "a list of objects", lambda v: isinstance(v, list), required=False) or []
    )
    for i, prop in enumerate(properties):
        if not _is_object(prop):
            raise _Malformed(f"properties[{i}]", "an object describing a property", describe_value(prop))
    detectors = _field(data, "detectors", "", "an object", _is_object, required=False) or {}
    for name, detector in detectors.items():
        if not _is_str(detector):
            raise _Malformed(
                f"detectors[{json.dumps(name)}]", "a string (a detector's name and version)", describe_value(detector)
            )
    judged = _field(data, "judged", "", "an object of judge scores by marker", _is_object, required=False) or {}
    for name, summary in judged.items():
        _judged_summary(summary, f"judged[{json.dumps(name)}]")
    plugin = _field(data, "plugin", "", "an object", _is_object)
    _field(plugin, "version", "plugin", "a string", _is_str)
    recorded_at = _field(data, "recorded_at", "", "a date, a string", _is_str, required=False) or ""
    return GoldenRecord(
        test=test,
        bundle=dict(bundle),
        settings=dict(settings),
        properties=tuple(properties),
        detectors=dict(detectors),
        plugin_version=plugin["version"],
        recorded_at=recorded_at,
        samples=samples,
        judged={k: dict(v) for k, v in judged.items()},
    )


def _judged_summary(summary: Any, where: str) -> None:
    """A judged property's recorded scores: the judge id, counts (integers >= 0), and the rubric's scores per
    point of its scale."""
    if not _is_object(summary):
        raise _Malformed(where, "an object (a judge's scores)", describe_value(summary))
    _field(summary, "judge", where, "the judge's id, a string", _is_str)
    for key in ("n", "unparsed", "right", "judged", "undecided"):
        _field(summary, key, where, "an integer >= 0", _is_int, required=False)
    _field(summary, "scale", where, "an integer >= 2", lambda v: _is_int(v, 2), required=False)
    _field(summary, "mean", where, "a number or null", _opt(_is_number), required=False)
    counts = _field(summary, "counts", where, "a list of integers >= 0", _is_counts, required=False)
    if counts is not None and "scale" in summary and len(counts) != summary["scale"]:
        raise _Malformed(f"{where}.counts", f"one count per score 1..{summary['scale']}", f"{len(counts)} counts")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_counts(value: Any) -> bool:
    return isinstance(value, list) and all(_is_int(v) for v in value)


def _sample(raw: Any, where: str) -> GoldenSample:
    if not _is_object(raw):
        raise _Malformed(where, "an object with 'input' and 'outputs'", describe_value(raw))
    value = _field(raw, "input", where, "a string or an object", lambda v: isinstance(v, (str, dict)))
    segment = _field(raw, "segment", where, "a string or null", _opt(_is_str), required=False)
    outputs = _field(raw, "outputs", where, "a list of outputs", lambda v: isinstance(v, list))
    if not outputs:
        raise _Malformed(f"{where}.outputs", "at least one output (this sample has no outputs)", "an empty list")
    for i, output in enumerate(outputs):
        problem = payload_problem(output)
        if problem is not None:
            field = f".{problem.field}" if problem.field else ""
            raise _Malformed(f"{where}.outputs[{i}]{field}", problem.expected, problem.actual)
    return GoldenSample(input=value, segment=segment, outputs=tuple(outputs))


def dumps(record: GoldenRecord) -> str:
    text = json.dumps(record.to_json(), indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    # a lone surrogate (a provider can send one) has no UTF-8 form: as its JSON escape it reads back unchanged
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


#: Fields that vary between recordings of the same behavior; a change in them alone does not rewrite a file.
VOLATILE_FIELDS = frozenset({"recorded_at", "latency_ms", "ttft_ms", "cost_usd"})


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
            existing = json.loads(path.read_text(encoding="utf-8"))
            _parse(existing)  # a malformed file is rewritten, also where only a volatile field (latency) is bad
            if _stable(existing) == _stable(json.loads(text)):
                return False
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            pass  # unreadable, not JSON, nested too deeply or malformed: the plugin's own file to record over
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)  # a replaced file keeps its mode; a new one follows the umask
    except OSError as exc:
        raise GoldenFileError(
            f"golden file {path} could not be written ({exc.strerror or exc}): the golden directory must be a "
            f"writable folder (ini: behavior_golden_dir); samples already received stay in the sample cache unless "
            f"--behavior-cache=off"
        ) from None
    return True
