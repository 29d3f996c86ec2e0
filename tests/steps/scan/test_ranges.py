from __future__ import annotations

import itertools
import subprocess
from collections.abc import Callable
from functools import cmp_to_key

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cipipe.readers.osv import Affected, Event, EventKind, PackageRef, Range
from cipipe.steps.scan.ranges import GitIsAncestor, evaluate
from cipipe.steps.scan.versions import SEMVER, order_for
from tests.support.gitrepo import GitRepoBuilder

Events = list[tuple[EventKind, str]]


def is_affected(
    version: str,
    affected: Affected,
    *,
    git_is_ancestor: GitIsAncestor | None = None,
    commit: str | None = None,
) -> bool | None:
    """The verdict alone: True, False, or None (cannot decide)."""
    return evaluate(version, affected, git_is_ancestor=git_is_ancestor, commit=commit).affected


def entry(
    ranges: list[tuple[str, Events]],
    *,
    versions: tuple[str, ...] = (),
    ecosystem: str | None = "PyPI",
    repo: str = "https://github.com/owner/repo",
) -> Affected:
    return Affected(
        package=PackageRef(ecosystem, "pkg", None) if ecosystem else None,
        ranges=tuple(
            Range(kind, tuple(Event(k, v) for k, v in events), repo if kind == "GIT" else None)
            for kind, events in ranges
        ),
        versions=versions,
    )


# The examples of the OSV schema document ("Examples" under "affected[].ranges"), each with
# versions on both sides of every boundary.
SPEC_EXAMPLES: list[tuple[str, list[tuple[str, Events]], list[tuple[str, bool]]]] = [
    (
        "unfixed: every version",
        [("SEMVER", [("introduced", "0")])],
        [("0.0.0", True), ("0.0.1-alpha", True), ("1.0.0", True), ("99.9.9", True)],
    ),
    (
        "fixed: everything before 1.0.2",
        [("SEMVER", [("introduced", "0"), ("fixed", "1.0.2")])],
        [
            ("0.0.0", True),
            ("1.0.1", True),
            ("1.0.2-rc.1", True),
            ("1.0.2", False),
            ("2.0.0", False),
        ],
    ),
    (
        "multiple ranges in one: [1.0.0, 1.0.2) or [3.0.0, 3.2.5)",
        [
            (
                "SEMVER",
                [
                    ("introduced", "1.0.0"),
                    ("fixed", "1.0.2"),
                    ("introduced", "3.0.0"),
                    ("fixed", "3.2.5"),
                ],
            )
        ],
        [
            ("0.9.9", False),
            ("1.0.0", True),
            ("1.0.1", True),
            ("1.0.2", False),
            ("2.9.9", False),
            ("3.0.0", True),
            ("3.2.4", True),
            ("3.2.5", False),
            ("4.0.0", False),
        ],
    ),
    (
        "last_affected: up to and including 2.1.214",
        [("ECOSYSTEM", [("introduced", "0"), ("last_affected", "2.1.214")])],
        [("1.0", True), ("2.1.213", True), ("2.1.214", True), ("2.1.215", False), ("3", False)],
    ),
    (
        "fixed at the same version: 2.1.214 is not affected",
        [("SEMVER", [("introduced", "0"), ("fixed", "2.1.214")])],
        [("2.1.213", True), ("2.1.214", False), ("2.1.215", False)],
    ),
    (
        "limit: introduced 1.0.0, nothing at or past the limit 2.0.0",
        [("SEMVER", [("introduced", "1.0.0"), ("limit", "2.0.0")])],
        [("0.9.0", False), ("1.0.0", True), ("1.9.9", True), ("2.0.0", False), ("2.1.0", False)],
    ),
    (
        "limit *: infinity",
        [("SEMVER", [("introduced", "1.0.0"), ("limit", "*")])],
        [("0.9.0", False), ("1.0.0", True), ("100.0.0", True)],
    ),
    (
        "several limits: below any one of them",
        [
            (
                "SEMVER",
                [
                    ("introduced", "1.0.0"),
                    ("fixed", "1.5.0"),
                    ("limit", "1.2.0"),
                    ("limit", "1.4.0"),
                ],
            )
        ],
        [("1.1.0", True), ("1.3.0", True), ("1.4.0", False)],
    ),
    (
        "events out of order are sorted",
        [
            (
                "SEMVER",
                [
                    ("fixed", "1.0.2"),
                    ("fixed", "3.2.5"),
                    ("introduced", "3.0.0"),
                    ("introduced", "1.0.0"),
                ],
            )
        ],
        [("1.0.1", True), ("2.0.0", False), ("3.1.0", True), ("3.2.5", False)],
    ),
    (
        "two range objects are or-ed",
        [
            ("SEMVER", [("introduced", "1.0.0"), ("fixed", "1.0.2")]),
            ("ECOSYSTEM", [("introduced", "3.0.0"), ("fixed", "3.2.5")]),
        ],
        [("1.0.1", True), ("2.0.0", False), ("3.0.0", True), ("3.2.5", False)],
    ),
    (
        "ECOSYSTEM order, not text order: PyPI 1.10 > 1.9",
        [("ECOSYSTEM", [("introduced", "1.2"), ("fixed", "1.10")])],
        [("1.9", True), ("1.10", False), ("1.10.0", False), ("1.2.0", True), ("1.10rc1", True)],
    ),
]


