"""The CLI's commands and global options as plain data.

Kept free of click so that ``cipipe --help`` renders from here without importing click or
any step (see cipipe.cli.help); the click group is built from the same data.
"""

from __future__ import annotations

PROG = "cipipe"
DESCRIPTION = (
    "Turn a pushed commit into reproducible, scanned, published candidate artifacts, and "
    "decide how risky the change is and how to roll it out. Each step reads and writes JSON "
    "files in one work folder, so any step can be rerun alone from what earlier steps left."
)


# Plain classes rather than dataclasses: importing dataclasses alone costs more than the
# whole help text takes to render.
class CommandSpec:
    __slots__ = ("module", "name", "summary")

    def __init__(self, name: str, module: str, summary: str) -> None:
        self.name = name
        self.module = module
        self.summary = summary


class GlobalOption:
    __slots__ = ("choices", "counting", "default", "envvar", "flags", "help", "metavar")

    def __init__(
        self,
        flags: tuple[str, ...],
        help: str,
        *,
        metavar: str | None = None,
        envvar: str | None = None,
        default: str | None = None,
        choices: tuple[str, ...] = (),
        counting: bool = False,
    ) -> None:
        self.flags = flags
        self.help = help
        self.metavar = metavar
        self.envvar = envvar
        self.default = default
        self.choices = choices
        self.counting = counting


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "precheck",
        "cipipe.cli.commands.precheck",
        "Record the exact source; run clang-format, cppcheck, clang-tidy and the telemetry "
        "contract check.",
    ),
    CommandSpec(
        "build-matrix",
        "cipipe.cli.commands.build_matrix",
        "Plan the per-platform builds: agent, locked toolchain, build and test commands.",
    ),
    CommandSpec(
        "build",
        "cipipe.cli.commands.build",
        "Build each platform in a clean folder; name, checksum and collect the artifacts.",
    ),
    CommandSpec(
        "test",
        "cipipe.cli.commands.test",
        "Run unit tests (natively, under qemu or wine), smoke tests and coverage per platform.",
    ),
    CommandSpec(
        "collect",
        "cipipe.cli.commands.collect",
        "Merge the work folders of per-platform agents (build and test results, artifacts, "
        "reports) into one.",
    ),
    CommandSpec(
        "sbom",
        "cipipe.cli.commands.sbom",
        "Write the CycloneDX SBOM (manifests, lock files, submodules, vendored code) and "
        "the dependency changes.",
    ),
    CommandSpec(
        "scan",
        "cipipe.cli.commands.scan",
        "Match the SBOM against an offline OSV folder and grype/trivy reports.",
    ),
    CommandSpec(
        "build-info",
        "cipipe.cli.commands.build_info",
        "Write build-info.json (also in JFrog's format) and risk-inputs.json, with change "
        "metrics from git and failure rates from the history store.",
    ),
    CommandSpec(
        "publish",
        "cipipe.cli.commands.publish",
        "Publish the artifacts and reports as candidates (Artifactory REST, jf CLI or a local "
        "folder), verified, all or nothing.",
    ),
    CommandSpec(
        "bundle",
        "cipipe.cli.commands.bundle",
        "Resolve a multi-service bundle from the candidates, verify it, smoke-test it in an "
        "isolated folder and publish its manifest.",
    ),
    CommandSpec(
        "gate",
        "cipipe.cli.commands.gate",
        "Judge the build from its reports: passed, needs-attention or rejected (exit 1); "
        "mark a rejected candidate, set the commit status, comment on the PR.",
    ),
    CommandSpec(
        "notify",
        "cipipe.cli.commands.notify",
        "Tell people: a Slack message (or notification.json) with the verdict, tests, "
        "artifacts, risk decision and next steps; record the build for the dashboard.",
    ),
    CommandSpec(
        "checklist",
        "cipipe.cli.commands.checklist",
        "Verify the Step-2 deliverables (artifacts in the store, attachments, SBOM, scan, "
        "tests, bundle, notification) before Step 3; exit 1 when one is missing.",
    ),
    CommandSpec(
        "decide-strategy",
        "cipipe.cli.commands.decide_strategy",
        "Score the change's risk (0-100) and choose rolling, canary or blue-green with its "
        "pace; audited, attached to the candidate, shadow or enforce.",
    ),
    CommandSpec(
        "backtest",
        "cipipe.cli.commands.backtest",
        "Replay the risk heuristic over labelled release history: how it would have done, "
        "and (--tune) bucket edges for a target false-positive rate.",
    ),
    CommandSpec(
        "model",
        "cipipe.cli.commands.model",
        "Train, evaluate, promote, share and serve (over HTTP) the learned risk model "
        "(LightGBM + logistic, calibrated).",
    ),
    CommandSpec(
        "explain",
        "cipipe.cli.commands.explain",
        "Show a risk decision on one screen: contributors, buckets, overrides, approval.",
    ),
    CommandSpec(
        "history",
        "cipipe.cli.commands.history",
        "Record builds in the history store, backfill it from Jenkins, or seed a synthetic "
        "one for a demo.",
    ),
    CommandSpec(
        "outcome",
        "cipipe.cli.commands.outcome",
        "Label a released build: ok, rollback, slo-breach or hotfix; or sync the labels from Argo "
        "Rollouts, Flagger, Jenkins or Artifactory.",
    ),
    CommandSpec(
        "policy",
        "cipipe.cli.commands.policy",
        "Check a risk policy bundle (weights, strategy mapping, thresholds and windows), "
        "serve it over HTTP, or diff two bundles over labelled history.",
    ),
    CommandSpec(
        "audit",
        "cipipe.cli.commands.audit",
        "Verify the signed, anchored audit log of decisions, outcomes and model approvals, "
        "or show a build's decisions.",
    ),
    CommandSpec(
        "shadow",
        "cipipe.cli.commands.shadow",
        "Report how shadow-mode risk decisions fared against release outcomes, and which "
        "services may switch to enforce.",
    ),
    CommandSpec(
        "dashboard",
        "cipipe.cli.commands.dashboard",
        "Write a static HTML dashboard of recent builds, risk decisions and shadow agreement.",
    ),
    CommandSpec(
        "setup",
        "cipipe.cli.commands.setup",
        "Check, and with --apply fix, the repository's Jenkins webhook and branch protection "
        "(GitHub).",
    ),
    CommandSpec(
        "run",
        "cipipe.cli.commands.run",
        "Run every pipeline step in order on a repository, with the embedded defaults.",
    ),
    CommandSpec(
        "validate",
        "cipipe.cli.commands.validate",
        "Check cipipe files (or a .cipipe.yaml) against the schema they name.",
    ),
    CommandSpec(
        "schema",
        "cipipe.cli.commands.schema",
        "Print the JSON Schema of a cipipe file, or write them all to a folder.",
    ),
)

GLOBAL_OPTIONS: tuple[GlobalOption, ...] = (
    GlobalOption(
        ("--workdir",),
        "Work folder that steps read from and write to.",
        metavar="DIR",
        envvar="CIPIPE_WORKDIR",
        default=".cipipe",
    ),
    GlobalOption(
        ("--log-format",),
        "Plain/rich text lines, or one JSON object per line.",
        envvar="CIPIPE_LOG_FORMAT",
        default="text",
        choices=("text", "json"),
    ),
    GlobalOption(("-v", "--verbose"), "More detail; repeat for debug logging.", counting=True),
    GlobalOption(("--debug",), "Debug logging, and a traceback for internal errors."),
    GlobalOption(("--version",), "Print the version and exit."),
    GlobalOption(("-h", "--help"), "Show this message and exit."),
)
