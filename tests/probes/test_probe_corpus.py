"""The probe corpus: every step, every file it reads, broken every way in the table (and in
ways hypothesis draws). Each case must be exit 2 with one error line that names the file (and
the field when there is one), no traceback, no "internal error", and leave the work folder
byte for byte as it was."""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CliResult
from tests.probes.golden import Golden
from tests.probes.mutations import Location, Mutation, dotted, leaves, replace
from tests.probes.table import IN_REPO, INPUTS, STEPS, Case, CaseEnv, prepare
from tests.probes.tally import TALLY
from tests.support.hangs import STEP_HANG_SECONDS, no_hang, unblocking
from tests.support.outside import clear_outside_config

Cli = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def _no_outside_systems(monkeypatch: pytest.MonkeyPatch) -> None:
    # No Slack, Artifactory, GitHub or database of the machine running the tests.
    clear_outside_config(monkeypatch)


def fingerprint(folder: Path) -> dict[str, str]:
    """Every entry below ``folder``: a regular file by its digest (a big one, like the sparse
    file over the size cap, by its inode, size and time), anything else by its kind."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            found[str(path)] = stat.filemode(info.st_mode)[0]
        elif info.st_size > 1 << 20:
            found[str(path)] = f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"
        else:
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def assert_refused(result: CliResult, target: Path, field: str | None) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "internal error" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.stderr
    [line] = errors
    assert str(target) in line, (str(target), line)
    if field is not None:
        # A union or a list may be reported below the broken node; never elsewhere.
        assert f": {field}" in line, (field, line)


def run_case(cli: Cli, case: Case, env: CaseEnv, apply: Callable[[Path, str], str | None]) -> None:
    TALLY.tried += 1
    target = case.input.where(env)
    field = apply(target, target.read_text(encoding="utf-8"))
    before = fingerprint(env.work)
    with no_hang(STEP_HANG_SECONDS), unblocking(target):
        result = cli(*case.argv(env))
    assert_refused(result, target, field)
    assert fingerprint(env.work) == before, "the work folder changed"
    TALLY.refused += 1


def test_probe_case(cli: Cli, golden: Golden, tmp_path: Path, case: Case) -> None:
    env = prepare(golden, tmp_path / "case", copy_repo=case.input.name in IN_REPO)
    run_case(cli, case, env, case.mutation.apply)


# -- hypothesis: hostile values anywhere in a valid document ---------------------------------


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


# JSON text no encoder writes, valid nowhere in a cipipe file, whatever the field.
hostile_json_text = st.one_of(
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e400"]),
    st.integers(min_value=20, max_value=6000).map(lambda n: "9" * n),
    st.integers(min_value=2**63, max_value=2**80).map(str),
    # Deeper than this, json itself gives up (no field to name: a table case covers it).
    st.integers(min_value=65, max_value=500).map(_deep),
    st.tuples(st.text(max_size=8), st.sampled_from(["\\u0000", "\\ud800", "\\udfff"])).map(
        lambda pair: json.dumps(pair[0])[:-1] + pair[1] + '"'
    ),
)
# The case of a drawn example: its breakage is applied by the test itself.
DRAWN = Mutation("drawn by hypothesis", lambda path, text: None)
JSON_INPUTS = [
    (step, name)
    for step in STEPS
    for name in step.reads
    if INPUTS[name].kind == "contract" and step.name != "validate"
]


@st.composite
def json_cases(draw: st.DrawFn, golden: Golden) -> tuple[Case, Location, str]:
    step, name = draw(st.sampled_from(JSON_INPUTS))
    document = json.loads((golden.work / name).read_text())
    locations = [at for at, _ in leaves(document)]
    return (
        Case(step, INPUTS[name], DRAWN, id=""),
        draw(st.sampled_from(locations)),
        draw(hostile_json_text),
    )


def _put_raw(at: Location, raw: str) -> Callable[[Path, str], str | None]:
    def apply(path: Path, text: str) -> str | None:
        document = json.loads(text)
        node = document
        for part in at[:-1]:
            node = node[part]
        node[at[-1]] = "@@RAW@@"
        replace(path, json.dumps(document).replace('"@@RAW@@"', raw))
        return dotted(at)

    return apply


PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
def test_a_hostile_value_anywhere_is_refused(
    cli: Cli, golden: Golden, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    case, at, raw = data.draw(json_cases(golden))
    env = prepare(golden, tmp_path_factory.mktemp("drawn"), copy_repo=False)
    run_case(cli, case, env, _put_raw(at, raw))


YAML_INPUTS = [
    (step, name)
    for step in STEPS
    for name in step.reads
    if name in {".cipipe.yaml", "context.yaml", "bundle.yaml", "risk-weights.yaml"}
]
hostile_yaml_values = st.one_of(
    st.sampled_from([float("nan"), float("inf"), float("-inf"), b"\x00binary"]),
    st.integers(min_value=2**63, max_value=10**300),
    st.text(max_size=6).map(lambda s: s + "\x00"),
    st.integers(min_value=65, max_value=150).map(lambda n: json.loads(_deep(n))),
    st.sets(st.integers(), min_size=1, max_size=3),
)


@PROPERTY
@given(data=st.data())
def test_a_hostile_yaml_value_anywhere_is_refused(
    cli: Cli, golden: Golden, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    step, name = data.draw(st.sampled_from(YAML_INPUTS))
    env = prepare(golden, tmp_path_factory.mktemp("drawn"), copy_repo=False)
    document = yaml.safe_load(INPUTS[name].where(env).read_text())
    at = data.draw(st.sampled_from([loc for loc, _ in leaves(document)]))
    value = data.draw(hostile_yaml_values)

    def apply(path: Path, text: str) -> str | None:
        node = document
        for part in at[:-1]:
            node = node[part]
        node[at[-1]] = value
        replace(path, yaml.safe_dump(document, allow_unicode=False))
        return None  # refused while parsing (a line) or by the value check (the field)

    run_case(cli, Case(step, INPUTS[name], DRAWN, id=""), env, apply)
