"""context.yaml: the runtime signals of a risk decision (seed Step 3 A), all optional.

What the build cannot know by itself: how busy production is, when the release will go out,
how the previous release went. A signal left out is recorded as missing in
risk-inputs-for-decision.json and the policy says what that costs; it is never read as zero.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from cipipe.contracts.base import Strict

Criticality = Literal["low", "normal", "high", "critical"]


class DecisionContext(Strict):
    """Every key is optional; calendar flags given here win over the policy's calendar."""

    version: Literal[1] = 1
    deploy_at: AwareDatetime | None = Field(
        default=None,
        description="When the release is planned; the calendar is read at this time "
        "(default: the time of the decision)",
    )
    production_qps: Annotated[float, Field(ge=0)] | None = Field(
        default=None, description="Current production traffic, requests per second"
    )
    criticality: Criticality | None = Field(
        default=None, description="The service's criticality tag; wins over .cipipe.yaml"
    )
    previous_release_at: AwareDatetime | None = Field(
        default=None, description="When the previous successful release finished"
    )
    last_release_rolled_back: bool | None = None
    peak_business: bool | None = Field(default=None, description="Overrides the calendar")
    maintenance_window: bool | None = Field(default=None, description="Overrides the calendar")
    change_freeze: bool | None = Field(default=None, description="Overrides the calendar")
    labels: list[str] = Field(default_factory=list, description="Team labels, e.g. hotfix")
    pr_labels: list[str] = Field(default_factory=list, description="Labels of the pull request")
    branch: str | None = Field(default=None, description="Wins over the branch in risk-inputs")
    changed_paths: list[str] | None = Field(
        default=None,
        description="Changed files; default: build-info.json beside the risk inputs",
    )
    driver_signing_new: bool | None = Field(
        default=None, description="Windows drivers: the signing certificate is new"
    )
