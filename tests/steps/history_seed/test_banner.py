"""Made-up history is marked wherever it is shown: the dashboard's pages and ``shadow report``
(text and JSON) carry the synthetic banner or flag when a build they show or count was seeded,
and a real build or a report over real decisions carries neither."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cipipe.adapters.history.interface import BuildRecord
from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.risk.policy.builtin import load_builtin_bundle
from cipipe.risk.shadow.report import SYNTHETIC_BANNER
from cipipe.steps.dashboard import build_dashboard
from cipipe.steps.dashboard.layout import build_page_path
from cipipe.steps.history_seed.seed import seed_history
from tests.conftest import CliResult
from tests.steps.dashboard.history_data import decision_for, record

Cli = Callable[..., CliResult]
END = datetime(2026, 12, 1, tzinfo=UTC)
BANNER_HTML = f'<p class="banner" role="note">{SYNTHETIC_BANNER}</p>'


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A real gateway build with a real shadow decision, then synthetic history beside it
    (as --force would mix it in)."""
    db = tmp_path / "mixed.sqlite3"
    with open_store(str(db), default_path=db, durable=False) as store:
        at = END - timedelta(days=3)
        store.record_build(BuildRecord("gateway", "41", at, "success", "cipipe"))
        record(store, decision_for("gateway", "41", random.Random(1), ("linux",), at), "41")
        seed_history(
            store,
            load_builtin_bundle(),
            seed=19,
            count=45,
            now=END,
            policy_source="builtin",
            force=True,
        )
    return db


def _shadow(cli: Cli, db: Path, tmp_path: Path, *args: str) -> CliResult:
    result = cli("--workdir", tmp_path / "w", "shadow", "report", "--db", db, *args)
    assert result.exit_code == 0, result.stderr
    return result


def test_shadow_report_over_seeded_builds_says_so_first_and_flags_its_json(
    cli: Cli, mixed: Path, tmp_path: Path
) -> None:
    text = _shadow(cli, mixed, tmp_path).stdout
    assert text.splitlines()[0] == SYNTHETIC_BANNER
    assert json.loads(_shadow(cli, mixed, tmp_path, "--json").stdout)["synthetic"] is True
    assert json.loads(_shadow(cli, mixed, tmp_path, "--json", "--service", "payments").stdout)[
        "synthetic"
    ]


def test_shadow_report_over_real_decisions_only_carries_no_banner(
    cli: Cli, mixed: Path, tmp_path: Path
) -> None:
    real = _shadow(cli, mixed, tmp_path, "--service", "gateway")
    assert SYNTHETIC_BANNER not in real.stdout
    report = json.loads(_shadow(cli, mixed, tmp_path, "--service", "gateway", "--json").stdout)
    assert report["synthetic"] is False
    assert report["overall"]["decisions"] == 1


def test_the_dashboard_marks_its_index_and_each_seeded_build_page_but_not_a_real_one(
    mixed: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    with open_store(str(mixed), default_path=mixed) as store:
        build_dashboard(store, out, limit=5, now=END)
    index = (out / "index.html").read_text()
    assert index.count(BANNER_HTML) == 1
    assert index.index(BANNER_HTML) < index.index("<section>")
    assert BANNER_HTML not in (out / build_page_path("gateway", "41")).read_text()
    seeded = [p for p in (out / "builds").glob("*/*.html") if p.parent.name != "gateway"]
    assert len(seeded) == 15
    assert all(BANNER_HTML in p.read_text() for p in seeded)


def test_the_dashboard_of_a_real_store_carries_no_banner(tmp_path: Path) -> None:
    db = tmp_path / "real.sqlite3"
    out = tmp_path / "site"
    with open_store(str(db), default_path=db) as store:
        at = END - timedelta(days=1)
        store.record_build(BuildRecord("gateway", "41", at, "success", "cipipe"))
        record(store, decision_for("gateway", "41", random.Random(1), ("linux",), at), "41")
        build_dashboard(store, out, limit=5, now=END)
    assert "banner" not in (out / "index.html").read_text().split("</style>")[1]
