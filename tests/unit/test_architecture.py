"""The package's architecture rules (issue 14), asserted by reading every module's imports with `ast`.

The rules: no import cycle among the package's modules, even through an import inside a function; no module
imports the public API module; golden/ holds data and imports nothing of report/; stats/ imports nothing of the
package; properties/ import nothing of sampling/ or engine/; only ``sampling.litellm_loader`` imports litellm;
``plugin.py`` imports nothing heavy when pytest loads it and is wiring only (at most 200 lines); no module is a
monolith (at most 450 lines).

Every ``import`` and ``from ... import`` counts, wherever it is written: at module level, inside a function, under
``if TYPE_CHECKING:``. ``from pkg import name`` counts as importing the module ``pkg.name`` when there is one, else
``pkg``. A failure names the module, the line and the import that break the rule.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

import pytest_behavior

PACKAGE = "pytest_behavior"
ROOT = Path(pytest_behavior.__file__).parent
HEAVY = frozenset({"numpy", "scipy", "litellm", "deepdiff", "jsonschema", "tabulate", "hypothesis"})
"""Third-party packages that cost a noticeable part of a second (or seconds) to import."""
LITELLM_IMPORT_POINT = f"{PACKAGE}.sampling.litellm_loader"
"""The one module that imports litellm; the rest of the package asks it (`import_litellm`)."""
PLUGIN_MAX_LINES = 200
MODULE_MAX_LINES = 450


# ---- reading the imports ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """One imported name: ``importer`` (a package module) imports ``target`` (a dotted module name)."""

    importer: str
    target: str
    line: int
    statement: str
    at_import_time: bool  # runs when the importer is imported (module level, not in a function or TYPE_CHECKING)
    for_type_checking: bool = False  # under ``if TYPE_CHECKING:``: never runs
    implicit: bool = False  # ``target`` is a package whose ``__init__`` Python runs before the imported module

    def __str__(self) -> str:
        note = f" (runs {self.target}'s __init__ first)" if self.implicit else ""
        return f"{self.importer} line {self.line}: `{self.statement}`{note}"


def modules_under(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package, by dotted name (a package by its own name, for its ``__init__.py``)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(
    nodes: Iterable[ast.AST], *, at_import_time: bool, for_type_checking: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom | ast.Call, bool, bool]]:
    """Every import statement and call under ``nodes``, whether it runs when the module is imported, and whether it
    is under ``if TYPE_CHECKING:`` (never runs)."""
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Call)):
            yield node, at_import_time, for_type_checking
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            body = node.body if isinstance(node.body, list) else [node.body]
            header = [c for c in ast.iter_child_nodes(node) if all(c is not b for b in body)]  # decorators, defaults
            yield from _import_nodes(header, at_import_time=at_import_time, for_type_checking=for_type_checking)
            yield from _import_nodes(body, at_import_time=False, for_type_checking=for_type_checking)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _import_nodes(node.body, at_import_time=False, for_type_checking=True)
            yield from _import_nodes(node.orelse, at_import_time=at_import_time, for_type_checking=for_type_checking)
        else:  # a class body, try/except, with, for, while, if, match, an expression: everything one level down
            yield from _import_nodes(
                ast.iter_child_nodes(node), at_import_time=at_import_time, for_type_checking=for_type_checking
            )


def _import_call_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """The names the module binds to the ``importlib`` module and to ``importlib.import_module``."""
    modules, functions = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.asname or alias.name for alias in node.names if alias.name == "importlib"}
        elif isinstance(node, ast.ImportFrom) and node.module == "importlib" and not node.level:
            functions |= {alias.asname or alias.name for alias in node.names if alias.name == "import_module"}
    return modules, functions


def _is_import_call(call: ast.Call, importlib_names: set[str], import_module_names: set[str]) -> bool:
    """``importlib.import_module(...)``, ``import_module(...)`` imported from importlib, ``__import__(...)``."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "__import__" or func.id in import_module_names
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and (
            (func.attr == "import_module" and func.value.id in importlib_names)
            or (func.attr == "__import__" and func.value.id == "builtins")
        )
    )


