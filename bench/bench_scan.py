"""Offline vulnerability matching: 50,000 OSV advisories against 2,000 components, under 5 s.

The timed process does what `cipipe scan` does with a local OSV dump: read every advisory file
of a nested folder tree (one JSON file per advisory, like an unpacked osv.dev or GitHub advisory
database), build the index and match every component. For comparison, a second command only
reads every file, decodes it and keeps it, as a naive loader would before it even starts to
match (see cipipe/steps/scan/dump.py for why that alone is slow).

The advisories are generated with a fixed seed, in the shapes real databases have (ECOSYSTEM
and SEMVER timelines from "0", two intervals, last_affected, version lists, GIT ranges with
tags, CVSS vectors, references), spread over ten ecosystems and 12,000 packages. The expected
number of affected (component, advisory) pairs is computed here independently, so a fast wrong
answer fails.
"""

from __future__ import annotations

import bisect
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import Command, measure, report

ADVISORIES = 50_000
COMPONENTS = 2_000
PACKAGES = 12_000
TARGET_SECONDS = 5.0
SEED = 54

# (OSV ecosystem, purl type, purl namespace, range type, id prefix)
ECOSYSTEMS = [
    ("PyPI", "pypi", "", "ECOSYSTEM", "PYSEC"),
    ("npm", "npm", "", "SEMVER", "GHSA"),
    ("Go", "golang", "github.com/acme", "SEMVER", "GO"),
    ("crates.io", "cargo", "", "SEMVER", "RUSTSEC"),
    ("Maven", "maven", "org.acme", "ECOSYSTEM", "GHSA"),
    ("NuGet", "nuget", "", "ECOSYSTEM", "GHSA"),
    ("RubyGems", "gem", "", "ECOSYSTEM", "GHSA"),
    ("Debian:12", "deb", "debian", "ECOSYSTEM", "DEBIAN"),
    ("ConanCenter", "conan", "", "ECOSYSTEM", "OSV"),
    ("OSS-Fuzz", "generic", "", "GIT", "OSV"),
]
VECTORS = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N",
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
]

Triple = tuple[int, int, int]

MATCH_SCRIPT = """
import json, sys
from pathlib import Path
from cipipe.steps.scan.dump import load_osv_directory
from cipipe.steps.scan.index import Component
index = load_osv_directory(Path(sys.argv[1]))
affected = undecided = 0
for item in json.loads(Path(sys.argv[2]).read_text()):
    for match in index.match(Component(**item)):
        affected += match.status == "affected"
        undecided += match.status == "undecided"
print(len(index), affected, undecided, len(index.warnings))
"""

LOAD_SCRIPT = """
import json, os, sys
docs = []
for top, _, names in os.walk(sys.argv[1]):
    for name in names:
        with open(os.path.join(top, name), "rb") as f:
            docs.append(json.loads(f.read()))
print(len(docs))
"""


