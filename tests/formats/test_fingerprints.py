"""primaryLocationLineHash as GitHub's upload action computes it.

The expected values are github/codeql-action's own: ``src/fingerprints.test.ts`` (the ``hash``
test) and ``src/testdata/fingerprinting.expected.sarif`` (``testFile1.js`` line 1,
``testFile2.js`` line 2, through ``addFingerprints``). The non-ASCII sample's values were
computed by the same algorithm run under Node.js on the same bytes (UTF-8 decoding with
U+FFFD, a kept BOM, an astral character as two UTF-16 units).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe.formats import fingerprints
from cipipe.formats.fingerprints import add_fingerprints, text_hashes

EMPTY_LINE_END = "c129715d7a2bc9a3:1"  # the hash of the line after a final newline
GREETINGS_WITH_FINAL_EOL = [
    "e9496ae3ebfced30:1",
    "fb7c023a8b9ccb3f:1",
    "ce8ba1a563dcdaca:1",
    "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1",
    "c8e28b0b4002a3a0:1",
    EMPTY_LINE_END,
]


def hashes(text: str) -> list[str]:
    found = text_hashes(text)
    assert sorted(found) == list(range(1, len(found) + 1))
    return [found[line] for line in sorted(found)]


def test_empty_file() -> None:
    assert hashes("") == [EMPTY_LINE_END]


def test_spaces_and_tabs_are_skipped() -> None:
    assert hashes(" a\nb\n  \t\tc\n d") == [
        "271789c17abda88f:1",
        "54703d4cd895b18:1",
        "180aee12dab6264:1",
        "a23a3dc5e078b07b:1",
    ]


def test_no_final_newline() -> None:
    assert hashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End") == [
        "8b7cf3e952e7aeb2:1",
        "b1ae1287ec4718d9:1",
        "bff680108adb0fcc:1",
        "c6805c5e1288b612:1",
        "b86d3392aea1be30:1",
        "e6ceba753e1a442:1",
    ]


@pytest.mark.parametrize(
    "text",
    [
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
        " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
        " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
        " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
    ],
    ids=["lf", "cr", "crlf", "mixed"],
)
def test_every_line_ending_is_one(text: str) -> None:
    assert hashes(text) == GREETINGS_WITH_FINAL_EOL


def test_identical_lines_are_told_apart_by_occurrence() -> None:
    assert hashes("Lorem ipsum dolor sit amet.\n" * 10) == [
        *(f"a7f2ff13bc495cf2:{n}" for n in range(1, 7)),
        "a7f2ff1481e87703:1",
        "a9cf91f7bbf1862b:1",
        "55ec222b86bcae53:1",
        "cc97dc7b1d7d8f7b:1",
        EMPTY_LINE_END,
    ]


def test_non_ascii_is_hashed_per_utf16_unit_and_bad_bytes_as_replacement() -> None:
    data = b"\xef\xbb\xbfint a; // \xf0\x9f\x98\x80\r\nx\xff y\r\rz"
    assert hashes(data.decode("utf-8", errors="replace")) == [
        "ad706737dcf4231a:1",
        "85d3eed5fd4161eb:1",
        "483058b3d6ce6067:1",
        "76dcabf80cb35c79:1",
    ]


def sarif(*locations: dict[str, Any], artifacts: list[Any] | None = None) -> dict[str, Any]:
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "t"}},
        "results": [
            {"ruleId": "r", "message": {"text": "m"}, "locations": [loc]} for loc in locations
        ],
    }
    if artifacts is not None:
        run["artifacts"] = artifacts
    return {"version": "2.1.0", "runs": [run]}


def at(uri: Any, line: int | None = 1, **artifact: Any) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, **artifact}}
    if line is not None:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def prints(log: dict[str, Any]) -> list[str | None]:
    return [
        r.get("partialFingerprints", {}).get("primaryLocationLineHash")
        for r in log["runs"][0]["results"]
    ]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "testFile1.js").write_text("var a = 0;\nvar b = 0;\nvar c = 0;\nvar d = 0;\n")
    (root / "src" / "testFile2.js").write_text(
        "var foo = 0;\nvar bar = 0;\nvar baz = 0;\nvar qux = 0;\n"
    )
    return root


def test_upstream_end_to_end_values(repo: Path) -> None:
    log = sarif(
        at("testFile1.js", uriBaseId="%SRCROOT%"),
        at(None, 2, index=0),
        artifacts=[{"location": {"uri": "src/testFile2.js"}}],
    )
    del log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert prints(add_fingerprints(log, repo)) == ["5e4d5a9cf1294ad9:1", "f7592a95a9381ac0:1"]


def test_uri_forms_that_resolve(repo: Path) -> None:
    absolute = str((repo / "testFile1.js").absolute())
    log = sarif(
        at(absolute),
        at(f"file://{absolute}"),
        at("file://testFile1.js"),
        at("src/test%46ile2.js", 2),  # percent-encoded, as cipipe writes URIs
    )
    assert prints(add_fingerprints(log, repo)) == [
        "5e4d5a9cf1294ad9:1",
        "5e4d5a9cf1294ad9:1",
        "5e4d5a9cf1294ad9:1",
        "f7592a95a9381ac0:1",
    ]


def test_locations_that_get_no_fingerprint(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("token\n")
    (repo / "link.txt").symlink_to(outside)
    (repo / "binary.o").write_bytes(b"\x7fELF\0\0\1\n")
    log = sarif(
        at("testFile1.js", line=None),  # no line: "unlikely to be a source file"
        at(str(outside)),  # absolute, outside the root
        at("link.txt"),  # inside by name, outside once the link is followed
        at("../secret.txt"),  # relative, climbing out
        at("https://example.com/testFile1.js"),  # another scheme
        at("missing.cpp"),
        at("src"),  # a folder
        at("binary.o"),
        at(7),  # not a string
        at("%E0%A4%A"),  # not a valid percent-encoding
        at("test%zzFile1.js"),  # nor this
        at(None, 1, index=3),  # an index with no artifact
        at("testFile1.js", 99),  # a line the file does not have
        {"logicalLocations": [{"name": "f"}]},
    )
    log["runs"][0]["results"].append({"ruleId": "r", "message": {"text": "no location"}})
    assert prints(add_fingerprints(log, repo)) == [None] * 15


def test_too_large_and_unreadable_files_get_none(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "big.c").write_text("int x;\n" * 10)
    monkeypatch.setattr(fingerprints, "MAX_FILE_BYTES", 20)
    assert prints(add_fingerprints(sarif(at("big.c")), repo)) == [None]
    monkeypatch.setattr(fingerprints, "MAX_FILE_BYTES", 1 << 20)
    assert prints(add_fingerprints(sarif(at("big.c")), repo)) != [None]

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError("denied")

    monkeypatch.setattr(Path, "open", refuse)
    assert prints(add_fingerprints(sarif(at("big.c")), repo)) == [None]


def test_an_existing_fingerprint_is_kept(repo: Path) -> None:
    log = sarif(at("testFile1.js"))
    log["runs"][0]["results"][0]["partialFingerprints"] = {"primaryLocationLineHash": "mine:1"}
    assert prints(add_fingerprints(log, repo)) == ["mine:1"]


def test_a_relative_root_works(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.parent)
    assert prints(add_fingerprints(sarif(at("testFile1.js")), Path(repo.name))) == [
        "5e4d5a9cf1294ad9:1"
    ]


def reference_hashes(text: str) -> dict[int, str]:
    """fingerprints.ts's ``hash`` transcribed one character at a time (processCharacter,
    outputHash, updateHash), against which cipipe's pre-filtered loop is checked."""
    window, numbers = [0] * 100, [-1] * 100
    counts: dict[str, int] = {}
    found: dict[int, str] = {}
    state = {"hash": 0, "index": 0, "line": 0, "start": True, "cr": False}
    first_mod = pow(37, 100, 1 << 64)

    def output() -> None:
        value = format(state["hash"], "x")
        counts[value] = counts.get(value, 0) + 1
        found[numbers[state["index"]]] = f"{value}:{counts[value]}"
        numbers[state["index"]] = -1

    def update(current: int) -> None:
        begin, window[state["index"]] = window[state["index"]], current
        state["hash"] = (37 * state["hash"] + current - first_mod * begin) % (1 << 64)
        state["index"] = (state["index"] + 1) % 100

    def process(current: int) -> None:
        if current in (32, 9) or (state["cr"] and current == 10):
            state["cr"] = False
            return
        state["cr"] = current == 13
        current = 10 if current == 13 else current
        if numbers[state["index"]] != -1:
            output()
        if state["start"]:
            state["start"] = False
            state["line"] += 1
            numbers[state["index"]] = state["line"]
        if current == 10:
            state["start"] = True
        update(current)

    for unit in text.encode("utf-16-le", "surrogatepass").hex(" ", 2).split():
        process(int.from_bytes(bytes.fromhex(unit), "little"))
    process(65535)
    for _ in range(100):
        if numbers[state["index"]] != -1:
            output()
        update(0)
    return found


@given(st.text(alphabet=st.sampled_from(["a", "b", " ", "\t", "\r", "\n", "é", "😀", "\0"])))
@settings(max_examples=300, deadline=None)
def test_the_filtered_loop_is_the_character_by_character_hash(text: str) -> None:
    assert text_hashes(text) == reference_hashes(text)


def test_the_reference_gives_the_upstream_values() -> None:
    assert [v for _, v in sorted(reference_hashes(" a\nb\n  \t\tc\n d").items())] == [
        "271789c17abda88f:1",
        "54703d4cd895b18:1",
        "180aee12dab6264:1",
        "a23a3dc5e078b07b:1",
    ]