def _string_import_targets(call: ast.Call, tree: ast.Module, module: str, known: Mapping[str, Path]) -> list[str]:
    """The module an import call names: its literal argument (relative to a literal ``package=``); for a computed
    name, every string constant of the module that names a package module (``for m in MODULES: import_module(m)``),
    or what an f-string's literal start can name."""
    argument = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "name"), None)
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        if not argument.value.startswith("."):
            return [argument.value]
        anchor = next((k.value for k in call.keywords if k.arg == "package"), None)
        if isinstance(anchor, ast.Constant) and isinstance(anchor.value, str):
            return [importlib.util.resolve_name(argument.value, anchor.value)]
        return []
    if isinstance(argument, ast.JoinedStr):  # f"{__name__}.{sub}", f"litellm.{name}": every module it can name
        prefix = _literal_prefix(argument, module)
        if not prefix:
            return []
        inside = [name for name in known if name.startswith(prefix) and name != module]
        return inside or [prefix.rpartition(".")[0] or prefix]
    root = module.split(".")[0]
    constants = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in known
    ]
    return [name for name in dict.fromkeys(constants) if name not in (module, root)]


def _literal_prefix(text: ast.JoinedStr, module: str) -> str:
    """The start of an f-string known before it runs (``__name__`` is the module's name)."""
    prefix = ""
    for part in text.values:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            prefix += part.value
        elif isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name) and part.value.id == "__name__":
            prefix += module
        else:
            break
    return prefix


def read_imports(module: str, path: Path, known: Mapping[str, Path]) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    importlib_names, import_module_names = _import_call_names(tree)
    found = []
    for node, at_import_time, for_type_checking in _import_nodes(tree.body, at_import_time=True):
        statement = ast.unparse(node)
        if isinstance(node, ast.Call):
            if not _is_import_call(node, importlib_names, import_module_names):
                continue
            targets = _string_import_targets(node, tree, module, known)
            literal = bool(node.args) and isinstance(node.args[0], ast.Constant)
            found += [
                Import(
                    module,
                    t,
                    node.lineno,
                    statement if literal else f"{statement}  # may import {t!r}",
                    at_import_time,
                    for_type_checking,
                )
                for t in targets
            ]
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source for alias in node.names
            ]
        found += [Import(module, t, node.lineno, statement, at_import_time, for_type_checking) for t in targets]
    return found


def _parents(module: str) -> list[str]:
    """The packages Python runs before ``module``, outermost first (``a.b.c`` -> ``a``, ``a.b``)."""
    parts = module.split(".")
    return [".".join(parts[:k]) for k in range(1, len(parts))]


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def owning_module(target: str, known: Mapping[str, Path]) -> str | None:
    """The package module an imported name belongs to (``pkg.mod.name`` -> ``pkg.mod``); None outside the package."""
    while target:
        if target in known:
            return target
        target = target.rpartition(".")[0]
    return None


@dataclass(frozen=True)
class Package:
    modules: Mapping[str, Path]
    imports: tuple[Import, ...]

    @classmethod
    def read(cls, root: Path, name: str) -> Package:
        modules = modules_under(root, name)
        return cls(modules, tuple(i for m, p in modules.items() for i in read_imports(m, p, modules)))

    def internal(self) -> Iterator[tuple[Import, str]]:
        """Imports of another module of the package, with that module; and the implicit imports they make: importing
        ``pkg.a.b`` first runs ``pkg/__init__`` and ``pkg/a/__init__`` (but not the importer's own packages, which
        are already running when it runs)."""
        for item in self.imports:
            target = owning_module(item.target, self.modules)
            if target is None or target == item.importer:
                continue
            for parent in _parents(target):
                if parent in self.modules and not _within(item.importer, parent):
                    yield replace(item, target=parent, implicit=True), parent
            yield item, target

    def external(self, top_level: str) -> list[Import]:
        return [i for i in self.imports if i.target.split(".")[0] == top_level]

    def cycles(self) -> list[tuple[list[str], list[Import]]]:
        """Each group of modules that import each other (a strongly connected component), with one import
        cycle through it; empty when the imports form a DAG."""
        edges: dict[str, dict[str, Import]] = {m: {} for m in self.modules}
        for item, target in self.internal():
            edges[item.importer].setdefault(target, item)
        return [(group, _cycle_through(group, edges)) for group in _strongly_connected(edges) if len(group) > 1]

    def loaded_with(self, module: str, *, deferred: bool = False) -> dict[str, Import | None]:
        """The package modules that importing ``module`` runs, each with the import that first brings it in
        (their parent packages too, as Python runs them).

        ``deferred``: also through the imports inside functions, what ``module`` can end up loading; then the
        packages around ``module`` are not followed (they ran before it, not because of it)."""
        imports_of: dict[str, list[tuple[Import, str]]] = {}
        for item, target in self.internal():
            if item.at_import_time or (deferred and not item.for_type_checking):
                imports_of.setdefault(item.importer, []).append((item, target))
        around = set(_parents(module)) if deferred else set()
        loaded: dict[str, Import | None] = {}
        pending: list[tuple[str, Import | None]] = [(module, None)]
        while pending:
            name, via = pending.pop()
            for candidate in [*_parents(name), name]:
                if candidate in loaded or candidate in around or candidate not in self.modules:
                    continue
                loaded[candidate] = via
                pending += [(target, item) for item, target in imports_of.get(candidate, [])]
        return loaded


