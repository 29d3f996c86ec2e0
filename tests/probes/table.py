"""The table of probe cases: for every step, every file it reads, every way to break it.

A case copies the golden work folder (and whatever else the step reads that the case breaks)
into its own folder, breaks one file there, runs the step in-process and checks the outcome.
Stand-in files (FIFO, folder, device, not UTF-8, truncated, empty) are tried for every step
that reads the file; hostile documents and broken fields for the first step that reads it
(`cipipe validate` for the files no other step reads).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cipipe.contracts.base import Contract
from cipipe.contracts.registry import all_contracts
from tests.probes.golden import Golden
from tests.probes.mutations import (
    Mutation,
    field_mutations,
    hostile_json,
    hostile_values,
    hostile_yaml,
    schema_mutations,
    stand_ins,
)

FIELD_LIMIT = 12  # wrong-type cases per file, spread over the document


@dataclass(frozen=True)
class CaseEnv:
    """One case's copies; files the case does not break are read from the golden set."""

    root: Path
    golden: Golden
    work: Path
    db: Path
    config: Path
    context: Path
    policy: Path
    bundle_spec: Path
    repo: Path
    history: Path

    @property
    def store_url(self) -> str:
        return f"file://{self.golden.store}"


def prepare(golden: Golden, root: Path, *, copy_repo: bool) -> CaseEnv:
    work = root / "work"
    shutil.copytree(golden.work, work, symlinks=True)
    shutil.copy2(golden.db, root / "history.sqlite3")
    shutil.copy2(golden.config, root / "cipipe.yaml")
    shutil.copy2(golden.context, root / "context.yaml")
    shutil.copy2(golden.bundle_spec, root / "bundle.yaml")
    shutil.copy2(golden.history, root / "history.jsonl")
    shutil.copytree(golden.policy, root / "policies")
    repo = golden.repo
    if copy_repo:
        repo = root / "repo"
        shutil.copytree(golden.repo, repo, symlinks=True)
    return CaseEnv(
        root=root,
        golden=golden,
        work=work,
        db=root / "history.sqlite3",
        config=root / "cipipe.yaml",
        context=root / "context.yaml",
        policy=root / "policies",
        bundle_spec=root / "bundle.yaml",
        repo=repo,
        history=root / "history.jsonl",
    )


@dataclass(frozen=True)
class Input:
    """A file some step reads: where it is in a case, and what kind of text it holds."""

    name: str
    where: Callable[[CaseEnv], Path]
    kind: str  # "contract" (a cipipe JSON file), "json" (another tool's) or "yaml"

    @property
    def model(self) -> type[Contract]:
        return next(m for m in all_contracts().values() if self.name == m.FILE_NAME)


def _work(name: str) -> Callable[[CaseEnv], Path]:
    return lambda env: env.work / name


def _policy(name: str) -> Callable[[CaseEnv], Path]:
    return lambda env: env.policy / name


# The cipipe JSON files of the work folder, in pipeline order.
CONTRACT_FILES = [
    "source.json",
    "precheck.json",
    "matrix.json",
    "artifacts.json",
    "tests.json",
    "deps_changed.json",
    "scan.json",
    "build-info.json",
    "risk-inputs.json",
    "publish.json",
    "gate.json",
    "risk-decision.json",
    "notification.json",
    "manifest.json",
    "risk-inputs-for-decision.json",
]
INPUTS = {
    i.name: i
    for i in [
        Input(".cipipe.yaml", lambda env: env.config, "yaml"),
        Input("components.yaml", lambda env: env.repo / "third_party" / "components.yaml", "yaml"),
        Input("context.yaml", lambda env: env.context, "yaml"),
        Input("bundle.yaml", lambda env: env.bundle_spec, "yaml"),
        Input("risk-weights.yaml", _policy("risk-weights.yaml"), "yaml"),
        Input("strategy-mapping-policy.yaml", _policy("strategy-mapping-policy.yaml"), "yaml"),
        Input("thresholds-and-windows.yaml", _policy("thresholds-and-windows.yaml"), "yaml"),
        Input("sbom.json", _work("sbom.json"), "json"),
        Input("build-info.jfrog.json", _work("build-info.jfrog.json"), "json"),
        Input("history.jsonl", lambda env: env.history, "lines"),
        *(Input(name, _work(name), "contract") for name in CONTRACT_FILES),
    ]
}
IN_REPO = {"components.yaml"}


@dataclass(frozen=True)
class Step:
    """A command, the files it reads (space separated, in the order it reads them) and its
    arguments."""

    name: str
    files: str
    argv: Callable[[CaseEnv], list[str | Path]]

    @property
    def reads(self) -> list[str]:
        return self.files.split()


def _w(env: CaseEnv) -> list[str | Path]:
    return ["--workdir", env.work]


def _repo(env: CaseEnv) -> list[str | Path]:
    return ["--repo", env.repo, "--config", env.config]


