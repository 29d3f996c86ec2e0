"""`cipipe run` on yaml-cpp and spdlog (../shared/repos) as a pull request of their last real
commits, with the .cipipe.yaml a CI engineer would write for each (tests/real/configs) and a
components file saved from `cipipe sbom --suggest`, on the embedded defaults (local store,
notification file, SQLite), linux only.

Every assertion is against the truth, never against another cipipe output: the change against
`git diff --numstat` of the same range, the precheck's base against `git merge-base`, the SBOM
against the vendored copies' own version lines and the symbols of the shipped files (`nm`),
the artifacts against the bytes in the build folder, yaml-cpp's test counts against the XML its
googletest program and ctest wrote while the run tested it (on the installed googletest, built
through ccache; `make test-real`, test_real_full.py, does the same for arm and windows).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import posixpath
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from cipipe.adapters.artifact_store.local import LocalFolderStore
from tests.conftest import JENKINS_VARS, REPO_ROOT, have, requires
from tests.real.projects import MISSING, PROJECTS, check_built_for, own_counts
from tests.support.conformance_schemas import (
    buildinfo_errors,
    cyclonedx_errors,
    sarif_errors,
    surefire_errors,
)
from tests.support.inprocess import cipipe
from tests.support.realrepos import BUNDLES, clone

pytestmark = [
    requires(MISSING is None, MISSING or ""),
    requires(
        have("cmake", "g++", "clang-format", "cppcheck", "clang-tidy", "nm"),
        "cmake, g++, binutils and the three checkers are needed (make tools installs them)",
    ),
    requires(
        Path("/usr/include/gmock/gmock.h").is_file()
        and Path("/usr/include/gtest/gtest.h").is_file(),
        "yaml-cpp's tests build on the installed googletest: libgtest-dev and libgmock-dev "
        "(make tools installs them)",
    ),
]
CONFIGS = Path(__file__).resolve().parent / "configs"
# How many of the newest real commits make the pull request: yaml-cpp's two last fixes (a
# library header and source, two tests) and a CMake change with its README; spdlog's async
# flush change, an INSTALL update and three follow-ups to the test (one file changed by four
# commits: the range is one change).
PR_COMMITS = {"yaml-cpp": 3, "spdlog": 5}
C_CPP = re.compile(r".+\.(?:c|cc|cpp|cxx|h|hh|hpp|hxx|inl|ipp|tpp)", re.IGNORECASE)
STEP_FILES = (
    "source.json",
    "precheck.json",
    "matrix.json",
    "artifacts.json",
    "tests.json",
    "sbom.json",
    "deps_changed.json",
    "scan.json",
    "build-info.json",
    "risk-inputs.json",
    "publish.json",
    "gate.json",
    "notification.json",
    "risk-inputs-for-decision.json",
    "risk-decision.json",
)


@dataclass(frozen=True)
class PipelineRun:
    name: str
    repo: Path
    work: Path
    base: str  # the target branch's commit: the start of the pull request
    head: str
    exit_code: int
    output: str

    def load(self, file: str) -> Any:
        return json.loads((self.work / file).read_text())


def git(repo: Path, *argv: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *argv], capture_output=True, text=True, check=True, timeout=300
    ).stdout


def open_pull_request(name: str, repo: Path) -> tuple[str, str]:
    """HEAD on a PR branch; the target branch (local and origin/) moved back PR_COMMITS
    commits, as Jenkins' checkout of a pull request looks. The base and head commits."""
    target = BUNDLES[name]
    git(repo, "checkout", "-q", "-b", "pr/change")
    base = git(repo, "rev-parse", f"HEAD~{PR_COMMITS[name]}").strip()
    git(repo, "branch", "-f", target, base)
    git(repo, "update-ref", f"refs/remotes/origin/{target}", base)
    return base, git(repo, "rev-parse", "HEAD").strip()


def quiet_cipipe(*argv: str | Path) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cipipe(*argv)
    return code, out.getvalue()


