from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps.requirements_txt import includes, normalise, parse
from tests.conftest import DATA

DEPS = DATA / "deps"
INCLUDE = ("cipipe:requirements-include", "requirements-dev.txt")


def dep(
    name: str,
    version: str | None,
    purl: str | None,
    sha256: tuple[str, ...] = (),
    *properties: tuple[str, str],
) -> Dependency:
    return Dependency(
        name=name,
        version=version,
        purl=purl,
        source="requirements.txt",
        hashes=tuple(("SHA-256", h) for h in sha256),
        properties=(*properties, INCLUDE),
    )


def test_pip_compile_output_and_hand_written_lines() -> None:
    text = (DEPS / "requirements.txt").read_text()
    assert includes(text) == ["requirements-dev.txt"]
    assert parse(text) == [
        dep(
            "pysocks",
            "1.7.1",
            "pkg:pypi/pysocks@1.7.1",
            (
                "08e69f092cc6dbe92a0fdd16eeb9b9ffbc13cadfe5ca4c7bd92ffb078b293299",
                "2725bd0a9925919b9b51739eea5f9e2bae91e83288108a9ad338b2e3a4435ee5",
                "3f8804571ebe159c380ac6de37643bb4685970655d3bba243530d6558b799aa0",
            ),
        ),
        dep(
            "six",
            "1.17.0",
            "pkg:pypi/six@1.17.0",
            (
                "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274",
                "ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81",
            ),
        ),
        dep(
            "typing-extensions",
            "4.16.0",
            "pkg:pypi/typing-extensions@4.16.0",
            (
                "481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8",
                "dc983d19a509c94dba722ee6abd33940f7c05a89e243c47e907eb4db6f1a43e5",
            ),
            ("cipipe:python-marker", 'python_version < "3.12"'),
        ),
        dep(
            "urllib3",
            "2.2.1",
            "pkg:pypi/urllib3@2.2.1",
            (
                "450b20ec296a467077128bff42b73080516e71b56ff59a60a02bef2232c4fa9d",
                "d0570876c61ab9e520d776c38acbbb5b05a776d3f9ff98a5c8fd5162a444cf19",
            ),
            ("cipipe:python-extras", "socks"),
        ),
        dep("requests", None, "pkg:pypi/requests", (), ("cipipe:version-constraint", ">=2.31,<3")),
        dep(
            "PyYAML",
            "6.0.1",
            "pkg:pypi/pyyaml@6.0.1",
            (),
            ("cipipe:python-marker", 'sys_platform == "linux"'),
        ),
        dep(
            "cipipe-helpers",
            None,
            None,
            (),
            ("cipipe:download-location", "./libs/cipipe-helpers"),
            ("cipipe:editable", "true"),
        ),
        dep(
            "mylib",
            None,
            "pkg:pypi/mylib",
            (),
            ("cipipe:download-location", "git+https://github.com/acme/mylib.git@v1.4.0"),
        ),
        dep(
            "acme_tool",
            None,
            "pkg:pypi/acme-tool",
            (),
            (
                "cipipe:download-location",
                "https://github.com/acme/wheels/releases/download/v0.3.0/"
                "acme_tool-0.3.0-py3-none-any.whl",
            ),
        ),
    ]


def test_versions_specifiers_and_names() -> None:
    text = """\
Django===4.2.11
zope.interface == 6.2
numpy==1.26.*
attrs (>=23.1)
--requirement=base.txt
-c constraints.txt
-e git+https://github.com/acme/tool.git@v2#egg=acme-tool
./vendor/pkg-1.0.tar.gz
"""
    found = parse(text, source="reqs/prod.txt")
    assert [(d.name, d.version, d.purl) for d in found] == [
        ("Django", "4.2.11", "pkg:pypi/django@4.2.11"),
        ("zope.interface", "6.2", "pkg:pypi/zope-interface@6.2"),
        ("numpy", None, "pkg:pypi/numpy"),
        ("attrs", None, "pkg:pypi/attrs"),
        ("acme-tool", None, "pkg:pypi/acme-tool"),
        ("pkg-1.0.tar.gz", None, None),
    ]
    assert {d.source for d in found} == {"reqs/prod.txt"}
    assert dict(found[2].properties)["cipipe:version-constraint"] == "==1.26.*"
    assert [v for k, v in found[0].properties if k == "cipipe:requirements-include"] == [
        "base.txt",
        "constraints.txt",
    ]


def test_other_hash_algorithms() -> None:
    [found] = parse("a==1 --hash sha512:AB --hash=sha224:cd --hash=md5:ef")
    assert found.hashes == (("SHA-512", "ab"), ("MD5", "ef"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("this is not a requirement\n", "line 1: 'this is not a requirement' is not a req"),
        ("ok==1\n\nfoo >= \n", "line 3"),
        ("a==1 \\\n  --hash=sha256:zz\n", "line 1: --hash=sha256:zz is not algorithm"),
        ("-r\n", "line 1: -r without a value"),
        ('{"name": "x"}', "line 1"),
        ("name[extra==1\n", "line 1"),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(DependencyFileError, match=message):
        parse(text)


def test_normalise() -> None:
    assert normalise("Foo.Bar__baz-") == "foo-bar-baz-"
    assert normalise("typing_extensions") == "typing-extensions"


names = st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,12}[A-Za-z0-9]", fullmatch=True)
versions = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}(\.post[0-9]|rc[0-9])?", fullmatch=True)
extras = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True), max_size=2, unique=True)
digests = st.lists(st.binary(min_size=32, max_size=32).map(bytes.hex), max_size=3)
requirements = st.tuples(names, versions, extras, digests, st.booleans())


@settings(max_examples=150, deadline=None)
@given(st.lists(requirements, max_size=6))
def test_round_trip(reqs: list[tuple[str, str, list[str], list[str], bool]]) -> None:
    lines = ["# top comment"]
    for name, version, extra, hashes, marker in reqs:
        head = name + (f"[{','.join(extra)}]" if extra else "") + f"=={version}"
        head += ' ; python_version >= "3.8"' if marker else ""
        lines.append(head + "".join(f" \\\n    --hash=sha256:{h}" for h in hashes))
        lines.append("    # via -r requirements.in")
    found = parse("\n".join(lines) + "\n")
    assert [(d.name, d.version, d.purl, d.hashes) for d in found] == [
        (name, version, f"pkg:pypi/{normalise(name)}@{version}", tuple(("SHA-256", h) for h in hs))
        for name, version, _, hs, _ in reqs
    ]
