"""Rollout and Canary objects (``kubectl get rollouts,canaries -o json``) read as signals.

Argo Rollouts (argoproj/argo-rollouts ``pkg/apis/rollouts/v1alpha1/types.go``): ``status.phase``
is ``Healthy``, ``Progressing``, ``Paused`` or ``Degraded``; ``status.abort`` is set when a
rollout was aborted (by a failed analysis or by hand), with ``status.abortedAt``; the analysis
runs' statuses are under ``status.canary`` / ``status.blueGreen`` (``*AnalysisRunStatus``).
Controllers before ``status.phase`` existed show a timed-out rollout only as the
``Progressing`` condition with reason ``ProgressDeadlineExceeded``, which the controller now
reports as ``Degraded`` (``utils/rollout/rolloututil.go``); it is read the same way.
The kubectl plugin's ``get rollout`` has no JSON output (argoproj/argo-rollouts issue 4137),
so the Rollout object is what is read.

Flagger (fluxcd/flagger ``pkg/apis/flagger/v1beta1/status.go``): ``status.phase``
``Succeeded`` (analysed and promoted) or ``Failed`` (analysis failed, canary scaled to zero),
``status.lastTransitionTime`` when that happened; every other phase is still under way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cipipe.errors import InputError
from cipipe.steps.outcome_sync.signals import (
    BUILD_ID_ANNOTATION,
    DECISION_ANNOTATION,
    SERVICE_ANNOTATION,
    Signal,
    parse_k8s_time,
)

ARGO_KIND = "Rollout"
FLAGGER_KIND = "Canary"
# AnalysisRun phases that end a rollout (types.go AnalysisPhase; "Aborted" as the plugin shows it).
FAILED_ANALYSIS = ("Failed", "Aborted")
_ANALYSIS_STATUS_FIELDS = (
    ("canary", "currentStepAnalysisRunStatus"),
    ("canary", "currentBackgroundAnalysisRunStatus"),
    ("blueGreen", "prePromotionAnalysisRunStatus"),
    ("blueGreen", "postPromotionAnalysisRunStatus"),
)


def objects(document: Any, kind: str, file: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each ``kind`` object of a document (one object, or a ``List`` of them) with where it is
    in the document; an object of another kind is bad input naming its place."""
    if not isinstance(document, dict):
        raise InputError("not a JSON object", file=file, expected=f"a {kind} or a List")
    if document.get("kind") == "List" or (
        "items" in document and document.get("kind", "").endswith("List")
    ):
        items = document.get("items")
        if not isinstance(items, list):
            raise InputError("items is not a list", file=file, field="items")
        for index, item in enumerate(items):
            yield from _one(item, kind, file, f"items[{index}]")
        return
    yield from _one(document, kind, file, "")


