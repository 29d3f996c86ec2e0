"""No function in cipipe is over 60 lines (from its ``def`` to its last line, decorators not
counted): a longer one hides the steps of a procedure that a reader would name (issue 18).
Split it where the parts have names, rather than raising the limit."""

from __future__ import annotations

import ast
from pathlib import Path

import cipipe

SRC = Path(cipipe.__file__).parent
LIMIT = 60


def long_functions(path: Path, limit: int = LIMIT) -> list[str]:
    """``name (lines)`` of every function, method and nested function in ``path`` over
    ``limit`` lines, in the order they start."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > limit:
                found.append((node.lineno, f"{node.name} ({lines} lines)"))
    return [name for _, name in sorted(found)]


def test_no_function_in_cipipe_is_over_60_lines() -> None:
    offenders = [
        f"{path.relative_to(SRC).as_posix()}: {name}"
        for path in sorted(SRC.rglob("*.py"))
        for name in long_functions(path)
    ]
    assert offenders == []


def _function(name: str, lines: int, indent: str = "", keyword: str = "def") -> str:
    body = "".join(f"{indent}    x{i} = {i}\n" for i in range(lines - 1))
    return f"{indent}{keyword} {name}() -> None:\n{body}"


def test_the_check_counts_from_def_to_the_last_line(tmp_path: Path) -> None:
    module = tmp_path / "step.py"
    module.write_text(
        "import functools\n\n\n"
        "@functools.cache\n"  # a decorator is not the function's length
        + _function("sixty", 60)
        + _function("sixty_one", 61)
        + _function("waits", 62, keyword="async def")
        + "class Store:\n"
        + _function("method", 63, indent="    ")
        + _function("outer", 10)
        + _function("nested", 64, indent="    "),
        encoding="utf-8",
    )
    assert long_functions(module) == [
        "sixty_one (61 lines)",
        "waits (62 lines)",
        "method (63 lines)",
        "outer (74 lines)",
        "nested (64 lines)",
    ]
