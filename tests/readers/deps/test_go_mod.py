from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps.go_mod import parse
from tests.conftest import DATA

DEPS = DATA / "deps"
INDIRECT = ("cipipe:go-indirect", "true")


def dep(path: str, version: str | None, *properties: tuple[str, str]) -> Dependency:
    return Dependency(
        name=path,
        version=version,
        purl=f"pkg:golang/{path}" + (f"@{version}" if version else ""),
        source="go.mod",
        properties=properties,
    )


def test_go_mod() -> None:
    assert parse((DEPS / "go.mod").read_text()) == [
        # replaced by another version of the module: that version is what gets built
        dep(
            "github.com/aquasecurity/go-dep-parser",
            "v0.0.0-20220406074731-71021a481237",
            (
                "cipipe:go-replaces",
                "github.com/aquasecurity/go-dep-parser@v0.0.0-20211110174639-8257534ffed3",
            ),
        ),
        dep("github.com/aquasecurity/go-version", "v0.0.0-20240603093900-cf8a8d29271d"),
        dep("github.com/davecgh/go-spew", "v1.1.2-0.20180830191138-d8f796af33cc", INDIRECT),
        dep("github.com/pmezard/go-difflib", "v1.0.1-0.20181226105442-5d4384ee4fb2", INDIRECT),
        dep("github.com/stretchr/testify", "v1.9.0", INDIRECT),
        # replaced by a directory: local code, no upstream version
        dep("golang.org/x/xerrors", None, INDIRECT, ("cipipe:go-replaced-by", "./xerrors")),
        dep("gopkg.in/yaml.v3", "v3.0.0-20210107192922-496545a6307b", INDIRECT),
    ]


def test_single_line_forms_quotes_comments_and_other_directives() -> None:
    text = """\
// A comment before the module line.
module "example.com/app" // trailing

go 1.23

godebug default=go1.21

require github.com/spf13/cobra v1.8.0 // indirect; kept for the CLI
require rsc.io/quote/v3 v3.1.0

exclude github.com/spf13/cobra v1.7.0
retract [v1.0.0, v1.0.5] // broken release

tool golang.org/x/tools/cmd/stringer

replace (
	rsc.io/quote/v3 v3.0.0 => rsc.io/quote/v3 v3.0.1
	github.com/spf13/cobra => github.com/acme/cobra v1.8.1-fix
)
"""
    found = parse(text, source="svc/go.mod")
    assert [(d.name, d.version, d.purl, d.properties) for d in found] == [
        (
            "github.com/acme/cobra",
            "v1.8.1-fix",
            "pkg:golang/github.com/acme/cobra@v1.8.1-fix",
            (INDIRECT, ("cipipe:go-replaces", "github.com/spf13/cobra@v1.8.0")),
        ),
        # the replace names another version (v3.0.0), so it does not apply
        ("rsc.io/quote/v3", "v3.1.0", "pkg:golang/rsc.io/quote/v3@v3.1.0", ()),
    ]
    assert {d.source for d in found} == {"svc/go.mod"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("module a\nthis is garbage\n", "line 2: unknown directive 'this'"),
        ("require (\n\tgithub.com/a/b v1.0.0\n", "require block not closed"),
        ("require github.com/a/b\n", "line 1: require expects a module path and a version"),
        ("require github.com/a/b 1.0.0\n", "line 1: '1.0.0' is not a Go module version"),
        ("replace a => b\n", "line 1: replacement module b needs a version"),
        ("replace a b c => d v1.0.0\n", "line 1: replace expects"),
        ("replace a v1.0.0 ./b\n", "line 1: replace without =>"),
        ('{"require": []}', "line 1: unknown directive"),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(DependencyFileError, match=message):
        parse(text)


segments = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
paths = st.builds(
    lambda host, parts: "/".join([f"{host}.com", *parts]),
    segments,
    st.lists(segments, min_size=1, max_size=3),
)
versions = st.builds(
    lambda a, b, c, pre: f"v{a}.{b}.{c}" + (f"-{pre}" if pre else ""),
    st.integers(0, 20),
    st.integers(0, 40),
    st.integers(0, 9),
    st.none() | st.from_regex(r"rc\.[0-9]", fullmatch=True),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(paths, versions, st.booleans()), max_size=8, unique_by=lambda r: r[0]))
def test_round_trip(requires: list[tuple[str, str, bool]]) -> None:
    body = "".join(
        f"\t{path} {version}{' // indirect' if indirect else ''}\n"
        for path, version, indirect in requires
    )
    found = parse(f"module example.com/m\n\ngo 1.22\n\nrequire (\n{body})\n")
    assert found == [
        dep(path, version, *((INDIRECT,) if indirect else ()))
        for path, version, indirect in requires
    ]
