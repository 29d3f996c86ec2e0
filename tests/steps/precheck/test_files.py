"""Which files precheck hands to the analysers: C/C++ by their name ending, whatever the globs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.adapters.git.cli import GitCli
from cipipe.contracts.precheck_config import PrecheckConfig
from cipipe.contracts.repo_config import load_repo_config
from cipipe.contracts.source import ChangeBase
from cipipe.errors import InputError
from cipipe.steps.precheck.files import select_files
from tests.support.gitrepo import GitRepoBuilder

Factory = Callable[[str], GitRepoBuilder]
ROOT = ChangeBase(commit=None, found="root")
MIXED: dict[str, str | bytes] = {
    "src/README.md": "# not C++\n",
    "src/CMakeLists.txt": "add_library(x a.cpp)\n",
    "src/tool.py": "print('no')\n",
    "src/a.cpp": "int a;\n",
    "src/Legacy.CPP": "int legacy;\n",
    "src/b.h": "int b();\n",
    "src/impl.ipp": "inline int i() { return 1; }\n",
    "src/table.inl": "int t[] = {1};\n",
    "src/tmpl.tpp": "template <class T> T id(T t) { return t; }\n",
    "src/plus.c++": "int p;\n",
    "src/plus.h++": "int q();\n",
    "src/kernel.cu": "int k;\n",
}
CXX = [
    "src/Legacy.CPP",
    "src/a.cpp",
    "src/b.h",
    "src/impl.ipp",
    "src/plus.c++",
    "src/plus.h++",
    "src/table.inl",
    "src/tmpl.tpp",
]


def _selected(repo: GitRepoBuilder, config: PrecheckConfig) -> list[str]:
    git = GitCli(repo.root)
    return select_files(git, config, scope="all", commit=repo.head(), base=ROOT).files


def test_a_glob_over_a_folder_keeps_only_its_c_and_cpp_files(make_repo: Factory) -> None:
    repo = make_repo("mixed")
    repo.commit("mixed folder", MIXED)
    assert _selected(repo, PrecheckConfig(include=["src/**"])) == CXX


def test_extra_extensions_add_an_ending(make_repo: Factory) -> None:
    repo = make_repo("mixed")
    repo.commit("mixed folder", MIXED)
    config = PrecheckConfig(include=["src/**"], extra_extensions=[".cu"])
    assert _selected(repo, config) == sorted([*CXX, "src/kernel.cu"])


def test_the_default_globs_still_decide_within_the_c_and_cpp_files(make_repo: Factory) -> None:
    repo = make_repo("mixed")
    repo.commit("mixed folder", MIXED)
    assert _selected(repo, PrecheckConfig()) == ["src/a.cpp", "src/b.h"]


@pytest.mark.parametrize("ending", ["cu", "*.cu", ".c u", "."])
def test_an_extra_extension_must_be_a_name_ending(ending: str, tmp_path: Path) -> None:
    path = tmp_path / ".cipipe.yaml"
    path.write_text(f"service: s\nsupports: [linux]\nprecheck:\n  extra_extensions: [{ending!r}]\n")
    with pytest.raises(InputError, match="extra_extensions"):
        load_repo_config(path)