def run_pipeline(name: str, base_dir: Path) -> PipelineRun:
    repo = clone(name, base_dir / name)
    base, head = open_pull_request(name, repo)
    shutil.copyfile(CONFIGS / f"{name}.cipipe.yaml", repo / ".cipipe.yaml")
    # The components file as a CI engineer starts it: the draft --suggest prints, saved.
    code, draft = quiet_cipipe("sbom", "--repo", repo, "--suggest")
    assert code == 0, draft
    (repo / "third_party").mkdir(exist_ok=True)
    (repo / "third_party" / "components.yaml").write_text(draft)
    work = base_dir / "work"
    with pytest.MonkeyPatch.context() as env:
        for var in JENKINS_VARS:
            env.delenv(var, raising=False)
        env.setenv("CHANGE_ID", "101")
        env.setenv("CHANGE_TARGET", BUNDLES[name])
        env.setenv("CIPIPE_OSV_DB", str(REPO_ROOT / "examples" / "osv-db"))
        env.setenv("CIPIPE_POLICY", str(REPO_ROOT / "policies"))
        code, output = quiet_cipipe("--workdir", work, "run", "--repo", repo)
    return PipelineRun(name, repo, work, base, head, code, output)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], PipelineRun]]:
    """One clone and one `cipipe run` per project, shared by the checks below."""
    made: dict[str, PipelineRun] = {}

    def pipeline(name: str) -> PipelineRun:
        if name not in made:
            made[name] = run_pipeline(name, tmp_path_factory.mktemp(f"run-{name}"))
        return made[name]

    yield pipeline


NAMES = list(PROJECTS)


def _assert_consumers_accept(work: Path) -> None:
    """What a real project's run hands to other systems passes their own schemas, as the
    demo's does (tests/conformance): SARIF with a fingerprint and a location on every result,
    the JUnit reports, JFrog's build-info and the CycloneDX SBOM."""
    sarif = json.loads((work / "precheck.sarif").read_text())
    assert sarif_errors(sarif) == []
    results = [r for run in sarif["runs"] for r in run["results"]]
    assert all(r["locations"] for r in results)
    with_lines = [r for r in results if r["locations"][0]["physicalLocation"].get("region")]
    assert all("primaryLocationLineHash" in r["partialFingerprints"] for r in with_lines)
    reports = sorted((work / "reports").glob("junit-*.xml"))
    assert reports and [p for r in reports for p in surefire_errors(r)] == []
    assert buildinfo_errors(json.loads((work / "build-info.jfrog.json").read_text())) == []
    assert cyclonedx_errors(json.loads((work / "sbom.json").read_text())) == []


@pytest.mark.parametrize("name", NAMES)
def test_the_whole_pipeline_runs_to_a_decision(
    runs: Callable[[str], PipelineRun], name: str
) -> None:
    run = runs(name)
    assert run.exit_code == 0, run.output
    for file in STEP_FILES:
        assert (run.work / file).is_file(), file
    code, said = quiet_cipipe("validate", *(run.work / f for f in STEP_FILES))
    assert code == 0, said
    _assert_consumers_accept(run.work)
    source = run.load("source.json")
    assert source["commit"] == run.head and source["pr_id"] == "101"
    gate = run.load("gate.json")
    assert gate["verdict"] in ("passed", "needs-attention"), gate["summary"]
    decision = run.load("risk-decision.json")
    assert decision["service"] == name and 0 <= decision["risk_score"] <= 100
    # Published to the local store beside the work folder, each file as built.
    store = LocalFolderStore(run.work.parent / "cipipe-store")
    published = run.load("publish.json")
    assert published["files"] and published["missing_platforms"] == []
    for entry in published["files"]:
        stored = store.stat(entry["path"])
        assert stored is not None and stored.sha256 == entry["sha256"], entry["path"]
        assert stored.properties["state"] == ("candidate",)


