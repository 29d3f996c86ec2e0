"""MODULE.bazel: bazel_dep lines as dependencies, dev dependencies and overrides marked."""

from __future__ import annotations

import pytest

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps.module_bazel import parse

# yaml-cpp's MODULE.bazel (github.com/jbeder/yaml-cpp), as it is at the bundle's head.
YAML_CPP = '''"""
yaml-cpp is a YAML parser and emitter in c++ matching the YAML specification.
"""

module(
    name = "yaml-cpp",
    compatibility_level = 1,
    version = "0.9.0",
)

bazel_dep(name = "platforms", version = "1.0.0")
bazel_dep(name = "rules_cc", version = "0.2.14")

bazel_dep(name = "googletest", version = "1.17.0.bcr.2", dev_dependency = True)
'''


def test_yaml_cpp() -> None:
    assert parse(YAML_CPP) == [
        Dependency(
            "platforms", "1.0.0", "pkg:bazel/platforms@1.0.0", "MODULE.bazel", scope="required"
        ),
        Dependency(
            "rules_cc", "0.2.14", "pkg:bazel/rules_cc@0.2.14", "MODULE.bazel", scope="required"
        ),
        Dependency(
            "googletest",
            "1.17.0.bcr.2",
            "pkg:bazel/googletest@1.17.0.bcr.2",
            "MODULE.bazel",
            scope="excluded",
            properties=(("cipipe:bazel-dev-dependency", "true"),),
        ),
    ]


def test_layout_comments_and_other_statements_do_not_matter() -> None:
    text = """
# bazel_dep(name = "commented", version = "1")
module(name = "svc", version = "1.0")
bazel_dep(
    name = 'abseil-cpp',  # a trailing comma, single quotes and a comment
    version = "20240116.2",
    repo_name = "com_google_absl",
)
bazel_dep(name = "rules_python", version = "0.31.0", dev_dependency = False)
ext = use_extension("@rules_python//python/extensions:pip.bzl", "pip")
ext.parse(hub_name = "pip", requirements_lock = "//:requirements.txt", deps = [
    {"bazel_dep": "not a call"},
])
use_repo(ext, "pip")
DOC = '''bazel_dep(name = "inside_a_string", version = "1")'''
bazel_dep(name = "protobuf")
"""
    found = parse(text)
    assert [(d.name, d.version, d.scope, d.purl) for d in found] == [
        ("abseil-cpp", "20240116.2", "required", "pkg:bazel/abseil-cpp@20240116.2"),
        ("rules_python", "0.31.0", "required", "pkg:bazel/rules_python@0.31.0"),
        ("protobuf", None, "required", "pkg:bazel/protobuf"),
    ]


def test_overrides() -> None:
    text = """
bazel_dep(name = "zlib", version = "1.3")
bazel_dep(name = "fmt", version = "10.2.1")
bazel_dep(name = "spdlog", version = "1.13.0")
single_version_override(module_name = "zlib", version = "1.3.1")
single_version_override(module_name = "spdlog", patches = ["//:spdlog.patch"])
git_override(module_name = "fmt", remote = "https://github.com/fmtlib/fmt", commit = "abc")
"""
    found = {d.name: d for d in parse(text)}
    assert found["zlib"].version == "1.3.1"
    assert found["zlib"].purl == "pkg:bazel/zlib@1.3.1"
    assert found["zlib"].properties == (("cipipe:bazel-override", "single_version_override"),)
    # fetched from git: not the registry's release of that name, so no registry version
    assert found["fmt"].version is None and found["fmt"].purl == "pkg:bazel/fmt"
    assert found["fmt"].properties == (("cipipe:bazel-override", "git_override"),)
    assert found["spdlog"].version == "1.13.0" and found["spdlog"].properties == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('bazel_dep(version = "1")', "line 1: bazel_dep without name"),
        ('\nbazel_dep(name = NAME, version = "1")', "line 2: bazel_dep name must be a string"),
        ('bazel_dep(name = "a" + "b")', "line 1: bazel_dep name must be a string literal"),
        ('bazel_dep(name = "Abc")', "'Abc' is not a Bazel module name"),
        ('bazel_dep(name = "a", dev_dependency = 1)', "dev_dependency must be True or False"),
        ('bazel_dep("a", "1")', "line 1: bazel_dep takes keyword arguments"),
        ('bazel_dep(name = "a", name = "b")', "bazel_dep repeats name"),
        ('bazel_dep(name = "a"', "line 1: bazel_dep( is not closed"),
        ('bazel_dep(name = "a\\nb")', "escapes in a module name"),
        ('x = [\nbazel_dep(name = "a")', "a '(' '[' or '{' is not closed"),
        ("x = )", "line 1: ')' without its opening"),
        ('bazel_dep(name = "a)', "line 1: unexpected '\"'"),
        ("x = $", "line 1: unexpected '$'"),
        ("x = " + "[" * 65 + "]" * 65, "brackets nested deeper than 64"),
        ('git_override(remote = "x")', "git_override without module_name"),
    ],
)
def test_bad_files_say_where(text: str, message: str) -> None:
    with pytest.raises(DependencyFileError, match=None) as caught:
        parse(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
