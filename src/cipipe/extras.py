"""Optional dependencies (pip "extras"): a command that needs a missing one exits 2 naming it.

The core install is what the pipeline steps need; the learned model, the backtest's charts,
PostgreSQL and Parquet histories come with ``pip install 'cipipe[EXTRA]'``. Each command
checks here, where it starts and before it writes anything, so a missing extra is bad usage
(exit 2) with the line to run, never "internal error: No module named 'numpy'" (exit 4).
Checking looks the module up without importing it: LightGBM alone takes a second to import.
"""

from __future__ import annotations

import importlib.util

from cipipe.errors import InputError

# The modules each extra brings, as imported (pyproject.toml names their distributions).
EXTRAS: dict[str, tuple[str, ...]] = {
    "model": ("numpy", "sklearn", "lightgbm"),
    "charts": ("matplotlib",),
    "postgres": ("psycopg",),
    "parquet": ("pyarrow",),
}


class MissingExtraError(InputError):
    """A command needs an extra that is not installed (exit 2)."""

    def __init__(self, extra: str, command: str, module: str) -> None:
        self.extra = extra
        self.module = module
        super().__init__(
            f"{command} needs the '{extra}' extra ({module} is not installed): "
            f"pip install 'cipipe[{extra}]'"
        )


def installed(module: str) -> bool:
    """True when ``module`` can be imported (found on the path; not imported here)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent that is not a package, a broken __spec__
        return False


def require_extra(extra: str, *modules: str, command: str) -> None:
    """Raise MissingExtraError when a module of ``extra`` is missing: ``modules`` when given
    (what ``command`` imports), else every module of the extra."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}")
    for module in modules or EXTRAS[extra]:
        if not installed(module):
            raise MissingExtraError(extra, command, module)