def _strongly_connected(edges: Mapping[str, Mapping[str, Import]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on a deep chain)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(sorted(group))
    return groups


def _cycle_through(group: list[str], edges: Mapping[str, Mapping[str, Import]]) -> list[Import]:
    """The shortest cycle from the group's first module back to it, as the imports that make it."""
    start, members = group[0], set(group)
    came_from: dict[str, Import] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target, item in edges[node].items():
                if target not in members or target in came_from:
                    continue
                came_from[target] = item
                if target == start:
                    path, at = [], start
                    while True:
                        path.append(came_from[at])
                        at = came_from[at].importer
                        if at == start:
                            return path[::-1]
                following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start} in its strongly connected group {group}")


def _listing(imports: list[Import]) -> str:
    return "\n".join(f"  {line}" for line in dict.fromkeys(map(str, imports)))


@pytest.fixture(scope="module")
def package() -> Package:
    return Package.read(ROOT, PACKAGE)


# ---- the rules ----------------------------------------------------------------------------------------------------


def test_no_import_cycle_among_the_package_modules(package: Package) -> None:
    cycles = package.cycles()
    shown = "\n".join(
        f"{len(group)} modules import each other ({', '.join(group)}); one cycle:\n{_listing(cycle)}"
        for group, cycle in cycles
    )
    assert not cycles, f"import cycles (imports inside functions count too):\n{shown}"


def test_no_module_imports_the_public_api_module(package: Package) -> None:
    found = [item for item, target in package.internal() if target == PACKAGE]
    assert not found, (
        f"{PACKAGE}/__init__.py is the public API: it re-exports the package (some names under TYPE_CHECKING), so a "
        f"module importing from it closes a cycle; import the name from the module that defines it:\n{_listing(found)}"
    )


def _imports_between(package: Package, importer_prefix: str, forbidden: tuple[str, ...]) -> list[Import]:
    return [
        item
        for item, target in package.internal()
        if item.importer.startswith(importer_prefix) and target.startswith(forbidden)
    ]


def test_golden_holds_data_and_imports_nothing_of_report(package: Package) -> None:
    found = _imports_between(package, f"{PACKAGE}.golden", (f"{PACKAGE}.report",))
    assert not found, f"golden/ holds data, not rendering; it must not import report/:\n{_listing(found)}"


def _reaches(package: Package, importer_package: str, forbidden: tuple[str, ...]) -> list[str]:
    """Each way a module of ``importer_package`` can end up loading a module of ``forbidden`` (through module-level
    and function-level imports, string imports included), as the chain of imports from the first forbidden module
    reached back to the importer."""
    chains = []
    for module in package.modules:
        if not _within(module, importer_package):
            continue
        loaded = package.loaded_with(module, deferred=True)
        entries = [
            name
            for name, via in loaded.items()
            if any(_within(name, f) for f in forbidden)
            and via is not None
            and not any(_within(via.importer, f) for f in forbidden)
        ]
        chains += [_chain(loaded, name) for name in entries]
    return list(dict.fromkeys(chains))


