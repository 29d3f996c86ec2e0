from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from cipipe.errors import InputError
from cipipe.identifiers import (
    AgentLabel,
    BuildIdText,
    Name,
    check_agent_label,
    check_build_id,
    check_name,
)

HOSTILE = ["a\nb", "a\tb", "a;b", "a/b", "a$b", "a`b", "a\n", "", "$(touch x)", "a\rb", "a\x00b"]


class Names(BaseModel):
    name: Name
    build_id: BuildIdText
    agent: AgentLabel


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_refused_by_every_check(value: str) -> None:
    for check in (check_name, check_build_id, check_agent_label):
        with pytest.raises(InputError) as caught:
            check(value, file="matrix.json", field="platforms[0].agent")
        assert "matrix.json: platforms[0].agent" in str(caught.value)
        assert "\n" not in str(caught.value)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_refused_by_the_contract_types(value: str) -> None:
    fields = {"name": "svc", "build_id": "42", "agent": "linux"}
    for key in fields:
        with pytest.raises(ValidationError):
            Names.model_validate({**fields, key: value})


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (check_name, "sample-service"),
        (check_name, "linux-x86_64"),
        (check_build_id, "1234"),
        (check_build_id, "PR-17.3_rc"),
        (check_agent_label, "linux && (docker || x86_64)"),
        (check_agent_label, "!windows"),
        (check_agent_label, "arm64"),
    ],
)
def test_ordinary_values_pass(check: object, value: str) -> None:
    assert callable(check)
    assert check(value) == value
    Names.model_validate({"name": "svc", "build_id": "1", "agent": "linux"})


def test_length_limits() -> None:
    check_build_id("a" * 64)
    with pytest.raises(InputError):
        check_build_id("a" * 65)
    with pytest.raises(InputError):
        check_name("a" * 101)


@pytest.mark.parametrize("value", [*HOSTILE, "a b", ".hidden", "-flag"])
def test_artifact_names_and_the_predicates_refuse_what_the_checks_refuse(value: str) -> None:
    from cipipe.identifiers import check_artifact_name, is_build_id, is_name

    with pytest.raises(InputError):
        check_artifact_name(value, field="artifacts[0].name")
    assert not is_build_id(value) and not is_name(value)


def test_artifact_names_keep_case_and_plus() -> None:
    from cipipe.identifiers import check_artifact_name, is_build_id, is_name

    name = "svc-libFoo+x-linux-cccccccccccc-PR-17.tar.gz"
    assert check_artifact_name(name) == name
    assert is_build_id("PR-17") and is_name("sample-service") and not is_name("a" * 101)
