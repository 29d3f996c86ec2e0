"""cipipe schema: the JSON Schemas, generated from the pydantic contracts."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cipipe.contracts.registry import all_schema_names, json_schema
from cipipe.errors import ExitCode
from cipipe.fileio import atomic_write_text


def render_schema(name: str) -> str:
    return json.dumps(json_schema(name), indent=2, sort_keys=True) + "\n"


def write_all(folder: Path) -> list[Path]:
    written = []
    for name in all_schema_names():
        path = folder / f"{name}.schema.json"
        atomic_write_text(path, render_schema(name))
        written.append(path)
    return written


@click.command("schema")
@click.argument("name", required=False, type=click.Choice(all_schema_names()))
@click.option(
    "--write",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Write every schema to FOLDER/<name>.schema.json instead of printing one.",
)
def command(name: str | None, folder: Path | None) -> int:
    """Print the JSON Schema of the cipipe file NAME (e.g. source, precheck, matrix, config)."""
    if folder is not None:
        for path in write_all(folder):
            click.echo(str(path))
        return int(ExitCode.OK)
    if name is None:
        raise click.UsageError("give a schema NAME or --write FOLDER")
    click.echo(render_schema(name), nl=False)
    return int(ExitCode.OK)