def _chain(loaded: Mapping[str, Import | None], module: str) -> str:
    """How ``module`` is loaded: the import that brings it in, then the one that brings in that importer, ..."""
    links, via = [], loaded[module]
    while via is not None:
        links.append(str(via))
        via = loaded[via.importer]
    return "\n    imported by ".join(links)


def test_golden_can_load_nothing_of_report(package: Package) -> None:
    found = _reaches(package, f"{PACKAGE}.golden", (f"{PACKAGE}.report",))
    assert not found, (
        "golden/ holds data, not rendering: nothing it imports may load report/, also through other modules and "
        "imports inside functions:\n  " + "\n  ".join(found)
    )


def test_properties_can_load_nothing_of_sampling_or_engine(package: Package) -> None:
    found = _reaches(package, f"{PACKAGE}.properties", (f"{PACKAGE}.sampling", f"{PACKAGE}.engine"))
    assert not found, (
        "properties/ import nothing of sampling/ or engine/, also through other modules and imports inside "
        "functions:\n  " + "\n  ".join(found)
    )


def test_stats_imports_nothing_of_the_package_but_stats(package: Package) -> None:
    found = [
        item
        for item, target in package.internal()
        if item.importer.startswith(f"{PACKAGE}.stats") and not target.startswith(f"{PACKAGE}.stats")
    ]
    assert not found, f"stats/ is pure functions and imports nothing of the package but stats/:\n{_listing(found)}"


def test_properties_import_nothing_of_sampling_or_engine(package: Package) -> None:
    found = _imports_between(package, f"{PACKAGE}.properties", (f"{PACKAGE}.sampling", f"{PACKAGE}.engine"))
    assert not found, (
        "properties/ measure outputs: they import nothing of sampling/ or engine/ (an LLM-judged "
        f"property declares a `JudgeRequest`, the engine obtains the labels):\n{_listing(found)}"
    )


def test_only_the_litellm_import_point_imports_litellm(package: Package) -> None:
    found = [item for item in package.external("litellm") if item.importer != LITELLM_IMPORT_POINT]
    assert LITELLM_IMPORT_POINT in package.modules, f"{LITELLM_IMPORT_POINT} is gone; update this test"
    assert not found, (
        f"litellm is imported in one place, {LITELLM_IMPORT_POINT} (call its `import_litellm`):\n{_listing(found)}"
    )


def test_the_plugin_module_imports_nothing_heavy_when_pytest_loads_it(package: Package) -> None:
    loaded = package.loaded_with(f"{PACKAGE}.plugin")
    heavy = [
        item
        for item in package.imports
        if item.importer in loaded and item.at_import_time and item.target.split(".")[0] in HEAVY
    ]
    chains = ["\n    imported by ".join([str(item), *filter(None, [_chain(loaded, item.importer)])]) for item in heavy]
    assert not heavy, (
        "plugin.py must import nothing heavy at module level, also through the package modules it "
        f"imports ({', '.join(sorted(HEAVY))}; import them inside the function that needs them):\n  "
        + "\n  ".join(chains)
    )


def test_the_reading_agrees_with_what_python_imports(package: Package) -> None:
    """Every module of the package (and every heavy one) that a fresh interpreter loads with plugin.py is one
    `loaded_with` finds: the rule above misses no import Python runs (``importlib`` included)."""
    probe = (
        f"import sys, {PACKAGE}.plugin\n"
        f"print('\\n'.join(sorted(m for m in sys.modules if m == {PACKAGE!r} or m.startswith({PACKAGE + '.'!r})"
        f" or m.split('.')[0] in {sorted(HEAVY)!r})))"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True, cwd=ROOT.parent
    )
    missed = set(ran.stdout.split()) - set(package.loaded_with(f"{PACKAGE}.plugin"))
    assert not missed, f"imported with plugin.py, but not found by reading its imports: {', '.join(sorted(missed))}"


