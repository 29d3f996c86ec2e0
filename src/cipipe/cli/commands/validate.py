"""cipipe validate: check files against the schema they name, every file, one line each."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.errors import ExitCode

log = logging.getLogger("cipipe.validate")

YAML_SUFFIXES = (".yaml", ".yml")
JFROG_KEYS = frozenset({"version", "name", "number", "started", "durationMillis"})


def validate_file(path: Path) -> str:
    """Validate one file; return the schema it satisfied, or raise InputError."""
    from cipipe.contracts.loading import check_schema_id, load_json, schema_id_of, validate_data
    from cipipe.contracts.registry import contract_for, contract_names
    from cipipe.errors import InputError

    if path.suffix.lower() in YAML_SUFFIXES:
        from cipipe.contracts.repo_config import RepoConfig, load_repo_config

        load_repo_config(path)
        return f"cipipe.{RepoConfig.SCHEMA_NAME}/1"
    data = load_json(path)
    if isinstance(data, dict) and data.get("bomFormat") == "CycloneDX":
        return validate_cyclonedx(path, data)
    if is_jfrog_build_info(path, data):
        return validate_jfrog_build_info(path, data)
    name, _ = schema_id_of(data, str(path))
    model = contract_for(name)
    if model is None:
        known = ", ".join(f"cipipe.{n}" for n in contract_names())
        raise InputError(
            f"unknown schema cipipe.{name}",
            file=str(path),
            field="schema",
            expected=f"one of {known}",
        )
    check_schema_id(model, data, str(path))
    validate_data(model, data, str(path))
    return model.schema_id_value()


def is_jfrog_build_info(path: Path, data: object) -> bool:
    """build-info.jfrog.json by name, or a JFrog document by shape (no cipipe schema id, and
    JFrog's required keys), wherever it was saved."""
    from cipipe.contracts.jfrog_build_info import JfrogBuildInfo

    if path.name == JfrogBuildInfo.FILE_NAME:
        return True
    return isinstance(data, dict) and "schema" not in data and data.keys() >= JFROG_KEYS


def validate_jfrog_build_info(path: Path, data: object) -> str:
    from cipipe.contracts.jfrog_build_info import JfrogBuildInfo
    from cipipe.contracts.loading import validate_data
    from cipipe.errors import InputError

    if not isinstance(data, dict):
        raise InputError(
            f"top level is {type(data).__name__}", file=str(path), expected="a JSON object"
        )
    document = validate_data(JfrogBuildInfo, data, str(path))
    return f"JFrog build-info {document.version}"


def validate_cyclonedx(path: Path, data: dict[str, object]) -> str:
    """sbom.json follows CycloneDX's own schema, not a cipipe one."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    from cipipe.errors import InputError

    spec = str(data.get("specVersion", ""))
    try:
        version = SchemaVersion.from_version(spec)
    except ValueError:
        raise InputError(
            f"unsupported CycloneDX specVersion {spec!r}",
            file=str(path),
            field="specVersion",
            expected="1.2 to 1.6",
        ) from None
    error = JsonStrictValidator(version).validate_str(path.read_text(encoding="utf-8"))
    if error is not None:
        detail = str(error).splitlines()[0]
        raise InputError(f"not valid CycloneDX {spec}: {detail}", file=str(path))
    return f"CycloneDX {spec}"


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def command(state: CliState, files: tuple[Path, ...]) -> int:
    """Check cipipe JSON files, a .cipipe.yaml, an SBOM or build-info.jfrog.json, each against
    its schema.

    Every file is checked, one line each: "FILE: valid SCHEMA" on stdout, or the error (the
    file, the field and what was expected) on stderr. Exit 0 when every file is valid, 2 when
    any is not.
    """
    from cipipe.cli.quoting import shown_message
    from cipipe.cli.spec import PROG
    from cipipe.errors import InputError

    failed = 0
    for path in files:
        try:
            schema = validate_file(path)
        except InputError as exc:  # the next file still gets its line
            failed += 1
            click.echo(state.masker.mask(f"{PROG}: error: {shown_message(exc)}"), err=True)
            continue
        click.echo(f"{path}: valid {schema}")
    return int(ExitCode.BAD_INPUT if failed else ExitCode.OK)
