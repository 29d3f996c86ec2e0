"""GitCli.changed_lines: the line ranges a change touches, as git clang-format takes them."""

from __future__ import annotations

from collections.abc import Callable

from cipipe.adapters.git.cli import GitCli
from tests.support.gitrepo import GitRepoBuilder

Factory = Callable[[str], GitRepoBuilder]
TWENTY = "".join(f"int v{i};\n" for i in range(1, 21))


def test_edits_renames_new_files_and_deletions(make_repo: Factory) -> None:
    repo = make_repo("r")
    base = repo.commit("base", {"a.cpp": TWENTY, "old.cpp": TWENTY, "gone.cpp": "int g;\n"})
    repo.write("a.cpp", TWENTY.replace("int v5;\n", "int five;\n").replace("int v9;\n", ""))
    repo.git("mv", "old.cpp", "moved.cpp")
    repo.write("moved.cpp", TWENTY.replace("int v20;\n", "int twenty;\n"))
    (repo.root / "gone.cpp").unlink()
    head = repo.commit("change", {"new file é.cpp": "int n;\nint m;\n", "notes.txt": "x\n"})
    git = GitCli(repo.root)
    paths = ["a.cpp", "moved.cpp", "new file é.cpp", "untouched.cpp"]
    assert git.changed_lines(base, head, paths) == {
        "a.cpp": [(5, 5), (8, 8)],  # line 9 deleted: the line before it is judged
        "moved.cpp": [(20, 20)],  # a rename with an edit: only the edit, not the whole file
        "new file é.cpp": [(1, 2)],
    }


def test_a_users_diff_settings_change_nothing(make_repo: Factory) -> None:
    repo = make_repo("r")
    base = repo.commit("base", {"a.cpp": TWENTY})
    head = repo.commit("edit", {"a.cpp": TWENTY.replace("int v2;\n", "int two;\n")})
    for key, value in (("diff.noprefix", "true"), ("diff.mnemonicPrefix", "true")):
        repo.git("config", key, value)
    repo.git("config", "color.diff", "always")
    assert GitCli(repo.root).changed_lines(base, head, ["a.cpp"]) == {"a.cpp": [(2, 2)]}
