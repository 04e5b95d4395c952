"""Architecture rules for the `reporter` package, checked on the source tree.

- no import cycle among `reporter` modules (module-level, function-level and `if TYPE_CHECKING:` imports all count);
- `import reporter.settings` stays light: no office-file, template or mail libraries;
- only `reporter/io/` imports openpyxl, xlsxwriter, python-docx, docxtpl, python-calamine or pdfplumber, or runs
  LibreOffice;
- every module starts with a docstring and uses `from __future__ import annotations`;
- every CLI command has help text with an example (示例) and is documented in README.md.
"""

from __future__ import annotations

import ast
import itertools
import re
import subprocess
import sys
from collections import deque
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE_DIR = REPO / "reporter"
IO_DIR = PACKAGE_DIR / "io"
ROOT = "reporter"

MODULE_FILES = sorted(p for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts)

# Third-party libraries only reporter/io/ may import (top-level import names).
IO_ONLY_LIBRARIES = ("openpyxl", "xlsxwriter", "docx", "docxtpl", "python_calamine", "pdfplumber")

# Libraries `import reporter.settings` must not load.
HEAVY_FOR_SETTINGS = (
    "docx", "openpyxl", "python_calamine", "jinja2", "smtplib", "imaplib", "imapclient", "docxtpl", "pdfplumber",
    "pandas",
)  # fmt: skip


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


@cache
def _known_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in MODULE_FILES}


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@dataclass(frozen=True)
class ImportRef:
    """One imported module name as written (absolute), with where it was written."""

    module: str  # e.g. "reporter.forms" for `from reporter.forms import collect`
    names: tuple[str, ...]  # the names after `import` in a `from` import; () for `import x.y`
    lineno: int


def _resolve_relative(path: Path, level: int, module: str | None) -> str:
    package = _module_name(path) if _is_package(path) else _module_name(path).rpartition(".")[0]
    parts = package.split(".") if package else []
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    base = ".".join(parts)
    if module:
        return f"{base}.{module}" if base else module
    return base