@pytest.mark.parametrize(
    ("ranges", "version", "expected"),
    [
        pytest.param(ranges, version, expected, id=f"{name} | {version}")
        for name, ranges, cases in SPEC_EXAMPLES
        for version, expected in cases
    ],
)
def test_spec_examples(ranges: list[tuple[str, Events]], version: str, expected: bool) -> None:
    assert is_affected(version, entry(ranges)) is expected


# The Ruby example of the schema document: a range plus the enumerated versions.
BUNDLER = entry(
    [("ECOSYSTEM", [("introduced", "1.14.0"), ("fixed", "2.1.0")])],
    versions=("1.14.0", "1.15.0.pre.1", "1.15.0", "2.1.0.pre.3"),
    ecosystem="RubyGems",
)


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.13.9", False),
        ("1.14.0", True),
        ("1.15.0.pre.1", True),
        ("2.0.2", True),
        ("2.1.0", False),
    ],
)
def test_versions_list_and_range(version: str, expected: bool) -> None:
    assert is_affected(version, BUNDLER) is expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("STABLE-2_1_2_RELEASE", True),  # as listed
        ("2.1.2", True),  # the tag under the generic order
        ("v2.0.0", True),
        ("2.1.3", False),
        ("1.4.1", False),
    ],
)
def test_versions_list_of_a_git_only_entry(version: str, expected: bool) -> None:
    lwip = entry(
        [("GIT", [("introduced", "0"), ("fixed", "8fe567b61c8ae07a5dd7df52a6a9e23ed5c4c0f6")])],
        versions=("STABLE-2_0_0_RELEASE", "STABLE-2_1_2_RELEASE"),
        ecosystem=None,
    )
    assert is_affected(version, lwip) is expected


def test_listed_version_spelled_differently_is_left_to_the_ranges() -> None:
    # With an ECOSYSTEM range present, "1.0.0" is decided by the range, not the list's "1.0".
    pinned = entry([("ECOSYSTEM", [("introduced", "2.0")])], versions=("1.0",))
    assert is_affected("1.0", pinned) is True
    assert is_affected("1.0.0", pinned) is False


@pytest.mark.parametrize(
    ("affected", "version", "reason"),
    [
        (
            entry([("ECOSYSTEM", [("introduced", "0"), ("fixed", "1.0")])]),
            "not-a-version",
            "not a valid PyPI version",
        ),
        (
            entry([("ECOSYSTEM", [("introduced", "0"), ("fixed", "garbage!")])]),
            "1.0",
            "fixed 'garbage!' is not a valid PyPI",
        ),
        (entry([("SEMVER", [("introduced", "0"), ("limit", "x.y")])]), "1.0.0", "limit 'x.y'"),
        (entry([("CALVER", [("introduced", "2024.1")])]), "2024.2", "unknown range type 'CALVER'"),
        (entry([("GIT", [("introduced", "0")])]), "1.0", "needs a commit"),
        (entry([("GIT", [("introduced", "0")])]), "a" * 40, "needs the repository's history"),
    ],
)
def test_undecided(affected: Affected, version: str, reason: str) -> None:
    verdict = evaluate(version, affected)
    assert verdict.affected is None
    assert verdict.reason is not None and reason in verdict.reason


