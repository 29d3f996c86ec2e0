from __future__ import annotations

from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packageurl import PackageURL

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps.conanfile_txt import parse
from tests.conftest import DATA

DEPS = DATA / "deps"


def dep(
    name: str,
    version: str | None,
    purl: str,
    scope: Literal["required", "excluded"],
    properties: tuple[tuple[str, str], ...] = (),
) -> Dependency:
    return Dependency(
        name=name,
        version=version,
        purl=purl,
        source="conanfile.txt",
        scope=scope,
        properties=properties,
    )


def test_conan2_conanfile() -> None:
    assert parse((DEPS / "conanfile.txt").read_text()) == [
        dep(
            "fmt",
            "10.2.1",
            "pkg:conan/fmt@10.2.1?rrev=6b3be0e9f5bbadae00bbdaf4c8c582f3",
            "required",
        ),
        dep("spdlog", "1.13.0", "pkg:conan/spdlog@1.13.0?channel=stable&user=acme", "required"),
        dep(
            "openssl",
            None,
            "pkg:conan/openssl",
            "required",
            (("cipipe:version-range", "[>=3.0 <4]"),),
        ),
        dep("zlib", "1.3.1", "pkg:conan/zlib@1.3.1", "required"),
        dep("cmake", "3.28.1", "pkg:conan/cmake@3.28.1", "excluded"),
        dep("ninja", "1.11.1", "pkg:conan/ninja@1.11.1", "excluded"),
        dep("gtest", "1.14.0", "pkg:conan/gtest@1.14.0", "excluded"),
    ]


def test_conan1_sections_and_placeholders() -> None:
    text = """\
[requires]
poco/1.9.4@_/_
boost/1.83.0@
openssl/1.1.1w@acme

[build_requires]
cmake/3.28.1

[imports]
bin, *.dll -> ./bin
"""
    found = parse(text, source="app/conanfile.txt")
    assert [(d.name, d.version, d.purl, d.scope, d.source) for d in found] == [
        ("poco", "1.9.4", "pkg:conan/poco@1.9.4", "required", "app/conanfile.txt"),
        ("boost", "1.83.0", "pkg:conan/boost@1.83.0", "required", "app/conanfile.txt"),
        (
            "openssl",
            "1.1.1w",
            "pkg:conan/openssl@1.1.1w?user=acme",
            "required",
            "app/conanfile.txt",
        ),
        ("cmake", "3.28.1", "pkg:conan/cmake@3.28.1", "excluded", "app/conanfile.txt"),
    ]


def test_empty_and_comment_only() -> None:
    assert parse("") == []
    assert parse("# nothing yet\n[requires]\n# zlib/1.3.1\n") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[requires]\nzlib\n", "line 2 in [requires]: 'zlib' is not a conan reference"),
        ("[requires]\nzlib/1.3.1 # why\n", "line 2 in [requires]"),
        ("[tool_requires]\ncmake/3.28.1@a/b/c\n", "line 2 in [tool_requires]"),
        ("zlib/1.3.1\n[requires]\n", "line 1: 'zlib/1.3.1' is outside any [section]"),
        ('{"requires": ["zlib/1.3.1"]}', "line 1"),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(DependencyFileError, match=message.replace("[", r"\[")):
        parse(text)


names = st.from_regex(r"[a-z0-9_][a-z0-9_+.-]{1,20}", fullmatch=True)
versions = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,2}(-[a-z]{1,5})?", fullmatch=True)
user_channel = st.none() | st.tuples(names, st.none() | names)
revisions = st.none() | st.from_regex(r"[0-9a-f]{32}", fullmatch=True)
references = st.tuples(names, versions, user_channel, revisions)
Reference = tuple[str, str, tuple[str, str | None] | None, str | None]


def render(ref: Reference) -> str:
    name, version, uc, rrev = ref
    text = f"{name}/{version}"
    if uc is not None:
        user, channel = uc
        text += f"@{user}" + (f"/{channel}" if channel else "")
    return text + (f"#{rrev}" if rrev else "")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(references, max_size=6),
    st.lists(references, max_size=4),
    st.sampled_from(["tool_requires", "build_requires", "test_requires"]),
)
def test_round_trip(requires: list[Reference], tools: list[Reference], tool_section: str) -> None:
    text = "\n".join(
        [
            "# generated",
            "[requires]",
            *map(render, requires),
            "",
            f"[{tool_section}]",
            *map(render, tools),
            "",
            "[generators]",
            "CMakeDeps",
            "",
        ]
    )
    found = parse(text)
    assert [d.scope for d in found] == ["required"] * len(requires) + ["excluded"] * len(tools)
    for dependency, (name, version, uc, rrev) in zip(found, requires + tools, strict=True):
        user = uc[0] if uc and uc[0] != "_" else None
        channel = uc[1] if uc and uc[1] != "_" else None
        purl = PackageURL.from_string(dependency.purl or "")
        assert (dependency.name, dependency.version) == (name, version)
        assert (purl.type, purl.name, purl.version) == ("conan", name, version)
        assert purl.qualifiers == {
            k: v for k, v in {"user": user, "channel": channel, "rrev": rrev}.items() if v
        }