POLICY_FILES = "risk-weights.yaml strategy-mapping-policy.yaml thresholds-and-windows.yaml"
STEPS = [
    Step("precheck", ".cipipe.yaml", lambda e: [*_w(e), "precheck", *_repo(e)]),
    Step("build-matrix", ".cipipe.yaml source.json", lambda e: [*_w(e), "build-matrix", *_repo(e)]),
    Step(
        "build",
        ".cipipe.yaml source.json matrix.json",
        lambda e: [*_w(e), "build", *_repo(e), "--build-id", "8"],
    ),
    Step("test", ".cipipe.yaml source.json matrix.json", lambda e: [*_w(e), "test", *_repo(e)]),
    Step(
        "sbom",
        ".cipipe.yaml source.json artifacts.json components.yaml",
        lambda e: [*_w(e), "sbom", *_repo(e)],
    ),
    Step(
        "scan",
        ".cipipe.yaml sbom.json",
        lambda e: [*_w(e), "scan", *_repo(e), "--osv-db", e.golden.osv_db],
    ),
    Step(
        "build-info",
        ".cipipe.yaml source.json matrix.json artifacts.json tests.json deps_changed.json "
        "scan.json",
        lambda e: [*_w(e), "build-info", *_repo(e), "--db", e.db],
    ),
    Step(
        "publish",
        "build-info.json artifacts.json build-info.jfrog.json",
        lambda e: [*_w(e), "publish", "--target", f"file://{e.root / 'new-store'}"],
    ),
    Step(
        "gate",
        ".cipipe.yaml source.json precheck.json tests.json scan.json artifacts.json matrix.json "
        "publish.json",
        lambda e: [*_w(e), "gate", *_repo(e), "--target", e.store_url],
    ),
    Step(
        "notify",
        ".cipipe.yaml gate.json tests.json publish.json risk-decision.json source.json",
        lambda e: [*_w(e), "notify", *_repo(e), "--db", e.db],
    ),
    Step(
        "checklist",
        "publish.json artifacts.json tests.json gate.json notification.json manifest.json",
        lambda e: [*_w(e), "checklist", *_repo(e), "--target", e.store_url],
    ),
    Step(
        "decide-strategy",
        f"risk-inputs.json build-info.json context.yaml {POLICY_FILES} publish.json gate.json",
        lambda e: [
            *_w(e),
            *("decide-strategy", "--policy", e.policy, "--db", e.db),
            *("--context", e.context, "--target", e.store_url),
        ],
    ),
    Step(
        "bundle",
        "bundle.yaml",
        lambda e: [*_w(e), "bundle", "--spec", e.bundle_spec, "--target", e.store_url],
    ),
    Step("policy check", POLICY_FILES, lambda e: [*_w(e), "policy", "check", e.policy]),
    Step("explain", "risk-decision.json", lambda e: [*_w(e), "explain"]),
    Step(
        "backtest",
        "history.jsonl",
        lambda e: [
            *_w(e),
            *("backtest", "--history", e.history, "--label", "failed", "--time", "time"),
            *("--policy", e.policy),
        ],
    ),
    # validate's FILE argument is added by the case (see Case.argv).
    Step(
        "validate",
        " ".join([".cipipe.yaml", "sbom.json", "build-info.jfrog.json", *CONTRACT_FILES]),
        lambda e: [*_w(e), "validate"],
    ),
]


@dataclass(frozen=True)
class Case:
    step: Step
    input: Input
    mutation: Mutation
    id: str = field(compare=False)

    def argv(self, env: CaseEnv) -> list[str | Path]:
        argv = self.step.argv(env)
        return [*argv, self.input.where(env)] if self.step.name == "validate" else argv


def _first_readers() -> dict[str, str]:
    first: dict[str, str] = {}
    for step in STEPS:
        for name in step.reads:
            first.setdefault(name, step.name)
    return first


def build_cases(golden: Golden, scratch: Path) -> list[Case]:
    """Every (step, file, mutation) of the corpus, in a stable order with readable ids."""
    first = _first_readers()
    cases: list[Case] = []
    for step in STEPS:
        for name in step.reads:
            source = INPUTS[name]
            text = _golden_text(golden, source)
            mutations = stand_ins(scratch, source.kind)
            if step.name == first[name]:
                mutations += _documents(source, text)
            cases += [
                Case(step, source, m, id=f"{step.name} | {name} | {m.name}") for m in mutations
            ]
    return cases


def _golden_text(golden: Golden, source: Input) -> str:
    env = CaseEnv(
        root=golden.root,
        golden=golden,
        work=golden.work,
        db=golden.db,
        config=golden.config,
        context=golden.context,
        policy=golden.policy,
        bundle_spec=golden.bundle_spec,
        repo=golden.repo,
        history=golden.history,
    )
    return source.where(env).read_text(encoding="utf-8")


def _documents(source: Input, text: str) -> list[Mutation]:
    if source.kind == "yaml":
        return hostile_yaml()
    if source.kind == "lines":
        return []  # a history's bad rows are counted, not refused: only the file as a whole
    mutations = hostile_json() + hostile_values(text)
    if source.kind == "contract":
        model = source.model
        required = {(f.alias or name) for name, f in model.model_fields.items() if f.is_required()}
        mutations += schema_mutations(text)
        mutations += field_mutations(text, required=required, limit=FIELD_LIMIT)
    return mutations
