"""The test suite's own layout rules (issue 18), read from the source with ast, nothing imported:

- no module imports a test module (``test_*.py``): importing one runs its module-level code
  and fixtures a second time under another name, and ties one test file's helpers to another's
  tests; what two test modules share lives in ``tests/support/`` or in a helper module of their
  folder (not named ``test_*``);
- the top of ``tests/`` holds only ``__init__.py``, ``conftest.py`` and test modules: a shared
  fake or helper goes into ``tests/support/``, the one place to look for one;
- a helper (a function or class that is not a test or a fixture) is defined once: two
  definitions with the same name, signature and body (docstrings aside) are a copy that will
  drift, like the six ``Sleeps`` were. Fixtures are left out: two modules serving the fake
  Artifactory with their own token read alike and are each module's set-up.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO_ROOT

TESTS = REPO_ROOT / "tests"
SCANNED = (TESTS, REPO_ROOT / "bench")
TOP_LEVEL_ALLOWED = {"__init__.py", "conftest.py"}
# A helper this small (a one-line return, a pass-through) says nothing by being repeated.
MIN_HELPER_NODES = 15


def python_files() -> Iterator[Path]:
    for folder in SCANNED:
        yield from sorted(folder.rglob("*.py"))
    yield TESTS / "fakejf" / "jf"  # a Python script without the suffix


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every module an import statement names, with its line (``from a import b`` names both
    ``a`` and ``a.b``, since b may be a module)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def imports_of_test_modules(source: str) -> list[str]:
    """The imports in ``source`` that name a test module of this repository."""
    return [
        f"line {line}: {module}"
        for line, module in imported_modules(ast.parse(source))
        if module.split(".")[0] in {"tests", "bench"}
        and module.rsplit(".", 1)[-1].startswith("test_")
    ]


def test_no_module_imports_a_test_module() -> None:
    offenders = {
        str(path.relative_to(REPO_ROOT)): found
        for path in python_files()
        if (found := imports_of_test_modules(path.read_text()))
    }
    assert offenders == {}, (
        "a test module is imported; move what is shared to tests/support/ or a helper module "
        f"of the folder: {offenders}"
    )


def test_the_import_rule_sees_every_form() -> None:
    source = (
        "from tests.steps.gate.test_gate_cli import write_reports\n"
        "import tests.risk.test_exports\n"
        "from tests.risk import test_exports\n"
        "def f():\n    from tests.cli.test_startup_imports import modules_after\n"
        "from tests.steps.gate.reports import write_reports\n"
        "from tests.support import gitrepo\n"
    )
    assert [found.split(":")[0] for found in imports_of_test_modules(source)] == [
        "line 1",
        "line 2",
        "line 3",
        "line 5",
    ]


def test_the_top_of_tests_holds_no_helper_module() -> None:
    helpers = sorted(
        path.name
        for path in TESTS.glob("*.py")
        if path.name not in TOP_LEVEL_ALLOWED and not path.name.startswith("test_")
    )
    assert helpers == [], f"move these to tests/support/ (support-move.py): {helpers}"


def without_docstring(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> ast.Module:
    body = node.body
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        body = body[1:]
    return ast.Module(body=body, type_ignores=[])


def is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
    """A pytest fixture: a module's own set-up (its server with its token), not a helper."""
    return any("fixture" in ast.dump(d) for d in node.decorator_list)


def copied_helpers(files: dict[str, str]) -> list[list[str]]:
    """Groups of places defining the same helper: same name, signature and body."""
    places: dict[str, list[str]] = defaultdict(list)
    for name, source in files.items():
        for node in ast.parse(source).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if node.name.startswith("test_") or is_fixture(node):
                continue
            body = without_docstring(node)
            if sum(1 for _ in ast.walk(body)) < MIN_HELPER_NODES:
                continue
            signature = ast.dump(node.args) if not isinstance(node, ast.ClassDef) else ""
            key = f"{node.name}|{signature}|{ast.dump(body)}"
            places[key].append(f"{name}:{node.lineno} {node.name}")
    return [found for found in places.values() if len(found) > 1]


def test_no_helper_is_defined_twice() -> None:
    files = {str(p.relative_to(REPO_ROOT)): p.read_text() for p in python_files()}
    copies = copied_helpers(files)
    assert copies == [], f"define each once (tests/support/ or the folder's helper): {copies}"


def test_the_copy_rule_sees_a_copy_with_another_docstring() -> None:
    sleeps = (
        "class Sleeps(list[float]):\n{doc}"
        "    def __call__(self, seconds: float) -> None:\n"
        "        self.append(seconds)\n"
        "        self.total = sum(self)\n"
    )
    files = {
        "a.py": sleeps.format(doc='    """Records the waits."""\n'),
        "b.py": sleeps.format(doc=""),
        "c.py": sleeps.format(doc="").replace("sum(self)", "max(self)"),
    }
    assert copied_helpers(files) == [["a.py:1 Sleeps", "b.py:1 Sleeps"]]