def run(rounds: int) -> bool:
    # Each run reads 50,000 files: a fifth of the usual rounds still gives a stable median.
    rounds = max(3, rounds // 5)
    with tempfile.TemporaryDirectory(prefix="cipipe-bench-scan-") as tmp:
        root = Path(tmp) / "osv"
        components = Path(tmp) / "components.json"
        expected = _generate(root, components)
        scan = Command(
            "load + index + match", [sys.executable, "-c", MATCH_SCRIPT, str(root), str(components)]
        )
        naive = Command(
            "naive: decode and keep every file", [sys.executable, "-c", LOAD_SCRIPT, str(root)]
        )
        # One run outside the timings: warms the page cache and checks the answer (a fast
        # wrong answer would pass otherwise).
        answer = subprocess.run(scan.argv, capture_output=True, text=True, check=True).stdout
        counts = tuple(int(n) for n in answer.split())
        medians = measure([naive, scan], rounds=rounds, warmup=1)
    title = f"Scan: {COMPONENTS} components, {ADVISORIES} OSV advisory files ({rounds} rounds)"
    report(title, medians, [])
    seconds = medians[scan.name]
    fast = seconds < TARGET_SECONDS
    print(f"  {scan.name}: {seconds:.2f} s, target < {TARGET_SECONDS:g} s: {_verdict(fast)}")
    want = (ADVISORIES, expected, 0, 0)
    correct = counts == want
    print(f"  advisories, affected pairs, undecided, warnings: {counts}")
    print(f"  expected {want}: {_verdict(correct)}")
    return fast and correct


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _generate(root: Path, components_file: Path) -> int:
    """Write the advisories and the components; return the expected number of affected pairs."""
    rng = random.Random(SEED)
    packages = [(ECOSYSTEMS[i % len(ECOSYSTEMS)], f"lib{i:05d}") for i in range(PACKAGES)]
    by_package: dict[int, list[list[tuple[Triple | None, Triple | None, bool]]]] = {}
    listed: dict[int, list[set[Triple]]] = {}
    for n in range(ADVISORIES):
        p = rng.randrange(PACKAGES)
        (ecosystem, _, namespace, range_type, prefix), name = packages[p]
        intervals = _intervals(rng)
        # GIT entries list their tags; some ECOSYSTEM entries list versions, as osv.dev's do.
        listed_too = range_type == "GIT" or rng.random() < 0.3
        versions = _enumerate(intervals) if listed_too else set()
        by_package.setdefault(p, []).append(intervals)
        listed.setdefault(p, []).append(versions)
        advisory_id = f"{prefix}-{2015 + n % 10}-{n:05d}"
        document = _advisory(
            rng, advisory_id, ecosystem, namespace, name, range_type, intervals, versions
        )
        folder = root / ecosystem.split(":")[0] / str(2015 + n % 10)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{advisory_id}.json").write_text(json.dumps(document, indent=2))
    expected = 0
    items = []
    for i in range(COMPONENTS):
        p = rng.randrange(PACKAGES) if i % 5 else PACKAGES + i  # a fifth have no advisories
        (ecosystem, purl_type, namespace, _, _), name = packages[p % PACKAGES]
        name = name if p < PACKAGES else f"clean{i}"
        version = (rng.randrange(5), rng.randrange(10), rng.randrange(10))
        text = ".".join(map(str, version)) + ("-1" if purl_type == "deb" else "")
        path = f"{namespace}/{name}" if namespace else name
        shown = f"v{text}" if purl_type == "golang" else text
        qualifiers = "?distro=debian-12" if purl_type == "deb" else ""
        items.append(
            {
                "purl": f"pkg:{purl_type}/{path}@{shown}{qualifiers}",
                "ecosystem": None,
                "name": name,
                "version": shown,
            }
        )
        for intervals, versions in zip(by_package.get(p, []), listed.get(p, []), strict=True):
            expected += version in versions or (ecosystem != "OSS-Fuzz" and _in(version, intervals))
    components_file.write_text(json.dumps(items))
    return expected


ALL_TRIPLES = [(a, b, c) for a in range(5) for b in range(10) for c in range(10)]


def _enumerate(intervals: list[tuple[Triple | None, Triple | None, bool]]) -> set[Triple]:
    """Every version of ALL_TRIPLES in the intervals."""
    found: set[Triple] = set()
    for start, end, last in intervals:
        low = bisect.bisect_left(ALL_TRIPLES, start) if start else 0
        if end is None:
            high = len(ALL_TRIPLES)
        else:
            high = (bisect.bisect_right if last else bisect.bisect_left)(ALL_TRIPLES, end)
        found.update(ALL_TRIPLES[low:high])
    return found


def _intervals(rng: random.Random) -> list[tuple[Triple | None, Triple | None, bool]]:
    """One or two [introduced, end) intervals; end None is unfixed, the flag says last_affected."""
    count = 1 if rng.random() < 0.8 else 2
    major = sorted(rng.sample(range(5), count))
    intervals: list[tuple[Triple | None, Triple | None, bool]] = []
    for k, m in enumerate(major):
        start: Triple | None = None if k == 0 and rng.random() < 0.5 else (m, rng.randrange(5), 0)
        end: Triple | None = (m, rng.randrange(5, 10), rng.randrange(10))
        last_affected = rng.random() < 0.1
        if rng.random() < 0.05 and k == count - 1:
            end = None
        intervals.append((start, end, last_affected))
    return intervals


def _in(v: Triple, intervals: list[tuple[Triple | None, Triple | None, bool]]) -> bool:
    return any(
        (start is None or v >= start) and (end is None or (v <= end if last else v < end))
        for start, end, last in intervals
    )


def _text(t: Triple, ecosystem: str) -> str:
    return ".".join(map(str, t)) + ("-1" if ecosystem.startswith("Debian") else "")


def _advisory(
    rng: random.Random,
    advisory_id: str,
    ecosystem: str,
    namespace: str,
    name: str,
    range_type: str,
    intervals: list[tuple[Triple | None, Triple | None, bool]],
    versions: set[Triple],
) -> dict[str, object]:
    cve = f"CVE-{advisory_id.split('-')[1]}-{rng.randrange(10000, 99999)}"
    if ecosystem == "Maven":
        package_name = f"{namespace}:{name}"
    elif ecosystem == "Go":
        package_name = f"{namespace}/{name}"
    else:
        package_name = name
    events: list[dict[str, str]] = []
    for start, end, last in intervals:
        if range_type == "GIT":
            events.append({"introduced": "0" if start is None else _sha(rng)})
            if end is not None:
                events.append({"fixed": _sha(rng)})
            continue
        events.append({"introduced": "0" if start is None else _text(start, ecosystem)})
        if end is not None:
            events.append({("last_affected" if last else "fixed"): _text(end, ecosystem)})
    rng_entry: dict[str, object] = {"type": range_type, "events": events}
    if range_type == "GIT":
        rng_entry["repo"] = f"https://github.com/acme/{name}.git"
    affected: dict[str, object] = {
        "package": {"ecosystem": ecosystem, "name": package_name},
        "ranges": [rng_entry],
    }
    if versions:
        tag = "v{}.{}.{}" if range_type == "GIT" else "{}.{}.{}"
        affected["versions"] = [
            tag.format(*t) + ("-1" if ecosystem.startswith("Debian") else "")
            for t in sorted(versions)
        ]
    if ecosystem == "crates.io":
        affected["ecosystem_specific"] = {"affects": {"functions": [f"{name}::parse"]}}
    document: dict[str, object] = {
        "schema_version": "1.6.0",
        "id": advisory_id,
        "modified": f"2024-0{1 + rng.randrange(9)}-1{rng.randrange(10)}T10:00:00Z",
        "published": "2023-05-02T12:00:00Z",
        "aliases": [cve],
        "summary": f"Buffer overflow in {name} when parsing crafted input",
        "details": f"The {name} parser does not check the length of a field before copying it. "
        * 4,
        "affected": [affected],
        "references": [
            {"type": "ADVISORY", "url": f"https://nvd.nist.gov/vuln/detail/{cve}"},
            {"type": "FIX", "url": f"https://github.com/acme/{name}/commit/{_sha(rng)}"},
            {"type": "PACKAGE", "url": f"https://github.com/acme/{name}"},
        ],
        "database_specific": {"cwe_ids": ["CWE-120"], "severity": "HIGH", "github_reviewed": True},
    }
    if rng.random() < 0.8:
        vector = rng.choice(VECTORS)
        kind = "CVSS_V4" if vector.startswith("CVSS:4") else "CVSS_V3"
        document["severity"] = [{"type": kind, "score": vector}]
    return document


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"