def test_affected_beats_undecided_and_undecided_beats_not_affected() -> None:
    ranges: list[tuple[str, Events]] = [
        ("CALVER", [("introduced", "2024.1")]),
        ("ECOSYSTEM", [("introduced", "1.0"), ("fixed", "2.0")]),
    ]
    assert is_affected("1.5", entry(ranges)) is True
    assert is_affected("2.5", entry(ranges)) is None


def test_git_ranges_are_skipped_for_a_version_when_other_ranges_decide() -> None:
    mixed = entry(
        [
            ("GIT", [("introduced", "0"), ("fixed", "3f38f73218e5e782fe411ccbb3b44a793c0b343a")]),
            ("ECOSYSTEM", [("introduced", "2.8.0"), ("fixed", "2.10.0")]),
        ]
    )
    assert is_affected("2.7.0", mixed) is False
    assert is_affected("2.9.0", mixed) is True


# --- hypothesis: fixed is exclusive, last_affected inclusive ---------------------------------

semver_versions = st.builds(
    lambda major, minor, patch, pre: f"{major}.{minor}.{patch}{pre}",
    st.integers(0, 12),
    st.integers(0, 12),
    st.integers(0, 12),
    st.sampled_from(["", "", "", "-alpha", "-alpha.1", "-beta.2", "-rc.1", "+build.7"]),
)
pypi_versions = st.builds(
    lambda epoch, release, suffix: f"{epoch}{'.'.join(map(str, release))}{suffix}",
    st.sampled_from(["", "", "", "1!"]),
    st.lists(st.integers(0, 12), min_size=1, max_size=3),
    st.sampled_from(["", "", "a1", "b2", "rc1", ".post1", ".dev3"]),
)
KINDS = {"SEMVER": (SEMVER, semver_versions), "PyPI": (order_for("PyPI"), pypi_versions)}


def _timeline(kind: str, values: list[str]) -> list[str]:
    """``values`` sorted and without duplicates under the order of ``kind``."""
    order, _ = KINDS[kind]
    ordered: list[str] = []

    def compare(a: str, b: str) -> int:
        return order.compare(a, b) or 0

    for value in sorted(values, key=cmp_to_key(compare)):
        if not ordered or order.compare(ordered[-1], value) != 0:
            ordered.append(value)
    return ordered


def _range_type(kind: str) -> str:
    return "SEMVER" if kind == "SEMVER" else "ECOSYSTEM"


@st.composite
def arbitrary_events(draw: st.DrawFn, kind: str) -> Events:
    _, versions = KINDS[kind]
    events: Events = [("introduced", draw(st.sampled_from(["0", draw(versions)])))]
    events += draw(
        st.lists(st.tuples(st.sampled_from(["introduced", "fixed"]), versions), max_size=6)
    )
    return draw(st.permutations(events))


@pytest.mark.parametrize("kind", ["SEMVER", "PyPI"])
@given(data=st.data())
def test_a_fixed_version_is_never_affected(kind: str, data: st.DataObject) -> None:
    events = data.draw(arbitrary_events(kind))
    affected = entry([(_range_type(kind), events)])
    for event_kind, value in events:
        if event_kind == "fixed":
            assert is_affected(value, affected) is False


@pytest.mark.parametrize("kind", ["SEMVER", "PyPI"])
@given(data=st.data())
def test_last_affected_is_inclusive(kind: str, data: st.DataObject) -> None:
    _, versions = KINDS[kind]
    values = _timeline(kind, data.draw(st.lists(versions, min_size=2, max_size=8)))
    if len(values) % 2:
        values = values[:-1]
    if not values:
        return
    pairs = list(zip(values[::2], values[1::2], strict=True))
    events: Events = []
    for introduced, last in pairs:
        events += [("introduced", introduced), ("last_affected", last)]
    affected = entry([(_range_type(kind), data.draw(st.permutations(events)))])
    for introduced, last in pairs:
        assert is_affected(introduced, affected) is True
        assert is_affected(last, affected) is True
    for (_, last), (following, _) in itertools.pairwise(pairs):
        if KINDS[kind][0].compare(last, following) == -1:
            assert is_affected(following, affected) is True


