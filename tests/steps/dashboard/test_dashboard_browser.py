"""The dashboard in a real browser: headless Chromium renders the pages without console
messages (the pages have no scripts, so any message is a problem: a CSP violation, a missing
resource), the screenshot is not blank, and the numbers are in the DOM it built.

Chromium loads file:// URLs only and is kept off the network.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.risk.shadow.report import EnforcementRules
from cipipe.steps.dashboard import build_dashboard
from cipipe.steps.dashboard.layout import build_page_path
from tests.conftest import requires
from tests.steps.dashboard.history_data import NOW, SERVICES, Filled, fill

CHROMIUM = shutil.which("chromium")
pytestmark = requires(
    CHROMIUM is not None, "chromium not installed; `make test` installs it when run as root"
)
OFFLINE = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-proxy-server",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--window-size=1366,900",
    "--enable-logging=stderr",
    "--v=0",
)


def chromium(url: str, *extra: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert url.startswith("file://")
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return subprocess.run(
        [str(CHROMIUM), *OFFLINE, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**env, "HOME": str(profile)},
    )


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    raw, stride = zlib.decompress(idat), width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Filled]:
    root = tmp_path_factory.mktemp("browser")
    filled = fill(root / "history.sqlite3")
    rules = EnforcementRules(max_false_positive_rate=0.5, min_shadow_releases=20)
    with open_store(str(filled.path), default_path=filled.path) as store:
        build_dashboard(store, root / "site", limit=20, now=NOW, rules=rules)
    return root / "site", filled


def test_console_messages_are_caught(tmp_path: Path) -> None:
    """The check below is not vacuous: a page that logs is seen to log."""
    page = tmp_path / "noisy.html"
    page.write_text('<html><body><script>console.error("boom")</script></body></html>')
    done = chromium(page.as_uri(), "--dump-dom", profile=tmp_path / "profile")
    assert any("boom" in line for line in console_lines(done.stderr))


@pytest.mark.parametrize("which", ["index", "build"])
def test_pages_render_without_console_messages(
    site: tuple[Path, Filled], tmp_path: Path, which: str
) -> None:
    out, filled = site
    key = ("worker", "1098")
    page = out / ("index.html" if which == "index" else build_page_path(*key))
    shot = tmp_path / "shot.png"
    taken = chromium(page.as_uri(), f"--screenshot={shot}", profile=tmp_path / "profile")
    assert console_lines(taken.stderr) == []
    data = shot.read_bytes()
    assert len(data) > 20_000, len(data)
    width, height, rows = png_pixels(data)
    assert (width, height) == (1366, 900)
    assert len(set(rows)) > 50, "the screenshot is (nearly) blank"
    assert len({row[i : i + 3] for row in rows[::10] for i in range(0, len(row), 40)}) > 5

    dom = chromium(page.as_uri(), "--dump-dom", profile=tmp_path / "profile").stdout
    score, strategy = str(filled.scores[key]), filled.strategies[key]
    if which == "index":
        assert f"{20 * len(SERVICES)} builds of {len(SERVICES)} services shown" in dom
        assert "Shadow-mode agreement" in dom and "Failure rate per module" in dom
        assert f'<td class="num">{score}</td><td>{strategy}' in dom
        assert "<script" not in dom.replace("<script>console", "")
    else:
        assert f'<span class="score">{score}</span>' in dom and strategy in dom
        assert dom.count("<svg") >= 1 and "Contributors" in dom
