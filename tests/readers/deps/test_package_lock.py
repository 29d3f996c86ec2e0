from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps.package_lock import parse
from tests.conftest import DATA

DEPS = DATA / "deps"
SHA512 = {
    "identifier": "638399fb2b656ad47c008fbc2997cab8be6eacaa7ba9ecb4f216b7d4bf1bdc1c1ec0902825a9"
    "93cf2bf13d1ff90fe2a47490863eaffef13ba41c1958d74157f4",
    "types-ms": "9c6f7a1b75a9e9a73202026a19ab233836fe69cac8eca96d3e2471cc73d79cfdcd808dbc6e9403"
    "46fe77a256ea1976df7201796a288798edf1a701294b92ddf6",
    "debug": "3d15851ee494dde0ed4093ef9cd63b25c91eb758f4b793ae3ac1733cfcec7a40f9d9997ca947c520"
    "f122b305ea22f1d61951ce817fbb1bfbc234d85e870c5f91",
    "ms-2.1.2": "b0690fc7e56332d980e8c5f6ee80381411442c50996784b85ea7863970afebcb53fa36f7be4fd1"
    "c9a2963f43d32b25ad98b48cd1bf9a7544c4bdbb353c4687db",
    "ms-2.1.3": "e85973b9b4cb646dc9d9afcd542025784863ceae68c601f268253dc985ef70bb2fa1568726afec"
    "e715c8ebf5d73fab73ed1f7100eb479d23bfb57b45dd645394",
}


def expected(licenses: tuple[str, ...]) -> list[Dependency]:
    def dep(
        name: str, version: str, group: str | None, key: str, path: str, *, dev: bool = False
    ) -> Dependency:
        namespace = f"%40{group[1:]}/" if group else ""
        return Dependency(
            name=name,
            version=version,
            purl=f"pkg:npm/{namespace}{name}@{version}",
            source="package-lock.json",
            group=group,
            licenses=licenses,
            hashes=(("SHA-512", SHA512[key]),),
            scope="optional" if dev else "required",
            properties=(("cipipe:npm-path", path),),
        )

    return [
        dep(
            "helper-validator-identifier",
            "7.22.20",
            "@babel",
            "identifier",
            "node_modules/@babel/helper-validator-identifier",
        ),
        dep("ms", "0.7.34", "@types", "types-ms", "node_modules/@types/ms", dev=True),
        dep("debug", "4.3.4", None, "debug", "node_modules/debug"),
        # debug needs ms 2.1.2, the project 2.1.3: npm installs both
        dep("ms", "2.1.2", None, "ms-2.1.2", "node_modules/debug/node_modules/ms"),
        dep("ms", "2.1.3", None, "ms-2.1.3", "node_modules/ms"),
    ]


def test_lockfile_v3_npm_11() -> None:
    assert parse((DEPS / "package-lock-v3.json").read_text()) == expected(("MIT",))


def test_lockfile_v1_npm_6() -> None:
    assert parse((DEPS / "package-lock-v1.json").read_text()) == expected(())


def test_v2_prefers_packages_and_skips_workspaces_and_links() -> None:
    lock = {
        "name": "mono",
        "lockfileVersion": 2,
        "packages": {
            "": {"name": "mono", "workspaces": ["packages/*"]},
            "node_modules/@acme/ui": {"resolved": "packages/ui", "link": True},
            "packages/ui": {"name": "@acme/ui", "version": "0.1.0"},
            "packages/ui/node_modules/left-pad": {"version": "1.3.0", "devOptional": True},
            "node_modules/my-ms": {"name": "ms", "version": "2.1.3", "optional": True},
            "node_modules/tool": {
                "version": "1.0.0",
                "resolved": "git+ssh://git@github.com/acme/tool.git#0123abc",
            },
        },
        "dependencies": {"left-pad": {"version": "0.0.1"}},
    }
    found = parse(json.dumps(lock), source="web/package-lock.json")
    assert [(d.group, d.name, d.version, d.scope, d.properties) for d in found] == [
        (
            None,
            "left-pad",
            "1.3.0",
            "optional",
            (("cipipe:npm-path", "packages/ui/node_modules/left-pad"),),
        ),
        (None, "ms", "2.1.3", "optional", (("cipipe:npm-path", "node_modules/my-ms"),)),
        (
            None,
            "tool",
            "1.0.0",
            "required",
            (
                ("cipipe:npm-path", "node_modules/tool"),
                ("cipipe:download-location", "git+ssh://git@github.com/acme/tool.git#0123abc"),
            ),
        ),
    ]
    assert {d.source for d in found} == {"web/package-lock.json"}


def test_v1_aliases_and_git_versions() -> None:
    lock = {
        "lockfileVersion": 1,
        "dependencies": {
            "my-ms": {"version": "npm:ms@2.1.3"},
            "tool": {"version": "github:acme/tool#0123abc", "dev": True},
        },
    }
    found = parse(json.dumps(lock))
    assert [(d.name, d.version, d.purl, d.scope) for d in found] == [
        ("ms", "2.1.3", "pkg:npm/ms@2.1.3", "required"),
        ("tool", None, "pkg:npm/tool", "optional"),
    ]
    assert ("cipipe:download-location", "github:acme/tool#0123abc") in found[1].properties


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ((DEPS / "package-lock-v3.json").read_text()[:500], "invalid JSON at line"),
        ("[]", "found a JSON array"),
        ('{"name": "x"}', "lockfileVersion None: expected 1, 2 or 3"),
        ('{"lockfileVersion": 3}', "lockfileVersion 3: no packages"),
        ('{"lockfileVersion": 3, "packages": []}', "packages: expected an object"),
        ('{"lockfileVersion": 3, "packages": {"node_modules/a": 1}}', "expected an object"),
        (
            '{"lockfileVersion": 3, "packages": {"node_modules/a": {"integrity": "sha512"}}}',
            "is not algorithm-base64",
        ),
        (
            '{"lockfileVersion": 3, "packages": {"node_modules/a": {"integrity": "sha512-@@"}}}',
            "not valid base64",
        ),
        ('{"lockfileVersion": 1, "dependencies": {"a/b": {}}}', "'a/b' is not an npm package"),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(DependencyFileError, match=message):
        parse(text)


names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
packages = st.tuples(
    st.none() | names,
    names,
    st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True),
    st.binary(min_size=64, max_size=64),
    st.booleans(),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(packages, max_size=6, unique_by=lambda p: (p[0], p[1])))
def test_v3_round_trip(pkgs: list[tuple[str | None, str, str, bytes, bool]]) -> None:
    entries: dict[str, object] = {"": {"name": "app"}}
    for scope, name, version, digest, dev in pkgs:
        full = f"@{scope}/{name}" if scope else name
        entries[f"node_modules/{full}"] = {
            "version": version,
            "integrity": "sha512-" + base64.b64encode(digest).decode(),
            **({"dev": True} if dev else {}),
        }
    found = parse(json.dumps({"lockfileVersion": 3, "packages": entries}))
    assert [(d.group, d.name, d.version, d.hashes, d.scope) for d in found] == [
        (
            f"@{scope}" if scope else None,
            name,
            version,
            (("SHA-512", digest.hex()),),
            "optional" if dev else "required",
        )
        for scope, name, version, digest, dev in pkgs
    ]
