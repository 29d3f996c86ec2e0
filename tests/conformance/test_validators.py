"""The conformance validators reject what the real consumers reject, so a demo file that breaks
its schema cannot pass: each is shown a conforming file and a broken one."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.support import conformance_schemas
from tests.support.conformance_schemas import (
    _buildinfo_schema,
    binary_errors,
    buildinfo_errors,
    cipipe_schema_errors,
    cyclonedx_errors,
    rollout_export_errors,
    sarif_errors,
    sha256sums_errors,
    slack_blocks_errors,
    surefire_errors,
)

SARIF: dict[str, Any] = {
    "version": "2.1.0",
    "runs": [{"tool": {"driver": {"name": "cppcheck"}}, "results": [{"message": {"text": "m"}}]}],
}


def test_sarif_level_outside_the_enum_is_refused() -> None:
    assert sarif_errors(SARIF) == []
    SARIF["runs"][0]["results"][0]["level"] = "fatal"
    try:
        assert any("fatal" in p for p in sarif_errors(SARIF))
    finally:
        del SARIF["runs"][0]["results"][0]["level"]


SUITE = (
    '<testsuite name="{name}" tests="1" errors="0" skipped="0" failures="0">'
    '<testcase name="a" classname="c" time="0.1">{body}</testcase></testsuite>'
)


def test_surefire_checks_each_testsuite_of_a_testsuites_wrapper(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    good = SUITE.format(
        name="ok", body='<flakyError type="E"><stackTrace>t</stackTrace></flakyError>'
    )
    report.write_text(good)
    assert surefire_errors(report) == []
    bad = SUITE.format(name="bad", body='<flakyFailure message="m"/>')  # no type, no stackTrace
    report.write_text(f"<testsuites>{good}{bad}</testsuites>")
    problems = surefire_errors(report)
    assert problems and all(p.startswith("junit.xml: testsuite 'bad'") for p in problems)
    report.write_text("<coverage/>")
    assert surefire_errors(report) == [
        "junit.xml: root <coverage> is neither <testsuite> nor <testsuites>"
    ]


def test_build_info_modules_are_checked_although_upstream_nests_them_beside_properties() -> None:
    module = {"id": "m", "artifacts": [{"sha1": 5}]}
    document: dict[str, Any] = {"name": "svc", "number": "1", "modules": [module]}
    # A plain validation never reaches the modules: the schema's "modules" is not a property.
    assert list(jsonschema.Draft4Validator(_buildinfo_schema()).iter_errors(document)) == []
    assert buildinfo_errors(document) == ["modules/0/artifacts/0/sha1: 5 is not of type 'string'"]
    document["modules"][0]["artifacts"][0]["sha1"] = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
    document["started"] = "2026-12-06T19:43:40.523+0000"
    assert buildinfo_errors(document) == []
    document["started"] = "2026-12-06T19:43:40Z"  # jfrog wants milliseconds and +hhmm
    assert len(buildinfo_errors(document)) == 1


def _bom(**extra: Any) -> dict[str, Any]:
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, **extra}


def test_cyclonedx_resolves_spdx_and_jsf_from_tests_data() -> None:
    component = {"type": "library", "name": "zlib", "licenses": [{"license": {"id": "Zlib"}}]}
    assert cyclonedx_errors(_bom(components=[component])) == []
    component["licenses"] = [{"license": {"id": "Not-An-SPDX-Id"}}]
    assert cyclonedx_errors(_bom(components=[component]))
    signed = _bom(signature={"algorithm": "XX999", "value": "abc"})
    assert cyclonedx_errors(signed)  # the JSF schema's algorithm enum, through its $ref
    assert cyclonedx_errors(_bom(serialNumber="urn:uuid:not-a-uuid"))
    assert cyclonedx_errors({**_bom(), "specVersion": "1.5"}) == [
        "specVersion: '1.5', expected '1.6'"
    ]


def test_rollout_export_with_a_key_argo_does_not_know_is_refused(tmp_path: Path) -> None:
    export = tmp_path / "rollout-argo-rollouts.yaml"
    export.write_text("strategy:\n  canary:\n    maxSurge: 50%\n")
    assert rollout_export_errors(export) == []
    export.write_text("strategy:\n  canary:\n    maxSurges: 50%\n")
    assert rollout_export_errors(export) == [
        "rollout-argo-rollouts.yaml: strategy.canary: unknown key 'maxSurges'"
    ]
    export.write_text("apiVersion: v1\nkind: ConfigMap\n")
    assert "no CRD extract" in rollout_export_errors(export)[0]


def test_a_resource_export_is_checked_against_the_extract_named_for_its_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extract = {"properties": {"metadata": ["name"], "spec": ["provider", "query"]}}
    (tmp_path / "flagger-metric-template.json").write_text(json.dumps(extract))
    monkeypatch.setattr(conformance_schemas, "CRDS", tmp_path)
    export = tmp_path / "rollout-flagger.yaml"
    export.write_text("kind: MetricTemplate\nmetadata: {name: m}\nspec: {query: q}\n")
    assert rollout_export_errors(export) == []
    export.write_text("kind: MetricTemplate\nmetadata: {name: m}\nspec: {querry: q}\n")
    assert rollout_export_errors(export) == ["rollout-flagger.yaml: spec: unknown key 'querry'"]


def test_slack_blocks_slack_sdk_would_change_or_refuse() -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "risk 27"}}
    assert slack_blocks_errors([section]) == []
    assert slack_blocks_errors([{**section, "colour": "red"}])  # read back without the key
    assert slack_blocks_errors(
        [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]
    )
    assert slack_blocks_errors([{"type": "carousel"}])  # a known type without its elements
    assert slack_blocks_errors([{"type": "bogus-block"}])


def test_cipipe_file_against_its_named_schema() -> None:
    assert cipipe_schema_errors({"schema": "cipipe.nothing/1"}) == [
        "schema: no schemas/nothing.schema.json for this file"
    ]
    assert cipipe_schema_errors({"schema": "cyclonedx"})[0].startswith("schema: 'cyclonedx'")
    problems = cipipe_schema_errors({"schema": "cipipe.source/1", "commit": 7})
    assert any(p.startswith("commit:") for p in problems)


def test_sha256sums_as_sha256sum_checks_them(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "bin").write_bytes(b"built")
    digest = hashlib.sha256(b"built").hexdigest()
    sums = tmp_path / "SHA256SUMS"
    sums.write_text(f"{digest}  a/bin\n")
    assert sha256sums_errors(sums) == []
    sums.write_text(f"{digest}  bin\n{'0' * 64}  a/bin\n{digest} a/bin\n")
    assert sha256sums_errors(sums) == [
        "SHA256SUMS:1: bin is missing",
        "SHA256SUMS:2: a/bin has another sha256",
        "SHA256SUMS:3: not '<sha256>  <name>'",
    ]


def test_an_artifact_must_be_its_platforms_executable(tmp_path: Path) -> None:
    script = tmp_path / "service"
    script.write_text("#!/bin/sh\n")
    assert binary_errors(script, "linux") == ["service: elf None, expected x86_64"]
    assert binary_errors(script, "riscv") == ["service: no expected format for platform 'riscv'"]
    shell = Path("/bin/sh").resolve()  # an x86-64 ELF on the machines this suite runs on
    assert binary_errors(shell, "linux") == []
    assert binary_errors(shell, "arm") == [f"{shell.name}: elf 'x86_64', expected aarch64"]
