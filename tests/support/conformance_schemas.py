"""Each file cipipe hands over, checked as its real consumer reads it, against the upstream
schemas kept in tests/data (their source and commit in the README beside each one).

Every validator returns a list of problems (empty when the file conforms), each naming the
file's part that is wrong, so a test can show them all at once. Nothing here reaches the
network: the CycloneDX schema's references to the SPDX and JSF schemas are served from
tests/data through a ``referencing`` registry.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from tests.conftest import DATA, REPO_ROOT
from tests.risk.exports import check_against_crd
from tests.support.binformat import elf_machine, pe_machine
from tests.support.sarif import sarif_validators
from tests.support.slack_blocks import blocks_error
from tests.support.surefire import surefire_problems

CIPIPE_SCHEMAS = REPO_ROOT / "schemas"
CRDS = DATA / "crds"


def _located(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message[:300]}"


def _errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    return sorted(_located(e) for e in validator.iter_errors(document))


# -- SARIF 2.1.0 (GitHub code scanning, Jenkins warnings-ng) ---------------------------------


def sarif_errors(log: Any) -> list[str]:
    """The OASIS schema and its errata, as tests/support/sarif.py checks precheck's logs."""
    return [problem for v in sarif_validators() for problem in _errors(v, log)]


# -- JUnit XML (Jenkins' junit plugin reads one <testsuite> per report, as Surefire writes) ---


def surefire_errors(path: Path) -> list[str]:
    """Every <testsuite> of the file against the Surefire 3.0 XSD (tests/support/surefire.py)."""
    return [f"{path.name}: {problem}" for problem in surefire_problems(path)]


# -- JFrog build-info (Artifactory's build API, jf build-publish) -----------------------------


@cache
def _buildinfo_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((DATA / "buildinfo" / "buildinfo-schema.json").read_text())
    return schema


def buildinfo_errors(document: Any) -> list[str]:
    """build-info-go's schema. Upstream nests ``modules`` and ``issues`` beside ``properties``
    rather than inside it, so a plain validation never looks at them; each is checked here
    against its own sub-schema, as the schema's authors meant."""
    schema = _buildinfo_schema()
    problems = _errors(jsonschema.Draft4Validator(schema), document)
    if isinstance(document, dict):
        for part in ("modules", "issues"):
            if part in document:
                validator = jsonschema.Draft4Validator(schema[part])
                problems += [f"{part}/{p}" for p in _errors(validator, document[part])]
    return problems


# -- CycloneDX 1.6 (Dependency-Track, grype/trivy sbom: inputs) --------------------------------


