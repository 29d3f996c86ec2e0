"""Which module a file belongs to: the first configured glob that matches, else its top folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cipipe.contracts.repo_config import ModuleRule
from cipipe.globs import glob_match


def module_mapper(rules: Sequence[ModuleRule]) -> Callable[[str], str]:
    def module_of(path: str) -> str:
        for rule in rules:
            if glob_match(path, rule.glob):
                return rule.module
        head, sep, _ = path.partition("/")
        return head if sep else "."

    return module_of
