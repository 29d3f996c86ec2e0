from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import click

from cipipe.cli.app import build_group
from cipipe.cli.spec import COMMANDS
from tests.conftest import CliResult


def test_fast_help_is_the_help_click_shows(cli: Callable[..., CliResult]) -> None:
    fast = cli("--help")
    through_click = cli("-v", "--help")
    assert fast.exit_code == through_click.exit_code == 0
    assert fast.stdout == through_click.stdout


def test_help_lists_every_command(cli: Callable[..., CliResult]) -> None:
    # The exit codes are held to the README's table in test_exit_codes.py.
    text = cli("--help").stdout
    for spec in COMMANDS:
        assert f"  {spec.name} " in text


def test_every_command_in_the_spec_loads_under_its_name() -> None:
    group = build_group()
    ctx = click.Context(group)
    for spec in COMMANDS:
        command = group.get_command(ctx, spec.name)
        assert command is not None and command.name == spec.name


def test_help_imports_neither_click_nor_steps() -> None:
    probe = (
        "import sys, io, contextlib\n"
        "from cipipe.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    run(['--help'])\n"
        "slow = {'click', 'pydantic', 'yaml', 'rich', 'typing', 're', 'dataclasses'}\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in slow"
        " or m.startswith(('cipipe.steps', 'cipipe.adapters'))]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_schema_command_imports_no_step_or_adapter() -> None:
    probe = (
        "import sys\n"
        "from cipipe.cli import run\n"
        "run(['schema', 'source'])\n"
        "layers = ('cipipe.steps', 'cipipe.adapters')\n"
        "print(sorted(m for m in sys.modules if m.startswith(layers)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_version(cli: Callable[..., CliResult]) -> None:
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("cipipe, version ")


def test_no_command_shows_help_and_exits_2(cli: Callable[..., CliResult]) -> None:
    result = cli()
    assert result.exit_code == 2
    assert result.stdout == "" and result.stderr.startswith("Usage: cipipe")