IMPORT_EACH_ALONE = """
import os, sys, time, traceback
modules, preload = sys.argv[1].split(), sys.argv[2].split()
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # as sampling/litellm_loader imports it: offline
os.environ.setdefault("LITELLM_TELEMETRY", "False")
for name in preload:  # third-party only (scipy.stats, ...): no module of the package is loaded before a child imports
    try:
        __import__(name)
    except Exception:
        pass
running, failures = {}, []

def reap():
    while True:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid:
            break
        for child, (module, _, started) in running.items():
            if time.monotonic() - started > 120:
                os.kill(child, 9)
        time.sleep(0.005)
    module, read, started = running.pop(pid)
    reason = os.read(read, 65536).decode(errors="replace")
    os.close(read)
    if status:
        failures.append(f"{module}: {reason or 'killed after 120 s' if status == 9 else reason or status}")

def start(module):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            __import__(module)
        except BaseException:
            os.write(write, traceback.format_exc().strip().splitlines()[-1].encode())
            os._exit(1)
        os._exit(0)
    os.close(write)
    running[pid] = (module, read, time.monotonic())

for module in modules:
    while len(running) >= 2:
        reap()
    start(module)
while running:
    reap()
print("\\n".join(failures))
"""


def test_every_module_imports_alone_in_a_fresh_interpreter(package: Package) -> None:
    """The safety net under the reading: a cycle Python trips on (``ImportError: cannot import name ... (most likely
    due to a circular import)``) shows when the module that starts it is the first one imported. One interpreter
    imports the third-party packages once, then forks a child per module (two at a time) that imports it alone."""
    modules = sorted(m for m in package.modules if not m.endswith("__main__"))
    third_party = sorted(
        {i.target for i in package.imports if i.target.split(".")[0] not in {*sys.stdlib_module_names, PACKAGE, ""}}
    )
    ran = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_ALONE, " ".join(modules), " ".join(third_party)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT.parent,
        check=True,
    )
    failures = [line for line in ran.stdout.splitlines() if line.strip()]
    assert not failures, "modules that fail to import in a fresh interpreter:\n  " + "\n  ".join(failures)


def test_a_session_with_the_plugin_loads_nothing_heavy(pytester: pytest.Pytester) -> None:
    """What a session that samples nothing loads (a plain test, a behavior test skipped for want of a baseline):
    none of the heavy packages, read from ``sys.modules`` when pytest unconfigures."""
    loaded = pytester.path / "modules.txt"
    pytester.makeconftest(
        f"""
        import sys

        def pytest_unconfigure(config):
            open({str(loaded)!r}, "w", encoding="utf-8").write("\\n".join(sorted(sys.modules)))
        """
    )
    pytester.makepyfile(
        """
        import pytest

        def test_plain():
            assert 1 + 1 == 2

        @pytest.mark.refusal_bound(max_increase=0.05)
        def test_refusals(behavior):
            behavior.sample(["hello"])
        """
    )
    # hypothesis's own pytest plugin imports hypothesis; pytest-randomly reseeds numpy when it can: not ours
    result = pytester.runpytest_subprocess(
        "-p", "no:randomly", "-p", "no:hypothesispytest", "-p", "no:cacheprovider", timeout=300
    )
    result.assert_outcomes(passed=1, skipped=1)
    modules = set(loaded.read_text(encoding="utf-8").split())
    assert f"{PACKAGE}.plugin" in modules
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not heavy, f"a session that samples nothing loaded heavy modules: {', '.join(heavy)}"


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_plugin_is_wiring_only(package: Package) -> None:
    lines = _lines(package.modules[f"{PACKAGE}.plugin"])
    assert lines <= PLUGIN_MAX_LINES, (
        f"pytest_behavior/plugin.py has {lines} lines (at most {PLUGIN_MAX_LINES}): "
        "it wires options, fixtures and hooks; logic goes to the rooms it calls"
    )


def test_no_module_is_a_monolith(package: Package) -> None:
    over = {
        str(path.relative_to(ROOT.parent)): n
        for path in package.modules.values()
        if (n := _lines(path)) > MODULE_MAX_LINES
    }
    assert not over, f"modules over {MODULE_MAX_LINES} lines (split them by concept): " + ", ".join(
        f"{name} ({n})" for name, n in sorted(over.items())
    )


# ---- the reading itself, on a small package -----------------------------------------------------------------------


def _write(root: Path, files: Mapping[str, str]) -> Package:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Package.read(root / "pkg", "pkg")