def _one(item: Any, kind: str, file: str, where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    field = f"{where}.kind" if where else "kind"
    if not isinstance(item, dict) or item.get("kind") != kind:
        got = item.get("kind") if isinstance(item, dict) else type(item).__name__
        raise InputError(f"kind is {got!r}", file=file, field=field, expected=kind)
    metadata = item.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
        name_field = f"{where}.metadata.name" if where else "metadata.name"
        raise InputError("missing", file=file, field=name_field, expected="the object's name")
    yield where, item


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _subject(kind: str, item: Mapping[str, Any]) -> str:
    meta = _dict(item.get("metadata"))
    namespace = meta.get("namespace") or "default"
    return f"{kind.lower()}/{namespace}/{meta['name']}"


def _annotations(item: Mapping[str, Any], *, template: bool) -> dict[str, str]:
    found: dict[str, str] = {}
    places = [_dict(item.get("metadata")).get("annotations")]
    if template:
        spec_meta = _dict(_dict(_dict(item.get("spec")).get("template")).get("metadata"))
        places.insert(0, spec_meta.get("annotations"))
    for place in places:  # the object's own annotations win over the pod template's
        found.update({k: v for k, v in _dict(place).items() if isinstance(v, str)})
    return found


def _images(item: Mapping[str, Any]) -> tuple[str, ...]:
    pod = _dict(_dict(_dict(item.get("spec")).get("template")).get("spec"))
    containers = pod.get("containers")
    if not isinstance(containers, list):
        return ()
    return tuple(c["image"] for c in containers if isinstance(c, dict) and "image" in c)


def _signal(kind: str, item: Mapping[str, Any], source: Any, **verdict: Any) -> Signal:
    notes = _annotations(item, template=kind == ARGO_KIND)
    meta = _dict(item.get("metadata"))
    identity = meta.get("uid") or meta.get("name")
    revision = _dict(meta.get("annotations")).get("rollout.argoproj.io/revision", "")
    subject = _subject(kind, item)
    result = verdict.get("result")
    key_state = result or "pending"
    if decision := notes.get(DECISION_ANNOTATION):
        # The outcome's note names the audited decision the rollout carried out.
        verdict["evidence"] = f"{verdict['evidence']}; decision {decision}"
    return Signal(
        source=source,
        subject=subject,
        key=f"{source}:{subject}:{identity}:{revision}:{notes.get(BUILD_ID_ANNOTATION, '')}:"
        f"{key_state}",
        service=notes.get(SERVICE_ANNOTATION),
        build_id=notes.get(BUILD_ID_ANNOTATION),
        decision=notes.get(DECISION_ANNOTATION),
        images=_images(item),
        **verdict,
    )


def _condition(status: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
    for condition in status.get("conditions") or []:
        if isinstance(condition, dict) and condition.get("type") == kind:
            return condition
    return {}


def _failed_analysis(status: Mapping[str, Any]) -> str | None:
    for block, name in _ANALYSIS_STATUS_FIELDS:
        run = _dict(_dict(status.get(block)).get(name))
        if run.get("status") in FAILED_ANALYSIS:
            return f"analysis run {run.get('name', '?')} {run['status']}: {run.get('message', '')}"
    return None


def rollout_signal(item: Mapping[str, Any]) -> Signal:
    """An Argo Rollout's verdict: rollback, ok once healthy (held for the stable window), or
    nothing yet."""
    status = _dict(item.get("status"))
    progressing = _condition(status, "Progressing")
    phase = status.get("phase")
    if phase is None and progressing.get("reason") == "ProgressDeadlineExceeded":
        phase = "Degraded"
    failed = _failed_analysis(status)
    if status.get("abort") is True or phase == "Degraded" or failed:
        why = "; ".join(
            part
            for part in (
                "abort: true" if status.get("abort") is True else "",
                f"phase {phase}" if phase == "Degraded" else "",
                failed or "",
                str(progressing.get("message") or status.get("message") or ""),
            )
            if part
        )
        since = parse_k8s_time(status.get("abortedAt")) or parse_k8s_time(
            progressing.get("lastTransitionTime")
        )
        return _signal(
            ARGO_KIND, item, "argo-rollouts", result="rollback", evidence=why, since=since
        )
    if phase == "Healthy":
        healthy = _condition(status, "Healthy") or _condition(status, "Completed")
        since = parse_k8s_time(healthy.get("lastTransitionTime"))
        evidence = f"phase Healthy since {healthy.get('lastTransitionTime', 'an unknown time')}"
        return _signal(
            ARGO_KIND, item, "argo-rollouts", result="ok", evidence=evidence, since=since, hold=True
        )
    shown = phase or progressing.get("reason") or "no phase"
    return _signal(ARGO_KIND, item, "argo-rollouts", result=None, evidence=f"phase {shown}")


def canary_signal(item: Mapping[str, Any]) -> Signal:
    """A Flagger Canary's verdict: Failed -> rollback, Succeeded -> ok (held for the stable
    window), any other phase -> nothing yet. Without ``status.phase`` the ``Promoted``
    condition's reason says the same (Flagger's docs, ``docs/gitbook/usage/how-it-works.md``,
    show a successful status that way)."""
    status = _dict(item.get("status"))
    promoted = _condition(status, "Promoted")
    phase = status.get("phase") or promoted.get("reason")
    when = status.get("lastTransitionTime") or promoted.get("lastTransitionTime")
    since = parse_k8s_time(when)
    evidence = f"phase {phase or 'none'}"
    if since is not None:
        evidence += f" at {when}"
    if phase == "Failed":
        evidence += f", {status.get('failedChecks', 0)} failed checks"
        return _signal(
            FLAGGER_KIND, item, "flagger", result="rollback", evidence=evidence, since=since
        )
    if phase == "Succeeded":
        return _signal(
            FLAGGER_KIND, item, "flagger", result="ok", evidence=evidence, since=since, hold=True
        )
    return _signal(FLAGGER_KIND, item, "flagger", result=None, evidence=evidence)


def read_signals(document: Any, source: str, file: str) -> list[Signal]:
    """Every object's signal, in document order."""
    if source == "argo-rollouts":
        return [rollout_signal(item) for _, item in objects(document, ARGO_KIND, file)]
    return [canary_signal(item) for _, item in objects(document, FLAGGER_KIND, file)]
