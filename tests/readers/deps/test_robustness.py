"""No input makes a reader fail with anything but DependencyFileError: the sbom step turns
that one error into a clear message about the file, any other exception would be a crash."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cipipe.readers.deps import (
    Dependency,
    DependencyFileError,
    cargo_lock,
    conan_lock,
    conanfile_txt,
    cyclonedx_json,
    go_mod,
    module_bazel,
    package_lock,
    requirements_txt,
    spdx_json,
    vcpkg,
)

Reader = Callable[[str], list[Dependency]]
TEXT_READERS: list[Reader] = [
    conanfile_txt.parse,
    requirements_txt.parse,
    go_mod.parse,
    cargo_lock.parse,
    module_bazel.parse,
]
JSON_READERS: list[Reader] = [
    conan_lock.parse,
    vcpkg.parse,
    vcpkg.parse_installed_spdx,
    package_lock.parse,
    cyclonedx_json.parse,
    spdx_json.parse,
]
ROBUST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# lines that look a little like each format, so the fuzzing gets past the first check
fragments = st.sampled_from(
    [
        "[requires]",
        "[tool_requires]",
        "zlib/1.3.1",
        "a/[>=1 <2]",
        "x/1@u/c#r",
        "/",
        "@",
        "#",
        "require (",
        ")",
        "replace a => ./b",
        "require a v1.0.0",
        "// indirect",
        "module m",
        "[[package]]",
        'name = "a"',
        'version = "1"',
        'source = "git+x"',
        "=",
        '"',
        "-r",
        "-e",
        "--hash=sha256:00",
        "a==1",
        "a @ ./b",
        "; python_version",
        "\\",
        "[a]",
        "bazel_dep(",
        'name = "a",',
        "dev_dependency = True",
        "single_version_override(module_name = 'a', version = '2')",
        "git_override(",
        '"""',
        "(",
        "[",
    ]
)
lines = st.lists(st.one_of(fragments, st.text(max_size=12)), max_size=8).map("\n".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "version",
                    "requires",
                    "graph_lock",
                    "nodes",
                    "ref",
                    "pref",
                    "packages",
                    "dependencies",
                    "lockfileVersion",
                    "name",
                    "SPDXID",
                    "versionInfo",
                    "bomFormat",
                    "specVersion",
                    "components",
                    "spdxVersion",
                    "overrides",
                    "integrity",
                    "licenses",
                    "hashes",
                    "checksums",
                    "externalRefs",
                    "features",
                ]
            )
            | st.text(max_size=6),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def accepts_or_rejects(reader: Reader, text: str) -> None:
    try:
        found = reader(text)
    except DependencyFileError:
        return
    assert all(isinstance(d, Dependency) for d in found)


@pytest.mark.parametrize("reader", TEXT_READERS, ids=lambda r: r.__module__)
@ROBUST
@given(text=lines)
def test_text_readers(reader: Reader, text: str) -> None:
    accepts_or_rejects(reader, text)


@pytest.mark.parametrize("reader", JSON_READERS, ids=lambda r: f"{r.__module__}.{r.__name__}")
@ROBUST
@given(document=json_values)
def test_json_readers(reader: Reader, document: object) -> None:
    accepts_or_rejects(reader, json.dumps(document))


# each format's outer shape around a random value, to get past the top-level checks
SHAPES: list[tuple[Reader, Callable[[Any], object]]] = [
    (conan_lock.parse, lambda v: {"version": "0.5", "requires": v}),
    (conan_lock.parse, lambda v: {"graph_lock": {"nodes": {"0": {"requires": ["1"]}, "1": v}}}),
    (vcpkg.parse, lambda v: {"dependencies": [v], "overrides": v}),
    (vcpkg.parse_installed_spdx, lambda v: {"packages": [{"SPDXID": "SPDXRef-port"}, v]}),
    (package_lock.parse, lambda v: {"lockfileVersion": 3, "packages": {"node_modules/a": v}}),
    (package_lock.parse, lambda v: {"lockfileVersion": 1, "dependencies": v}),
    (
        cyclonedx_json.parse,
        lambda v: {"bomFormat": "CycloneDX", "specVersion": "1.7", "components": [v]},
    ),
    (spdx_json.parse, lambda v: {"spdxVersion": "SPDX-2.3", "packages": [v], "relationships": v}),
]


@pytest.mark.parametrize(("reader", "shape"), SHAPES, ids=lambda x: getattr(x, "__module__", ""))
@ROBUST
@given(value=json_values)
def test_json_readers_inside_their_shape(
    reader: Reader, shape: Callable[[Any], object], value: object
) -> None:
    accepts_or_rejects(reader, json.dumps(shape(value)))