def test_a_cycle_through_an_import_inside_a_function_is_found_and_named(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkg.sub import b\n",
            "sub/__init__.py": "",
            "sub/b.py": "import os\n\ndef f():\n    from pkg import c\n",
            "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import X\n",
            "d.py": "from pkg.a import thing\n",
        },
    )
    [(group, cycle)] = package.cycles()
    assert group == ["pkg.a", "pkg.c", "pkg.sub.b"]
    assert [(i.importer, i.line) for i in cycle] == [("pkg.a", 1), ("pkg.sub.b", 4), ("pkg.c", 3)]
    assert str(cycle[1]) == "pkg.sub.b line 4: `from pkg import c`"


def test_module_level_imports_are_told_from_deferred_ones(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "plugin.py": "import pkg.light\n",
            "light.py": (
                "from typing import TYPE_CHECKING\nimport json\nif TYPE_CHECKING:\n    import numpy\n"
                "else:\n    import re\ntry:\n    from . import lazy\nexcept ImportError:\n    pass\n"
                "class C:\n    import tabulate\n\ndef f():\n    import scipy\n"
            ),
            "lazy.py": "import litellm.utils\n",
            "unused.py": "import hypothesis\n",
        },
    )
    loaded = package.loaded_with("pkg.plugin")
    assert set(loaded) == {"pkg", "pkg.plugin", "pkg.light", "pkg.lazy"}
    at_import = {i.target for i in package.imports if i.importer in loaded and i.at_import_time}
    assert at_import == {"pkg.light", "typing", "json", "re", "pkg.lazy", "tabulate", "litellm.utils"}
    assert [i.importer for i in package.external("litellm")] == ["pkg.lazy"]
    assert not package.cycles()


def test_a_cycle_through_a_package_init_is_found(tmp_path: Path) -> None:
    """``import pkg.a.x`` runs ``pkg/a/__init__`` first: ``b`` -> ``a`` -> ``b`` is a cycle Python trips on."""
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "a/__init__.py": "from pkg.b import thing\n",
            "a/x.py": "",
            "b.py": "import pkg.a.x\nthing = 1\n",
            "c.py": "from pkg.a import x\n",  # pkg.a runs first too, but nothing of pkg.a imports c
        },
    )
    [(group, cycle)] = package.cycles()
    assert group == ["pkg.a", "pkg.b"]
    assert sorted(map(str, cycle)) == [
        "pkg.a line 1: `from pkg.b import thing`",
        "pkg.b line 1: `import pkg.a.x` (runs pkg.a's __init__ first)",
    ]
    failed = subprocess.run(
        [sys.executable, "-c", "import pkg.b"], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert "circular import" in failed.stderr  # what the edge stands for: Python fails on it


def test_string_imports_are_imports(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": (
                "import importlib as il\nfrom importlib import import_module as load\n"
                "il.import_module('pkg.b')\n__import__('pkg.c')\n"
                "MODULES = ('pkg.d', 'pkg.e')\n"
                "def f():\n    for name in MODULES:\n        load(name)\n"
                "def g(sub):\n    return il.import_module(f'{__name__}x.{sub}')\n"
                "def h():\n    il.import_module('.b', package='pkg')\n"
            ),
            **{f"{m}.py": "" for m in "bcde"},
            "ax/__init__.py": "",
            "ax/y.py": "",
        },
    )
    edges = {(i.target, i.at_import_time) for i, _ in package.internal() if i.importer == "pkg.a"}
    literal = {("pkg.b", True), ("pkg.c", True), ("pkg.b", False), ("pkg.ax", False), ("pkg.ax.y", False)}
    from_the_module_strings = {(f"pkg.{m}", False) for m in "bcde"}  # `load(name)`: any module string it holds
    assert edges == literal | from_the_module_strings


def test_the_transitive_rules_follow_imports_inside_functions(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "golden/__init__.py": "",
            "golden/store.py": "from pkg import errors\n",
            "errors.py": "def f():\n    from pkg.report.sanitize import printable\n",
            "report/__init__.py": "",
            "report/sanitize.py": "",
            "other.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.report\n",
            "golden/types.py": "import pkg.other\n",
        },
    )
    via = "\n    imported by pkg.golden.store line 1: `from pkg import errors`"
    assert set(_reaches(package, "pkg.golden", ("pkg.report",))) == {
        "pkg.errors line 2: `from pkg.report.sanitize import printable`" + via
    }  # not golden/types: pkg.other imports report only for type checking