@pytest.mark.parametrize("name", NAMES)
def test_the_build_is_for_linux_and_ships_what_the_build_folder_holds(
    runs: Callable[[str], PipelineRun], name: str
) -> None:
    run = runs(name)
    project = PROJECTS[name]
    artifacts = run.load("artifacts.json")
    [record] = artifacts["platforms"]
    assert (record["platform"], record["status"]) == ("linux", "built")
    build_dir = run.repo / record["build_dir"]
    check_built_for(build_dir, project, "linux")
    [lock] = [p["toolchain"] for p in run.load("matrix.json")["platforms"]]
    assert lock["version_source"] == "detected"
    built = {
        hashlib.sha256((build_dir / path).read_bytes()).hexdigest()
        for path in (project.library, project.program)
    }
    assert {a["sha256"] for a in artifacts["artifacts"]} == built


def numstat(repo: Path, base: str, head: str) -> dict[str, tuple[int, int]]:
    """git's own count of the range: path -> (added, deleted)."""
    counts = {}
    for line in git(repo, "diff", "--numstat", "--no-renames", base, head).splitlines():
        added, deleted, path = line.split("\t")
        counts[path] = (int(added), int(deleted))
    return counts


def lines_in(repo: Path, commit: str, path: str) -> int:
    return len(git(repo, "show", f"{commit}:{path}").splitlines())


@pytest.mark.parametrize("name", NAMES)
def test_the_change_is_what_git_says_of_the_pull_request(
    runs: Callable[[str], PipelineRun], name: str
) -> None:
    run = runs(name)
    truth = numstat(run.repo, run.base, run.head)
    merge_base = git(run.repo, "merge-base", run.head, f"origin/{BUNDLES[name]}").strip()
    assert merge_base == run.base
    changes = run.load("build-info.json")["changes"]
    assert (changes["range"]["base"], changes["range"]["commit"]) == (run.base, run.head)
    assert {f["path"]: (f["added"], f["deleted"]) for f in changes["files"]} == truth
    metrics = changes["metrics"]
    la = sum(a for a, _ in truth.values())
    ld = sum(d for _, d in truth.values())
    assert (changes["files_changed"], changes["lines_added"], changes["lines_deleted"]) == (
        len(truth),
        la,
        ld,
    )
    assert (metrics["nf"], metrics["la"], metrics["ld"]) == (len(truth), la, ld)
    assert metrics["nd"] == len({posixpath.dirname(p) or "." for p in truth})
    assert metrics["ns"] == len({p.split("/")[0] if "/" in p else "." for p in truth})
    shares = [(a + d) / (la + ld) for a, d in truth.values() if a + d]
    assert metrics["entropy"] == pytest.approx(-sum(p * math.log2(p) for p in shares), abs=1e-5)
    assert metrics["lt"] == sum(lines_in(run.repo, run.base, p) for p in truth)
    # precheck judged the same change: only the pull request's C/C++ files.
    precheck = run.load("precheck.json")
    assert (precheck["scope"], precheck["base"]) == ("changed", run.base)
    assert precheck["outcome"] == "passed", precheck["blocking_failures"]
    changed_code = {p for p in truth if C_CPP.fullmatch(p)}
    assert changed_code and len(changed_code) < len(truth)  # INSTALL, a CMake file: not code
    for check in precheck["checks"]:
        assert {f["file"] for f in check["findings"]} <= changed_code, check["name"]


def version_line(path: Path, pattern: str) -> str:
    match = re.search(pattern, path.read_text(errors="replace"), re.MULTILINE)
    assert match, f"{pattern} not in {path}"
    return match[1]


