"""Where the stand-in for the JFrog CLI lies (tests/fakejf/jf), for tests that put it on PATH."""

from __future__ import annotations

from pathlib import Path

FAKE_JF = Path(__file__).resolve().parent.parent / "fakejf" / "jf"
