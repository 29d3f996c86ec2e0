"""cipipe collect: bring the work folders of per-platform agents back into one.

In Jenkins each platform builds and tests on its own agent (`cipipe build --platform X`), so
each agent's artifacts.json and tests.json describe its platform only. Unstashed into one
folder they would overwrite each other; collected, they are merged by platform, their files
(artifacts, reports, logs) copied, and SHA256SUMS written for the whole build. Parts must be
of the same build: a part of another commit or build id is refused, not mixed in.

A part comes from another agent's stash, so nothing in it is trusted to be what it seems: a
symbolic link anywhere in a part (the part itself, its JSON files, a folder or a file under
artifacts/, reports/ or logs/) is refused with exit 2 before anything is written, and every
file is then opened without following links. A link's target is never copied.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cipipe.contracts.artifacts import Artifacts, Reproducibility
from cipipe.contracts.testing import TestsReport
from cipipe.digests import sha256sums_line
from cipipe.errors import InputError
from cipipe.fileio import atomic_copy, link_refused
from cipipe.workdir import WorkDir

# What a build or test step leaves besides its JSON: copied from every part.
FOLDERS = ("artifacts", "reports", "logs")


@dataclass(frozen=True)
class Collected:
    artifacts: Artifacts | None
    tests: TestsReport | None
    files_copied: int


def _same(values: dict[str, str], what: str, field: str) -> None:
    if len(set(values.values())) > 1:
        shown = ", ".join(f"{part}: {value}" for part, value in values.items())
        raise InputError(f"the parts are of different builds ({shown})", field=field, expected=what)


def _last_part_of_each_platform(parts: Sequence[tuple[str, Artifacts]]) -> dict[str, str]:
    """A platform in two parts: the last part with a record or an artifact of it wins (a
    rebuild that failed replaces the artifacts of the build before)."""
    last: dict[str, str] = {}
    for name, part in parts:
        for platform in [
            *(p.platform for p in part.platforms),
            *(a.platform for a in part.artifacts),
        ]:
            last[platform] = name
    return last


def merge_artifacts(parts: Sequence[tuple[str, Artifacts]]) -> Artifacts:
    """Union by platform; a later part's platform replaces an earlier one's, with its
    artifacts and its reproducibility findings (a platform rebuilt is judged on its rebuild)."""
    for field in ("service", "commit", "build_id"):
        _same(
            {name: getattr(a, field) for name, a in parts}, "one build", f"artifacts.json {field}"
        )
    platforms = {p.platform: p for _, a in parts for p in a.platforms}
    last = _last_part_of_each_platform(parts)
    artifacts = [a for name, part in parts for a in part.artifacts if last[a.platform] == name]
    lost = {
        (name, a.name) for name, part in parts for a in part.artifacts if last[a.platform] != name
    }
    order = list(platforms)
    winners = {name for name, part in parts for a in part.artifacts if last[a.platform] == name}
    checks = [a.reproducibility for name, a in parts if name in winners]
    first = parts[0][1]
    return first.model_copy(
        update={
            "platforms": list(platforms.values()),
            "artifacts": sorted(
                artifacts,
                key=lambda a: (
                    order.index(a.platform) if a.platform in order else len(order),
                    a.name,
                ),
            ),
            "reproducibility": Reproducibility(
                checked=bool(checks) and all(c.checked for c in checks),
                required=any(c.reproducibility.required for _, c in parts),
                differing=sorted(
                    {
                        d
                        for name, a in parts
                        for d in a.reproducibility.differing
                        if (name, d) not in lost
                    }
                ),
            ),
        }
    )


def merge_tests(parts: Sequence[tuple[str, TestsReport]]) -> TestsReport:
    _same({name: t.commit for name, t in parts}, "one build", "tests.json commit")
    platforms = {p.platform: p for _, t in parts for p in t.platforms}
    critical = [
        failure
        for _, t in parts
        for failure in t.critical_failures
        if platforms.get(failure.split(":", 1)[0]) in t.platforms
    ]
    return parts[0][1].model_copy(
        update={
            "platforms": list(platforms.values()),
            "critical_failures": critical,
            "outcome": "failed" if critical else "passed",
        }
    )


def part_files(part: Path) -> list[Path]:
    """The files under the part's FOLDERS, each a regular file reached without a link."""
    found: list[Path] = []
    pending = [part / name for name in FOLDERS]
    while pending:  # ends: links are never entered, so every folder is visited once
        folder = pending.pop()
        if folder.is_symlink():
            raise link_refused(folder)
        if not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                path = Path(entry.path)
                if entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                elif entry.is_symlink():
                    raise link_refused(path)
                elif entry.is_file(follow_symlinks=False):
                    found.append(path)
                else:
                    raise InputError(
                        "is not a regular file", file=str(path), expected="files and folders only"
                    )
    return sorted(found)


def _keep_mtime(source: Path, copy: Path) -> None:
    """The copy gets the part's mtime, as `cp -p` does, so that publish can still trust the
    digests the part's build recorded with it (artifacts.json's mtime_ns). Read after the copy:
    a part's file rewritten while it was copied has a newer mtime, which then matches no record
    and publish hashes the copy again."""
    found = os.lstat(source)
    os.utime(copy, ns=(found.st_atime_ns, found.st_mtime_ns), follow_symlinks=False)


def collect(work: WorkDir, parts: Sequence[Path]) -> Collected:
    """Merge the parts' artifacts.json and tests.json into ``work`` and copy their files."""
    folders = [WorkDir(p) for p in parts]
    for folder in folders:
        folder.root(field="--part")
        if not folder.path.is_dir():
            raise InputError("not a folder", file=str(folder.path), expected="a part's work folder")
    found_artifacts = [(str(f.path), f.read(Artifacts)) for f in folders if f.exists(Artifacts)]
    found_tests = [(str(f.path), f.read(TestsReport)) for f in folders if f.exists(TestsReport)]
    artifacts = merge_artifacts(found_artifacts) if found_artifacts else None
    tests = merge_tests(found_tests) if found_tests else None
    # Every part's files are listed (and every link refused) before the first is copied.
    copies = [
        (folder.path, part_files(folder.path))
        for folder in folders
        if folder.path.resolve() != work.path.resolve()
    ]
    for part, files in copies:
        for file in files:
            target = work.path / file.relative_to(part)
            atomic_copy(file, target, root=work.root(), source_root=part)
            _keep_mtime(file, target)
    copied = sum(len(files) for _, files in copies)
    if artifacts is not None:
        work.write_text(
            artifacts.checksums_file,
            "".join(sha256sums_line(a.sha256, a.path) for a in artifacts.artifacts),
        )
        work.write(artifacts)
    if tests is not None:
        work.write(tests)
    return Collected(artifacts, tests, copied)
