"""Top-level help, rendered from cipipe.cli.spec with the standard library only.

``cipipe --help`` is the first thing a Jenkins log or a new user runs; it stays as fast as
starting Python, because nothing here imports click or a step.
"""

from __future__ import annotations

from cipipe.cli.spec import COMMANDS, DESCRIPTION, GLOBAL_OPTIONS, PROG, GlobalOption
from cipipe.exit_codes import EXIT_CODE_TABLE

WIDTH = 88
MAX_LEFT = 28


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap; textwrap would import re, which costs more than rendering the help."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def _option_label(option: GlobalOption) -> str:
    label = ", ".join(option.flags)
    if option.choices:
        label += " [" + "|".join(option.choices) + "]"
    elif option.metavar:
        label += f" {option.metavar}"
    return label


def _option_help(option: GlobalOption) -> str:
    extras = []
    if option.envvar:
        extras.append(f"env: {option.envvar}")
    if option.default is not None:
        extras.append(f"default: {option.default}")
    return option.help + (f"  [{'; '.join(extras)}]" if extras else "")


def _rows(rows: list[tuple[str, str]]) -> list[str]:
    # Each section gets the narrowest left column that fits its labels.
    left_width = min(MAX_LEFT, max(len(label) for label, _ in rows) + 4)
    lines = []
    for left, right in rows:
        wrapped = wrap(right, WIDTH - left_width) or [""]
        if len(left) + 2 > left_width - 2:
            lines.append(f"  {left}")
            lines += [" " * left_width + part for part in wrapped]
        else:
            lines.append(f"  {left:<{left_width - 2}}{wrapped[0]}")
            lines += [" " * left_width + part for part in wrapped[1:]]
    return lines


def render_help() -> str:
    out = [f"Usage: {PROG} [OPTIONS] COMMAND [ARGS]...", ""]
    out += ["  " + line for line in wrap(DESCRIPTION, WIDTH - 2)]
    out += ["", "Options:"]
    out += _rows([(_option_label(o), _option_help(o)) for o in GLOBAL_OPTIONS])
    out += ["", "Commands:"]
    out += _rows([(c.name, c.summary) for c in COMMANDS])
    out += ["", "Exit codes:"]
    out += _rows([(str(code), meaning) for code, (_, meaning) in EXIT_CODE_TABLE.items()])
    out += ["", f"Run '{PROG} COMMAND --help' for a command's inputs, outputs and options."]
    return "\n".join(out) + "\n"