# --- GIT ranges on a real repository -----------------------------------------------------------


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[GitRepoBuilder, dict[str, str]]:
    """main: A - B - C - D - E - F; release: D - G - H (no fix); old: B - O (before C)."""
    repo = GitRepoBuilder(tmp_path_factory.mktemp("git") / "lib")
    commits: dict[str, str] = {}
    for name in "ABCDEF":
        commits[name] = repo.commit(name, {"f.txt": name})
    repo.git("checkout", "-q", "-b", "release", commits["D"])
    commits["G"] = repo.commit("G", {"g.txt": "G"})
    commits["H"] = repo.commit("H", {"g.txt": "H"})
    repo.git("checkout", "-q", "-b", "old", commits["B"])
    commits["O"] = repo.commit("O", {"o.txt": "O"})
    return repo, commits


def merge_base_is_ancestor(repo: GitRepoBuilder) -> GitIsAncestor:
    def is_ancestor(ancestor: str, descendant: str) -> bool:
        result = subprocess.run(
            ["git", "merge-base", "--is-ancestor", ancestor, descendant],
            cwd=repo.root,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode > 1:
            raise RuntimeError(result.stderr.strip())
        return result.returncode == 0

    return is_ancestor


GIT_CASES: list[tuple[str, Callable[[dict[str, str]], Events], str]] = [
    ("introduced C, fixed E", lambda c: [("introduced", c["C"]), ("fixed", c["E"])], "CDGH"),
    ("introduced 0, fixed E", lambda c: [("introduced", "0"), ("fixed", c["E"])], "ABCDGHO"),
    (
        "introduced C, last_affected D",
        lambda c: [("introduced", c["C"]), ("last_affected", c["D"])],
        "CD",
    ),
    ("introduced C, limit E", lambda c: [("introduced", c["C"]), ("limit", c["E"])], "CD"),
    ("introduced C, limit H", lambda c: [("introduced", c["C"]), ("limit", c["H"])], "CDG"),
    ("introduced C, no fix", lambda c: [("introduced", c["C"])], "CDEFGH"),
    (
        "fix cherry-picked to release: fixed E and fixed H",
        lambda c: [("introduced", c["C"]), ("fixed", c["E"]), ("fixed", c["H"])],
        "CDG",
    ),
]


@pytest.mark.parametrize(("name", "events", "affected"), GIT_CASES, ids=[c[0] for c in GIT_CASES])
def test_git_ranges(
    history: tuple[GitRepoBuilder, dict[str, str]],
    name: str,
    events: Callable[[dict[str, str]], Events],
    affected: str,
) -> None:
    repo, commits = history
    git_entry = entry([("GIT", events(commits))], ecosystem=None)
    is_ancestor = merge_base_is_ancestor(repo)
    for label, sha in commits.items():
        verdict = is_affected("", git_entry, git_is_ancestor=is_ancestor, commit=sha)
        assert verdict is (label in affected), f"{name}: commit {label}"
        # A full hash given as the version is taken as the commit.
        assert is_affected(sha, git_entry, git_is_ancestor=is_ancestor) is (label in affected)


def test_git_commit_unknown_to_the_repository_is_undecided(
    history: tuple[GitRepoBuilder, dict[str, str]],
) -> None:
    repo, commits = history
    git_entry = entry(
        [("GIT", [("introduced", "f" * 40), ("fixed", commits["E"])])], ecosystem=None
    )
    verdict = evaluate(
        "", git_entry, git_is_ancestor=merge_base_is_ancestor(repo), commit=commits["D"]
    )
    assert verdict.affected is None
    assert (
        verdict.reason is not None
        and "ancestry check in https://github.com/owner/repo failed" in verdict.reason
    )


def test_git_ranges_without_a_callback_are_undecided(
    history: tuple[GitRepoBuilder, dict[str, str]],
) -> None:
    _, commits = history
    git_entry = entry([("GIT", [("introduced", commits["C"])])], ecosystem=None)
    assert is_affected("", git_entry, commit=commits["D"]) is None