@cache
def _cyclonedx_validator() -> jsonschema.protocols.Validator:
    folder = DATA / "cyclonedx"
    documents = [
        json.loads((folder / name).read_text(encoding="utf-8"))
        for name in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json")
    ]
    # Each schema names itself by its $id; the BOM's relative $refs ("spdx.schema.json",
    # "jsf-0.82.schema.json#/...") resolve against its $id to those same URLs. A registry
    # without a retrieve function fails on anything else instead of fetching it.
    registry: Registry[Any] = Registry().with_resources(
        (doc["$id"], Resource.from_contents(doc)) for doc in documents
    )
    return jsonschema.Draft7Validator(
        documents[0], registry=registry, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def cyclonedx_errors(document: Any) -> list[str]:
    problems = _errors(_cyclonedx_validator(), document)
    if isinstance(document, dict) and document.get("specVersion") != "1.6":
        problems.append(f"specVersion: {document.get('specVersion')!r}, expected '1.6'")
    return problems


# -- Argo Rollouts / Flagger exports (the controllers' CRDs) -----------------------------------

CRD_FOR_TOP_KEY = {"strategy": "argo-rollouts-strategy.json", "analysis": "flagger-analysis.json"}
# The fragments' top-level keys: the Rollout's strategy and pod template (its annotations), the
# Canary's analysis, or the Canary's metadata (rollout-flagger-metadata.yaml).
_FRAGMENT_KEYS = {
    "argo-rollouts-strategy.json": ({"strategy"}, {"strategy", "template"}),
    "flagger-analysis.json": ({"analysis"}, {"metadata"}),
}


def rollout_export_errors(path: Path) -> list[str]:
    """Each YAML document of an export against the key set extracted from its CRD
    (tests/data/crds): a ``strategy:`` block for Argo Rollouts, an ``analysis:`` block for
    Flagger, any other resource by its kind when tests/data/crds has an extract for it."""
    problems: list[str] = []
    for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if not isinstance(document, dict):
            problems.append(f"{path.name}: a document is not a mapping")
            continue
        crd_name = _crd_file_for(document)
        if crd_name is None:
            problems.append(f"{path.name}: no CRD extract for {sorted(document)[:3]}")
            continue
        crd = json.loads((CRDS / crd_name).read_text(encoding="utf-8"))
        problems += [f"{path.name}: {p}" for p in check_against_crd(document, crd)]
    return problems


def _crd_file_for(document: dict[str, Any]) -> str | None:
    for name, shapes in _FRAGMENT_KEYS.items():
        if set(document) in shapes:
            return name
    # An extract is named after the kind it describes, in whatever spelling: compare letters.
    kind = re.sub(r"[^a-z0-9]", "", str(document.get("kind", "")).lower())
    for extract in sorted(CRDS.glob("*.json")) if kind else []:
        letters = re.sub(r"[^a-z0-9]", "", extract.stem.lower())
        if letters.endswith(kind):
            return extract.name
    return None


# -- Slack Block Kit (chat.postMessage) ---------------------------------------------------------


def slack_blocks_errors(blocks: Any) -> list[str]:
    """slack_sdk's block models (each block parses to a known model, passes its checks and
    reads back unchanged: a key the model does not know is dropped, so it differs) and the
    limits Slack enforces on top (tests/support/slack_blocks.py)."""
    problems: list[str] = []
    if (refused := blocks_error(blocks)) is not None:
        problems.append(f"Slack would answer {refused}")
    for index, block in enumerate(blocks if isinstance(blocks, list) else []):
        try:
            model = Block.parse(block)
        except (TypeError, SlackObjectFormationError) as exc:  # a known type missing a field
            problems.append(f"block {index}: slack_sdk cannot build it: {exc}")
            continue
        if model is None:
            problems.append(f"block {index}: slack_sdk knows no block {block!r:.80}")
            continue
        try:
            model.validate_json()
        except SlackObjectFormationError as exc:
            problems.append(f"block {index}: {exc}")
            continue
        if model.to_dict() != block:
            problems.append(f"block {index}: slack_sdk reads it back as {model.to_dict()!r:.200}")
    return problems


# -- cipipe's own files (schemas/, generated from the contracts) --------------------------------


@cache
def _cipipe_validator(name: str) -> jsonschema.protocols.Validator | None:
    path = CIPIPE_SCHEMAS / f"{name}.schema.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def cipipe_schema_errors(document: Any, name: str | None = None) -> list[str]:
    """The file against schemas/<name>.schema.json, ``name`` taken from its ``schema`` field
    ("cipipe.<name>/<major>") unless given."""
    if name is None:
        declared = document.get("schema") if isinstance(document, dict) else None
        match = re.fullmatch(r"cipipe\.([a-z0-9-]+)/\d+", str(declared))
        if match is None:
            return [f"schema: {declared!r} does not name a cipipe schema"]
        name = match.group(1)
    validator = _cipipe_validator(name)
    if validator is None:
        return [f"schema: no schemas/{name}.schema.json for this file"]
    return _errors(validator, document)


# -- Checksums and binaries (sha256sum -c, the target's loader) ---------------------------------


def sha256sums_errors(path: Path) -> list[str]:
    """``sha256sum -c`` syntax (hash, two spaces or space-star, a name relative to the file's
    folder) and every named file present with that hash."""
    problems: list[str] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        return [f"{path.name}: empty"]
    for number, line in enumerate(lines, 1):
        match = re.fullmatch(r"([0-9a-f]{64}) [ *](\S.*)", line)
        if match is None:
            problems.append(f"{path.name}:{number}: not '<sha256>  <name>'")
            continue
        target = path.parent / match.group(2)
        if not target.is_file():
            problems.append(f"{path.name}:{number}: {match.group(2)} is missing")
        elif hashlib.sha256(target.read_bytes()).hexdigest() != match.group(1):
            problems.append(f"{path.name}:{number}: {match.group(2)} has another sha256")
    return problems


EXPECTED_MACHINE = {
    "linux": ("elf", "x86_64"),
    "arm": ("elf", "aarch64"),
    "windows": ("pe", "x86_64"),
}


def binary_errors(path: Path, platform: str) -> list[str]:
    """An artifact is an executable its platform's loader takes: ELF x86-64 for linux, ELF
    aarch64 for arm, PE x86-64 for windows."""
    expected = EXPECTED_MACHINE.get(platform)
    if expected is None:
        return [f"{path.name}: no expected format for platform {platform!r}"]
    kind, machine = expected
    found = elf_machine(path) if kind == "elf" else pe_machine(path)
    return [] if found == machine else [f"{path.name}: {kind} {found!r}, expected {machine}"]
