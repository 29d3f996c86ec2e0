"""cipipe dashboard (seed 10.2): a static HTML site of recent builds and risk decisions.

No scripts and no network: charts are inline SVG drawn here, the stylesheet is inline and has
a print layout. Store text is escaped everywhere; the same store and ``now`` give the same
bytes, so the site can be snapshot-tested.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from cipipe.adapters.history.interface import HistoryStore
from cipipe.fileio import atomic_write_text
from cipipe.risk.shadow.from_store import shadow_report
from cipipe.risk.shadow.report import EnforcementRules
from cipipe.steps.dashboard.build_page import build_page
from cipipe.steps.dashboard.collect import collect_builds, list_services, module_rates
from cipipe.steps.dashboard.layout import Site, build_page_path, safe_name
from cipipe.steps.dashboard.render import index_page

FAILURE_WINDOW_DAYS = 90
# Used only to run the shadow report when no policy is known; its readiness is not shown.
_NO_POLICY = EnforcementRules(max_false_positive_rate=0.0, min_shadow_releases=1)


def build_dashboard(
    store: HistoryStore,
    out: Path,
    *,
    service: str | None = None,
    limit: int = 50,
    now: datetime,
    rules: EnforcementRules | None = None,
) -> list[Path]:
    """Write ``out/index.html`` and a page per shown build (the newest ``limit`` of each
    service); return the files written, index first. ``rules`` are the policy's enforcement
    thresholds for the shadow-mode readiness column (None: shown as unknown)."""
    services = list_services(store, service)
    found = collect_builds(store, services, limit)
    shadow = shadow_report(store, rules or _NO_POLICY, services=services)
    shown = [b for builds in found.values() for b in builds]
    site = Site(
        generated=now,
        store=store.url,
        builds=found,
        module_rates=module_rates(
            store, services, since=now - timedelta(days=FAILURE_WINDOW_DAYS), now=now
        ),
        window_days=FAILURE_WINDOW_DAYS,
        shadow=shadow,
        readiness_known=rules is not None,
        synthetic=shadow.synthetic or any(b.source == "synthetic" for b in shown),
    )
    written = [out / "index.html"]
    atomic_write_text(written[0], index_page(site))
    for shown in found.values():
        for b in shown:
            target = out / build_page_path(b.service, b.build_id)
            files: list[tuple[str, str]] = []
            if b.decision is not None:
                doc = target.with_name(f"{safe_name(b.build_id)}.decision.json")
                atomic_write_text(doc, _json(b.decision.document))
                written.append(doc)
                files.append(("the latest decision and its inputs (JSON)", doc.name))
            atomic_write_text(target, build_page(b, site=site, files=files))
            written.append(target)
    return written


def _json(document: object) -> str:
    import json

    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=True)
    # The same data, but no markup even if a server sends the file as HTML.
    for char in "<>&":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text + "\n"
