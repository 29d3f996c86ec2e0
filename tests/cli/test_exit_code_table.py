"""One table of exit codes: ``ExitCode`` (with the meanings of cipipe.exit_codes), the README's
"Exit codes" section and ``cipipe --help`` must say the same codes with the same meanings.

The README is read as an independent record: the help is compared with it, not with the
table it is rendered from, so a changed code or meaning fails here until all three agree.
"""

from __future__ import annotations

from collections.abc import Callable

from cipipe.errors import ExitCode
from cipipe.exit_codes import EXIT_CODE_TABLE
from tests.conftest import REPO_ROOT, CliResult


def readme_exit_codes() -> dict[int, str]:
    """The rows of the README's "## Exit codes" table, code -> meaning."""
    lines = (REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("## Exit codes")
    rows: dict[int, str] = {}
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].isdigit():
            assert len(cells) == 2, f"README exit-code row with {len(cells)} cells: {line}"
            rows[int(cells[0])] = cells[1]
    return rows


def help_exit_codes(help_text: str) -> dict[int, str]:
    """The "Exit codes:" section of ``cipipe --help``, its wrapped meanings joined again."""
    lines = help_text.splitlines()
    start = lines.index("Exit codes:")
    rows: dict[int, str] = {}
    code = None
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        first, _, rest = line.strip().partition(" ")
        if line.startswith("  ") and not line.startswith("   ") and first.isdigit():
            code = int(first)
            rows[code] = rest.strip()
        else:
            assert code is not None, f"help exit-code line before any code: {line!r}"
            rows[code] += " " + line.strip()
    return rows


def test_every_exit_code_has_one_name_and_one_meaning() -> None:
    assert {m.value: m.name for m in ExitCode} == {
        code: name for code, (name, _) in EXIT_CODE_TABLE.items()
    }
    assert all(m.meaning == EXIT_CODE_TABLE[m.value][1] for m in ExitCode)


def test_readme_table_is_exit_code_with_its_meanings() -> None:
    assert readme_exit_codes() == {m.value: m.meaning for m in ExitCode}


def test_help_shows_the_readme_table(cli: Callable[..., CliResult]) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    assert help_exit_codes(result.stdout) == readme_exit_codes()