def _import_refs(path: Path) -> list[ImportRef]:
    """Every import in the file, wherever it is (module level, functions, classes, `if TYPE_CHECKING:`, try blocks).

    Also `importlib.import_module("x")` / `__import__("x")` with a literal name.
    """
    refs: list[ImportRef] = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            refs.extend(ImportRef(alias.name, (), node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve_relative(path, node.level, node.module) if node.level else (node.module or "")
            refs.append(ImportRef(module, tuple(alias.name for alias in node.names), node.lineno))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            first = node.args[0]
            if name in ("import_module", "__import__") and isinstance(first, ast.Constant):
                if isinstance(first.value, str):
                    refs.append(ImportRef(first.value, (), node.lineno))
    return sorted(refs, key=lambda ref: ref.lineno)


def _internal_targets(ref: ImportRef) -> list[str]:
    """The `reporter` modules an import refers to.

    `import reporter.x.y` -> reporter.x.y; `from reporter.x import y` -> reporter.x.y when that module exists,
    else reporter.x (y is a name defined there). A package counts as its `__init__.py`.
    """
    known = _known_modules()
    if ref.module != ROOT and not ref.module.startswith(ROOT + "."):
        return []
    if not ref.names:
        return [_existing_prefix(ref.module)]
    targets: list[str] = []
    for name in ref.names:
        candidate = f"{ref.module}.{name}"
        target = candidate if candidate in known else _existing_prefix(ref.module)
        if target not in targets:
            targets.append(target)
    return targets


def _existing_prefix(module: str) -> str:
    """The longest prefix of a dotted name that is a module of ours (a stale name still points somewhere real)."""
    known = _known_modules()
    parts = module.split(".")
    while parts and ".".join(parts) not in known:
        parts.pop()
    return ".".join(parts) or ROOT


@cache
def _import_graph() -> dict[str, dict[str, list[str]]]:
    """module -> {imported module -> ["reporter/a.py:12", ...]}; self-imports are left out."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in MODULE_FILES:
        source = _module_name(path)
        edges = graph.setdefault(source, {})
        for ref in _import_refs(path):
            for target in _internal_targets(ref):
                if target != source:
                    edges.setdefault(target, []).append(f"{_rel(path)}:{ref.lineno}")
    return graph


def _strongly_connected(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative), components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, {}))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph.get(succ, {})))))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def _shortest_cycle(graph: dict[str, dict[str, list[str]]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, as [a, b, ..., a]."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for succ in sorted(graph.get(node, {})):
            if succ not in members:
                continue
            if succ == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if succ not in previous:
                previous[succ] = node
                queue.append(succ)
    raise AssertionError(f"no cycle found in strongly connected component {component}")  # pragma: no cover


def _describe_cycle(graph: dict[str, dict[str, list[str]]], cycle: list[str]) -> str:
    lines = [" -> ".join(cycle)]
    for a, b in itertools.pairwise(cycle):
        lines.append(f"    {a} -> {b}: {', '.join(graph[a][b])}")
    return "\n".join(lines)


# --- a. no import cycles -------------------------------------------------------------------------------------------


def test_import_graph_sees_the_package():
    """Guards the cycle test against passing vacuously (files not found, imports not resolved)."""
    graph = _import_graph()
    assert "reporter.cli" in graph
    assert "reporter.io" in graph  # a package counts as its __init__.py
    assert "reporter.operations" in graph["reporter.cli"]
    assert sum(len(edges) for edges in graph.values()) > len(graph)


def test_no_import_cycles():
    graph = _import_graph()
    cycles = [_shortest_cycle(graph, component) for component in _strongly_connected(graph)]
    report = "\n".join(_describe_cycle(graph, cycle) for cycle in cycles)
    assert not cycles, f"import cycles among reporter modules (one shortest cycle per tangle):\n{report}"


# --- b. reporter.settings stays light -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def modules_loaded_by_settings() -> set[str]:
    code = "import reporter.settings; import sys; print(sorted(m for m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, encoding="utf-8", check=False
    )
    assert done.returncode == 0, f"`import reporter.settings` failed:\n{done.stderr}"
    return set(ast.literal_eval(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("library", HEAVY_FOR_SETTINGS)
def test_settings_does_not_load(library: str, modules_loaded_by_settings: set[str]):
    loaded = sorted(m for m in modules_loaded_by_settings if m == library or m.startswith(library + "."))
    assert not loaded, f"`import reporter.settings` loads {library}: {', '.join(loaded[:5])}"


# --- c. only reporter/io/ touches the office-file libraries and LibreOffice ------------------------------------------


def _in_io(path: Path) -> bool:
    return path == IO_DIR or IO_DIR in path.parents


def test_office_libraries_only_imported_in_io():
    offenders = []
    for path in MODULE_FILES:
        if _in_io(path):
            continue
        for ref in _import_refs(path):
            if ref.module.split(".")[0] in IO_ONLY_LIBRARIES:
                offenders.append(f"{_rel(path)}:{ref.lineno} imports {ref.module}")
    assert not offenders, "only reporter/io/ may import " + ", ".join(IO_ONLY_LIBRARIES) + ":\n" + "\n".join(offenders)


def test_only_io_mentions_soffice():
    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or _in_io(path):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for lineno, line in enumerate(text.splitlines(), start=1):
            if "soffice" in line.lower():
                offenders.append(f"{_rel(path)}:{lineno}: {line.strip()}")
    assert not offenders, "only reporter/io/ may run LibreOffice (mention soffice):\n" + "\n".join(offenders)


# --- d. docstrings and postponed annotations ------------------------------------------------------------------------


def _has_future_annotations(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    )


@pytest.mark.parametrize("path", MODULE_FILES, ids=_rel)
def test_module_has_docstring_and_future_annotations(path: Path):
    tree = _tree(path)
    assert ast.get_docstring(tree) is not None, f"{_rel(path)} does not start with a docstring"
    only_docstring = _is_package(path) and len(tree.body) == 1
    if not only_docstring:
        assert _has_future_annotations(tree), f"{_rel(path)} lacks `from __future__ import annotations`"


# --- e. CLI commands: help with an example, documented in README ----------------------------------------------------


def _command_names() -> list[str] | list[object]:
    try:
        from reporter.cli import main
    except Exception:  # a broken import must fail the tests below, not hide them (they re-raise it)
        return [pytest.param("<reporter.cli does not import>", id="cli-import-failed")]
    return sorted(main.commands)


COMMAND_NAMES = _command_names()


def _command(name: str):
    from reporter.cli import main

    assert name in main.commands, name
    return main.commands[name]


def test_cli_has_commands():
    from reporter.cli import main

    assert len(main.commands) > 1, sorted(main.commands)


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_command_help_has_example(name: str):
    command = _command(name)
    help_text = command.help or ""
    assert help_text.strip(), f"`reporter {name}` has no help text (docstring)"
    assert "示例" in help_text, f"`reporter {name}` help text has no example (示例):\n{help_text}"


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_command_in_readme(name: str):
    _command(name)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"`reporter {re.escape(name)}(?=[\s`\[])", readme), (
        f"README.md does not mention `reporter {name}`"
    )
