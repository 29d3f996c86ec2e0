"""JfCliStore against the fake jf in tests/fakejf: command lines, specs, summaries, failures."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from cipipe.adapters.artifact_store.interface import StoreError, StorePathError
from cipipe.adapters.artifact_store.jf import JfCliStore, format_properties
from cipipe.adapters.process import ProgramResult
from tests.adapters.artifact_store.helpers import SECRET, local_file


def calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def store() -> JfCliStore:
    return JfCliStore("candidates", build_name="svc", build_number="42", retries=5)


def test_upload_command_line_and_spec(fake_jf: Path, tmp_path: Path) -> None:
    file = local_file(tmp_path / "in" / "app.tgz", b"payload")
    result = store().upload(file, "svc/42/linux/app.tgz", {"b": "2", "a": "x;y,z"})

    (call,) = calls(fake_jf)
    argv = call["argv"]
    assert argv[:3] == ["rt", "upload", "--spec"]
    assert argv[4:] == [
        "--build-name",
        "svc",
        "--build-number",
        "42",
        "--retries",
        "5",
        "--fail-no-op",
        "--detailed-summary",
    ]
    assert call["spec"] == {
        "files": [
            {
                "pattern": str(file.path),
                "target": "candidates/svc/42/linux/app.tgz",
                "targetProps": "a=x\\;y\\,z;b=2",
                "flat": "true",
            }
        ]
    }
    assert not Path(argv[3]).exists()  # the temp spec is gone
    assert call["env"]["CI"] == "true"
    assert result.url.endswith("/candidates/svc/42/linux/app.tgz")
    assert (result.bytes_sent, result.skipped_by_checksum, result.attempts) == (7, False, 1)
    stored = store().stat("svc/42/linux/app.tgz")
    assert stored is not None
    assert stored.sha256 == file.sha256
    assert stored.properties == {"a": ("x;y,z",), "b": ("2",)}


def test_upload_many_is_one_run(fake_jf: Path, tmp_path: Path) -> None:
    a = local_file(tmp_path / "a", b"a")
    b = local_file(tmp_path / "b", b"b")
    results = store().upload_many([(a, "p/a", {}), (b, "p/b", {"k": "v"})])
    assert [r.path for r in results] == ["p/a", "p/b"]
    (call,) = calls(fake_jf)
    assert [f["target"] for f in call["spec"]["files"]] == ["candidates/p/a", "candidates/p/b"]


def test_no_secret_in_argv(fake_jf: Path, tmp_path: Path) -> None:
    s = store()
    s.upload(local_file(tmp_path / "a", b"a"), "p/a", {"k": "v"})
    s.set_properties("p/a", {"k2": "v2"})
    s.search({"k": "v"}, "p/")
    s.download("p/a", tmp_path / "out")
    s.publish_build_info({"name": "svc", "number": "42"})
    for call in calls(fake_jf):
        assert SECRET not in json.dumps(call["argv"])
        assert call["env"]["JFROG_CLI_ACCESS_TOKEN"] == SECRET  # jf gets it from its env


def test_set_props_search_download_publish(fake_jf: Path, tmp_path: Path) -> None:
    s = store()
    s.upload(local_file(tmp_path / "a", b"aa"), "svc/1/a", {"k": "v"})
    s.upload(local_file(tmp_path / "b", b"bb"), "svc/10/b", {"k": "v"})
    s.upload(local_file(tmp_path / "c", b"cc"), "svc/1/c", {"k": "w"})
    s.set_properties("svc/1/a", {"ok": "yes"})
    assert [f.path for f in s.search({"k": "v"}, "svc/1/")] == ["svc/1/a"]
    assert [f.path for f in s.search({}, "svc/1")] == ["svc/1/a", "svc/1/c", "svc/10/b"]
    found = s.search({"ok": "yes"})
    assert [(f.path, f.size, dict(f.properties)) for f in found] == [
        ("svc/1/a", 2, {"k": ("v",), "ok": ("yes",)})
    ]
    s.download("svc/1/a", tmp_path / "dl" / "a")
    assert (tmp_path / "dl" / "a").read_bytes() == b"aa"
    assert [p.name for p in (tmp_path / "dl").iterdir()] == ["a"]
    s.publish_build_info({"name": "svc", "number": "42"})

    argvs = [c["argv"] for c in calls(fake_jf)][3:]
    assert argvs[0] == ["rt", "set-props", "candidates/svc/1/a", "ok=yes"]
    assert argvs[1] == ["rt", "search", "candidates/svc/1/*", "--props", "k=v"]
    assert argvs[2] == ["rt", "search", "candidates/svc/1*"]
    assert argvs[3] == ["rt", "search", "candidates/*", "--props", "ok=yes"]
    assert argvs[4][:3] == ["rt", "download", "candidates/svc/1/a"]
    assert argvs[4][4:] == ["--flat=true", "--fail-no-op", "--retries", "5"]
    assert argvs[5] == ["rt", "build-publish", "svc", "42"]


def test_stat_absent(fake_jf: Path) -> None:
    assert store().stat("nothing/here") is None
    assert calls(fake_jf)[0]["argv"] == ["rt", "search", "candidates/nothing/here"]


def test_set_props_on_missing_file_fails(fake_jf: Path) -> None:
    with pytest.raises(StoreError, match="not found"):
        store().set_properties("p/missing", {"a": "1"})


@pytest.mark.parametrize("command", ["upload", "set-props", "search", "download", "build-publish"])
def test_failure_maps_to_store_error_with_last_stderr_line(
    fake_jf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    s = store()
    file = local_file(tmp_path / "a", b"a")
    s.upload(file, "p/a", {})
    monkeypatch.setenv("FAKE_JF_FAIL", command)
    actions: dict[str, Callable[[], object]] = {
        "upload": lambda: s.upload(file, "p/a", {}),
        "set-props": lambda: s.set_properties("p/a", {"k": "v"}),
        "search": lambda: s.search({}),
        "download": lambda: s.download("p/a", tmp_path / "out"),
        "build-publish": lambda: s.publish_build_info({"name": "svc", "number": "42"}),
    }
    with pytest.raises(StoreError, match=r"exit 1\): \[Error\] server response: 403 Forbidden"):
        actions[command]()
    assert not (tmp_path / "out").exists()


def fixed(stdout: str, returncode: int = 0) -> Any:
    def runner(argv: Sequence[str], **kwargs: object) -> ProgramResult:
        return ProgramResult(tuple(argv), returncode, stdout, "")

    return runner


def test_summary_parsing(tmp_path: Path) -> None:
    file = local_file(tmp_path / "a", b"a")
    source = {"source": str(file.path), "target": "https://x/artifactory/r/p/a"}
    good: dict[str, Any] = {
        "status": "success",
        "totals": {"success": 1, "failure": 0},
        "files": [{**source, "sha256": file.sha256}],
    }
    s = JfCliStore("r", runner=fixed(json.dumps(good)))
    assert s.upload(file, "p/a", {}).url == "https://x/artifactory/r/p/a"
    bad_sha = {**good, "files": [{**source, "sha256": "0" * 64}]}
    failed = {**good, "status": "failure", "totals": {"success": 0, "failure": 1}}
    for summary in [bad_sha, failed, {**good, "files": []}, [1]]:
        with pytest.raises(StoreError):
            JfCliStore("r", runner=fixed(json.dumps(summary))).upload(file, "p/a", {})
    with pytest.raises(StoreError, match="not JSON"):
        JfCliStore("r", runner=fixed("[Info] oops")).upload(file, "p/a", {})
    with pytest.raises(StoreError, match="no sha256"):
        JfCliStore("r", runner=fixed('[{"path": "r/p/a", "type": "file"}]')).stat("p/a")


def test_missing_jf_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not found"):
        JfCliStore("r", jf=str(tmp_path / "no-jf")).search({})


def test_unsafe_input_is_refused(tmp_path: Path) -> None:
    s = JfCliStore("r", runner=fixed("[]"))
    for path in ["../x", "/abs", "a/*", "a/{1}"]:
        with pytest.raises(StorePathError):
            s.stat(path)
    for props in [{"k": "a\\"}, {"k": ""}, {"k=": "v"}, {"": "v"}, {"a;b": "v"}]:
        with pytest.raises(StorePathError):
            format_properties(props)
    with pytest.raises(StoreError, match="build name"):
        s.publish_build_info({"name": "x", "number": "1"})
    with pytest.raises(StoreError, match="uploads for"):
        store().publish_build_info({"name": "other", "number": "1"})
