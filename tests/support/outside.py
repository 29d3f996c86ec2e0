"""The environment that points cipipe at an outside system, which a test must not inherit.

One list for every suite that runs commands (gate, notify, decide-strategy, the probes, the
start-up import test, the CLI benchmark). The three copies it replaces had drifted apart (each
named only the systems its own commands read: the gate's GitHub, store and Slack; decide's
policy, model service, store and Slack; the probes' all of them) rather than needing different
contents: removing a variable the machine does not set changes nothing, and a test that wants
one sets it after the autouse fixture removed the machine's. BUILD_TAG is not here: the suites
that need it set their own.
"""

from __future__ import annotations

import pytest

OUTSIDE_CONFIG = (
    # Slack (bot and webhook)
    "SLACK_BOT_TOKEN",
    "SLACK_CHANNEL",
    "SLACK_WEBHOOK_URL",
    "SLACK_API_URL",
    # GitHub, and the Jenkins links a PR comment or message carries
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
    "CIPIPE_GITHUB_API_URL",
    "CHANGE_URL",
    "BUILD_URL",
    # Artifactory over REST or the jf CLI
    "CIPIPE_ARTIFACTORY_URL",
    "CIPIPE_ARTIFACTORY_TOKEN",
    "CIPIPE_ARTIFACTORY_API_KEY",
    "CIPIPE_ARTIFACTORY_USER",
    "CIPIPE_ARTIFACTORY_PASSWORD",
    "JFROG_CLI_ACCESS_TOKEN",
    # the history store, the policy, the advisories, the approval and model services
    "CIPIPE_DB",
    "CIPIPE_POLICY",
    "CIPIPE_OSV_DB",
    "CIPIPE_APPROVAL_URL",
    "CIPIPE_MODEL_URL",
    "CIPIPE_MODEL_DEADLINE",
    "CIPIPE_MODEL_REGISTRY",
)


def clear_outside_config(patch: pytest.MonkeyPatch) -> None:
    """Remove the machine's outside systems from the environment for one test."""
    for var in OUTSIDE_CONFIG:
        patch.delenv(var, raising=False)