def defined_symbols(library: Path) -> str:
    return subprocess.run(
        ["nm", "-C", "--defined-only", str(library)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout


def vendored(run: PipelineRun) -> dict[str, dict[str, Any]]:
    """The SBOM's vendored components by name: path, version and scope."""
    found = {}
    for component in run.load("sbom.json")["components"]:
        properties = {p["name"]: p["value"] for p in component.get("properties", [])}
        if "cipipe:vendored-path" in properties:
            found[component["name"]] = {
                "path": properties["cipipe:vendored-path"],
                "version": component.get("version"),
                "scope": component.get("scope", "required"),
            }
    return found


def test_spdlog_ships_its_bundled_fmt_and_the_sbom_says_so(
    runs: Callable[[str], PipelineRun],
) -> None:
    run = runs("spdlog")
    bundled = "include/spdlog/fmt/bundled"
    number = int(version_line(run.repo / bundled / "core.h", r"^#\s*define FMT_VERSION (\d+)"))
    major, minor, patch = number // 10000, number // 100 % 100, number % 100
    # The compiled library really contains fmt (its inline namespace fmt::vN), so it ships.
    library = run.repo / run.load("artifacts.json")["platforms"][0]["build_dir"] / "libspdlog.a"
    assert f"fmt::v{major}::" in defined_symbols(library)
    assert vendored(run) == {
        "fmt": {"path": bundled, "version": f"{major}.{minor}.{patch}", "scope": "required"}
    }


def test_yaml_cpp_sbom_lists_googletest_as_test_only_and_dragonbox_as_shipped(
    runs: Callable[[str], PipelineRun],
) -> None:
    run = runs("yaml-cpp")
    [googletest] = [p for p in (run.repo / "test").iterdir() if p.name.startswith("googletest")]
    version = version_line(googletest / "CMakeLists.txt", r"set\(GOOGLETEST_VERSION ([\d.]+)\)")
    build_dir = run.repo / run.load("artifacts.json")["platforms"][0]["build_dir"]
    shipped = defined_symbols(build_dir / "libyaml-cpp.a") + defined_symbols(
        build_dir / "util" / "parse"
    )
    # googletest builds only the tests: nothing shipped holds it. dragonbox is compiled in.
    assert "testing::" not in shipped and "jkj::dragonbox" in shipped
    # Nor abseil or re2, which the vendored googletest's MODULE.bazel names for its own build.
    names = {c["name"] for c in run.load("sbom.json")["components"]}
    assert "absl::" not in shipped and "re2::" not in shipped
    assert not names & {"abseil-cpp", "re2"}, names
    assert vendored(run) == {
        "googletest": {
            "path": googletest.relative_to(run.repo).as_posix(),
            "version": version,
            "scope": "excluded",
        },
        "dragonbox": {"path": "src/contrib/dragonbox.h", "version": None, "scope": "required"},
    }


@pytest.mark.parametrize("name", NAMES)
def test_the_shipped_program_passes_its_smoke_test(
    runs: Callable[[str], PipelineRun], name: str, tmp_path: Path
) -> None:
    run = runs(name)
    [linux] = run.load("tests.json")["platforms"]
    smoke = linux["smoke"]
    assert smoke["status"] == "ran" and smoke["passed"] and smoke["exit_code"] == 0, smoke
    # The verdict, seen by running the shipped program ourselves (outside the checkout).
    config = yaml.safe_load((CONFIGS / f"{name}.cipipe.yaml").read_text())
    expected = config["platforms"]["linux"]["tests"]["smoke"]["expect_output"]
    ran = subprocess.run(
        smoke["command"], capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False
    )
    assert ran.returncode == 0 and expected in ran.stdout, ran.stderr


def test_yaml_cpp_test_counts_are_what_its_own_reports_say(
    runs: Callable[[str], PipelineRun],
) -> None:
    run = runs("yaml-cpp")
    [linux] = run.load("tests.json")["platforms"]
    assert linux["status"] == "ran", linux
    # ctest ran yaml-cpp::test, its googletest program (which wrote its own XML), and
    # yaml-cpp::source-list, a CMake script that only ctest's JUnit reports.
    truth = own_counts(run.work, "linux", {"yaml-cpp::test": "yaml-cpp-tests"})
    assert truth["total"] > 500 and truth["failed"] == 0, truth
    counts = linux["counts"]
    assert {k: counts[k] for k in truth} == truth
    assert counts["errors"] == 0
    gates = {g["name"]: (g["mandatory"], g["status"]) for g in run.load("gate.json")["gates"]}
    assert gates["unit-tests"] == (True, "passed"), gates
