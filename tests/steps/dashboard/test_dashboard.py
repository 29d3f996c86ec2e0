"""cipipe dashboard over a real SQLite history store: pages, numbers, escaping, determinism."""

from __future__ import annotations

import random
import re
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.adapters.history.interface import BuildRecord
from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.risk.shadow.from_store import shadow_report
from cipipe.risk.shadow.report import EnforcementRules
from cipipe.steps.dashboard import build_dashboard
from cipipe.steps.dashboard.collect import collect_builds, module_rates
from cipipe.steps.dashboard.layout import build_page_path, safe_name
from tests.conftest import REPO_ROOT, CliResult
from tests.steps.dashboard.history_data import (
    BUILDS_PER_SERVICE,
    MALICIOUS_BRANCH,
    MALICIOUS_BUILD,
    NOW,
    SERVICES,
    Filled,
    decision_for,
    fill,
    record,
)

RULES = EnforcementRules(max_false_positive_rate=0.5, min_shadow_releases=20)
SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Filled:
    return fill(tmp_path_factory.mktemp("history") / "history.sqlite3")


@pytest.fixture(scope="module")
def site(filled: Filled, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("site")
    with open_store(str(filled.path), default_path=filled.path) as store:
        started = time.perf_counter()
        written = build_dashboard(store, out, limit=40, now=NOW, rules=RULES)
        took = time.perf_counter() - started
    assert took < 10, f"{filled.builds} builds took {took:.1f}s"
    return out, written


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_writes_the_index_and_a_page_per_shown_build(site: tuple[Path, list[Path]]) -> None:
    out, written = site
    assert written[0] == out / "index.html"
    pages = [p for p in written if p.suffix == ".html"]
    assert len(pages) == 1 + 40 * len(SERVICES)
    assert all(p.is_file() and p.resolve().is_relative_to(out.resolve()) for p in written)
    index = read(out / "index.html")
    assert f"{40 * len(SERVICES)} builds of {len(SERVICES)} services shown" in index
    for service in SERVICES:
        assert f"<h2>{service}: recent builds</h2>" in index
    # Every link on the index goes to a page that exists.
    for href in re.findall(r'href="([^"]+)"', index):
        assert (out / href).is_file(), href


def test_a_build_page_shows_its_decision(site: tuple[Path, list[Path]], filled: Filled) -> None:
    out, _ = site
    key = ("api", str(1000 + BUILDS_PER_SERVICE - 2))
    page = read(out / build_page_path(*key))
    index = read(out / "index.html")
    score, strategy = filled.scores[key], filled.strategies[key]
    assert f'<span class="score">{score}</span> / 100' in page
    assert f"<dt>recommended</dt><dd>{strategy}</dd>" in page
    link = f'<a href="{build_page_path(*key)}">{key[1]}</a>'
    row = index[index.index(link) :].split("</tr>")[0]
    assert f'<td class="num">{score}</td><td>{strategy}' in row
    assert "Contributors" in page and "policy version" in page and "sha256:" in page
    assert "<h2>Outcomes</h2>" in page
    assert "api/1098/risk-decision.json" in page
    decision_json = out / "builds" / "api" / f"{key[1]}.decision.json"
    assert decision_json.is_file() and f'href="{decision_json.name}"' in page
    assert 'href="../../index.html"' in page


def test_store_text_is_escaped(site: tuple[Path, list[Path]]) -> None:
    out, written = site
    for path in written:
        text = read(path)
        assert "<script" not in text.lower() and "<b>" not in text and "<i>" not in text
    index = read(out / "index.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert MALICIOUS_BRANCH not in index
    evil = out / build_page_path("web", MALICIOUS_BUILD)
    assert (
        evil.parent == out / "builds" / "web" and evil.name == safe_name(MALICIOUS_BUILD) + ".html"
    )
    assert "&quot;&lt;b&gt;" in read(evil)
    assert "&lt;i&gt;note&lt;/i&gt;" in read(out / build_page_path("api", "1060"))


def test_every_inline_svg_is_well_formed(site: tuple[Path, list[Path]]) -> None:
    _, written = site
    charts = 0
    for path in (p for p in written if p.suffix == ".html"):
        for svg in SVG.findall(read(path)):
            root = ET.fromstring(svg)
            assert root.tag == "{http://www.w3.org/2000/svg}svg"
            charts += 1
    assert charts >= 4 + 100


def test_same_store_same_bytes(
    filled: Filled, site: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    out, written = site
    with open_store(str(filled.path), default_path=filled.path) as store:
        again = build_dashboard(store, tmp_path, limit=40, now=NOW, rules=RULES)
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(out) for p in written]
    for first, second in zip(written, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first


def test_failure_rates_and_shadow_numbers_match_the_store(
    filled: Filled, site: tuple[Path, list[Path]]
) -> None:
    out, _ = site
    index = read(out / "index.html")
    with open_store(str(filled.path), default_path=filled.path) as store:
        rates = module_rates(store, SERVICES, since=NOW.replace(year=2025), now=NOW)
        for r in rates[:5]:
            one = store.failure_rate(r.service, r.module, window_days=None, now=NOW)
            assert (one.failed, one.total) == (r.failed, r.total)
        report = shadow_report(store, RULES, services=SERVICES)
        shown = collect_builds(store, ["api"], 5)["api"]
    assert [b.build_id for b in shown] == [str(1000 + n) for n in range(99, 94, -1)]
    for s in report.services:
        t = s.grouped.tally
        cells = [t.known + t.pending, t.known, t.pending, t.tp, t.fp, t.tn, t.fn]
        row = "".join(f'<td class="num">{c}</td>' for c in cells)
        assert f"<td>{s.service}</td>{row}" in index
    assert sum(s.grouped.tally.known for s in report.services) > 100
    assert "Shadow-mode agreement" in index and "Failure rate per module" in index


def test_the_command_writes_the_site(
    cli: Callable[..., CliResult], filled: Filled, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO_ROOT)
    result = cli(
        "dashboard",
        "--out",
        tmp_path / "site",
        "--db",
        filled.path,
        "--service",
        "worker",
        "--limit",
        "5",
    )
    assert result.exit_code == 0, result.stderr
    assert "dashboard: 6 pages" in result.stdout
    index = read(tmp_path / "site" / "index.html")
    assert "5 builds of 1 services shown" in index
    assert "api: recent builds" not in index
    assert "ready to enforce" in index or "not yet:" in index
    assert sorted(p.name for p in (tmp_path / "site" / "builds" / "worker").glob("*.html")) == [
        f"{1000 + n}.html" for n in range(95, 100)
    ]


def test_a_platform_planned_but_not_built_is_not_listed_as_built(tmp_path: Path) -> None:
    """windows was planned, but its toolchain was missing: no artifact, so not "built"."""
    db = tmp_path / "history.sqlite3"
    risk_inputs = {
        "service": "svc",
        "targets": ["linux", "arm", "windows"],
        "artifacts": [
            {"platform": p, "name": f"svc-{p}-7", "sha256": "0" * 64} for p in ("linux", "arm")
        ],
    }
    with open_store(str(db), default_path=db) as store:
        store.record_build(
            BuildRecord("svc", "7", NOW, "success", "cipipe", risk_inputs=risk_inputs)
        )
        build_dashboard(store, tmp_path / "site", now=NOW, rules=RULES)
    for page_path in (tmp_path / "site" / "index.html", tmp_path / "site" / "builds/svc/7.html"):
        shown = read(page_path)
        assert "linux, arm <span" in shown and "(not built: windows)" in shown, page_path
        assert "linux, arm, windows" not in shown


def test_only_a_build_decided_more_than_once_lists_every_decision(
    site: tuple[Path, list[Path]], filled: Filled, tmp_path: Path
) -> None:
    out, _ = site
    key = ("api", str(1000 + BUILDS_PER_SERVICE - 2))
    assert "<h2>Every decision</h2>" not in read(out / build_page_path(*key))
    copy = tmp_path / "history.sqlite3"
    shutil.copyfile(filled.path, copy)
    again = decision_for("api", key[1], random.Random(1), ("linux",), NOW)
    with open_store(str(copy), default_path=copy) as store:
        record(store, again, key[1])
        build_dashboard(store, tmp_path / "site", limit=40, now=NOW, rules=RULES)
    page = read(tmp_path / "site" / build_page_path(*key))
    section = page.split("<h2>Every decision</h2>", 1)[1].split("</section>", 1)[0]
    assert section.count("<tr>") == 1 + 2  # the header and the two decisions, in order
