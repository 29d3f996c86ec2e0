"""cipipe validate: check files against the schema they name."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.errors import ExitCode

log = logging.getLogger("cipipe.validate")

YAML_SUFFIXES = (".yaml", ".yml")


def validate_file(path: Path) -> str:
    """Validate one file; return the schema it satisfied, or raise InputError."""
    from cipipe.contracts.loading import check_schema_id, load_json, schema_id_of, validate_data
    from cipipe.contracts.registry import CONTRACTS
    from cipipe.contracts.repo_config import RepoConfig, load_repo_config
    from cipipe.errors import InputError

    if path.suffix.lower() in YAML_SUFFIXES:
        load_repo_config(path)
        return f"cipipe.{RepoConfig.SCHEMA_NAME}/1"
    data = load_json(path)
    if isinstance(data, dict) and data.get("bomFormat") == "CycloneDX":
        return validate_cyclonedx(path, data)
    name, _ = schema_id_of(data, str(path))
    model = CONTRACTS.get(name)
    if model is None:
        known = ", ".join(f"cipipe.{n}" for n in sorted(CONTRACTS))
        raise InputError(
            f"unknown schema cipipe.{name}",
            file=str(path),
            field="schema",
            expected=f"one of {known}",
        )
    check_schema_id(model, data, str(path))
    validate_data(model, data, str(path))
    return model.schema_id_value()


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
    """Check cipipe JSON files (or a .cipipe.yaml) against the schema each one names.

    Exit 0 when every file is valid; otherwise exit 2 with the file, field and expectation.
    """
    for path in files:
        schema = validate_file(path)
        click.echo(f"{path}: valid {schema}")
    del state
    return int(ExitCode.OK)
